#pragma once
// SwiGLU gate of the Llama MLP: h = silu(g) * u, silu(g) = g * sigmoid(g).
#include <cstdint>

#include "common/threadpool.h"

namespace tf::kernels {

void swiglu_forward(ThreadPool* pool, const float* g, const float* u, float* h, int64_t n);
// dg = dh * u * silu'(g), du = dh * silu(g); silu'(g) = s (1 + g (1 - s)) with s = sigmoid(g).
void swiglu_backward(ThreadPool* pool, const float* dh, const float* g, const float* u, float* dg, float* du, int64_t n);

}  // namespace tf::kernels
