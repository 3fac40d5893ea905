#pragma once
// LoRA branch as PEFT computes it: y += s · B (A (dropout(x))), A [r, in], B [out, r], s = alpha / r (or
// alpha / sqrt(r) with rsLoRA). The dropout mask is a pure function of (key, element index), so backward
// and checkpoint recompute regenerate it instead of storing it, and no thread ordering can change it.
#include <cstdint>

#include "common/threadpool.h"

namespace tf::kernels {

struct LoraDropout {
  float p = 0.f;      // drop probability; 0 = off
  uint64_t key = 0;   // element (i, c) is kept iff hash_uniform(key, i*in + c) >= p
};

struct LoraDims {
  int64_t N = 0, in = 0, out = 0, r = 0;
};

// y[N,out] += s · dropout(x) Aᵀ Bᵀ; u [N,r] = dropout(x) Aᵀ is kept for backward.
void lora_forward(ThreadPool* pool, const LoraDims& d, const float* x, const float* A, const float* B, float scale,
                  const LoraDropout& drop, float* u, float* y);
// Given dy [N,out]: dA += ..., dB += ... (accumulated), dx += the branch's input gradient (dx may be null).
void lora_backward(ThreadPool* pool, const LoraDims& d, const float* x, const float* A, const float* B, float scale,
                   const LoraDropout& drop, const float* u, const float* dy, float* dA, float* dB, float* dx);

}  // namespace tf::kernels
