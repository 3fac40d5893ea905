import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { MINISTRAL3_ORIGINAL, writeTinyModel, type TinyModelOptions } from "./index";
import { applyRope, embedScale, ReferenceModel, yarnRope } from "./reference";
import { readSafetensors, writeSafetensors } from "./safetensors";

// The Gemma 3 parts of the float64 reference that can be pinned without another implementation: the embedding
// scale's rounding, which keys reach exactly which queries on sliding layers (an off-by-one there moves the
// boundary tested below), and that each Gemma key is read where it applies. native/reference.int.test.ts compares
// the whole forward with the native trainer's.

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "reference-gemma3-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const tokens = [35, 10, 200, 31, 7, 90, 120, 45, 66, 99, 250, 5, 17, 180];

function gemma(name: string, opts: Partial<TinyModelOptions> = {}): string {
  return writeTinyModel({ dir: path.join(tmp, name), gemma3: true, seed: 5, ...opts }).dir;
}

/** Rewrites keys of a written model's config.json (the weights stay). */
function patchConfig(dir: string, patch: Record<string, unknown>): void {
  const file = path.join(dir, "config.json");
  fs.writeFileSync(file, JSON.stringify({ ...JSON.parse(fs.readFileSync(file, "utf8")), ...patch }));
}

const maxDiff = (a: number[], b: number[]) => Math.max(...a.map((x, i) => Math.abs(x - b[i]!)));

describe("ReferenceModel on Gemma 3", () => {
  it("scales embeddings by sqrt(hidden_size) rounded to the weights' dtype (nearest even)", () => {
    expect(embedScale(1152, "bfloat16")).toBe(34); // 33.941…: bf16's step is 0.25 there, and 34 is nearer than 33.75
    expect(embedScale(1152, "float32")).toBe(Math.fround(Math.sqrt(1152)));
    expect(embedScale(2048, "bfloat16")).toBe(45.25);
    expect(embedScale(640, "bfloat16")).toBe(25.25); // gemma-3-270m: 25.298…
    expect(embedScale(64, "bfloat16")).toBe(8);
  });

  it("applies that scale: torch_dtype bfloat16 or float32 changes the function only when sqrt(hidden) is not exact", () => {
    // The same f32 weights each time; only config.json's dtype, which the scale is rounded to, changes.
    const inexact = gemma("h72", { shape: { hidden: 72 }, dtype: "F32" }); // sqrt(72) = 8.485…, 8.5 in bf16
    const f32 = new ReferenceModel(inexact).logprobs(tokens);
    expect(f32).toHaveLength(tokens.length - 1);
    expect(f32.every((x) => Number.isFinite(x) && x < 0)).toBe(true);
    patchConfig(inexact, { torch_dtype: "bfloat16" });
    expect(maxDiff(new ReferenceModel(inexact).logprobs(tokens), f32)).toBeGreaterThan(1e-6);
    const exact = gemma("h64", { dtype: "F32" }); // sqrt(64) = 8 in both
    const exactF32 = new ReferenceModel(exact).logprobs(tokens);
    patchConfig(exact, { torch_dtype: "bfloat16" });
    expect(new ReferenceModel(exact).logprobs(tokens)).toEqual(exactF32);
  });

  it("lets a sliding layer's query see exactly the last sliding_window keys", () => {
    // Both layers sliding (pattern 3 > 2 layers), window 4: token 0 reaches position t only through two windows,
    // so for t ≤ 2·(4 − 1) = 6 and never beyond.
    const dir = gemma("all-sliding", { slidingWindow: 4, slidingWindowPattern: 3 });
    const ref = new ReferenceModel(dir);
    const a = ref.logprobs(tokens);
    const b = ref.logprobs([77, ...tokens.slice(1)]);
    expect(a.slice(7)).toEqual(b.slice(7));
    expect(Math.abs(a[6]! - b[6]!)).toBeGreaterThan(1e-9);
    // The default pattern makes layer 1 full attention: token 0 then reaches every position.
    const mixed = new ReferenceModel(gemma("mixed", { slidingWindow: 4 }));
    const c = mixed.logprobs(tokens);
    const d = mixed.logprobs([77, ...tokens.slice(1)]);
    expect(Math.abs(c.at(-1)! - d.at(-1)!)).toBeGreaterThan(1e-9);
  });

  it("computes a window as wide as the sequence as full attention", () => {
    const dir = gemma("wide", { slidingWindow: tokens.length, slidingWindowPattern: 3 });
    const sliding = new ReferenceModel(dir).logprobs(tokens);
    // Same weights, every layer full, and the full layers' RoPE base made the sliding one: nothing may change.
    patchConfig(dir, { layer_types: ["full_attention", "full_attention"], rope_theta: 1e4 });
    expect(new ReferenceModel(dir).logprobs(tokens)).toEqual(sliding);
  });

  it("uses rope_local_base_freq on sliding layers only, and query_pre_attn_scalar instead of head_dim", () => {
    const dir = gemma("keys", { slidingWindow: 64 });
    const base = new ReferenceModel(dir).logprobs(tokens);
    patchConfig(dir, { rope_local_base_freq: 500 });
    expect(maxDiff(new ReferenceModel(dir).logprobs(tokens), base)).toBeGreaterThan(1e-6);
    patchConfig(dir, { layer_types: ["full_attention", "full_attention"] });
    const allFull = new ReferenceModel(dir).logprobs(tokens);
    patchConfig(dir, { rope_local_base_freq: 1e4 });
    expect(new ReferenceModel(dir).logprobs(tokens)).toEqual(allFull);
    // The tiny model's scalar equals its head_dim (16); another one must change the scores.
    patchConfig(dir, { query_pre_attn_scalar: 64 });
    expect(maxDiff(new ReferenceModel(dir).logprobs(tokens), allFull)).toBeGreaterThan(1e-6);
  });

  it("refuses what it does not compute (softcapping, RoPE scaling)", () => {
    const dir = gemma("capped");
    patchConfig(dir, { final_logit_softcapping: 30 });
    expect(() => new ReferenceModel(dir)).toThrow(/final_logit_softcapping/);
    patchConfig(dir, { final_logit_softcapping: null, rope_scaling: { rope_type: "linear", factor: 8 } });
    expect(() => new ReferenceModel(dir)).toThrow(/rope_scaling/);
  });
});

