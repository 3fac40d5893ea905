import fs from "node:fs";
import path from "node:path";
import { nf4RoundTrip } from "./nf4";
import { readSafetensors } from "./safetensors";

// A naive Llama/Qwen2/Qwen3 forward in float64, written from reference/trainer.md (and, for Qwen3's per-head
// q/k norms, transformers' Qwen3Attention) and nothing else: the independent reference the native trainer's
// logprobs are compared against (base, NF4, double quant, a PEFT adapter, tied embeddings, GQA, biases, q/k
// norms). Slow and plain on purpose; tiny models only.

type Config = {
  hidden_size: number; num_hidden_layers: number; num_attention_heads: number; num_key_value_heads: number;
  head_dim?: number; rms_norm_eps: number; rope_theta: number; tie_word_embeddings?: boolean; vocab_size: number;
};
type Mat = { rows: number; cols: number; data: Float64Array };

export type ReferenceOptions = { quant?: "none" | "nf4"; doubleQuant?: boolean; adapterDir?: string };

const PROJ = ["self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.o_proj", "mlp.gate_proj", "mlp.up_proj", "mlp.down_proj"];

export class ReferenceModel {
  private readonly w = new Map<string, Mat>();
  readonly cfg: Config;

  constructor(modelDir: string, opts: ReferenceOptions = {}) {
    this.cfg = JSON.parse(fs.readFileSync(path.join(modelDir, "config.json"), "utf8")) as Config;
    for (const [name, t] of readSafetensors(path.join(modelDir, "model.safetensors"))) {
      // Only the decoder projections are quantized (embedding, norms and lm_head stay full precision).
      const quantize = opts.quant === "nf4" && PROJ.some((p) => name.endsWith(`${p}.weight`));
      const values = quantize ? nf4RoundTrip(t.data, Boolean(opts.doubleQuant)) : t.data;
      this.w.set(name, { rows: t.shape[0]!, cols: t.shape[1] ?? 1, data: Float64Array.from(values) });
    }
    if (opts.adapterDir) this.applyAdapter(opts.adapterDir);
  }

  // W' = W + scaling·B·A is the same function as the unmerged LoRA forward (no dropout at inference).
  private applyAdapter(dir: string): void {
    const cfg = JSON.parse(fs.readFileSync(path.join(dir, "adapter_config.json"), "utf8")) as { r: number; lora_alpha: number; use_rslora?: boolean };
    const scaling = cfg.use_rslora ? cfg.lora_alpha / Math.sqrt(cfg.r) : cfg.lora_alpha / cfg.r;
    const tensors = readSafetensors(path.join(dir, "adapter_model.safetensors"));
    for (const [name, a] of tensors) {
      if (!name.endsWith(".lora_A.weight")) continue;
      const module = name.slice("base_model.model.".length, -".lora_A.weight".length);
      const b = tensors.get(name.replace(".lora_A.", ".lora_B."));
      const w = this.w.get(`${module}.weight`);
      if (!b || !w) throw new Error(`adapter tensor ${name} has no matching lora_B or base weight ${module}.weight`);
      const r = a.shape[0]!;
      for (let o = 0; o < w.rows; o++)
        for (let i = 0; i < w.cols; i++) {
          let s = 0;
          for (let k = 0; k < r; k++) s += b.data[o * r + k]! * a.data[k * w.cols + i]!;
          w.data[o * w.cols + i] = w.data[o * w.cols + i]! + scaling * s;
        }
    }
  }

  private get(name: string): Mat {
    const m = this.w.get(name);
    if (!m) throw new Error(`reference: tensor ${name} missing`);
    return m;
  }

  /** y[T, rows] = x[T, cols] · Wᵀ (+ bias). */
  private linear(x: Float64Array[], name: string): Float64Array[] {
    const W = this.get(`${name}.weight`);
    const bias = this.w.get(`${name}.bias`);
    return x.map((row) => {
      const y = new Float64Array(W.rows);
      for (let o = 0; o < W.rows; o++) {
        let s = bias ? bias.data[o]! : 0;
        for (let i = 0; i < W.cols; i++) s += row[i]! * W.data[o * W.cols + i]!;
        y[o] = s;
      }
      return y;
    });
  }

  private rms(x: Float64Array[], name: string): Float64Array[] {
    const w = this.get(name).data;
    return x.map((row) => this.rmsRow(row, w));
  }

