import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadNativeAddon } from "../../native/index";
import { writeTinyModel } from "../testing/tiny-model";
import { estimateMemory } from "./memory";
import { describeModel } from "./scan";

// The estimate against the real trainer: each training step reports memoryBytes, the trainer's own account of
// what it holds (frozen weights as loaded, adapter + gradients, AdamW state, activations for the micro-batch).
// The CPU backend computes in fp32, so the Models page's fp32 estimate must agree with it: a job's memory
// metric and the page's prediction are then the same number.

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "tf-memory-native-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe("memory estimate vs the native CPU trainer", () => {
  it.each(([
    ["nf4", "qlora", "llama"],
    ["none", "lora", "llama"],
    // Qwen3's q/k norms: their weights, and the q and k they keep for backward, are in both accounts.
    ["nf4", "qlora", "qwen3"],
    // Gemma 3's sandwich norms keep the o and down projections' outputs too.
    ["nf4", "qlora", "gemma3"],
    // Gemma 2: the same norms without q/k norms; its soft caps keep nothing (backward recomputes each cap's slope).
    ["nf4", "qlora", "gemma2"],
    // Phi-3's fused projections: one adapter on qkv_proj (one A for q, k and v), and the fused outputs' scratch.
    ["nf4", "qlora", "phi3"],
    // Granite's multipliers need no memory of their own (the scaled gradients reuse a buffer backward frees).
    ["nf4", "qlora", "granite"],
    // OLMo 2: output norms kept like Gemma's, whole-row q/k norms (one statistic per row), no input norms.
    ["nf4", "qlora", "olmo2"],
    // GLM-4: output norms kept like Gemma's beside its input norms, and gate_up_proj's fused output scratch.
    ["nf4", "qlora", "glm4"],
    // LFM2: three conv layers of six keep in_proj's output, the convolution and its gated output instead of q, k, v;
    // the attention preset adapts their in_proj and out_proj.
    ["nf4", "qlora", "lfm2"],
    // Checkpointed: one layer recomputed (the larger kind), every other layer's operator output kept.
    ["nf4", "qlora", "lfm2", " checkpointed"],
    ["nf4", "qlora", "llama", " checkpointed"],
  ] as const).map((r) => [r[0], r[1], r[2], (r as readonly string[])[3] ?? ""] as const))("quant %s: the fp32 %s estimate of a %s%s agrees with the reported memory to 0.1 percent", async (quant, method, family, checkpointed) => {
    const ckpt = checkpointed !== "";
    const tiny = writeTinyModel({ dir: path.join(tmp, `m-${quant}-${family}-${ckpt}`), preset: "small", seed: 2, qwen3: family === "qwen3", gemma3: family === "gemma3", gemma2: family === "gemma2", phi3: family === "phi3", granite: family === "granite", olmo2: family === "olmo2", glm4: family === "glm4", lfm2: family === "lfm2", shape: family !== "llama" && family !== "lfm2" ? { headDim: 96 } : undefined });
    const described = await describeModel({ name: "m", dir: tiny.dir });
    const T = 128;
    const B = 2;
    const model = await loadNativeAddon().loadModel({ modelDir: tiny.dir, quant, doubleQuant: quant === "nf4", backend: "cpu", threads: 2 });
    try {
      const examples = Array.from({ length: B }, (_, i) => {
        const tokens = Array.from({ length: T }, (_, k) => (k * 7 + i) % tiny.vocabSize);
        return { tokens, lossMask: tokens.map((_, k) => (k >= T / 2 ? 1 : 0)) as (0 | 1)[] };
      });
      let reported = 0;
      await model.train(examples, null, { outDir: path.join(tmp, `out-${quant}-${family}-${ckpt}`), epochs: 1, batchSize: B, gradAccum: 1, maxSeqLen: T, lora: { rank: 16 }, gradientCheckpointing: ckpt }, (s) => {
        reported = Math.max(reported, s.memoryBytes);
      });
      const estimate = estimateMemory({ shape: described.shape!, parameters: described.parameters!, seqLen: T, batchSize: B, lora: { rank: 16, targets: ["q_proj", "k_proj", "v_proj", "o_proj"] }, doubleQuant: true, precision: "fp32", gradientCheckpointing: ckpt, keepAttentionInputs: false }, method);
      expect(described.parameters).toBe(model.info().numParameters);
      // The binding reports the norms' layout the estimate reads (OLMo 2: whole-row q/k norms, no input norms).
      expect(model.info()).toMatchObject({ qkNormWhole: family === "olmo2", inputNorms: family !== "olmo2", sandwichNorms: ["gemma3", "gemma2", "olmo2", "glm4"].includes(family) });
      expect(model.info()).toMatchObject({ fusedQkv: family === "phi3", fusedGateUp: family === "phi3" || family === "glm4" });
      expect(model.info()).toMatchObject(family === "lfm2" ? { convLayers: 3, convKernel: 3, qkNorm: true } : { convLayers: 0, convKernel: 0 });
      expect(described.shape!.convLayers ?? 0).toBe(model.info().convLayers);
      // Gemma 2's published caps (the generator's defaults); 0 (none) for every other family.
      expect(model.info()).toMatchObject(family === "gemma2" ? { attnSoftcap: 50, logitSoftcap: 30, qkNorm: false } : { attnSoftcap: 0, logitSoftcap: 0 });
      expect(Math.abs(estimate.parts.weights - model.info().weightBytes) / model.info().weightBytes).toBeLessThan(0.001);
      expect(reported).toBeGreaterThan(0);
      expect(Math.abs(estimate.total - reported) / reported).toBeLessThan(0.001);
    } finally {
      model.close();
    }
  });
});
