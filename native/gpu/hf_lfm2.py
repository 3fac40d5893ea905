"""LFM2 (Lfm2ForCausalLM, Liquid AI) for the HF reference scripts: its step-3 shape, config.json, LoRA targets and
our trainer's parameter order. Pure python (no torch), imported by hf_common.py; tested in test_hf_common.py.

LFM2's layers are of two kinds (layer_types): "conv", a gated short convolution between conv.in_proj [3H, H] and
conv.out_proj, and "full_attention", attention with per-head q/k layernorms whose output projection is
self_attn.out_proj; every layer's MLP is feed_forward.w1 (gate), w3 (up) and w2 (down). The form's (Llama) target
names stand for LFM2's as our trainer maps them (native/src/model/llama_lora.cc): o_proj is out_proj on both kinds of
layer, gate/up/down are w1/w3/w2, and q, k and v together also adapt the conv layers' in_proj.
"""

# transformers' Lfm2ForCausalLM came in 4.54.
MIN_TRANSFORMERS_LFM2 = (4, 54)
LFM2_SHAPES = ("lfm2",)

# LFM2-1.2B's layer (hidden 2048, 32 heads of 64 on 8 kv heads, block_ff_dim 12288 adjusted to 8192, tied, its
# vocabulary) in 2 of its 16 layers: a conv layer and an attention layer.
LFM2_SHAPE = dict(hidden_size=2048, num_hidden_layers=2, num_attention_heads=32, num_key_value_heads=8,
                  intermediate_size=12288, vocab_size=65536, tie_word_embeddings=True, max_position_embeddings=128000,
                  layer_types=["conv", "full_attention"])

_LLAMA_TO_LFM2 = {"o_proj": "out_proj", "gate_proj": "w1", "up_proj": "w3", "down_proj": "w2"}
# Our trainer's slot order on each kind of layer (q, k, v, o, gate, up, down, conv in, conv out).
_ATTENTION_ORDER = ("q_proj", "k_proj", "v_proj", "out_proj", "w1", "w3", "w2")
_CONV_ORDER = ("w1", "w3", "w2", "in_proj", "out_proj")


def config_dict():
    """config.json for the "lfm2" shape, in Lfm2Config's own fields (LFM2's <|startoftext|>, <|im_end|>, <|pad|>)."""
    return dict(architectures=["Lfm2ForCausalLM"], model_type="lfm2", norm_eps=1e-5, rope_theta=1000000.0,
                conv_bias=False, conv_L_cache=3, block_multiple_of=256, block_ffn_dim_multiplier=1.0,
                block_auto_adjust_ff_dim=True, torch_dtype="bfloat16", use_cache=False, bos_token_id=1,
                eos_token_id=7, pad_token_id=0, **LFM2_SHAPE)


def is_lfm2(cfg):
    return cfg["architectures"][0] == "Lfm2ForCausalLM"


def targets(projections):
    """LFM2's module names for Llama projection names (in our trainer's order: the attention layer's, then in_proj)."""
    names = [_LLAMA_TO_LFM2.get(p, p) for p in projections]
    if all(p in projections for p in ("q_proj", "k_proj", "v_proj")):
        names.append("in_proj")
    return [n for n in _ATTENTION_ORDER + ("in_proj",) if n in names]


def _module(layer, kind, name):
    block = "feed_forward" if name.startswith("w") else "conv" if kind == "conv" else "self_attn"
    return f"model.layers.{layer}.{block}.{name}"


def lora_param_names(layer_types, modules):
    """Our trainer's optimizer order on an LFM2: layer by layer, each kind of layer's slots in order, A then B."""
    names = []
    for layer, kind in enumerate(layer_types):
        for name in _CONV_ORDER if kind == "conv" else _ATTENTION_ORDER:
            if name in modules:
                names += [_module(layer, kind, name) + ".lora_A", _module(layer, kind, name) + ".lora_B"]
    return names
