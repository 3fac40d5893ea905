"""Unit tests of the torch-free parts of the HF reference scripts.

    python3 -m unittest discover -s native/gpu -p 'test_hf_*.py'

Needs python3 with numpy only (no torch, no GPU).
"""

import json
import math
import os
import struct
import subprocess
import sys
import tempfile
import unittest

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import hf_common as hc  # noqa: E402


def total_parameters(cfg):
    """Every parameter, the way transformers counts them (a tied lm_head once, with the embedding)."""
    embed = cfg["vocab_size"] * cfg["hidden_size"]
    lm_head = 0 if cfg["tie_word_embeddings"] else embed
    norms = (2 * cfg["num_hidden_layers"] + 1) * cfg["hidden_size"]
    return hc.matmul_parameters(cfg) - embed + lm_head + embed + norms


class ShapesAndFlops(unittest.TestCase):
    def test_shapes_match_the_published_parameter_counts(self):
        # Llama-3.2-1B: 1,235,814,400 parameters; Llama-3.1-8B: 8,030,261,248.
        self.assertEqual(total_parameters(hc.llama_config_dict("1b")), 1_235_814_400)
        self.assertEqual(total_parameters(hc.llama_config_dict("8b")), 8_030_261_248)

    def test_config_has_what_our_loader_and_transformers_read(self):
        c = hc.llama_config_dict("1b")
        self.assertEqual((c["head_dim"], c["rope_scaling"]["rope_type"], c["rope_theta"]), (64, "llama3", 500000.0))
        self.assertTrue(c["tie_word_embeddings"])
        self.assertFalse(hc.llama_config_dict("8b")["tie_word_embeddings"])
        self.assertLess(hc.llama_config_dict("tiny")["eos_token_id"], hc.llama_config_dict("tiny")["vocab_size"])
        with self.assertRaisesRegex(ValueError, "unknown --shape"):
            hc.llama_config_dict("3b")

    def test_qwen3_shape_is_qwen3_0_6b_layer_in_4_layers(self):
        c = hc.llama_config_dict("qwen3")
        self.assertEqual((c["architectures"], c["model_type"]), (["Qwen3ForCausalLM"], "qwen3"))
        # head_dim 128 over hidden 1024 and 16 heads: not hidden / heads, as in Qwen3-0.6B.
        self.assertEqual((c["hidden_size"], c["num_attention_heads"], c["num_key_value_heads"], c["head_dim"]), (1024, 16, 8, 128))
        self.assertEqual((c["rms_norm_eps"], c["rope_theta"], c["attention_bias"]), (1e-6, 1000000.0, False))
        self.assertNotIn("rope_scaling", c)
        self.assertLess(c["eos_token_id"], c["vocab_size"])
        # Per layer as Qwen3-0.6B: q 1024x2048, k and v 1024x1024, o 2048x1024, MLP 3 x 1024x3072.
        linears = 2 * 1024 * 2048 + 2 * 1024 * 1024 + 3 * 1024 * 3072
        self.assertEqual(hc.matmul_parameters(c), 4 * linears + 151936 * 1024)

    def test_gemma3_shape_is_gemma_3_1b_layer_in_4_layers(self):
        c = hc.llama_config_dict("gemma3")
        self.assertEqual((c["architectures"], c["model_type"]), (["Gemma3ForCausalLM"], "gemma3_text"))
        self.assertEqual((c["hidden_size"], c["num_attention_heads"], c["num_key_value_heads"], c["head_dim"]), (1152, 4, 1, 256))
        self.assertEqual((c["hidden_activation"], c["query_pre_attn_scalar"], c["tie_word_embeddings"]), ("gelu_pytorch_tanh", 256, True))
        # Layers 0 and 2 slide (Gemma3TextConfig: full when (i + 1) % pattern == 0), over fewer keys than step 3's rows.
        self.assertEqual((c["sliding_window_pattern"], c["sliding_window"]), (2, 128))
        self.assertEqual((c["rope_theta"], c["rope_local_base_freq"]), (1000000.0, 10000.0))
        self.assertIsNone(c["final_logit_softcapping"])
        self.assertTrue(all(e < c["vocab_size"] for e in c["eos_token_id"]))
        # Per layer as gemma-3-1b: q 1152x1024, k and v 1152x256, o 1024x1152, MLP 3 x 1152x6912.
        linears = 2 * 1152 * 1024 + 2 * 1152 * 256 + 3 * 1152 * 6912
        self.assertEqual(hc.matmul_parameters(c), 4 * linears + 262144 * 1152)

    def test_gemma2_shape_is_gemma_2_2b_layer_in_4_layers_with_biting_caps(self):
        c = hc.llama_config_dict("gemma2")
        self.assertEqual((c["architectures"], c["model_type"]), (["Gemma2ForCausalLM"], "gemma2"))
        self.assertEqual((c["hidden_size"], c["num_attention_heads"], c["num_key_value_heads"], c["head_dim"]), (2304, 8, 4, 256))
        self.assertEqual((c["hidden_activation"], c["query_pre_attn_scalar"], c["tie_word_embeddings"]), ("gelu_pytorch_tanh", 256, True))
        # Layers 0 and 2 slide (Gemma2Config: every second layer), over fewer keys than step 3's rows; one RoPE base.
        self.assertEqual((c["sliding_window"], c["rope_theta"]), (128, 10000.0))
        self.assertNotIn("rope_local_base_freq", c)
        self.assertNotIn("sliding_window_pattern", c)
        # Caps the random model's values (about 1) reach, so step 3 compares capped functions.
        self.assertEqual((c["attn_logit_softcapping"], c["final_logit_softcapping"]), (2.0, 1.0))
        self.assertEqual((c["attention_dropout"], c["bos_token_id"], c["eos_token_id"]), (0.0, 2, [1, 107]))
        # Per layer as gemma-2-2b: q 2304x2048, k and v 2304x1024, o 2048x2304, MLP 3 x 2304x9216.
        linears = 2 * 2304 * 2048 + 2 * 2304 * 1024 + 3 * 2304 * 9216
        self.assertEqual(hc.matmul_parameters(c), 4 * linears + 256000 * 2304)
        # transformers' sdpa path leaves Gemma 2's soft cap out: the reference computes eager attention.
        self.assertEqual(hc.attn_implementation(c), "eager")
        self.assertEqual(hc.attn_implementation(hc.llama_config_dict("gemma3")), "sdpa")

    def test_phi4_shape_is_phi_4_layer_in_2_layers_with_fused_modules(self):
        c = hc.llama_config_dict("phi4")
        self.assertEqual((c["architectures"], c["model_type"]), (["Phi3ForCausalLM"], "phi3"))
        self.assertEqual((c["hidden_size"], c["num_attention_heads"], c["num_key_value_heads"], c["intermediate_size"]), (5120, 40, 10, 17920))
        self.assertEqual((c["rope_theta"], c["rope_scaling"], c["sliding_window"], c["tie_word_embeddings"]), (250000.0, None, None, False))
        self.assertEqual((c["resid_pdrop"], c["embd_pdrop"]), (0.0, 0.0))  # our loader refuses other values
        self.assertTrue(all(t < c["vocab_size"] for t in (c["bos_token_id"], c["eos_token_id"], c["pad_token_id"])))
        # Fused or not, the same weights: q, o 5120², k, v 5120x1280, MLP 3 x 5120x17920.
        linears = 2 * 5120 * 5120 + 2 * 5120 * 1280 + 3 * 5120 * 17920
        self.assertEqual(hc.matmul_parameters(c), 2 * linears + 100352 * 5120)
        self.assertEqual(hc.model_class_names(c, "4.43.0", "t"), ("Phi3Config", "Phi3ForCausalLM"))

    def test_phi4mini_shape_has_longrope_and_partial_rotary(self):
        c = hc.llama_config_dict("phi4mini")
        self.assertEqual((c["architectures"], c["num_attention_heads"], c["num_key_value_heads"]), (["Phi3ForCausalLM"], 24, 8))
        # 96 of 128 head dimensions rotate: 48 factors each; the original context is the one our trainer takes.
        self.assertEqual((c["partial_rotary_factor"], c["original_max_position_embeddings"]), (0.75, 4096))
        self.assertEqual((c["rope_scaling"]["type"], len(c["rope_scaling"]["short_factor"]), len(c["rope_scaling"]["long_factor"])), ("longrope", 48, 48))
        self.assertTrue(c["tie_word_embeddings"])
        self.assertTrue(all(t < c["vocab_size"] for t in (c["bos_token_id"], c["eos_token_id"], c["pad_token_id"])))
        # phi-4's shape keeps its own: no longrope, the full rotation, its 16k context as the original one.
        p = hc.llama_config_dict("phi4")
        self.assertEqual((p["rope_scaling"], p["original_max_position_embeddings"]), (None, 16384))
        self.assertNotIn("partial_rotary_factor", p)

    def test_phi4minilong_rows_reach_longropes_long_factors(self):
        c, mini = hc.llama_config_dict("phi4minilong"), hc.llama_config_dict("phi4mini")
        # Step 3's 256-token rows reach past the original context: the whole pass takes the long factors.
        self.assertLess(c["original_max_position_embeddings"], 256)
        self.assertLessEqual(256, c["max_position_embeddings"])
        # The published ratio of contexts (131072 / 4096), so the attention factor is Phi-4-mini's.
        self.assertEqual(c["max_position_embeddings"] / c["original_max_position_embeddings"],
                         mini["max_position_embeddings"] / mini["original_max_position_embeddings"])
        self.assertEqual(c["rope_scaling"], mini["rope_scaling"])
        self.assertEqual((c["architectures"], c["num_hidden_layers"]), (["Phi3ForCausalLM"], 2))
        for k in ("hidden_size", "num_attention_heads", "num_key_value_heads", "intermediate_size", "vocab_size", "partial_rotary_factor"):
            self.assertEqual(c[k], mini[k], k)

    def test_granite_shape_is_a_granite_3_2b_layer_in_4_layers_with_its_multipliers(self):
        c = hc.llama_config_dict("granite")
        self.assertEqual((c["architectures"], c["model_type"]), (["GraniteForCausalLM"], "granite"))
        self.assertEqual((c["hidden_size"], c["num_attention_heads"], c["num_key_value_heads"], c["intermediate_size"]), (2048, 32, 8, 8192))
        self.assertEqual((c["embedding_multiplier"], c["attention_multiplier"], c["residual_multiplier"], c["logits_scaling"]),
                         (12.0, 1 / 64, 0.22, 8.0))
        self.assertEqual((c["vocab_size"] % 2, c["tie_word_embeddings"], c["attention_dropout"]), (1, True, 0.0))
        self.assertEqual((c["bos_token_id"], c["eos_token_id"], c["pad_token_id"]), (0, 0, 0))
        linears = 2 * 2048 * 2048 + 2 * 2048 * 512 + 3 * 2048 * 8192
        self.assertEqual(hc.matmul_parameters(c), 4 * linears + 49155 * 2048)
        self.assertEqual(hc.model_targets(c, ["q_proj", "v_proj"]), ["q_proj", "v_proj"])
        self.assertEqual(hc.model_class_names(c, "4.45.0", "t"), ("GraniteConfig", "GraniteForCausalLM"))
        with self.assertRaisesRegex(SystemExit, "transformers 4.44.2 has no GraniteForCausalLM"):
            hc.model_class_names(c, "4.44.2", "t")

    def test_smollm3_shape_is_smollm3_3b_layer_in_4_layers_with_a_nope_layer(self):
        c = hc.llama_config_dict("smollm3")
        self.assertEqual((c["architectures"], c["model_type"]), (["SmolLM3ForCausalLM"], "smollm3"))
        self.assertEqual((c["hidden_size"], c["num_attention_heads"], c["num_key_value_heads"], c["intermediate_size"]), (2048, 16, 4, 11008))
        self.assertEqual((c["no_rope_layers"], c["use_sliding_window"], c["tie_word_embeddings"]), ([1, 1, 1, 0], False, True))
        self.assertTrue(all(t < c["vocab_size"] for t in (c["bos_token_id"], c["eos_token_id"], c["pad_token_id"])))
        linears = 2 * 2048 * 2048 + 2 * 2048 * 512 + 3 * 2048 * 11008
        self.assertEqual(hc.matmul_parameters(c), 4 * linears + 128256 * 2048)
        self.assertEqual(hc.model_class_names(c, "4.53.0", "t"), ("SmolLM3Config", "SmolLM3ForCausalLM"))
        with self.assertRaisesRegex(SystemExit, "transformers 4.52.4 has no SmolLM3ForCausalLM"):
            hc.model_class_names(c, "4.52.4", "t")

    def test_olmo2_shape_is_olmo_2_7b_layer_in_2_layers(self):
        c = hc.llama_config_dict("olmo2")
        self.assertEqual((c["architectures"], c["model_type"]), (["Olmo2ForCausalLM"], "olmo2"))
        self.assertEqual((c["hidden_size"], c["num_attention_heads"], c["num_key_value_heads"], c["intermediate_size"]), (4096, 32, 32, 11008))
        self.assertEqual((c["rms_norm_eps"], c["rope_theta"], c["tie_word_embeddings"]), (1e-6, 500000.0, False))
        self.assertTrue(all(t < c["vocab_size"] for t in (c["eos_token_id"], c["pad_token_id"])))
        linears = 4 * 4096 * 4096 + 3 * 4096 * 11008
        self.assertEqual(hc.matmul_parameters(c), 2 * linears + 100352 * 4096)
        self.assertEqual(hc.model_class_names(c, "4.47.0", "t"), ("Olmo2Config", "Olmo2ForCausalLM"))
        with self.assertRaisesRegex(SystemExit, "transformers 4.46.3 has no Olmo2ForCausalLM"):
            hc.model_class_names(c, "4.46.3", "t")

    def test_mistral_shape_windows_every_layer_below_step_3s_rows(self):
        c = hc.llama_config_dict("mistral")
        self.assertEqual((c["architectures"], c["model_type"]), (["MistralForCausalLM"], "mistral"))
        self.assertEqual((c["num_attention_heads"], c["num_key_value_heads"], c["head_dim"]), (32, 8, 128))
        # A window shorter than step 3's 256-token rows (and the context), so the comparison crosses it.
        self.assertLess(c["sliding_window"], 256)
        self.assertLess(c["sliding_window"], c["max_position_embeddings"])
        self.assertEqual(hc.model_class_names(c, "4.43.0", "t"), ("MistralConfig", "MistralForCausalLM"))

    def test_model_targets_fuse_q_k_v_and_gate_up_on_phi3_only(self):
        phi, llama = hc.llama_config_dict("phi4"), hc.llama_config_dict("tiny")
        self.assertEqual(hc.model_targets(phi, ["q_proj", "k_proj", "v_proj", "o_proj"]), ["qkv_proj", "o_proj"])
        self.assertEqual(hc.model_targets(phi, list(hc.PROJECTIONS)), ["qkv_proj", "o_proj", "gate_up_proj", "down_proj"])
        self.assertEqual(hc.model_targets(llama, ["q_proj", "v_proj"]), ["q_proj", "v_proj"])
        with self.assertRaisesRegex(ValueError, "computes q_proj, k_proj, v_proj in one module, qkv_proj; add k_proj"):
            hc.model_targets(phi, ["q_proj", "v_proj"])
        # The trainer's parameter order and PEFT's shapes for the fused modules (A [r, in], B [out, r]).
        self.assertEqual(hc.lora_param_names(1, ["qkv_proj", "o_proj", "gate_up_proj", "down_proj"]),
                         ["model.layers.0.self_attn.qkv_proj.lora_A", "model.layers.0.self_attn.qkv_proj.lora_B",
                          "model.layers.0.self_attn.o_proj.lora_A", "model.layers.0.self_attn.o_proj.lora_B",
                          "model.layers.0.mlp.gate_up_proj.lora_A", "model.layers.0.mlp.gate_up_proj.lora_B",
                          "model.layers.0.mlp.down_proj.lora_A", "model.layers.0.mlp.down_proj.lora_B"])
        self.assertEqual(hc.projection_shape(phi, "qkv_proj"), (5120, 5120 + 2 * 1280))
        self.assertEqual(hc.lora_parameters(phi, 16, ["qkv_proj", "o_proj"]), 2 * 16 * ((5120 + 7680) + (5120 + 5120)))

    def test_lfm2_shape_is_lfm2_1_2b_layer_in_a_conv_and_an_attention_layer(self):
        c = hc.llama_config_dict("lfm2")
        self.assertEqual((c["architectures"], c["model_type"]), (["Lfm2ForCausalLM"], "lfm2"))
        self.assertEqual((c["hidden_size"], c["num_attention_heads"], c["num_key_value_heads"]), (2048, 32, 8))
        self.assertEqual(c["layer_types"], ["conv", "full_attention"])
        # Lfm2MLP: two thirds of 12288, rounded up to a multiple of 256, is LFM2-1.2B's 8192.
        self.assertEqual((c["intermediate_size"], c["block_auto_adjust_ff_dim"], c["block_multiple_of"]), (12288, True, 256))
        self.assertEqual((c["conv_L_cache"], c["conv_bias"], c["norm_eps"], c["rope_theta"]), (3, False, 1e-5, 1000000.0))
        self.assertTrue(c["tie_word_embeddings"])
        self.assertLess(c["eos_token_id"], c["vocab_size"])
        self.assertEqual(hc.model_class_names(c, "4.54.0", "t"), ("Lfm2Config", "Lfm2ForCausalLM"))
        with self.assertRaisesRegex(SystemExit, "transformers 4.53.3 has no Lfm2ForCausalLM"):
            hc.model_class_names(c, "4.53.3", "t")

    def test_lfm2_targets_and_param_order_are_the_trainers(self):
        c = hc.llama_config_dict("lfm2")
        # o is out_proj on both kinds of layer, gate/up/down w1/w3/w2; q, k and v together also adapt in_proj.
        self.assertEqual(hc.model_targets(c, ["q_proj", "k_proj", "v_proj", "o_proj"]), ["q_proj", "k_proj", "v_proj", "out_proj", "in_proj"])
        self.assertEqual(hc.model_targets(c, list(hc.PROJECTIONS)),
                         ["q_proj", "k_proj", "v_proj", "out_proj", "w1", "w3", "w2", "in_proj"])
        self.assertEqual(hc.model_targets(c, ["q_proj", "v_proj"]), ["q_proj", "v_proj"])
        self.assertEqual(hc.layer_kinds(c), ["conv", "full_attention"])
        self.assertIsNone(hc.layer_kinds(hc.llama_config_dict("tiny")))
        # The order a checkpoint of `tuneforge train` on a tiny LFM2 lists (layer 0 convolves, layer 1 attends).
        names = hc.lora_param_names(2, hc.model_targets(c, list(hc.PROJECTIONS)), hc.layer_kinds(c))
        modules = [n[: -len(".lora_A")] for n in names[::2]]
        self.assertEqual(modules, [
            "model.layers.0.feed_forward.w1", "model.layers.0.feed_forward.w3", "model.layers.0.feed_forward.w2",
            "model.layers.0.conv.in_proj", "model.layers.0.conv.out_proj",
            "model.layers.1.self_attn.q_proj", "model.layers.1.self_attn.k_proj", "model.layers.1.self_attn.v_proj",
            "model.layers.1.self_attn.out_proj", "model.layers.1.feed_forward.w1", "model.layers.1.feed_forward.w3",
            "model.layers.1.feed_forward.w2"])
        self.assertEqual(names[1::2], [m + ".lora_B" for m in modules])
        state = hc.trainer_state(2, ["q_proj", "out_proj"], rows=1, total_steps=1, seed=1, layer_types=hc.layer_kinds(c))
        self.assertEqual(state["params"], ["model.layers.0.conv.out_proj.lora_A", "model.layers.0.conv.out_proj.lora_B",
                                           "model.layers.1.self_attn.q_proj.lora_A", "model.layers.1.self_attn.q_proj.lora_B",
                                           "model.layers.1.self_attn.out_proj.lora_A", "model.layers.1.self_attn.out_proj.lora_B"])

    def test_glm4_shape_is_glm_4_9b_layer_in_2_layers_with_gate_up_fused(self):
        c = hc.llama_config_dict("glm4")
        self.assertEqual((c["architectures"], c["model_type"]), (["Glm4ForCausalLM"], "glm4"))
        self.assertEqual((c["hidden_size"], c["num_attention_heads"], c["num_key_value_heads"], c["head_dim"]), (4096, 32, 2, 128))
        self.assertEqual((c["partial_rotary_factor"], c["attention_bias"], c["tie_word_embeddings"]), (0.5, True, False))
        self.assertEqual(hc.model_class_names(c, "4.51.3", "t"), ("Glm4Config", "Glm4ForCausalLM"))
        with self.assertRaisesRegex(SystemExit, "transformers 4.50.3 has no Glm4ForCausalLM"):
            hc.model_class_names(c, "4.50.3", "t")
        # q, k and v stay separate modules; gate and up are one gate_up_proj, given together or not at all.
        self.assertEqual(hc.model_targets(c, list(hc.PROJECTIONS)), ["q_proj", "k_proj", "v_proj", "o_proj", "gate_up_proj", "down_proj"])
        self.assertEqual(hc.model_targets(c, ["q_proj", "v_proj"]), ["q_proj", "v_proj"])
        with self.assertRaisesRegex(ValueError, "computes gate_proj, up_proj in one module, gate_up_proj; add up_proj"):
            hc.model_targets(c, ["gate_proj"])

    def test_olmo3_shape_is_olmo_3_7b_layer_in_a_sliding_and_a_full_layer(self):
        c = hc.llama_config_dict("olmo3")
        self.assertEqual((c["architectures"], c["model_type"]), (["Olmo3ForCausalLM"], "olmo3"))
        self.assertEqual((c["hidden_size"], c["num_attention_heads"], c["num_key_value_heads"]), (4096, 32, 32))
        self.assertEqual(c["layer_types"], ["sliding_attention", "full_attention"])
        self.assertLess(c["sliding_window"], 256)  # step 3's rows cross the window
        self.assertIsNone(c["rope_scaling"])
        self.assertEqual(hc.model_class_names(c, "4.57.0", "t"), ("Olmo3Config", "Olmo3ForCausalLM"))
        with self.assertRaisesRegex(SystemExit, "transformers 4.56.2 has no Olmo3ForCausalLM"):
            hc.model_class_names(c, "4.56.2", "t")
        self.assertEqual(hc.model_targets(c, list(hc.PROJECTIONS)), list(hc.PROJECTIONS))

    def test_exaone4_shape_is_exaone_4_32b_layer_in_a_sliding_and_a_full_layer(self):
        c = hc.llama_config_dict("exaone4")
        self.assertEqual((c["architectures"], c["model_type"]), (["Exaone4ForCausalLM"], "exaone4"))
        self.assertEqual((c["hidden_size"], c["num_attention_heads"], c["num_key_value_heads"], c["head_dim"]), (5120, 40, 8, 128))
        self.assertEqual(c["layer_types"], ["sliding_attention", "full_attention"])
        self.assertLess(c["sliding_window"], 256)  # step 3's rows cross the window
        self.assertEqual((c["rope_scaling"]["rope_type"], c["rope_scaling"]["factor"]), ("llama3", 16.0))
        self.assertEqual(hc.model_class_names(c, "4.55.0", "t"), ("Exaone4Config", "Exaone4ForCausalLM"))
        with self.assertRaisesRegex(SystemExit, "transformers 4.53.2 has no Exaone4ForCausalLM"):
            hc.model_class_names(c, "4.53.2", "t")

    def test_ministral3_shape_crosses_the_original_context_in_5x_rope_parameters(self):
        c = hc.llama_config_dict("ministral3")
        self.assertEqual((c["architectures"], c["model_type"]), (["Ministral3ForCausalLM"], "ministral3"))
        self.assertEqual((c["hidden_size"], c["num_attention_heads"], c["num_key_value_heads"], c["head_dim"]), (4096, 32, 8, 128))
        self.assertNotIn("rope_theta", c)  # 5.x: RoPE in rope_parameters only
        rp = c["rope_parameters"]
        self.assertEqual((rp["rope_type"], rp["llama_4_scaling_beta"]), ("yarn", 0.1))
        self.assertLess(3 * rp["original_max_position_embeddings"], 256)  # step 3's rows reach the third temperature step
        self.assertEqual(rp["factor"] * rp["original_max_position_embeddings"], c["max_position_embeddings"])
        self.assertIsNone(c["sliding_window"])
        self.assertEqual(hc.model_class_names(c, "5.0.0", "t"), ("Ministral3Config", "Ministral3ForCausalLM"))
        with self.assertRaisesRegex(SystemExit, "transformers 4.57.3 has no Ministral3ForCausalLM"):
            hc.model_class_names(c, "4.57.3", "t")

    def test_qwen3yarn_shape_is_qwen3_with_yarn_every_transformers_reads_alike(self):
        c = hc.llama_config_dict("qwen3yarn")
        q = hc.llama_config_dict("qwen3")
        self.assertEqual((c["architectures"], c["model_type"]), (["Qwen3ForCausalLM"], "qwen3"))
        self.assertEqual({k: v for k, v in c.items() if k not in ("rope_scaling", "max_position_embeddings")},
                         {k: v for k, v in q.items() if k != "max_position_embeddings"})
        # No original_max_position_embeddings: the releases that read factor as max / original and those that take
        # it as given compute the same frequencies.
        self.assertEqual(c["rope_scaling"], {"rope_type": "yarn", "factor": 8.0})
        self.assertEqual(c["max_position_embeddings"], 4096)
        # Its correction range, as _compute_yarn_parameters finds it: pairs 13 to 31 of 64 blend, the first of them
        # turned by radians within step 3's 256 positions.
        def turns_at(turns):
            return 128 * math.log(4096 / (turns * 2 * math.pi)) / (2 * math.log(c["rope_theta"]))
        self.assertEqual((math.floor(turns_at(32)), math.ceil(turns_at(1))), (13, 31))
        self.assertGreater(255 * c["rope_theta"] ** (-2 * 13 / 128), 1.0)
        self.assertEqual(hc.model_class_names(c, "4.51.3", "t"), ("Qwen3Config", "Qwen3ForCausalLM"))

    def test_model_classes_by_architecture_and_the_transformers_they_need(self):
        self.assertEqual(hc.model_class_names(hc.llama_config_dict("1b"), "4.43.0", "t"), ("LlamaConfig", "LlamaForCausalLM"))
        self.assertEqual(hc.model_class_names(hc.llama_config_dict("qwen3"), "5.17.0", "t"), ("Qwen3Config", "Qwen3ForCausalLM"))
        with self.assertRaisesRegex(SystemExit, "transformers 4.50.3 has no Qwen3ForCausalLM"):
            hc.model_class_names(hc.llama_config_dict("qwen3"), "4.50.3", "t")
        self.assertEqual(hc.model_class_names(hc.llama_config_dict("gemma3"), "4.50.0", "t"), ("Gemma3TextConfig", "Gemma3ForCausalLM"))
        with self.assertRaisesRegex(SystemExit, "transformers 4.49.0 has no Gemma3ForCausalLM"):
            hc.model_class_names(hc.llama_config_dict("gemma3"), "4.49.0", "t")
        self.assertEqual(hc.model_class_names(hc.llama_config_dict("gemma2"), "4.42.0", "t"), ("Gemma2Config", "Gemma2ForCausalLM"))
        with self.assertRaisesRegex(SystemExit, "transformers 4.41.2 has no Gemma2ForCausalLM"):
            hc.model_class_names(hc.llama_config_dict("gemma2"), "4.41.2", "t")
        with self.assertRaisesRegex(SystemExit, "GPT2LMHeadModel is not one these scripts write"):
            hc.model_class_names({"architectures": ["GPT2LMHeadModel"]}, "5.17.0", "t")

    def test_flops_per_token_matches_the_reference_figure_for_8b(self):
        # reference/trainer.md: Llama-3.1-8B, r=16 on 7 modules, T=2048 ≈ 31.9 GFLOP/token.
        f = hc.flops_per_token(hc.llama_config_dict("8b"), 16, list(hc.PROJECTIONS), 2048)
        self.assertAlmostEqual(f / 1e9, 31.9, delta=0.1)

    def test_flops_formula_terms(self):
        c = hc.llama_config_dict("tiny")
        t = ["q_proj", "v_proj"]
        lora = c["num_hidden_layers"] * 8 * ((256 + 256) + (256 + 64))
        self.assertEqual(hc.lora_parameters(c, 8, t), lora)
        self.assertEqual(hc.flops_per_token(c, 8, t, 100),
                         4 * hc.matmul_parameters(c) + 6 * lora + 6 * 2 * 8 * 32 * 100)

    def test_mfu_and_gemm(self):
        self.assertAlmostEqual(hc.gemm_tflops(8192, 8192, 8192, 2 * 8192**3 / 790e12), 790.0)
        self.assertAlmostEqual(hc.mfu(10_000, 31.9e9, 790.0), 100 * 319 / 790)
        with self.assertRaises(ValueError):
            hc.mfu(1, 1, 0)

    def test_parse_targets(self):
        self.assertEqual(hc.parse_targets("q,k,v_proj,o,q"), ["q_proj", "k_proj", "v_proj", "o_proj"])
        with self.assertRaisesRegex(ValueError, "unknown module 'lm_head'"):
            hc.parse_targets("q,lm_head")
        with self.assertRaisesRegex(ValueError, "lists no module"):
            hc.parse_targets(" , ")


