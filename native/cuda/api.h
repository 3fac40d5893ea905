#pragma once
// Launchers of the CUDA kernels (native/cuda/*.cu): what a CUDA backend of the trainer calls. Every launcher
// enqueues on `stream` and returns without synchronizing; bad arguments throw tf::Error before anything is
// launched. Activations are bf16, statistics and optimizer state fp32, accumulation always fp32. Each kernel
// mirrors a CPU reference in native/src (named per launcher), which cuda_check compares it against.
#include <cuda_bf16.h>
#include <cuda_runtime.h>

#include <cstdint>

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
// Rows [row_begin, row_end) into out (row-major, (row_end-row_begin)*cols bf16): the caller's one reused
// scratch buffer. Values are bf16(code * absmax) with absmax recovered exactly as nf4_dequantize_rows does.
void nf4_dequantize_rows_bf16(const Nf4DeviceView& t, int64_t row_begin, int64_t row_end, bf16* out,
                              cudaStream_t stream);

// ---- rmsnorm.cu (kernels/rmsnorm.h) ----
void rmsnorm_forward(const bf16* x, const bf16* w, bf16* y, float* rstd, int64_t N, int64_t C, float eps,
                     cudaStream_t stream);
void rmsnorm_backward(const bf16* dy, const bf16* x, const bf16* w, const float* rstd, bf16* dx, bool accumulate,
                      int64_t N, int64_t C, cudaStream_t stream);

// ---- rope.cu (kernels/rope.h); inv_freq [head_dim/2] from the host's kernels::rope_inv_freq ----
void rope_forward(bf16* x, const int32_t* positions, const float* inv_freq, int64_t N, int64_t heads,
                  int64_t head_dim, cudaStream_t stream);
void rope_backward(bf16* dx, const int32_t* positions, const float* inv_freq, int64_t N, int64_t heads,
                   int64_t head_dim, cudaStream_t stream);

// ---- swiglu.cu (kernels/swiglu.h) ----
void swiglu_forward(const bf16* g, const bf16* u, bf16* h, int64_t n, cudaStream_t stream);
void swiglu_backward(const bf16* dh, const bf16* g, const bf16* u, bf16* dg, bf16* du, int64_t n,
                     cudaStream_t stream);

// ---- cross_entropy.cu (kernels/cross_entropy.h) ----
// Device-side result: the loss sum over counted rows (double, like CeSum), the counted rows, and the number of
// targets outside [-1, V) (the kernel cannot throw; the caller checks `invalid` after its next sync).
struct CeSumDevice {
  double sum;
  long long count;
  long long invalid;
};
// Scratch the launcher needs: 2 * N * ce_chunks(V).count floats + N floats (row logsumexp).
int64_t cross_entropy_scratch_floats(int64_t N, int64_t V);
// Fused forward + backward over vocabulary chunks: losses [N] (0 for ignored rows; may be null), *result, and
// logits overwritten by grad_scale (softmax - onehot) (zero rows where target == -1).
void cross_entropy_forward_backward(bf16* logits, const int32_t* targets, float grad_scale, float* losses,
                                    CeSumDevice* result, float* scratch, int64_t N, int64_t V, cudaStream_t stream);

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

}  // namespace tf::cuda