// Granite's four multipliers, each read where transformers' GraniteModel applies it: with every one at its Llama value
// (attention_multiplier head_dim^-0.5) the forward is the Llama's of the same weights, and each alone changes it.
describe("ReferenceModel on Granite", () => {
  const dir = writeTinyModel({ dir: path.join(tmp, "granite"), granite: true, seed: 5 }).dir;
  const hd = 16;  // the tiny preset's head_dim
  const neutral = { embedding_multiplier: 1, attention_multiplier: 1 / Math.sqrt(hd), residual_multiplier: 1, logits_scaling: 1 };

  it("is the Llama forward when every multiplier is at its Llama value", () => {
    const llama = path.join(tmp, "granite-as-llama");
    fs.cpSync(dir, llama, { recursive: true });
    patchConfig(llama, { architectures: ["LlamaForCausalLM"], model_type: "llama" });
    const asGranite = path.join(tmp, "granite-neutral");
    fs.cpSync(dir, asGranite, { recursive: true });
    patchConfig(asGranite, neutral);
    expect(JSON.parse(fs.readFileSync(path.join(dir, "config.json"), "utf8")).head_dim).toBe(hd);
    expect(maxDiff(new ReferenceModel(asGranite).logprobs(tokens), new ReferenceModel(llama).logprobs(tokens))).toBeLessThan(1e-12);
  });

  it.each(Object.keys(neutral))("changes the function through %s alone", (key) => {
    const one = path.join(tmp, `granite-only-${key}`);
    fs.cpSync(dir, one, { recursive: true });
    patchConfig(one, { ...neutral, [key]: JSON.parse(fs.readFileSync(path.join(dir, "config.json"), "utf8"))[key] });
    const base = path.join(tmp, "granite-neutral-base");
    fs.cpSync(dir, base, { recursive: true });
    patchConfig(base, neutral);
    expect(maxDiff(new ReferenceModel(one).logprobs(tokens), new ReferenceModel(base).logprobs(tokens))).toBeGreaterThan(1e-3);
  });
});

