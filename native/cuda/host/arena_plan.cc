#include "host/arena_plan.h"

#include <algorithm>
#include <cstdio>

#include "common/error.h"

namespace tf::cuda {

int64_t align_up(int64_t n, int64_t alignment) {
  TF_CHECK(n >= 0 && alignment > 0, "align_up: negative size or non-positive alignment");
  return (n + alignment - 1) / alignment * alignment;
}

bool ModelDims::has_conv() const { return std::find(layer_conv.begin(), layer_conv.end(), 1) != layer_conv.end(); }
bool ModelDims::has_attention() const {
  return layer_conv.empty() || std::find(layer_conv.begin(), layer_conv.end(), 0) != layer_conv.end();
}

int64_t ModelDims::proj_in(int p) const {
  switch (p) {
    case 3: return qd();      // o_proj
    case 6: return I;         // down_proj
    default: return H;        // q, k, v, gate, up, conv in, conv out
  }
}
int64_t ModelDims::proj_out(int p) const {
  switch (p) {
    case 0: return fused.qkv ? qd() + 2 * kvd() : qd();
    case 1: case 2: return kvd();
    case 4: return fused.gate_up ? 2 * I : I;
    case 5: return I;
    case 7: return 3 * H;     // conv in_proj: B, C, x
    default: return H;        // o, down, conv out_proj
  }
}

ModelDims model_dims(const ModelConfig& c, bool nf4, int lora_rank,
                     const std::array<bool, kArenaProjections>& adapted) {
  ModelDims d;
  d.H = c.hidden_size, d.I = c.intermediate_size, d.V = c.vocab_size, d.L = c.num_hidden_layers;
  d.nh = c.num_attention_heads, d.nkv = c.num_key_value_heads, d.hd = c.head_dim;
  TF_CHECK(d.H > 0 && d.I > 0 && d.V > 0 && d.L > 0 && d.nh > 0 && d.nkv > 0 && d.hd > 0,
           "model_dims: the model config has a non-positive size");
  d.rank = lora_rank;
  d.adapted = adapted;
  d.qk_norm = c.qk_norm;
  d.sandwich = c.sandwich_norms;
  d.input_norms = c.input_norms;
  for (char s : c.layer_sliding) d.windowed |= s && c.sliding_window > 0;
  d.fused = c.fused;
  d.layer_conv = c.layer_conv;
  d.conv_kernel = c.conv_kernel;
  // The projections the model has: attention's where some layer attends, the conv layers' where some convolves.
  auto present = [&](int p) { return p >= 7 ? d.has_conv() : p >= 4 || d.has_attention(); };
  if (nf4)
    for (int p = 0; p < kArenaProjections; ++p)
      if (present(p)) d.dequant_elems = std::max(d.dequant_elems, d.proj_in(p) * d.proj_out(p));
  return d;
}

int64_t StepShape::chunk_rows() const { return std::min(rows(), logits_chunk_rows); }
int64_t StepShape::logits_chunks() const { return (rows() + chunk_rows() - 1) / chunk_rows(); }

const char* category_name(Category c) {
  switch (c) {
    case Category::Activations: return "activations";
    case Category::Scratch: return "scratch";
    case Category::Logits: return "logits chunk";
  }
  return "?";
}

namespace {

// Appends buffers at aligned offsets; every buffer gets its own range, so no two overlap.
struct Builder {
  ArenaPlan& plan;
  int64_t add(const std::string& name, Category c, int64_t bytes) {
    TF_CHECK(bytes >= 0, "arena plan: buffer " + name + " has a negative size");
    const int64_t off = align_up(plan.total);
    plan.buffers.push_back({name, c, bytes, off});
    plan.total = off + bytes;
    return off;
  }
};

// Qwen3: q and k before their per-head norm, and its statistics, which the norm's backward reads.
void add_qk_norm_inputs(Builder& b, const ModelDims& d, int64_t N, const std::string& pre, LayerSlots& s) {
  const auto A = Category::Activations;
  s.q_raw = b.add(pre + "q_raw", A, N * d.qd() * 2);
  s.k_raw = b.add(pre + "k_raw", A, N * d.kvd() * 2);
  s.rstd_q = b.add(pre + "rstd_q", A, N * d.nh * 4);
  s.rstd_k = b.add(pre + "rstd_k", A, N * d.nkv * 4);
}

// Gemma 3: o_proj's output and its norm's statistics (kept with the attention's inputs under checkpointing).
void add_attention_out_norm_input(Builder& b, const ModelDims& d, int64_t N, const std::string& pre, LayerSlots& s) {
  s.ao = b.add(pre + "ao", Category::Activations, N * d.H * 2);
  s.rstd_ao = b.add(pre + "rstd_ao", Category::Activations, N * 4);
}

// LFM2's conv layer: in_proj's output and the convolution, which its backward reads.
void add_conv_inputs(Builder& b, const ModelDims& d, int64_t N, const std::string& pre, LayerSlots& s) {
  s.bcx = b.add(pre + "bcx", Category::Activations, N * 3 * d.H * 2);
  s.conv = b.add(pre + "conv", Category::Activations, N * d.H * 2);
}

// What a slot set serves: an attention layer, one of LFM2's conv layers, or both kinds (the one set every layer
// reuses, of a model that has both).
struct LayerKinds {
  bool attention = true, conv = false;
};
LayerKinds kinds_of_layer(const ModelDims& d, int64_t l) { return {!d.conv(l), d.conv(l)}; }
LayerKinds kinds_of_model(const ModelDims& d) { return {d.has_attention(), d.has_conv()}; }

LayerSlots add_layer(Builder& b, const ModelDims& d, int64_t N, int64_t B, int64_t T, const std::string& pre,
                     LayerKinds kinds) {
  const auto A = Category::Activations;
  LayerSlots s;
  if (d.input_norms) {
    s.xn1 = b.add(pre + "xn1", A, N * d.H * 2);
    s.rstd1 = b.add(pre + "rstd1", A, N * 4);
  }
  if (kinds.attention) {
    s.q = b.add(pre + "q", A, N * d.qd() * 2);
    s.k = b.add(pre + "k", A, N * d.kvd() * 2);
    s.v = b.add(pre + "v", A, N * d.kvd() * 2);
    if (d.qk_norm) add_qk_norm_inputs(b, d, N, pre, s);
    s.lse = b.add(pre + "lse", A, B * d.nh * T * 4);
  }
  if (kinds.conv) add_conv_inputs(b, d, N, pre, s);
  s.att = b.add(pre + "att", A, N * (kinds.conv ? kinds.attention ? d.att_width() : d.H : d.qd()) * 2);
  s.x2 = b.add(pre + "x2", A, N * d.H * 2);
  if (d.sandwich) add_attention_out_norm_input(b, d, N, pre, s);
  if (d.input_norms) {
    s.xn2 = b.add(pre + "xn2", A, N * d.H * 2);
    s.rstd2 = b.add(pre + "rstd2", A, N * 4);
  }
  s.g = b.add(pre + "g", A, N * d.I * 2);
  s.u = b.add(pre + "u", A, N * d.I * 2);
  s.h = b.add(pre + "h", A, N * d.I * 2);
  if (d.sandwich) {
    s.mo = b.add(pre + "mo", A, N * d.H * 2);
    s.rstd_mo = b.add(pre + "rstd_mo", A, N * 4);
  }
  static const char* const kProj[kArenaProjections] = {"q", "k", "v", "o", "gate", "up", "down", "conv_in", "conv_out"};
  auto serves = [&](int p) { return p >= 7 ? kinds.conv : p >= 4 || kinds.attention; };
  if (d.rank > 0)
    for (int p = 0; p < kArenaProjections; ++p)
      if (d.adapted[p] && serves(p)) s.lora_u[p] = b.add(pre + "lora_u." + kProj[p], A, N * d.rank * 2);
  return s;
}

}  // namespace

ArenaPlan plan_step(const ModelDims& d, const StepShape& s, const KernelScratch& k) {
  TF_CHECK(s.B >= 1 && s.T >= 1, "arena plan: a step needs B >= 1 and T >= 1");
  TF_CHECK(s.logits_chunk_rows >= 1, "arena plan: logits_chunk_rows must be >= 1");
  TF_CHECK(d.L >= 1 && d.H >= 1 && d.V >= 1, "arena plan: model dims are not set");
  ArenaPlan plan;
  Builder b{plan};
  const int64_t N = s.rows(), R = s.chunk_rows();
  const bool train = s.mode == StepMode::Train;
  const auto A = Category::Activations, S = Category::Scratch;
  // Small per-batch inputs first (uploaded from the host each call).
  plan.tokens = b.add("tokens", S, N * 4);
  plan.positions = b.add("positions", S, N * 4);
  plan.seg_start = b.add("seg_start", S, N * 4);
  if (d.windowed) plan.window_start = b.add("window_start", S, N * 4);
  if (s.mode != StepMode::Logits) plan.targets = b.add("targets", S, N * 4);
  if (train) plan.token_scales = b.add("token_scales", S, N * 4);
  if (s.mode != StepMode::Logits) plan.token_losses = b.add("token_losses", S, N * 4);
  // Residual stream: training keeps every layer's input (backward, and the checkpoint recompute, start
  // from it); a forward-only pass ping-pongs between two buffers.
  if (train) {
    for (int64_t l = 0; l <= d.L; ++l) plan.xs.push_back(b.add("x" + std::to_string(l), A, N * d.H * 2));
  } else {
    const int64_t x_even = b.add("x_even", A, N * d.H * 2), x_odd = b.add("x_odd", A, N * d.H * 2);
    for (int64_t l = 0; l <= d.L; ++l) plan.xs.push_back(l % 2 ? x_odd : x_even);
  }
  const int64_t sets = train && !s.checkpointing ? d.L : 1;
  for (int64_t l = 0; l < sets; ++l)
    plan.layers.push_back(add_layer(b, d, N, s.B, s.T, sets > 1 ? "layer" + std::to_string(l) + "." : "layer.",
                                    sets > 1 ? kinds_of_layer(d, l) : kinds_of_model(d)));
  if (train && s.checkpointing && s.keep_attention) {
    plan.kept_attention = true;
    plan.kept_attention_inputs = s.keep_attention_inputs;
    // Every layer shares the one set except for its attention output and log-sum-exp, kept from the forward pass
    // so the recompute in backward skips the attention forward (the one cost that grows with T) for N·(nh·hd) bf16
    // + B·nh·T fp32 per layer; and, with keep_attention_inputs, for N·(qd + 2·kvd + H) bf16 more, its q, k, v and
    // x2, so the recompute skips the q/k/v/o projections as well (about a quarter of its GEMM work on Llama-3
    // shapes, 1B and 8B alike; the MLP's down projection it never reran).
    // LFM2's conv layers likewise keep their gated output (the recompute redoes only the convolution before the gate,
    // a few FLOPs per value), and with keep_attention_inputs in_proj's output and x2, so it skips in_proj and out_proj.
    for (int64_t l = 1; l < d.L; ++l) {
      LayerSlots kept = plan.layers[0];
      const std::string pre = "layer" + std::to_string(l) + ".";
      if (d.conv(l)) {
        kept.att = b.add(pre + "att", A, N * d.H * 2);
        if (s.keep_attention_inputs) {
          kept.bcx = b.add(pre + "bcx", A, N * 3 * d.H * 2);
          kept.x2 = b.add(pre + "x2", A, N * d.H * 2);
        }
        plan.layers.push_back(kept);
        continue;
      }
      kept.att = b.add(pre + "att", A, N * d.qd() * 2);
      kept.lse = b.add(pre + "lse", A, s.B * d.nh * s.T * 4);
      if (s.keep_attention_inputs) {
        kept.q = b.add(pre + "q", A, N * d.qd() * 2);
        kept.k = b.add(pre + "k", A, N * d.kvd() * 2);
        kept.v = b.add(pre + "v", A, N * d.kvd() * 2);
        kept.x2 = b.add(pre + "x2", A, N * d.H * 2);
        if (d.qk_norm) add_qk_norm_inputs(b, d, N, pre, kept);
        if (d.sandwich) add_attention_out_norm_input(b, d, N, pre, kept);
      }
      plan.layers.push_back(kept);
    }
  }
  plan.xf = b.add("x_final", A, N * d.H * 2);
  plan.rstdf = b.add("rstd_final", A, N * 4);
  if (train) {
    plan.dxf = b.add("dx_final", S, N * d.H * 2);
    plan.dx_a = b.add("dx_a", S, N * d.H * 2);
    plan.dx_b = b.add("dx_b", S, N * d.H * 2);
    plan.dh = b.add("dh", S, N * d.I * 2);
    plan.dg = b.add("dg", S, N * d.I * 2);
    plan.du = b.add("du", S, N * d.I * 2);
    plan.dxn = b.add("dxn", S, N * d.H * 2);
    plan.dx2 = b.add("dx2", S, N * d.H * 2);
    plan.datt = b.add("datt", S, N * d.att_width() * 2);
    if (d.has_conv()) plan.dbcx = b.add("dbcx", S, N * 3 * d.H * 2);
    plan.dq = b.add("dq", S, N * d.qd() * 2);
    plan.dk = b.add("dk", S, N * d.kvd() * 2);
    plan.dv = b.add("dv", S, N * d.kvd() * 2);
    plan.attn_scratch = b.add("attention_bwd_scratch", S, k.attention_bwd_floats * 4);
  }
  if (d.rank > 0) plan.lora_scratch = b.add("lora_scratch", S, k.lora_elems * 2);
  if (d.fused.any()) plan.fused = b.add("fused_projection", S, N * d.fused_width() * 2);
  if (d.dequant_elems > 0) {
    plan.dequant[0] = b.add("nf4_dequant", S, d.dequant_elems * 2);
    plan.dequant[1] = b.add("nf4_dequant_ahead", S, d.dequant_elems * 2);
  }
  if (s.mode == StepMode::Logits) {
    plan.logits_f32 = b.add("logits_f32", Category::Logits, R * d.V * 4);
  } else {
    plan.logits = b.add("logits", Category::Logits, R * d.V * 2);
    plan.ce_scratch = b.add("ce_scratch", S, k.ce_floats * 4);
    plan.ce_results = b.add("ce_results", S, s.logits_chunks() * kCeSumDeviceBytes);
  }
  plan.total = align_up(plan.total);
  return plan;
}

int64_t ArenaPlan::bytes(Category c) const {
  int64_t n = 0;
  for (const ArenaBuffer& b : buffers)
    if (b.category == c) n += b.bytes;
  return n;
}

const ArenaBuffer* ArenaPlan::find(const std::string& name) const {
  for (const ArenaBuffer& b : buffers)
    if (b.name == name) return &b;
  return nullptr;
}

int64_t activation_bytes_estimate(const ModelDims& d, int64_t B, int64_t T, bool checkpointing) {
  StepShape s;
  s.B = B, s.T = T, s.mode = StepMode::Train, s.checkpointing = checkpointing;
  const ArenaPlan p = plan_step(d, s, KernelScratch{});
  return p.bytes(Category::Activations) + p.bytes(Category::Logits);
}

std::string format_bytes(int64_t bytes) {
  if (bytes < 0) return "unknown";
  static const char* const kUnits[] = {"KiB", "MiB", "GiB", "TiB"};
  if (bytes < 1024) return std::to_string(bytes) + " B";
  double v = static_cast<double>(bytes);
  int u = -1;
  while (v >= 1024 && u < 3) v /= 1024, ++u;
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f %s", v, kUnits[u]);
  return buf;
}

std::string format_memory_report(const MemoryTotals& t) {
  const int64_t step = t.activations + t.scratch + t.logits_chunk;
  const int64_t held = t.frozen_weights + t.lora_and_optimizer + std::max(step, t.arena_capacity) + t.gemm_workspace;
  std::string r = "CUDA memory:\n";
  auto line = [&](const char* what, int64_t b) { r += "  " + std::string(what) + ": " + format_bytes(b) + "\n"; };
  line("frozen weights", t.frozen_weights);
  line("LoRA + optimizer", t.lora_and_optimizer);
  line("activations", t.activations);
  line("scratch", t.scratch);
  line("logits chunk", t.logits_chunk);
  line("arena allocated", t.arena_capacity);
  if (t.gemm_workspace > 0) line("cuBLASLt workspace", t.gemm_workspace);
  if (t.checkpointing_turned_on)
    r += "  checkpointing: turned on (without it, keeping every layer's activations would not fit)\n";
  if (t.attention_recomputed)
    r += "  checkpointing: attention recomputed in backward (keeping each layer's output would not fit)\n";
  else if (t.attention_inputs_recomputed)
    r += "  checkpointing: q, k, v and o projections recomputed in backward (keeping each layer's q, k, v and x2 would "
         "not fit)\n";
  else if (t.attention_inputs_off)
    r += "  checkpointing: q, k, v and o projections recomputed in backward (TF_CUDA_KEEP_ATTENTION_INPUTS=0)\n";
  // A job's report is taken after its first step, whose last pass may be the first of its kind: say why nothing
  // was expanded ahead then.
  const std::string asked = std::to_string(t.nf4_weights_last_pass);
  if (t.nf4_weights_last_pass > 0 && !t.nf4_expand_ahead)
    r += "  NF4 weights: none expanded ahead (TF_CUDA_DEQUANT_AHEAD=0), " + asked + " asked for in the last pass\n";
  else if (t.nf4_weights_last_pass > 0 && t.nf4_first_pass_of_kind)
    r += "  NF4 weights: none expanded ahead in the last pass, the first of its kind (" + asked +
         " asked for); from the next one on, a second stream expands each next weight ahead\n";
  else if (t.nf4_weights_last_pass > 0)
    r += "  NF4 weights expanded ahead on a second stream: " + std::to_string(t.nf4_expanded_ahead) + " of " + asked +
         " in the last pass\n";
  if (!t.gemms.empty()) r += "  GEMMs: " + t.gemms + "\n";
  line("total held", held);
  if (t.device_total > 0)
    r += "  device: " + format_bytes(t.device_free) + " free of " + format_bytes(t.device_total) + "\n";
  return r;
}

std::string out_of_memory_message(const std::string& what, int64_t requested, int64_t device_free,
                                  int64_t device_total, const std::string& advice) {
  return "CUDA out of memory allocating " + what + ": " + format_bytes(requested) + " (" +
         std::to_string(requested) + " bytes) requested, the device has " + format_bytes(device_free) +
         " free of " + format_bytes(device_total) + ". " + advice;
}

}  // namespace tf::cuda
