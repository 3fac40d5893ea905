#pragma once
// The Llama-family decoder on one CUDA device: a TrainableModel over a host LlamaModel's frozen weights,
// mirroring model/llama_layer.cc and model/llama_train.cc step by step (same dropout keys, positions, segment
// starts, checkpoint recompute), in bf16 with fp32 accumulation.
//
// Memory: the frozen weights (bf16, or NF4 packed + absmax exactly as the host holds them, expanded per projection
// into one of two reused bf16 buffers for its matmul), the LoRA state (fp32 masters and gradients, bf16 compute
// copies; the optimizer adds fp32 moments), and ONE arena for everything a step needs (host/arena_plan.h).
// Streams: every kernel runs on the model's non-blocking stream except the NF4 expansions that a second stream runs
// one weight ahead (backend/dequant_pipeline.h; a pass's first weight, and any off the recorded order, are
// expanded on the main stream); the host waits only where it needs a value (the loss sum, the norm).
#include <cuda_runtime.h>

#include <array>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "api.h"
#include "backend/decode_graphs.h"
#include "backend/dequant_pipeline.h"
#include "backend/device_memory.h"
#include "backend/event_timeline.h"
#include "host/arena_plan.h"
#include "model/llama.h"
#include "model/decoder.h"
#include "model/llama_impl.h"
#include "model/trainable.h"

namespace tf::cuda {

// A frozen projection on the device: dense bf16 [out, in] or NF4, plus an optional fp32 bias.
struct DeviceLinear {
  int64_t in = 0, out = 0;
  bool nf4 = false;
  const bf16* w = nullptr;  // dense
  Nf4DeviceView q;          // nf4
  const float* bias = nullptr;
};

struct DeviceLayer {
  const bf16* input_norm = nullptr;
  const bf16* post_norm = nullptr;
  const bf16* q_norm = nullptr;  // [head_dim] each; Qwen3 and Gemma 3 (null otherwise)
  const bf16* k_norm = nullptr;
  const bf16* attn_out_norm = nullptr;  // Gemma 3's output norms (host Layer's); null otherwise
  const bf16* mlp_out_norm = nullptr;
  const float* conv_w = nullptr;  // LFM2's conv layers: [H, K] fp32 (null on attention layers)
  std::array<DeviceLinear, kNumProj> proj;
};

// Where one projection's LoRA tensors live in the contiguous LoRA buffers (element offsets; -1 = not adapted).
struct LoraSlot {
  int64_t a = -1, b = -1;  // A [r, in] at a, B [out, r] at b
};

// Where one layer's decode step keeps keys and values (cuda_llama_decode.cc): rows [0, len0) hold earlier tokens.
struct KvLayerView {
  bf16* k = nullptr;  // [max_len, nkv*hd]
  bf16* v = nullptr;
  int64_t len0 = 0;
  float* conv = nullptr;  // LFM2's conv layers instead: the last K − 1 values of B·x, [K−1, H] fp32
};

class CudaLlama final : public TrainableModel, public Decoder {
 public:
  // Uploads host's frozen weights to `device` (synchronously, once). host must outlive this model.
  CudaLlama(LlamaModel& host, int device);
  ~CudaLlama() override;

  const ModelConfig& config() const override { return host_.config(); }
  int64_t weight_bytes() const override { return weight_bytes_; }
  std::string backend_name() const override { return "cuda"; }
  Decoder* decoder() override { return this; }

  // Decoder (cuda_llama_decode.cc): the KV cache lives on the device, bf16, [layers][max_len][nkv*hd].
  std::unique_ptr<DecodeCache> new_decode_cache(int max_len) override;
  // LFM2: one conv layer's decoding state in a cache, K − 1 values of B·x per channel (0 without conv layers).
  int64_t conv_state_elems() const { return hm_.conv_layers ? int64_t(config().conv_kernel - 1) * hm_.H : 0; }
  void decode(DecodeCache& cache, const int32_t* tokens, int n, float* last_logits) override;
  void decode_step(DecodeCache* const* caches, const int32_t* tokens, int n, float* logits) override;

