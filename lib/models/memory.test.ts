import { describe, expect, it } from "vitest";
import { activationBytesPerToken, estimateAllMethods, estimateMemory, loraParameters, type MemoryInput } from "./memory";
import { layerLinearParameters, shapeParameters, type ModelShape } from "./shape";

// Llama-3.1-8B's config.json: every expected figure below is worked out by hand in the comments.
const LLAMA_31_8B: ModelShape = {
  vocabSize: 128_256,
  hiddenSize: 4096,
  intermediateSize: 14_336,
  numLayers: 32,
  numHeads: 32,
  numKvHeads: 8,
  headDim: 128,
  tieWordEmbeddings: false,
};
// Its safetensors headers sum to 8,030,261,248 parameters.
const P = 8_030_261_248;
const ATTENTION = ["q_proj", "k_proj", "v_proj", "o_proj"] as const;
const ALL_LINEAR = [...ATTENTION, "gate_proj", "up_proj", "down_proj"] as const;
const input: MemoryInput = { shape: LLAMA_31_8B, parameters: P, seqLen: 2048, batchSize: 1, lora: { rank: 16, targets: ATTENTION } };

describe("Llama parameter counts", () => {
  it("matches the published total and the per-layer linear count", () => {
    // per layer: q 4096·4096 + k,v 2·4096·1024 + o 4096·4096 + gate,up,down 3·4096·14336 = 218,103,808; × 32
    expect(layerLinearParameters(LLAMA_31_8B)).toBe(6_979_321_856);
    // + embed and lm_head 2·128256·4096 = 1,050,673,152 + norms 4096·65 = 266,240
    expect(shapeParameters(LLAMA_31_8B)).toBe(P);
  });

  it("counts LoRA parameters as PEFT prints them", () => {
    // q 16·(4096+4096) + k,v 2·16·(4096+1024) + o 16·8192 = 425,984 per layer × 32
    expect(loraParameters(LLAMA_31_8B, 16, ATTENTION)).toBe(13_631_488);
    // + gate, up, down 3·16·(4096+14336) = 884,736 → 1,310,720 per layer × 32
    expect(loraParameters(LLAMA_31_8B, 16, ALL_LINEAR)).toBe(41_943_040);
  });
});

describe("estimateMemory", () => {
  it("QLoRA: NF4 + double quant linears, bf16 rest, fp32 adapter with grads and two AdamW moments", () => {
    const e = estimateMemory(input, "qlora");
    // 6,979,321,856 · 4.127 / 8 = 3,600,457,662.46 + 1,050,939,392 · 2 = 2,101,878,784
    expect(e.parts.weights).toBe(5_702_336_446);
    expect(e.parts.lora).toBe(13_631_488 * 4);
    expect(e.parts.gradients).toBe(13_631_488 * 4);
    expect(e.parts.optimizer).toBe(13_631_488 * 8);
    // per token per layer: 4·4096 + (32+16)·128 + 32·128 + 3·14336 + 32·2048 = 135,168 values · 2 B · 32 layers
    // = 8,650,752 B, + logits and their gradient 2 · 128,256 · 4 B = 1,026,048 → 9,676,800 B/token · 2048 tokens
    expect(e.parts.activations).toBe(19_818_086_400);
    expect(e.total).toBe(5_702_336_446 + 54_525_952 * 2 + 109_051_904 + 19_818_086_400);
    expect(e.trainableParameters).toBe(13_631_488);
  });

  it("without double quant NF4 costs 4.5 bits per weight", () => {
    // 6,979,321,856 · 4.5 / 8 = 3,926,118,544 + 2,101,878,784
    expect(estimateMemory({ ...input, doubleQuant: false }, "qlora").parts.weights).toBe(6_027_747_328);
  });

  it("LoRA holds bf16 weights; full fine-tuning adds bf16 gradients and fp32 AdamW state for every parameter", () => {
    const [, lora, full] = estimateAllMethods(input);
    expect(lora?.parts.weights).toBe(16_060_522_496);
    expect(lora?.parts.optimizer).toBe(109_051_904);
    expect(full?.parts).toMatchObject({ weights: 16_060_522_496, gradients: 16_060_522_496, optimizer: 64_242_089_984, lora: 0 });
    expect(full?.trainableParameters).toBe(P);
  });

  it("activations scale with batch and shrink with gradient checkpointing", () => {
    expect(estimateMemory({ ...input, batchSize: 4 }, "qlora").parts.activations).toBe(4 * 19_818_086_400);
    // layer inputs 32·4096 = 131,072 + one recomputed layer 135,168 → 266,240 · 2 B + 1,026,048
    expect(activationBytesPerToken(LLAMA_31_8B, 2048, true)).toBe(1_558_528);
    // At T = 512 the attention probabilities are 32·512 per token instead of 32·2048.
    expect(activationBytesPerToken(LLAMA_31_8B, 512)).toBe((4 * 4096 + 48 * 128 + 4096 + 3 * 14_336 + 32 * 512) * 2 * 32 + 1_026_048);
  });
});
