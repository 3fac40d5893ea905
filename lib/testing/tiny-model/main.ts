import { parseArgs } from "node:util";
import { writeTinyModel } from "./index";
import { PRESET_NAMES, type PresetName } from "./presets";

// npx tsx lib/testing/tiny-model/main.ts --out DIR [--preset tiny|small|medium] [--seed N] [--tied] [--gqa] [--qwen2 | --qwen3 | --phi3 [--phi4-mini-rope] | --granite | --smollm3 | --olmo2 | --olmo3 [--sliding-window N] | --exaone4 [--sliding-window N] | --ministral3 | --lfm2 | --glm4 | --gemma3 [--sliding-window N] | --gemma2 [--sliding-window N]] [--yarn] [--head-dim N] [--f32]
// Writes a seeded HF model folder for demos and manual runs of the trainer.

const { values } = parseArgs({
  options: {
    out: { type: "string" },
    preset: { type: "string", default: "tiny" },
    seed: { type: "string", default: "0" },
    tied: { type: "boolean", default: false },
    gqa: { type: "boolean", default: false },
    qwen2: { type: "boolean", default: false },
    qwen3: { type: "boolean", default: false },
    gemma3: { type: "boolean", default: false },
    gemma2: { type: "boolean", default: false },
    phi3: { type: "boolean", default: false },
    "phi4-mini-rope": { type: "boolean", default: false },
    yarn: { type: "boolean", default: false },
    granite: { type: "boolean", default: false },
    smollm3: { type: "boolean", default: false },
    olmo2: { type: "boolean", default: false },
    olmo3: { type: "boolean", default: false },
    exaone4: { type: "boolean", default: false },
    ministral3: { type: "boolean", default: false },
    lfm2: { type: "boolean", default: false },
    glm4: { type: "boolean", default: false },
    "head-dim": { type: "string" },
    "sliding-window": { type: "string" },
    f32: { type: "boolean", default: false },
  },
  strict: true,
});

try {
  if (!values.out) throw new Error("--out DIR is required (the folder to write the model into)");
  if (!(PRESET_NAMES as string[]).includes(values.preset)) throw new Error(`--preset must be one of ${PRESET_NAMES.join(", ")}, got "${values.preset}"`);
  const seed = Number(values.seed);
  if (!Number.isInteger(seed) || seed < 0) throw new Error(`--seed must be a non-negative integer, got "${values.seed}"`);
  const headDim = values["head-dim"] === undefined ? undefined : Number(values["head-dim"]);
  if (headDim !== undefined && !(Number.isInteger(headDim) && headDim > 0 && headDim % 2 === 0))
    throw new Error(`--head-dim must be a positive even integer, got "${values["head-dim"]}"`);
  const slidingWindow = values["sliding-window"] === undefined ? undefined : Number(values["sliding-window"]);
  if (slidingWindow !== undefined && !(Number.isInteger(slidingWindow) && slidingWindow > 0))
    throw new Error(`--sliding-window must be a positive integer, got "${values["sliding-window"]}"`);
  const m = writeTinyModel({
    dir: values.out,
    preset: values.preset as PresetName,
    seed,
    tiedEmbeddings: values.tied,
    gqa: values.gqa,
    qwen2: values.qwen2,
    qwen3: values.qwen3,
    gemma3: values.gemma3,
    gemma2: values.gemma2,
    phi3: values.phi3,
    phi4MiniRope: values["phi4-mini-rope"],
    yarn: values.yarn,
    granite: values.granite,
    smollm3: values.smollm3,
    olmo2: values.olmo2,
    olmo3: values.olmo3,
    exaone4: values.exaone4,
    ministral3: values.ministral3,
    lfm2: values.lfm2,
    glm4: values.glm4,
    slidingWindow,
    shape: headDim === undefined ? undefined : { headDim },
    dtype: values.f32 ? "F32" : "BF16",
  });
  console.log(`wrote ${m.dir}: ${m.config.architectures} with ${(m.numParameters / 1e6).toFixed(2)}M parameters, vocab ${m.vocabSize}`);
} catch (err) {
  console.error(`tiny-model: ${(err as Error).message}`);
  process.exitCode = 1;
}
