import { describe, expect, it } from "vitest";
import { convAdaptedModules, layerLinearParameters, loraParameterCount, shapeFromConfig, shapeParameters, trainingContext } from "./shape";

// Qwen3-0.6B's config.json (the fields the shape reads).
const qwen3 = {
  architectures: ["Qwen3ForCausalLM"], model_type: "qwen3", head_dim: 128, hidden_size: 1024, intermediate_size: 3072,
  num_attention_heads: 16, num_hidden_layers: 28, num_key_value_heads: 8, tie_word_embeddings: true, vocab_size: 151936,
};

// gemma-3-1b's config.json (the fields the shape reads): no tie_word_embeddings key, so tied by Gemma3TextConfig's default.
const gemma3 = {
  architectures: ["Gemma3ForCausalLM"], model_type: "gemma3_text", head_dim: 256, hidden_size: 1152, intermediate_size: 6912,
  num_attention_heads: 4, num_hidden_layers: 26, num_key_value_heads: 1, vocab_size: 262144,
};

// gemma-2-2b's config.json (the fields the shape reads): tied (by Gemma2Config's default too), no q/k norms.
const gemma2 = {
  architectures: ["Gemma2ForCausalLM"], model_type: "gemma2", head_dim: 256, hidden_size: 2304, intermediate_size: 9216,
  num_attention_heads: 8, num_hidden_layers: 26, num_key_value_heads: 4, vocab_size: 256000, max_position_embeddings: 8192,
  sliding_window: 4096,
};

// GLM-4-9B-0414's shape (the same numbers as Glm4Config's defaults): fused gate_up_proj, output norms after each
// sublayer, q/k/v biases (attention_bias), which the shape does not count.
const glm4 = {
  architectures: ["Glm4ForCausalLM"], model_type: "glm4", head_dim: 128, hidden_size: 4096, intermediate_size: 13696,
  num_attention_heads: 32, num_hidden_layers: 40, num_key_value_heads: 2, tie_word_embeddings: false, vocab_size: 151552,
  attention_bias: true, partial_rotary_factor: 0.5,
};

// phi-4's config.json (the fields the shape reads): Phi3ForCausalLM, fused qkv_proj and gate_up_proj.
const phi4 = {
  architectures: ["Phi3ForCausalLM"], model_type: "phi3", hidden_size: 5120, intermediate_size: 17920, num_attention_heads: 40,
  num_hidden_layers: 40, num_key_value_heads: 10, tie_word_embeddings: false, vocab_size: 100352,
};

