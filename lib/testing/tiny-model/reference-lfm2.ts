import fs from "node:fs";
import path from "node:path";
import { nf4RoundTrip } from "./nf4";
import { applyRope, linearRows, mergeAdapter, type Mat, type ReferenceOptions } from "./reference";
import { readSafetensors } from "./safetensors";

// LFM2 (Lfm2ForCausalLM) in float64, written from transformers' modeling_lfm2 alone, as reference.ts is for the
// Llama family: x += operator(operator_norm(x)), x += w2(silu(w1(n)) · w3(n)) with n = ffn_norm(x), the logits from
// embedding_norm(x) (the final norm, despite its name). The operator is, on a conv layer (layer_types "conv"),
// Lfm2ShortConv: B, C, x' = in_proj(h).chunk(3), y = C · causal depthwise conv1d(B · x') over conv_L_cache positions
// (zeros before the sequence), out_proj(y); on an attention layer, Lfm2Attention: q_layernorm / k_layernorm over each
// head, RoPE with base theta, softmax(q·k / √head_dim) over earlier positions, out_proj. Lfm2RMSNorm multiplies by its
// weight (not 1 + weight). NF4 is applied to every decoder linear weight (not the convolution's), as the trainer does.

type Lfm2Config = {
  hidden_size: number; num_attention_heads: number; num_key_value_heads: number; num_hidden_layers: number;
  norm_eps?: number; theta?: number; rope_theta?: number; conv_L_cache?: number; layer_types?: string[]; full_attn_idxs?: number[];
};

const LINEARS = ["conv.in_proj", "conv.out_proj", "self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.out_proj", "feed_forward.w1", "feed_forward.w2", "feed_forward.w3"];

export class Lfm2Reference {
  private readonly w = new Map<string, Mat>();
  private readonly cfg: Lfm2Config;

  constructor(modelDir: string, opts: ReferenceOptions = {}) {
    this.cfg = JSON.parse(fs.readFileSync(path.join(modelDir, "config.json"), "utf8")) as Lfm2Config;
    for (const [name, t] of readSafetensors(path.join(modelDir, "model.safetensors"))) {
      const quantize = opts.quant === "nf4" && LINEARS.some((p) => name.endsWith(`${p}.weight`));
      const values = quantize ? nf4RoundTrip(t.data, Boolean(opts.doubleQuant)) : t.data;
      this.w.set(name, { rows: t.shape[0]!, cols: t.shape.slice(1).reduce((a, b) => a * b, 1), data: Float64Array.from(values) });
    }
    if (opts.adapterDir) mergeAdapter(this.w, opts.adapterDir);
  }

  /** Lfm2Config: layer_types, else full_attn_idxs names the attention layers. */
  private convolves(l: number): boolean {
    const types = this.cfg.layer_types;
    if (types) return types[l] === "conv";
    return !(this.cfg.full_attn_idxs ?? []).includes(l);
  }

  private get(name: string): Mat {
    const m = this.w.get(name);
    if (!m) throw new Error(`reference: tensor ${name} missing`);
    return m;
  }

  private linear(x: Float64Array[], name: string): Float64Array[] {
    return linearRows(x, this.get(`${name}.weight`));
  }

  private rmsRow(row: Float64Array, w: Float64Array): Float64Array {
    let ms = 0;
    for (const v of row) ms += v * v;
    const inv = 1 / Math.sqrt(ms / row.length + (this.cfg.norm_eps ?? 1e-5));
    return row.map((v, i) => v * inv * w[i]!);
  }

  private rms(x: Float64Array[], name: string): Float64Array[] {
    const w = this.get(name).data;
    return x.map((row) => this.rmsRow(row, w));
  }

  /** Lfm2ShortConv on one sequence: y[t] = C[t] · Σ_j w[c, j] · (B·x')[t − (K−1) + j]. */
  private shortConv(h: Float64Array[], p: string): Float64Array[] {
    const H = this.cfg.hidden_size, K = this.cfg.conv_L_cache ?? 3;
    const bcx = this.linear(h, `${p}.conv.in_proj`);
    const w = this.get(`${p}.conv.conv.weight`).data;  // [H, 1, K]
    const y = bcx.map((row, t) => {
      const out = new Float64Array(H);
      for (let c = 0; c < H; c++) {
        let s = 0;
        for (let j = 0; j < K; j++) {
          const src = t - (K - 1) + j;
          if (src >= 0) s += w[c * K + j]! * bcx[src]![c]! * bcx[src]![2 * H + c]!;
        }
        out[c] = row[H + c]! * s;
      }
      return out;
    });
    return this.linear(y, `${p}.conv.out_proj`);
  }

