#pragma once
// Rotary position embedding, HF "rotate half" convention: x' = x cos + rotate_half(x) sin with
// rotate_half(x) = concat(-x[d/2:], x[:d/2]) and emb = concat(freqs, freqs).
#include <cstdint>
#include <vector>

#include "common/threadpool.h"
#include "io/config.h"

namespace tf::kernels {

// inv_freq[i] = theta^(-2i/d) in fp32 as HF computes it, then rescaled by wavelength bands when
// rope_scaling.type == "llama3" (Llama 3.1+), or divided by the factor when it is "linear".
std::vector<float> rope_inv_freq(int head_dim, double theta, const RopeScaling& scaling);

// x [N, heads, head_dim] rotated in place by angle positions[i] * inv_freq.
void rope_forward(ThreadPool* pool, float* x, const int32_t* positions, const float* inv_freq, int64_t N,
                  int64_t heads, int64_t head_dim);
// The rotation is orthogonal, so the gradient is the inverse rotation (angle negated), also in place.
void rope_backward(ThreadPool* pool, float* dx, const int32_t* positions, const float* inv_freq, int64_t N,
                   int64_t heads, int64_t head_dim);

}  // namespace tf::kernels
