import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Tokenizer } from "@huggingface/tokenizers";
import { afterAll, describe, expect, it } from "vitest";
import { loadChatTokenizer } from "../../tokenizer/chat-tokenizer";
import { CHATML_TEMPLATE, MINISTRAL3_ORIGINAL, writeTinyModel } from "./index";
import { bf16BitsToF32, f32ToBf16Bits, readSafetensors } from "./safetensors";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "tiny-model-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe("writeTinyModel", () => {
  it("writes the same bytes for the same seed and different weights for another seed", () => {
    const a = writeTinyModel({ dir: path.join(tmp, "a"), seed: 7 });
    writeTinyModel({ dir: path.join(tmp, "b"), seed: 7 });
    writeTinyModel({ dir: path.join(tmp, "c"), seed: 8 });
    const bytes = (d: string) => fs.readFileSync(path.join(tmp, d, "model.safetensors"));
    expect(bytes("a").equals(bytes("b"))).toBe(true);
    expect(bytes("a").equals(bytes("c"))).toBe(false);
    expect(a.config.architectures).toEqual(["LlamaForCausalLM"]);
  });

  it("writes every tensor a Llama decoder needs, with config-consistent shapes", () => {
    const m = writeTinyModel({ dir: path.join(tmp, "gqa"), gqa: true, dtype: "F32" });
    const t = readSafetensors(path.join(m.dir, "model.safetensors"));
    const c = m.config as { hidden_size: number; num_key_value_heads: number; head_dim: number; vocab_size: number; num_hidden_layers: number };
    expect(c.num_key_value_heads).toBe(2);
    expect(t.get("model.layers.1.self_attn.k_proj.weight")?.shape).toEqual([c.num_key_value_heads * c.head_dim, c.hidden_size]);
    expect(t.get("lm_head.weight")?.shape).toEqual([c.vocab_size, c.hidden_size]);
    expect(t.size).toBe(1 + c.num_hidden_layers * 9 + 2);
  });

  it("omits lm_head when tied and adds q/k/v biases for Qwen2", () => {
    const m = writeTinyModel({ dir: path.join(tmp, "qwen"), tiedEmbeddings: true, qwen2: true });
    const t = readSafetensors(path.join(m.dir, "model.safetensors"));
    expect(t.has("lm_head.weight")).toBe(false);
    expect(t.get("model.layers.0.self_attn.v_proj.bias")?.shape).toEqual([64]);
    expect(m.config).toMatchObject({ architectures: ["Qwen2ForCausalLM"], tie_word_embeddings: true });
  });

  it("writes a tokenizer that encodes any text and knows the chat special tokens", () => {
    const m = writeTinyModel({ dir: path.join(tmp, "tok") });
    const read = (f: string) => JSON.parse(fs.readFileSync(path.join(m.dir, f), "utf8")) as object;
    const tok = new Tokenizer(read("tokenizer.json"), read("tokenizer_config.json"));
    const text = "<|im_start|>user\nünïcode 日本 🙂 {\"a\": 1}<|im_end|>\n";
    const ids = tok.encode(text, { add_special_tokens: false }).ids;
    expect(tok.decode(ids)).toBe(text);
    expect(ids[0]).toBe(tok.token_to_id("<|im_start|>"));
    expect(Math.max(...ids)).toBeLessThan(m.vocabSize);
    expect(tok.token_to_id("<|im_end|>")).toBe(m.eosTokenId);
  });

  it("has a ~20M-parameter small preset for the bench", () => {
    const m = writeTinyModel({ dir: path.join(tmp, "small"), preset: "small" });
    expect(m.numParameters).toBeGreaterThan(18e6);
    expect(m.numParameters).toBeLessThan(22e6);
  });
});