// SmolLM3's NoPE layers: with every layer rotating it is the Llama forward of the same weights; its NoPE layer alone
// changes the function.
describe("ReferenceModel on SmolLM3", () => {
  it("is the Llama forward with no NoPE layer, and another function with one", () => {
    const dir = writeTinyModel({ dir: path.join(tmp, "smollm3"), smollm3: true, seed: 5 }).dir;
    expect(JSON.parse(fs.readFileSync(path.join(dir, "config.json"), "utf8")).no_rope_layers).toEqual([1, 0]);
    const allRope = path.join(tmp, "smollm3-all-rope");
    fs.cpSync(dir, allRope, { recursive: true });
    patchConfig(allRope, { no_rope_layers: [1, 1] });
    const llama = path.join(tmp, "smollm3-as-llama");
    fs.cpSync(dir, llama, { recursive: true });
    patchConfig(llama, { architectures: ["LlamaForCausalLM"], model_type: "llama" });
    expect(maxDiff(new ReferenceModel(allRope).logprobs(tokens), new ReferenceModel(llama).logprobs(tokens))).toBeLessThan(1e-12);
    expect(maxDiff(new ReferenceModel(dir).logprobs(tokens), new ReferenceModel(llama).logprobs(tokens))).toBeGreaterThan(1e-3);
    // Without no_rope_layers, SmolLM3Config's interval (4 by default) decides: layer 1 of 2 rotates then.
    const byInterval = path.join(tmp, "smollm3-interval");
    fs.cpSync(dir, byInterval, { recursive: true });
    patchConfig(byInterval, { no_rope_layers: undefined, no_rope_layer_interval: 2 });
    expect(maxDiff(new ReferenceModel(byInterval).logprobs(tokens), new ReferenceModel(dir).logprobs(tokens))).toBeLessThan(1e-12);
  });
});

// Gemma 2's soft caps, each read where transformers' Gemma2Model applies it (the scaled scores before the mask and
// softmax, the logits after lm_head), its alternating windows and its one RoPE base.
describe("ReferenceModel on Gemma 2", () => {
  // Caps low enough to bend the tiny model's values: its scores are a few hundredths, its logits a few units.
  const caps = { attn: 0.02, final: 3 };
  const dir = writeTinyModel({ dir: path.join(tmp, "gemma2"), gemma2: true, seed: 5, slidingWindow: 4, softcaps: caps }).dir;
  const variant = (name: string, patch: Record<string, unknown>) => {
    const out = path.join(tmp, `gemma2-${name}`);
    fs.cpSync(dir, out, { recursive: true });
    patchConfig(out, patch);
    return new ReferenceModel(out).logprobs(tokens);
  };
  const capped = new ReferenceModel(dir).logprobs(tokens);

  it("changes the function through each cap alone; a cap far above the values is no cap", () => {
    const none = variant("none", { attn_logit_softcapping: null, final_logit_softcapping: null });
    expect(maxDiff(variant("attn-only", { final_logit_softcapping: null }), none)).toBeGreaterThan(1e-3);
    expect(maxDiff(variant("final-only", { attn_logit_softcapping: null }), none)).toBeGreaterThan(1e-3);
    expect(maxDiff(variant("huge", { attn_logit_softcapping: 1e9, final_logit_softcapping: 1e9 }), none)).toBeLessThan(1e-9);
    // Absent keys are Gemma2Config's 50 and 30: on this model's small values, nearly no cap, but not exactly.
    const defaults = variant("defaults", { attn_logit_softcapping: undefined, final_logit_softcapping: undefined });
    expect(maxDiff(defaults, variant("published", { attn_logit_softcapping: 50, final_logit_softcapping: 30 }))).toBe(0);
    expect(maxDiff(defaults, none)).toBeGreaterThan(0);
    expect(maxDiff(capped, none)).toBeGreaterThan(1e-3);
  });

  it("slides every second layer without layer_types, and uses rope_theta on every layer", () => {
    expect(maxDiff(variant("by-pattern", { layer_types: undefined }), capped)).toBe(0);
    expect(maxDiff(variant("local-base", { rope_local_base_freq: 500 }), capped)).toBe(0);
    expect(maxDiff(variant("all-full", { layer_types: ["full_attention", "full_attention"] }), capped)).toBeGreaterThan(1e-6);
    expect(maxDiff(variant("theta", { rope_theta: 500 }), capped)).toBeGreaterThan(1e-6);
    patchConfig(path.join(tmp, "gemma2-theta"), { rope_scaling: { rope_type: "linear", factor: 2 } });
    expect(() => new ReferenceModel(path.join(tmp, "gemma2-theta"))).toThrow(/Gemma 2 with rope_scaling/);
  });
});