  private attention(h: Float64Array[], p: string): Float64Array[] {
    const c = this.cfg;
    const nh = c.num_attention_heads, nkv = c.num_key_value_heads, hd = c.hidden_size / nh;
    const theta = c.theta ?? c.rope_theta ?? 1e6;
    const spec = { dim: hd, factors: new Array<number>(hd / 2).fill(1), scale: 1, interleaved: false };
    const headNorm = (x: Float64Array[], name: string) => {
      const w = this.get(name).data;
      return x.map((row) => {
        const out = new Float64Array(row.length);
        for (let k = 0; k < row.length / hd; k++) out.set(this.rmsRow(row.subarray(k * hd, (k + 1) * hd), w), k * hd);
        return out;
      });
    };
    const q = headNorm(this.linear(h, `${p}.self_attn.q_proj`), `${p}.self_attn.q_layernorm.weight`);
    const k = headNorm(this.linear(h, `${p}.self_attn.k_proj`), `${p}.self_attn.k_layernorm.weight`);
    const v = this.linear(h, `${p}.self_attn.v_proj`);
    const T = h.length;
    const out = Array.from({ length: T }, () => new Float64Array(nh * hd));
    for (let head = 0; head < nh; head++) {
      const kvh = Math.floor(head / (nh / nkv));
      const ks = k.map((row, t) => applyRope(row.subarray(kvh * hd, (kvh + 1) * hd), t, theta, spec));
      for (let t = 0; t < T; t++) {
        const qr = applyRope(q[t]!.subarray(head * hd, (head + 1) * hd), t, theta, spec);
        const scores = ks.slice(0, t + 1).map((kr) => kr.reduce((s, kv, i) => s + kv * qr[i]!, 0) / Math.sqrt(hd));
        const mx = Math.max(...scores);
        const e = scores.map((s) => Math.exp(s - mx));
        const z = e.reduce((a, b) => a + b, 0);
        for (let j = 0; j <= t; j++) for (let i = 0; i < hd; i++) out[t]![head * hd + i] = out[t]![head * hd + i]! + (e[j]! / z) * v[j]![kvh * hd + i]!;
      }
    }
    return this.linear(out, `${p}.self_attn.out_proj`);
  }

  /** Natural-log p(t[i+1] | t[0..i]) for i = 0..n−2. */
  logprobs(tokens: number[]): number[] {
    const H = this.cfg.hidden_size;
    const emb = this.get("model.embed_tokens.weight");
    let x = tokens.map((t) => emb.data.slice(t * H, (t + 1) * H));
    for (let l = 0; l < this.cfg.num_hidden_layers; l++) {
      const p = `model.layers.${l}`;
      const h = this.rms(x, `${p}.operator_norm.weight`);
      const o = this.convolves(l) ? this.shortConv(h, p) : this.attention(h, p);
      x = x.map((row, t) => row.map((val, i) => val + o[t]![i]!));
      const n = this.rms(x, `${p}.ffn_norm.weight`);
      const g = this.linear(n, `${p}.feed_forward.w1`), u = this.linear(n, `${p}.feed_forward.w3`);
      const act = g.map((row, t) => row.map((gv, i) => (gv / (1 + Math.exp(-gv))) * u[t]![i]!));
      const d = this.linear(act, `${p}.feed_forward.w2`);
      x = x.map((row, t) => row.map((val, i) => val + d[t]![i]!));
    }
    const logits = this.linear(this.rms(x, "model.embedding_norm.weight"), this.w.has("lm_head.weight") ? "lm_head" : "model.embed_tokens");
    const out: number[] = [];
    for (let t = 0; t + 1 < tokens.length; t++) {
      const row = logits[t]!;
      const mx = Math.max(...row);
      const lse = mx + Math.log(row.reduce((s, v) => s + Math.exp(v - mx), 0));
      out.push(row[tokens[t + 1]!]! - lse);
    }
    return out;
  }
}