class MaskAndLoss(unittest.TestCase):
    def test_assistant_mask_has_two_answer_spans_and_no_target_at_zero(self):
        m = hc.assistant_mask(256)
        self.assertEqual(m[0], 0)
        starts = np.flatnonzero(np.diff(m.astype(int)) == 1) + 1
        self.assertEqual(len(starts), 2)
        self.assertEqual(m[-1], 1)
        self.assertTrue(0 < m.sum() < 256)
        with self.assertRaises(ValueError):
            hc.assistant_mask(5)

    def test_masked_mean_nll_uses_the_shifted_mask(self):
        lp = np.log([0.5, 0.25, 0.125])  # log p(t1), log p(t2), log p(t3)
        self.assertAlmostEqual(hc.masked_mean_nll(lp, [0, 0, 1, 1]), -(np.log(0.25) + np.log(0.125)) / 2)
        with self.assertRaisesRegex(ValueError, "want n − 1"):
            hc.masked_mean_nll(lp, [0, 1])
        with self.assertRaisesRegex(ValueError, "no target"):
            hc.masked_mean_nll(lp, [1, 0, 0, 0])


class TrainerCheckpoint(unittest.TestCase):
    def test_param_order_is_layer_then_projection_then_a_b(self):
        names = hc.lora_param_names(2, ["o_proj", "q_proj", "down_proj"])
        self.assertEqual(names[:6], [
            "model.layers.0.self_attn.q_proj.lora_A", "model.layers.0.self_attn.q_proj.lora_B",
            "model.layers.0.self_attn.o_proj.lora_A", "model.layers.0.self_attn.o_proj.lora_B",
            "model.layers.0.mlp.down_proj.lora_A", "model.layers.0.mlp.down_proj.lora_B"])
        self.assertEqual(len(names), 12)

    def test_step_zero_state(self):
        s = hc.trainer_state(2, ["q_proj"], rows=1, total_steps=1, seed=7)
        self.assertEqual((s["format"], s["step"], s["next_micro_batch"], s["seed"]), (1, 0, 0, "0000000000000007"))
        self.assertEqual(len(s["rng"]), 6)
        for w in s["rng"]:
            self.assertRegex(w, "^[0-9a-f]{16}$")
        json.dumps(s)


