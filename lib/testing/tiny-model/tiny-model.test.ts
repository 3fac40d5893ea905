import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Tokenizer } from "@huggingface/tokenizers";
import { afterAll, describe, expect, it } from "vitest";
import { writeTinyModel } from "./index";
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

describe("bf16 conversion", () => {
  it("rounds to nearest even and keeps exact values", () => {
    const x = new Float32Array([1, -2.5, 0, 1 + 2 ** -8, 1 + 3 * 2 ** -8, Infinity]);
    expect([...bf16BitsToF32(f32ToBf16Bits(x))]).toEqual([1, -2.5, 0, 1, 1 + 4 * 2 ** -8, Infinity]);
  });
});
