// Rotary embedding, HF rotate-half (kernels/rope.h): x[j], x[j+D/2] rotated by pos * inv_freq[j], in place.
// Backward is the inverse rotation. One thread per (row, head, j < D/2) pair; the angle is the fp32 product
// pos * inv_freq as HF computes it, and sincosf (full precision, not the __sincosf intrinsic, whose error grows
// with the angle: positions reach 10^5 radians).
#include <string>

#include "api.h"
#include "common.cuh"
#include "host/launch_plan.h"

namespace tf::cuda {

namespace {

__global__ void rope_kernel(bf16* x, const int32_t* positions, const float* inv_freq, int64_t N, int64_t heads,
                            int64_t half, float sign) {
  const int64_t total = N * heads * half;
  for (int64_t k = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; k < total;
       k += int64_t(gridDim.x) * blockDim.x) {
    const int64_t j = k % half, row_head = k / half, i = row_head / heads;
    const float ang = __fmul_rn(float(positions[i]), inv_freq[j]);
    float s, c;
    sincosf(ang, &s, &c);
    s *= sign;
    bf16* v = x + row_head * 2 * half;
    const float a = to_f(v[j]), b = to_f(v[j + half]);
    v[j] = to_bf(a * c - b * s);
    v[j + half] = to_bf(b * c + a * s);
  }
}

void launch(bf16* x, const int32_t* positions, const float* inv_freq, int64_t N, int64_t heads, int64_t D,
            float sign, cudaStream_t stream) {
  TF_CHECK(D > 0 && D % 2 == 0, "rope: head_dim must be even and > 0, got " + std::to_string(D));
  const Grid1D g = elementwise_grid(N * heads * (D / 2));
  if (g.blocks == 0) return;
  rope_kernel<<<unsigned(g.blocks), g.threads, 0, stream>>>(x, positions, inv_freq, N, heads, D / 2, sign);
  CUDA_CHECK_LAUNCH();
}

}  // namespace

void rope_forward(bf16* x, const int32_t* positions, const float* inv_freq, int64_t N, int64_t heads,
                  int64_t head_dim, cudaStream_t stream) {
  launch(x, positions, inv_freq, N, heads, head_dim, 1.f, stream);
}

void rope_backward(bf16* dx, const int32_t* positions, const float* inv_freq, int64_t N, int64_t heads,
                   int64_t head_dim, cudaStream_t stream) {
  launch(dx, positions, inv_freq, N, heads, head_dim, -1.f, stream);
}

}  // namespace tf::cuda
