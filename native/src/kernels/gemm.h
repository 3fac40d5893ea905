#pragma once
// fp32 GEMM, row-major: C[M,N] = beta*C + alpha * op(A) op(B), op(A) = A [M,K] or Aᵀ (A stored [K,M]),
// op(B) = B [K,N] or Bᵀ (B stored [N,K], the weight layout: y = x Wᵀ is trans_b = true).
// BLIS-style: pack A and B into micro-panels, an MRxNR register-blocked micro-kernel per ISA. Each C element is
// summed by one thread in a fixed k order (blocks of kGemmKC), so the result does not depend on the thread
// count; a K split into calls at multiples of kGemmKC (beta = 1 after the first) gives the same bits as one call
// (except on the few-row dot-product path, M <= kGemvMaxRows with trans_b, which sums each element in one go).
#include <cstdint>

#include "common/threadpool.h"
#include "kernels/isa.h"

namespace tf::kernels {

constexpr int kGemmKC = 256;

struct GemmArgs {
  bool trans_a = false, trans_b = false;
  int64_t M = 0, N = 0, K = 0;
  const float* A = nullptr;
  int64_t lda = 0;
  const float* B = nullptr;
  int64_t ldb = 0;
  float* C = nullptr;
  int64_t ldc = 0;
  float alpha = 1.f, beta = 0.f;  // beta == 0 never reads C (it may hold garbage)
};

// The arguments of one GEMM, positionally (the kernels that chain several GEMMs: attention, LoRA).
inline GemmArgs gemm_args(bool ta, bool tb, int64_t M, int64_t N, int64_t K, const float* A, int64_t lda,
                          const float* B, int64_t ldb, float* C, int64_t ldc, float alpha, float beta) {
  GemmArgs g;
  g.trans_a = ta, g.trans_b = tb, g.M = M, g.N = N, g.K = K;
  g.A = A, g.lda = lda, g.B = B, g.ldb = ldb, g.C = C, g.ldc = ldc, g.alpha = alpha, g.beta = beta;
  return g;
}

// pool == nullptr runs on the calling thread (used inside other parallel loops, e.g. per attention head).
void sgemm(const GemmArgs& g, ThreadPool* pool);

// Convenience for the common shapes. y[M,N] (+)= x[M,K] · W[N,K]ᵀ
void matmul_xwt(ThreadPool* pool, const float* x, const float* W, float* y, int64_t M, int64_t N, int64_t K,
                float beta = 0.f, float alpha = 1.f);

// Plain triple loop in double (the reference the tests compare against).
void sgemm_reference(const GemmArgs& g);

// Best fp32 GEMM rate (GFLOP/s) this machine reaches with these kernels on `pool`: square-ish problems
// sized to the caches, best of several repeats over roughly `seconds`.
double gemm_peak_gflops(ThreadPool& pool, double seconds = 1.0);

// Micro-kernel interface (internal, shared by gemm.cc and the per-ISA files). Computes acc = sum_k
// Ap[k][0..MR) ⊗ Bp[k][0..NR) over kc steps and stores C = (overwrite ? 0 : beta*C) + alpha*acc for the
// full MR x NR tile at C with row stride ldc.
struct MicroKernel {
  int mr, nr;
  void (*fn)(int64_t kc, const float* Ap, const float* Bp, float* C, int64_t ldc, float alpha, float beta,
             bool overwrite);
  // Dot product for the few-row case (decoding one token): packing a whole weight to use it once costs
  // more than the arithmetic, so y = x Wᵀ with M <= kGemvMaxRows runs as dot products of contiguous rows.
  float (*dot)(const float* a, const float* b, int64_t n);
};
constexpr int64_t kGemvMaxRows = 4;
MicroKernel micro_kernel_scalar();
MicroKernel micro_kernel_avx2();
MicroKernel micro_kernel_avx512();

}  // namespace tf::kernels
