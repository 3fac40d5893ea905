import type { ModelInfo } from "../../native/index";
import { adaptedModules, attentionLayers, convAdaptedModules, FUSED_MODULES, fusedModulesOf, linearDims, loraParameterCount, type LinearModule } from "../../lib/models/shape";

// Model FLOPs per trained token (reference/trainer.md, "FLOP accounting"): 4·N_frozen (forward + input
// gradient through frozen weights, no weight gradient) + 6·N_lora (forward + both gradients) + the causal
// attention term 6·L·(n_heads·head_dim)·T. Dequantization and recompute are not model FLOPs.

type Shape = Pick<ModelInfo, "hiddenSize" | "intermediateSize" | "numLayers" | "numHeads" | "numKvHeads" | "headDim"> &
  Partial<Pick<ModelInfo, "fusedQkv" | "fusedGateUp" | "convLayers">>;

// LFM2's own names for what the form calls by Llama's (native/src/model/llama_lora.cc): out_proj is o_proj on both
// layer kinds, w1/w3/w2 are gate/up/down. in_proj, its conv layers' input projection, has no Llama counterpart.
const LFM2_NAMES: Record<string, LinearModule> = { out_proj: "o_proj", w1: "gate_proj", w3: "up_proj", w2: "down_proj" };
const LFM2_NAME_OF = Object.fromEntries(Object.entries(LFM2_NAMES).map(([lfm2, llama]) => [llama, lfm2])) as Partial<Record<LinearModule, string>>;

/** What `targets` adapt: projections by Llama's names, and whether LFM2's conv in_proj is named on its own. */
interface KnownTargets { modules: LinearModule[]; convInProj: boolean }

/**
 * Target names as projections; the names of the fused modules the model has (Phi-3: qkv_proj and gate_up_proj,
 * GLM-4: gate_up_proj) stand for their parts, and an LFM2's own names for Llama's.
 */
function knownTargets(m: Shape, targets: string[]): KnownTargets {
  const known = Object.keys(linearDims(m));
  const fused: string[] = fusedModulesOf(m);
  const lfm2 = (m.convLayers ?? 0) > 0;
  const own = lfm2 ? [...Object.keys(LFM2_NAMES), "in_proj"] : [];
  const modules = targets.flatMap((t): LinearModule[] => {
    if (fused.includes(t)) return [...FUSED_MODULES[t as keyof typeof FUSED_MODULES]];
    const alias = lfm2 ? LFM2_NAMES[t] : undefined;
    if (alias) return [alias];
    if (lfm2 && t === "in_proj") return [];
    if (!known.includes(t)) throw new Error(`unknown LoRA target "${t}" (known: ${[...known, ...fused, ...own].join(", ")})`);
    return [t as LinearModule];
  });
  return { modules, convInProj: lfm2 && targets.includes("in_proj") };
}

/** in_proj named on its own where q, k and v do not already adapt it (lib/models/shape.ts convAdaptedModules). */
const extraInProj = (k: KnownTargets): boolean => k.convInProj && !(["q_proj", "k_proj", "v_proj"] as const).every((p) => k.modules.includes(p));

/** The modules the trainer adapts for `targets`, by their names in the model (Phi-3: qkv_proj, not q_proj; LFM2: w1). */
export function adaptedModuleNames(m: Shape, targets: string[]): string[] {
  const k = knownTargets(m, targets);
  const names = adaptedModules(m, k.modules).map((d) => d.name);
  if (!(m.convLayers ?? 0)) return names;
  const conv = convAdaptedModules(m, k.modules).map((d) => d.name);
  const all = [...names, ...conv, ...(extraInProj(k) ? ["in_proj"] : [])].map((n) => LFM2_NAME_OF[n as LinearModule] ?? n);
  return [...new Set(all)];
}

/**
 * LoRA parameters: r·(in + out) per adapted module per layer (A is [r, in], B is [out, r]); on a model with fused
 * projections q, k, v are one module (Phi-3) and gate, up another (Phi-3, GLM-4); LFM2's conv layers adapt in_proj
 * and out_proj in place of attention's (lib/models/shape.ts loraParameterCount).
 */
export function loraParameters(m: Shape, rank: number, targets: string[]): number {
  const k = knownTargets(m, targets);
  const inProj = extraInProj(k) ? (m.convLayers ?? 0) * rank * (m.hiddenSize + 3 * m.hiddenSize) : 0;
  return loraParameterCount(m, rank, k.modules) + inProj;
}

/** The attention term counts the layers that attend (LFM2's conv layers' convolution is a few FLOPs per value). */
export function flopsPerToken(m: Shape & Pick<ModelInfo, "matmulParameters">, rank: number, targets: string[], seqLen: number): number {
  return 4 * m.matmulParameters + 6 * loraParameters(m, rank, targets) + 6 * attentionLayers(m) * m.numHeads * m.headDim * seqLen;
}