describe("writeTinyModel({ gemma3: true })", () => {
  const readJson = (dir: string, f: string) => JSON.parse(fs.readFileSync(path.join(dir, f), "utf8")) as Record<string, unknown>;

  it("writes a Gemma3ForCausalLM config: its keys, one sliding and one full layer, <eos> and <end_of_turn> as stops", () => {
    const m = writeTinyModel({ dir: path.join(tmp, "gemma3"), gemma3: true });
    const config = readJson(m.dir, "config.json");
    expect(config).toEqual(m.config);
    expect(config).toMatchObject({
      architectures: ["Gemma3ForCausalLM"], model_type: "gemma3_text", hidden_activation: "gelu_pytorch_tanh", head_dim: 16,
      query_pre_attn_scalar: 16, rope_theta: 1e6, rope_local_base_freq: 1e4, sliding_window: 8, sliding_window_pattern: 2,
      layer_types: ["sliding_attention", "full_attention"], tie_word_embeddings: true, rms_norm_eps: 1e-6, torch_dtype: "bfloat16",
    });
    const tok = loadChatTokenizer(m.dir);
    expect(config.eos_token_id).toEqual([tok.tokenId("<eos>"), tok.tokenId("<end_of_turn>")]);
    expect(config).toMatchObject({ bos_token_id: tok.tokenId("<bos>"), pad_token_id: tok.tokenId("<pad>") });
    expect(readJson(m.dir, "generation_config.json")).toEqual({ bos_token_id: config.bos_token_id, eos_token_id: config.eos_token_id, pad_token_id: config.pad_token_id });
    expect(m.eosTokenId).toBe(tok.tokenId("<eos>"));
    expect(tok.stopTokenIds).toEqual(expect.arrayContaining([tok.tokenId("<eos>"), tok.tokenId("<end_of_turn>")]));
  });

  it("writes Gemma's tensors, tied, with every norm stored as (scale − 1) near 0", () => {
    const m = writeTinyModel({ dir: path.join(tmp, "gemma3-f32"), gemma3: true, dtype: "F32", gqa: true });
    const t = readSafetensors(path.join(m.dir, "model.safetensors"));
    expect(t.has("lm_head.weight")).toBe(false);
    const perLayer = ["input_layernorm", "post_attention_layernorm", "pre_feedforward_layernorm", "post_feedforward_layernorm", "self_attn.q_norm", "self_attn.k_norm"];
    for (const name of [...perLayer.map((n) => `model.layers.1.${n}.weight`), "model.norm.weight"]) {
      const w = t.get(name)?.data;
      expect(w, name).toBeDefined();
      const mean = w!.reduce((a, b) => a + b, 0) / w!.length;
      // 0.1·normal: centered on 0, never near the scale 1 a Llama file stores, and not all zero.
      expect(Math.abs(mean), name).toBeLessThan(0.06);
      expect(Math.max(...w!.map(Math.abs)), name).toBeLessThan(0.5);
      expect(w!.some((v) => v !== 0), name).toBe(true);
    }
    expect(t.get("model.layers.0.self_attn.k_norm.weight")?.shape).toEqual([16]);
    expect(t.get("model.layers.0.self_attn.k_proj.weight")?.shape).toEqual([2 * 16, 64]);
    // Embedding, 2 × (7 projections + 6 norms), the final norm.
    expect(t.size).toBe(1 + 2 * 13 + 1);
    expect(m.numParameters).toBe([...t.values()].reduce((n, x) => n + x.data.length, 0));
  });

  it("takes query_pre_attn_scalar, the window and the pattern as options, and refuses them without gemma3", () => {
    const m = writeTinyModel({ dir: path.join(tmp, "gemma3-opts"), gemma3: true, preset: "tiny", shape: { layers: 4 }, queryPreAttnScalar: 40, slidingWindow: 5, slidingWindowPattern: 3 });
    expect(m.config).toMatchObject({ query_pre_attn_scalar: 40, sliding_window: 5, sliding_window_pattern: 3 });
    expect(m.config.layer_types).toEqual(["sliding_attention", "sliding_attention", "full_attention", "sliding_attention"]);
    expect(() => writeTinyModel({ dir: path.join(tmp, "llama-window"), slidingWindow: 4 })).toThrow(/Gemma options/);
    expect(() => writeTinyModel({ dir: path.join(tmp, "both"), gemma3: true, qwen3: true })).toThrow(/at most/);
  });

  it("renders Gemma 3's template: <bos>, the system prompt folded into the first user turn, the assistant as model", () => {
    const chat = loadChatTokenizer(writeTinyModel({ dir: path.join(tmp, "gemma3-chat"), gemma3: true }).dir);
    const messages = [
      { role: "system", content: "You are a helpful assistant." },
      { role: "user", content: "What is the capital of France?" },
      { role: "assistant", content: "Paris." },
      { role: "user", content: " And of Italy? " },
    ];
    expect(chat.render(messages, { addGenerationPrompt: true })).toBe(
      "<bos><start_of_turn>user\nYou are a helpful assistant.\n\nWhat is the capital of France?<end_of_turn>\n" +
        "<start_of_turn>model\nParis.<end_of_turn>\n<start_of_turn>user\nAnd of Italy?<end_of_turn>\n<start_of_turn>model\n",
    );
    expect(chat.render(messages.slice(1, 3), { addGenerationPrompt: false })).toBe("<bos><start_of_turn>user\nWhat is the capital of France?<end_of_turn>\n<start_of_turn>model\nParis.<end_of_turn>\n");
    expect(() => chat.render([messages[1]!, messages[1]!], { addGenerationPrompt: true })).toThrow(/roles must alternate/);
    // The turn markers are single special tokens, as in Gemma's tokenizer.
    const ids = chat.encode("<bos><start_of_turn>model\nParis.<end_of_turn>\n");
    expect(ids.slice(0, 2)).toEqual([chat.tokenId("<bos>"), chat.tokenId("<start_of_turn>")]);
    expect(ids).toContain(chat.tokenId("<end_of_turn>"));
    expect(chat.decode(ids)).toBe("<bos><start_of_turn>model\nParis.<end_of_turn>\n");
  });
});