class Safetensors(unittest.TestCase):
    def test_round_trip(self):
        with tempfile.TemporaryDirectory() as d:
            p = os.path.join(d, "t.safetensors")
            t = {"a": np.arange(6, dtype=np.float32).reshape(2, 3), "b": np.array([1, 2], dtype=np.int64)}
            hc.write_safetensors(p, t, {"format": "pt"})
            back = hc.read_safetensors(p)
            np.testing.assert_array_equal(back["a"], t["a"])
            np.testing.assert_array_equal(back["b"], t["b"])

    def test_reads_bf16_and_rejects_bad_offsets(self):
        with tempfile.TemporaryDirectory() as d:
            p = os.path.join(d, "bf16.safetensors")
            vals = np.array([1.0, -2.5, 0.15625], dtype=np.float32)  # exact in bf16
            raw = (vals.view(np.uint32) >> 16).astype("<u2").tobytes()
            header = json.dumps({"x": {"dtype": "BF16", "shape": [3], "data_offsets": [0, 6]}}).encode()
            with open(p, "wb") as f:
                f.write(struct.pack("<Q", len(header)) + header + raw)
            np.testing.assert_array_equal(hc.read_safetensors(p)["x"], vals)
            bad = json.dumps({"x": {"dtype": "BF16", "shape": [3], "data_offsets": [0, 60]}}).encode()
            with open(p, "wb") as f:
                f.write(struct.pack("<Q", len(bad)) + bad + raw)
            with self.assertRaisesRegex(ValueError, "outside the data"):
                hc.read_safetensors(p)


