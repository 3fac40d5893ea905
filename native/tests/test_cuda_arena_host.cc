// The CUDA model's device arena plan (native/cuda/host/arena_plan.h) on the CPU: every buffer of a B x T step
// at a 256-byte aligned offset with no overlaps, what checkpointing and the loss head's row chunks change, the
// activation estimate CudaLlama::activation_bytes reports (checked against a hand count for the tiny test
// model's config), and the memory report / out-of-memory message text.
#include <algorithm>
#include <string>

#include "harness.h"
#include "host/arena_plan.h"
#include "test_model_util.h"

using namespace tf::cuda;

namespace {

// The tiny test model's config (test_model_ref.h TinySpec), read back through the real loader.
ModelDims tiny_dims(bool nf4, int rank, std::array<bool, kArenaProjections> adapted) {
  tf::ThreadPool pool(1);
  tf_test::TinySpec s;
  s.nf4 = nf4;
  tf_test::Loaded t = tf_test::load_tiny(s, pool);
  return model_dims(t.m->config(), nf4, rank, adapted);
}

const std::array<bool, kArenaProjections> kQkvo{true, true, true, true, false, false, false};
const std::array<bool, kArenaProjections> kAll{true, true, true, true, true, true, true};

void check_layout(const ArenaPlan& p) {
  std::vector<ArenaBuffer> b = p.buffers;
  std::sort(b.begin(), b.end(), [](const ArenaBuffer& x, const ArenaBuffer& y) { return x.offset < y.offset; });
  for (size_t i = 0; i < b.size(); ++i) {
    CHECK_EQ(b[i].offset % kArenaAlign, 0);
    CHECK(b[i].bytes >= 0);
    CHECK(b[i].offset + b[i].bytes <= p.total);
    if (i + 1 < b.size()) CHECK(b[i].offset + b[i].bytes <= b[i + 1].offset);  // no overlap
  }
  CHECK_EQ(p.total % kArenaAlign, 0);
}

StepShape shape(int64_t B, int64_t T, StepMode m, bool ckpt = false) {
  StepShape s;
  s.B = B, s.T = T, s.mode = m, s.checkpointing = ckpt;
  return s;
}

}  // namespace

TEST(align_up_rounds_to_256) {
  CHECK_EQ(align_up(0), 0);
  CHECK_EQ(align_up(1), 256);
  CHECK_EQ(align_up(256), 256);
  CHECK_EQ(align_up(257), 512);
  CHECK_THROWS(align_up(-1), "negative");
}

// Phi-3: q's slot is qkv_proj and gate's gate_up_proj (their NF4 expansions the largest), and every mode's plan has
// one scratch buffer for a fused output before its columns are split, or the parts' gradients joined.
TEST(fused_projections_phi3) {
  tf::ThreadPool pool(1);
  tf_test::TinySpec s;
  s.phi3 = true, s.nf4 = true;
  tf_test::Loaded t = tf_test::load_tiny(s, pool);
  const ModelDims d = model_dims(t.m->config(), true, 4, kAll);
  CHECK(d.fused.qkv && d.fused.gate_up);
  CHECK_EQ(d.proj_out(0), 32 + 2 * 16);
  CHECK_EQ(d.proj_out(4), 2 * 48);
  CHECK_EQ(d.fused_width(), 96);
  CHECK_EQ(d.dequant_elems, 96 * 32);  // gate_up_proj
  for (StepMode m : {StepMode::Train, StepMode::Loss, StepMode::Logits}) {
    const ArenaPlan p = plan_step(d, shape(2, 5, m), KernelScratch{});
    check_layout(p);
    const ArenaBuffer* f = p.find("fused_projection");
    REQUIRE(f != nullptr);
    CHECK_EQ(f->bytes, 2 * 5 * 96 * 2);
    CHECK_EQ(f->offset, p.fused);
    CHECK(f->category == Category::Scratch);
  }
  const ModelDims llama = tiny_dims(true, 4, kAll);
  CHECK(!llama.fused.any() && llama.fused_width() == 0);
  CHECK(plan_step(llama, shape(2, 5, StepMode::Train), KernelScratch{}).find("fused_projection") == nullptr);
}

