#include "kernels/nf4_linear.h"

#include <algorithm>
#include <vector>

#include "kernels/gemm.h"
#include "kernels/isa.h"

namespace tf::kernels {

namespace {

// Rows per panel: a multiple of kGemmKC, at most ~4M floats (16 MB) of scratch.
int64_t panel_rows(const Nf4Tensor& W) {
  const int64_t max_elems = int64_t(4) << 20;
  int64_t rows = std::max<int64_t>(kGemmKC, (max_elems / std::max<int64_t>(1, W.cols)) / kGemmKC * kGemmKC);
  return std::min(rows, W.rows);
}

std::vector<float>& panel_scratch() {
  // One buffer per calling thread, reused for every layer: two models driven from two threads never share it.
  thread_local std::vector<float> buf;
  return buf;
}

void dequantize_panel(ThreadPool* pool, const Nf4Tensor& W, int64_t r0, int64_t r1, float* out) {
  auto body = [&](int64_t b, int64_t e, int) { nf4_dequantize_rows(W, r0 + b, r0 + e, out + b * W.cols); };
  if (pool) pool->parallel_for(r1 - r0, body); else body(0, r1 - r0, 0);
}

}  // namespace

void nf4_linear_forward(ThreadPool* pool, const float* x, const Nf4Tensor& W, const float* bias, float* y, int64_t N) {
  const int64_t out = W.rows, in = W.cols, P = panel_rows(W);
  if (N <= kNf4RowsMaxInputs && active_isa() == Isa::Avx512) {
    // Decoding is memory-bound: 0.5 byte per weight read beats dequantizing 4 bytes and reading them back.
    auto rows = [&](int64_t b, int64_t e, int) { nf4_rows_times_avx512(W, b, e, x, N, y, out); };
    if (pool) pool->parallel_for_grain(out, 16, rows); else rows(0, out, 0);
    if (bias)
      for (int64_t i = 0; i < N; ++i)
        for (int64_t j = 0; j < out; ++j) y[i * out + j] += bias[j];
    return;
  }
  auto& buf = panel_scratch();
  buf.resize(P * in);
  for (int64_t r0 = 0; r0 < out; r0 += P) {
    const int64_t r1 = std::min(out, r0 + P);
    dequantize_panel(pool, W, r0, r1, buf.data());
    GemmArgs g;
    g.trans_b = true;
    g.M = N, g.N = r1 - r0, g.K = in;
    g.A = x, g.lda = in, g.B = buf.data(), g.ldb = in, g.C = y + r0, g.ldc = out;
    sgemm(g, pool);
  }
  if (!bias) return;
  for (int64_t i = 0; i < N; ++i)
    for (int64_t j = 0; j < out; ++j) y[i * out + j] += bias[j];
}

void nf4_linear_backward(ThreadPool* pool, const float* dy, const Nf4Tensor& W, float* dx, bool accumulate, int64_t N) {
  const int64_t out = W.rows, in = W.cols, P = panel_rows(W);
  auto& buf = panel_scratch();
  buf.resize(P * in);
  for (int64_t r0 = 0; r0 < out; r0 += P) {
    const int64_t r1 = std::min(out, r0 + P);
    dequantize_panel(pool, W, r0, r1, buf.data());
    GemmArgs g;  // dx (+)= dy[:, r0:r1] · W[r0:r1, :]
    g.M = N, g.N = in, g.K = r1 - r0;
    g.A = dy + r0, g.lda = out, g.B = buf.data(), g.ldb = in, g.C = dx, g.ldc = in;
    g.beta = (r0 == 0 && !accumulate) ? 0.f : 1.f;
    sgemm(g, pool);
  }
}

}  // namespace tf::kernels
