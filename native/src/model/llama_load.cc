// Loading the frozen base from an HF folder, and the model's simple accessors.
#include <algorithm>
#include <cmath>

#include "common/error.h"
#include "io/safetensors.h"
#include "kernels/rope.h"
#include "model/llama_impl.h"

namespace tf {

namespace {
const char* const kProjNames[kNumProj] = {"q_proj",  "k_proj",  "v_proj",    "o_proj",  "gate_proj",
                                          "up_proj", "down_proj", "in_proj", "out_proj"};
// Lfm2Attention's and Lfm2MLP's names for the attention and MLP slots.
const char* const kLfm2Names[kConvIn] = {"q_proj", "k_proj", "v_proj", "out_proj", "w1", "w3", "w2"};
}  // namespace

const char* proj_name(const ModelConfig& c, int layer, int p) {
  // Attention's slots are empty on a conv layer, the conv slots everywhere else; the MLP's are on every layer.
  const bool conv = c.convolves(layer);
  if (p >= kConvIn ? !conv : p <= kO && conv) return nullptr;
  if (c.model_type == "lfm2" && p < kConvIn) return kLfm2Names[p];
  if (c.fused.qkv && p >= kQ && p <= kV) return p == kQ ? "qkv_proj" : nullptr;
  if (c.fused.gate_up && (p == kGate || p == kUp)) return p == kGate ? "gate_up_proj" : nullptr;
  return kProjNames[p];
}

std::string proj_module(const std::string& prefix, const ModelConfig& c, int layer, int p) {
  const char* name = proj_name(c, layer, p);
  TF_CHECK(name, "proj_module: layer " + std::to_string(layer) + " has no module in slot " + std::to_string(p));
  const char* block = p <= kO ? ".self_attn." : p >= kConvIn ? ".conv." : c.model_type == "lfm2" ? ".feed_forward." : ".mlp.";
  return prefix + "layers." + std::to_string(layer) + block + name;
}

int64_t Linear::bytes() const {
  int64_t b = static_cast<int64_t>(bias.size()) * 4;
  if (is_nf4) return b + static_cast<int64_t>(q.bytes());
  return b + static_cast<int64_t>(w.size()) * 4;  // a tied weight is counted once, with the embedding
}

namespace {

// A tensor config.json requires, as fp32 into `out`; with a pool, a large one is converted on all of its threads.
void read_into(const WeightStore& ws, const std::string& dir, const std::string& name, const std::vector<int64_t>& shape,
               std::vector<float>& out, ThreadPool* pool = nullptr) {
  if (!ws.has(name)) throw Error(dir + ": missing tensor " + name + " (required by config.json)");
  ws.read_f32_into(name, shape, out, pool);
}

std::vector<float> read(const WeightStore& ws, const std::string& dir, const std::string& name,
                        const std::vector<int64_t>& shape, ThreadPool* pool = nullptr) {
  std::vector<float> v;
  read_into(ws, dir, name, shape, v, pool);
  return v;
}

// `scratch` holds an NF4 weight's fp32 values until they are quantized; one buffer serves every layer.
void load_linear(const WeightStore& ws, const std::string& dir, const std::string& name, int64_t out, int64_t in,
                 bool bias, Quant quant, bool dq, ThreadPool& pool, std::vector<float>& scratch, Linear& lin) {
  lin.in = in, lin.out = out;
  if (quant == Quant::NF4) {
    read_into(ws, dir, name + ".weight", {out, in}, scratch, &pool);
    lin.q = nf4_quantize(scratch.data(), out, in, dq, &pool);
    lin.is_nf4 = true;
  } else {
    lin.w = read(ws, dir, name + ".weight", {out, in}, &pool);
  }
  if (bias) lin.bias = read(ws, dir, name + ".bias", {out});
}

// A norm weight as the factor it scales by: Gemma's files store (scale − 1), added to 1 in fp32 as Gemma3RMSNorm does.
std::vector<float> read_norm(const WeightStore& ws, const std::string& dir, const std::string& name, int64_t n,
                             const ModelConfig& c) {
  std::vector<float> w = read(ws, dir, name, {n});
  if (c.norm_plus_one)
    for (float& x : w) x += 1.f;
  return w;
}

// sqrt(hidden_size) as Gemma3TextScaledWordEmbedding applies it: cast to the weights' dtype first (in bf16,
// sqrt(1152) = 33.94 becomes 34.0).
float embedding_scale(const ModelConfig& c) {
  const float s = std::sqrt(static_cast<float>(c.hidden_size));
  if (c.torch_dtype == "bfloat16") return bf16_to_f32(f32_to_bf16(s));
  if (c.torch_dtype == "float16") return f16_to_f32(f32_to_f16(s));
  return s;
}

}  // namespace

std::unique_ptr<LlamaModel> LlamaModel::load(const std::string& dir, Quant quant, bool double_quant, ThreadPool& pool) {
  auto m = std::make_unique<Impl>();
  m->cfg = parse_model_config_file(dir + "/config.json");
  const ModelConfig& c = m->cfg;
  m->quant = quant, m->double_quant = double_quant && quant == Quant::NF4, m->pool = &pool;
  m->H = c.hidden_size, m->I = c.intermediate_size, m->V = c.vocab_size, m->L = c.num_hidden_layers;
  m->nh = c.num_attention_heads, m->nkv = c.num_key_value_heads, m->hd = c.head_dim;
  TF_CHECK(m->H > 0 && m->I > 0 && m->V > 0 && m->L > 0 && m->nh > 0 && m->nkv > 0 && m->hd > 0,
           dir + "/config.json: sizes must be positive");
  TF_CHECK(m->nh % m->nkv == 0, dir + "/config.json: num_attention_heads (" + std::to_string(m->nh) +
                                    ") must be a multiple of num_key_value_heads (" + std::to_string(m->nkv) + ")");
  m->rope_dim = int(m->hd * c.partial_rotary_factor);  // transformers: int(head_dim * partial_rotary_factor)
  m->inv_freq = kernels::rope_inv_freq(m->hd, c.rope_theta, c.rope_scaling, m->rope_dim);
  if (c.rope_scaling.type == "longrope" || c.rope_scaling.type == "yarn") m->rope_scale = float(c.rope_scaling.attention_factor);
  // q's own factors (Granite's, Gemma 2's below) on top of the RoPE's scale; the sliding layers' own RoPE has none.
  float q_factors = 1.f;
  if (c.attention_multiplier > 0) {
    // The rotated values are all of q only when every dimension rotates (Granite's RoPE always does).
    TF_CHECK(m->rope_dim == m->hd, dir + "/config.json: attention_multiplier with a partial rotary factor is not supported");
    q_factors *= static_cast<float>(c.attention_multiplier * std::sqrt(double(m->hd)));
  }
  if (c.rope_scaling.type == "longrope") {
    m->inv_freq_long = kernels::rope_inv_freq_long(m->hd, c.rope_theta, c.rope_scaling, m->rope_dim);
    m->long_rope_from = c.rope_scaling.original_max_position_embeddings;
  }
  if (c.q_temperature_beta != 0) {
    // Folded into q's RoPE, which must then reach every dimension of every layer's queries.
    TF_CHECK(m->rope_dim == m->hd && c.layer_rope.empty() && c.rope_local_theta == 0,
             dir + "/config.json: llama_4_scaling_beta with partial or per-layer RoPE is not supported");
    m->q_temperature = {static_cast<float>(c.q_temperature_beta), c.q_temperature_interval};
  }
  if (c.rope_local_theta > 0) m->inv_freq_local = kernels::rope_inv_freq(m->hd, c.rope_local_theta, RopeScaling{}, m->rope_dim);
  if (c.embed_scaled) m->embed_scale = embedding_scale(c);
  if (c.embedding_multiplier != 1.0) m->embed_scale = static_cast<float>(c.embedding_multiplier);
  m->residual_scale = static_cast<float>(c.residual_multiplier);
  TF_CHECK(m->residual_scale == 1.f || !c.sandwich_norms, dir + "/config.json: residual_multiplier with sandwich norms is not supported");
  // Gemma scales scores by query_pre_attn_scalar^-0.5, the attention kernels (CPU and CUDA) by head_dim^-0.5. RoPE
  // is linear, so the ratio can scale q anywhere before the scores: Gemma 3 folds it into q_norm's weight (1 when
  // the two agree, as in Gemma 3 270M and 1B), Gemma 2, which has no q_norm, into q's RoPE scale (gemma-2-27b:
  // sqrt(128 / 144)); every path, backward and decoding included, has it.
  float q_scale = 1.f;
  if (c.query_pre_attn_scalar > 0) {
    const float ratio = static_cast<float>(std::sqrt(double(m->hd) / c.query_pre_attn_scalar));
    if (c.qk_norm) {
      q_scale = ratio;
    } else {
      TF_CHECK(m->rope_dim == m->hd, dir + "/config.json: query_pre_attn_scalar with a partial rotary factor is not supported");
      q_factors *= ratio;
    }
  }
  m->q_rope_scale = m->rope_scale * q_factors;
  m->q_rope_scale_local = q_factors;

  WeightStore ws(dir);
  const int64_t H = m->H, I = m->I, V = m->V, qd = int64_t(m->nh) * m->hd, kvd = int64_t(m->nkv) * m->hd;
  for (const char* p : {"language_model.model.", "model.language_model."})
    if (!ws.has("model.embed_tokens.weight") && ws.has(std::string(p) + "embed_tokens.weight")) m->prefix = p;
  const std::string& pre_model = m->prefix;
  m->embed = read(ws, dir, pre_model + "embed_tokens.weight", {V, H}, &pool);
  const bool lfm2 = c.model_type == "lfm2";
  // LFM2 calls its final norm embedding_norm, each layer's input norms operator_norm and ffn_norm, and its per-head
  // q/k norms q_layernorm and k_layernorm.
  m->final_norm = read_norm(ws, dir, pre_model + (lfm2 ? "embedding_norm.weight" : "norm.weight"), H, c);
  // Granite divides the logits by logits_scaling. lm_head is linear, so the divisor scales the final norm's weight
  // instead: training, decoding and scoring (both backends) all read the logits through it. The norm is frozen, and
  // merges and exports read the checkpoint's own tensor.
  if (c.logits_scaling != 1.0)
    for (float& w : m->final_norm) w = static_cast<float>(w / c.logits_scaling);
  m->layers.resize(m->L);
  std::vector<float> scratch;
  const Fusion fused = c.fused;  // Phi-3: [q; k; v] and [gate; up] rows in one weight each; GLM-4: [gate; up]
  const int64_t shapes[kNumProj][2] = {{fused.qkv ? qd + 2 * kvd : qd, H}, {kvd, H}, {kvd, H}, {H, qd},
                                       {fused.gate_up ? 2 * I : I, H},     {I, H},   {H, I},   {3 * H, H}, {H, H}};
  for (int l = 0; l < m->L; ++l) {
    Layer& ly = m->layers[l];
    const std::string pre = pre_model + "layers." + std::to_string(l);
    const bool conv = m->convolves(l);
    m->cache_index.push_back(conv ? m->conv_layers++ : m->attention_layers++);
    if (c.input_norms) ly.input_norm = read_norm(ws, dir, pre + (lfm2 ? ".operator_norm.weight" : ".input_layernorm.weight"), H, c);
    if (lfm2) {
      ly.post_norm = read_norm(ws, dir, pre + ".ffn_norm.weight", H, c);
    } else if (c.model_type == "glm4") {
      // GLM-4's post_attention_layernorm is the MLP's input norm, as Llama's; its output norms have their own names.
      ly.attn_out_norm = read_norm(ws, dir, pre + ".post_self_attn_layernorm.weight", H, c);
      ly.post_norm = read_norm(ws, dir, pre + ".post_attention_layernorm.weight", H, c);
      ly.mlp_out_norm = read_norm(ws, dir, pre + ".post_mlp_layernorm.weight", H, c);
    } else if (c.sandwich_norms) {
      // Gemma's, OLMo 2's and EXAONE 4.0's post_attention_layernorm is the attention's output norm; Gemma's MLP
      // input norm is pre_feedforward (OLMo 2 and EXAONE 4.0 have none).
      ly.attn_out_norm = read_norm(ws, dir, pre + ".post_attention_layernorm.weight", H, c);
      if (c.input_norms) ly.post_norm = read_norm(ws, dir, pre + ".pre_feedforward_layernorm.weight", H, c);
      ly.mlp_out_norm = read_norm(ws, dir, pre + ".post_feedforward_layernorm.weight", H, c);
    } else {
      ly.post_norm = read_norm(ws, dir, pre + ".post_attention_layernorm.weight", H, c);
    }
    if (c.qk_norm && !conv) {
      // Per head ([head_dim]), or OLMo 2's over all heads ([nh·hd], [nkv·hd]).
      const std::string q_name = lfm2 ? ".self_attn.q_layernorm.weight" : ".self_attn.q_norm.weight";
      ly.q_norm = read_norm(ws, dir, pre + q_name, c.qk_norm_whole ? qd : m->hd, c);
      if (q_scale != 1.f)
        for (float& w : ly.q_norm) w *= q_scale;
      const std::string k_name = lfm2 ? ".self_attn.k_layernorm.weight" : ".self_attn.k_norm.weight";
      ly.k_norm = read_norm(ws, dir, pre + k_name, c.qk_norm_whole ? kvd : m->hd, c);
    }
    if (conv) ly.conv_w = read(ws, dir, pre + ".conv.conv.weight", {H, 1, c.conv_kernel});  // [H, K] as it is laid out
    for (int p = 0; p < kNumProj; ++p)
      if (proj_name(c, l, p))
        load_linear(ws, dir, proj_module(pre_model, c, l, p), shapes[p][0], shapes[p][1],
                    c.attention_bias && p <= kV, quant, m->double_quant, pool, scratch, ly.proj[p]);
  }
  // lm_head stays fp32 even with NF4, as transformers keeps the output embedding out of bitsandbytes.
  m->lm_head.in = H, m->lm_head.out = V;
  // An image-text checkpoint in transformers 4.50's layout keeps it beside its decoder, under language_model.
  const std::string head = pre_model == "language_model.model." ? "language_model.lm_head.weight" : "lm_head.weight";
  if (c.tie_word_embeddings || !ws.has(head)) {
    TF_CHECK(c.tie_word_embeddings, dir + ": missing tensor " + head + " (config.json says tie_word_embeddings is false)");
    m->lm_head.w_ext = m->embed.data();
  } else {
    m->lm_head.w = read(ws, dir, head, {V, H}, &pool);
  }
  return std::unique_ptr<LlamaModel>(new LlamaModel(std::move(m)));
}

LlamaModel::LlamaModel(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
LlamaModel::~LlamaModel() = default;

const ModelConfig& LlamaModel::config() const { return impl_->cfg; }
Quant LlamaModel::quant() const { return impl_->quant; }

int64_t LlamaModel::weight_bytes() const {
  const Impl& m = *impl_;
  int64_t b = (m.embed.size() + m.final_norm.size()) * 4 + m.lm_head.bytes();
  for (const Layer& ly : m.layers) {
    b += (ly.input_norm.size() + ly.post_norm.size() + ly.q_norm.size() + ly.k_norm.size() + ly.attn_out_norm.size() +
          ly.mlp_out_norm.size() + ly.conv_w.size()) * 4;
    for (const Linear& p : ly.proj) b += p.bytes();
  }
  return b;
}

int64_t LlamaModel::num_parameters() const {
  const Impl& m = *impl_;
  int64_t n = m.embed.size() + m.final_norm.size() + (m.lm_head.w_ext ? 0 : int64_t(m.V) * m.H);
  for (const Layer& ly : m.layers) {
    n += ly.input_norm.size() + ly.post_norm.size() + ly.q_norm.size() + ly.k_norm.size() + ly.attn_out_norm.size() +
         ly.mlp_out_norm.size() + ly.conv_w.size();
    for (const Linear& p : ly.proj) n += p.in * p.out + p.bias.size();
  }
  return n;
}

int64_t LlamaModel::matmul_parameters() const {
  const Impl& m = *impl_;
  int64_t n = int64_t(m.V) * m.H;
  for (const Layer& ly : m.layers)
    for (const Linear& p : ly.proj) n += p.in * p.out;
  return n;
}

int64_t LlamaModel::activation_bytes(int B, int T, bool checkpointing) const {
  const Impl& m = *impl_;
  const int64_t N = int64_t(B) * T, qd = int64_t(m.nh) * m.hd, kvd = int64_t(m.nkv) * m.hd;
  const int64_t r = m.lora_on ? m.spec.rank : 0;
  // Attention keeps one log-sum-exp per (query, head); its per-thread block scratch is not counted.
  // qk_norm keeps q and k before the norm, and a rstd per head (OLMo 2: per row of each).
  const int64_t qk_norm = m.cfg.qk_norm ? qd + kvd + (m.cfg.qk_norm_whole ? 2 : m.nh + m.nkv) : 0;
  // Sandwich norms keep o_proj's and down_proj's outputs and their rstd; a sliding window, one first key per row.
  const int64_t sandwich = m.cfg.sandwich_norms ? 2 * m.H + 2 : 0;
  // Both input norms' outputs and statistics (2·H + 2; OLMo 2 and 3 have none: their sublayers read x and x2 where
  // they are kept), and two more rows of H (x2 among them).
  const int64_t norms_and_residual = m.cfg.input_norms ? 4 * m.H + 2 : 2 * m.H;
  const int64_t mlp_and_norms = norms_and_residual + 3 * m.I + std::max<int64_t>(m.H, m.I) + 7 * r + sandwich;
  const int64_t attention_layer = N * (mlp_and_norms + 2 * qd + 2 * kvd + qk_norm) + int64_t(B) * m.nh * T;
  // LFM2's conv layers keep in_proj's output (3·H), the convolution and the gated output instead.
  const int64_t conv_layer = N * (mlp_and_norms + 5 * m.H);
  const int64_t att_kept = N * qd + int64_t(B) * m.nh * T, conv_kept = N * m.H;
  const int64_t na = m.attention_layers, nc = m.conv_layers;
  // With checkpointing: every layer's input, one layer's intermediates (the larger kind's), and each other layer's
  // operator output (attention's with its log-sum-exp), kept so the recompute skips the attention.
  const int64_t kept =
      checkpointing ? int64_t(m.L) * N * m.H + std::max(na ? attention_layer : 0, nc ? conv_layer : 0) +
                          (na * att_kept + nc * conv_kept - (na ? att_kept : conv_kept))
                    : int64_t(m.L) * N * m.H + na * attention_layer + nc * conv_layer;
  // Phi-3: one buffer for a fused projection's output before its split, or its gradient before the fused backward.
  const int64_t fused = N * std::max(m.cfg.fused.qkv ? qd + 2 * kvd : 0, m.cfg.fused.gate_up ? 2 * int64_t(m.I) : 0);
  return 4 * (kept + fused + N * (int64_t(m.V) + 3 * m.H));  // + logits, final norm, residual stream gradients
}

}  // namespace tf