TEST(model_dims_from_tiny_config) {
  const ModelDims d = tiny_dims(false, 4, kQkvo);
  CHECK_EQ(d.H, 32);
  CHECK_EQ(d.I, 48);
  CHECK_EQ(d.V, 37);
  CHECK_EQ(d.L, 2);
  CHECK_EQ(d.qd(), 32);
  CHECK_EQ(d.kvd(), 16);
  CHECK_EQ(d.proj_in(3), 32);   // o_proj reads the attention output
  CHECK_EQ(d.proj_out(1), 16);  // k_proj
  CHECK_EQ(d.proj_in(6), 48);   // down_proj
  CHECK_EQ(d.dequant_elems, 0);
  // NF4: dequant buffers as large as the largest projection (gate/up/down: 48 x 32).
  CHECK_EQ(tiny_dims(true, 4, kQkvo).dequant_elems, 48 * 32);
}

TEST(every_mode_is_aligned_without_overlaps) {
  const ModelDims d = tiny_dims(true, 4, kAll);
  KernelScratch k{1000, 500, 300};
  for (StepMode m : {StepMode::Train, StepMode::Loss, StepMode::Logits})
    for (bool ckpt : {false, true}) {
      const ArenaPlan p = plan_step(d, shape(3, 7, m, ckpt), k);
      check_layout(p);
      CHECK_EQ(p.xs.size(), size_t(d.L + 1));
      CHECK(p.tokens >= 0 && p.positions >= 0 && p.seg_start >= 0 && p.xf >= 0);
      // Two NF4 buffers of the largest projection: the one multiplied and the next, expanded meanwhile.
      CHECK(p.dequant[0] >= 0 && p.dequant[1] >= 0 && p.dequant[0] != p.dequant[1]);
      CHECK_EQ(p.find("nf4_dequant")->bytes, 48 * 32 * 2);
      CHECK_EQ(p.find("nf4_dequant_ahead")->bytes, 48 * 32 * 2);
      CHECK(p.lora_scratch >= 0);
    }
}

