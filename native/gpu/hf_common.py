"""Pure-python helpers shared by the HF reference scripts (native/gpu/hf_*.py).

No torch here on purpose: this file is unit-tested on machines without a GPU (native/gpu/test_hf_common.py),
and the FLOP accounting must agree with cli/native/flops.ts, which our trainer's bench uses, so both sides of
the throughput table are measured with the same ruler (reference/trainer.md, "FLOP accounting").
"""

import json
import os
import re
import shutil
import struct

import numpy as np

import hf_lfm2
from hf_lfm2 import LFM2_SHAPES, MIN_TRANSFORMERS_LFM2

# Model shapes generated on the GPU machine (no download). "1b" is Llama-3.2-1B's config, "8b" Llama-3.1-8B's,
# "tiny" a seconds-fast shape for trying the scripts out; "qwen3" is Qwen3-0.6B's layer (per-head q/k norms, head_dim
# 128 over hidden 1024 and 16 heads) in 4 of its 28 layers, with its vocabulary: step 3 checks our Qwen3 against
# transformers' on it. "gemma3" is gemma-3-1b's layer (head_dim 256 over hidden 1152, 4 heads on one kv head, GELU,
# sandwich norms) in 4 layers alternating sliding and full attention, the window cut to 128 so that step 3's
# 256-token rows cross it, with its vocabulary. "phi4" is phi-4's layer (Phi3ForCausalLM: fused qkv_proj with GQA, 40
# heads on 10 kv heads, and gate_up_proj) in 2 of its 40 layers, with its vocabulary. "granite" is a Granite 3 2B's
# layer (GraniteForCausalLM: Llama's layer, 32 heads of 64 on 8 kv heads, with Granite's multipliers) in 4 of its 40
# layers, tied, with its odd vocabulary (49155). "smollm3" is SmolLM3-3B's layer (16 heads of 128 on 4 kv heads) in 4
# of its 36 layers, the fourth without RoPE (NoPE), tied, with its vocabulary. "olmo2" is OLMo-2-1124-7B's layer
# (Olmo2ForCausalLM: output norms in place of input norms, q and k normalized whole) in 2 of its 32 layers; "olmo3"
# OLMo-3-7B's (the same layer) in 2 layers, a sliding one (its window cut to 128) and a full one. "exaone4" is
# EXAONE-4.0-32B's layer in a sliding and a full layer.
# "gemma2" is gemma-2-2b's layer (Gemma2ForCausalLM: 8 heads of 256 on 4 kv heads, sandwich norms, no q/k norms) in 4
# of its 26 layers, alternating sliding (window cut to 128) and full attention, with its vocabulary and its soft caps
# cut from 50 and 30 to 2 and 1, so that they bend the random model's scores and logits (about 1 in size).
# "mistral" is Mistral-7B-v0.1's layer (a sliding window on every layer, 32 heads on 8 kv heads) in 2 of its 32
# layers, the window cut from 4096 to 128 keys so that step 3's 256-token rows cross it. "qwen3yarn" is "qwen3" with
# yarn RoPE scaling. "ministral3" is Ministral-3-8B's layer (Ministral3ForCausalLM: Mistral's layer without a window,
# yarn and the queries' temperature by position) in 2 of its 34 layers.
LLAMA3_ROPE_SCALING = {
    "rope_type": "llama3",
    "factor": 32.0,
    "low_freq_factor": 1.0,
    "high_freq_factor": 4.0,
    "original_max_position_embeddings": 8192,
}
SHAPES = {
    "1b": dict(hidden_size=2048, num_hidden_layers=16, num_attention_heads=32, num_key_value_heads=8,
               intermediate_size=8192, vocab_size=128256, tie_word_embeddings=True,
               rope_theta=500000.0, rope_scaling=dict(LLAMA3_ROPE_SCALING), max_position_embeddings=131072),
    "8b": dict(hidden_size=4096, num_hidden_layers=32, num_attention_heads=32, num_key_value_heads=8,
               intermediate_size=14336, vocab_size=128256, tie_word_embeddings=False,
               rope_theta=500000.0, rope_scaling=dict(LLAMA3_ROPE_SCALING, factor=8.0), max_position_embeddings=131072),
    "tiny": dict(hidden_size=256, num_hidden_layers=2, num_attention_heads=8, num_key_value_heads=2,
                 intermediate_size=688, vocab_size=4096, tie_word_embeddings=True,
                 rope_theta=500000.0, rope_scaling=dict(LLAMA3_ROPE_SCALING), max_position_embeddings=4096),
    "qwen3": dict(hidden_size=1024, num_hidden_layers=4, num_attention_heads=16, num_key_value_heads=8, head_dim=128,
                  intermediate_size=3072, vocab_size=151936, tie_word_embeddings=True, rope_theta=1000000.0,
                  max_position_embeddings=40960),
    "gemma3": dict(hidden_size=1152, num_hidden_layers=4, num_attention_heads=4, num_key_value_heads=1, head_dim=256,
                   intermediate_size=6912, vocab_size=262144, tie_word_embeddings=True, rope_theta=1000000.0,
                   rope_local_base_freq=10000.0, sliding_window=128, sliding_window_pattern=2,
                   query_pre_attn_scalar=256, max_position_embeddings=32768),
    "gemma2": dict(hidden_size=2304, num_hidden_layers=4, num_attention_heads=8, num_key_value_heads=4, head_dim=256,
                   intermediate_size=9216, vocab_size=256000, tie_word_embeddings=True, rope_theta=10000.0,
                   sliding_window=128, query_pre_attn_scalar=256, attn_logit_softcapping=2.0,
                   final_logit_softcapping=1.0, max_position_embeddings=8192),
    "phi4": dict(hidden_size=5120, num_hidden_layers=2, num_attention_heads=40, num_key_value_heads=10,
                 intermediate_size=17920, vocab_size=100352, tie_word_embeddings=False, rope_theta=250000.0,
                 max_position_embeddings=16384),
    # Phi-4-mini's layer: 24 heads on 8 kv heads of 128, RoPE on 96 of them (partial_rotary_factor 0.75), longrope
    # (48 short factors, cos and sin scaled by sqrt(1 + ln 32 / ln 4096)), tied, in 4 of its 32 layers.
    "phi4mini": dict(hidden_size=3072, num_hidden_layers=4, num_attention_heads=24, num_key_value_heads=8,
                     intermediate_size=8192, vocab_size=200064, tie_word_embeddings=True, rope_theta=10000.0,
                     max_position_embeddings=131072, original_max_position_embeddings=4096, partial_rotary_factor=0.75,
                     rope_scaling=dict(type="longrope", short_factor=[1.0 + 0.05 * i for i in range(48)],
                                       long_factor=[2.0 + 0.1 * i for i in range(48)])),
    # "phi4mini" in 2 layers over an original context cut from 4096 to 128 positions, so that step 3's 256-token rows
    # take longrope's long factors (transformers: max(position_ids) + 1 > original_max_position_embeddings, for the
    # whole pass), and max_position_embeddings 32 · 128 so that the attention factor, sqrt(1 + ln 32 / ln 128), comes
    # from the published ratio.
    "phi4minilong": dict(hidden_size=3072, num_hidden_layers=2, num_attention_heads=24, num_key_value_heads=8,
                         intermediate_size=8192, vocab_size=200064, tie_word_embeddings=True, rope_theta=10000.0,
                         max_position_embeddings=4096, original_max_position_embeddings=128, partial_rotary_factor=0.75,
                         rope_scaling=dict(type="longrope", short_factor=[1.0 + 0.05 * i for i in range(48)],
                                           long_factor=[2.0 + 0.1 * i for i in range(48)])),
    "granite": dict(hidden_size=2048, num_hidden_layers=4, num_attention_heads=32, num_key_value_heads=8,
                    intermediate_size=8192, vocab_size=49155, tie_word_embeddings=True, rope_theta=5000000.0,
                    max_position_embeddings=131072, embedding_multiplier=12.0, attention_multiplier=0.015625,
                    residual_multiplier=0.22, logits_scaling=8.0),
    "smollm3": dict(hidden_size=2048, num_hidden_layers=4, num_attention_heads=16, num_key_value_heads=4,
                    intermediate_size=11008, vocab_size=128256, tie_word_embeddings=True, rope_theta=5000000.0,
                    max_position_embeddings=65536, no_rope_layers=[1, 1, 1, 0]),
    "mistral": dict(hidden_size=4096, num_hidden_layers=2, num_attention_heads=32, num_key_value_heads=8,
                    intermediate_size=14336, vocab_size=32000, tie_word_embeddings=False, rope_theta=10000.0,
                    max_position_embeddings=32768, sliding_window=128),
    "olmo2": dict(hidden_size=4096, num_hidden_layers=2, num_attention_heads=32, num_key_value_heads=32,
                  intermediate_size=11008, vocab_size=100352, tie_word_embeddings=False, rope_theta=500000.0,
                  max_position_embeddings=4096),
    # GLM-4-9B-0414's layer (Glm4ForCausalLM: 32 heads of 128 on 2 kv heads with q/k/v biases, gate_up_proj fused,
    # output norms after each sublayer, RoPE on half of each head in interleaved pairs) in 2 of its 40 layers.
    "glm4": dict(hidden_size=4096, num_hidden_layers=2, num_attention_heads=32, num_key_value_heads=2, head_dim=128,
                 intermediate_size=13696, vocab_size=151552, tie_word_embeddings=False, rope_theta=10000.0,
                 max_position_embeddings=32768, partial_rotary_factor=0.5),
    # OLMo-3-7B's layer (Olmo3ForCausalLM: OLMo 2's, 32 heads of 128) in 2 layers, the first sliding over a window cut
    # from 4096 to 128 keys so that step 3's 256-token rows cross it, the second full. No RoPE scaling: transformers
    # 4.57's Olmo3Model (and vLLM) scale the full layers only, while the newest transformers source read here computes
    # one RoPE for every layer, so a yarn row would test which transformers the machine has.
    "olmo3": dict(hidden_size=4096, num_hidden_layers=2, num_attention_heads=32, num_key_value_heads=32,
                  intermediate_size=11008, vocab_size=100278, tie_word_embeddings=False, rope_theta=500000.0,
                  max_position_embeddings=65536, sliding_window=128, layer_types=["sliding_attention", "full_attention"]),
    # EXAONE-4.0-32B's layer (Exaone4ForCausalLM: OLMo 2's sublayers with per-head q/k norms, 40 heads of 128 on 8 kv
    # heads, Llama 3's RoPE scaling) in 2 layers: a sliding one (its window cut to 128) with RoPE and a full one without.
    "exaone4": dict(hidden_size=5120, num_hidden_layers=2, num_attention_heads=40, num_key_value_heads=8, head_dim=128,
                    intermediate_size=27392, vocab_size=102400, tie_word_embeddings=False, rope_theta=1000000.0,
                    max_position_embeddings=131072, sliding_window=128, sliding_window_pattern=2,
                    layer_types=["sliding_attention", "full_attention"],
                    rope_scaling=dict(LLAMA3_ROPE_SCALING, factor=16.0)),
    # "qwen3" with yarn RoPE scaling (factor 8, cos and sin scaled by 0.1 ln 8 + 1) over a native context cut to 4096
    # positions, so that the blended pairs (13 to 31 of 64) turn visibly within step 3's 256 tokens. No
    # original_max_position_embeddings: transformers releases disagree on what factor means when it is given
    # (native/src/io/config.cc, finish_yarn) and agree without it.
    "qwen3yarn": dict(hidden_size=1024, num_hidden_layers=4, num_attention_heads=16, num_key_value_heads=8, head_dim=128,
                      intermediate_size=3072, vocab_size=151936, tie_word_embeddings=True, rope_theta=1000000.0,
                      max_position_embeddings=4096, rope_scaling={"rope_type": "yarn", "factor": 8.0}),
    # Ministral-3-8B's layer (32 heads of 128 on 8 kv heads, untied, its vocabulary) in 2 of its 34 layers, its RoPE as
    # transformers 5.x writes it (rope_parameters: yarn factor 16, attention factor 1 from mscale / mscale_all_dim,
    # llama_4_scaling_beta 0.1) with the original context cut from 16384 to 64 positions, so that step 3's 256-token
    # rows take the queries' temperature three times over (1 + 0.1 ln 2, ln 3, ln 4), and max_position_embeddings
    # 16 · 64 so that every reading of yarn's factor agrees (native/src/io/config.cc, finish_yarn).
    "ministral3": dict(hidden_size=4096, num_hidden_layers=2, num_attention_heads=32, num_key_value_heads=8, head_dim=128,
                       intermediate_size=14336, vocab_size=131072, tie_word_embeddings=False, max_position_embeddings=1024,
                       rope_parameters={"rope_type": "yarn", "rope_theta": 1000000.0, "factor": 16.0,
                                        "original_max_position_embeddings": 64, "beta_fast": 32.0, "beta_slow": 1.0,
                                        "mscale": 1.0, "mscale_all_dim": 1.0, "llama_4_scaling_beta": 0.1}),
}
# The shapes written as Qwen3ForCausalLM (transformers >= MIN_TRANSFORMERS_QWEN3); the others are Llama.
QWEN3_SHAPES = ("qwen3", "qwen3yarn")
# The shapes written as Gemma3ForCausalLM (transformers >= MIN_TRANSFORMERS_GEMMA3).
GEMMA3_SHAPES = ("gemma3",)
# The shapes written as Gemma2ForCausalLM (transformers >= MIN_TRANSFORMERS_GEMMA2).
GEMMA2_SHAPES = ("gemma2",)
# The shapes written as Phi3ForCausalLM (fused qkv_proj and gate_up_proj; LoRA targets those modules).
PHI3_SHAPES = ("phi4", "phi4mini", "phi4minilong")
# The shapes written as GraniteForCausalLM (transformers >= MIN_TRANSFORMERS_GRANITE); <|end_of_text|>, id 0, is
# Granite's bos, eos and pad token.
GRANITE_SHAPES = ("granite",)
# The shapes written as SmolLM3ForCausalLM (transformers >= MIN_TRANSFORMERS_SMOLLM3).
SMOLLM3_SHAPES = ("smollm3",)
# The shapes written as Olmo2ForCausalLM (transformers >= MIN_TRANSFORMERS_OLMO2).
OLMO2_SHAPES = ("olmo2",)
# The shapes written as Olmo3ForCausalLM (transformers >= MIN_TRANSFORMERS_OLMO3).
OLMO3_SHAPES = ("olmo3",)
# The shapes written as Exaone4ForCausalLM (transformers >= MIN_TRANSFORMERS_EXAONE4).
EXAONE4_SHAPES = ("exaone4",)
# The shapes written as MistralForCausalLM (its sliding window on every layer).
MISTRAL_SHAPES = ("mistral",)
# The shapes written as Glm4ForCausalLM (transformers >= MIN_TRANSFORMERS_GLM4).
GLM4_SHAPES = ("glm4",)
# The shapes written as Ministral3ForCausalLM (transformers >= MIN_TRANSFORMERS_MINISTRAL3).
MINISTRAL3_SHAPES = ("ministral3",)
# phi-4's <|endoftext|>, <|im_end|> and padding token.
PHI4_BOS_ID, PHI4_EOS_ID, PHI4_PAD_ID = 100257, 100265, 100349
# Gemma's <bos>, <eos> and <end_of_turn> (Gemma 2's <end_of_turn> is 107).
GEMMA3_BOS_ID, GEMMA3_EOS_IDS = 2, [1, 106]
GEMMA2_EOS_IDS = [1, 107]
# Qwen3's special tokens (<|endoftext|>, <|im_end|>).
QWEN3_BOS_ID, QWEN3_EOS_ID = 151643, 151645
# Llama 3's special tokens, so eos/bos ids in config.json look like the real model's (and stay < vocab).
BOS_ID, EOS_ID = 128000, 128001

