import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadChatTokenizer, tokenizeDataset } from "../lib/tokenizer";
import { writeTinyModel, type TinyModelOptions } from "../lib/testing/tiny-model";
import { ReferenceModel, type ReferenceOptions } from "../lib/testing/tiny-model/reference";
import { Lfm2Reference } from "../lib/testing/tiny-model/reference-lfm2";
import { colorTask } from "../lib/testing/tiny-model/task";
import { loadNativeAddon, type LoadOptions, type NativeAddon } from "./index";

// The native forward against an independent float64 reference written in TypeScript from the reference
// facts alone (lib/testing/tiny-model/reference.ts): base weights, NF4, NF4 + double quant, an adapter,
// tied embeddings, GQA, Qwen2 biases and Qwen3's q/k norms, and each family's own layer (LFM2's in reference-lfm2.ts). The trainer computes in fp32; measured agreement is ≤ 2e-6, so the
// tolerance below is 2e-5, far under the effects being checked (NF4 error, an adapter: > 1e-3).

const TOL = 2e-5;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "reference-"));
let addon: NativeAddon;
const tokens = [335, 10, 200, 31, 7, 300, 120, 45, 336, 99, 250, 5];
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
beforeAll(() => {
  addon = loadNativeAddon();
});

/** The reference for a model folder: LFM2's own (reference-lfm2.ts) or the Llama family's. */
function reference(dir: string, opts: ReferenceOptions = {}): { logprobs(tokens: number[]): number[] } {
  const config = JSON.parse(fs.readFileSync(path.join(dir, "config.json"), "utf8")) as { architectures?: string[] };
  return config.architectures?.[0] === "Lfm2ForCausalLM" ? new Lfm2Reference(dir, opts) : new ReferenceModel(dir, opts);
}

async function compare(model: TinyModelOptions, load: Omit<LoadOptions, "modelDir">, ref: ReferenceOptions, tolerance: number): Promise<void> {
  const native = await addon.loadModel({ modelDir: model.dir, ...load });
  try {
    const got = await native.logprobs(tokens, ref.adapterDir);
    const want = reference(model.dir, ref).logprobs(tokens);
    const worst = Math.max(...got.map((g, i) => Math.abs(g - want[i]!)));
    expect(worst).toBeLessThan(tolerance);
  } finally {
    native.close();
  }
}