TEST(train_keeps_every_layer_and_checkpointing_one) {
  const ModelDims d = tiny_dims(false, 4, kQkvo);
  const ArenaPlan full = plan_step(d, shape(2, 6, StepMode::Train), {});
  const ArenaPlan ckpt = plan_step(d, shape(2, 6, StepMode::Train, true), {});
  CHECK_EQ(full.layers.size(), size_t(2));
  CHECK(full.layers[0].q != full.layers[1].q);
  // Checkpointing: a set per layer that differ only in the attention block's tensors — q, k, v, the attention
  // output and log-sum-exp, x2 — kept from the forward pass, so the recompute runs neither the attention nor the
  // q/k/v/o projections; everything else is one set that every layer reuses.
  REQUIRE(ckpt.layers.size() == size_t(2));
  const LayerSlots &c0 = ckpt.layers[0], &c1 = ckpt.layers[1];
  CHECK(c0.att != c1.att && c0.lse != c1.lse && c0.q != c1.q && c0.k != c1.k && c0.v != c1.v && c0.x2 != c1.x2);
  CHECK(c0.xn1 == c1.xn1 && c0.xn2 == c1.xn2 && c0.g == c1.g && c0.u == c1.u && c0.h == c1.h &&
        c0.lora_u == c1.lora_u);
  // And it adds no buffer besides: the recompute writes no layer output (it would only be x_{l+1}, kept already).
  int64_t one_set = 0, kept_att = 0, kept_inputs = 0;
  for (const ArenaBuffer& b : full.buffers) {
    if (b.name.rfind("layer1.", 0) != 0) continue;
    one_set += b.bytes;
    if (b.name == "layer1.att" || b.name == "layer1.lse") kept_att += b.bytes;
    if (b.name == "layer1.q" || b.name == "layer1.k" || b.name == "layer1.v" || b.name == "layer1.x2")
      kept_inputs += b.bytes;
  }
  CHECK(one_set > 0);
  CHECK_EQ(kept_att, int64_t(2 * 6 * 32 * 2 + 2 * 4 * 6 * 4));           // N·qd bf16 + B·nh·T fp32
  CHECK_EQ(kept_inputs, int64_t(2 * 6 * (32 + 2 * 16 + 32) * 2));        // N·(qd + 2·kvd + H) bf16
  CHECK_EQ(ckpt.bytes(Category::Activations), full.bytes(Category::Activations) - one_set + kept_att + kept_inputs);
  CHECK(ckpt.kept_attention && ckpt.kept_attention_inputs && !full.kept_attention && !full.kept_attention_inputs);
  CHECK(&ckpt.layer(1) == &ckpt.layers[1] && &full.layer(1) == &full.layers[1]);
  // With less room (keep_attention_inputs off, dropped first): only the attention output and lse are kept, and
  // the recompute redoes the q/k/v/o projections.
  StepShape less = shape(2, 6, StepMode::Train, true);
  less.keep_attention_inputs = false;
  const ArenaPlan att_only = plan_step(d, less, {});
  REQUIRE(att_only.layers.size() == size_t(2));
  CHECK(att_only.kept_attention && !att_only.kept_attention_inputs);
  CHECK(att_only.layers[0].att != att_only.layers[1].att && att_only.layers[0].q == att_only.layers[1].q &&
        att_only.layers[0].x2 == att_only.layers[1].x2);
  CHECK_EQ(att_only.bytes(Category::Activations), ckpt.bytes(Category::Activations) - kept_inputs);
  // Without room for them either (keep_attention off): one set for every layer, and the recompute redoes the
  // attention.
  StepShape tight = shape(2, 6, StepMode::Train, true);
  tight.keep_attention = false;
  const ArenaPlan redo = plan_step(d, tight, {});
  CHECK_EQ(redo.layers.size(), size_t(1));
  CHECK(!redo.kept_attention && !redo.kept_attention_inputs);
  CHECK(&redo.layer(1) == &redo.layers[0]);  // every layer reuses the one set
  CHECK_EQ(redo.bytes(Category::Activations), ckpt.bytes(Category::Activations) - kept_att - kept_inputs);
  MemoryTotals t;
  CHECK(format_memory_report(t).find("recomputed") == std::string::npos);
  CHECK(format_memory_report(t).find("turned on") == std::string::npos);
  t.checkpointing_turned_on = true;
  CHECK(format_memory_report(t).find("  checkpointing: turned on (without it, keeping every layer's activations would not fit)\n") != std::string::npos);
  t.checkpointing_turned_on = false;
  t.attention_inputs_off = true;
  CHECK(format_memory_report(t).find("  checkpointing: q, k, v and o projections recomputed in backward (TF_CUDA_KEEP_ATTENTION_INPUTS=0)\n") != std::string::npos);
  t.attention_inputs_recomputed = true;
  CHECK(format_memory_report(t).find("  checkpointing: q, k, v and o projections recomputed in backward (keeping each layer's q, k, v and x2 would not fit)\n") != std::string::npos);
  t.attention_recomputed = true;  // says the larger recompute only
  CHECK(format_memory_report(t).find("  checkpointing: attention recomputed in backward (keeping each layer's output would not fit)\n") != std::string::npos);
  CHECK(format_memory_report(t).find("projections recomputed") == std::string::npos);
  // The NF4 expansions' line only for a model with NF4 weights.
  CHECK(format_memory_report(t).find("NF4") == std::string::npos);
  t.nf4_weights_last_pass = 37, t.nf4_expanded_ahead = 36;
  CHECK(format_memory_report(t).find("  NF4 weights expanded ahead on a second stream: 36 of 37 in the last pass\n") != std::string::npos);
  t.nf4_expanded_ahead = 0, t.nf4_first_pass_of_kind = true;  // a run's first step
  CHECK(format_memory_report(t).find("  NF4 weights: none expanded ahead in the last pass, the first of its kind (37 asked "
                                     "for); from the next one on, a second stream expands each next weight ahead\n") != std::string::npos);
  t.nf4_expand_ahead = false;  // TF_CUDA_DEQUANT_AHEAD=0
  CHECK(format_memory_report(t).find("  NF4 weights: none expanded ahead (TF_CUDA_DEQUANT_AHEAD=0), 37 asked for in the last pass\n") != std::string::npos);
  // All L+1 layer inputs are distinct buffers in training (backward starts from them).
  for (size_t i = 0; i + 1 < full.xs.size(); ++i) CHECK(full.xs[i] != full.xs[i + 1]);
  // LoRA intermediates only for adapted projections.
  CHECK(full.layers[0].lora_u[0] >= 0);
  CHECK_EQ(full.layers[0].lora_u[4], -1);
  CHECK(ckpt.bytes(Category::Activations) < full.bytes(Category::Activations));
  CHECK(full.dq >= 0 && full.dx_a >= 0 && full.attn_scratch >= 0 && full.ce_results >= 0);
}

