#pragma once
// Gated activations of the MLP: SwiGLU (Llama, Qwen) h = silu(g) * u with silu(g) = g * sigmoid(g), and GeGLU with
// the tanh GELU (Gemma 3's gelu_pytorch_tanh) h = gelu(g) * u, gelu(g) = g/2 (1 + tanh(√(2/π) (g + 0.044715 g³))).
#include <cstdint>

#include "common/threadpool.h"

namespace tf::kernels {

void swiglu_forward(ThreadPool* pool, const float* g, const float* u, float* h, int64_t n);
// dg = dh * u * silu'(g), du = dh * silu(g); silu'(g) = s (1 + g (1 - s)) with s = sigmoid(g).
void swiglu_backward(ThreadPool* pool, const float* dh, const float* g, const float* u, float* dg, float* du, int64_t n);

void geglu_tanh_forward(ThreadPool* pool, const float* g, const float* u, float* h, int64_t n);
// dg = dh * u * gelu'(g), du = dh * gelu(g).
void geglu_tanh_backward(ThreadPool* pool, const float* dh, const float* g, const float* u, float* dg, float* du,
                         int64_t n);

}  // namespace tf::kernels