class Comparison(unittest.TestCase):
    def test_tolerances_by_name(self):
        self.assertEqual(hc.tolerance_for("loss"), hc.TOLERANCES["loss"])
        self.assertEqual(hc.tolerance_for("train_loss"), hc.TOLERANCES["loss"])
        self.assertEqual(hc.tolerance_for("grad_norm"), hc.TOLERANCES["grad_norm"])
        self.assertEqual(hc.tolerance_for("grad.model.layers.0.self_attn.q_proj.lora_A"), hc.TOLERANCES["grad"])
        self.assertEqual(hc.tolerance_for("logprobs"), hc.TOLERANCES["logprobs"])
        self.assertEqual(hc.tolerance_for("logits"), hc.TOLERANCES["logits"])

    def test_relative_to_the_reference_scale(self):
        ref = np.array([10.0, -0.001, 5.0])
        ok = hc.compare_tensor("logits", ref + 0.1, ref)
        self.assertTrue(ok["ok"])
        self.assertAlmostEqual(ok["max_rel"], 0.01)
        self.assertFalse(hc.compare_tensor("logits", ref + 0.5, ref)["ok"])
        self.assertFalse(hc.compare_tensor("logits", np.array([np.nan, 0, 5.0]), ref)["ok"])
        self.assertIn("shape", hc.compare_tensor("logits", ref[:2], ref)["why"])

    def test_compare_script_end_to_end(self):
        with tempfile.TemporaryDirectory() as d:
            ref = {"logprobs": np.array([-11.5, -12.0, -11.9], np.float32), "loss": np.array([11.8], np.float32),
                   "grad_norm": np.array([0.5], np.float32), "tokens": np.array([1, 2, 3, 4], np.int64),
                   "grad.model.layers.0.self_attn.q_proj.lora_A": np.ones((2, 3), np.float32)}
            rp = os.path.join(d, "ref.safetensors")
            hc.write_safetensors(rp, ref)
            good = os.path.join(d, "ours.json")
            with open(good, "w") as f:
                json.dump({"logprobs": [-11.51, -12.0, -11.9], "loss": 11.801, "grad_norm": 0.501, "backend": "cpu"}, f)
            run = lambda ours: subprocess.run([sys.executable, os.path.join(HERE, "hf_compare.py"), ours, rp, "--json"],
                                              capture_output=True, text=True)
            r = run(good)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            self.assertIn("not compared (only HF has them): grad.* (1)", r.stdout)
            summary = json.loads(r.stdout.strip().splitlines()[-1])
            self.assertTrue(summary["ok"])
            rows = hc.step3_rows(summary, "cpu")
            self.assertEqual([x[5] for x in rows], ["PASS"] * 3)
            self.assertEqual([x[5] for x in hc.step3_rows(summary, "HF bf16", info=True)], ["INFO (within)"] * 3)
            bad = os.path.join(d, "bad.json")
            with open(bad, "w") as f:
                json.dump({"logprobs": [-11.5, -12.0, -11.9], "loss": 12.5, "grad_norm": 0.5}, f)
            r = run(bad)
            self.assertEqual(r.returncode, 1)
            self.assertIn("FAIL", r.stdout)
            self.assertEqual(json.loads(r.stdout.strip().splitlines()[-1])["failed"], ["loss"])


