import { describe, expect, it } from "vitest";
import { activationBytesPerToken, layerActivationValues, estimateAllMethods, estimateMemory, loraParameters, type MemoryInput } from "./memory";
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

  it("counts a fused model's LoRA (Phi-4) as PEFT does: one qkv_proj and one gate_up_proj adapter per layer", () => {
    const phi4: ModelShape = { vocabSize: 100_352, hiddenSize: 5120, intermediateSize: 17_920, numLayers: 40, numHeads: 40, numKvHeads: 10, headDim: 128, tieWordEmbeddings: false, fusedQkv: true, fusedGateUp: true };
    // qkv_proj 16·(5120 + 5120 + 2·1280) = 204,800 + o_proj 16·(5120 + 5120) = 163,840 → 368,640 per layer × 40
    expect(loraParameters(phi4, 16, ATTENTION)).toBe(14_745_600);
    // + gate_up_proj 16·(5120 + 2·17920) = 655,360 + down_proj 16·(17920 + 5120) = 368,640 → 1,392,640 × 40
    expect(loraParameters(phi4, 16, ALL_LINEAR)).toBe(55_705_600);
    // Unfused, the same shape would carry three A matrices for q, k and v.
    const unfused = { ...phi4, fusedQkv: undefined, fusedGateUp: undefined };
    expect(loraParameters(unfused, 16, ATTENTION)).toBe(40 * 16 * (3 * 5120 + 5120 + 2 * 1280 + 5120 + 5120));
    // The fused outputs' scratch: the wider of q+k+v (7,680) and gate+up (35,840), outside the layers.
    expect(activationBytesPerToken(phi4, 16, false, 2) - activationBytesPerToken(unfused, 16, false, 2)).toBe(2 * 35_840);
    // With qkv_proj alone fused, the scratch is q+k+v's.
    expect(activationBytesPerToken({ ...unfused, fusedQkv: true }, 16, false, 2) - activationBytesPerToken(unfused, 16, false, 2)).toBe(2 * 7_680);
  });

  it("counts GLM-4's LoRA with gate_up_proj fused and q, k, v apart", () => {
    // GLM-4-9B-0414: 4096 wide, 32 query and 2 kv heads of 128, MLP 13,696, 40 layers.
    const glm4: ModelShape = { vocabSize: 151_552, hiddenSize: 4096, intermediateSize: 13_696, numLayers: 40, numHeads: 32, numKvHeads: 2, headDim: 128, tieWordEmbeddings: false, sandwichNorms: true, fusedGateUp: true };
    // q 16·(4096 + 4096) = 131,072 + k, v 2·16·(4096 + 256) = 139,264 + o 131,072 → 401,408 per layer × 40: three A
    // matrices for q, k and v, as on a Llama.
    expect(loraParameters(glm4, 16, ATTENTION)).toBe(16_056_320);
    // + gate_up_proj 16·(4096 + 2·13696) = 503,808 + down_proj 16·(13696 + 4096) = 284,672 → 1,189,888 × 40
    expect(loraParameters(glm4, 16, ALL_LINEAR)).toBe(47_595_520);
    expect(loraParameters({ ...glm4, fusedGateUp: undefined }, 16, ALL_LINEAR) - loraParameters(glm4, 16, ALL_LINEAR)).toBe(40 * 16 * 4096);
  });
});

describe("OLMo's activations", () => {
  it("keeps no normalized inputs: the sublayers read the layer input and x2 where they are kept", () => {
    // OLMo-2-1124-7B / OLMo-3-7B's layer: without input norms, their outputs and statistics (2·4096 + 2) are not kept.
    const olmo: ModelShape = { vocabSize: 100_278, hiddenSize: 4096, intermediateSize: 11_008, numLayers: 32, numHeads: 32, numKvHeads: 32, headDim: 128, tieWordEmbeddings: false, qkNorm: true, qkNormWhole: true, sandwichNorms: true, inputNorms: false };
    expect(layerActivationValues({ ...olmo, inputNorms: undefined }, 16) - layerActivationValues(olmo, 16)).toBe(8_194);
    // At 4096 tokens in bf16, 32 layers: 2.1 GB less than if they were kept.
    const saved = activationBytesPerToken({ ...olmo, inputNorms: undefined }, 16, false, 2) - activationBytesPerToken(olmo, 16, false, 2);
    expect(4096 * saved).toBe(2_148_007_936);
  });
});