describe("writeTinyModel({ gemma2: true })", () => {
  it("writes a Gemma2ForCausalLM: its soft caps (published or given), every second layer sliding, one RoPE, no q/k norms", () => {
    const m = writeTinyModel({ dir: path.join(tmp, "gemma2"), gemma2: true, gqa: true, dtype: "F32" });
    expect(m.config).toMatchObject({
      architectures: ["Gemma2ForCausalLM"], model_type: "gemma2", hidden_activation: "gelu_pytorch_tanh", head_dim: 16,
      attn_logit_softcapping: 50, final_logit_softcapping: 30, rope_theta: 1e4, sliding_window: 8,
      layer_types: ["sliding_attention", "full_attention"], tie_word_embeddings: true, query_pre_attn_scalar: 16,
    });
    expect(m.config).not.toHaveProperty("rope_local_base_freq");
    expect(m.config).not.toHaveProperty("sliding_window_pattern");
    const t = readSafetensors(path.join(m.dir, "model.safetensors"));
    expect(t.has("model.layers.0.self_attn.q_norm.weight")).toBe(false);
    expect(t.has("model.layers.0.pre_feedforward_layernorm.weight")).toBe(true);
    expect(t.has("lm_head.weight")).toBe(false);
    // Embedding, 2 × (7 projections + 4 norms), the final norm.
    expect(t.size).toBe(1 + 2 * 11 + 1);
    const chat = loadChatTokenizer(m.dir);
    expect(m.config.eos_token_id).toEqual([chat.tokenId("<eos>"), chat.tokenId("<end_of_turn>")]);
    const low = writeTinyModel({ dir: path.join(tmp, "gemma2-low"), gemma2: true, softcaps: { attn: 0.5, final: null } });
    expect(low.config).toMatchObject({ attn_logit_softcapping: 0.5, final_logit_softcapping: null });
    expect(() => writeTinyModel({ dir: path.join(tmp, "g2-bad"), gemma2: true, softcaps: { attn: 0, final: 30 } })).toThrow(/must be positive/);
    expect(() => writeTinyModel({ dir: path.join(tmp, "g2-pattern"), gemma2: true, slidingWindowPattern: 3 })).toThrow(/Gemma 2 slides every second layer/);
    expect(() => writeTinyModel({ dir: path.join(tmp, "g3-caps"), gemma3: true, softcaps: { attn: 50, final: 30 } })).toThrow(/Gemma 2 option/);
    expect(() => writeTinyModel({ dir: path.join(tmp, "g2-g3"), gemma2: true, gemma3: true })).toThrow(/at most/);
  });
});