// GLM-4's differences from a Llama, each read where transformers' Glm4DecoderLayer, Glm4Attention, Glm4MLP and
// apply_rotary_pos_emb apply it: RoPE on the first half of each head in interleaved pairs, the q/k/v biases, the
// output norms after each sublayer (plain weights), gate before up in gate_up_proj.
describe("ReferenceModel on GLM-4", () => {
  const hd = 16;  // the tiny preset's head_dim: values 0..7 rotate, 8..15 pass through
  // F32, so that rewriting a tensor changes only what the test changes.
  const dir = writeTinyModel({ dir: path.join(tmp, "glm4"), glm4: true, gqa: true, seed: 5, dtype: "F32" }).dir;
  type Edit = (name: string, data: Float32Array, shape: number[]) => Float32Array | undefined;
  /** The GLM-4's logprobs with config keys patched and tensors rewritten by `edit` (undefined: left as they are). */
  const variant = (name: string, patch: Record<string, unknown>, edit?: Edit) => {
    const out = path.join(tmp, `glm4-${name}`);
    fs.cpSync(dir, out, { recursive: true });
    patchConfig(out, patch);
    if (edit) {
      const file = path.join(out, "model.safetensors");
      const tensors = [...readSafetensors(file)].map(([n, t]) => ({ name: n, shape: t.shape, data: edit(n, t.data, t.shape) ?? t.data }));
      writeSafetensors(file, tensors, "F32");
    }
    return new ReferenceModel(out).logprobs(tokens);
  };
  const base = new ReferenceModel(dir).logprobs(tokens);
  /** Rewrites each head's rows of q_proj's and k_proj's weights and biases: `fn` gets a head's hd rows, in order. */
  const qkHeads = (fn: (rows: Float32Array[]) => Float32Array[]): Edit => (name, data, shape) => {
    if (!/self_attn\.[qk]_proj\.(weight|bias)$/.test(name)) return undefined;
    const cols = shape[1] ?? 1;
    const out = new Float32Array(data.length);
    for (let h = 0; h < shape[0]! / hd; h++) {
      const rows = Array.from({ length: hd }, (_, i) => data.slice((h * hd + i) * cols, (h * hd + i + 1) * cols));
      fn(rows).forEach((row, i) => out.set(row, (h * hd + i) * cols));
    }
    return out;
  };
  /** Turns q and k by 90° in the given pairs of values, (a, b) ↦ (−b, a): an orthogonal map, so scores see it only through RoPE. */
  const turn = (pairs: [number, number][]) => qkHeads((rows) => {
    const out = rows.slice();
    for (const [a, b] of pairs) [out[a], out[b]] = [rows[b]!.map((v) => -v), rows[a]!];
    return out;
  });
  /** Scales the rows [from, to) of every layer's tensor `suffix` by k (a power of 2, so that the f32 values stay exact). */
  const scaleRows = (suffix: string, k: number, from = 0, to = Infinity): Edit => (name, data, shape) => {
    if (!name.endsWith(suffix)) return undefined;
    const cols = shape[1] ?? 1;
    return data.map((v, i) => (Math.floor(i / cols) >= from && Math.floor(i / cols) < to ? v * k : v));
  };

  it("rotates interleaved pairs (2j, 2j + 1), not rotate-half's (j, j + d/2): a hand-checked head", () => {
    const head = Float64Array.of(1, 2, 3, 4, 5, 6, 7, 8);
    // 4 of 8 values rotate, θ = 100, position 1: pair 0 turns by 1 rad, pair 1 by 100^(-2/4) = 0.1 rad.
    const spec = { dim: 4, factors: [1, 1], scale: 1 };
    const inter = applyRope(head, 1, 100, { ...spec, interleaved: true });
    // (1, 2) by 1 rad: 1·cos 1 − 2·sin 1, 2·cos 1 + 1·sin 1; (3, 4) by 0.1 rad; 5..8 unchanged.
    [-1.1426396637476532, 1.922075596544176, 2.585678829246765, 4.279516911052588, 5, 6, 7, 8].forEach((v, i) => expect(inter[i]).toBeCloseTo(v, 14));
    // Rotate-half pairs (1, 3) by 1 rad and (2, 4) by 0.1 rad instead.
    const half = applyRope(head, 1, 100, { ...spec, interleaved: false });
    [-1.9841106485555495, 1.590674663968739, 2.4623779024123156, 4.17968349440576, 5, 6, 7, 8].forEach((v, i) => expect(half[i]).toBeCloseTo(v, 14));
    // The same rotation of the values gathered the other way: rotate-half's value i is the interleaved one gather[i].
    const gather = [0, 2, 1, 3, 4, 5, 6, 7];
    const far = applyRope(head, 7, 100, { ...spec, interleaved: true });
    const gathered = applyRope(Float64Array.from(gather, (i) => head[i]!), 7, 100, { ...spec, interleaved: false });
    gather.forEach((from, i) => expect(gathered[i]).toBeCloseTo(far[from]!, 14));
    expect([...applyRope(head, 0, 100, { ...spec, interleaved: true })]).toEqual([...head]);
  });

  it("pairs q and k's values as interleaved RoPE does: turning each interleaved pair by 90° leaves the function, rotate-half's pairs do not", () => {
    // An orthogonal map of q and k that commutes with the rotation of every RoPE pair leaves each score as it was.
    const interleaved: [number, number][] = [[0, 1], [2, 3], [4, 5], [6, 7]];
    expect(maxDiff(variant("turn-interleaved", {}, turn(interleaved)), base)).toBeLessThan(1e-12);
    const rotateHalf: [number, number][] = [[0, 4], [1, 5], [2, 6], [3, 7]];
    expect(maxDiff(variant("turn-half", {}, turn(rotateHalf)), base)).toBeGreaterThan(1e-6);
  });

  it("rotates the first half of each head (partial_rotary_factor, 0.5 when absent) and passes the rest through", () => {
    expect(variant("factor-absent", { partial_rotary_factor: undefined })).toEqual(base);
    expect(maxDiff(variant("factor-1", { partial_rotary_factor: 1 }), base)).toBeGreaterThan(1e-6);
    // The same permutation of q's and k's unrotated values (8..15 reversed) leaves every score; of the rotated ones, not.
    const reverseTail = qkHeads((rows) => [...rows.slice(0, 8), ...rows.slice(8).reverse()]);
    expect(maxDiff(variant("reverse-tail", {}, reverseTail), base)).toBeLessThan(1e-12);
    expect(maxDiff(variant("reverse-head", {}, qkHeads((rows) => [...rows.slice(0, 8).reverse(), ...rows.slice(8)])), base)).toBeGreaterThan(1e-6);
    // Rotating all of each head, that permutation matters too.
    expect(maxDiff(variant("reverse-tail-whole", { partial_rotary_factor: 1 }, reverseTail), variant("factor-1-again", { partial_rotary_factor: 1 }))).toBeGreaterThan(1e-6);
  });

  it("adds q, k and v's biases", () => {
    const zero: Edit = (name, data) => (/self_attn\.[qkv]_proj\.bias$/.test(name) ? new Float32Array(data.length) : undefined);
    expect(maxDiff(variant("no-bias", {}, zero), base)).toBeGreaterThan(1e-6);
    for (const p of ["q", "k", "v"]) {
      const one: Edit = (name, data) => (name.endsWith(`self_attn.${p}_proj.bias`) ? new Float32Array(data.length) : undefined);
      expect(maxDiff(variant(`no-${p}-bias`, {}, one), base), p).toBeGreaterThan(1e-6);
    }
  });

  it("normalizes o_proj's and down_proj's outputs, so scaling either changes nothing; gate_up_proj's first half is the gate", () => {
    // rms_norm_eps 0 makes RMSNorm exactly scale-free, so what lies under an output norm may be scaled freely.
    const eps0 = variant("eps0", { rms_norm_eps: 0 });
    expect(maxDiff(variant("o-x4", { rms_norm_eps: 0 }, scaleRows("self_attn.o_proj.weight", 4)), eps0)).toBeLessThan(1e-12);
    expect(maxDiff(variant("down-x4", { rms_norm_eps: 0 }, scaleRows("mlp.down_proj.weight", 4)), eps0)).toBeLessThan(1e-12);
    // up scales silu(gate)·up, which down_proj's output norm undoes; the gate goes through silu first, which it does not.
    const inter = 128;  // the tiny preset's intermediate_size: gate_up_proj has 2·128 rows
    expect(maxDiff(variant("up-x4", { rms_norm_eps: 0 }, scaleRows("mlp.gate_up_proj.weight", 4, inter, 2 * inter)), eps0)).toBeLessThan(1e-12);
    expect(maxDiff(variant("gate-x4", { rms_norm_eps: 0 }, scaleRows("mlp.gate_up_proj.weight", 4, 0, inter)), eps0)).toBeGreaterThan(1e-6);
  });

  // Each norm and the weights that read its output (an output norm's: the sublayer projection it normalizes).
  const readers: Record<string, RegExp> = {
    input_layernorm: /self_attn\.[qkv]_proj\.weight$/,
    post_self_attn_layernorm: /self_attn\.o_proj\.weight$/,
    post_attention_layernorm: /mlp\.gate_up_proj\.weight$/,
    post_mlp_layernorm: /mlp\.down_proj\.weight$/,
  };
  it.each(Object.keys(readers))("reads %s's weights where Glm4DecoderLayer does, plain (w, not 1 + w)", (norm) => {
    const zeroed = (re: RegExp): Edit => (name, data) => (re.test(name) ? new Float32Array(data.length) : undefined);
    // A plain norm of weight 0 outputs 0, as if the weights after it were 0 (q, k, v keep their biases); a (1 + w)
    // norm would not, nor one read elsewhere. GLM-4's post_attention_layernorm is the MLP's input norm.
    const zero = variant(`${norm}-zero`, {}, zeroed(new RegExp(`${norm}\\.weight$`)));
    expect(maxDiff(zero, variant(`${norm}-readers-zero`, {}, zeroed(readers[norm]!)))).toBeLessThan(1e-12);
    expect(maxDiff(zero, base)).toBeGreaterThan(1e-6);
    expect(maxDiff(variant(`${norm}-x2`, {}, scaleRows(`${norm}.weight`, 2)), base)).toBeGreaterThan(1e-6);
  });

  it("takes Glm4Config's head_dim 128 when config.json leaves it out, and refuses RoPE scaling", () => {
    const wide = writeTinyModel({ dir: path.join(tmp, "glm4-hd128"), glm4: true, seed: 5, shape: { headDim: 128 } }).dir;
    const given = new ReferenceModel(wide).logprobs(tokens);
    patchConfig(wide, { head_dim: undefined });
    expect(new ReferenceModel(wide).logprobs(tokens)).toEqual(given);
    patchConfig(wide, { rope_scaling: { rope_type: "linear", factor: 2 } });
    expect(() => new ReferenceModel(wide).logprobs(tokens)).toThrow(/rope_scaling "linear" is not implemented/);
  });
});