TEST(forward_only_modes_alternate_two_residual_buffers) {
  const ModelDims d = tiny_dims(false, 0, {});
  const ArenaPlan p = plan_step(d, shape(1, 5, StepMode::Loss), {});
  CHECK(p.xs[0] != p.xs[1]);
  CHECK_EQ(p.xs[0], p.xs[2]);
  CHECK_EQ(p.layers.size(), size_t(1));
  CHECK_EQ(p.dq, -1);
  CHECK_EQ(p.lora_scratch, -1);  // no adapter attached
  CHECK_EQ(p.layers[0].lora_u[0], -1);
  CHECK(p.logits >= 0 && p.logits_f32 == -1 && p.targets >= 0);
  const ArenaPlan lg = plan_step(d, shape(1, 5, StepMode::Logits), {});
  CHECK(lg.logits_f32 >= 0 && lg.logits == -1 && lg.targets == -1 && lg.ce_results == -1);
  CHECK_EQ(lg.find("logits_f32")->bytes, 5 * 37 * 4);
}

TEST(loss_head_chunks_rows) {
  const ModelDims d = tiny_dims(false, 4, kQkvo);
  StepShape s = shape(3, 2000, StepMode::Train);  // 6000 rows: chunks of 2048
  CHECK_EQ(s.chunk_rows(), 2048);
  CHECK_EQ(s.logits_chunks(), 3);
  const ArenaPlan p = plan_step(d, s, {});
  CHECK_EQ(p.find("logits")->bytes, 2048 * 37 * 2);
  CHECK_EQ(p.find("ce_results")->bytes, 3 * kCeSumDeviceBytes);
  CHECK_EQ(p.bytes(Category::Logits), 2048 * 37 * 2);
  s = shape(1, 10, StepMode::Train);  // fewer rows than a chunk: one chunk of exactly N rows
  CHECK_EQ(s.chunk_rows(), 10);
  CHECK_EQ(s.logits_chunks(), 1);
  s.logits_chunk_rows = 3;
  CHECK_EQ(s.logits_chunks(), 4);
}

TEST(kernel_scratch_sizes_are_honoured) {
  const ModelDims d = tiny_dims(false, 4, kQkvo);
  const ArenaPlan p = plan_step(d, shape(2, 6, StepMode::Train), KernelScratch{111, 222, 333});
  CHECK_EQ(p.find("attention_bwd_scratch")->bytes, 111 * 4);
  CHECK_EQ(p.find("ce_scratch")->bytes, 222 * 4);
  CHECK_EQ(p.find("lora_scratch")->bytes, 333 * 2);
  CHECK_EQ(p.bytes(Category::Scratch) + p.bytes(Category::Activations) + p.bytes(Category::Logits) <= p.total,
           true);
  CHECK_THROWS(plan_step(d, shape(0, 6, StepMode::Train), {}), "B >= 1");
}