  void init_lora(const LoraSpec& spec, uint64_t seed) override;
  void load_lora(const PeftAdapter& adapter) override;
  void clear_lora() override;
  PeftAdapter export_lora(const std::string& base_name) const override;
  int64_t lora_parameters() const override { return lora_on_ ? lora_n_ : 0; }
  void zero_lora_grads() override;
  std::vector<std::vector<float>> lora_grads_host() const override;
  std::unique_ptr<LoraOptimizer> make_optimizer(const train::AdamWHyper& hyper) override;

  LossSum forward_backward(const Batch& batch, float grad_scale, bool dropout_on, Rng& rng,
                           bool checkpointing, const RowScaler& row_scaler = nullptr) override;
  LossSum forward_loss(const Batch& batch, std::vector<double>* row_sums = nullptr) override;
  std::vector<float> logits(const std::vector<int32_t>& tokens) override;

  int64_t activation_bytes(int B, int T, bool checkpointing) const override;
  int64_t measured_peak_bytes() const override;
  void reset_peak_bytes() override;
  // Frozen weights, LoRA + optimizer, and the last step's activations / scratch / logits chunk.
  std::string memory_report() const override;
  StepTimeline& step_timeline() override { return *timeline_; }

  // --- for CudaLoraOptimizer (cuda_optimizer.cc) ---
  struct LoraDevice {
    float* w = nullptr;  // fp32 masters, all tensors back to back in parameter order
    float* g = nullptr;  // fp32 gradients, same layout
    bf16* compute = nullptr;
    int64_t n = 0;
  };
  LoraDevice lora_device() const;
  const std::vector<std::string>& lora_names() const { return lora_names_; }
  std::vector<std::string> lora_param_names() const override { return lora_names_; }
  const std::vector<size_t>& lora_sizes() const { return lora_sizes_; }
  cudaStream_t stream() const { return stream_; }
  void activate() const;          // cudaSetDevice: every entry point, since callers may switch threads
  void refresh_lora_compute();    // bf16 compute copies from the fp32 masters (after a step / load)
  void add_optimizer_bytes(int64_t delta) { optimizer_bytes_ += delta; }