describe("ReferenceModel with yarn RoPE scaling", () => {
  it("keeps the fast pairs, divides the slow ones by factor and blends between, on Qwen3-8B's heads", () => {
    // head_dim 128, rope_theta 1e6, factor 4 over 32768 positions: the correction range is pairs 23..40.
    const { factors, scale } = yarnRope({ factor: 4, original_max_position_embeddings: 32768 }, 128, 1e6, 40960);
    expect(factors).toHaveLength(64);
    for (let j = 0; j <= 23; j++) expect(factors[j]).toBe(1);
    for (let j = 40; j < 64; j++) expect(factors[j]).toBeCloseTo(4, 12);
    expect(1 / factors[30]!).toBeCloseTo((7 / 17) / 4 + 10 / 17, 12);  // ramp (30 − 23) / 17
    expect(scale).toBeCloseTo(0.1 * Math.log(4) + 1, 15);
    // original_max_position_embeddings absent: the turns are counted over max_position_embeddings.
    expect(yarnRope({ factor: 4 }, 128, 1e6, 32768).factors).toEqual(factors);
    expect(yarnRope({ factor: 4, attention_factor: 1.5 }, 128, 1e6, 32768).scale).toBe(1.5);
  });

  it("changes the function through its frequencies and through its attention factor", () => {
    const dir = writeTinyModel({ dir: path.join(tmp, "yarn"), qwen3: true, yarn: true, seed: 5, dtype: "F32", shape: { headDim: 32 } }).dir;
    const yarn = new ReferenceModel(dir).logprobs(tokens);
    patchConfig(dir, { rope_scaling: { rope_type: "yarn", factor: 4, original_max_position_embeddings: 512, attention_factor: 1 } });
    const unscaled = new ReferenceModel(dir).logprobs(tokens);
    patchConfig(dir, { rope_scaling: null });
    const plain = new ReferenceModel(dir).logprobs(tokens);
    expect(maxDiff(yarn, unscaled)).toBeGreaterThan(1e-4);
    expect(maxDiff(unscaled, plain)).toBeGreaterThan(1e-4);
    patchConfig(dir, { rope_scaling: { rope_type: "dynamic", factor: 2 } });
    expect(() => new ReferenceModel(dir).logprobs(tokens)).toThrow(/rope_scaling "dynamic" is not implemented/);
  });
});

