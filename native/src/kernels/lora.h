#pragma once
// LoRA branch as PEFT computes it: y += s · B (A (dropout(x))), A [r, in], B [out, r], s = alpha / r (or
// alpha / sqrt(r) with rsLoRA). The dropout mask is a pure function of (key, element index), so backward
// and checkpoint recompute regenerate it instead of storing it, and no thread ordering can change it.
#include <cstdint>

#include "common/rng.h"
#include "common/threadpool.h"

namespace tf::kernels {

struct LoraDropout {
  float p = 0.f;      // drop probability; 0 = off
  uint64_t key = 0;   // mask key: element e = i*in + c is kept iff lora_keep(key, e, p)
};

// Element e draws a 16-bit uniform: bits [16*(e%4), 16*(e%4)+16) of hash_u64(key, e/4), so one hash serves four
// elements (p is resolved to 1/65536, far finer than any dropout setting).
inline uint32_t lora_drop_threshold(float p) { return static_cast<uint32_t>(p * 65536.f + 0.5f); }
inline bool lora_keep(uint64_t key, uint64_t e, uint32_t threshold) {
  return ((hash_u64(key, e >> 2) >> ((e & 3) * 16)) & 0xFFFFu) >= threshold;
}

struct LoraDims {
  int64_t N = 0, in = 0, out = 0, r = 0;
};

// y[N,out] += s · dropout(x) Aᵀ Bᵀ; u [N,r] = dropout(x) Aᵀ is kept for backward. y null: u only (a checkpoint
// recompute needs the branch's u for backward but not its share of an output nobody reads).
void lora_forward(ThreadPool* pool, const LoraDims& d, const float* x, const float* A, const float* B, float scale,
                  const LoraDropout& drop, float* u, float* y);
// Given dy [N,out]: dA += ..., dB += ... (accumulated), dx += the branch's input gradient (dx may be null).
void lora_backward(ThreadPool* pool, const LoraDims& d, const float* x, const float* A, const float* B, float scale,
                   const LoraDropout& drop, const float* u, const float* dy, float* dA, float* dB, float* dx);

}  // namespace tf::kernels