  private rmsRow(row: Float64Array, w: Float64Array): Float64Array {
    let ms = 0;
    for (const v of row) ms += v * v;
    const inv = 1 / Math.sqrt(ms / row.length + this.cfg.rms_norm_eps);
    return row.map((v, i) => v * inv * w[i]!);
  }

  /** Qwen3: q_norm / k_norm normalize each head of width hd on its own; nothing when the model has none. */
  private headNorm(x: Float64Array[], name: string, hd: number): Float64Array[] {
    const w = this.w.get(name);
    if (!w) return x;
    return x.map((row) => {
      const out = new Float64Array(row.length);
      for (let h = 0; h < row.length / hd; h++) out.set(this.rmsRow(row.subarray(h * hd, (h + 1) * hd), w.data), h * hd);
      return out;
    });
  }

  /** Natural-log p(t[i+1] | t[0..i]) for i = 0..n−2. */
  logprobs(tokens: number[]): number[] {
    const c = this.cfg;
    const H = c.hidden_size, nh = c.num_attention_heads, nkv = c.num_key_value_heads, hd = c.head_dim ?? H / nh;
    const T = tokens.length;
    const emb = this.get("model.embed_tokens.weight");
    let x = tokens.map((t) => emb.data.slice(t * H, (t + 1) * H));
    // Rotate-half RoPE: inv_freq[i] = θ^(-2i/d), angle = pos·inv_freq[i mod d/2].
    const rope = (v: Float64Array, pos: number, head: number) => {
      const out = new Float64Array(hd);
      for (let i = 0; i < hd; i++) {
        const f = pos * c.rope_theta ** (-(2 * (i % (hd / 2))) / hd);
        const rot = i < hd / 2 ? -v[head * hd + i + hd / 2]! : v[head * hd + i - hd / 2]!;
        out[i] = v[head * hd + i]! * Math.cos(f) + rot * Math.sin(f);
      }
      return out;
    };
    for (let l = 0; l < c.num_hidden_layers; l++) {
      const p = `model.layers.${l}`;
      const h = this.rms(x, `${p}.input_layernorm.weight`);
      const q = this.headNorm(this.linear(h, `${p}.self_attn.q_proj`), `${p}.self_attn.q_norm.weight`, hd);
      const k = this.headNorm(this.linear(h, `${p}.self_attn.k_proj`), `${p}.self_attn.k_norm.weight`, hd);
      const v = this.linear(h, `${p}.self_attn.v_proj`);
      const attn = Array.from({ length: T }, () => new Float64Array(nh * hd));
      for (let head = 0; head < nh; head++) {
        const kvh = Math.floor(head / (nh / nkv));
        const ks = k.map((row, t) => rope(row, t, kvh));
        for (let t = 0; t < T; t++) {
          const qr = rope(q[t]!, t, head);
          const scores = ks.slice(0, t + 1).map((kr) => kr.reduce((s, kv, i) => s + kv * qr[i]!, 0) / Math.sqrt(hd));
          const mx = Math.max(...scores);
          const e = scores.map((s) => Math.exp(s - mx));
          const z = e.reduce((a, b) => a + b, 0);
          const row = attn[t]!;
          for (let j = 0; j <= t; j++) for (let i = 0; i < hd; i++) row[head * hd + i] = row[head * hd + i]! + (e[j]! / z) * v[j]![kvh * hd + i]!;
        }
      }
      const o = this.linear(attn, `${p}.self_attn.o_proj`);
      x = x.map((row, t) => row.map((val, i) => val + o[t]![i]!));
      const h2 = this.rms(x, `${p}.post_attention_layernorm.weight`);
      const g = this.linear(h2, `${p}.mlp.gate_proj`), u = this.linear(h2, `${p}.mlp.up_proj`);
      const act = g.map((row, t) => row.map((gv, i) => (gv / (1 + Math.exp(-gv))) * u[t]![i]!));
      const d = this.linear(act, `${p}.mlp.down_proj`);
      x = x.map((row, t) => row.map((val, i) => val + d[t]![i]!));
    }
    const xf = this.rms(x, "model.norm.weight");
    const logits = this.linear(xf, this.w.has("lm_head.weight") ? "lm_head" : "model.embed_tokens");
    const out: number[] = [];
    for (let t = 0; t + 1 < T; t++) {
      const row = logits[t]!;
      const mx = Math.max(...row);
      const lse = mx + Math.log(row.reduce((s, v) => s + Math.exp(v - mx), 0));
      out.push(row[tokens[t + 1]!]! - lse);
    }
    return out;
  }
}