describe("ReferenceModel on OLMo 3", () => {
  it("scales RoPE on the full-attention layers only: with every layer sliding, yarn changes nothing", () => {
    const dir = writeTinyModel({ dir: path.join(tmp, "olmo3"), olmo3: true, yarn: true, seed: 5, dtype: "F32", slidingWindow: 64 }).dir;
    const yarn = new ReferenceModel(dir).logprobs(tokens);
    patchConfig(dir, { rope_scaling: null });
    const plain = new ReferenceModel(dir).logprobs(tokens);
    expect(maxDiff(yarn, plain)).toBeGreaterThan(1e-4);  // layer 1 is a full-attention one
    patchConfig(dir, { layer_types: ["sliding_attention", "sliding_attention"] });
    const allSliding = new ReferenceModel(dir).logprobs(tokens);
    patchConfig(dir, { rope_scaling: { rope_type: "yarn", factor: 4, original_max_position_embeddings: 512 } });
    expect(new ReferenceModel(dir).logprobs(tokens)).toEqual(allSliding);
  });

  it("windows its sliding layers (three in four without layer_types) and is OLMo 2's layer otherwise", () => {
    const dir = writeTinyModel({ dir: path.join(tmp, "olmo3-w"), olmo3: true, seed: 5, dtype: "F32", slidingWindow: 3 }).dir;
    const windowed = new ReferenceModel(dir).logprobs(tokens);
    patchConfig(dir, { sliding_window: 64 });
    const wide = new ReferenceModel(dir).logprobs(tokens);
    expect(maxDiff(windowed, wide)).toBeGreaterThan(1e-4);
    // A window wider than the sequence: OLMo 2's function on the same weights.
    patchConfig(dir, { architectures: ["Olmo2ForCausalLM"], model_type: "olmo2" });
    expect(maxDiff(new ReferenceModel(dir).logprobs(tokens), wide)).toBeLessThan(1e-12);
    // Without layer_types, layers 0-2 of 4 slide: a 2-layer model has no full layer, so the window applies to both.
    patchConfig(dir, { architectures: ["Olmo3ForCausalLM"], model_type: "olmo3", sliding_window: 3, layer_types: undefined });
    const bothSliding = new ReferenceModel(dir).logprobs(tokens);
    patchConfig(dir, { layer_types: ["sliding_attention", "sliding_attention"] });
    expect(new ReferenceModel(dir).logprobs(tokens)).toEqual(bothSliding);
    expect(maxDiff(bothSliding, windowed)).toBeGreaterThan(1e-4);
  });
});

