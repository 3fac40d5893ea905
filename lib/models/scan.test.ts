import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeTinyModel } from "../testing/tiny-model";
import { TINY_VISION_PARAMETERS, writeImageText, writeImageTextGemma3 } from "../testing/tiny-model/image-text";
import { scanModels } from "./scan";
import { shapeParameters } from "./shape";

describe("scanModels", () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "tuneforge-models-"));
    const llama = path.join(dir, "tiny-llama");
    await mkdir(llama);
    await writeFile(path.join(llama, "config.json"), JSON.stringify({ model_type: "llama", architectures: ["LlamaForCausalLM"] }));
    await writeFile(path.join(llama, "tokenizer.json"), "{}");
    await writeFile(path.join(llama, "tokenizer_config.json"), JSON.stringify({ chat_template: "{{ messages }}" }));

    const bare = path.join(dir, "bare");
    await mkdir(bare);
    await writeFile(path.join(bare, "config.json"), JSON.stringify({ model_type: "qwen2", dtype: "bfloat16" }));
    await writeFile(path.join(bare, "chat_template.jinja"), "{{ messages }}");

    const broken = path.join(dir, "broken");
    await mkdir(broken);
    await writeFile(path.join(broken, "config.json"), "{not json");

    await mkdir(path.join(dir, "not-a-model"));
    await writeFile(path.join(dir, "notes.txt"), "hello");
    await symlink(llama, path.join(dir, "linked"));
  });

  afterAll(() => rm(dir, { recursive: true, force: true }));

  it("lists folders with a config.json, sorted, following symlinks", async () => {
    const scan = await scanModels({ dir });
    expect(scan.exists).toBe(true);
    expect(scan.models.map((m) => m.name).filter((n) => ["bare", "broken", "linked", "tiny-llama"].includes(n))).toEqual(["bare", "broken", "linked", "tiny-llama"]);
  });

  it("reports model type, architectures, tokenizer and chat template", async () => {
    const { models } = await scanModels({ dir });
    const llama = models.find((m) => m.name === "tiny-llama");
    expect(llama).toMatchObject({ modelType: "llama", architectures: ["LlamaForCausalLM"], hasTokenizer: true, hasChatTemplate: true });
    const bare = models.find((m) => m.name === "bare");
    expect(bare).toMatchObject({ modelType: "qwen2", architectures: [], hasTokenizer: false, hasChatTemplate: true });
    expect(models.find((m) => m.name === "broken")?.error).toMatch(/config\.json/);
    expect(llama?.thinkingSwitch).toBe(false);
  });

  it("says which chat templates can switch a reasoning model's thinking (Qwen3's enable_thinking), in either file", async () => {
    writeTinyModel({ dir: path.join(dir, "qwen3"), preset: "tiny", qwen3: true });
    const inJinja = path.join(dir, "qwen3-jinja");
    await mkdir(inJinja);
    await writeFile(path.join(inJinja, "config.json"), JSON.stringify({ model_type: "qwen3" }));
    await writeFile(path.join(inJinja, "chat_template.jinja"), "{%- if enable_thinking is defined and enable_thinking is false %}x{%- endif %}");
    const { models } = await scanModels({ dir });
    expect(models.find((m) => m.name === "qwen3")).toMatchObject({ architecture: "Qwen3ForCausalLM", hasChatTemplate: true, thinkingSwitch: true });
    expect(models.find((m) => m.name === "qwen3-jinja")?.thinkingSwitch).toBe(true);
    expect(models.find((m) => m.name === "bare")?.thinkingSwitch).toBe(false);
  });

  it("counts parameters from the safetensors headers and reads dtype, context length and shape", async () => {
    const tiny = writeTinyModel({ dir: path.join(dir, "tiny-chat"), preset: "tiny", seed: 3, gqa: true });
    const f32 = writeTinyModel({ dir: path.join(dir, "tiny-f32"), preset: "tiny", seed: 3, dtype: "F32", tiedEmbeddings: true });
    const { models } = await scanModels({ dir });
    const m = models.find((x) => x.name === "tiny-chat");
    expect(m).toMatchObject({ architecture: "LlamaForCausalLM", parameters: tiny.numParameters, dtype: "BF16", contextLength: 512, weightFiles: ["model.safetensors"], hasChatTemplate: true });
    expect(m?.shape).toMatchObject({ hiddenSize: 64, numLayers: 2, numHeads: 4, numKvHeads: 2, headDim: 16, vocabSize: tiny.vocabSize });
    expect(models.find((x) => x.name === "tiny-f32")).toMatchObject({ parameters: f32.numParameters, dtype: "F32" });
    // A folder without weights is listed, with the reason it cannot train.
    // Without weights the dtype comes from config.json: transformers 5's "dtype" as well as 4.x's "torch_dtype".
    expect(models.find((x) => x.name === "bare")).toMatchObject({ parameters: null, dtype: "bfloat16", weightsError: expect.stringMatching(/no \*\.safetensors/) });
  });

  it("reads a Gemma 3 folder: its architecture, and a shape whose parameter count matches its tensors", async () => {
    const gemma = writeTinyModel({ dir: path.join(dir, "tiny-gemma3"), preset: "tiny", gemma3: true, gqa: true });
    const { models } = await scanModels({ dir });
    const m = models.find((x) => x.name === "tiny-gemma3");
    expect(m).toMatchObject({ architecture: "Gemma3ForCausalLM", modelType: "gemma3_text", parameters: gemma.numParameters, hasChatTemplate: true, thinkingSwitch: false });
    expect(m?.shape).toMatchObject({ qkNorm: true, sandwichNorms: true, tieWordEmbeddings: true, headDim: 16, numKvHeads: 2 });
    // The shape's count (sandwich and q/k norms included) is the safetensors headers' count.
    expect(shapeParameters(m!.shape!)).toBe(gemma.numParameters);
  });

  it("reads a Gemma 2 folder: sandwich norms without q/k norms, counted as its tensors are", async () => {
    const gemma = writeTinyModel({ dir: path.join(dir, "tiny-gemma2"), preset: "tiny", gemma2: true, gqa: true });
    const { models } = await scanModels({ dir });
    const m = models.find((x) => x.name === "tiny-gemma2");
    expect(m).toMatchObject({ architecture: "Gemma2ForCausalLM", modelType: "gemma2", parameters: gemma.numParameters, hasChatTemplate: true });
    expect(m?.shape).toMatchObject({ sandwichNorms: true, tieWordEmbeddings: true, headDim: 16, numKvHeads: 2 });
    expect(m?.shape?.qkNorm).toBeUndefined();
    expect(shapeParameters(m!.shape!)).toBe(gemma.numParameters);
  });

  it("reads a GLM-4 folder: output norms and gate_up_proj fused, counted as its tensors are but for the q/k/v biases", async () => {
    const glm = writeTinyModel({ dir: path.join(dir, "tiny-glm4"), preset: "tiny", glm4: true, gqa: true });
    const { models } = await scanModels({ dir });
    const m = models.find((x) => x.name === "tiny-glm4");
    expect(m).toMatchObject({ architecture: "Glm4ForCausalLM", modelType: "glm4", parameters: glm.numParameters, hasChatTemplate: true, thinkingSwitch: false });
    expect(m?.shape).toMatchObject({ sandwichNorms: true, fusedGateUp: true, tieWordEmbeddings: false, headDim: 16, numKvHeads: 2 });
    expect([m?.shape?.fusedQkv, m?.shape?.qkNorm]).toEqual([undefined, undefined]);
    // The shape counts no biases (nor Qwen2's): the headers hold 2 layers × (q 64 + k 32 + v 32) more.
    expect(shapeParameters(m!.shape!)).toBe(glm.numParameters - 2 * (64 + 32 + 32));
  });

  it("counts an image-text Gemma 3's text model, saying how large the vision tower it leaves out is", async () => {
    // A Gemma3ForConditionalGeneration as published: the decoder under language_model.model., a vision tower beside it.
    const text = writeTinyModel({ dir: path.join(dir, "..", `mm-src-${path.basename(dir)}`), preset: "tiny", gemma3: true });
    writeImageTextGemma3(text.dir, path.join(dir, "tiny-gemma3-mm"));
    await rm(text.dir, { recursive: true, force: true });
    const { models } = await scanModels({ dir });
    const m = models.find((x) => x.name === "tiny-gemma3-mm")!;
    expect(m).toMatchObject({ architecture: "Gemma3ForConditionalGeneration", parameters: text.numParameters, visionParameters: TINY_VISION_PARAMETERS });
    expect(shapeParameters(m.shape!)).toBe(text.numParameters);
  });

  it("counts a Mistral3ForConditionalGeneration's text model (Ministral 3, untied) and reads its context from text_config", async () => {
    const text = writeTinyModel({ dir: path.join(dir, "..", `m3-src-${path.basename(dir)}`), preset: "tiny", ministral3: true });
    writeImageText(text.dir, path.join(dir, "tiny-ministral3-mm"), "Mistral3ForConditionalGeneration");
    await rm(text.dir, { recursive: true, force: true });
    const { models } = await scanModels({ dir });
    const m = models.find((x) => x.name === "tiny-ministral3-mm")!;
    expect(m).toMatchObject({ architecture: "Mistral3ForConditionalGeneration", modelType: "mistral3", parameters: text.numParameters, visionParameters: TINY_VISION_PARAMETERS });
    expect(m.shape).toMatchObject({ tieWordEmbeddings: false, headDim: text.config.head_dim });
    expect(shapeParameters(m.shape!)).toBe(text.numParameters);
    expect(m.contextLength).toBe(text.config.max_position_embeddings);
  });

  it("counts a Mistral 3 saved by transformers 4.52+ (model.language_model., model.vision_tower, lm_head at the top)", async () => {
    const text = writeTinyModel({ dir: path.join(dir, "..", `m3new-src-${path.basename(dir)}`), preset: "tiny", ministral3: true });
    writeImageText(text.dir, path.join(dir, "tiny-ministral3-452"), "Mistral3ForConditionalGeneration", "model.language_model.");
    await rm(text.dir, { recursive: true, force: true });
    const { models } = await scanModels({ dir });
    const m = models.find((x) => x.name === "tiny-ministral3-452")!;
    expect(m).toMatchObject({ architecture: "Mistral3ForConditionalGeneration", parameters: text.numParameters, visionParameters: TINY_VISION_PARAMETERS });
    expect(m.shape).toMatchObject({ tieWordEmbeddings: false });
    expect(shapeParameters(m.shape!)).toBe(text.numParameters);
  });

  it("counts an LFM2-VL's text model (an LFM2 under model.language_model.) and reads its shape from text_config", async () => {
    const text = writeTinyModel({ dir: path.join(dir, "..", `lfm2vl-src-${path.basename(dir)}`), preset: "tiny", lfm2: true, tiedEmbeddings: true });
    writeImageText(text.dir, path.join(dir, "tiny-lfm2-vl"), "Lfm2VlForConditionalGeneration", "model.language_model.");
    await rm(text.dir, { recursive: true, force: true });
    const { models } = await scanModels({ dir });
    const m = models.find((x) => x.name === "tiny-lfm2-vl")!;
    expect(m).toMatchObject({ architecture: "Lfm2VlForConditionalGeneration", modelType: "lfm2-vl", parameters: text.numParameters, visionParameters: TINY_VISION_PARAMETERS });
    expect(m.shape).toMatchObject({ tieWordEmbeddings: true, convLayers: 1, convKernel: 3, intermediateSize: text.config.block_ff_dim as number * 2 / 3 });
    expect(shapeParameters(m.shape!)).toBe(text.numParameters);
    expect(m.contextLength).toBe(text.config.max_position_embeddings);
  });

  it("names the file when a safetensors header is corrupt", async () => {
    const bad = path.join(dir, "corrupt");
    await mkdir(bad);
    await writeFile(path.join(bad, "config.json"), JSON.stringify({ model_type: "llama" }));
    const header = Buffer.alloc(8);
    header.writeBigUInt64LE(10_000n);
    await writeFile(path.join(bad, "model.safetensors"), Buffer.concat([header, Buffer.from("{}")]));
    const { models } = await scanModels({ dir });
    expect(models.find((x) => x.name === "corrupt")?.weightsError).toMatch(/model\.safetensors: header length 10000 does not fit/);
  });

  it("says when the directory does not exist", async () => {
    const scan = await scanModels({ dir: path.join(dir, "missing") });
    expect(scan).toMatchObject({ exists: false, models: [] });
  });
});