describe("writeTinyModel({ yarn: true })", () => {
  it("writes yarn RoPE scaling over the preset's context, the context four times as long; not on Gemma or with longrope", () => {
    const m = writeTinyModel({ dir: path.join(tmp, "yarn"), qwen3: true, yarn: true });
    expect(m.config).toMatchObject({ max_position_embeddings: 2048, rope_scaling: { rope_type: "yarn", factor: 4, original_max_position_embeddings: 512 } });
    expect(writeTinyModel({ dir: path.join(tmp, "yarn-llama"), yarn: true }).config.architectures).toEqual(["LlamaForCausalLM"]);
    expect(() => writeTinyModel({ dir: path.join(tmp, "yarn-gemma3"), gemma3: true, yarn: true })).toThrow(/yarn is for the Llama-style models/);
    expect(() => writeTinyModel({ dir: path.join(tmp, "yarn-phi4"), phi3: true, phi4MiniRope: true, yarn: true })).toThrow(/yarn is for the Llama-style models/);
  });
});

describe("writeTinyModel({ olmo3: true })", () => {
  it("writes an Olmo3ForCausalLM: OLMo 2's tensors, every second layer sliding over slidingWindow keys", () => {
    const m = writeTinyModel({ dir: path.join(tmp, "olmo3"), olmo3: true, slidingWindow: 5 });
    const o2 = writeTinyModel({ dir: path.join(tmp, "olmo3-as-olmo2"), olmo2: true });
    expect(m.config).toMatchObject({ architectures: ["Olmo3ForCausalLM"], model_type: "olmo3", sliding_window: 5, layer_types: ["sliding_attention", "full_attention"] });
    expect(fs.readFileSync(path.join(m.dir, "model.safetensors"))).toEqual(fs.readFileSync(path.join(o2.dir, "model.safetensors")));
    expect(writeTinyModel({ dir: path.join(tmp, "olmo3-default"), olmo3: true }).config.sliding_window).toBe(8);
    expect(() => writeTinyModel({ dir: path.join(tmp, "olmo3-olmo2"), olmo3: true, olmo2: true })).toThrow(/at most/);
    expect(() => writeTinyModel({ dir: path.join(tmp, "olmo3-qpas"), olmo3: true, queryPreAttnScalar: 8 })).toThrow(/Gemma options/);
  });
});

describe("writeTinyModel({ exaone4: true })", () => {
  it("writes an Exaone4ForCausalLM: no input norms, output norms, per-head q/k norms, every second layer sliding", () => {
    const m = writeTinyModel({ dir: path.join(tmp, "exaone4"), exaone4: true, slidingWindow: 6, dtype: "F32" });
    expect(m.config).toMatchObject({ architectures: ["Exaone4ForCausalLM"], model_type: "exaone4", sliding_window: 6, layer_types: ["sliding_attention", "full_attention"] });
    const names = [...readSafetensors(path.join(m.dir, "model.safetensors"))].map(([n, t]) => [n, t.shape] as const);
    const layer0 = names.filter(([n]) => n.startsWith("model.layers.0."));
    expect(layer0.some(([n]) => n.includes("input_layernorm"))).toBe(false);
    expect(layer0.find(([n]) => n.endsWith("q_norm.weight"))![1]).toEqual([16]);  // per head
    expect(layer0.some(([n]) => n.endsWith("post_feedforward_layernorm.weight"))).toBe(true);
    expect(() => writeTinyModel({ dir: path.join(tmp, "exaone4-olmo2"), exaone4: true, olmo2: true })).toThrow(/at most/);
  });
});