// What CudaLlama::activation_bytes returns (activation_bytes_estimate with the model's dims) equals a hand
// count of the buffers forward_backward keeps, for the tiny model (H 32, I 48, V 37, L 2, nh 4, nkv 2, hd 8).
TEST(activation_estimate_matches_hand_count_for_tiny_model) {
  const ModelDims d = tiny_dims(true, 4, kQkvo);
  const int64_t B = 2, T = 6, N = 12, H = 32, I = 48, V = 37, qd = 32, kvd = 16, nh = 4, r = 4;
  const int64_t per_layer = 2 * N * (3 * H + 2 * qd + 2 * kvd + 3 * I) + 4 * 2 * N + 4 * B * nh * T +
                            4 /*q,k,v,o adapted*/ * 2 * N * r;
  const int64_t residual = (2 + 1) * 2 * N * H;  // x_0..x_2
  const int64_t final_norm = 2 * N * H + 4 * N;
  const int64_t logits = 2 * N * V;
  CHECK_EQ(activation_bytes_estimate(d, B, T, false), residual + 2 * per_layer + final_norm + logits);
  // Per layer beyond the first, with checkpointing: the attention block's q, k, v, output, lse and x2.
  const int64_t kept_block = 2 * N * (2 * qd + 2 * kvd + H) + 4 * B * nh * T;
  CHECK_EQ(activation_bytes_estimate(d, B, T, true), residual + per_layer + kept_block + final_norm + logits);
  const ArenaPlan p = plan_step(d, shape(B, T, StepMode::Train), {});
  CHECK_EQ(activation_bytes_estimate(d, B, T, false), p.bytes(Category::Activations) + p.bytes(Category::Logits));
}

// Qwen3's q/k norms: q and k before the norm (bf16) and a rstd per head (fp32), in every layer set; with
// checkpointing they are kept per layer with the attention's other inputs, since the recompute then skips the norms.
TEST(qk_norm_adds_the_norms_inputs_to_each_layer_and_to_the_kept_attention_inputs) {
  ModelDims d = tiny_dims(false, 4, kQkvo);
  CHECK(!d.qk_norm);
  const ArenaPlan plain = plan_step(d, shape(2, 6, StepMode::Train), {});
  CHECK_EQ(plain.layers[0].q_raw, -1);
  d.qk_norm = true;
  const int64_t N = 12, qd = 32, kvd = 16, nh = 4, nkv = 2;
  const int64_t norm_inputs = N * (qd + kvd) * 2 + N * (nh + nkv) * 4;
  const ArenaPlan full = plan_step(d, shape(2, 6, StepMode::Train), {});
  check_layout(full);
  CHECK(full.layers[0].q_raw >= 0 && full.layers[1].q_raw >= 0 && full.layers[0].q_raw != full.layers[1].q_raw);
  CHECK(full.layers[0].rstd_k >= 0);
  CHECK_EQ(full.find("layer0.q_raw")->bytes, N * qd * 2);
  CHECK_EQ(full.find("layer0.rstd_q")->bytes, N * nh * 4);
  CHECK_EQ(full.bytes(Category::Activations), plain.bytes(Category::Activations) + 2 * norm_inputs);
  const ArenaPlan ckpt = plan_step(d, shape(2, 6, StepMode::Train, true), {});
  check_layout(ckpt);
  CHECK(ckpt.kept_attention_inputs && ckpt.layers[0].q_raw != ckpt.layers[1].q_raw &&
        ckpt.layers[0].rstd_q != ckpt.layers[1].rstd_q);
  StepShape less = shape(2, 6, StepMode::Train, true);
  less.keep_attention_inputs = false;  // the recompute redoes the projections and the norms: one set serves
  const ArenaPlan att_only = plan_step(d, less, {});
  CHECK(att_only.layers[0].q_raw == att_only.layers[1].q_raw);
  CHECK_EQ(ckpt.bytes(Category::Activations) - att_only.bytes(Category::Activations),
           N * (qd + 2 * kvd + 32) * 2 + norm_inputs);  // q, k, v, x2 and the norms' inputs of the second layer
  // Decoding and forward-only passes have them too: the projections write there before the norm.
  CHECK(plan_step(d, shape(1, 6, StepMode::Logits), {}).layers[0].k_raw >= 0);
}