describe("native forward = independent reference", () => {
  const variants: [string, Partial<TinyModelOptions>][] = [
    ["llama bf16", {}],
    ["llama f32", { dtype: "F32" }],
    ["tied embeddings", { tiedEmbeddings: true }],
    ["grouped-query attention", { gqa: true }],
    ["qwen2 q/k/v biases", { qwen2: true }],
    // head_dim 32 over hidden 64 and 4 heads: q_proj is [128, 64], o_proj [64, 128].
    ["qwen3 q/k norms, own head_dim, GQA", { qwen3: true, gqa: true, shape: { headDim: 32 } }],
    // Phi-3's fused qkv_proj and gate_up_proj (quantized as one weight each), GQA.
    ["phi3 fused projections, GQA", { phi3: true, gqa: true }],
    // Phi-4-mini's RoPE: 12 of 16 head dimensions rotated, longrope's short factors and cos/sin scale.
    ["phi4-mini rope: partial rotary, longrope", { phi3: true, phi4MiniRope: true, gqa: true }],
    // Its long factors: an original context of 8 positions, which the 12 tokens pass.
    ["phi4-mini rope: longrope's long factors past the original context", { phi3: true, phi4MiniRope: true, gqa: true, shape: { maxPositions: 8 } }],
    // Granite: the embedding, score, residual and logit multipliers (2, 1/head_dim, 0.5, 0.5), tied.
    ["granite multipliers, GQA", { granite: true, gqa: true }],
    // SmolLM3: layer 1 of 2 without RoPE (NoPE).
    ["smollm3 NoPE layer, GQA", { smollm3: true, gqa: true }],
    // OLMo 2: output norms in place of input norms, q and k normalized whole.
    ["olmo2 output norms, whole q/k norms, GQA", { olmo2: true, gqa: true }],
    // GLM-4: q/k/v biases, output norms after each sublayer, gate_up_proj fused (quantized as one weight), half of
    // each head rotated in interleaved pairs.
    ["glm4 biases, output norms, interleaved half RoPE, GQA", { glm4: true, gqa: true }],
    // Qwen3 with yarn (factor 4 over the preset's 512 positions): pairs 0-1 kept, 2-7 blended, 8-15 divided by 4,
    // cos and sin scaled by 0.1·ln 4 + 1.
    ["qwen3 yarn RoPE scaling, GQA", { qwen3: true, yarn: true, gqa: true, shape: { headDim: 32 } }],
    // OLMo 3: OLMo 2's layer, a 5-key window on layer 0 (its RoPE unscaled), yarn on layer 1 only.
    ["olmo3 window, full-layer yarn, GQA", { olmo3: true, yarn: true, gqa: true, slidingWindow: 5 }],
    // EXAONE 4.0: OLMo 2's sublayers with per-head q/k norms, a 5-key window and RoPE on layer 0, layer 1 NoPE.
    ["exaone4 per-head q/k norms, window, global NoPE, GQA", { exaone4: true, gqa: true, slidingWindow: 5 }],
    // Ministral 3: yarn over an original context of 8 and the queries' temperature from position 8 on (the inputs are longer).
    ["ministral3 yarn, query temperature, GQA", { ministral3: true, gqa: true }],
    // Gemma 3 with hidden 72 (sqrt(72) = 8.485 is 8.5 in bf16, so the embedding scale's rounding shows), a
    // 5-key window on layer 0 (the inputs are longer), its own RoPE base, and query_pre_attn_scalar ≠ head_dim.
    ["gemma3 windows, sandwich norms, GELU", { gemma3: true, gqa: true, slidingWindow: 5, queryPreAttnScalar: 24, shape: { hidden: 72, heads: 4, headDim: 16 } }],
    // Gemma 2: the same shape without q/k norms, one RoPE base, and caps low enough to bend the tiny model's scores
    // (a few hundredths) and logits (a few units); lib/testing/tiny-model/reference.test.ts shows each cap matters.
    ["gemma2 soft caps, windows", { gemma2: true, gqa: true, slidingWindow: 5, queryPreAttnScalar: 24, softcaps: { attn: 0.02, final: 3 }, shape: { hidden: 72, heads: 4, headDim: 16 } }],
    // LFM2: a gated short-convolution layer (3 positions) and an attention layer with per-head q/k norms, tied.
    ["lfm2 conv and attention layers, GQA", { lfm2: true, gqa: true, tiedEmbeddings: true }],
  ];
  for (const [name, v] of variants) {
    it(`${name}: full precision, NF4 and NF4 + double quant`, async () => {
      const m = { dir: path.join(tmp, name.replace(/\W+/g, "-")), seed: 11, ...v };
      writeTinyModel(m);
      await compare(m, { quant: "none" }, {}, TOL);
      await compare(m, { quant: "nf4" }, { quant: "nf4" }, TOL);
      await compare(m, { quant: "nf4", doubleQuant: true }, { quant: "nf4", doubleQuant: true }, TOL);
      // NF4 must change the function visibly, or the NF4 comparisons would prove nothing.
      const full = reference(m.dir).logprobs(tokens);
      const nf4 = reference(m.dir, { quant: "nf4" }).logprobs(tokens);
      expect(Math.max(...nf4.map((x, i) => Math.abs(x - full[i]!)))).toBeGreaterThan(100 * TOL);
    }, 60_000);
  }

  // Phi-3's adapter is on its fused modules (qkv_proj, gate_up_proj: one A for q, k and v), as PEFT's is.
  it.each([
    ["llama", {}],
    ["phi3", { phi3: true }],
    ["granite", { granite: true }],
    ["lfm2", { lfm2: true }],
  ] as const)("with a trained PEFT adapter (base and NF4 base): %s", async (family, extra) => {
    const m = { dir: path.join(tmp, `adapted-${family}`), seed: 12, gqa: true, ...extra };
    writeTinyModel(m);
    const chat = loadChatTokenizer(m.dir);
    const { examples } = tokenizeDataset(chat, colorTask(8).map((e, i) => ({ ...e, line: i + 1 })), { maxSeqLen: 128, file: "task" });
    const trainer = await addon.loadModel({ modelDir: m.dir });
    const adapterDir = path.join(tmp, `adapter-${family}`);
    const lora = { rank: 4, alpha: 8, dropout: 0, rslora: true, targets: ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"] };
    await trainer.train(examples, null, { lora, epochs: 3, batchSize: 4, gradAccum: 1, lr: 2e-2, warmupRatio: 0, maxSeqLen: 128, outDir: adapterDir });
    trainer.close();
    const targets = (JSON.parse(fs.readFileSync(path.join(adapterDir, "adapter_config.json"), "utf8")) as { target_modules: string[] }).target_modules;
    const ownNames: Record<string, string[]> = { phi3: ["qkv_proj", "o_proj", "gate_up_proj", "down_proj"], lfm2: ["q_proj", "k_proj", "v_proj", "out_proj", "w1", "w3", "w2", "in_proj"] };
    expect([...targets].sort()).toEqual([...(ownNames[family] ?? lora.targets)].sort());
    // The adapter must matter, or this comparison would only repeat the base-model one.
    const base = reference(m.dir).logprobs(tokens);
    const adapted = reference(m.dir, { adapterDir }).logprobs(tokens);
    expect(Math.max(...adapted.map((a, i) => Math.abs(a - base[i]!)))).toBeGreaterThan(1e-2);
    await compare(m, { quant: "none" }, { adapterDir }, TOL);
    await compare(m, { quant: "nf4" }, { quant: "nf4", adapterDir }, TOL);

    // The merged folder, read by the reference's own safetensors reader, is base + adapter up to bf16 storage.
    const merger = await addon.loadModel({ modelDir: m.dir });
    const mergedDir = path.join(tmp, `merged-${family}`);
    await merger.merge(adapterDir, mergedDir);
    merger.close();
    const merged = reference(mergedDir).logprobs(tokens);
    expect(Math.max(...merged.map((x, i) => Math.abs(x - adapted[i]!)))).toBeLessThan(0.02);
  }, 120_000);
});
