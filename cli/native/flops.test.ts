import { describe, expect, it } from "vitest";
import { adaptedModuleNames, flopsPerToken, loraParameters } from "./flops";

// Llama-3.1-8B: the reference's worked example (r=16 on all 7 modules, T=2048 → ≈31.9 GFLOP/token).
const llama8b = { hiddenSize: 4096, intermediateSize: 14336, numLayers: 32, numHeads: 32, numKvHeads: 8, headDim: 128, matmulParameters: 6.98e9 + 4096 * 128256 };
const all = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"];

describe("FLOP accounting", () => {
  it("counts LoRA parameters as r·(in+out) per module per layer", () => {
    expect(loraParameters(llama8b, 16, ["q_proj"])).toBe(32 * 16 * (4096 + 4096));
    expect(loraParameters(llama8b, 16, ["k_proj"])).toBe(32 * 16 * (4096 + 1024));
    expect(loraParameters(llama8b, 16, all)).toBe(41_943_040);
    expect(() => loraParameters(llama8b, 16, ["qproj"])).toThrow('unknown LoRA target "qproj" (known: q_proj, k_proj');
  });

  it("counts a fused model's (Phi-3's) qkv_proj and gate_up_proj as one module each, as PEFT does", () => {
    const fused = { ...llama8b, fusedQkv: true, fusedGateUp: true };
    expect(loraParameters(fused, 16, ["q_proj", "k_proj", "v_proj"])).toBe(32 * 16 * (4096 + 4096 + 2 * 1024));
    expect(loraParameters(fused, 16, all)).toBe(32 * 16 * ((4096 + 6144) + (4096 + 4096) + (4096 + 2 * 14336) + (14336 + 4096)));
    // Its own module names stand for their parts; the names the trainer adapts are the fused ones.
    expect(loraParameters(fused, 16, ["qkv_proj", "o_proj", "gate_up_proj", "down_proj"])).toBe(loraParameters(fused, 16, all));
    expect(adaptedModuleNames(fused, all)).toEqual(["qkv_proj", "o_proj", "gate_up_proj", "down_proj"]);
    expect(adaptedModuleNames(llama8b, ["q_proj", "v_proj"])).toEqual(["q_proj", "v_proj"]);
    expect(() => loraParameters(llama8b, 16, ["qkv_proj"])).toThrow('unknown LoRA target "qkv_proj"');
  });

  it("counts GLM-4's gate_up_proj as one module, and its q, k, v apart (the only fused module it has)", () => {
    // GLM-4-9B-0414's shape: 4096 wide, 32 query and 2 kv heads of 128, MLP 13,696.
    const glm4 = { hiddenSize: 4096, intermediateSize: 13696, numLayers: 40, numHeads: 32, numKvHeads: 2, headDim: 128, fusedGateUp: true };
    expect(adaptedModuleNames(glm4, all)).toEqual(["q_proj", "k_proj", "v_proj", "o_proj", "gate_up_proj", "down_proj"]);
    expect(adaptedModuleNames(glm4, ["q_proj", "v_proj"])).toEqual(["q_proj", "v_proj"]);
    // q 4096+4096, k and v 4096+256 each, o 4096+4096, gate_up 4096 + 2·13696, down 13696 + 4096: 74,368 per rank per layer.
    expect(loraParameters(glm4, 16, all)).toBe(40 * 16 * (8192 + 2 * 4352 + 8192 + (4096 + 27392) + 17792));
    expect(loraParameters(glm4, 16, ["gate_up_proj"])).toBe(loraParameters(glm4, 16, ["gate_proj", "up_proj"]));
    // One A shared by gate and up: 16·4096 fewer per layer than the two modules unfused.
    expect(loraParameters({ ...glm4, fusedGateUp: false }, 16, ["gate_proj", "up_proj"]) - loraParameters(glm4, 16, ["gate_proj", "up_proj"])).toBe(40 * 16 * 4096);
    // Its q, k, v have no fused module to name.
    expect(() => loraParameters(glm4, 16, ["qkv_proj"])).toThrow('unknown LoRA target "qkv_proj" (known: q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj, down_proj, gate_up_proj)');
  });

  it("takes an LFM2's own module names (out_proj, w1, w3, w2, in_proj) as the trainer does", () => {
    // LFM2-1.2B: 16 layers, 10 of them conv layers; 2048 wide, 32 query and 8 kv heads of 64, MLP 8192.
    const lfm2 = { hiddenSize: 2048, intermediateSize: 8192, numLayers: 16, numHeads: 32, numKvHeads: 8, headDim: 64, convLayers: 10 };
    const H = 2048;
    // out_proj is o_proj on both kinds of layer; w1/w3/w2 are the MLP's gate/up/down on every layer.
    expect(loraParameters(lfm2, 16, ["out_proj"])).toBe(loraParameters(lfm2, 16, ["o_proj"]));
    expect(loraParameters(lfm2, 16, ["out_proj"])).toBe(16 * 16 * (H + H));
    expect(loraParameters(lfm2, 16, ["w1", "w3", "w2"])).toBe(loraParameters(lfm2, 16, ["gate_proj", "up_proj", "down_proj"]));
    expect(loraParameters(lfm2, 16, ["w2"])).toBe(16 * 16 * (8192 + H));
    // in_proj alone adapts the ten conv layers' [H → 3H]; q, k and v together already adapt it.
    expect(loraParameters(lfm2, 16, ["in_proj"])).toBe(10 * 16 * (H + 3 * H));
    const qkv = loraParameters(lfm2, 16, ["q_proj", "k_proj", "v_proj"]);
    expect(qkv).toBe(6 * 16 * ((H + H) + 2 * (H + 512)) + 10 * 16 * (H + 3 * H));
    expect(loraParameters(lfm2, 16, ["q_proj", "k_proj", "v_proj", "in_proj"])).toBe(qkv);
    expect(loraParameters(lfm2, 16, ["q_proj", "in_proj"])).toBe(6 * 16 * (2 * H) + 10 * 16 * (H + 3 * H));
    // Liquid AI's all-linear list names each module once, in the model's names.
    expect(adaptedModuleNames(lfm2, ["q_proj", "k_proj", "v_proj", "out_proj", "in_proj", "w1", "w3", "w2"])).toEqual(["q_proj", "k_proj", "v_proj", "out_proj", "w1", "w3", "w2", "in_proj"]);
    expect(adaptedModuleNames(lfm2, ["in_proj"])).toEqual(["in_proj"]);
    // A Llama has no such names, and LFM2 names a mistyped one among its own.
    expect(() => loraParameters({ ...lfm2, convLayers: 0 }, 16, ["w1"])).toThrow('unknown LoRA target "w1"');
    expect(() => loraParameters(lfm2, 16, ["w4"])).toThrow("down_proj, out_proj, w1, w3, w2, in_proj)");
  });

  it("reproduces the reference's ≈31.9 GFLOP/token for Llama-3.1-8B at T=2048", () => {
    expect(flopsPerToken(llama8b, 16, all, 2048) / 1e9).toBeCloseTo(31.9, 0);
  });
});
