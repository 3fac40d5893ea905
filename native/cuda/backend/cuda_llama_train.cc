// Whole-model passes on the device, mirroring model/llama_train.cc: training (forward + backward into the LoRA
// gradients, optionally with gradient checkpointing), the validation loss and full logits. The loss head runs
// over row chunks (kLogitsChunkRows), so an N x V logits matrix never exists; the loss sums come back with one
// synchronization per pass.
#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "backend/cuda_llama.h"
#include "common.cuh"
#include "model/batch_prep.h"
#include "model_kernels.h"

namespace tf::cuda {

namespace {

// Ids and targets are checked here, where the error can name the position (a kernel cannot throw).
void check_ids(const Batch& b, int V, bool targets) {
  for (size_t i = 0; i < b.tokens.size(); ++i)
    TF_CHECK(b.tokens[i] >= 0 && b.tokens[i] < V, "token id " + std::to_string(b.tokens[i]) + " at position " +
                                                      std::to_string(i) + " is outside the vocabulary [0, " +
                                                      std::to_string(V) + ")");
  if (targets)
    for (size_t i = 0; i < b.targets.size(); ++i)
      TF_CHECK(b.targets[i] >= -1 && b.targets[i] < V,
               "target " + std::to_string(b.targets[i]) + " at position " + std::to_string(i) +
                   " is outside [-1, " + std::to_string(V) + ") (-1 leaves a position out of the loss)");
}

template <typename T>
void upload_async(void* dst, const std::vector<T>& src, cudaStream_t s) {
  static_assert(sizeof(T) == 4, "batch inputs are 4-byte values");
  if (!src.empty()) CUDA_CHECK(cudaMemcpyAsync(dst, src.data(), src.size() * 4, cudaMemcpyHostToDevice, s));
}

}  // namespace

namespace {

// TF_CUDA_KEEP_ATTENTION_INPUTS=0: checkpointing keeps only each layer's attention output and lse, and the recompute
// redoes the q/k/v/o projections, as before q, k, v and x2 were kept: to measure what keeping them gains and costs.
bool keep_attention_inputs_from_env() {
  const char* v = std::getenv("TF_CUDA_KEEP_ATTENTION_INPUTS");
  return !(v && std::strcmp(v, "0") == 0);
}

}  // namespace

bool CudaLlama::begin_step(const Batch& b, StepMode mode, bool checkpointing, bool need_targets) {
  activate();
  prepare_batch(config(), b, need_targets, positions_, seg_start_);
  hm_.window_starts(b.B, b.T, seg_start_, window_start_);
  long_rope_ = hm_.long_rope(positions_.data(), int64_t(positions_.size()));
  check_ids(b, hm_.V, need_targets);
  const ModelDims d = dims();
  StepShape s;
  s.B = b.B, s.T = b.T, s.mode = mode, s.checkpointing = checkpointing;
  s.keep_attention_inputs = keep_attention_inputs_from_env();
  const int64_t N = s.rows();
  KernelScratch k;
  if (mode == StepMode::Train) k.attention_bwd_floats = attention_backward_scratch_floats({b.B, b.T, d.nh, d.nkv, d.hd});
  if (mode != StepMode::Logits) k.ce_floats = cross_entropy_scratch_floats(s.chunk_rows(), d.V);
  for (int p = 0; p < kNumProj; ++p)
    if (lora_on_ && adapted_[p])
      k.lora_elems = std::max(k.lora_elems, lora_scratch_elems({N, d.proj_in(p), d.proj_out(p), d.rank}));
  plan_ = plan_step(d, s, k);
  // The arena frees its old allocation before it grows (Arena::fit); the headroom, max(64 MiB, 1 % of the device), is
  // for what the step allocates after it (cuBLASLt's workspace on a first GEMM, kernel modules loaded on first use).
  // The device is asked only when the plan outgrows the arena.
  int64_t free_bytes = 0, total_bytes = 0;
  bool asked = false;
  auto fits = [&] {
    if (plan_.total <= arena_.capacity()) return true;
    if (!asked) device_memory_info(&free_bytes, &total_bytes), asked = true;
    const int64_t headroom = std::max<int64_t>(int64_t(64) << 20, total_bytes / 100);
    return free_bytes < 0 || plan_.total + headroom <= free_bytes + arena_.capacity();
  };
  // Without checkpointing a training step keeps every layer's activations. When they would not fit, it checkpoints
  // instead: the same gradients for one more pass through the layers' forward, rather than a run that fails for want
  // of memory it never strictly needed (the memory report says so). A single layer's checkpointed plan is its plan:
  // nothing to gain.
  if (mode == StepMode::Train && !checkpointing && d.L > 1 && !fits()) {
    s.checkpointing = checkpointing = true;
    plan_ = plan_step(d, s, k);
    checkpointing_turned_on_ = true;
  }
  if (mode == StepMode::Train) attention_inputs_off_ = checkpointing && !s.keep_attention_inputs;
  // Keeping every layer's attention block (q, k, v, attention output, x2) trades memory for speed: when the arena
  // would not fit with it, the recompute redoes the q/k/v/o projections, and if that is still too much, the
  // attention too (same gradients either way), rather than the step failing for want of memory it never strictly
  // needed. A single layer has nothing to keep beyond its one set.
  if (plan_.kept_attention && d.L > 1) {
    if (!fits()) {
      s.keep_attention_inputs = false;
      plan_ = plan_step(d, s, k);
      attention_inputs_recomputed_ = true;
    }
    if (!fits()) {
      s.keep_attention = false;
      plan_ = plan_step(d, s, k);
      attention_recomputed_ = true;
    }
  }
  // The side stream's expansions (NF4) join the main stream here, so the sync below covers them too. Passes of one
  // kind ask for their weights in one order, which is what lets the side stream expand each next one ahead; a
  // recompute that keeps the attention's inputs asks for fewer.
  const int pass_kind = !checkpointing ? 0 : plan_.kept_attention_inputs ? 2 : 1;
  if (dequant_) dequant_->begin_pass(stream_, int(mode) * 3 + pass_kind);
  // Work still queued on the stream may use the arena; it is reallocated only after that finishes.
  if (plan_.total > arena_.capacity()) CUDA_CHECK(cudaStreamSynchronize(stream_));
  arena_.fit(plan_, mode == StepMode::Train && checkpointing ? kCheckpointedMemoryAdvice : kTrainingMemoryAdvice);
  // The host vectors are pageable, so these copies finish before cudaMemcpyAsync returns: reusing
  // positions_ / seg_start_ on the next call is safe.
  upload_async(buf<int32_t>(plan_.tokens), b.tokens, stream_);
  upload_async(buf<int32_t>(plan_.positions), positions_, stream_);
  upload_async(buf<int32_t>(plan_.seg_start), seg_start_, stream_);
  if (plan_.window_start >= 0) upload_async(buf<int32_t>(plan_.window_start), window_start_, stream_);
  if (need_targets) upload_async(buf<int32_t>(plan_.targets), b.targets, stream_);
  token_scales_.clear();
  drop_.assign(hm_.L, {});
  return checkpointing;
}

void CudaLlama::forward_layers(const Batch& b) {
  const int64_t N = int64_t(b.B) * b.T;
  embed_tokens(N);
  mark(StepPhase::Elementwise);
  for (int l = 0; l < hm_.L; ++l)
    layer_forward(l, buf<bf16>(plan_.xs[l]), buf<bf16>(plan_.xs[l + 1]), b.B, b.T, plan_.layer(l));
}

void CudaLlama::final_norm(int64_t N) {
  rmsnorm_forward(buf<bf16>(plan_.xs[hm_.L]), final_norm_, buf<bf16>(plan_.xf), buf<float>(plan_.rstdf), N, hm_.H,
                  static_cast<float>(config().rms_norm_eps), stream_);
  mark(StepPhase::Elementwise);
}

void CudaLlama::loss_chunk(int64_t c, int64_t r0, int64_t rows, std::optional<float> grad_scale, float* losses) {
  const int64_t H = hm_.H, V = hm_.V;
  bf16* logits = buf<bf16>(plan_.logits);
  matmul_bf16(false, true, rows, V, H, 1.f, buf<bf16>(plan_.xf) + r0 * H, H, lm_head_, H, 0.f, logits, V, stream_);
  const int32_t* targets = buf<int32_t>(plan_.targets) + r0;
  CeSumDevice* result = buf<CeSumDevice>(plan_.ce_results) + c;
  float* scratch = buf<float>(plan_.ce_scratch);
  if (!grad_scale) {
    cross_entropy_forward(logits, targets, losses, result, scratch, rows, V, stream_, hm_.logit_softcap());
    return;
  }
  const float* scales = token_scales_.empty() ? nullptr : buf<float>(plan_.token_scales) + r0;
  cross_entropy_forward_backward(logits, targets, *grad_scale, losses, result, scratch, rows, V, stream_, scales,
                                 hm_.logit_softcap());
}

LossSum CudaLlama::finish_loss(int64_t chunks, const Batch& b) {
  std::vector<CeSumDevice> r(static_cast<size_t>(chunks));
  CUDA_CHECK(cudaMemcpyAsync(r.data(), buf<CeSumDevice>(plan_.ce_results), r.size() * sizeof(CeSumDevice),
                             cudaMemcpyDeviceToHost, stream_));
  CUDA_CHECK(cudaStreamSynchronize(stream_));
  LossSum out;
  for (const CeSumDevice& c : r) {
    if (c.invalid > 0) {  // check_ids rules this out; kept because a kernel-side count is the last line
      for (size_t i = 0; i < b.targets.size(); ++i)
        TF_CHECK(b.targets[i] >= -1 && b.targets[i] < hm_.V,
                 "target " + std::to_string(b.targets[i]) + " at position " + std::to_string(i) +
                     " is outside [-1, " + std::to_string(hm_.V) + ")");
      throw Error("cross-entropy on the device counted " + std::to_string(c.invalid) +
                  " targets outside the vocabulary, but the host saw none: device memory is corrupt");
    }
    out.sum += c.sum, out.count += c.count;
  }
  return out;
}

LossSum CudaLlama::forward_backward(const Batch& b, float grad_scale, bool dropout_on, Rng& rng, bool checkpointing,
                                    const RowScaler& row_scaler) {
  TF_CHECK(lora_on_, "forward_backward needs a LoRA adapter (call init_lora or load_lora first)");
  const bool recompute = begin_step(b, StepMode::Train, checkpointing, true);
  timeline_->begin();  // after the batch's uploads: the phases start with the first kernel
  // Keys for every (layer, projection), drawn whether or not it is adapted, exactly as the CPU draws them.
  if (dropout_on && spec_.dropout > 0.f)
    for (auto& layer : drop_)
      for (auto& d : layer) d = {spec_.dropout, rng.next_u64()};
  const int64_t N = int64_t(b.B) * b.T, H = hm_.H, V = hm_.V;
  forward_layers(b);
  final_norm(N);
  // Loss head per row chunk: logits = xf Eᵀ, fused CE writes dlogits in place, dxf rows = dlogits E.
  StepShape s;
  s.B = b.B, s.T = b.T;
  const int64_t R = s.chunk_rows(), chunks = s.logits_chunks();
  bf16* logits = buf<bf16>(plan_.logits);
  bf16* dxf = buf<bf16>(plan_.dxf);
  if (row_scaler) {
    // Rows weighed by their own losses: every chunk's losses first (the chunks' logits are not all kept, so the
    // pass below computes them again: one more LM-head product), then the scales, one per position, for the pass.
    float* losses = buf<float>(plan_.token_losses);
    for (int64_t c = 0; c < chunks; ++c) {
      const int64_t r0 = c * R, rows = std::min(R, N - r0);
      loss_chunk(c, r0, rows, std::nullopt, losses + r0);
    }
    std::vector<float> host(static_cast<size_t>(N));
    CUDA_CHECK(cudaMemcpyAsync(host.data(), losses, host.size() * 4, cudaMemcpyDeviceToHost, stream_));
    CUDA_CHECK(cudaStreamSynchronize(stream_));
    mark(StepPhase::LossHead);
    token_scales_ = position_scales(row_scaler, host, b.B, b.T);
    upload_async(buf<float>(plan_.token_scales), token_scales_, stream_);
  }
  for (int64_t c = 0; c < chunks; ++c) {
    const int64_t r0 = c * R, rows = std::min(R, N - r0);
    loss_chunk(c, r0, rows, grad_scale);
    matmul_bf16(false, false, rows, H, V, 1.f, logits, V, lm_head_, H, 0.f, dxf + r0 * H, H, stream_);
    mark(StepPhase::LossHead);
  }
  bf16* dx = buf<bf16>(plan_.dx_a);
  bf16* dx_next = buf<bf16>(plan_.dx_b);
  rmsnorm_backward(dxf, buf<bf16>(plan_.xs[hm_.L]), final_norm_, buf<float>(plan_.rstdf), dx, false, N, H, stream_);
  mark(StepPhase::Elementwise);
  for (int l = hm_.L - 1; l >= 0; --l) {
    const LayerSlots& a = plan_.layer(l);
    // Recompute this layer's activations from its saved input (same dropout keys), but for its attention output and
    // log-sum-exp when kept per layer; its output, x_{l+1}, is kept already and not computed again.
    if (recompute) layer_forward(l, buf<bf16>(plan_.xs[l]), nullptr, b.B, b.T, a);
    layer_backward(l, buf<bf16>(plan_.xs[l]), dx, dx_next, l > 0, b.B, b.T, a);
    std::swap(dx, dx_next);
  }
  const LossSum out = finish_loss(chunks, b);
  drop_.assign(hm_.L, {});
  return out;
}

LossSum CudaLlama::forward_loss(const Batch& b, std::vector<double>* row_sums) {
  begin_step(b, StepMode::Loss, false, true);
  const int64_t N = int64_t(b.B) * b.T;
  forward_layers(b);
  final_norm(N);
  StepShape s;
  s.B = b.B, s.T = b.T;
  const int64_t R = s.chunk_rows(), chunks = s.logits_chunks();
  for (int64_t c = 0; c < chunks; ++c) {
    const int64_t r0 = c * R, rows = std::min(R, N - r0);
    loss_chunk(c, r0, rows, std::nullopt, row_sums ? buf<float>(plan_.token_losses) + r0 : nullptr);
  }
  std::vector<float> losses(row_sums ? size_t(N) : 0);
  // Queued before finish_loss's sync, which then covers it.
  if (row_sums)
    CUDA_CHECK(cudaMemcpyAsync(losses.data(), buf<float>(plan_.token_losses), losses.size() * 4, cudaMemcpyDeviceToHost,
                               stream_));
  const LossSum out = finish_loss(chunks, b);
  if (row_sums) *row_sums = row_loss_sums(losses, b.B, b.T);
  return out;
}

std::vector<float> CudaLlama::logits(const std::vector<int32_t>& tokens) {
  Batch b;
  b.B = 1, b.T = static_cast<int>(tokens.size());
  b.tokens = tokens;
  begin_step(b, StepMode::Logits, false, false);
  const int64_t N = b.T, H = hm_.H, V = hm_.V;
  forward_layers(b);
  final_norm(N);
  StepShape s;
  s.B = 1, s.T = b.T;
  const int64_t R = s.chunk_rows(), chunks = s.logits_chunks();
  std::vector<float> out(size_t(N * V));
  float* dev = buf<float>(plan_.logits_f32);
  for (int64_t c = 0; c < chunks; ++c) {
    const int64_t r0 = c * R, rows = std::min(R, N - r0);
    // fp32 output straight from the fp32 accumulators: scoring wants the logits unrounded.
    matmul_bf16_f32out(false, true, rows, V, H, 1.f, buf<bf16>(plan_.xf) + r0 * H, H, lm_head_, H, 0.f, dev, V,
                       stream_);
    softcap_f32(dev, rows * V, hm_.logit_softcap(), stream_);  // Gemma 2's final soft cap (nothing elsewhere)
    CUDA_CHECK(cudaMemcpyAsync(out.data() + r0 * V, dev, size_t(rows * V) * 4, cudaMemcpyDeviceToHost, stream_));
  }
  CUDA_CHECK(cudaStreamSynchronize(stream_));
  return out;
}

}  // namespace tf::cuda
