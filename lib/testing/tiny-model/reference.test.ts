import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { writeTinyModel, type TinyModelOptions } from "./index";
import { embedScale, ReferenceModel } from "./reference";

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
