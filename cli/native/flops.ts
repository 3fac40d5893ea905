import type { ModelInfo } from "../../native/index";
import { adaptedModules, attentionLayers, FUSED_MODULES, fusedModulesOf, linearDims, loraParameterCount, type LinearModule } from "../../lib/models/shape";

// Model FLOPs per trained token (reference/trainer.md, "FLOP accounting"): 4·N_frozen (forward + input
// gradient through frozen weights, no weight gradient) + 6·N_lora (forward + both gradients) + the causal
// attention term 6·L·(n_heads·head_dim)·T. Dequantization and recompute are not model FLOPs.

type Shape = Pick<ModelInfo, "hiddenSize" | "intermediateSize" | "numLayers" | "numHeads" | "numKvHeads" | "headDim"> &
  Partial<Pick<ModelInfo, "fusedQkv" | "fusedGateUp" | "convLayers">>;

/**
 * Target names as projections; the names of the fused modules the model has (Phi-3: qkv_proj and gate_up_proj,
 * GLM-4: gate_up_proj) stand for their parts.
 */
function knownTargets(m: Shape, targets: string[]): LinearModule[] {
  const known = Object.keys(linearDims(m));
  const fused: string[] = fusedModulesOf(m);
  return targets.flatMap((t) => {
    if (fused.includes(t)) return [...FUSED_MODULES[t as keyof typeof FUSED_MODULES]];
    if (!known.includes(t)) throw new Error(`unknown LoRA target "${t}" (known: ${[...known, ...fused].join(", ")})`);
    return [t as LinearModule];
  });
}

/** The modules the trainer adapts for `targets`, by their names in the model (Phi-3: qkv_proj, not q_proj). */
export function adaptedModuleNames(m: Shape, targets: string[]): string[] {
  return adaptedModules(m, knownTargets(m, targets)).map((d) => d.name);
}

/**
 * LoRA parameters: r·(in + out) per adapted module per layer (A is [r, in], B is [out, r]); on a model with fused
 * projections q, k, v are one module (Phi-3) and gate, up another (Phi-3, GLM-4); LFM2's conv layers adapt in_proj
 * and out_proj in place of attention's (lib/models/shape.ts loraParameterCount).
 */
export function loraParameters(m: Shape, rank: number, targets: string[]): number {
  return loraParameterCount(m, rank, knownTargets(m, targets));
}

/** The attention term counts the layers that attend (LFM2's conv layers' convolution is a few FLOPs per value). */
export function flopsPerToken(m: Shape & Pick<ModelInfo, "matmulParameters">, rank: number, targets: string[], seqLen: number): number {
  return 4 * m.matmulParameters + 6 * loraParameters(m, rank, targets) + 6 * attentionLayers(m) * m.numHeads * m.headDim * seqLen;
}