describe("writeTinyModel({ ministral3: true })", () => {
  it("writes a Ministral3ForCausalLM: Llama's tensors, RoPE and the query temperature as transformers 5.x writes them", () => {
    const m = writeTinyModel({ dir: path.join(tmp, "ministral3"), ministral3: true });
    const written = JSON.parse(fs.readFileSync(path.join(m.dir, "config.json"), "utf8")) as Record<string, unknown>;
    expect(written).toMatchObject({
      architectures: ["Ministral3ForCausalLM"], model_type: "ministral3", sliding_window: null,
      rope_parameters: { rope_type: "yarn", rope_theta: 1e4, factor: 4, original_max_position_embeddings: MINISTRAL3_ORIGINAL, mscale: 1, mscale_all_dim: 1, llama_4_scaling_beta: 0.5 },
    });
    expect([written.rope_theta, written.rope_scaling]).toEqual([undefined, undefined]);  // 5.x leaves the 4.x keys out
    const names = [...readSafetensors(path.join(m.dir, "model.safetensors"))].map(([n]) => n);
    expect(names).toContain("model.layers.0.input_layernorm.weight");
    expect(names.some((n) => n.includes("q_norm"))).toBe(false);
    expect(() => writeTinyModel({ dir: path.join(tmp, "ministral3-yarn"), ministral3: true, yarn: true })).toThrow(/own yarn/);
  });
});

