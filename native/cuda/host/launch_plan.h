#pragma once
// Host-side arithmetic of the CUDA backend: launch shapes, the vocabulary chunking of the fused cross-entropy,
// AdamW's per-step scalars, bf16 rounding and the bf16-aware tolerances of cuda_check. Plain C++ with no CUDA
// headers, so it is compiled and unit-tested on machines without nvcc or a GPU (tests/test_cuda_host.cc);
// the .cu launchers and cuda_check call exactly these functions.
#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

#include "train/adamw.h"

namespace tf::cuda {

// ---- launch shapes ----
struct Grid1D {
  int64_t blocks = 0;
  int threads = 0;
};
// Elementwise kernels: `threads` per block, one element per thread; a grid-stride loop covers the rest when the
// block count hits `max_blocks` (so huge tensors do not need a 2^31-block grid). n == 0 gives 0 blocks.
Grid1D elementwise_grid(int64_t n, int threads = 256, int64_t max_blocks = 65535LL * 16);
// Elementwise kernels on bf16 move eight elements (16 bytes) per load and store where they can, one instruction
// where element-wise access takes eight: bf16x8_groups is the number of such groups, n / 8 when every pointer is
// 16-byte aligned (the arena's buffers are; a view at an odd element offset may not be), else 0. The kernels take
// the last n - 8·groups elements one at a time. bf16x8_grid: one thread per group, or per element when there are
// no groups (the leftover of a grouped launch is under 8 elements, which the first threads take).
int64_t bf16x8_groups(int64_t n, std::initializer_list<const void*> pointers);
// Whether every pointer is 16-byte aligned (kernels that take rows of whole groups check their length themselves).
bool aligned16(std::initializer_list<const void*> pointers);
Grid1D bf16x8_grid(int64_t n, int64_t groups);
// NF4 dequantization of n weights from flattened index `first` into `out`: eight per group when `first` is a
// multiple of 8 (a group's four bytes of codes are then whole, in one NF4 block), the codes 4-byte aligned and out
// 16-byte aligned; else 0 groups.
int64_t nf4_bf16x8_groups(int64_t first, int64_t n, const void* packed, const void* out);

// Rotary embedding: a block per token row; threads_x over the row's rotation pairs j < half (each computes its
// angle's sine and cosine once), threads_y over its heads (a thread rotates pair j of every threads_y-th head).
// Block of at most 128 threads. Throws past the grid's 2^31 - 1 rows.
struct RopeLaunch {
  int64_t blocks = 0;
  int threads_x = 0, threads_y = 0;
};
RopeLaunch rope_launch(int64_t N, int64_t heads, int64_t half);

// Tiled GEMM: C[M,N] is covered by tiles of kGemmTileM x kGemmTileN, one thread block each.
constexpr int kGemmTileM = 128, kGemmTileN = 128, kGemmTileK = 32, kGemmThreads = 256;
struct GemmGrid {
  int64_t tiles_m = 0, tiles_n = 0;  // grid.y, grid.x
};
GemmGrid gemm_grid(int64_t M, int64_t N);
// Throws tf::Error naming the argument when a GEMM's shape or leading dimensions are impossible, e.g. lda
// smaller than the stored row (the same rules as the CPU sgemm: A is [M,K] or, transposed, stored [K,M]).
void gemm_validate(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, int64_t lda, int64_t ldb,
                   int64_t ldc);

// ---- fused cross-entropy over vocabulary chunks ----
// Each (row, chunk) block reduces max and Σexp over its columns; a second pass merges the chunk partials into
// the row's logsumexp; a third writes dlogits per chunk. Chunks give a 1-row batch as much parallelism as a
// 1000-row one and keep the partials buffer at N * chunks floats instead of anything V-sized.
constexpr int64_t kCeDefaultChunk = 8192;
struct CeChunks {
  int64_t chunk = 0;   // columns per chunk
  int64_t count = 0;   // chunks per row
};
CeChunks ce_chunks(int64_t V, int64_t chunk = kCeDefaultChunk);
// Columns [begin, end) of chunk c.
inline int64_t ce_chunk_begin(const CeChunks& p, int64_t c) { return c * p.chunk; }
int64_t ce_chunk_end(const CeChunks& p, int64_t V, int64_t c);

// ---- AdamW scalars (identical to the CPU adamw_update's, so the kernel can match it bit for bit) ----
struct AdamWScalars {
  float step_size, bc2_sqrt, decay, b1, b2, one_minus_b1, one_minus_b2, eps;
};
AdamWScalars adamw_scalars(const train::AdamWHyper& h, int64_t t, double lr);
// clip_grad_norm_'s coefficient: max_norm / (norm + 1e-6) when that is < 1 (and max_norm > 0, norm finite),
// else 1 (no scaling).
double clip_coefficient(double norm, double max_norm);

// ---- bf16 on the host ----
uint16_t bf16_bits(float x);          // round to nearest even, NaN stays NaN (as __float2bfloat16)
float bf16_value(uint16_t bits);
inline float bf16_round(float x) { return bf16_value(bf16_bits(x)); }
std::vector<uint16_t> to_bf16(const std::vector<float>& x);
std::vector<float> from_bf16(const std::vector<uint16_t>& x);

// ---- bf16-aware tolerances ----
// bf16 keeps 8 significant bits: rounding a value v moves it by at most 2^-9 |v|, and an fp32 result that
// differs from the reference in its last bits can round to the neighbouring bf16, so one bf16 ulp (<= 2^-7 |v|)
// is the honest bound for "the same computation, rounded to bf16".
constexpr double kBf16Ulp = 1.0 / 128;     // 2^-7, one bf16 ulp relative to the value (worst case)
constexpr double kFp32Eps = 1.0 / 16777216;  // 2^-24
// Element i passes when |got - ref| <= rtol * scale_i + atol. scale_i is the magnitude of the terms that were
// combined into ref_i (|ref_i| for a plain product; Σ|a||b| for a dot product), because rounding errors scale
// with the terms, not with what is left after cancellation.
struct Tolerance {
  double rtol = 0, atol = 0;
  std::string describe() const;  // e.g. "7.8e-03*|terms| + 1.0e-06"
};
// Outputs rounded to bf16 from an fp32 computation of `reduction_len` terms: one bf16 ulp plus the fp32
// accumulation bound (reduction_len * 2^-24, doubled since both sides accumulate), and an absolute floor of
// `floor_frac` of the largest scale for results that cancel to ~0.
Tolerance bf16_output_tolerance(int64_t reduction_len, double max_scale, double floor_frac = 1e-3);
// Outputs kept in fp32 (losses, optimizer state): `ulps` fp32 ulps plus the accumulation bound.
Tolerance fp32_output_tolerance(int64_t reduction_len, double max_scale, double ulps = 4);
// GEMM on tensor cores, scale = Σ|a||b| (+ |beta C|): tensor-core fp32 accumulation is not guaranteed to round to
// nearest at every addition (it may truncate aligned addends), so the accumulation term is 4·K·2^-24 instead
// of the 2·K·2^-24 of an IEEE loop; plus one bf16 ulp when C is bf16, or 4 fp32 ulps when C is fp32.
Tolerance gemm_tolerance(int64_t K, double max_scale, bool bf16_out);

struct Comparison {
  double max_abs_err = 0;    // max |got - ref|
  double max_ratio = 0;      // max |got - ref| / (rtol*scale + atol); <= 1 passes
  int64_t worst_index = -1;
  int64_t non_finite = 0;    // got is NaN/Inf where ref is finite: always a failure
  bool pass() const { return non_finite == 0 && max_ratio <= 1.0; }
};
// scale may be empty: then scale_i = |ref_i|.
Comparison compare(const std::vector<float>& got, const std::vector<double>& ref, const std::vector<double>& scale,
                   const Tolerance& tol);

}  // namespace tf::cuda