// Gemma 3's output norms: o_proj's and down_proj's outputs (bf16) and each norm's rstd (fp32) in every layer set;
// with checkpointing o_proj's is kept per layer with the attention's inputs (the recompute then skips o_proj), down's
// is rebuilt. A windowed model has one more int32 per row: the sliding layers' first visible keys.
TEST(sandwich_norms_and_windows_add_their_buffers) {
  ModelDims d = tiny_dims(false, 4, kQkvo);
  const ArenaPlan plain = plan_step(d, shape(2, 6, StepMode::Train), {});
  CHECK_EQ(plain.layers[0].ao, -1);
  CHECK_EQ(plain.window_start, -1);
  d.sandwich = d.windowed = true;
  const int64_t N = 12, H = 32;
  const int64_t per_set = 2 * (N * H * 2 + N * 4);
  const ArenaPlan full = plan_step(d, shape(2, 6, StepMode::Train), {});
  check_layout(full);
  CHECK(full.layers[0].ao >= 0 && full.layers[1].mo >= 0 && full.layers[0].ao != full.layers[1].ao);
  CHECK_EQ(full.find("layer1.rstd_mo")->bytes, N * 4);
  CHECK_EQ(full.bytes(Category::Activations), plain.bytes(Category::Activations) + 2 * per_set);
  CHECK_EQ(full.find("window_start")->bytes, N * 4);
  const ArenaPlan ckpt = plan_step(d, shape(2, 6, StepMode::Train, true), {});
  check_layout(ckpt);
  CHECK(ckpt.layers[0].ao != ckpt.layers[1].ao && ckpt.layers[0].rstd_ao != ckpt.layers[1].rstd_ao);
  CHECK(ckpt.layers[0].mo == ckpt.layers[1].mo);  // rebuilt by the recompute: one shared
  StepShape less = shape(2, 6, StepMode::Train, true);
  less.keep_attention_inputs = false;
  const ArenaPlan att_only = plan_step(d, less, {});
  CHECK(att_only.layers[0].ao == att_only.layers[1].ao);
  CHECK_EQ(ckpt.bytes(Category::Activations) - att_only.bytes(Category::Activations),
           N * (32 + 2 * 16 + H) * 2 + N * H * 2 + N * 4);  // q, k, v, x2, and o's output with its rstd
  CHECK(plan_step(d, shape(1, 6, StepMode::Logits), {}).layers[0].mo >= 0);  // decoding normalizes too
  // From a config: Gemma 3 sets both; a window on no layer is no window.
  tf::ModelConfig c;
  c.hidden_size = 32, c.intermediate_size = 64, c.vocab_size = 50, c.num_hidden_layers = 2;
  c.num_attention_heads = 4, c.num_key_value_heads = 2, c.head_dim = 8, c.sandwich_norms = true;
  c.sliding_window = 4, c.layer_sliding = {0, 0};
  CHECK(model_dims(c, false, 0, {}).sandwich && !model_dims(c, false, 0, {}).windowed);
  c.layer_sliding = {1, 0};
  CHECK(model_dims(c, false, 0, {}).windowed);
}

// OLMo 2 and 3 have no input norms: no xn1 / xn2 and no statistics in any layer set (2·(N·H bf16 + N fp32) less per
// set); the sublayers read the layer input and x2 where they are kept.
TEST(no_input_norms_no_normed_input_buffers) {
  ModelDims d = tiny_dims(false, 4, kQkvo);
  d.sandwich = true;
  const ArenaPlan with = plan_step(d, shape(2, 6, StepMode::Train), {});
  d.input_norms = false;
  const ArenaPlan without = plan_step(d, shape(2, 6, StepMode::Train), {});
  check_layout(without);
  const int64_t N = 12, H = 32;
  for (const auto& set : without.layers) CHECK(set.xn1 == -1 && set.xn2 == -1 && set.rstd1 == -1 && set.rstd2 == -1);
  CHECK_EQ(with.bytes(Category::Activations) - without.bytes(Category::Activations),
           int64_t(without.layers.size()) * 2 * (N * H * 2 + N * 4));
  CHECK(plan_step(d, shape(1, 6, StepMode::Logits), {}).layers[0].xn1 == -1);  // decoding alike
  tf::ModelConfig c;
  c.hidden_size = 32, c.intermediate_size = 64, c.vocab_size = 50, c.num_hidden_layers = 2;
  c.num_attention_heads = 4, c.num_key_value_heads = 2, c.head_dim = 8, c.input_norms = false;
  CHECK(!model_dims(c, false, 0, {}).input_norms);
}

