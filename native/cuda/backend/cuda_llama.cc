// CudaLlama: uploading the frozen weights, LoRA management (through the host's LoRA code, so init, validation
// and PEFT export have the CPU's exact semantics) and the memory accounting.
#include "backend/cuda_llama.h"

#include <algorithm>

#include "common.cuh"
#include "host/launch_plan.h"
#include "quant/nf4.h"

namespace tf::cuda {

namespace {

std::vector<uint16_t> bf16_of(const float* x, size_t n) {
  std::vector<uint16_t> out(n);
  for (size_t i = 0; i < n; ++i) out[i] = bf16_bits(x[i]);
  return out;
}

}  // namespace

CudaLlama::CudaLlama(LlamaModel& host, int device) : host_(host), hm_(host.internals()), device_(device) {
  activate();
  // The highest priority: where the NF4 expansions' side stream (dequant_pipeline.h) and this one both have work,
  // the GEMMs on the critical path get the SMs first.
  int least = 0, greatest = 0;
  CUDA_CHECK(cudaDeviceGetStreamPriorityRange(&least, &greatest));
  CUDA_CHECK(cudaStreamCreateWithPriority(&stream_, cudaStreamNonBlocking, greatest));
  // About 80 marks per layer for a micro-batch with every projection adapted (forward, recompute, backward).
  timeline_ = std::make_unique<EventTimeline>(stream_, device_, size_t(80) * size_t(hm_.L) + 64);
  try {
    upload_weights();
    if (has_nf4()) dequant_ = std::make_unique<DequantPipeline>();
  } catch (...) {
    cudaStreamDestroy(stream_);
    throw;
  }
}

CudaLlama::~CudaLlama() {
  cudaSetDevice(device_);
  if (stream_) {
    cudaStreamSynchronize(stream_);  // no kernel may still use the buffers freed below
    matmul_release_stream(stream_);
    cudaStreamDestroy(stream_);
  }
}

void CudaLlama::activate() const { CUDA_CHECK(cudaSetDevice(device_)); }

void CudaLlama::upload_weights() {
  const auto& m = hm_;
  auto keep = [&](DeviceBuffer b) -> void* {
    weight_bytes_ += b.bytes();
    weights_.push_back(std::move(b));
    return weights_.back().get();
  };
  auto bf16_upload = [&](const float* x, size_t n, const std::string& what) {
    return static_cast<const bf16*>(keep(upload_vector(bf16_of(x, n), what)));
  };
  embed_ = bf16_upload(m.embed.data(), m.embed.size(), m.prefix + "embed_tokens.weight");
  lm_head_ = m.lm_head.w_ext ? embed_ : bf16_upload(m.lm_head.w.data(), m.lm_head.w.size(), "lm_head.weight");
  final_norm_ = bf16_upload(m.final_norm.data(), m.final_norm.size(), m.prefix + "norm.weight");
  inv_freq_ = static_cast<const float*>(keep(upload_vector(m.inv_freq, "the rope frequencies")));
  if (!m.inv_freq_local.empty())
    inv_freq_local_ = static_cast<const float*>(keep(upload_vector(m.inv_freq_local, "the sliding layers' rope frequencies")));
  if (!m.inv_freq_long.empty())
    inv_freq_long_ = static_cast<const float*>(keep(upload_vector(m.inv_freq_long, "longrope's long rope frequencies")));
  const float* dyn_map = nullptr;
  layers_.resize(m.L);
  for (int l = 0; l < m.L; ++l) {
    const Layer& hl = m.layers[l];
    DeviceLayer& dl = layers_[l];
    const std::string pre = m.prefix + "layers." + std::to_string(l);
    // OLMo 2 has no input norms: their pointers stay null (the layer passes its input on).
    if (!hl.input_norm.empty())
      dl.input_norm = bf16_upload(hl.input_norm.data(), hl.input_norm.size(), pre + ".input_layernorm.weight");
    if (hl.mlp_out_norm.empty()) {
      dl.post_norm = bf16_upload(hl.post_norm.data(), hl.post_norm.size(), pre + ".post_attention_layernorm.weight");
    } else {  // Gemma, OLMo 2 and GLM-4 (model/llama_load.cc says which norm is which; the names label errors)
      const bool glm4 = hm_.cfg.model_type == "glm4";
      if (!hl.post_norm.empty())
        dl.post_norm = bf16_upload(hl.post_norm.data(), hl.post_norm.size(),
                                   pre + (glm4 ? ".post_attention_layernorm.weight" : ".pre_feedforward_layernorm.weight"));
      dl.attn_out_norm = bf16_upload(hl.attn_out_norm.data(), hl.attn_out_norm.size(),
                                     pre + (glm4 ? ".post_self_attn_layernorm.weight" : ".post_attention_layernorm.weight"));
      dl.mlp_out_norm = bf16_upload(hl.mlp_out_norm.data(), hl.mlp_out_norm.size(),
                                    pre + (glm4 ? ".post_mlp_layernorm.weight" : ".post_feedforward_layernorm.weight"));
    }
    if (!hl.q_norm.empty()) {
      dl.q_norm = bf16_upload(hl.q_norm.data(), hl.q_norm.size(), pre + ".self_attn.q_norm.weight");
      dl.k_norm = bf16_upload(hl.k_norm.data(), hl.k_norm.size(), pre + ".self_attn.k_norm.weight");
    }
    // LFM2's conv layers: the convolution's [H, K] weights in fp32, as the host holds them (H·K values a layer).
    if (!hl.conv_w.empty())
      dl.conv_w = static_cast<const float*>(keep(upload_vector(hl.conv_w, pre + ".conv.conv.weight")));
    for (int p = 0; p < kNumProj; ++p) {
      if (!proj_name(hm_.cfg, l, p)) continue;  // Phi-3's k, v and up: inside qkv_proj, gate_up_proj
      const Linear& h = hl.proj[p];
      DeviceLinear& d = dl.proj[p];
      const std::string name = proj_module(hm_.prefix, hm_.cfg, l, p) + ".weight";
      d.in = h.in, d.out = h.out, d.nf4 = h.is_nf4;
      if (!h.bias.empty())
        d.bias = static_cast<const float*>(keep(upload_vector(h.bias, proj_module(hm_.prefix, hm_.cfg, l, p) + ".bias")));
      if (!h.is_nf4) {
        d.w = bf16_upload(h.dense(), size_t(h.in * h.out), name);
        continue;
      }
      // Frozen NF4 weights stay NF4 on the device: the same packed codes and absmax arrays as the host.
      d.q.rows = h.q.rows, d.q.cols = h.q.cols;
      d.q.packed = static_cast<const uint8_t*>(keep(upload_vector(h.q.packed, name + " (NF4 codes)")));
      d.q.double_quant = h.q.double_quant;
      if (h.q.double_quant) {
        if (!dyn_map) dyn_map = static_cast<const float*>(keep(upload_vector(dynamic_map_signed(), "the NF4 map")));
        d.q.absmax_q8 = static_cast<const uint8_t*>(keep(upload_vector(h.q.absmax_q8, name + " (absmax q8)")));
        d.q.absmax2 = static_cast<const float*>(keep(upload_vector(h.q.absmax2, name + " (absmax2)")));
        d.q.absmax_offset = h.q.absmax_offset;
        d.q.dyn_map = dyn_map;
      } else {
        d.q.absmax = static_cast<const float*>(keep(upload_vector(h.q.absmax, name + " (absmax)")));
      }
    }
  }
}

bool CudaLlama::has_nf4() const {
  for (const DeviceLayer& l : layers_)
    for (const DeviceLinear& p : l.proj)
      if (p.nf4) return true;
  return false;
}

ModelDims CudaLlama::dims() const {
  static_assert(kNumProj == kArenaProjections, "the arena plans every projection slot");
  return model_dims(config(), has_nf4(), lora_on_ ? spec_.rank : 0, adapted_);
}

// ---- LoRA ----

void CudaLlama::upload_lora_from_host() {
  activate();
  CUDA_CHECK(cudaStreamSynchronize(stream_));  // no kernel may still read the buffers replaced below
  ++lora_version_;
  const std::vector<ParamRef> params = host_.lora_params();
  const auto& m = hm_;
  spec_ = host_.lora_spec();
  scaling_ = host_.lora_scaling();
  slots_.assign(m.L, {});
  adapted_.fill(false);
  lora_names_.clear(), lora_sizes_.clear();
  // Parameter order (layer, projection, A before B) is the host's, so lora_params()[i] maps to slot order.
  int64_t off = 0;
  size_t i = 0;
  for (int l = 0; l < m.L; ++l)
    for (int p = 0; p < kNumProj; ++p) {
      if (!m.layers[l].proj[p].has_lora) continue;
      TF_CHECK(i + 1 < params.size(), "LoRA upload: the host's parameter list is shorter than its adapted modules");
      slots_[l][p].a = off, off += int64_t(params[i].n);
      slots_[l][p].b = off, off += int64_t(params[i + 1].n);
      adapted_[p] = true;
      i += 2;
    }
  TF_CHECK(i == params.size(), "LoRA upload: the host's parameter list does not match its adapted modules");
  std::vector<float> host_w(static_cast<size_t>(off));
  size_t at = 0;
  for (const ParamRef& p : params) {
    std::copy(p.w, p.w + p.n, host_w.begin() + at), at += p.n;
    lora_names_.push_back(p.name), lora_sizes_.push_back(p.n);
  }
  lora_bf_.reset(), lora_g_.reset(), lora_w_.reset();
  lora_n_ = off;
  lora_w_ = upload_vector(host_w, "the LoRA weights (fp32 masters)");
  lora_g_ = DeviceBuffer(off * 4, "the LoRA gradients (fp32)");
  lora_bf_ = DeviceBuffer(off * 2, "the LoRA compute copies (bf16)");
  lora_on_ = true;
  zero_lora_grads();
  refresh_lora_compute();
  CUDA_CHECK(cudaStreamSynchronize(stream_));
}

void CudaLlama::refresh_lora_compute() {
  activate();
  if (lora_n_ > 0) cast_f32_to_bf16(lora_w_.as<float>(), lora_bf_.as<bf16>(), lora_n_, stream_);
}

void CudaLlama::init_lora(const LoraSpec& spec, uint64_t seed) {
  host_.init_lora(spec, seed);  // PEFT init and validation, identical to the CPU backend
  upload_lora_from_host();
}

void CudaLlama::load_lora(const PeftAdapter& adapter) {
  host_.load_lora(adapter);  // validates every module name and shape against the base first
  upload_lora_from_host();
}

void CudaLlama::clear_lora() {
  activate();
  CUDA_CHECK(cudaStreamSynchronize(stream_));
  ++lora_version_;
  lora_on_ = false;
  spec_ = LoraSpec{};
  scaling_ = 0.f;
  slots_.clear();
  adapted_.fill(false);
  lora_w_.reset(), lora_g_.reset(), lora_bf_.reset();
  lora_n_ = 0;
  lora_names_.clear(), lora_sizes_.clear();
}

PeftAdapter CudaLlama::export_lora(const std::string& base_name) const {
  TF_CHECK(lora_on_, "no LoRA adapter to export");
  activate();
  std::vector<float> w(static_cast<size_t>(lora_n_));
  CUDA_CHECK(cudaMemcpyAsync(w.data(), lora_w_.get(), w.size() * 4, cudaMemcpyDeviceToHost, stream_));
  CUDA_CHECK(cudaStreamSynchronize(stream_));
  // The device masters as a PEFT adapter of exactly the adapted modules (an adapter loaded for only some
  // layers stays that way), handed to the host's load_lora + export_lora so validation, target_modules and
  // every PEFT field come from the same code as the CPU backend's export.
  PeftAdapter a;
  a.r = spec_.rank, a.alpha = spec_.alpha, a.dropout = spec_.dropout, a.rslora = spec_.rslora;
  a.target_modules = spec_.targets;
  for (int l = 0; l < hm_.L; ++l)
    for (int p = 0; p < kNumProj; ++p) {
      const LoraSlot& s = slots_[l][p];
      if (s.a < 0) continue;
      const DeviceLinear& lin = layers_[l].proj[p];
      LoraTensors t;
      t.module = proj_module(hm_.prefix, hm_.cfg, l, p);
      t.rank = spec_.rank, t.in = static_cast<int>(lin.in), t.out = static_cast<int>(lin.out);
      t.A.assign(w.begin() + s.a, w.begin() + s.a + spec_.rank * lin.in);
      t.B.assign(w.begin() + s.b, w.begin() + s.b + lin.out * spec_.rank);
      a.modules.push_back(std::move(t));
    }
  host_.load_lora(a);
  PeftAdapter out = host_.export_lora(base_name);
  out.target_modules = spec_.targets;  // init_lora's order, as the CPU exports it (load_lora sorts them)
  return out;
}

void CudaLlama::zero_lora_grads() {
  activate();
  if (lora_n_ > 0) CUDA_CHECK(cudaMemsetAsync(lora_g_.get(), 0, size_t(lora_n_) * 4, stream_));
}

std::vector<std::vector<float>> CudaLlama::lora_grads_host() const {
  activate();
  std::vector<float> g(static_cast<size_t>(lora_n_));
  if (lora_n_ > 0) {
    CUDA_CHECK(cudaMemcpyAsync(g.data(), lora_g_.get(), g.size() * 4, cudaMemcpyDeviceToHost, stream_));
    CUDA_CHECK(cudaStreamSynchronize(stream_));
  }
  std::vector<std::vector<float>> out;
  size_t at = 0;
  for (size_t n : lora_sizes_) out.emplace_back(g.begin() + at, g.begin() + at + n), at += n;
  return out;
}

CudaLlama::LoraDevice CudaLlama::lora_device() const {
  return {lora_w_.as<float>(), lora_g_.as<float>(), lora_bf_.as<bf16>(), lora_n_};
}

// ---- memory ----

int64_t CudaLlama::activation_bytes(int B, int T, bool checkpointing) const {
  return activation_bytes_estimate(dims(), B, T, checkpointing);
}

int64_t CudaLlama::measured_peak_bytes() const {
  // cuBLASLt's workspace for stream_ is allocated by its first GEMM and kept while the model lives.
  return weight_bytes_ + lora_w_.bytes() + lora_g_.bytes() + lora_bf_.bytes() + optimizer_bytes_ + arena_.peak() +
         int64_t(matmul_workspace_bytes(stream_));
}

void CudaLlama::reset_peak_bytes() { arena_.reset_peak(); }

std::string CudaLlama::memory_report() const {
  MemoryTotals t;
  t.frozen_weights = weight_bytes_;
  t.lora_and_optimizer = lora_w_.bytes() + lora_g_.bytes() + lora_bf_.bytes() + optimizer_bytes_;
  t.activations = plan_.bytes(Category::Activations);
  t.scratch = plan_.bytes(Category::Scratch);
  t.logits_chunk = plan_.bytes(Category::Logits);
  t.arena_capacity = arena_.capacity();
  t.gemm_workspace = int64_t(matmul_workspace_bytes(stream_));
  t.checkpointing_turned_on = checkpointing_turned_on_;
  t.attention_recomputed = attention_recomputed_;
  t.attention_inputs_recomputed = attention_inputs_recomputed_;
  t.attention_inputs_off = attention_inputs_off_;
  if (dequant_) {
    t.nf4_weights_last_pass = dequant_->pass_weights(), t.nf4_expanded_ahead = dequant_->pass_expanded_ahead();
    t.nf4_first_pass_of_kind = dequant_->pass_first_of_kind();
    t.nf4_expand_ahead = dequant_->expands_ahead();
  }
  activate();
  device_memory_info(&t.device_free, &t.device_total);
  t.gemms = matmul_backend_description();
  return format_memory_report(t);
}

}  // namespace tf::cuda
