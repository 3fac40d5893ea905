import type { ModelInfo } from "../../native/index";

// Model FLOPs per trained token (reference/trainer.md, "FLOP accounting"): 4·N_frozen (forward + input
// gradient through frozen weights, no weight gradient) + 6·N_lora (forward + both gradients) + the causal
// attention term 6·L·(n_heads·head_dim)·T. Dequantization and recompute are not model FLOPs.

type Shape = Pick<ModelInfo, "hiddenSize" | "intermediateSize" | "numLayers" | "numHeads" | "numKvHeads" | "headDim">;

/** [in, out] features of each LoRA-able projection. */
export function projectionShape(m: Shape, target: string): [number, number] {
  const q = m.numHeads * m.headDim;
  const kv = m.numKvHeads * m.headDim;
  const shapes: Record<string, [number, number]> = {
    q_proj: [m.hiddenSize, q],
    k_proj: [m.hiddenSize, kv],
    v_proj: [m.hiddenSize, kv],
    o_proj: [q, m.hiddenSize],
    gate_proj: [m.hiddenSize, m.intermediateSize],
    up_proj: [m.hiddenSize, m.intermediateSize],
    down_proj: [m.intermediateSize, m.hiddenSize],
  };
  const s = shapes[target];
  if (!s) throw new Error(`unknown LoRA target "${target}" (known: ${Object.keys(shapes).join(", ")})`);
  return s;
}

/** LoRA parameters: r·(in + out) per adapted projection per layer (A is [r, in], B is [out, r]). */
export function loraParameters(m: Shape, rank: number, targets: string[]): number {
  return targets.reduce((n, t) => {
    const [inp, out] = projectionShape(m, t);
    return n + m.numLayers * rank * (inp + out);
  }, 0);
}

export function flopsPerToken(m: Shape & Pick<ModelInfo, "matmulParameters">, rank: number, targets: string[], seqLen: number): number {
  return 4 * m.matmulParameters + 6 * loraParameters(m, rank, targets) + 6 * m.numLayers * m.numHeads * m.headDim * seqLen;
}