describe("writeTinyModel({ glm4: true })", () => {
  it("writes a Glm4ForCausalLM config: Glm4Config's keys (biases, half of each head rotated), untied, ChatML", () => {
    const m = writeTinyModel({ dir: path.join(tmp, "glm4"), glm4: true });
    expect(m.config).toEqual(JSON.parse(fs.readFileSync(path.join(m.dir, "config.json"), "utf8")));
    expect(m.config).toMatchObject({
      architectures: ["Glm4ForCausalLM"], model_type: "glm4", head_dim: 16, hidden_act: "silu", attention_bias: true,
      partial_rotary_factor: 0.5, attention_dropout: 0, rope_theta: 1e4, tie_word_embeddings: false,
    });
    const tc = JSON.parse(fs.readFileSync(path.join(m.dir, "tokenizer_config.json"), "utf8"));
    expect(tc).toMatchObject({ chat_template: CHATML_TEMPLATE, eos_token: "<|im_end|>" });
    expect(loadChatTokenizer(m.dir).tokenId("<|im_end|>")).toBe(m.eosTokenId);
  });

  it("writes GLM-4's tensors: q/k/v biases, four norms per layer around 1, gate and up in one gate_up_proj", () => {
    const m = writeTinyModel({ dir: path.join(tmp, "glm4-f32"), glm4: true, gqa: true, dtype: "F32" });
    const t = readSafetensors(path.join(m.dir, "model.safetensors"));
    const shapeOf = (n: string) => t.get(`model.layers.1.${n}`)?.shape;
    expect(shapeOf("self_attn.q_proj.bias")).toEqual([64]);
    expect(shapeOf("self_attn.k_proj.bias")).toEqual([32]);
    expect(shapeOf("self_attn.v_proj.bias")).toEqual([32]);
    expect(shapeOf("self_attn.o_proj.weight")).toEqual([64, 64]);
    expect(shapeOf("mlp.gate_up_proj.weight")).toEqual([2 * 128, 64]);
    expect(shapeOf("mlp.down_proj.weight")).toEqual([64, 128]);
    // o_proj has no bias; q, k, v stay apart; gate and up exist only fused.
    for (const absent of ["self_attn.o_proj.bias", "self_attn.qkv_proj.weight", "mlp.gate_proj.weight", "mlp.up_proj.weight"]) expect(shapeOf(absent), absent).toBeUndefined();
    for (const n of ["input_layernorm", "post_self_attn_layernorm", "post_attention_layernorm", "post_mlp_layernorm"]) {
      const w = t.get(`model.layers.1.${n}.weight`)!.data;
      const mean = w.reduce((a, b) => a + b, 0) / w.length;
      // 1 + 0.1·normal: a forward that skips a norm's weights, or adds 1 to them, is off by about 0.1 or 1 a value.
      expect(Math.abs(mean - 1), n).toBeLessThan(0.06);
      expect(Math.max(...w.map((v) => Math.abs(v - 1))), n).toBeGreaterThan(0.05);
    }
    expect(t.get("lm_head.weight")?.shape).toEqual([m.vocabSize, 64]);
    // Embedding, 2 × (4 norms + q, k, v, o + 3 biases + gate_up, down), the final norm, lm_head.
    expect(t.size).toBe(1 + 2 * 13 + 2);
    expect(m.numParameters).toBe([...t.values()].reduce((n, x) => n + x.data.length, 0));
    const tied = readSafetensors(path.join(writeTinyModel({ dir: path.join(tmp, "glm4-tied"), glm4: true, tiedEmbeddings: true }).dir, "model.safetensors"));
    expect(tied.has("lm_head.weight")).toBe(false);
  });

  it("refuses what a GLM-4 cannot be: another family, other families' options, a head whose half is odd", () => {
    expect(() => writeTinyModel({ dir: path.join(tmp, "glm4-phi3"), glm4: true, phi3: true })).toThrow(/at most/);
    expect(() => writeTinyModel({ dir: path.join(tmp, "glm4-qwen2"), glm4: true, qwen2: true })).toThrow(/at most/);
    expect(() => writeTinyModel({ dir: path.join(tmp, "glm4-window"), glm4: true, slidingWindow: 4 })).toThrow(/Gemma options/);
    expect(() => writeTinyModel({ dir: path.join(tmp, "glm4-caps"), glm4: true, softcaps: { attn: 50, final: 30 } })).toThrow(/Gemma 2 option/);
    expect(() => writeTinyModel({ dir: path.join(tmp, "glm4-longrope"), glm4: true, phi4MiniRope: true })).toThrow(/Phi-3 option/);
    expect(() => writeTinyModel({ dir: path.join(tmp, "glm4-hd6"), glm4: true, shape: { headDim: 6 } })).toThrow(/half of head_dim 6 is not an even number/);
    expect(writeTinyModel({ dir: path.join(tmp, "glm4-hd12"), glm4: true, shape: { headDim: 12 } }).config.head_dim).toBe(12);
  });
});