 private:
  // cuda_llama.cc: weights and LoRA management
  void upload_weights();
  void upload_lora_from_host();  // host.lora_params() → device masters; zero grads; refresh compute copies
  ModelDims dims() const;
  bool has_nf4() const;  // some frozen projection is NF4 (the dequant buffers and the second stream)
  // cuda_llama_layer.cc
  // The bf16 weight of a projection for its matmul: dense as stored, or NF4 expanded into an arena buffer (by the
  // side stream, ahead, when the pass repeats an earlier one). weight_read after the matmul frees that buffer.
  const bf16* weight_for(const DeviceLinear& lin);
  void weight_read(const DeviceLinear& lin);
  void proj_forward(int l, int p, const bf16* x, bf16* y, int64_t N, bf16* lora_u);
  // Projections whose outputs one fused weight gives on Phi-3 (q, k, v from qkv_proj in slot `first`; gate, up from
  // gate_up_proj; GLM-4: gate, up): outs[i] null for all = only the LoRA intermediate, as proj_forward. Otherwise
  // each its own.
  void fused_forward(int l, int first, int parts, const bf16* x, bf16* const* outs, int64_t N, const LayerSlots& a);
  // Their backward: the parts' gradients joined for the fused projection (dx written, or null), else one by one.
  void fused_backward(int l, int first, int parts, const bf16* x, const bf16* const* douts, bf16* dx, int64_t N,
                      const LayerSlots& a);
  // Whether the projections from slot `first` (kQ: q, k, v; kGate: gate, up) are one fused weight.
  bool fused_slot(int first) const { return first == kQ ? hm_.cfg.fused.qkv : hm_.cfg.fused.gate_up; }
  // Width of part i of the fused projection in slot `first`: q, k, v's (kQ) or gate, up's (kGate).
  int64_t fused_part_width(int first, int i) const {
    return first == kQ ? int64_t(i == 0 ? hm_.nh : hm_.nkv) * hm_.hd : int64_t(hm_.I);
  }
  void proj_backward(int l, int p, const bf16* x, const bf16* dy, bf16* dx, bool accumulate, int64_t N,
                     const bf16* lora_u);
  // kv: decoding (B = 1): append this call's keys/values to the cache and attend over it instead of within T.
  // Decoding: kv, the N rows are one sequence's next tokens; step (device memory), the N rows are N sequences'
  // next token each (decode_step). x_out null: a gradient-checkpointing recompute, which rebuilds only what
  // layer_backward reads and is not kept in `a` (no attention when plan_.kept_attention; no q/k/v/o projection
  // output, RoPE or first residual add when plan_.kept_attention_inputs, only their LoRA intermediates; never the
  // down projection or the last residual add, and no silu(gate)·up unless down carries an adapter).
  void layer_forward(int l, const bf16* x_in, bf16* x_out, int B, int T, const LayerSlots& a,
                     const KvLayerView* kv = nullptr, const DecodeSeq* step = nullptr);
  void layer_backward(int l, const bf16* x_in, const bf16* dx_out, bf16* dx_in, bool need_dx, int B, int T,
                      const LayerSlots& a);
  // The attention's backward from its output gradient datt to the q/k/v projections' (dxn written, or null).
  void attention_q_k_v_backward(int l, const bf16* xn1, const bf16* datt, bf16* dxn, int B, int T, const LayerSlots& a);
  // cuda_llama_conv.cc: LFM2's conv layers, in_proj and the convolution (a.att: its gated output, out_proj's input).
  // kept_output / skip_inputs: a checkpoint recompute whose gated output, or also in_proj's output, the forward kept.
  void conv_forward(int l, const bf16* xn1, int B, int T, const LayerSlots& a, bool kept_output, bool skip_inputs,
                    const KvLayerView* kv, const DecodeSeq* step);
  // From the gated output's gradient datt through the convolution and in_proj (dxn written, or null).
  void conv_backward(int l, const bf16* xn1, const bf16* datt, bf16* dxn, int B, int T, const LayerSlots& a);
  // Gemma 3's per-layer choices, as the host model makes them: the RoPE table, the first visible keys (the batch's
  // segment starts, or on a sliding layer those narrowed to the window), and the window for decoding (0 = none).
  const float* rope_freqs(int l) const {
    return hm_.local_rope(l) ? inv_freq_local_ : long_rope_ ? inv_freq_long_ : inv_freq_;
  }
  // A batched decoding step: the short table, and the long one per row by its own position (the host's long_rows).
  const float* step_rope_freqs(int l) const { return hm_.local_rope(l) ? inv_freq_local_ : inv_freq_; }
  RopeLongRows step_long_rows(int l) const {
    if (!inv_freq_long_ || hm_.local_rope(l)) return {};
    return {inv_freq_long_, int32_t(hm_.long_rope_from)};
  }
  // Ministral 3's query temperature, the host model's (every layer's q, by each row's own position).
  RopeTemperature q_temperature() const { return {hm_.q_temperature.beta, hm_.q_temperature.interval}; }
  const int32_t* attention_starts(int l) const {
    return buf<int32_t>(hm_.sliding(l) ? plan_.window_start : plan_.seg_start);
  }
  int64_t decode_window(int l) const { return hm_.sliding(l) ? config().sliding_window : 0; }
  void embed_tokens(int64_t N);  // x_0 = the embedding rows of the uploaded tokens (Gemma: scaled)
  // A sublayer's input norm on N rows of H into n, returning n; or, where the model has none (w null: OLMo 2 and 3),
  // the input itself (n and rstd unused: the plan has no slots for them). The backward accumulates into dx.
  const bf16* normed_input(const bf16* w, const bf16* x, bf16* n, float* rstd, int64_t N);
  void input_norm_backward(const bf16* w, const bf16* dn, const bf16* x, const float* rstd, bf16* dx, int64_t N);
  // The width of one q_norm / k_norm row for `heads` heads: a head (Qwen3, Gemma 3), or all of them (OLMo 2).
  int64_t qk_norm_width(int64_t heads) const { return hm_.cfg.qk_norm_whole ? heads * hm_.hd : hm_.hd; }
  void gate_forward(const bf16* g, const bf16* u, bf16* h, int64_t n);
  void gate_backward(const bf16* dh, const bf16* g, const bf16* u, bf16* dg, bf16* du, int64_t n);
  // cuda_llama_train.cc
  // Returns whether a training step recomputes its layers in backward: `checkpointing`, or true when the step's
  // activations without it would not fit on the device.
  bool begin_step(const Batch& b, StepMode mode, bool checkpointing, bool need_targets);
  void forward_layers(const Batch& b);
  void final_norm(int64_t N);
  // Loss head of rows [r0, r0 + rows) (chunk c): logits = xf Eᵀ into the logits buffer, then the cross-entropy.
  // With grad_scale, the fused kernel leaves grad_scale · dlogits in that buffer; without (std::nullopt), only the
  // loss is taken and the N×V gradient writes are skipped. losses (device, rows) receives the rows' losses when
  // non-null.
  void loss_chunk(int64_t c, int64_t r0, int64_t rows, std::optional<float> grad_scale, float* losses = nullptr);
  LossSum finish_loss(int64_t chunks, const Batch& b);  // the one sync: read and sum the CeSumDevice results

