import { describe, expect, it } from "vitest";
import { localConfigSchema } from "../jobs/local/config";
import { evalDeviceBytes, replyDeviceBytes, replyHostBytes, trainingDeviceBytes } from "./device-need";
import { estimateMemory } from "./memory";
import type { LinearModule, ModelShape } from "./shape";

// Llama-3.1-8B (memory.test.ts has the same shape; its safetensors headers sum to 8,030,261,248 parameters).
const shape: ModelShape = { vocabSize: 128_256, hiddenSize: 4096, intermediateSize: 14_336, numLayers: 32, numHeads: 32, numKvHeads: 8, headDim: 128, tieWordEmbeddings: false };
const parameters = 8_030_261_248;

describe("device memory of a reply and of a training run", () => {
  it("a reply: bf16 weights unless loaded, the KV cache for the whole context, and the prompt's forward", () => {
    // Weights: 8,030,261,248 × 2 = 16,060,522,496.
    // KV cache: keys and values × 32 layers × 8 kv heads × 128 × 4096 positions × 2 bytes = 536,870,912.
    // Prompt: 100 tokens × 2 bytes × (two residual rows 2 × 4096 + one layer's 84,002 values) = 18,438,800, and
    // 100 rows of fp32 logits (one chunk): 100 × 128,256 × 4 = 51,302,400.
    expect(replyDeviceBytes({ shape, parameters }, { prompt: 100, context: 4096 }, false)).toBe(16_060_522_496 + 536_870_912 + 18_438_800 + 51_302_400);
    expect(replyDeviceBytes({ shape, parameters }, { prompt: 100, context: 4096 }, true)).toBe(536_870_912 + 18_438_800 + 51_302_400);
    // A long prompt holds one chunk of 2,048 logits rows, not one per token.
    const long = replyDeviceBytes({ shape, parameters }, { prompt: 4000, context: 4096 }, true);
    expect(long).toBe(536_870_912 + 4000 * 92_194 * 2 + 2048 * 128_256 * 4);
  });

  it("an evaluation: the weights once, a KV cache per prompt decoded together, one prompt's forward at a time", () => {
    // As the reply above, plus three more KV caches of 536,870,912 bytes each.
    expect(evalDeviceBytes({ shape, parameters }, { prompt: 100, context: 4096, sequences: 4 })).toBe(16_060_522_496 + 4 * 536_870_912 + 18_438_800 + 51_302_400);
    expect(evalDeviceBytes({ shape, parameters }, { prompt: 100, context: 4096, sequences: 1 })).toBe(replyDeviceBytes({ shape, parameters }, { prompt: 100, context: 4096 }, false));
    expect(evalDeviceBytes({ shape: null, parameters }, { prompt: 1, context: 2, sequences: 1 })).toBe(Infinity);
  });

  it("the same reply on the CPU: fp32 weights unless loaded there, an fp32 KV cache and the prompt's forward", () => {
    // 8,030,261,248 × 4 = 32,121,044,992; (268,435,456 KV values + 100 × 92,194 + 128,256 logits) × 4 = 1,111,132,448.
    expect(replyHostBytes({ shape, parameters }, { prompt: 100, context: 4096 }, false)).toBe(32_121_044_992 + 1_111_132_448);
    expect(replyHostBytes({ shape, parameters }, { prompt: 100, context: 4096 }, true)).toBe(1_111_132_448);
  });

  it("a training run: the launch form's estimate at the configured length, clamped to the model's context", () => {
    const config = localConfigSchema.parse({ training: { maxSeqLen: 8192, batchSize: 2, gradientCheckpointing: true }, lora: { rank: 8, targets: ["q_proj", "v_proj"] } });
    const expected = estimateMemory(
      { shape, parameters, seqLen: 4096, batchSize: 2, lora: { rank: 8, targets: ["q_proj", "v_proj"] }, doubleQuant: undefined, gradientCheckpointing: true, precision: "bf16" },
      "qlora",
    ).total;
    expect(trainingDeviceBytes({ shape, parameters, contextLength: 4096 }, config)).toBe(expected);
    const lora = localConfigSchema.parse({ quantization: { quant: "none" }, training: { maxSeqLen: 1024 } });
    expect(trainingDeviceBytes({ shape, parameters, contextLength: 4096 }, lora)).toBeGreaterThan(parameters * 2);
  });

  it("a training run that has read its data: micro-batches padded to its longest example; packed rows still fill the maximum", () => {
    const lora = { rank: 8, targets: ["q_proj", "v_proj"] as LinearModule[] };
    const config = localConfigSchema.parse({ training: { maxSeqLen: 4096, batchSize: 4, gradientCheckpointing: true }, lora });
    const at = (seqLen: number) =>
      estimateMemory({ shape, parameters, seqLen, batchSize: 4, lora, doubleQuant: undefined, gradientCheckpointing: true, precision: "bf16" }, "qlora").total;
    const model = { shape, parameters, contextLength: 131_072 };
    expect(trainingDeviceBytes(model, config, { longestExample: 700 })).toBe(at(700));
    expect(at(700)).toBeLessThan(at(4096));
    // Longer than the maximum cannot happen (examples are cut), but the estimate never exceeds the maximum's.
    expect(trainingDeviceBytes(model, config, { longestExample: 9000 })).toBe(at(4096));
    const packed = localConfigSchema.parse({ training: { maxSeqLen: 4096, batchSize: 4, gradientCheckpointing: true, packing: true }, lora });
    expect(trainingDeviceBytes(model, packed, { longestExample: 700 })).toBe(at(4096));
    // DPO's batch size counts pairs, and a pass holds both answers of each: 8 sequences for 4 pairs.
    const eight = (seqLen: number) =>
      estimateMemory({ shape, parameters, seqLen, batchSize: 8, lora, doubleQuant: undefined, gradientCheckpointing: true, precision: "bf16" }, "qlora").total;
    expect(trainingDeviceBytes(model, config, { longestExample: 700, dpo: true })).toBe(eight(700));
    expect(trainingDeviceBytes(model, config, { dpo: true })).toBe(eight(4096));
    expect(eight(4096)).toBeGreaterThan(at(4096));
  });

  it("a model whose shape or weights cannot be read needs an unknown amount: Infinity, never 0", () => {
    const config = localConfigSchema.parse({});
    expect(replyDeviceBytes({ shape: null, parameters }, { prompt: 1, context: 2 }, false)).toBe(Infinity);
    expect(replyHostBytes({ shape, parameters: null }, { prompt: 1, context: 2 }, true)).toBe(Infinity);
    expect(trainingDeviceBytes({ shape, parameters: null, contextLength: null }, config)).toBe(Infinity);
  });
});