describe("GLM-4's activations", () => {
  const glm4: ModelShape = { vocabSize: 151_552, hiddenSize: 4096, intermediateSize: 13_696, numLayers: 40, numHeads: 32, numKvHeads: 2, headDim: 128, tieWordEmbeddings: false, sandwichNorms: true, fusedGateUp: true };

  it("keeps the output norms' inputs per layer, like Gemma's, and gate_up_proj's fused output once, outside the layers", () => {
    // Per layer beyond its input: 4·4096 + 2 + 2·4096 + 2·256 + 3·13696 + max(4096, 13696) + 7·16 + 32 = 80,018, and
    // the output norms' inputs and statistics 2·4096 + 2 = 8,194: 88,212 values.
    expect(layerActivationValues(glm4, 16)).toBe(88_212);
    expect(layerActivationValues({ ...glm4, sandwichNorms: undefined }, 16)).toBe(88_212 - 8_194);
    // Fused gate and up: their output before the split, 2·13696 = 27,392 values, not the qkv scratch (q+k+v 4,608).
    expect(activationBytesPerToken(glm4, 16, false, 2) - activationBytesPerToken({ ...glm4, fusedGateUp: undefined }, 16, false, 2)).toBe(2 * 27_392);
    // All told: 40 layers · (4096 + 88,212) + 27,392 + logits 151,552 + 3·4096 = 3,883,552 values · 2 B.
    expect(activationBytesPerToken(glm4, 16, false, 2)).toBe(2 * 3_883_552);
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
    // per token per layer: input 4096 + 4·4096 + 2 + 2·(32·128) + 2·(8·128) + 3·14336 + max(4096, 14336) + 7·16 + 32
    // = 4096 + 16384 + 2 + 8192 + 2048 + 43008 + 14336 + 112 + 32 = 88,210 values · 32 layers = 2,822,720,
    // + logits 128,256 + 3·4096 = 140,544 → 2,963,264 values/token · 2 B (bf16) · 2048 tokens
    expect(e.parts.activations).toBe(12_137_529_344);
    expect(e.total).toBe(5_702_336_446 + 54_525_952 * 2 + 109_051_904 + 12_137_529_344);
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

  it("counts Gemma 3's output norms: both projections' outputs per layer, o's kept with the attention inputs", () => {
    const gemma1b: ModelShape = { vocabSize: 262144, hiddenSize: 1152, intermediateSize: 6912, numLayers: 26, numHeads: 4, numKvHeads: 1, headDim: 256, tieWordEmbeddings: true, qkNorm: true, sandwichNorms: true };
    // Per layer: the Llama terms 34,934, the q/k norms' (4 + 1)·257 = 1,285, the output norms' 2·1152 + 2 = 2,306.
    expect(layerActivationValues(gemma1b, 16)).toBe(38_525);
    expect(layerActivationValues({ ...gemma1b, sandwichNorms: false }, 16)).toBe(38_525 - 2_306);
    // Checkpointed on a GPU with room: 26·1152 + 38,525 + 25·(4·256 + 4 + 1024 + 2·256 + 1152 + 1285 + 1153) + 262,144 + 3·1152
    // = 487,927 values · 2 B.
    expect(activationBytesPerToken(gemma1b, 16, true, 2, true, true)).toBe(975_854);
  });

  it("activations scale with tokens (no T×T attention matrix) and shrink with gradient checkpointing", () => {
    expect(estimateMemory({ ...input, batchSize: 4 }, "qlora").parts.activations).toBe(4 * 12_137_529_344);
    expect(estimateMemory({ ...input, seqLen: 512, batchSize: 4 }, "qlora").parts.activations).toBe(12_137_529_344);
    // layer inputs 32·4096 = 131,072 + one recomputed layer 84,114 (88,210 less its input) + 140,544 = 355,730 values,
    // + the 31 other layers' attention outputs and log-sum-exps 31·(32·128 + 32) = 127,968 → 483,698 values · 2 B
    expect(activationBytesPerToken(LLAMA_31_8B, 16, true)).toBe(967_396);
    // What the CUDA backend holds with room (estimateMemory's bf16 default): their q, k, v and residuals too,
    // 31·(32·128 + 2·8·128 + 4096) = 317,440 values more → 801,138 values · 2 B.
    expect(activationBytesPerToken(LLAMA_31_8B, 16, true, 2, true, true)).toBe(1_602_276);
    expect(estimateMemory({ ...input, gradientCheckpointing: true }, "qlora").parts.activations).toBe(1_602_276 * 2048);
    expect(estimateMemory({ ...input, gradientCheckpointing: true, precision: "fp32" }, "qlora").parts.activations).toBe(483_698 * 4 * 2048);
    // The least a checkpointed run needs on a GPU: without the kept attention outputs, as before they were kept.
    expect(activationBytesPerToken(LLAMA_31_8B, 16, true, 2, false)).toBe(711_460);
    expect(estimateMemory({ ...input, gradientCheckpointing: true, keepAttention: false }, "qlora").parts.activations).toBe(711_460 * 2048);
    // Full fine-tuning keeps no LoRA intermediates: 7·16 values fewer per layer.
    expect(estimateMemory(input, "full").parts.activations).toBe((2_963_264 - 32 * 112) * 2 * 2048);
  });

  it("keeps an LFM2's conv layers' gated output checkpointed, and on a GPU with room in_proj's output and x2 too", () => {
    // LFM2-1.2B: 16 layers, 10 of them conv layers; per-head q/k norms on its 6 attention layers.
    const lfm2: ModelShape = { vocabSize: 65536, hiddenSize: 2048, intermediateSize: 8192, numLayers: 16, numHeads: 32, numKvHeads: 8, headDim: 64, tieWordEmbeddings: true, qkNorm: true, convLayers: 10, convKernel: 3 };
    // Layer inputs 16·2048 = 32,768 + the recomputed layer, a conv layer's 51,314 (8,194 + 5·2048 + 3·8192 + 8192 + 112),
    // + the kept: 6 attention layers' 9,800 (2048 + 32 + 2048 + 1024 + 2048 + 2600) and 10 conv layers' 5·2048, less
    // one attention layer's = 151,400; + 65,536 + 3·2048 → 307,162 values · 2 B.
    expect(activationBytesPerToken(lfm2, 16, true, 2, true, true)).toBe(614_324);
    // Without the attention inputs: 6·2080 + 10·2048 − 2080 = 30,880 kept → 186,642 values · 2 B.
    expect(activationBytesPerToken(lfm2, 16, true, 2, true, false)).toBe(373_284);
  });

  it("in fp32 (the CPU backend) unquantized weights and activations take 4 bytes", () => {
    const fp32 = estimateMemory({ ...input, precision: "fp32" }, "qlora");
    // 3,600,457,662.46 + 1,050,939,392 · 4 = 7,804,215,230.46
    expect(fp32.parts.weights).toBe(7_804_215_230);
    // 2,963,264 values · 4 B · 2048 tokens
    expect(fp32.parts.activations).toBe(24_275_058_688);
    expect(fp32.parts.optimizer).toBe(109_051_904); // AdamW state is fp32 either way
    expect(estimateMemory({ ...input, precision: "fp32" }, "full").parts.gradients).toBe(P * 4);
  });
});
