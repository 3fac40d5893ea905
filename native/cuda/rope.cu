// Rotary embedding, HF rotate-half (kernels/rope.h): x[j], x[j+D/2] rotated by pos * inv_freq[j], in place; or
// GLM-4's interleaved pairs x[2j], x[2j+1].
// Backward is the inverse rotation. A block per row, a thread per pair j < D/2 and group of heads; the angle is
// the fp32 product pos * inv_freq as HF computes it, and sincosf (full precision, not the __sincosf intrinsic,
// whose error grows with the angle: positions reach 10^5 radians).
#include <string>

#include "api.h"
#include "common.cuh"
#include "host/launch_plan.h"

namespace tf::cuda {

namespace {

// Block = token row i (host/launch_plan.h rope_launch): thread (j, y) takes the angle pos_i · inv_freq[j] and its
// sine and cosine once, then rotates pair j of heads y, y + threads_y, ... The sine and cosine are the kernel's
// cost (positions as angles need the full-precision sincosf); per (row, head, pair) they were recomputed for every
// head, behind two 64-bit divisions for the indices.
// Pair j is values (j, j + half), or (2j, 2j + 1) when interleaved (GLM-4): first = 1, second = half, or 2 and 1.
// long_inv / long_from: longrope's per-row table (rows at position long_from or more take long_inv).
// temp_beta / temp_interval: Ministral 3's query temperature, the row's scale times 1 + beta · ln(1 + floor(p / interval))
// in fp32 as torch's steps (beta 0: none).
__global__ void rope_kernel(bf16* x, const int32_t* positions, const float* inv_freq, int heads, int D, int half,
                            float scale, float sign, int first, int second, const float* long_inv, int32_t long_from,
                            float temp_beta, int32_t temp_interval) {
  const int64_t i = blockIdx.x;
  if (long_inv && positions[i] >= long_from) inv_freq = long_inv;
  const float pos = float(positions[i]);
  if (temp_beta != 0.f) scale *= 1.f + temp_beta * logf(1.f + floorf(__fdiv_rn(pos, float(temp_interval))));
  bf16* row = x + i * heads * D;
  for (int j = threadIdx.x; j < half; j += blockDim.x) {
    const float ang = __fmul_rn(pos, inv_freq[j]);
    float s, c;
    sincosf(ang, &s, &c);
    // cos and sin times the scale, as transformers scales its tables (longrope's or yarn's attention factor; 1 otherwise).
    c *= scale;
    s *= sign * scale;
    for (int h = threadIdx.y; h < heads; h += blockDim.y) {
      bf16* v = row + h * D + j * first;
      const float a = to_f(v[0]), b = to_f(v[second]);
      v[0] = to_bf(a * c - b * s);
      v[second] = to_bf(b * c + a * s);
    }
  }
}

void launch(bf16* x, const int32_t* positions, const float* inv_freq, int64_t N, int64_t heads, int64_t D,
            int64_t rotary_dim, float scale, float sign, bool interleaved, cudaStream_t stream,
            RopeLongRows long_rows, RopeTemperature temperature) {
  TF_CHECK(D > 0 && D % 2 == 0, "rope: head_dim must be even and > 0, got " + std::to_string(D));
  TF_CHECK(heads > 0 && heads * D <= 0x7fffffff, "rope: heads x head_dim must be in (0, 2^31)");
  const int64_t R = rotary_dim > 0 ? rotary_dim : D;
  TF_CHECK(R % 2 == 0 && R <= D, "rope: rotary_dim " + std::to_string(R) + " must be even and <= head_dim " + std::to_string(D));
  TF_CHECK(temperature.beta == 0.f || (R == D && temperature.interval > 0),
           "rope: a query temperature needs every dimension rotated and a positive interval");
  const RopeLaunch l = rope_launch(N, heads, R / 2);
  if (l.blocks == 0) return;
  rope_kernel<<<unsigned(l.blocks), dim3(unsigned(l.threads_x), unsigned(l.threads_y)), 0, stream>>>(
      x, positions, inv_freq, int(heads), int(D), int(R / 2), scale, sign, interleaved ? 2 : 1,
      interleaved ? 1 : int(R / 2), long_rows.inv_freq, long_rows.from, temperature.beta, temperature.interval);
  CUDA_CHECK_LAUNCH();
}

}  // namespace

void rope_forward(bf16* x, const int32_t* positions, const float* inv_freq, int64_t N, int64_t heads,
                  int64_t head_dim, cudaStream_t stream, int64_t rotary_dim, float scale, bool interleaved,
                  RopeLongRows long_rows, RopeTemperature temperature) {
  launch(x, positions, inv_freq, N, heads, head_dim, rotary_dim, scale, 1.f, interleaved, stream, long_rows, temperature);
}

void rope_backward(bf16* dx, const int32_t* positions, const float* inv_freq, int64_t N, int64_t heads,
                   int64_t head_dim, cudaStream_t stream, int64_t rotary_dim, float scale, bool interleaved,
                   RopeTemperature temperature) {
  launch(dx, positions, inv_freq, N, heads, head_dim, rotary_dim, scale, -1.f, interleaved, stream, {}, temperature);
}

}  // namespace tf::cuda