describe("trainingContext (what native/src/io/config.cc caps max_position_embeddings to)", () => {
  it("takes max_position_embeddings past longrope's original context; windows the trainer computes cap nothing, others cap at the window", () => {
    expect(trainingContext({ architectures: ["LlamaForCausalLM"], max_position_embeddings: 131072 })).toBe(131072);
    // yarn extends the context to max_position_embeddings (Qwen3 at 131072 over its native 32768): nothing capped.
    const yarn = { rope_type: "yarn", factor: 4.0, original_max_position_embeddings: 32768 };
    expect(trainingContext({ architectures: ["Qwen3ForCausalLM"], max_position_embeddings: 131072, rope_scaling: yarn })).toBe(131072);
    // Mistral 7B v0.1 (MistralConfig's default 4096-key window), Qwen2 with use_sliding_window, Phi-3-mini-4k's 2047
    // keys: windows computed as such, the whole context trains.
    expect(trainingContext({ architectures: ["MistralForCausalLM"], max_position_embeddings: 32768 })).toBe(32768);
    expect(trainingContext({ architectures: ["MistralForCausalLM"], max_position_embeddings: 32768, sliding_window: null })).toBe(32768);
    expect(trainingContext({ architectures: ["Qwen2ForCausalLM"], max_position_embeddings: 32768, sliding_window: 4096, use_sliding_window: true })).toBe(32768);
    expect(trainingContext({ ...phi4, max_position_embeddings: 4096, sliding_window: 2047 })).toBe(4096);
    // A sliding layer where transformers windows nothing (Qwen2 without use_sliding_window, a Llama): capped there.
    const listed = { max_position_embeddings: 32768, sliding_window: 4096, layer_types: ["full_attention", "sliding_attention"] };
    expect(trainingContext({ architectures: ["Qwen2ForCausalLM"], ...listed, use_sliding_window: false })).toBe(4096);
    expect(trainingContext({ architectures: ["LlamaForCausalLM"], ...listed })).toBe(4096);
    expect(trainingContext({ architectures: ["Qwen2ForCausalLM"], ...listed, use_sliding_window: true })).toBe(32768);
    expect(trainingContext({ architectures: ["SmolLM3ForCausalLM"], ...listed, use_sliding_window: true })).toBe(32768);
    expect(trainingContext({ architectures: ["SmolLM3ForCausalLM"], ...listed, use_sliding_window: false })).toBe(4096);
    expect(trainingContext({ model_type: "smollm3", ...listed, use_sliding_window: true })).toBe(32768);  // by model_type
    // Phi-3.5-mini and Phi-4-mini: the whole 131072, their long factors past the original 4096.
    const longrope = { type: "longrope", short_factor: [1], long_factor: [1] };
    expect(trainingContext({ ...phi4, max_position_embeddings: 131072, original_max_position_embeddings: 4096, rope_scaling: longrope })).toBe(131072);
    expect(trainingContext({ ...phi4, max_position_embeddings: 16384, sliding_window: null })).toBe(16384);
    // Gemma 2 and 3 compute their windows: no cap (by architecture or model_type). No max_position_embeddings: unknown.
    expect(trainingContext({ architectures: ["Gemma3ForCausalLM"], max_position_embeddings: 32768, sliding_window: 512 })).toBe(32768);
    expect(trainingContext(gemma2)).toBe(8192);
    expect(trainingContext({ ...gemma2, architectures: undefined, layer_types: ["sliding_attention", "full_attention"] })).toBe(8192);
    expect(trainingContext({ model_type: "gemma3_text", max_position_embeddings: 32768, sliding_window: 512, layer_types: ["sliding_attention"] })).toBe(32768);
    expect(trainingContext({ architectures: ["LlamaForCausalLM"] })).toBeNull();
    // GLM-4 has no windows: max_position_embeddings as for a Llama (Glm4Config's default 131072 here).
    expect(trainingContext({ ...glm4, max_position_embeddings: 131072 })).toBe(131072);
    expect(trainingContext({ ...glm4, architectures: undefined, max_position_embeddings: 32768 })).toBe(32768);
  });
});

