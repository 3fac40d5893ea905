import { describe, expect, it } from "vitest";
import { shapeFromConfig, shapeParameters } from "./shape";

// Qwen3-0.6B's config.json (the fields the shape reads).
const qwen3 = {
  architectures: ["Qwen3ForCausalLM"], model_type: "qwen3", head_dim: 128, hidden_size: 1024, intermediate_size: 3072,
  num_attention_heads: 16, num_hidden_layers: 28, num_key_value_heads: 8, tie_word_embeddings: true, vocab_size: 151936,
};

describe("shapeFromConfig", () => {
  it("reads Qwen3's q/k norms and its own head_dim", () => {
    const s = shapeFromConfig(qwen3)!;
    expect(s.qkNorm).toBe(true);
    expect(s.headDim).toBe(128);
    // Counted by hand from the layout: 28 × (linears 15,728,640 + norms 2·1024 + q/k norms 2·128), the tied
    // embedding 151936·1024, the final norm 1024. The model card's 0.44B without embeddings agrees (440,467,456).
    expect(shapeParameters(s)).toBe(596_049_920);
  });

  it("defaults head_dim as transformers does: 128 for Qwen3, hidden / heads otherwise", () => {
    const { head_dim: _, ...noHeadDim } = qwen3;
    expect(shapeFromConfig(noHeadDim)!.headDim).toBe(128);
    expect(shapeFromConfig({ ...noHeadDim, architectures: undefined })!.headDim).toBe(128);
    const llama = shapeFromConfig({ ...noHeadDim, architectures: ["LlamaForCausalLM"], model_type: "llama" })!;
    expect(llama.headDim).toBe(64);
    expect(llama.qkNorm).toBeUndefined();
  });
});