describe("writeTinyModel({ granite: true })", () => {
  it("writes a GraniteForCausalLM: tied, its multipliers, <|end_of_text|> as bos, eos and pad", () => {
    const m = writeTinyModel({ dir: path.join(tmp, "granite"), granite: true });
    expect(m.config).toMatchObject({ architectures: ["GraniteForCausalLM"], model_type: "granite", tie_word_embeddings: true, embedding_multiplier: 2, residual_multiplier: 0.5, logits_scaling: 0.5, attention_multiplier: 1 / 16 });
    expect([...readSafetensors(path.join(m.dir, "model.safetensors")).keys()]).not.toContain("lm_head.weight");
    const tc = JSON.parse(fs.readFileSync(path.join(m.dir, "tokenizer_config.json"), "utf8"));
    expect([tc.bos_token, tc.eos_token, tc.pad_token]).toEqual(["<|end_of_text|>", "<|end_of_text|>", "<|end_of_text|>"]);
    expect(m.bosTokenId).toBe(m.eosTokenId);
    expect(() => writeTinyModel({ dir: path.join(tmp, "granite-phi3"), granite: true, phi3: true })).toThrow(/at most/);
  });

  it("renders Granite's template: a dated default system turn, each turn closed by <|end_of_text|>", () => {
    const chat = loadChatTokenizer(writeTinyModel({ dir: path.join(tmp, "granite-chat"), granite: true }).dir);
    const today = new Date().toLocaleDateString("en-US", { month: "long", day: "2-digit", year: "numeric" });
    const turns = [{ role: "user", content: "Hi" }, { role: "assistant", content: "Hello." }];
    expect(chat.render(turns, { addGenerationPrompt: false })).toBe(
      "<|start_of_role|>system<|end_of_role|>Knowledge Cutoff Date: April 2024.\nToday's Date: " + today +
        ".\nYou are Granite, developed by IBM. You are a helpful AI assistant.<|end_of_text|>\n" +
        "<|start_of_role|>user<|end_of_role|>Hi<|end_of_text|>\n<|start_of_role|>assistant<|end_of_role|>Hello.<|end_of_text|>\n",
    );
    expect(chat.render([{ role: "system", content: "Be brief." }, turns[0]!], { addGenerationPrompt: true })).toBe(
      "<|start_of_role|>system<|end_of_role|>Be brief.<|end_of_text|>\n<|start_of_role|>user<|end_of_role|>Hi<|end_of_text|>\n<|start_of_role|>assistant<|end_of_role|>",
    );
    const ids = chat.encode("<|start_of_role|>assistant<|end_of_role|>Hello.<|end_of_text|>");
    expect(ids.slice(0, 1)).toEqual([chat.tokenId("<|start_of_role|>")]);
    expect(ids.at(-1)).toBe(chat.tokenId("<|end_of_text|>"));
  });
});

describe("writeTinyModel({ lfm2: true })", () => {
  it("renders LFM2's template: <|startoftext|>, one system turn (with the tool list), ChatML turns, tool replies wrapped", () => {
    const m = writeTinyModel({ dir: path.join(tmp, "lfm2-chat"), lfm2: true });
    const chat = loadChatTokenizer(m.dir);
    expect(m.bosTokenId).toBe(chat.tokenId("<|startoftext|>"));
    const turns = [{ role: "user", content: "Hi" }, { role: "assistant", content: "Hello." }];
    expect(chat.render(turns, { addGenerationPrompt: false })).toBe("<|startoftext|><|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\nHello.<|im_end|>\n");
    expect(chat.render([{ role: "system", content: "Be brief." }, turns[0]!], { addGenerationPrompt: true })).toBe(
      "<|startoftext|><|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n",
    );
    const tool = { type: "function", function: { name: "get_color", parameters: { type: "object" } } };
    expect(chat.render([{ role: "system", content: "Be brief." }, turns[0]!, { role: "tool", content: "black" }], { addGenerationPrompt: false, tools: [tool] })).toBe(
      "<|startoftext|><|im_start|>system\nBe brief.\nList of tools: <|tool_list_start|>[" +
        // tojson as transformers' (json.dumps): ", " and ": " between items
        '{"type": "function", "function": {"name": "get_color", "parameters": {"type": "object"}}}' + "]<|tool_list_end|><|im_end|>\n" +
        "<|im_start|>user\nHi<|im_end|>\n<|im_start|>tool\n<|tool_response_start|>black<|tool_response_end|><|im_end|>\n",
    );
    expect(chat.encode("<|startoftext|><|tool_list_start|>").map((id) => chat.tokenId("<|startoftext|>") === id || chat.tokenId("<|tool_list_start|>") === id)).toEqual([true, true]);
  });
});

describe("bf16 conversion", () => {
  it("rounds to nearest even and keeps exact values", () => {
    const x = new Float32Array([1, -2.5, 0, 1 + 2 ** -8, 1 + 3 * 2 ** -8, Infinity]);
    expect([...bf16BitsToF32(f32ToBf16Bits(x))]).toEqual([1, -2.5, 0, 1, 1 + 4 * 2 ** -8, Infinity]);
  });
});
