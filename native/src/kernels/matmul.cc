#include "kernels/matmul.h"

#include "kernels/gemm.h"

namespace tf::kernels {

void linear_forward(ThreadPool* pool, const float* x, const float* W, const float* bias, float* y, int64_t N,
                    int64_t in, int64_t out) {
  matmul_xwt(pool, x, W, y, N, out, in);
  if (!bias) return;
  for (int64_t i = 0; i < N; ++i)
    for (int64_t j = 0; j < out; ++j) y[i * out + j] += bias[j];
}

void linear_backward(ThreadPool* pool, const float* dy, const float* x, const float* W, float* dx, bool accumulate,
                     float* dW, float* dbias, int64_t N, int64_t in, int64_t out) {
  if (dx) {
    GemmArgs g;  // dx = dy[N,out] · W[out,in]
    g.M = N, g.N = in, g.K = out;
    g.A = dy, g.lda = out, g.B = W, g.ldb = in, g.C = dx, g.ldc = in;
    g.beta = accumulate ? 1.f : 0.f;
    sgemm(g, pool);
  }
  if (dW) {
    GemmArgs g;  // dW += dyᵀ[out,N] · x[N,in]
    g.trans_a = true;
    g.M = out, g.N = in, g.K = N;
    g.A = dy, g.lda = out, g.B = x, g.ldb = in, g.C = dW, g.ldc = in;
    g.beta = 1.f;
    sgemm(g, pool);
  }
  if (dbias) {
    // Column sums in row order: one fixed order whatever the thread count.
    for (int64_t i = 0; i < N; ++i)
      for (int64_t j = 0; j < out; ++j) dbias[j] += dy[i * out + j];
  }
}

}  // namespace tf::kernels