  template <typename T>
  T* buf(int64_t offset) const { return arena_.at<T>(offset); }
  void mark(StepPhase p) { timeline_->mark(p); }

  LlamaModel& host_;
  const LlamaModel::Impl& hm_;
  int device_ = 0;
  cudaStream_t stream_ = nullptr;
  std::unique_ptr<EventTimeline> timeline_;  // profiling marks on stream_ (off unless the trainer asks)

  // frozen weights
  std::vector<DeviceBuffer> weights_;
  std::vector<DeviceLayer> layers_;
  const bf16* embed_ = nullptr;
  const bf16* lm_head_ = nullptr;  // == embed_ when tied
  const bf16* final_norm_ = nullptr;
  const float* inv_freq_ = nullptr;
  const float* inv_freq_local_ = nullptr;  // the sliding layers' own RoPE, Gemma 3's and OLMo 3's (null: inv_freq_ everywhere)
  const float* inv_freq_long_ = nullptr;   // longrope's long table (Phi-3.5-mini, Phi-4-mini); null elsewhere
  // Whether the current step's positions reach longrope's original context (set by begin_step): its passes then
  // rotate with inv_freq_long_, as the host model's long_rope decides.
  bool long_rope_ = false;
  int64_t weight_bytes_ = 0;

  // LoRA
  bool lora_on_ = false;
  LoraSpec spec_;
  float scaling_ = 0.f;
  std::vector<std::array<LoraSlot, kNumProj>> slots_;
  std::array<bool, kNumProj> adapted_{};
  DeviceBuffer lora_w_, lora_g_, lora_bf_;
  int64_t lora_n_ = 0;
  std::vector<std::string> lora_names_;
  std::vector<size_t> lora_sizes_;
  int64_t optimizer_bytes_ = 0;
  // Per-forward dropout {p, key} per [layer][proj]; p == 0 everywhere when dropout is off.
  std::vector<std::array<std::pair<float, uint64_t>, kNumProj>> drop_;

  // per step
  Arena arena_;
  ArenaPlan plan_;
  // NF4 models only; declared after the arena so it is destroyed first (its stream may still write there).
  std::unique_ptr<DequantPipeline> dequant_;
  // The batched decode step as CUDA graphs, per batch size. lora_version_ changes whenever the adapter's device
  // buffers or slots do, which a captured step would otherwise still point at.
  DecodeGraphs graphs_;
  uint64_t lora_version_ = 0;
  // Some training step since the model was loaded was asked to run without checkpointing, but keeping every layer's
  // activations would not fit: it checkpointed instead (same gradients); the memory report says so.
  bool checkpointing_turned_on_ = false;
  // Some checkpointed pass since the model was loaded had no room to keep each layer's attention output (its
  // recompute redid the attention); the memory report says so.
  bool attention_recomputed_ = false;
  // ... or to keep its q, k, v and x2 (its recompute redid the q/k/v/o projections).
  bool attention_inputs_recomputed_ = false;
  bool attention_inputs_off_ = false;  // the last step's TF_CUDA_KEEP_ATTENTION_INPUTS=0 (checkpointing)
  // A batched decode step's sequences (DecodeSeq per row), uploaded once per step; grows to the largest batch.
  DeviceBuffer step_seqs_;
  std::vector<int32_t> positions_, seg_start_, window_start_;
  // This pass's per-position gradient scales (a RowScaler's, one per position); empty when every row weighs the
  // same.
  std::vector<float> token_scales_;
};

}  // namespace tf::cuda