PROJECTIONS = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")
# Phi-3's fused modules, each in the place of the first projection it holds (our trainer's slot order); GLM-4 has
# the gate_up_proj alone.
FUSED = {"qkv_proj": ("q_proj", "k_proj", "v_proj"), "gate_up_proj": ("gate_proj", "up_proj")}
FUSED_BY_ARCHITECTURE = {"Phi3ForCausalLM": ("qkv_proj", "gate_up_proj"), "Glm4ForCausalLM": ("gate_up_proj",)}
MODULE_ORDER = ("q_proj", "qkv_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "gate_up_proj", "up_proj", "down_proj")
ATTENTION_MODULES = ("q_proj", "qkv_proj", "k_proj", "v_proj", "o_proj")


# The oldest transformers whose LlamaConfig takes Llama 3's rope_scaling ({"rope_type": "llama3", ...}); 4.40-4.42
# accept only {"type", "factor"} and raise ValueError, which would end step 3 without saying why.
MIN_TRANSFORMERS = (4, 43)
# The first transformers with Qwen3ForCausalLM, and with Gemma3ForCausalLM.
MIN_TRANSFORMERS_QWEN3 = (4, 51)
MIN_TRANSFORMERS_GEMMA3 = (4, 50)
# The first transformers with Gemma2ForCausalLM.
MIN_TRANSFORMERS_GEMMA2 = (4, 42)
# The first transformers with GraniteForCausalLM.
MIN_TRANSFORMERS_GRANITE = (4, 45)
# The first transformers with SmolLM3ForCausalLM.
MIN_TRANSFORMERS_SMOLLM3 = (4, 53)
# The first transformers with Olmo2ForCausalLM.
MIN_TRANSFORMERS_OLMO2 = (4, 47)
# The first transformers with Glm4ForCausalLM: 4.51.3 exactly (4.51.0-4.51.2 lack it and fail at import, saying so).
MIN_TRANSFORMERS_GLM4 = (4, 51)
# The first transformers with Olmo3ForCausalLM (added to main on 2025-09-16).
MIN_TRANSFORMERS_OLMO3 = (4, 57)
# The first transformers release taken to have Exaone4ForCausalLM (added to main on 2025-07-26, as 4.54 came out).
MIN_TRANSFORMERS_EXAONE4 = (4, 55)
# The first transformers with Ministral3ForCausalLM (added on 2025-12-01, in 5.0's first release candidate).
MIN_TRANSFORMERS_MINISTRAL3 = (5, 0)


def version_tuple(text):
    """'4.46.0.dev0' -> (4, 46): major and minor of a version string; () when it does not start with them."""
    m = re.match(r"(\d+)\.(\d+)", text)
    return (int(m[1]), int(m[2])) if m else ()


def import_torch_stack(script):
    """torch, transformers and peft, or an exit that says where these scripts are meant to run."""
    try:
        import peft  # noqa: F401
        import torch
        import transformers
    except ImportError as e:
        raise SystemExit(f"{script}: {e}. This script needs python with torch, transformers and peft (the GPU "
                         "machine's python; set PYTHON=... for steps-3-4.sh)") from None
    if version_tuple(transformers.__version__) < MIN_TRANSFORMERS:
        raise SystemExit(f"{script}: transformers {transformers.__version__} is older than "
                         f"{'.'.join(map(str, MIN_TRANSFORMERS))}, the first whose LlamaConfig takes Llama 3's "
                         "rope_scaling; use a newer one (PYTHON=... for steps-3-4.sh)")
    return torch


def model_class_names(cfg, transformers_version, script):
    """transformers' config and model class names for a config.json's architecture, or an exit that says which
    transformers is needed (Gemma3ForCausalLM came in 4.50, Qwen3ForCausalLM in 4.51)."""
    arch = cfg["architectures"][0]
    newer = {"Phi3ForCausalLM": ("Phi3Config", MIN_TRANSFORMERS),
             "MistralForCausalLM": ("MistralConfig", MIN_TRANSFORMERS),
             "Qwen3ForCausalLM": ("Qwen3Config", MIN_TRANSFORMERS_QWEN3),
             "Gemma3ForCausalLM": ("Gemma3TextConfig", MIN_TRANSFORMERS_GEMMA3),
             "Gemma2ForCausalLM": ("Gemma2Config", MIN_TRANSFORMERS_GEMMA2),
             "GraniteForCausalLM": ("GraniteConfig", MIN_TRANSFORMERS_GRANITE),
             "SmolLM3ForCausalLM": ("SmolLM3Config", MIN_TRANSFORMERS_SMOLLM3),
             "Olmo2ForCausalLM": ("Olmo2Config", MIN_TRANSFORMERS_OLMO2),
             "Olmo3ForCausalLM": ("Olmo3Config", MIN_TRANSFORMERS_OLMO3),
             "Exaone4ForCausalLM": ("Exaone4Config", MIN_TRANSFORMERS_EXAONE4),
             "Glm4ForCausalLM": ("Glm4Config", MIN_TRANSFORMERS_GLM4),
             "Ministral3ForCausalLM": ("Ministral3Config", MIN_TRANSFORMERS_MINISTRAL3),
             "Lfm2ForCausalLM": ("Lfm2Config", MIN_TRANSFORMERS_LFM2)}
    if arch in newer:
        config_name, first = newer[arch]
        if version_tuple(transformers_version) < first:
            raise SystemExit(f"{script}: transformers {transformers_version} has no {arch} (it came in "
                             f"{'.'.join(map(str, first))}); use a newer one (PYTHON=... for steps-3-4.sh)")
        return config_name, arch
    if arch == "LlamaForCausalLM":
        return "LlamaConfig", "LlamaForCausalLM"
    raise SystemExit(f"{script}: architecture {arch} is not one these scripts write (LlamaForCausalLM, Qwen3ForCausalLM, "
                     "Gemma2ForCausalLM, Gemma3ForCausalLM, Phi3ForCausalLM, GraniteForCausalLM, SmolLM3ForCausalLM, Olmo2ForCausalLM, "
                     "Olmo3ForCausalLM, Exaone4ForCausalLM, "
                     "MistralForCausalLM, Glm4ForCausalLM, Ministral3ForCausalLM, Lfm2ForCausalLM)")


def attn_implementation(cfg):
    """The attention transformers must compute for a config.json: "eager" for Gemma 2, whose soft cap only the eager
    (and flash-attention) paths apply -- sdpa would leave it out and compute another function -- else "sdpa"."""
    return "eager" if cfg["architectures"][0] == "Gemma2ForCausalLM" else "sdpa"


def dtype_kwargs(transformers_version, dtype):
    """from_pretrained's dtype argument by its name in that version: `dtype` from 4.56 on, where `torch_dtype` became a
    deprecated alias (still accepted by 5.17, with a warning), `torch_dtype` before."""
    return {"dtype": dtype} if version_tuple(transformers_version) >= (4, 56) else {"torch_dtype": dtype}


def versions_line():
    """torch (with its CUDA), transformers and peft as importable here, for the top of check.sh's log."""
    out = []
    for name in ("torch", "transformers", "peft"):
        try:
            mod = __import__(name)
        except Exception as e:  # noqa: BLE001 — any import failure is reported, not raised
            out.append(f"{name} not importable ({e})")
            continue
        text = f"{name} {getattr(mod, '__version__', '?')}"
        if name == "torch":
            text += f" (CUDA {getattr(mod.version, 'cuda', None) or 'none'})"
        out.append(text)
    return ", ".join(out)


def llama_config_dict(shape):
    """config.json contents (transformers' LlamaConfig fields, Qwen3Config's for QWEN3_SHAPES, Gemma3TextConfig's for
    GEMMA3_SHAPES, Gemma2Config's for GEMMA2_SHAPES, Phi3Config's for PHI3_SHAPES, GraniteConfig's for GRANITE_SHAPES, SmolLM3Config's for
    SMOLLM3_SHAPES, Olmo2Config's for OLMO2_SHAPES, Olmo3Config's for OLMO3_SHAPES, Exaone4Config's for EXAONE4_SHAPES, MistralConfig's for MISTRAL_SHAPES, Glm4Config's for GLM4_SHAPES,
    Ministral3Config's for MINISTRAL3_SHAPES)
    for a named shape; Lfm2Config's for LFM2_SHAPES (hf_lfm2.py)."""
    if shape in LFM2_SHAPES:
        return hf_lfm2.config_dict()
    if shape not in SHAPES:
        raise ValueError(f"unknown --shape {shape!r}; use one of {', '.join(SHAPES)}")
    s = dict(SHAPES[shape])
    vocab = s["vocab_size"]
    if shape in GEMMA3_SHAPES:
        return dict(
            architectures=["Gemma3ForCausalLM"], model_type="gemma3_text", hidden_activation="gelu_pytorch_tanh",
            rms_norm_eps=1e-6, attention_bias=False, attention_dropout=0.0, initializer_range=0.02,
            final_logit_softcapping=None, attn_logit_softcapping=None, rope_scaling=None, torch_dtype="bfloat16",
            use_cache=False, bos_token_id=GEMMA3_BOS_ID, eos_token_id=list(GEMMA3_EOS_IDS), pad_token_id=0, **s,
        )
    if shape in GEMMA2_SHAPES:
        return dict(
            architectures=["Gemma2ForCausalLM"], model_type="gemma2", hidden_activation="gelu_pytorch_tanh",
            hidden_act="gelu_pytorch_tanh", rms_norm_eps=1e-6, attention_bias=False, attention_dropout=0.0,
            initializer_range=0.02, torch_dtype="bfloat16", use_cache=False, bos_token_id=GEMMA3_BOS_ID,
            eos_token_id=list(GEMMA2_EOS_IDS), pad_token_id=0, **s,
        )
    if shape in PHI3_SHAPES:
        return dict(
            architectures=["Phi3ForCausalLM"], model_type="phi3", hidden_act="silu", rms_norm_eps=1e-5,
            attention_bias=False, attention_dropout=0.0, resid_pdrop=0.0, embd_pdrop=0.0, initializer_range=0.02,
            **{"original_max_position_embeddings": s["max_position_embeddings"], "rope_scaling": None, **s},
            sliding_window=None, torch_dtype="bfloat16", use_cache=False, bos_token_id=PHI4_BOS_ID,
            eos_token_id=PHI4_EOS_ID, pad_token_id=PHI4_PAD_ID,
        )
    if shape in GRANITE_SHAPES:
        return dict(
            architectures=["GraniteForCausalLM"], model_type="granite", hidden_act="silu", rms_norm_eps=1e-5,
            attention_bias=False, mlp_bias=False, attention_dropout=0.0, initializer_range=0.02, rope_scaling=None,
            torch_dtype="bfloat16", use_cache=False, bos_token_id=0, eos_token_id=0, pad_token_id=0, **s,
        )
    if shape in SMOLLM3_SHAPES:
        # SmolLM3-3B's <|begin_of_text|>, <|im_end|> and <|finetune_right_pad_id|>.
        return dict(
            architectures=["SmolLM3ForCausalLM"], model_type="smollm3", hidden_act="silu", rms_norm_eps=1e-6,
            attention_bias=False, mlp_bias=False, attention_dropout=0.0, initializer_range=0.02, rope_scaling=None,
            use_sliding_window=False, sliding_window=None, torch_dtype="bfloat16", use_cache=False,
            bos_token_id=128000, eos_token_id=128012, pad_token_id=128004, **s,
        )
    if shape in MISTRAL_SHAPES:
        return dict(
            architectures=["MistralForCausalLM"], model_type="mistral", hidden_act="silu", rms_norm_eps=1e-5,
            attention_dropout=0.0, initializer_range=0.02, rope_scaling=None, head_dim=128, torch_dtype="bfloat16",
            use_cache=False, bos_token_id=1, eos_token_id=2, **s,
        )
    if shape in MINISTRAL3_SHAPES:
        # Ministral 3's <s>, </s> and <pad>; its RoPE only in rope_parameters, as transformers 5.x writes it.
        return dict(
            architectures=["Ministral3ForCausalLM"], model_type="ministral3", hidden_act="silu", rms_norm_eps=1e-5,
            attention_dropout=0.0, initializer_range=0.02, sliding_window=None, torch_dtype="bfloat16", use_cache=False,
            bos_token_id=1, eos_token_id=2, pad_token_id=11, **s,
        )
    if shape in EXAONE4_SHAPES:
        # EXAONE 4.0's [BOS], [|endofturn|] and [PAD].
        return dict(
            architectures=["Exaone4ForCausalLM"], model_type="exaone4", hidden_act="silu", rms_norm_eps=1e-5,
            attention_dropout=0.0, initializer_range=0.02, torch_dtype="bfloat16", use_cache=False, bos_token_id=1,
            eos_token_id=361, pad_token_id=0, **s,
        )
    if shape in OLMO3_SHAPES:
        # OLMo 3's <|endoftext|> and <|pad|>.
        return dict(
            architectures=["Olmo3ForCausalLM"], model_type="olmo3", hidden_act="silu", rms_norm_eps=1e-6,
            attention_bias=False, attention_dropout=0.0, initializer_range=0.02, rope_scaling=None,
            torch_dtype="bfloat16", use_cache=False, bos_token_id=None, eos_token_id=100257, pad_token_id=100277, **s,
        )
    if shape in OLMO2_SHAPES:
        # OLMo 2's <|endoftext|> and <|pad|>.
        return dict(
            architectures=["Olmo2ForCausalLM"], model_type="olmo2", hidden_act="silu", rms_norm_eps=1e-6,
            attention_bias=False, attention_dropout=0.0, initializer_range=0.02, rope_scaling=None,
            torch_dtype="bfloat16", use_cache=False, bos_token_id=None, eos_token_id=100257, pad_token_id=100277, **s,
        )
    if shape in GLM4_SHAPES:
        # GLM-4-0414's <|endoftext|> (eos and pad) and <|user|>, <|observation|>; no bos token.
        return dict(
            architectures=["Glm4ForCausalLM"], model_type="glm4", hidden_act="silu", rms_norm_eps=1e-5,
            attention_bias=True, attention_dropout=0.0, initializer_range=0.02, rope_scaling=None,
            torch_dtype="bfloat16", use_cache=False, eos_token_id=[151329, 151336, 151338], pad_token_id=151329, **s,
        )
    if shape in QWEN3_SHAPES:
        return dict(
            architectures=["Qwen3ForCausalLM"], model_type="qwen3", hidden_act="silu", rms_norm_eps=1e-6,
            attention_bias=False, attention_dropout=0.0, initializer_range=0.02, use_sliding_window=False,
            sliding_window=None, torch_dtype="bfloat16", use_cache=False, bos_token_id=QWEN3_BOS_ID,
            eos_token_id=QWEN3_EOS_ID, **s,
        )
    return dict(
        architectures=["LlamaForCausalLM"], model_type="llama", hidden_act="silu", rms_norm_eps=1e-5,
        attention_bias=False, mlp_bias=False, attention_dropout=0.0, initializer_range=0.02,
        head_dim=s["hidden_size"] // s["num_attention_heads"], torch_dtype="bfloat16", use_cache=False,
        bos_token_id=BOS_ID if BOS_ID < vocab else 1, eos_token_id=EOS_ID if EOS_ID < vocab else 2,
        **s,
    )


def parse_targets(raw):
    """--targets "q,k,v,o" or "q_proj,k_proj" → the projection names PEFT and our trainer use."""
    out = []
    for t in raw.split(","):
        t = t.strip()
        if not t:
            continue
        name = t if t.endswith("_proj") else t + "_proj"
        if name not in PROJECTIONS:
            raise ValueError(f"--targets: unknown module {t!r}; use some of {', '.join(PROJECTIONS)} (or q,k,v,o,gate,up,down)")
        if name not in out:
            out.append(name)
    if not out:
        raise ValueError("--targets lists no module")
    return out


def model_targets(cfg, targets):
    """The modules a model's LoRA adapts for projection names: on a Phi3ForCausalLM q, k and v are one qkv_proj and
    gate and up one gate_up_proj (PEFT targets those; so does our trainer), given together or not at all; on a
    Glm4ForCausalLM gate and up are; an Lfm2ForCausalLM's are named its own way (hf_lfm2.targets). In our trainer's
    slot order."""
    if hf_lfm2.is_lfm2(cfg):
        return hf_lfm2.targets(targets)
    modules = FUSED_BY_ARCHITECTURE.get(cfg["architectures"][0], ())
    if not modules:
        return list(targets)
    out = []
    for t in targets:
        fused = next((f for f in modules if t in FUSED[f]), None)
        if fused is None:
            out.append(t)
            continue
        missing = [p for p in FUSED[fused] if p not in targets]
        if missing:
            raise ValueError(f"--targets: this model computes {', '.join(FUSED[fused])} in one module, {fused}; "
                             f"add {', '.join(missing)} or leave them all out")
        if fused not in out:
            out.append(fused)
    return sorted(out, key=MODULE_ORDER.index)


def projection_shape(cfg, target):
    """[in, out] features of a LoRA-able module (cli/native/flops.ts), Phi-3's fused ones included."""
    h, hd = cfg["hidden_size"], cfg.get("head_dim") or cfg["hidden_size"] // cfg["num_attention_heads"]
    q, kv, inter = cfg["num_attention_heads"] * hd, cfg["num_key_value_heads"] * hd, cfg["intermediate_size"]
    return {"q_proj": (h, q), "k_proj": (h, kv), "v_proj": (h, kv), "o_proj": (q, h),
            "gate_proj": (h, inter), "up_proj": (h, inter), "down_proj": (inter, h),
            "qkv_proj": (h, q + 2 * kv), "gate_up_proj": (h, 2 * inter)}[target]


def matmul_parameters(cfg):
    """N_frozen: every projection of every layer plus lm_head (counted even when tied), not the embedding."""
    per_layer = sum(a * b for a, b in (projection_shape(cfg, p) for p in PROJECTIONS))
    return cfg["num_hidden_layers"] * per_layer + cfg["vocab_size"] * cfg["hidden_size"]


def lora_parameters(cfg, rank, targets):
    return sum(cfg["num_hidden_layers"] * rank * sum(projection_shape(cfg, t)) for t in targets)


def flops_per_token(cfg, rank, targets, seq_len):
    """4·N_frozen + 6·N_lora + 6·L·(n_heads·head_dim)·T, the same formula as cli/native/flops.ts."""
    hd = cfg.get("head_dim") or cfg["hidden_size"] // cfg["num_attention_heads"]
    attention = 6 * cfg["num_hidden_layers"] * cfg["num_attention_heads"] * hd * seq_len
    return 4 * matmul_parameters(cfg) + 6 * lora_parameters(cfg, rank, targets) + attention


def mfu(tokens_per_sec, flops_token, peak_tflops):
    """Model FLOPs utilization in percent of a measured peak (TFLOP/s)."""
    if peak_tflops <= 0:
        raise ValueError("peak TFLOP/s must be positive")
    return 100.0 * tokens_per_sec * flops_token / (peak_tflops * 1e12)


def gemm_tflops(m, n, k, seconds_per_call):
    return 2.0 * m * n * k / seconds_per_call / 1e12


def assistant_mask(seq_len, prompt_frac=0.25, turns=2):
    """A chat-like loss mask: `turns` (user prompt, assistant answer) pairs; 1 marks assistant tokens.

    Position 0 is never a target (nothing predicts it), which is the convention of our trainer's
    TrainExample.lossMask and of HF labels (-100 where the mask is 0; the model shifts internally).
    """
    if seq_len < 4 * turns:
        raise ValueError(f"--seq {seq_len} is too short for {turns} turns")
    mask = np.zeros(seq_len, dtype=np.uint8)
    bounds = np.linspace(0, seq_len, turns + 1).astype(int)
    for a, b in zip(bounds[:-1], bounds[1:]):
        start = a + max(1, int((b - a) * prompt_frac))
        mask[start:b] = 1
    mask[0] = 0
    return mask


def masked_mean_nll(logprobs, mask):
    """Our trainer's loss: mean over target positions of −log p(t[i] | t[<i]); logprobs[i] is for t[i+1]."""
    lp = np.asarray(logprobs, dtype=np.float64)
    m = np.asarray(mask, dtype=bool)[1:]
    if lp.shape != m.shape:
        raise ValueError(f"{lp.shape[0]} logprobs for a mask of {m.shape[0] + 1} tokens (want n − 1)")
    if not m.any():
        raise ValueError("the loss mask has no target")
    return float(-lp[m].mean())


# ---- our trainer's checkpoint folder (native/src/train/checkpoint.cc), so it starts from HF's adapter ----

def layer_kinds(cfg):
    """An LFM2's layer_types (each layer "conv" or "full_attention"), else None: every layer is alike."""
    return cfg.get("layer_types") if hf_lfm2.is_lfm2(cfg) else None


def lora_param_names(num_layers, targets, layer_types=None):
    """The trainer's optimizer order: layer by layer, modules in q,k,v,o,gate,up,down order (Phi-3's qkv_proj and
    gate_up_proj in q's and gate's places), A then B; an LFM2's by the kind of each layer (layer_kinds)."""
    if layer_types:
        return hf_lfm2.lora_param_names(layer_types, targets)
    names = []
    for layer in range(num_layers):
        for p in MODULE_ORDER:
            if p in targets:
                mod = f"model.layers.{layer}.{'self_attn' if p in ATTENTION_MODULES else 'mlp'}.{p}"
                names += [mod + ".lora_A", mod + ".lora_B"]
    return names


def trainer_state(num_layers, targets, rows, total_steps, seed, layer_types=None):
    """trainer_state.json of a step-0 checkpoint: resuming from it runs step 1 with the adapter stored next to it."""
    return {
        "format": 1, "step": 0, "total_steps": total_steps, "epoch": 0, "next_micro_batch": 0, "rows": rows,
        "seed": f"{seed:016x}", "optimizer_steps": 0,
        # Dropout's stream; the comparison runs with dropout 0, so any state works. Six words: xoshiro + spare.
        "rng": [f"{0x9E3779B97F4A7C15 * (i + 1) & 0xFFFFFFFFFFFFFFFF:016x}" for i in range(6)],
        "params": lora_param_names(num_layers, targets, layer_types),
    }


def write_step0_checkpoint(adapter_dir, ckpt_dir, num_layers, targets, seed, sizes, layer_types=None):
    """Our trainer's step-0 checkpoint of a PEFT adapter: the adapter files, trainer_state.json and zero AdamW
    moments. Resuming from it trains step 1 at exactly that adapter. sizes: parameter name (lora_param_names) →
    element count."""
    shutil.rmtree(ckpt_dir, ignore_errors=True)
    shutil.copytree(adapter_dir, ckpt_dir)
    state = trainer_state(num_layers, targets, rows=1, total_steps=1, seed=seed, layer_types=layer_types)
    with open(os.path.join(ckpt_dir, "trainer_state.json"), "w") as f:
        json.dump(state, f)
    moments = {}
    for n in state["params"]:
        moments[n + ".exp_avg"] = np.zeros(sizes[n], np.float32)
        moments[n + ".exp_avg_sq"] = np.zeros(sizes[n], np.float32)
    write_safetensors(os.path.join(ckpt_dir, "optimizer.safetensors"), moments)


# ---- safetensors without the safetensors package (numpy only), for the comparison on any machine ----

_NP_DTYPES = {"F32": np.float32, "F64": np.float64, "F16": np.float16, "I64": np.int64, "I32": np.int32,
              "U8": np.uint8, "I8": np.int8, "BOOL": np.bool_}


def read_safetensors(path):
    """name → float32/int numpy array (BF16 widened to float32), with the offsets validated."""
    with open(path, "rb") as f:
        raw = f.read()
    if len(raw) < 8:
        raise ValueError(f"{path}: too short for a safetensors file")
    (n,) = struct.unpack("<Q", raw[:8])
    if 8 + n > len(raw):
        raise ValueError(f"{path}: header length {n} runs past the end of the file")
    header = json.loads(raw[8:8 + n])
    data = memoryview(raw)[8 + n:]
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        start, end = info["data_offsets"]
        if not (0 <= start <= end <= len(data)):
            raise ValueError(f"{path}: tensor {name} has offsets {start}..{end} outside the data ({len(data)} bytes)")
        buf = data[start:end]
        shape = tuple(info["shape"])
        if info["dtype"] == "BF16":
            arr = (np.frombuffer(buf, dtype="<u2").astype(np.uint32) << 16).view(np.float32)
        elif info["dtype"] in _NP_DTYPES:
            arr = np.frombuffer(buf, dtype=np.dtype(_NP_DTYPES[info["dtype"]]).newbyteorder("<"))
        else:
            raise ValueError(f"{path}: tensor {name} has dtype {info['dtype']}, which the comparison does not read")
        if arr.size != int(np.prod(shape, dtype=np.int64)):
            raise ValueError(f"{path}: tensor {name} has {arr.size} elements for shape {list(shape)}")
        out[name] = arr.reshape(shape)
    return out


def write_safetensors(path, tensors, metadata=None):
    """Writes float32 / int numpy arrays (no torch needed); the reader above reads them back."""
    rev = {np.dtype(v): k for k, v in _NP_DTYPES.items()}
    header, chunks, offset = {}, [], 0
    for name, arr in tensors.items():
        a = np.ascontiguousarray(arr)
        if a.dtype not in rev:
            raise ValueError(f"tensor {name}: dtype {a.dtype} is not supported")
        b = a.astype(a.dtype.newbyteorder("<")).tobytes()
        header[name] = {"dtype": rev[a.dtype], "shape": list(a.shape), "data_offsets": [offset, offset + len(b)]}
        chunks.append(b)
        offset += len(b)
    if metadata:
        header["__metadata__"] = metadata
    h = json.dumps(header).encode()
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h)
        for c in chunks:
            f.write(c)