describe("ReferenceModel on EXAONE 4.0", () => {
  it("rotates q and k on its sliding layers only when there is a window, on every layer without one", () => {
    const dir = writeTinyModel({ dir: path.join(tmp, "exaone4"), exaone4: true, seed: 5, dtype: "F32", slidingWindow: 64 }).dir;
    const hybrid = new ReferenceModel(dir).logprobs(tokens);
    // Without a window every layer rotates: layer 1 (full attention) now takes RoPE.
    patchConfig(dir, { sliding_window: null });
    const allRope = new ReferenceModel(dir).logprobs(tokens);
    expect(maxDiff(hybrid, allRope)).toBeGreaterThan(1e-4);
    // Every layer sliding under a window wider than the sequence: every layer rotates, the same function.
    patchConfig(dir, { sliding_window: 64, layer_types: ["sliding_attention", "sliding_attention"] });
    expect(maxDiff(new ReferenceModel(dir).logprobs(tokens), allRope)).toBeLessThan(1e-12);
  });
});

describe("ReferenceModel on Ministral 3", () => {
  it("scales each query by its position's temperature from the original context on, and reads 5.x's rope_parameters as 4.x's keys", () => {
    const dir = writeTinyModel({ dir: path.join(tmp, "ministral3"), ministral3: true, seed: 5, dtype: "F32" }).dir;
    const config = JSON.parse(fs.readFileSync(path.join(dir, "config.json"), "utf8")) as { rope_parameters: Record<string, unknown> };
    expect(config.rope_parameters).toMatchObject({ rope_type: "yarn", original_max_position_embeddings: MINISTRAL3_ORIGINAL, llama_4_scaling_beta: 0.5 });
    const hot = new ReferenceModel(dir).logprobs(tokens);
    // The same RoPE as 4.x's top-level rope_theta and rope_scaling: the same function.
    patchConfig(dir, { rope_parameters: undefined, rope_theta: 10000, rope_scaling: config.rope_parameters });
    expect(maxDiff(new ReferenceModel(dir).logprobs(tokens), hot)).toBeLessThan(1e-12);
    // beta 0: the same up to position 7 (log-probability 7 is the query at position 7), others from position 8 on.
    patchConfig(dir, { rope_scaling: undefined, rope_parameters: { ...config.rope_parameters, llama_4_scaling_beta: 0 } });
    const cold = new ReferenceModel(dir).logprobs(tokens);
    expect(maxDiff(cold.slice(0, MINISTRAL3_ORIGINAL), hot.slice(0, MINISTRAL3_ORIGINAL))).toBeLessThan(1e-12);
    expect(maxDiff(cold.slice(MINISTRAL3_ORIGINAL), hot.slice(MINISTRAL3_ORIGINAL))).toBeGreaterThan(1e-4);
    patchConfig(dir, { rope_parameters: { ...config.rope_parameters, llama_4_scaling_beta: undefined } });
    expect(() => new ReferenceModel(dir)).toThrow("Ministral 3 without llama_4_scaling_beta");
  });
});