TEST(memory_report_and_oom_message) {
  CHECK_EQ(format_bytes(812), std::string("812 B"));
  CHECK_EQ(format_bytes(1536), std::string("1.50 KiB"));
  CHECK_EQ(format_bytes(int64_t(3) << 30), std::string("3.00 GiB"));
  CHECK_EQ(format_bytes(-1), std::string("unknown"));
  MemoryTotals t;
  t.frozen_weights = 5 << 20, t.lora_and_optimizer = 1 << 20, t.activations = 2 << 20, t.scratch = 1 << 20;
  t.logits_chunk = 1 << 10, t.arena_capacity = 4 << 20, t.device_free = int64_t(10) << 30;
  t.device_total = int64_t(80) << 30;
  CHECK(format_memory_report(t).find("GEMMs") == std::string::npos);  // not said when not known
  CHECK(format_memory_report(t).find("cuBLASLt workspace") == std::string::npos);  // none held: not said
  MemoryTotals with_workspace = t;
  with_workspace.gemm_workspace = 32 << 20;
  const std::string w = format_memory_report(with_workspace);
  CHECK(w.find("  cuBLASLt workspace: 32.00 MiB\n") != std::string::npos);
  CHECK(w.find("total held: 42.00 MiB") != std::string::npos);
  t.gemms = "cublaslt 12.8.4 (libcublasLt.so.12)";
  const std::string r = format_memory_report(t);
  // Before the totals: the tests (and readers) that find "device: ..." last still do.
  CHECK(r.find("  GEMMs: cublaslt 12.8.4 (libcublasLt.so.12)\n  total held: ") != std::string::npos);
  for (const char* want : {"frozen weights: 5.00 MiB", "LoRA + optimizer: 1.00 MiB", "activations: 2.00 MiB",
                           "scratch: 1.00 MiB", "logits chunk: 1.00 KiB", "arena allocated: 4.00 MiB",
                           "total held: 10.00 MiB", "10.00 GiB free of 80.00 GiB"})
    CHECK(r.find(want) != std::string::npos);
  const std::string m = out_of_memory_message("the activation arena", 3 << 20, 1 << 20, int64_t(8) << 30);
  for (const char* want : {"the activation arena", "3.00 MiB", "3145728 bytes", "1.00 MiB free of 8.00 GiB",
                           "batch_size", "max_seq_len", "gradient_checkpointing"})
    CHECK(m.find(want) != std::string::npos);
  // A caller's own advice replaces the trainer's.
  const std::string kv = out_of_memory_message("the KV cache (keys)", 4096, 0, int64_t(8) << 30, "Generate less.");
  CHECK(kv.find("of 8.00 GiB. Generate less.") != std::string::npos);
  CHECK(kv.find("batch_size") == std::string::npos);
}