def load_result(path):
    """A result file of either side: .safetensors, or .json ({name: number | list})."""
    if path.endswith(".json"):
        with open(path) as f:
            raw = json.load(f)
        return {k: np.asarray(v, dtype=np.float64) for k, v in raw.items() if isinstance(v, (int, float, list))}
    return read_safetensors(path)


# ---- comparison ----

# bf16 keeps 8 significant bits (relative step 2^-8 ≈ 0.0039). Logits of a deep bf16 forward drift by a few
# steps; gradients accumulate more rounding. Tolerances are on the error relative to the reference's scale
# (max |ours − ref| / max |ref|), which is robust to elements near zero. Log-probabilities and the loss sit
# near −ln(vocab) ≈ −11.8 on a random model, so their tolerances are tighter (5e-3 of 11.8 ≈ 0.06 nats).
TOLERANCES = {"logits": 2e-2, "logprobs": 5e-3, "loss": 2e-3, "grad": 5e-2, "grad_norm": 2e-2}


def tolerance_for(name):
    if name in ("loss", "train_loss"):
        return TOLERANCES["loss"]
    if name.endswith("grad_norm"):
        return TOLERANCES["grad_norm"]
    if name.startswith("grad.") or ".grad" in name:
        return TOLERANCES["grad"]
    if name.startswith("logprobs"):
        return TOLERANCES["logprobs"]
    return TOLERANCES["logits"]