describe("shapeFromConfig", () => {
  it("reads Phi-3 / Phi-4: q, k, v and gate, up fused, the same parameters as unfused ones", () => {
    const s = shapeFromConfig(phi4)!;
    expect(s).toMatchObject({ fusedQkv: true, fusedGateUp: true, headDim: 128 });
    expect(s.sandwichNorms).toBeUndefined();
    // 40 × (linears 340,787,200 + norms 2·5120), two 100352·5120 embeddings, the final norm: the card's 14.7B.
    expect(shapeParameters(s)).toBe(14_659_507_200);
    expect(shapeFromConfig({ ...phi4, architectures: undefined })).toMatchObject({ fusedQkv: true, fusedGateUp: true });
    const llama = shapeFromConfig({ ...phi4, architectures: ["LlamaForCausalLM"] })!;
    expect([llama.fusedQkv, llama.fusedGateUp]).toEqual([undefined, undefined]);
  });

  it("reads GLM-4: gate_up_proj fused (q, k, v apart), output norms after each sublayer, head_dim 128 and untied by default", () => {
    const s = shapeFromConfig(glm4)!;
    expect(s).toMatchObject({ fusedGateUp: true, sandwichNorms: true, tieWordEmbeddings: false, headDim: 128, numKvHeads: 2 });
    expect([s.fusedQkv, s.qkNorm, s.inputNorms]).toEqual([undefined, undefined, undefined]);
    // Counted by hand from the layout: the embedding 151552·4096 = 620,756,992 and as much again for lm_head; per layer
    // the linears q 4096·4096 = 16,777,216, k and v 4096·256 = 1,048,576 each, o 16,777,216, gate_up 2·13696·4096 =
    // 112,197,632, down 13696·4096 = 56,098,816 (203,948,032), and four norms 4·4096 (input_layernorm,
    // post_self_attn_layernorm, post_attention_layernorm, post_mlp_layernorm): 203,964,416, times 40 = 8,158,576,640;
    // the final norm 4096. The q/k/v biases (40·(4096 + 256 + 256) = 184,320) are not counted, as Qwen2's are not.
    expect(shapeParameters(s)).toBe(9_400_094_720);
    // Glm4Config's defaults when the keys are absent: head_dim 128 (on a 2048-wide model, where hidden / heads is 64) and untied.
    const { head_dim: _, tie_word_embeddings: __, ...byType } = { ...glm4, architectures: undefined, hidden_size: 2048 };
    expect(shapeFromConfig(byType)).toMatchObject({ headDim: 128, tieWordEmbeddings: false, sandwichNorms: true, fusedGateUp: true });
    expect(shapeFromConfig({ ...byType, architectures: ["LlamaForCausalLM"] })!.headDim).toBe(64);
  });

  it("reads OLMo 2: output norms in place of input norms, q/k norms as wide as q and k", () => {
    const olmo2 = { architectures: ["Olmo2ForCausalLM"], vocab_size: 100352, hidden_size: 4096, intermediate_size: 11008, num_hidden_layers: 32, num_attention_heads: 32, num_key_value_heads: 32, tie_word_embeddings: false };
    const s = shapeFromConfig(olmo2)!;
    expect(s).toMatchObject({ qkNorm: true, qkNormWhole: true, sandwichNorms: true, inputNorms: false, headDim: 128 });
    // 32 × (linears 202,375,168 + output norms 2·4096 + q/k norms 2·4096), two 100352·4096 embeddings, the final norm:
    // OLMo-2-1124-7B's 7,298,617,344.
    expect(shapeParameters(s)).toBe(7_298_617_344);
    expect(shapeFromConfig({ ...olmo2, architectures: undefined, model_type: "olmo2" })!.inputNorms).toBe(false);
    // OLMo 3 is OLMo 2's layer (its windows add no weights), by architecture or model_type; its windows are computed,
    // so the whole context trains.
    const olmo3 = { ...olmo2, architectures: ["Olmo3ForCausalLM"], vocab_size: 100278, max_position_embeddings: 65536, sliding_window: 4096 };
    expect(shapeFromConfig(olmo3)).toEqual({ ...s, vocabSize: 100278 });
    expect(shapeFromConfig({ ...olmo3, architectures: undefined, model_type: "olmo3" })!.qkNormWhole).toBe(true);
    expect(trainingContext({ ...olmo3, layer_types: ["sliding_attention", "full_attention"] })).toBe(65536);
    expect(trainingContext({ ...olmo3, architectures: undefined, model_type: "olmo3", layer_types: ["sliding_attention"] })).toBe(65536);
  });

  it("reads EXAONE 4.0: output norms in place of input norms, per-head q/k norms; its windows cap nothing", () => {
    const exaone = { architectures: ["Exaone4ForCausalLM"], vocab_size: 102400, hidden_size: 5120, intermediate_size: 27392, num_hidden_layers: 64, num_attention_heads: 40, num_key_value_heads: 8, head_dim: 128, tie_word_embeddings: false, max_position_embeddings: 131072, sliding_window: 4096 };
    const s = shapeFromConfig(exaone)!;
    expect(s).toMatchObject({ qkNorm: true, sandwichNorms: true, inputNorms: false, headDim: 128 });
    expect(s.qkNormWhole).toBeUndefined();
    // 64 × (q 5120·5120 + k, v 2·1024·5120 + o 5120·5120 + MLP 3·5120·27392 + output norms 2·5120 + q/k norms 2·128),
    // two 102400·5120 embeddings, the final norm: 32.0 B, as EXAONE-4.0-32B is named.
    expect(shapeParameters(s)).toBe(32_003_216_384);
    expect(shapeFromConfig({ ...exaone, architectures: undefined, model_type: "exaone4" })!.inputNorms).toBe(false);
    expect(trainingContext({ ...exaone, layer_types: ["sliding_attention", "full_attention"] })).toBe(131072);
  });

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

  it("reads Gemma 3: q/k norms, sandwich norms, tied by default, head_dim 256 by default", () => {
    const s = shapeFromConfig(gemma3)!;
    expect(s).toMatchObject({ qkNorm: true, sandwichNorms: true, tieWordEmbeddings: true, headDim: 256, numKvHeads: 1 });
    // Counted by hand from the layout: the tied embedding 262144·1152 = 301,989,888; per layer the linears
    // (q 1152·1024, k and v 1152·256, o 1024·1152, gate/up/down 1152·6912 each) 26,836,992 plus four hidden-size
    // norms 4·1152 and q/k norms 2·256, 26,842,112, times 26 = 697,894,912; the final norm 1152. 999,885,952 is
    // gemma-3-1b's known total.
    expect(shapeParameters(s)).toBe(999_885_952);
    const { head_dim: _, ...noHeadDim } = gemma3;
    expect(shapeFromConfig(noHeadDim)!.headDim).toBe(256);
    expect(shapeFromConfig({ ...noHeadDim, architectures: undefined })).toMatchObject({ headDim: 256, sandwichNorms: true });
    expect(shapeFromConfig({ ...gemma3, tie_word_embeddings: false })!.tieWordEmbeddings).toBe(false);
    // Untied, the count grows by exactly one more embedding-sized lm_head.
    expect(shapeParameters(shapeFromConfig({ ...gemma3, tie_word_embeddings: false })!)).toBe(999_885_952 + 262144 * 1152);
  });

  it("reads Gemma 2: sandwich norms without q/k norms, tied and head_dim 256 by default", () => {
    const s = shapeFromConfig(gemma2)!;
    expect(s).toMatchObject({ sandwichNorms: true, tieWordEmbeddings: true, headDim: 256, numKvHeads: 4 });
    expect(s.qkNorm).toBeUndefined();
    // The tied embedding 256000·2304 = 589,824,000; per layer the linears (q 2304·2048, k and v 2304·1024, o 2048·2304,
    // MLP 3·2304·9216) 77,856,768 and four norms 4·2304, times 26; the final norm 2304: gemma-2-2b's known 2,614,341,888.
    expect(shapeParameters(s)).toBe(2_614_341_888);
    // gemma-2-9b (3584 wide, 42 layers, 16/8 heads, MLP 14336): its known 9,241,705,984.
    const nine = { ...gemma2, hidden_size: 3584, intermediate_size: 14336, num_hidden_layers: 42, num_attention_heads: 16, num_key_value_heads: 8 };
    expect(shapeParameters(shapeFromConfig(nine)!)).toBe(9_241_705_984);
    const { head_dim: _, ...byType } = { ...gemma2, architectures: undefined };
    expect(shapeFromConfig(byType)).toMatchObject({ headDim: 256, sandwichNorms: true, tieWordEmbeddings: true });
  });

  it("reads an image-text Gemma 3's text model from text_config, with Gemma3TextConfig's defaults", () => {
    // gemma-3-4b-it's config.json (its vision_config left out): text_config gives only what differs from the defaults.
    const s = shapeFromConfig({
      architectures: ["Gemma3ForConditionalGeneration"], model_type: "gemma3", eos_token_id: [1, 106],
      text_config: { hidden_size: 2560, intermediate_size: 10240, model_type: "gemma3_text", num_hidden_layers: 34, rope_scaling: { factor: 8.0, rope_type: "linear" }, sliding_window: 1024 },
    })!;
    expect(s).toMatchObject({ vocabSize: 262208, hiddenSize: 2560, numLayers: 34, numHeads: 8, numKvHeads: 4, headDim: 256, tieWordEmbeddings: true, sandwichNorms: true });
    // The text model: the embedding 262208·2560 = 671,252,480; per layer the linears (q 2560·2048, k and v 2560·1024,
    // o 2048·2560, MLP 3·2560·10240) 94,371,840 and norms 4·2560 + 2·256, 94,382,592, times 34; the final norm 2560.
    expect(shapeParameters(s)).toBe(3_880_263_168);
    expect(shapeFromConfig({ architectures: ["Gemma3ForConditionalGeneration"] })).toBeNull();
    // Its context is the text model's: Gemma3TextConfig's 131072 positions when text_config does not say.
    expect(trainingContext({ architectures: ["Gemma3ForConditionalGeneration"], text_config: { hidden_size: 2560 } })).toBe(131072);
  });

  it("reads Ministral 3 and Mistral Small 3.x from a Mistral3ForConditionalGeneration's text_config; their contexts whole", () => {
    // Ministral-3-8B-Base-2512's config.json (its vision_config left out).
    const ministral = {
      architectures: ["Mistral3ForConditionalGeneration"], model_type: "mistral3", torch_dtype: "bfloat16",
      text_config: {
        head_dim: 128, hidden_size: 4096, intermediate_size: 14336, max_position_embeddings: 262144, model_type: "ministral3", num_attention_heads: 32,
        num_hidden_layers: 34, num_key_value_heads: 8, rms_norm_eps: 1e-5, sliding_window: null, tie_word_embeddings: false, vocab_size: 131072,
        rope_parameters: { rope_type: "yarn", factor: 16.0, original_max_position_embeddings: 16384, llama_4_scaling_beta: 0.1, rope_theta: 1e6, mscale: 1.0, mscale_all_dim: 1.0 },
      },
    };
    const s = shapeFromConfig(ministral)!;
    expect(s).toMatchObject({ vocabSize: 131072, hiddenSize: 4096, numLayers: 34, numHeads: 32, numKvHeads: 8, headDim: 128, tieWordEmbeddings: false });
    expect([s.qkNorm, s.sandwichNorms, s.inputNorms]).toEqual([undefined, undefined, undefined]);
    // Two 131072·4096 embeddings, 34 layers of linears (q and o 4096², k and v 4096·1024, MLP 3·4096·14336) and two
    // norms, the final norm: the "8.4B language model" of its card.
    expect(shapeParameters(s)).toBe(8_489_553_920);
    expect(trainingContext(ministral)).toBe(262144);
    // Ministral3Config's defaults (head_dim 128 whatever hidden / heads is) and a bare Ministral3ForCausalLM.
    const { head_dim: _h, max_position_embeddings: _m, ...sparse } = ministral.text_config;
    expect(shapeFromConfig({ ...ministral, text_config: sparse })!.headDim).toBe(128);
    expect(trainingContext({ ...ministral, text_config: sparse })).toBe(262144);
    expect(shapeFromConfig({ ...sparse, architectures: ["Ministral3ForCausalLM"], hidden_size: 64, num_attention_heads: 4 })!.headDim).toBe(128);
    expect(trainingContext({ model_type: "ministral3", max_position_embeddings: 4096, sliding_window: 1024 })).toBe(4096);  // windows computed
    // Mistral-Small-3.1-24B's text_config, a MistralConfig: 23.57 B in its decoder.
    const small = { architectures: ["Mistral3ForConditionalGeneration"], text_config: { head_dim: 128, hidden_size: 5120, intermediate_size: 32768, max_position_embeddings: 131072, model_type: "mistral", num_attention_heads: 32, num_hidden_layers: 40, num_key_value_heads: 8, rope_theta: 1e9, sliding_window: null, vocab_size: 131072 } };
    expect(shapeParameters(shapeFromConfig(small)!)).toBe(23_572_403_200);
    expect(trainingContext(small)).toBe(131072);
    expect(shapeFromConfig({ architectures: ["Mistral3ForConditionalGeneration"], text_config: { model_type: "llama", hidden_size: 64 } })).toBeNull();
    expect(shapeFromConfig({ model_type: "mistral3" })).toBeNull();
  });

  // LFM2-1.2B's config.json (the keys the shape reads): block_ff_dim 12288 adjusted to 8192, ten conv layers.
  const lfm2 = {
    architectures: ["Lfm2ForCausalLM"], model_type: "lfm2", block_auto_adjust_ff_dim: true, block_ff_dim: 12288, block_ffn_dim_multiplier: 1.0,
    block_multiple_of: 256, conv_L_cache: 3, conv_bias: false, hidden_size: 2048, max_position_embeddings: 128000, norm_eps: 1e-5,
    num_attention_heads: 32, num_hidden_layers: 16, num_key_value_heads: 8, rope_theta: 1000000.0, tie_embedding: true, vocab_size: 65536,
    layer_types: ["conv", "conv", "full_attention", "conv", "conv", "full_attention", "conv", "conv", "full_attention", "conv", "full_attention", "conv", "full_attention", "conv", "full_attention", "conv"],
  };

  it("reads LFM2: conv layers beside attention layers, the MLP's width from block_ff_dim, Lfm2Config's defaults", () => {
    const s = shapeFromConfig(lfm2)!;
    expect(s).toMatchObject({ vocabSize: 65536, hiddenSize: 2048, intermediateSize: 8192, numLayers: 16, numHeads: 32, numKvHeads: 8, headDim: 64, tieWordEmbeddings: true, qkNorm: true, convLayers: 10, convKernel: 3 });
    // The card's 1,170,340,608: the embedding (tied), six attention layers (q, k, v, out_proj, per-head q/k norms), ten
    // conv layers (in_proj 3·2048², out_proj 2048², the convolution's 2048·3), sixteen MLPs of 3·2048·8192, two norms
    // per layer and the final one.
    expect(shapeParameters(s)).toBe(1_170_340_608);
    expect(layerLinearParameters(s)).toBe(6 * 2048 * 5120 + 10 * 4 * 2048 * 2048 + 16 * 3 * 2048 * 8192);
    expect(trainingContext(lfm2)).toBe(128000);
    // Lfm2Config's defaults (2560 wide, 32 attention layers, 12288 → 8192, tied); full_attn_idxs; the adjustment off,
    // or with a multiplier and its rounding; intermediate_size where block_ff_dim is absent.
    expect(shapeFromConfig({ model_type: "lfm2" })).toMatchObject({ hiddenSize: 2560, numLayers: 32, intermediateSize: 8192, numKvHeads: 8, tieWordEmbeddings: true, convLayers: 0 });
    expect(trainingContext({ model_type: "lfm2" })).toBe(128000);
    expect(shapeFromConfig({ ...lfm2, layer_types: undefined, full_attn_idxs: [2, 5] })!.convLayers).toBe(14);
    expect(shapeFromConfig({ ...lfm2, block_auto_adjust_ff_dim: false })!.intermediateSize).toBe(12288);
    expect(shapeFromConfig({ ...lfm2, block_ff_dim: 300, block_ffn_dim_multiplier: 1.5, block_multiple_of: 64 })!.intermediateSize).toBe(320);
    expect(shapeFromConfig({ ...lfm2, block_ff_dim: 300, block_ffn_dim_multiplier: null })!.intermediateSize).toBe(200);
    expect(shapeFromConfig({ ...lfm2, block_ff_dim: undefined, intermediate_size: 6144 })!.intermediateSize).toBe(4096);
    expect(shapeFromConfig({ ...lfm2, tie_embedding: false })!.tieWordEmbeddings).toBe(false);
    // LFM2-VL-1.6B: LFM2-1.2B's decoder as its text_config (model_type "lfm2-vl", or by its architecture); its vision
    // tower is not counted. Another kind of text model is not read as LFM2.
    const { architectures: _a, ...text } = lfm2;
    const vl = { model_type: "lfm2-vl", image_token_index: 396, eos_token_id: 7, text_config: text, vision_config: { model_type: "siglip2_vision_model" } };
    expect(shapeParameters(shapeFromConfig(vl)!)).toBe(1_170_340_608);
    expect(shapeFromConfig({ ...vl, model_type: undefined, architectures: ["Lfm2VlForConditionalGeneration"] })).toMatchObject({ convLayers: 10, intermediateSize: 8192 });
    expect(shapeFromConfig({ ...vl, model_type: "lfm2_vl" })).toMatchObject({ convLayers: 10, intermediateSize: 8192 }); // the other spelling
    expect(trainingContext(vl)).toBe(128000);
    expect(shapeFromConfig({ ...vl, text_config: { ...text, model_type: "lfm2_moe" } })).toBeNull();
    expect(shapeFromConfig({ model_type: "lfm2-vl" })).toBeNull();
    expect(shapeFromConfig({ ...lfm2, hidden_size: "wide" })).toBeNull();
  });

  it("adapts LFM2's conv layers as the trainer does: in_proj with q, k and v together, out_proj with o, the MLP's with theirs", () => {
    const s = shapeFromConfig(lfm2)!;
    expect(convAdaptedModules(s, ["q_proj", "k_proj", "v_proj", "o_proj"])).toEqual([{ name: "in_proj", in: 2048, out: 6144 }, { name: "out_proj", in: 2048, out: 2048 }]);
    expect(convAdaptedModules(s, ["q_proj", "v_proj", "down_proj"])).toEqual([{ name: "down_proj", in: 8192, out: 2048 }]);
    // r 16 on the attention preset: six attention layers' q, k, v, o (16·(2048+2048) + 2·16·(2048+512) + 16·(2048+2048))
    // and ten conv layers' in_proj (16·(2048+6144)) and out_proj (16·(2048+2048)).
    expect(loraParameterCount(s, 16, ["q_proj", "k_proj", "v_proj", "o_proj"])).toBe(6 * 16 * (4096 + 2 * 2560 + 4096) + 10 * 16 * (8192 + 4096));
  });

  it("keeps the Llama defaults for other architectures: untied when the key is absent, no sandwich norms", () => {
    const llama = shapeFromConfig({ ...gemma3, architectures: ["LlamaForCausalLM"], model_type: "llama" })!;
    expect(llama.tieWordEmbeddings).toBe(false);
    expect(llama.sandwichNorms).toBeUndefined();
    expect(llama.qkNorm).toBeUndefined();
  });
});