// LFM2: a conv layer's slot set holds in_proj's output (3·H), the convolution and its gated output (att, H wide) in
// place of q, k, v and lse, and the LoRA intermediates of in_proj and out_proj in place of q/k/v/o's; the set every
// layer reuses (checkpointing, forward-only passes) serves both kinds. Checkpointed, a conv layer keeps its gated output
// and, with the attention inputs, in_proj's output and x2; the backward has in_proj's gradient as scratch.
TEST(lfm2_conv_layers_have_their_own_slots) {
  tf::ThreadPool pool(1);
  tf_test::TinySpec s;
  s.lfm2 = true, s.nf4 = true, s.L = 3;  // layers 0 and 2 convolve, layer 1 attends
  tf_test::Loaded t = tf_test::load_tiny(s, pool);
  std::array<bool, kArenaProjections> all{};
  all.fill(true);
  const ModelDims d = model_dims(t.m->config(), true, 4, all);
  CHECK(d.has_conv() && d.has_attention() && d.conv(0) && !d.conv(1) && d.conv(2));
  CHECK_EQ(d.conv_kernel, 3);
  CHECK_EQ(d.proj_out(7), 3 * 32);  // in_proj: B, C, x
  CHECK_EQ(d.proj_in(8), 32);       // out_proj
  CHECK_EQ(d.dequant_elems, 3 * 32 * 32);  // in_proj, wider than the MLP's 48 x 32
  const int64_t B = 2, T = 6, N = 12, H = 32, r = 4;
  const ArenaPlan p = plan_step(d, shape(B, T, StepMode::Train), {});
  check_layout(p);
  REQUIRE(p.layers.size() == 3u);
  const LayerSlots &conv = p.layers[0], &attn = p.layers[1];
  CHECK(conv.q == -1 && conv.k == -1 && conv.v == -1 && conv.lse == -1 && conv.q_raw == -1);
  CHECK(attn.bcx == -1 && attn.conv == -1 && attn.q >= 0 && attn.q_raw >= 0);  // LFM2's attention has q/k norms
  CHECK_EQ(p.find("layer0.bcx")->bytes, N * 3 * H * 2);
  CHECK_EQ(p.find("layer0.conv")->bytes, N * H * 2);
  CHECK_EQ(p.find("layer0.att")->bytes, N * H * 2);
  for (int q = 0; q < 4; ++q) CHECK(conv.lora_u[size_t(q)] == -1 && attn.lora_u[size_t(q)] >= 0);
  for (int q = 7; q < 9; ++q) CHECK(conv.lora_u[size_t(q)] >= 0 && attn.lora_u[size_t(q)] == -1);
  for (int q = 4; q < 7; ++q) CHECK(conv.lora_u[size_t(q)] >= 0 && attn.lora_u[size_t(q)] >= 0);
  // A conv layer's set by hand: xn1, rstd1, bcx, conv, att, x2, xn2, rstd2, g, u, h, and 5 LoRA intermediates.
  int64_t layer0 = 0;
  for (const ArenaBuffer& b : p.buffers)
    if (b.name.rfind("layer0.", 0) == 0) layer0 += b.bytes;
  CHECK_EQ(layer0, 2 * N * (H + 3 * H + H + H + H + H + 3 * 48) + 2 * 4 * N + 5 * 2 * N * r);
  CHECK_EQ(p.find("dbcx")->bytes, N * 3 * H * 2);
  CHECK_EQ(p.find("datt")->bytes, N * H * 2);  // qd = H on LFM2
  CHECK_EQ(activation_bytes_estimate(d, B, T, false), p.bytes(Category::Activations) + p.bytes(Category::Logits));

  const ArenaPlan ckpt = plan_step(d, shape(B, T, StepMode::Train, true), {});
  check_layout(ckpt);
  const LayerSlots &shared = ckpt.layers[0], &kept_attn = ckpt.layers[1], &kept_conv = ckpt.layers[2];
  CHECK(shared.q >= 0 && shared.bcx >= 0 && shared.conv >= 0);  // both kinds
  CHECK(shared.lora_u[0] >= 0 && shared.lora_u[7] >= 0);
  CHECK(kept_attn.att != shared.att && kept_attn.q != shared.q && kept_attn.bcx == shared.bcx);
  CHECK(kept_conv.att != shared.att && kept_conv.bcx != shared.bcx && kept_conv.x2 != shared.x2);
  CHECK(kept_conv.conv == shared.conv && kept_conv.q == shared.q);  // the recompute redoes the convolution
  CHECK_EQ(ckpt.find("layer2.att")->bytes, N * H * 2);
  CHECK_EQ(ckpt.find("layer2.bcx")->bytes, N * 3 * H * 2);
  StepShape less = shape(B, T, StepMode::Train, true);
  less.keep_attention_inputs = false;
  const ArenaPlan att_only = plan_step(d, less, {});
  CHECK(att_only.layers[2].att != att_only.layers[0].att && att_only.layers[2].bcx == att_only.layers[0].bcx);
  // Forward-only passes: one set for both kinds, its att as wide as either kind's output.
  const ArenaPlan logits = plan_step(d, shape(1, T, StepMode::Logits), {});
  check_layout(logits);
  CHECK(logits.layers.size() == 1u && logits.layers[0].bcx >= 0 && logits.layers[0].q >= 0);
  CHECK(logits.dbcx == -1);
}