def compare_tensor(name, ours, ref):
    ours = np.asarray(ours, dtype=np.float64).reshape(-1)
    ref = np.asarray(ref, dtype=np.float64).reshape(-1)
    if ours.shape != ref.shape:
        return {"name": name, "ok": False, "why": f"shape {ours.size} vs reference {ref.size}"}
    if not np.all(np.isfinite(ours)):
        return {"name": name, "ok": False, "why": "ours has NaN/inf"}
    diff = np.abs(ours - ref)
    scale = max(float(np.max(np.abs(ref))), 1e-12)
    rel = float(diff.max()) / scale
    tol = tolerance_for(name)
    return {"name": name, "ok": rel <= tol, "max_abs": float(diff.max()), "max_rel": rel, "tol": tol,
            "n": int(ref.size)}


def compare_results(ours, ref):
    """Rows for every tensor both sides have, plus one line naming what only one side has."""
    rows = [compare_tensor(k, ours[k], ref[k]) for k in sorted(ref) if k in ours]
    only_ref = sorted(k for k in ref if k not in ours)
    only_ours = sorted(k for k in ours if k not in ref)
    return rows, only_ref, only_ours


def format_table(headers, rows):
    """A plain aligned text table (one header line, a rule, one line per row)."""
    cells = [[str(h) for h in headers]] + [[("" if c is None else str(c)) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    line = lambda r: "  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip()
    return "\n".join([line(cells[0]), line(["-" * w for w in widths])] + [line(r) for r in cells[1:]])


# ---- summary rows for check.sh (steps 3 and 4) ----
# A row is (step, check, ours, reference, target, status); status is PASS, FAIL, MISSING (our side not built)
# or INFO (a measurement without a target).

def _gb(b):
    return f"{b / 2**30:.1f} GiB"


def step3_rows(summary, label, info=False, ran=False, model="1B"):
    """Rows from hf_compare.py --json output ({"ok", "rows": [{"name", "max_rel", "tol", "ok"}], ...}).

    info: a calibration (HF bf16 against HF fp32), shown as INFO with what the verdict would have been.
    ran: our side ran and hf_compare.py was given its result, so no summary means the comparison broke: FAIL,
    not MISSING (which check.sh shows as SKIP and does not fail on).
    """
    if summary is None:
        if ran:
            return [("3", f"{model} logits/loss/grads vs HF ({label})", "hf_compare.py gave no result (see the log)",
                     "HF PEFT fp32", "bf16 tolerance", "FAIL")]
        return [("3", f"{model} logits/loss/grads vs HF ({label})", "not built yet", "HF PEFT fp32", "bf16 tolerance", "MISSING")]
    if not summary["rows"]:
        return [("3", f"{model} logits/loss/grads vs HF ({label})", "nothing compared", "HF PEFT fp32", "bf16 tolerance", "FAIL")]
    return [("3", f"{model} {r['name']} vs HF ({label})", "n/a" if r.get("max_rel") is None else f"max rel err {r['max_rel']:.2g}",
             "HF PEFT fp32", "" if r.get("tol") is None else f"≤ {r['tol']:g}",
             ("INFO (within)" if r["ok"] else "INFO (outside)") if info else ("PASS" if r["ok"] else "FAIL"))
            for r in summary["rows"]]


NO_RESULT = "our bench ran and gave no result (see the log)"


def step4_rows(hf, ours, ours8b, missing_reason="not built yet", ran=(), missing_reason_8b=None, hf_missing=None,
               hf_missing_reason=None):
    """hf: hf_throughput.py's JSON; ours / ours8b: `gpu_ours bench` output with flops_per_token (hf_rows.py adds
    it), or `tuneforge bench trainer --json` output; or None. ran: which of "ours", "ours8b" were run — one that
    ran and left no result (a crash, a timeout, out of memory) is a FAIL, not MISSING (which check.sh shows as
    SKIP and does not fail on). missing_reason_8b: why the 8B bench did not run when that is not missing_reason
    (GPU_CHECK_SKIP_8B=1).

    hf None: HF's run left no result (hf_missing: where it was looked for), a FAIL row. Our figures, measured in the
    same paid run, still show: the MFU against our bench's own GEMM peak (gemm_peak_gflops), which decides its
    target alone only when that peak is cuBLASLt's (the memory report's "GEMMs: cublaslt"; our built-in kernels'
    peak is a lower ruler); tokens/s and memory, whose targets are ratios to HF, are INFO. hf_missing_reason: why
    there is no HF result when that is not HF's failure (check.sh's deadline cut it): MISSING instead of FAIL."""
    if hf is None:
        rows = [("4", "HF PEFT throughput", "", hf_missing_reason or f"no result in {hf_missing}", "",
                 "MISSING" if hf_missing_reason else "FAIL")]
        peak = (ours or {}).get("gemm_peak_gflops", 0) / 1000 or None
        if peak:
            rows.append(("4", "bf16 GEMM peak (our GEMM, this run)", f"{peak:.0f} TFLOP/s", "", "", "INFO"))
    else:
        peak = hf["gemm_peak_tflops"]
        rows = [("4", "bf16 GEMM peak (torch.matmul, this run)", "", f"{peak:.0f} TFLOP/s", "", "INFO")]
    no_hf = "no HF result"

    def absent(side):
        if side in ran:
            return NO_RESULT, "FAIL"
        return (missing_reason_8b or missing_reason) if side == "ours8b" else missing_reason, "MISSING"

    if ours is None:
        why, status = absent("ours")
        rows += [
            ("4", "1B tokens/s (seq 2048)", why, f"{hf['tokens_per_sec']:.0f}" if hf else no_hf, "≥ 2× HF", status),
            ("4", "1B MFU", why, f"{hf['mfu_percent']:.1f} %" if hf else no_hf, "≥ 45 %", status),
            ("4", "1B peak memory", why, _gb(hf["peak_memory_bytes"]) if hf else no_hf, "≤ 0.5× HF", status),
        ]
    elif hf is None:
        tps = ours["tokens_per_sec"]
        cublaslt_peak = "GEMMs: cublaslt" in (ours.get("memory_report") or "")
        if not peak:
            mfu_row = ("4", "1B MFU", "no GEMM peak measured", no_hf, "≥ 45 %", "INFO")
        elif cublaslt_peak:
            our_mfu = mfu(tps, ours["flops_per_token"], peak)
            mfu_row = ("4", "1B MFU", f"{our_mfu:.1f} % (of our cuBLASLt GEMM peak)", no_hf, "≥ 45 %",
                       "PASS" if our_mfu >= 45 else "FAIL")
        else:
            mfu_row = ("4", "1B MFU", f"{mfu(tps, ours['flops_per_token'], peak):.1f} % of our built-in kernels' GEMM "
                       "peak (not judged: a lower ruler than cuBLASLt's)", no_hf, "≥ 45 %", "INFO")
        rows += [
            ("4", "1B tokens/s (seq 2048)", f"{tps:.0f}", no_hf, "≥ 2× HF", "INFO"),
            mfu_row,
            ("4", "1B peak memory", _gb(ours["peak_memory_bytes"]), no_hf, "≤ 0.5× HF", "INFO"),
        ]
    else:
        tps, ratio = ours["tokens_per_sec"], ours["tokens_per_sec"] / hf["tokens_per_sec"]
        our_mfu = mfu(tps, ours["flops_per_token"], peak)
        mem_ratio = ours["peak_memory_bytes"] / hf["peak_memory_bytes"]
        rows += [
            ("4", "1B tokens/s (seq 2048)", f"{tps:.0f} ({ratio:.2f}× HF)", f"{hf['tokens_per_sec']:.0f}", "≥ 2× HF",
             "PASS" if ratio >= 2 else "FAIL"),
            ("4", "1B MFU", f"{our_mfu:.1f} %", f"{hf['mfu_percent']:.1f} %", "≥ 45 %", "PASS" if our_mfu >= 45 else "FAIL"),
            ("4", "1B peak memory", f"{_gb(ours['peak_memory_bytes'])} ({mem_ratio:.2f}× HF)", _gb(hf["peak_memory_bytes"]),
             "≤ 0.5× HF", "PASS" if mem_ratio <= 0.5 else "FAIL"),
        ]
    rows.append(step4_8b_row(ours8b, peak, missing_reason, ran, missing_reason_8b))
    return rows


def step4_8b_row(ours8b, peak, missing_reason="not built yet", ran=(), missing_reason_8b=None):
    """The 8B row of step 4, which needs nothing of HF's but its GEMM peak for the MFU (peak None: no HF result, so
    no MFU; the tokens/s target still decides)."""
    if ours8b is None:
        if "ours8b" in ran:
            return ("4", "8B tokens/s (seq 2048)", NO_RESULT, "", "≥ 12,000", "FAIL")
        return ("4", "8B tokens/s (seq 2048)", missing_reason_8b or missing_reason, "", "≥ 12,000", "MISSING")
    t8 = ours8b["tokens_per_sec"]
    mfu_text = f" (MFU {mfu(t8, ours8b['flops_per_token'], peak):.1f} %)" if peak else ""
    # The bench asks for no checkpointing; a device without room for every layer's activations turns it on, and the
    # figure is then a checkpointed one (the memory report, taken after the first step, says so).
    if "checkpointing: turned on" in (ours8b.get("memory_report") or ""):
        mfu_text += "; checkpointed: no room for every layer's activations"
    return ("4", "8B tokens/s (seq 2048)", f"{t8:.0f}{mfu_text}", "", "≥ 12,000", "PASS" if t8 >= 12000 else "FAIL")


if __name__ == "__main__":
    import sys

    if sys.argv[1:] != ["versions"]:
        sys.exit("usage: python3 hf_common.py versions   (the rest of this file is imported by the hf_*.py scripts)")
    print(versions_line())
