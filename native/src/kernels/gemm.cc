// GEMM driver (packing, cache blocking, threading), the portable micro-kernel and the double reference.
#include "kernels/gemm.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <vector>

#include "common/error.h"

namespace tf::kernels {

namespace {

// Portable 4x8 micro-kernel; plain loops the compiler may vectorize with the baseline ISA (SSE2).
constexpr int kScalarMR = 4, kScalarNR = 8;
void scalar_kernel(int64_t kc, const float* Ap, const float* Bp, float* C, int64_t ldc, float alpha, float beta,
                   bool overwrite) {
  float acc[kScalarMR][kScalarNR] = {};
  for (int64_t k = 0; k < kc; ++k) {
    for (int i = 0; i < kScalarMR; ++i)
      for (int j = 0; j < kScalarNR; ++j) acc[i][j] += Ap[i] * Bp[j];
    Ap += kScalarMR;
    Bp += kScalarNR;
  }
  for (int i = 0; i < kScalarMR; ++i)
    for (int j = 0; j < kScalarNR; ++j) {
      float* c = C + i * ldc + j;
      *c = overwrite ? alpha * acc[i][j] : alpha * acc[i][j] + beta * *c;
    }
}

float scalar_dot(const float* a, const float* b, int64_t n) {
  float s[4] = {0, 0, 0, 0};
  int64_t i = 0;
  for (; i + 4 <= n; i += 4)
    for (int l = 0; l < 4; ++l) s[l] += a[i + l] * b[i + l];
  float r = (s[0] + s[1]) + (s[2] + s[3]);
  for (; i < n; ++i) r += a[i] * b[i];
  return r;
}

MicroKernel pick_kernel() {
  switch (active_isa()) {
    case Isa::Avx512: return micro_kernel_avx512();
    case Isa::Avx2: return micro_kernel_avx2();
    default: return micro_kernel_scalar();
  }
}

inline float a_at(const GemmArgs& g, int64_t i, int64_t k) { return g.trans_a ? g.A[k * g.lda + i] : g.A[i * g.lda + k]; }

// Full micro-panels with the width W known at compile time, so the inner loops unroll into independent loads
// and stores (packing was ~15% of a training step with run-time widths).
// dst[k][w] = src[w*ld + k]: W strided streams read in step, each cache line reused for 16 k.
template <int W>
void gather_panel(const float* src, int64_t ld, int64_t kc, float* dst) {
  for (int64_t k = 0; k < kc; ++k)
    for (int w = 0; w < W; ++w) dst[k * W + w] = src[w * ld + k];
}
// dst[k][w] = src[k*ld + w]: a plain copy of W contiguous floats per k.
template <int W>
void copy_panel(const float* src, int64_t ld, int64_t kc, float* dst) {
  for (int64_t k = 0; k < kc; ++k)
    for (int w = 0; w < W; ++w) dst[k * W + w] = src[k * ld + w];
}

using PanelFn = void (*)(const float*, int64_t, int64_t, float*);
PanelFn panel_fn(int W, bool gather) {
  switch (W) {
    case 32: return gather ? gather_panel<32> : copy_panel<32>;
    case 16: return gather ? gather_panel<16> : copy_panel<16>;
    case 12: return gather ? gather_panel<12> : copy_panel<12>;
    case 8: return gather ? gather_panel<8> : copy_panel<8>;
    case 6: return gather ? gather_panel<6> : copy_panel<6>;
    case 4: return gather ? gather_panel<4> : copy_panel<4>;
    default: return nullptr;
  }
}

// A partial panel (the last rows/columns): `n` valid of W, zero-padded.
void pack_partial(const float* src, int64_t ld, int64_t kc, int W, int64_t n, bool gather, float* dst) {
  for (int64_t k = 0; k < kc; ++k) {
    float* d = dst + k * W;
    for (int64_t w = 0; w < n; ++w) d[w] = gather ? src[w * ld + k] : src[k * ld + w];
    for (int64_t w = n; w < W; ++w) d[w] = 0.f;
  }
}

// Micro-panels of MR rows, k-major: dst[p][k][0..MR), zero-padded past the last row.
void pack_a(const GemmArgs& g, int64_t i0, int64_t mc, int64_t p0, int64_t kc, int MR, float* dst) {
  const PanelFn full = panel_fn(MR, !g.trans_a);
  for (int64_t ip = 0; ip < mc; ip += MR) {
    const int64_t rows = std::min<int64_t>(MR, mc - ip);
    const float* src = g.trans_a ? g.A + p0 * g.lda + i0 + ip : g.A + (i0 + ip) * g.lda + p0;
    if (rows == MR && full) full(src, g.lda, kc, dst);
    else pack_partial(src, g.lda, kc, MR, rows, !g.trans_a, dst);
    dst += kc * MR;
  }
}

// Micro-panels of NR columns, k-major: dst[p][k][0..NR), zero-padded past the last column.
void pack_b(const GemmArgs& g, int64_t j0, int64_t nc, int64_t p0, int64_t kc, int NR, float* dst) {
  const PanelFn full = panel_fn(NR, g.trans_b);
  for (int64_t jp = 0; jp < nc; jp += NR) {
    const int64_t cols = std::min<int64_t>(NR, nc - jp);
    const float* src = g.trans_b ? g.B + (j0 + jp) * g.ldb + p0 : g.B + p0 * g.ldb + j0 + jp;
    if (cols == NR && full) full(src, g.ldb, kc, dst);
    else pack_partial(src, g.ldb, kc, NR, cols, g.trans_b, dst);
    dst += kc * NR;
  }
}

// C[m0:m1, n0:n1] on this thread. m0 and n0 are multiples of MR and NR, so the tile grid (and which tiles are
// partial) is the same however the work is split.
void gemm_range(const GemmArgs& g, const MicroKernel& mk, int64_t m0, int64_t m1, int64_t n0, int64_t n1) {
  const int MR = mk.mr, NR = mk.nr;
  const int64_t MC = MR * std::max(1, 144 / MR), NC = NR * std::max(1, 2048 / NR);
  thread_local std::vector<float> apack, bpack;
  float ctmp[16 * 64];
  for (int64_t jc = n0; jc < n1; jc += NC) {
    const int64_t nc = std::min(NC, n1 - jc), npan = (nc + NR - 1) / NR;
    for (int64_t pc = 0; pc < g.K; pc += kGemmKC) {
      const int64_t kc = std::min<int64_t>(kGemmKC, g.K - pc);
      const bool first = pc == 0;
      const bool overwrite = first && g.beta == 0.f;
      const float beta = first ? g.beta : 1.f;
      if (bpack.size() < static_cast<size_t>(npan * kc * NR)) bpack.resize(npan * kc * NR);
      pack_b(g, jc, nc, pc, kc, NR, bpack.data());
      for (int64_t ic = m0; ic < m1; ic += MC) {
        const int64_t mc = std::min(MC, m1 - ic), mpan = (mc + MR - 1) / MR;
        if (apack.size() < static_cast<size_t>(mpan * kc * MR)) apack.resize(mpan * kc * MR);
        pack_a(g, ic, mc, pc, kc, MR, apack.data());
        for (int64_t jp = 0; jp < npan; ++jp) {
          const int64_t cols = std::min<int64_t>(NR, nc - jp * NR);
          for (int64_t ip = 0; ip < mpan; ++ip) {
            const int64_t rows = std::min<int64_t>(MR, mc - ip * MR);
            float* c = g.C + (ic + ip * MR) * g.ldc + jc + jp * NR;
            const float* ap = apack.data() + ip * kc * MR;
            const float* bp = bpack.data() + jp * kc * NR;
            if (rows == MR && cols == NR) {
              mk.fn(kc, ap, bp, c, g.ldc, g.alpha, beta, overwrite);
              continue;
            }
            // Partial tile: run the same kernel on a padded copy so the arithmetic is identical.
            for (int64_t r = 0; r < MR; ++r)
              for (int64_t q = 0; q < NR; ++q) ctmp[r * NR + q] = (r < rows && q < cols && !overwrite) ? c[r * g.ldc + q] : 0.f;
            mk.fn(kc, ap, bp, ctmp, NR, g.alpha, beta, overwrite);
            for (int64_t r = 0; r < rows; ++r) std::memcpy(c + r * g.ldc, ctmp + r * NR, cols * sizeof(float));
          }
        }
      }
    }
  }
}

}  // namespace

MicroKernel micro_kernel_scalar() { return {kScalarMR, kScalarNR, scalar_kernel, scalar_dot}; }

void sgemm(const GemmArgs& g, ThreadPool* pool) {
  TF_CHECK(g.M >= 0 && g.N >= 0 && g.K >= 0, "sgemm: negative dimension");
  if (g.M == 0 || g.N == 0) return;
  if (g.K == 0) {
    for (int64_t i = 0; i < g.M; ++i)
      for (int64_t j = 0; j < g.N; ++j) {
        float* c = g.C + i * g.ldc + j;
        *c = g.beta == 0.f ? 0.f : g.beta * *c;
      }
    return;
  }
  const MicroKernel mk = pick_kernel();
  const int nt = pool ? pool->size() : 1;
  if (g.M <= kGemvMaxRows && g.trans_b && !g.trans_a) {
    auto cols = [&](int64_t b, int64_t e, int) {
      for (int64_t i = 0; i < g.M; ++i)
        for (int64_t j = b; j < e; ++j) {
          const float acc = mk.dot(g.A + i * g.lda, g.B + j * g.ldb, g.K);
          float* c = g.C + i * g.ldc + j;
          *c = g.beta == 0.f ? g.alpha * acc : g.alpha * acc + g.beta * *c;
        }
    };
    if (nt > 1 && g.N * g.K >= (1 << 16)) pool->parallel_for_grain(g.N, 16, cols); else cols(0, g.N, 0);
    return;
  }
  const double work = static_cast<double>(g.M) * g.N * g.K;
  if (nt == 1 || work < 2e5) {
    gemm_range(g, mk, 0, g.M, 0, g.N);
    return;
  }
  // Split the dimension that leaves each thread more of it: redundant packing of the other operand is then
  // the smaller overhead.
  if (g.N / nt >= g.M / nt && g.N >= 2 * mk.nr) {
    pool->parallel_for_grain(g.N, mk.nr, [&](int64_t b, int64_t e, int) { gemm_range(g, mk, 0, g.M, b, e); });
  } else {
    pool->parallel_for_grain(g.M, mk.mr, [&](int64_t b, int64_t e, int) { gemm_range(g, mk, b, e, 0, g.N); });
  }
}

void matmul_xwt(ThreadPool* pool, const float* x, const float* W, float* y, int64_t M, int64_t N, int64_t K,
                float beta, float alpha) {
  GemmArgs g;
  g.trans_b = true;
  g.M = M, g.N = N, g.K = K;
  g.A = x, g.lda = K, g.B = W, g.ldb = K, g.C = y, g.ldc = N;
  g.alpha = alpha, g.beta = beta;
  sgemm(g, pool);
}

void sgemm_reference(const GemmArgs& g) {
  for (int64_t i = 0; i < g.M; ++i)
    for (int64_t j = 0; j < g.N; ++j) {
      double s = 0;
      for (int64_t k = 0; k < g.K; ++k) {
        const double b = g.trans_b ? g.B[j * g.ldb + k] : g.B[k * g.ldb + j];
        s += static_cast<double>(a_at(g, i, k)) * b;
      }
      float* c = g.C + i * g.ldc + j;
      *c = static_cast<float>(g.alpha * s + (g.beta == 0.f ? 0.0 : static_cast<double>(g.beta) * *c));
    }
}

double gemm_peak_gflops(ThreadPool& pool, double seconds) {
  const int64_t n = 1536;
  std::vector<float> A(n * n), B(n * n), C(n * n);
  for (int64_t i = 0; i < n * n; ++i) {
    A[i] = static_cast<float>((i * 7 % 13) - 6) * 0.01f;
    B[i] = static_cast<float>((i * 5 % 11) - 5) * 0.01f;
  }
  GemmArgs g;
  g.trans_b = true;
  g.M = g.N = g.K = n;
  g.A = A.data(), g.lda = n, g.B = B.data(), g.ldb = n, g.C = C.data(), g.ldc = n;
  double best = 0, spent = 0;
  for (int rep = 0; rep < 50 && (rep < 3 || spent < seconds); ++rep) {
    const auto t0 = std::chrono::steady_clock::now();
    sgemm(g, &pool);
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    spent += s;
    best = std::max(best, 2.0 * n * n * n / s / 1e9);
  }
  return best;
}

}  // namespace tf::kernels
