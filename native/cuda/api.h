#pragma once
// Launchers of the CUDA kernels (native/cuda/*.cu): what a CUDA backend of the trainer calls. Every launcher
// enqueues on `stream` and returns without synchronizing; bad arguments throw tf::Error before anything is
// launched. Activations are bf16, statistics and optimizer state fp32, accumulation always fp32. Each kernel
// mirrors a CPU reference in native/src (named per launcher), which cuda_check compares it against.
#include <cuda_bf16.h>
#include <cuda_runtime.h>

#include <cstdint>
#include <string>

namespace tf::cuda {

using bf16 = __nv_bfloat16;

// ---- nf4_dequant.cu (quant/nf4.h) ----
// A tf::Nf4Tensor's arrays in device memory. dyn_map: the 256 floats of tf::dynamic_map_signed() (double quant).
struct Nf4DeviceView {
  int64_t rows = 0, cols = 0;
  const uint8_t* packed = nullptr;
  bool double_quant = false;
  const float* absmax = nullptr;     // !double_quant
  const uint8_t* absmax_q8 = nullptr;  // double_quant
  const float* absmax2 = nullptr;    // double_quant
  float absmax_offset = 0.f;         // double_quant
  const float* dyn_map = nullptr;    // double_quant
};
// Rows [row_begin, row_end) into out (row-major, (row_end-row_begin)*cols bf16): a scratch buffer the caller
// reuses (the CUDA model has two, filled one weight ahead on a second stream). Values are bf16(code * absmax) with absmax recovered exactly as nf4_dequantize_rows does.
void nf4_dequantize_rows_bf16(const Nf4DeviceView& t, int64_t row_begin, int64_t row_end, bf16* out,
                              cudaStream_t stream);

// ---- nf4_gemv.cu ----
// y [n, rows] = x [n, cols] Wᵀ for n <= kNf4GemvMaxRows, reading W's NF4 codes directly (decoding): the same
// values as nf4_dequantize_rows_bf16 followed by a GEMM with fp32 accumulation, without the bf16 copy of W.
constexpr int kNf4GemvMaxRows = 8;
void nf4_gemv_bf16(const Nf4DeviceView& t, const bf16* x, bf16* y, int64_t n, cudaStream_t stream);

// ---- rmsnorm.cu (kernels/rmsnorm.h) ----
// Both may run in place (y == x; dx == dy without accumulate): a row is read whole before any of it is written, by
// the thread that writes it. Qwen3's per-head q/k norms rely on that.
void rmsnorm_forward(const bf16* x, const bf16* w, bf16* y, float* rstd, int64_t N, int64_t C, float eps,
                     cudaStream_t stream);
void rmsnorm_backward(const bf16* dy, const bf16* x, const bf16* w, const float* rstd, bf16* dx, bool accumulate,
                      int64_t N, int64_t C, cudaStream_t stream);

// ---- rope.cu (kernels/rope.h); inv_freq [rotary_dim/2] from the host's kernels::rope_inv_freq ----
// rotary_dim (0 = head_dim): the rotated first values of each head, the rest passed through (Phi-4-mini); scale: the
// rotated values' factor (longrope's or yarn's attention factor); interleaved: pairs (2j, 2j + 1), GLM-4's.
// long_rows: longrope's per-row table for a batched decoding step (kernels/rope.h RopeLongRows).
// temperature: Ministral 3's queries' factor by position, 1 + beta · ln(1 + floor(p / interval)) (kernels/rope.h
// QueryTemperature; every dimension must rotate); beta 0: none.
struct RopeLongRows {
  const float* inv_freq = nullptr;  // device
  int32_t from = INT32_MAX;
};
struct RopeTemperature {
  float beta = 0.f;
  int32_t interval = 0;
};
void rope_forward(bf16* x, const int32_t* positions, const float* inv_freq, int64_t N, int64_t heads,
                  int64_t head_dim, cudaStream_t stream, int64_t rotary_dim = 0, float scale = 1.f,
                  bool interleaved = false, RopeLongRows long_rows = {}, RopeTemperature temperature = {});
void rope_backward(bf16* dx, const int32_t* positions, const float* inv_freq, int64_t N, int64_t heads,
                   int64_t head_dim, cudaStream_t stream, int64_t rotary_dim = 0, float scale = 1.f,
                   bool interleaved = false, RopeTemperature temperature = {});

// ---- swiglu.cu (kernels/swiglu.h): the MLP's gate, SwiGLU or Gemma 3's tanh-GELU GeGLU ----
void swiglu_forward(const bf16* g, const bf16* u, bf16* h, int64_t n, cudaStream_t stream);
void swiglu_backward(const bf16* dh, const bf16* g, const bf16* u, bf16* dg, bf16* du, int64_t n,
                     cudaStream_t stream);
void geglu_tanh_forward(const bf16* g, const bf16* u, bf16* h, int64_t n, cudaStream_t stream);
void geglu_tanh_backward(const bf16* dh, const bf16* g, const bf16* u, bf16* dg, bf16* du, int64_t n,
                         cudaStream_t stream);

// ---- cross_entropy.cu (kernels/cross_entropy.h) ----
// Device-side result: the loss sum over counted rows (double, like CeSum), the counted rows, and the number of
// targets outside [-1, V) (the kernel cannot throw; the caller checks `invalid` after its next sync).
struct CeSumDevice {
  double sum;
  long long count;
  long long invalid;
};
// Scratch the launcher needs: 2 * N * ce_chunks(V).count floats (per-chunk max and Σexp) + 2 * N (row logsumexp, row
// losses). N <= 65535 rows per call (grid.y); callers chunk bigger batches.
int64_t cross_entropy_scratch_floats(int64_t N, int64_t V);
// Fused forward + backward over vocabulary chunks: losses [N] (0 for ignored rows; may be null), *result, and
// logits overwritten by grad_scale s_i (softmax - onehot) (zero rows where target == -1), s_i = scales[i] when
// scales [N] (device) is given, else 1.
// softcap > 0 (Gemma 2's final_logit_softcapping): the loss is of softcap·tanh(z / softcap), computed in fp32 from
// the bf16 logits as read, and the gradient is with respect to the logits as given (times 1 − tanh²), as the CPU's.
void cross_entropy_forward_backward(bf16* logits, const int32_t* targets, float grad_scale, float* losses,
                                    CeSumDevice* result, float* scratch, int64_t N, int64_t V, cudaStream_t stream,
                                    const float* scales = nullptr, float softcap = 0.f);
// The loss alone (losses, *result as above; scratch as above): the logits are left untouched.
void cross_entropy_forward(const bf16* logits, const int32_t* targets, float* losses, CeSumDevice* result,
                           float* scratch, int64_t N, int64_t V, cudaStream_t stream, float softcap = 0.f);

// ---- adamw.cu (train/adamw.h) ----
// One tensor, step t (1-based): torch AdamW in fp32 master weights and moments, same operation order as the CPU.
void adamw_update(float* w, const float* g, float* m, float* v, int64_t n, double beta1, double beta2, double eps,
                  double weight_decay, int64_t t, double lr, cudaStream_t stream);
// Global gradient norm over several tensors: zero *sq_sum once, accumulate every tensor, then clip each tensor
// with the device-side sum (no host round trip); read *sq_sum later for the logged norm = sqrt(sum).
void grad_sq_sum_zero(double* sq_sum, cudaStream_t stream);
void grad_sq_sum_accumulate(const float* g, int64_t n, double* sq_sum, cudaStream_t stream);
void grad_clip(float* g, int64_t n, const double* sq_sum, double max_norm, cudaStream_t stream);

// ---- gemm.cu (kernels/gemm.h layout rules) ----
// C[M,N] = alpha * op(A) op(B) + beta * C; A, B bf16 (A [M,K] or stored [K,M] when trans_a; B [K,N] or stored
// [N,K] when trans_b: y = x Wᵀ is trans_b), fp32 accumulation on tensor cores. beta == 0 never reads C.
void gemm_bf16(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha, const bf16* A,
               int64_t lda, const bf16* B, int64_t ldb, float beta, bf16* C, int64_t ldc, cudaStream_t stream);
// Same with an fp32 C (LoRA weight gradients, anything accumulated across micro-batches).
void gemm_bf16_f32out(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha, const bf16* A,
                      int64_t lda, const bf16* B, int64_t ldb, float beta, float* C, int64_t ldc,
                      cudaStream_t stream);

// ---- attention.cu, attention_backward.cu (kernels/attention.h) ----
// Causal grouped-query attention for training (Tq == Tk == T, q_offset 0), flash-style: tiles of queries
// against tiles of keys with an online softmax, so no T x T matrix exists; only each query's log-sum-exp is
// kept for backward. q, out, dq [B*T, nh*hd]; k, v, dk, dv [B*T, nkv*hd] (bf16); lse [B, nh, T] fp32 (natural log
// of the scaled scores' Σexp, exactly what the CPU's attention_forward writes). seg_start [B*T]: first visible key
// of each query within its row (packed segments; null = 0). Query head h reads kv head h / (nh / nkv).
// hd: any multiple of 8 up to 256 (64 and 128, the Llama shapes, are the tuned paths).
struct AttnDims {
  int64_t B = 0, T = 0, nh = 0, nkv = 0, hd = 0;
  // Gemma 2's soft cap (0 = none): each scaled score s is softcap·tanh(s / softcap) before the mask and softmax (lse
  // is of the capped scores), and backward goes through it (times 1 − tanh²), as the CPU's AttnShape::softcap.
  float softcap = 0.f;
};
void attention_forward(const AttnDims& d, const bf16* q, const bf16* k, const bf16* v, const int32_t* seg_start,
                       float* lse, bf16* out, cudaStream_t stream);
// fp32 scratch attention_backward needs (D = rowsum(dout ∘ out) and fp32 dq/dk/dv accumulators, as it chooses).
int64_t attention_backward_scratch_floats(const AttnDims& d);
// dq, dk, dv are overwritten; dk/dv are summed over the query heads of each kv group. out/lse: the forward's.
void attention_backward(const AttnDims& d, const bf16* q, const bf16* k, const bf16* v, const bf16* out,
                        const bf16* dout, const int32_t* seg_start, const float* lse, float* scratch, bf16* dq,
                        bf16* dk, bf16* dv, cudaStream_t stream);

// ---- attention_decode.cu (the attention of model/llama_decode.cc) ----
// Generation with a KV cache: n query rows at positions len0 .. len0 + n - 1 (q, out [n, nh*hd]) against the
// cache's keys and values (k_cache, v_cache [>= len0 + n, nkv*hd], this call's rows already written); row i sees
// keys [0, len0 + i], or only its last `window` of them when window > 0 (a sliding layer). Any hd up to 256.
struct AttnDecodeDims {
  int64_t n = 0, len0 = 0, nh = 0, nkv = 0, hd = 0;
  int64_t window = 0;
  float softcap = 0.f;  // as AttnDims::softcap
};
void attention_decode(const AttnDecodeDims& d, const bf16* q, const bf16* k_cache, const bf16* v_cache, bf16* out,
                      cudaStream_t stream);
// A batched generation step: n sequences, one new token each. Sequence i's cache for layer `layer` starts at
// seqs[i].k + layer * seqs[i].layer_stride (and .v likewise; [max_len, nkv*hd] per layer) and holds len0 tokens.
// Appends row i of k_new/v_new ([n, nkv*hd]) to it at len0, and writes row i of out ([n, nh*hd]): q's row i
// attending over keys [0, len0] (the last `window` of them when window > 0). seqs lives in device memory. Any hd up
// to 256.
struct DecodeSeq {
  bf16* k = nullptr;
  bf16* v = nullptr;
  int64_t layer_stride = 0;  // elements between one layer's cache and the next's
  int64_t len0 = 0;
  // LFM2: the sequence's conv states, [K−1, H] fp32 per conv layer, conv_stride elements apart (short_conv.cu).
  float* conv = nullptr;
  int64_t conv_stride = 0;
};
struct AttnDecodeStepDims {
  int64_t n = 0, nh = 0, nkv = 0, hd = 0, layer = 0;
  int64_t window = 0;
  float softcap = 0.f;  // as AttnDims::softcap
};
void attention_decode_step(const AttnDecodeStepDims& d, const bf16* q, const bf16* k_new, const bf16* v_new,
                           const DecodeSeq* seqs, bf16* out, cudaStream_t stream);

// ---- short_conv.cu (kernels/short_conv.h): LFM2's gated short convolution ----
// bcx [B*T, 3H] bf16: in_proj's output, whose thirds are B, C and x; w [H, K] fp32 (the host's conv weights, w[c, K−1]
// weighs the current position); seg_start [B*T]: the first position within its row of each position's segment (null
// = the row's start; earlier positions count as zeros). conv [B*T, H] = Σ_j w[c, j]·(B·x)[t − (K−1) + j] in fp32,
// stored bf16 for backward; y [B*T, H] = C·conv (from the fp32 conv); y null: conv only (a checkpoint recompute).
struct ConvDims {
  int64_t B = 0, T = 0, H = 0;
  int K = 0;  // kernel length, 1..kConvMaxKernel
};
constexpr int kConvMaxKernel = 64;  // conv_L_cache's range in native/src/io/config_lfm2.cc
void short_conv_forward(const ConvDims& d, const bf16* bcx, const float* w, const int32_t* seg_start, bf16* conv,
                        bf16* y, cudaStream_t stream);
// dy [B*T, H] → dbcx [B*T, 3H] (overwritten): dB = dBx·x, dC = dy·conv, dx = dBx·B, with dBx[s] = Σ_j w[c, j]·(dy·C)
// over the outputs s .. s + K − 1 of s's own segment (the CPU's short_conv_backward).
void short_conv_backward(const ConvDims& d, const bf16* dy, const bf16* bcx, const bf16* conv, const float* w,
                         const int32_t* seg_start, bf16* dbcx, cudaStream_t stream);
// Decoding n new positions of one sequence: state [K−1, H] fp32 (device) holds its last K−1 values of B·x, oldest
// first (zeros before the sequence's start); y [n, H] as short_conv_forward gives them, and state moves on past them.
void short_conv_decode(const bf16* bcx, const float* w, int64_t n, int64_t H, int K, float* state, bf16* y,
                       cudaStream_t stream);
// A batched decoding step: row i of bcx / y is sequence i's next position, its state for conv layer `conv_layer` at
// seqs[i].conv + conv_layer · seqs[i].conv_stride (moved on in place). seqs lives in device memory.
void short_conv_decode_step(const bf16* bcx, const float* w, int64_t n, int64_t H, int K, const DecodeSeq* seqs,
                            int64_t conv_layer, bf16* y, cudaStream_t stream);

// ---- matmul (blas.h / cublaslt.cc): the GEMM every caller uses ----
// Same contract as gemm_bf16 / gemm_bf16_f32out, dispatched to cuBLASLt when libcublasLt.so could be loaded at
// run time (dlopen; TF_CUDA_GEMM=wmma forces our kernels), otherwise to the WMMA kernels above. Thread-safe.
void matmul_bf16(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha, const bf16* A,
                 int64_t lda, const bf16* B, int64_t ldb, float beta, bf16* C, int64_t ldc, cudaStream_t stream);
void matmul_bf16_f32out(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha, const bf16* A,
                        int64_t lda, const bf16* B, int64_t ldb, float beta, float* C, int64_t ldc,
                        cudaStream_t stream);
// Frees the cuBLASLt workspace matmul keeps for `stream` (one per stream that ran a GEMM). Call it, after the
// stream's work has finished, before destroying a stream: otherwise every model or bench that creates a stream
// leaves its workspace (tens of MiB) behind in a long-lived worker. No-op for a stream that never used cuBLASLt.
void matmul_release_stream(cudaStream_t stream);
// The bytes of cuBLASLt workspace matmul holds for `stream` (0 when it has none): device memory a model's memory
// report must count, though no plan of ours allocates it.
size_t matmul_workspace_bytes(cudaStream_t stream);
// "cublaslt <version>" or "wmma (<why cuBLASLt is not used>)", for reports and cuda_check's header.
const char* matmul_backend_description();
// The same for the process before any device is used: whether libcublasLt loads (dlopen only: no device context,
// no handle), for doctor and /api/health; "unusable (...)" when TF_CUDA_GEMM makes every GEMM fail. A device may
// still set cuBLASLt aside later (matmul_backend_description).
std::string matmul_library_description();

// ---- lora.cu (kernels/lora.h) ----
// PEFT's branch y += s · B (A dropout(x)) on bf16 activations. A [r, in], B [out, r] are the bf16 compute copies of
// the fp32 masters (lora_cast_to_bf16 after each optimizer step); gradients accumulate into fp32 dA, dB.
// Dropout matches the CPU's bit for bit: element e = i*in + c is kept iff kernels::lora_keep(key, e, threshold),
// kept values scaled by 1 / (1 - p); p == 0 is off (x read directly).
struct LoraDeviceDims {
  int64_t N = 0, in = 0, out = 0, r = 0;
};
// bf16 scratch lora_forward / lora_backward need: N * in (the dropped-out x) + N * r.
int64_t lora_scratch_elems(const LoraDeviceDims& d);
// u [N, r] (bf16, kept for backward) = dropout(x) Aᵀ; y [N, out] += s u Bᵀ; y null: u only (a checkpoint recompute).
void lora_forward(const LoraDeviceDims& d, const bf16* x, const bf16* A, const bf16* B, float scale, float drop_p,
                  uint64_t drop_key, bf16* u, bf16* y, bf16* scratch, cudaStream_t stream);
// dB += s dyᵀ u; dA += (s dy B)ᵀ dropout(x); dx (may be null) += mask ∘ (s dy B A) / (1 - p).
void lora_backward(const LoraDeviceDims& d, const bf16* x, const bf16* A, const bf16* B, float scale, float drop_p,
                   uint64_t drop_key, const bf16* u, const bf16* dy, float* dA, float* dB, bf16* dx, bf16* scratch,
                   cudaStream_t stream);
// fp32 → bf16 (round to nearest even), e.g. LoRA masters into their compute copies; and the reverse.
void cast_f32_to_bf16(const float* in, bf16* out, int64_t n, cudaStream_t stream);
void cast_bf16_to_f32(const bf16* in, float* out, int64_t n, cudaStream_t stream);
// y[i] = y[i] · y_scale + x[i] (residual adds; y_scale: Granite's residual_multiplier on the sublayer's output y),
// bf16 storage, fp32 arithmetic with one rounding.
void add_inplace_bf16(bf16* y, const bf16* x, int64_t n, cudaStream_t stream, float y_scale = 1.f);
// out[i] = in[i] · s (the gradient reaching a scaled sublayer output), bf16 storage, fp32 arithmetic.
void scale_bf16(bf16* out, const bf16* in, float s, int64_t n, cudaStream_t stream);
// z[i] = softcap · tanh(z[i] / softcap) in place (Gemma 2's capped logits for scoring and sampling; kernels::
// softcap_logits); softcap <= 0 enqueues nothing.
void softcap_f32(float* z, int64_t n, float softcap, cudaStream_t stream);

}  // namespace tf::cuda
