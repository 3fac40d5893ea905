#include "launch_plan.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>

#include "common/error.h"

namespace tf::cuda {

Grid1D elementwise_grid(int64_t n, int threads, int64_t max_blocks) {
  TF_CHECK(n >= 0, "elementwise_grid: negative element count " + std::to_string(n));
  TF_CHECK(threads > 0 && threads <= 1024 && threads % 32 == 0,
           "elementwise_grid: threads per block must be a multiple of 32 in [32, 1024], got " +
               std::to_string(threads));
  Grid1D g;
  g.threads = threads;
  g.blocks = std::min(max_blocks, (n + threads - 1) / threads);
  return g;
}

bool aligned16(std::initializer_list<const void*> pointers) {
  for (const void* p : pointers)
    if (reinterpret_cast<uintptr_t>(p) % 16 != 0) return false;
  return true;
}

int64_t bf16x8_groups(int64_t n, std::initializer_list<const void*> pointers) {
  return aligned16(pointers) ? n / 8 : 0;
}

Grid1D bf16x8_grid(int64_t n, int64_t groups) { return elementwise_grid(groups > 0 ? groups : n); }

int64_t nf4_bf16x8_groups(int64_t first, int64_t n, const void* packed, const void* out) {
  if (first % 8 != 0 || reinterpret_cast<uintptr_t>(packed) % 4 != 0) return 0;
  return bf16x8_groups(n, {out});
}

RopeLaunch rope_launch(int64_t N, int64_t heads, int64_t half) {
  TF_CHECK(N >= 0 && N <= 0x7fffffff, "rope: row count " + std::to_string(N) + " outside [0, 2^31)");
  TF_CHECK(heads > 0 && half > 0, "rope: heads and head_dim must be > 0");
  RopeLaunch l;
  l.blocks = N;
  l.threads_x = int(std::min<int64_t>(128, (half + 31) / 32 * 32));
  l.threads_y = int(std::min<int64_t>(heads, std::max(1, 128 / l.threads_x)));
  return l;
}

GemmGrid gemm_grid(int64_t M, int64_t N) {
  GemmGrid g;
  g.tiles_m = (M + kGemmTileM - 1) / kGemmTileM;
  g.tiles_n = (N + kGemmTileN - 1) / kGemmTileN;
  // grid.y is limited to 65535 blocks; M = 65535 * 128 rows is far beyond any micro-batch we run.
  TF_CHECK(g.tiles_m <= 65535, "gemm: M = " + std::to_string(M) + " rows needs more than 65535 row tiles");
  return g;
}

void gemm_validate(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, int64_t lda, int64_t ldb,
                   int64_t ldc) {
  const std::string shape = " (M=" + std::to_string(M) + ", N=" + std::to_string(N) + ", K=" + std::to_string(K) + ")";
  TF_CHECK(M >= 0 && N >= 0 && K >= 0, "gemm: negative dimension" + shape);
  const int64_t a_row = trans_a ? M : K, b_row = trans_b ? K : N;
  TF_CHECK(lda >= std::max<int64_t>(1, a_row),
           "gemm: lda = " + std::to_string(lda) + " is smaller than A's stored row of " + std::to_string(a_row) +
               (trans_a ? " (A stored [K,M])" : " (A stored [M,K])") + shape);
  TF_CHECK(ldb >= std::max<int64_t>(1, b_row),
           "gemm: ldb = " + std::to_string(ldb) + " is smaller than B's stored row of " + std::to_string(b_row) +
               (trans_b ? " (B stored [N,K])" : " (B stored [K,N])") + shape);
  TF_CHECK(ldc >= std::max<int64_t>(1, N),
           "gemm: ldc = " + std::to_string(ldc) + " is smaller than C's row of " + std::to_string(N) + shape);
}

CeChunks ce_chunks(int64_t V, int64_t chunk) {
  TF_CHECK(V > 0, "cross_entropy: vocabulary size must be > 0, got " + std::to_string(V));
  TF_CHECK(chunk > 0, "cross_entropy: chunk size must be > 0, got " + std::to_string(chunk));
  CeChunks p;
  p.chunk = std::min(chunk, V);
  p.count = (V + p.chunk - 1) / p.chunk;
  return p;
}

int64_t ce_chunk_end(const CeChunks& p, int64_t V, int64_t c) { return std::min(V, (c + 1) * p.chunk); }

AdamWScalars adamw_scalars(const train::AdamWHyper& h, int64_t t, double lr) {
  TF_CHECK(t >= 1, "adamw: step number is 1-based, got " + std::to_string(t));
  // Exactly the expressions of train::adamw_update, so GPU and CPU share every rounded constant.
  const double bc1 = 1.0 - std::pow(h.beta1, (double)t);
  const double bc2 = 1.0 - std::pow(h.beta2, (double)t);
  AdamWScalars s;
  s.step_size = (float)(lr / bc1);
  s.bc2_sqrt = (float)std::sqrt(bc2);
  s.decay = (float)(1.0 - lr * h.weight_decay);
  s.b1 = (float)h.beta1;
  s.b2 = (float)h.beta2;
  s.eps = (float)h.eps;
  s.one_minus_b1 = (float)(1.0 - h.beta1);
  s.one_minus_b2 = (float)(1.0 - h.beta2);
  return s;
}

double clip_coefficient(double norm, double max_norm) {
  if (!(max_norm > 0) || !std::isfinite(norm)) return 1.0;
  const double coef = max_norm / (norm + 1e-6);
  return coef < 1.0 ? coef : 1.0;
}

uint16_t bf16_bits(float x) {
  uint32_t u;
  std::memcpy(&u, &x, 4);
  if ((u & 0x7f800000u) == 0x7f800000u && (u & 0x007fffffu)) return uint16_t((u >> 16) | 0x40);  // quiet NaN
  u += 0x7fffu + ((u >> 16) & 1u);  // round to nearest, ties to even
  return uint16_t(u >> 16);
}

float bf16_value(uint16_t bits) {
  const uint32_t u = uint32_t(bits) << 16;
  float x;
  std::memcpy(&x, &u, 4);
  return x;
}

std::vector<uint16_t> to_bf16(const std::vector<float>& x) {
  std::vector<uint16_t> r(x.size());
  for (size_t i = 0; i < x.size(); ++i) r[i] = bf16_bits(x[i]);
  return r;
}

std::vector<float> from_bf16(const std::vector<uint16_t>& x) {
  std::vector<float> r(x.size());
  for (size_t i = 0; i < x.size(); ++i) r[i] = bf16_value(x[i]);
  return r;
}

std::string Tolerance::describe() const {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.1e*|terms| + %.1e", rtol, atol);
  return buf;
}

Tolerance bf16_output_tolerance(int64_t reduction_len, double max_scale, double floor_frac) {
  Tolerance t;
  t.rtol = kBf16Ulp + 2.0 * double(std::max<int64_t>(1, reduction_len)) * kFp32Eps;
  t.atol = t.rtol * floor_frac * max_scale;
  return t;
}

Tolerance fp32_output_tolerance(int64_t reduction_len, double max_scale, double ulps) {
  Tolerance t;
  t.rtol = ulps * kFp32Eps + 2.0 * double(std::max<int64_t>(1, reduction_len)) * kFp32Eps;
  t.atol = t.rtol * 1e-3 * max_scale;
  return t;
}

Tolerance gemm_tolerance(int64_t K, double max_scale, bool bf16_out) {
  Tolerance t;
  t.rtol = (bf16_out ? kBf16Ulp : 4 * kFp32Eps) + 4.0 * double(std::max<int64_t>(1, K)) * kFp32Eps;
  t.atol = t.rtol * 1e-3 * max_scale;
  return t;
}

Comparison compare(const std::vector<float>& got, const std::vector<double>& ref, const std::vector<double>& scale,
                   const Tolerance& tol) {
  TF_CHECK(got.size() == ref.size(), "compare: " + std::to_string(got.size()) + " results against " +
                                         std::to_string(ref.size()) + " reference values");
  TF_CHECK(scale.empty() || scale.size() == ref.size(), "compare: scale has the wrong length");
  Comparison c;
  for (size_t i = 0; i < got.size(); ++i) {
    if (!std::isfinite(got[i])) {
      if (std::isfinite(ref[i])) ++c.non_finite;
      continue;
    }
    const double err = std::fabs(double(got[i]) - ref[i]);
    const double s = scale.empty() ? std::fabs(ref[i]) : scale[i];
    const double bound = tol.rtol * s + tol.atol;
    const double ratio = bound > 0 ? err / bound : (err > 0 ? INFINITY : 0.0);
    c.max_abs_err = std::max(c.max_abs_err, err);
    if (ratio > c.max_ratio || c.worst_index < 0) {
      if (ratio > c.max_ratio) c.max_ratio = ratio;
      c.worst_index = int64_t(i);
    }
  }
  return c;
}

}  // namespace tf::cuda