class Versions(unittest.TestCase):
    def test_transformers_version_gate(self):
        # LlamaConfig takes Llama 3's rope_scaling from 4.43 on; 4.40-4.42 would raise ValueError inside step 3.
        self.assertEqual(hc.version_tuple("4.46.0.dev0"), (4, 46))
        self.assertEqual(hc.version_tuple("5.0.0rc1"), (5, 0))
        self.assertEqual(hc.version_tuple("nightly"), ())
        self.assertLess(hc.version_tuple("4.42.4"), hc.MIN_TRANSFORMERS)
        self.assertGreaterEqual(hc.version_tuple("4.43.0"), hc.MIN_TRANSFORMERS)
        self.assertGreaterEqual(hc.version_tuple("4.100.1"), hc.MIN_TRANSFORMERS)

    def test_dtype_argument_by_its_name_in_each_version(self):
        # from_pretrained's `dtype` exists from 4.56; before it only `torch_dtype`, after it that is a deprecated alias.
        self.assertEqual(hc.dtype_kwargs("4.46.3", "bf16"), {"torch_dtype": "bf16"})
        self.assertEqual(hc.dtype_kwargs("4.56.0", "bf16"), {"dtype": "bf16"})
        self.assertEqual(hc.dtype_kwargs("5.17.0", "bf16"), {"dtype": "bf16"})

    def test_versions_line_runs_without_torch(self):
        # check.sh prints it first; on a machine without torch it must say so rather than fail.
        r = subprocess.run([sys.executable, os.path.join(HERE, "hf_common.py"), "versions"], capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertRegex(r.stdout, r"^torch .*, transformers .*, peft .*\n$")


class Deadline(unittest.TestCase):
    """steps-3-4.sh's deadline helpers, sourced into bash with $SECONDS set to where a run would be."""

    def bash(self, script, deadline="540"):
        with tempfile.TemporaryDirectory() as d:
            rows = os.path.join(d, "rows.tsv")
            env = dict(os.environ, GPU_CHECK_DEADLINE_S=deadline, ROWS=rows)
            r = subprocess.run(["bash", "-c", f'source "{HERE}/steps-3-4.sh"; _HF_ROWS="$ROWS"; {script}'],
                               capture_output=True, text=True, env=env)
            with open(rows) if os.path.exists(rows) else open(os.devnull) as f:
                return r, f.read()

    def test_timeouts_are_capped_by_the_time_left(self):
        r, _ = self.bash("SECONDS=100; _hf_cap 240; SECONDS=400; _hf_cap 240; SECONDS=538; _hf_cap 240")
        self.assertEqual(r.stdout.split(), ["240", "140", "5"])  # at least 5 s: a late step fails in its own row
        r, _ = self.bash("SECONDS=0; _hf_cap 240", deadline="60")
        self.assertEqual(r.stdout.split(), ["60"])

    def test_optional_rows_are_skipped_with_a_row_when_too_little_is_left(self):
        r, rows = self.bash('SECONDS=480; _hf_optional 40 4 "ours generation speed (1B)" && echo ran; '
                            'SECONDS=520; _hf_optional 40 4 "ours generation speed (1B, batch 8)" || echo skipped')
        self.assertEqual(r.stdout.split(), ["ran", "skipped"])
        # 20 s left, or 19 when bash's clock ticked between the assignment and the check (CI under load).
        self.assertEqual(len(rows.splitlines()), 1)
        self.assertRegex(rows, r"^4\tours generation speed \(1B, batch 8\)\tnot run: (20|19) s left before "
                               r"GPU_CHECK_DEADLINE_S=540, it needs ~40 s\t\t\tMISSING\n?$")
        # The row is in the log as it comes, not only in the summary a killed run never prints.
        self.assertIn("[steps 3-4] row: 4\tours generation speed (1B, batch 8)\tnot run", r.stderr)
        r, rows = self.bash('SECONDS=600; _hf_optional 40 3 "x" || true')
        self.assertIn("not run: 0 s left", rows)

    def test_a_step_that_fails_past_the_deadline_was_cut_not_broken(self):
        # Its capped timeout stopped it: MISSING (SKIP in check.sh, which does not fail on it) with the reason, where a
        # FAIL would read like a crash of the step.
        _, rows = self.bash('SECONDS=100; _hf_failed_row 4 "ours decode" "gpu_ours decode failed (see log)" "" ""; '
                            'SECONDS=537; _hf_failed_row 4 "ours decode" "gpu_ours decode failed (see log)" "" ""')
        self.assertEqual(rows.splitlines(), [
            "4\tours decode\tgpu_ours decode failed (see log)\t\t\tFAIL",
            "4\tours decode\tcut at the deadline (GPU_CHECK_DEADLINE_S=540)\t\t\tMISSING"])

    def test_hf_throughput_cut_by_the_deadline_is_missing_not_failed(self):
        rows = hc.step4_rows(None, None, None, "cut at the deadline (GPU_CHECK_DEADLINE_S=540)", hf_missing="f",
                             hf_missing_reason="cut at the deadline (GPU_CHECK_DEADLINE_S=540)")
        self.assertEqual(rows[0], ("4", "HF PEFT throughput", "", "cut at the deadline (GPU_CHECK_DEADLINE_S=540)", "", "MISSING"))
        self.assertEqual({r[5] for r in rows}, {"MISSING"})


class Rows(unittest.TestCase):
    HF = {"gemm_peak_tflops": 790.0, "tokens_per_sec": 20000.0, "mfu_percent": 30.0, "peak_memory_bytes": 40 * 2**30}

    def test_missing_side_says_so(self):
        rows = hc.step4_rows(self.HF, None, None)
        self.assertEqual([r[5] for r in rows], ["INFO", "MISSING", "MISSING", "MISSING", "MISSING"])
        self.assertTrue(all(r[2] == "not built yet" for r in rows[1:]))
        self.assertEqual(hc.step3_rows(None, "cuda")[0][5], "MISSING")
        self.assertEqual(hc.step3_rows(None, "cuda", model="Qwen3")[0][1], "Qwen3 logits/loss/grads vs HF (cuda)")

    def test_a_comparison_that_gave_no_result_fails(self):
        # gpu_ours reference succeeded but hf_compare.py crashed: a FAIL, not MISSING (SKIP in check.sh).
        row = hc.step3_rows(None, "cuda", ran=True)[0]
        self.assertEqual(row[5], "FAIL")
        self.assertIn("hf_compare.py", row[2])

    def test_a_bench_that_ran_and_left_no_result_fails(self):
        # check.sh shows MISSING as SKIP and passes: a crashed or timed-out bench on the GPU must not look like that.
        rows = hc.step4_rows(self.HF, None, None, "not built yet", ran=["ours", "ours8b"])
        self.assertEqual([r[5] for r in rows], ["INFO", "FAIL", "FAIL", "FAIL", "FAIL"])
        self.assertTrue(all(r[2] == hc.NO_RESULT for r in rows[1:]))
        # GPU_CHECK_SKIP_8B=1: the 8B bench did not run, its row stays MISSING.
        rows = hc.step4_rows(self.HF, None, None, "skipped", ran=["ours"])
        self.assertEqual([r[5] for r in rows], ["INFO", "FAIL", "FAIL", "FAIL", "MISSING"])
        self.assertEqual(rows[-1][2], "skipped")
        # ... and says it was skipped, not that our side is not built.
        rows = hc.step4_rows(self.HF, None, None, "not built yet", ran=["ours"], missing_reason_8b="skipped (GPU_CHECK_SKIP_8B=1)")
        self.assertEqual(rows[-1][2], "skipped (GPU_CHECK_SKIP_8B=1)")
        self.assertEqual(rows[1][2], hc.NO_RESULT)

    def test_targets(self):
        c = hc.llama_config_dict("1b")
        fpt = hc.flops_per_token(c, 16, ["q_proj", "k_proj", "v_proj", "o_proj"], 2048)
        fast = {"tokens_per_sec": 45000.0, "flops_per_token": fpt, "peak_memory_bytes": 15 * 2**30}
        rows = hc.step4_rows(self.HF, fast, {"tokens_per_sec": 11000.0, "flops_per_token": 31.9e9})
        status = {r[1]: r[5] for r in rows}
        self.assertEqual(status["1B tokens/s (seq 2048)"], "PASS")  # 2.25×
        self.assertEqual(status["1B peak memory"], "PASS")  # 0.375×
        expected_mfu = 100 * 45000 * fpt / 790e12
        self.assertEqual(status["1B MFU"], "PASS" if expected_mfu >= 45 else "FAIL")
        self.assertEqual(status["8B tokens/s (seq 2048)"], "FAIL")

    def test_our_figures_stand_when_hf_left_no_result(self):
        # HF's script failing on the GPU machine must not hide the 1B figures our bench measured in the same paid run:
        # its MFU is judged against our own GEMM peak; tokens/s and memory, ratios to HF, are INFO.
        c = hc.llama_config_dict("1b")
        fpt = hc.flops_per_token(c, 16, ["q_proj", "k_proj", "v_proj", "o_proj"], 2048)
        ours = {"tokens_per_sec": 45000.0, "flops_per_token": fpt, "peak_memory_bytes": 15 * 2**30,
                "gemm_peak_gflops": 700000.0, "memory_report": "CUDA memory:\n  GEMMs: cublaslt 13.0.2 (libcublasLt.so.13)\n"}
        rows = hc.step4_rows(None, ours, None, "not built yet", ran=["ours"], missing_reason_8b="skipped",
                             hf_missing="/tmp/x/throughput-hf.json")
        by = {r[1]: r for r in rows}
        self.assertEqual(by["HF PEFT throughput"][3:], ("no result in /tmp/x/throughput-hf.json", "", "FAIL"))
        self.assertEqual(by["bf16 GEMM peak (our GEMM, this run)"][2], "700 TFLOP/s")
        self.assertEqual(by["1B tokens/s (seq 2048)"][2:], ("45000", "no HF result", "≥ 2× HF", "INFO"))
        expected_mfu = 100 * 45000 * fpt / 700e12
        self.assertEqual(by["1B MFU"][2], f"{expected_mfu:.1f} % (of our cuBLASLt GEMM peak)")
        self.assertEqual(by["1B MFU"][5], "PASS" if expected_mfu >= 45 else "FAIL")
        # A peak of our built-in kernels (cuBLASLt did not load, or was set aside) is a lower ruler: not judged.
        wmma = dict(ours, memory_report="CUDA memory:\n  GEMMs: wmma (libcublasLt could not be loaded (x))\n")
        row = {r[1]: r for r in hc.step4_rows(None, wmma, None, ran=["ours"], hf_missing="f")}["1B MFU"]
        self.assertRegex(row[2], r"^\d+\.\d % of our built-in kernels' GEMM peak \(not judged")
        self.assertEqual(row[5], "INFO")
        self.assertEqual(by["1B peak memory"][2:], ("15.0 GiB", "no HF result", "≤ 0.5× HF", "INFO"))
        self.assertEqual(by["8B tokens/s (seq 2048)"][5], "MISSING")
        # No GEMM peak (a bench run with --peak-size 0): the MFU cannot be judged either.
        rows = hc.step4_rows(None, dict(ours, gemm_peak_gflops=0), None, ran=["ours"], hf_missing="f")
        self.assertEqual({r[1]: r[5] for r in rows}["1B MFU"], "INFO")
        # Neither side: every 1B row says why ours is missing, and that HF left nothing to compare with.
        rows = hc.step4_rows(None, None, None, "not built yet", hf_missing="f")
        self.assertEqual([r[5] for r in rows], ["FAIL", "MISSING", "MISSING", "MISSING", "MISSING"])
        self.assertEqual(rows[1][2:4], ("not built yet", "no HF result"))

    def test_same_tokens_fails_only_on_two_different_results(self):
        # check.sh's eager decode row: the same kernels without CUDA graphs must generate the graph run's tokens.
        with tempfile.TemporaryDirectory() as d:
            def result(name, text):
                p = os.path.join(d, name)
                with open(p, "w") as f:
                    f.write(text)
                return p
            a = result("a.json", '{"generated_tokens_fnv1a": "00ff"}\n')
            same, other = result("b.json", '{"generated_tokens_fnv1a": "00ff"}\n'), result("c.json", '{"generated_tokens_fnv1a": "0100"}\n')
            failed = result("d.json", "")  # a run that crashed: its own row fails, this comparison does not
            codes = [subprocess.run([sys.executable, os.path.join(HERE, "hf_rows.py"), "same-tokens", a, b]).returncode
                     for b in (same, other, failed)]
        self.assertEqual(codes, [0, 1, 0])

    def test_step3_rows_from_the_command_line_name_their_model(self):
        # steps-3-4.sh calls `hf_rows.py step3 --model Qwen3` / `--model "Gemma 3"`: the flag must exist (an unknown one
        # would end the call with a usage error and leave no row).
        with tempfile.TemporaryDirectory() as d:
            compare = os.path.join(d, "compare.txt")
            with open(compare, "w") as f:
                f.write('{"ok": true, "rows": [{"name": "logits", "max_rel": 0.004, "tol": 0.02, "ok": true}]}\n')
            out = subprocess.run([sys.executable, os.path.join(HERE, "hf_rows.py"), "step3", "--model", "Gemma 3", "--label", "cuda",
                                  "--compare", compare, "--ran", "ours"], capture_output=True, text=True)
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertEqual(out.stdout.split("\t")[:2], ["3", "Gemma 3 logits vs HF (cuda)"])

    def test_the_8b_row_stands_without_hf(self):
        # A second call (GPU_CHECK_ONLY_8B=1) whose first call left no HF result still reports the 8B figure.
        row = hc.step4_8b_row({"tokens_per_sec": 12500.0, "flops_per_token": 31.9e9}, None)
        self.assertEqual(row, ("4", "8B tokens/s (seq 2048)", "12500", "", "≥ 12,000", "PASS"))
        self.assertEqual(hc.step4_8b_row(None, None, ran=["ours8b"])[5], "FAIL")
        self.assertEqual(hc.step4_8b_row(None, None, "not built yet", missing_reason_8b="skipped")[2:], ("skipped", "", "≥ 12,000", "MISSING"))
        # A run the device had to checkpoint (its memory report says so) is named as such, not passed off as one without.
        report = "CUDA memory:\n  activations: 3.00 GiB\n  checkpointing: turned on (without it, keeping every layer's activations would not fit)\n"
        row = hc.step4_8b_row({"tokens_per_sec": 12500.0, "flops_per_token": 31.9e9, "memory_report": report}, 800.0)
        self.assertRegex(row[2], r"^12500 \(MFU \d+\.\d %\); checkpointed: no room for every layer's activations$")
        self.assertEqual(row[5], "PASS")
        self.assertNotIn("checkpointed", hc.step4_8b_row({"tokens_per_sec": 12500.0, "flops_per_token": 31.9e9, "memory_report": "CUDA memory:\n"}, 800.0)[2])

    def test_check_sh_reads_rows_with_empty_fields(self):
        # check.sh turns each tab-separated row into a summary row. With IFS=$'\t', bash merges consecutive tabs, so
        # an empty field (the GEMM peak's "ours", the 8B row's "reference") shifted status away and made it FAIL.
        with open(os.path.join(HERE, "check.sh")) as f:
            src = f.read()
        loop = src[src.index("while IFS="):src.index("rm -f \"$HF_ROWS\"")]
        rows = hc.step4_rows(self.HF, None, None, "not built yet", missing_reason_8b="skipped")
        rows.append(("3", "1B logprobs vs HF (HF bf16, calibration)", "max rel err 0.001", "HF PEFT fp32", "≤ 0.005",
                     "INFO (within)"))
        rows.append(("4", "ours generation speed (1B)", "decode 1 tok/s", "", "", "INFO"))
        script = ('set -uo pipefail\nSUMMARY=()\nrecord() { SUMMARY+=("$1|$2|$3|$4"); }\nHF_ROWS=$1\n' + loop +
                  'printf "%s\\n" "${SUMMARY[@]}"\n')
        with tempfile.TemporaryDirectory() as d:
            p = os.path.join(d, "rows.tsv")
            with open(p, "w") as f:
                f.write("".join("\t".join(r) + "\n" for r in rows))
            r = subprocess.run(["bash", "-c", script, "bash", p], capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        got = [ln.split("|") for ln in r.stdout.splitlines()]
        self.assertEqual([g[2] for g in got], ["INFO", "SKIP", "SKIP", "SKIP", "SKIP", "INFO", "INFO"])
        self.assertIn("reference 790 TFLOP/s · target -", got[0][3])
        self.assertIn("(within)", got[5][3])

    def test_table(self):
        t = hc.format_table(["a", "bb"], [["xxx", None], [1, 2]]).splitlines()
        self.assertEqual(t, ["a    bb", "---  --", "xxx", "1    2"])

    def test_profile_line(self):
        import hf_rows
        ms = {"frozen_matmul": 60.0, "nf4_dequant": 0.0, "lora": 10.0, "attention": 5.0, "attention_backward": 20.0,
              "elementwise": 3.0, "loss_head": 1.5, "optimizer": 0.5, "step": 100.0}
        line = hf_rows.profile_line({"profile_ms": ms})
        self.assertEqual(line, "step 100 ms: frozen_matmul 60 ms (60 %), attention_backward 20 ms (20 %), lora 10 ms (10 %), "
                               "attention 5 ms (5 %), elementwise 3 ms (3 %), loss_head 1.5 ms (2 %), optimizer 0.5 ms (1 %), "
                               "other 0 ms (0 %)")
        # Phases summing past the wall time (device and host clocks disagree) show as a negative "other", not hidden.
        self.assertTrue(hf_rows.profile_line({"profile_ms": dict(ms, step=99.0)}).endswith("other -1 ms (-1 %)"))
        with self.assertRaises(ValueError):
            hf_rows.profile_line({"profile_ms": dict(ms, step=0.0)})
        with self.assertRaises(ValueError):
            hf_rows.profile_line({"profile_ms": dict(ms, step=float("nan"))})
        # Long steps in whole milliseconds, never in exponent notation; halves round up, as in the TypeScript.
        long = hf_rows.profile_line({"profile_ms": dict(ms, frozen_matmul=12345.6, step=24691.0)})
        self.assertTrue(long.startswith("step 24691 ms: frozen_matmul 12346 ms (50 %), "), long)
        self.assertIn("optimizer 0.5 ms (0 %)", long)
        tiny = hf_rows.profile_line({"profile_ms": dict(ms, optimizer=0.00005, step=99.50005)})
        self.assertIn("optimizer 0.00005 ms (0 %)", tiny)
        self.assertTrue(tiny.endswith("other 0 ms (0 %)"), tiny)


if __name__ == "__main__":
    unittest.main()
