// Tiled bf16 GEMM with fp32 accumulation on tensor cores (WMMA 16x16x16, sm_80+): the fallback when cuBLASLt
// cannot be loaded at run time. C[M,N] = alpha * op(A) op(B) + beta * C with the CPU sgemm's layout rules, so
// every product of the Llama forward/backward and LoRA is one call:
//   y = x Wᵀ (trans_b), dx = dy W (none), dW = dyᵀ x (trans_a), LoRA A/B products likewise.
// One 256-thread block per 128x128 tile of C; 8 warps in a 2x4 grid, each owning 64x32 (4x2 fragments). The
// K loop stages 128x32 of A and 32x128 of B in shared memory per step. Loads are scalar with bounds checks, so
// any shape, stride and alignment works (ragged edges are zero-filled); the index mapping follows the stored
// layout so that a warp's loads stay coalesced whichever operand is transposed. Not yet done (measure first,
// on a GPU): 16-byte/cp.async loads, double buffering, mma.sync with ldmatrix.
#include <mma.h>

#include "api.h"
#include "common.cuh"
#include "host/launch_plan.h"

namespace tf::cuda {

namespace {

using namespace nvcuda;

constexpr int TM = kGemmTileM, TN = kGemmTileN, TK = kGemmTileK, kTileThreads = kGemmThreads;
constexpr int kPadA = 8, kPadB = 8;  // row padding (bf16 elements): fewer bank conflicts, ldm stays a multiple of 8
constexpr int kWarpM = 64, kWarpN = 32, kFragM = kWarpM / 16, kFragN = kWarpN / 16;

__device__ __forceinline__ void store_out(bf16* p, float v) { *p = to_bf(v); }
__device__ __forceinline__ void store_out(float* p, float v) { *p = v; }
__device__ __forceinline__ float load_out(const bf16* p) { return to_f(*p); }
__device__ __forceinline__ float load_out(const float* p) { return *p; }

template <typename OutT>
__global__ void __launch_bounds__(kTileThreads) gemm_bf16_kernel(bool trans_a, bool trans_b, int64_t M, int64_t N,
                                                                 int64_t K, float alpha, const bf16* __restrict__ A,
                                                                 int64_t lda, const bf16* __restrict__ B, int64_t ldb,
                                                                 float beta, OutT* C, int64_t ldc) {
  __shared__ __align__(32) bf16 As[TM][TK + kPadA];
  __shared__ __align__(32) bf16 Bs[TK][TN + kPadB];
  __shared__ __align__(32) float Cs[kTileThreads / 32][16 * 16];

  const int tid = threadIdx.x, warp = tid >> 5, lane = tid & 31;
  const int wm = warp / (TN / kWarpN), wn = warp % (TN / kWarpN);
  const int64_t m0 = int64_t(blockIdx.y) * TM, n0 = int64_t(blockIdx.x) * TN;
  const bf16 zero = to_bf(0.f);

  wmma::fragment<wmma::accumulator, 16, 16, 16, float> acc[kFragM][kFragN];
#pragma unroll
  for (int i = 0; i < kFragM; ++i)
#pragma unroll
    for (int j = 0; j < kFragN; ++j) wmma::fill_fragment(acc[i][j], 0.f);

  for (int64_t k0 = 0; k0 < K; k0 += TK) {
    for (int idx = tid; idx < TM * TK; idx += kTileThreads) {
      // A [M,K]: neighbours along k; A stored [K,M]: neighbours along m.
      const int m = trans_a ? idx % TM : idx / TK, k = trans_a ? idx / TM : idx % TK;
      const int64_t gm = m0 + m, gk = k0 + k;
      As[m][k] = (gm < M && gk < K) ? A[trans_a ? gk * lda + gm : gm * lda + gk] : zero;
    }
    for (int idx = tid; idx < TK * TN; idx += kTileThreads) {
      // B [K,N]: neighbours along n; B stored [N,K]: neighbours along k.
      const int n = trans_b ? idx / TK : idx % TN, k = trans_b ? idx % TK : idx / TN;
      const int64_t gn = n0 + n, gk = k0 + k;
      Bs[k][n] = (gn < N && gk < K) ? B[trans_b ? gn * ldb + gk : gk * ldb + gn] : zero;
    }
    __syncthreads();
#pragma unroll
    for (int kk = 0; kk < TK; kk += 16) {
      wmma::fragment<wmma::matrix_a, 16, 16, 16, bf16, wmma::row_major> af[kFragM];
      wmma::fragment<wmma::matrix_b, 16, 16, 16, bf16, wmma::row_major> bfr[kFragN];
#pragma unroll
      for (int i = 0; i < kFragM; ++i) wmma::load_matrix_sync(af[i], &As[wm * kWarpM + i * 16][kk], TK + kPadA);
#pragma unroll
      for (int j = 0; j < kFragN; ++j) wmma::load_matrix_sync(bfr[j], &Bs[kk][wn * kWarpN + j * 16], TN + kPadB);
#pragma unroll
      for (int i = 0; i < kFragM; ++i)
#pragma unroll
        for (int j = 0; j < kFragN; ++j) wmma::mma_sync(acc[i][j], af[i], bfr[j], acc[i][j]);
    }
    __syncthreads();
  }

  // Epilogue through a per-warp 16x16 scratch: fragments have an opaque register layout, and the edges of C
  // need per-element bounds checks and beta * C.
  // Fully unrolled so the accumulator array stays in registers (a runtime index would spill it to local memory).
  float* cs = Cs[warp];
#pragma unroll
  for (int i = 0; i < kFragM; ++i)
#pragma unroll
    for (int j = 0; j < kFragN; ++j) {
      wmma::store_matrix_sync(cs, acc[i][j], 16, wmma::mem_row_major);
      __syncwarp();
      for (int e = lane; e < 256; e += 32) {
        const int64_t gm = m0 + wm * kWarpM + i * 16 + e / 16, gn = n0 + wn * kWarpN + j * 16 + e % 16;
        if (gm < M && gn < N) {
          OutT* p = C + gm * ldc + gn;
          float v = alpha * cs[e];
          if (beta != 0.f) v += beta * load_out(p);
          store_out(p, v);
        }
      }
      __syncwarp();
    }
}

template <typename OutT>
void launch(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha, const bf16* A, int64_t lda,
            const bf16* B, int64_t ldb, float beta, OutT* C, int64_t ldc, cudaStream_t stream) {
  gemm_validate(trans_a, trans_b, M, N, K, lda, ldb, ldc);
  if (M == 0 || N == 0) return;
  const GemmGrid g = gemm_grid(M, N);
  const dim3 grid(unsigned(g.tiles_n), unsigned(g.tiles_m));
  gemm_bf16_kernel<OutT><<<grid, kTileThreads, 0, stream>>>(trans_a, trans_b, M, N, K, alpha, A, lda, B, ldb, beta, C,
                                                       ldc);
  CUDA_CHECK_LAUNCH();
}

}  // namespace

void gemm_bf16(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha, const bf16* A,
               int64_t lda, const bf16* B, int64_t ldb, float beta, bf16* C, int64_t ldc, cudaStream_t stream) {
  launch(trans_a, trans_b, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc, stream);
}

void gemm_bf16_f32out(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha, const bf16* A,
                      int64_t lda, const bf16* B, int64_t ldb, float beta, float* C, int64_t ldc,
                      cudaStream_t stream) {
  launch(trans_a, trans_b, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc, stream);
}

}  // namespace tf::cuda
