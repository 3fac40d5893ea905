#include "kernels/lora.h"

#include <algorithm>
#include <vector>

#include "common/rng.h"
#include "kernels/gemm.h"

namespace tf::kernels {

namespace {

// out[i] = mask(i) / (1 − p) · in[i]; with in == nullptr the caller wants out *= mask / (1 − p). The work is
// split in groups of four elements, which share one hash (lora_keep), so each hash is computed once and the
// group's four lanes need no branch.
void apply_dropout(ThreadPool* pool, const LoraDropout& drop, const float* in, float* out, int64_t n) {
  const float keep_scale = 1.f / (1.f - drop.p);
  const uint32_t thr = lora_drop_threshold(drop.p);
  const float* src = in ? in : out;
  auto body = [&](int64_t gb, int64_t ge, int) {
    for (int64_t g = gb; g < ge; ++g) {
      const uint64_t bits = hash_u64(drop.key, static_cast<uint64_t>(g));
      const int64_t i0 = g * 4, lanes = std::min<int64_t>(4, n - i0);
      for (int64_t j = 0; j < lanes; ++j) {
        const bool keep = ((bits >> (j * 16)) & 0xFFFFu) >= thr;
        out[i0 + j] = keep ? src[i0 + j] * keep_scale : 0.f;
      }
    }
  };
  const int64_t groups = (n + 3) / 4;
  if (pool) pool->parallel_for_grain(groups, 1024, body); else body(0, groups, 0);
}

std::vector<float>& lora_scratch() {
  thread_local std::vector<float> buf;
  return buf;
}

}  // namespace

void lora_forward(ThreadPool* pool, const LoraDims& d, const float* x, const float* A, const float* B, float scale,
                  const LoraDropout& drop, float* u, float* y) {
  const float* xin = x;
  if (drop.p > 0.f) {
    auto& xd = lora_scratch();
    xd.resize(d.N * d.in);
    apply_dropout(pool, drop, x, xd.data(), d.N * d.in);
    xin = xd.data();
  }
  sgemm(gemm_args(false, true, d.N, d.r, d.in, xin, d.in, A, d.in, u, d.r, 1.f, 0.f), pool);       // u = x Aᵀ
  if (!y) return;
  sgemm(gemm_args(false, true, d.N, d.out, d.r, u, d.r, B, d.r, y, d.out, scale, 1.f), pool);      // y += s u Bᵀ
}

void lora_backward(ThreadPool* pool, const LoraDims& d, const float* x, const float* A, const float* B, float scale,
                   const LoraDropout& drop, const float* u, const float* dy, float* dA, float* dB, float* dx) {
  std::vector<float> du(d.N * d.r);
  sgemm(gemm_args(false, false, d.N, d.r, d.out, dy, d.out, B, d.r, du.data(), d.r, scale, 0.f), pool);  // du = s dy B
  sgemm(gemm_args(true, false, d.out, d.r, d.N, dy, d.out, u, d.r, dB, d.r, scale, 1.f), pool);          // dB += s dyᵀ u
  auto& xd = lora_scratch();
  const float* xin = x;
  if (drop.p > 0.f) {
    xd.resize(d.N * d.in);
    apply_dropout(pool, drop, x, xd.data(), d.N * d.in);
    xin = xd.data();
  }
  sgemm(gemm_args(true, false, d.r, d.in, d.N, du.data(), d.r, xin, d.in, dA, d.in, 1.f, 1.f), pool);    // dA += duᵀ x
  if (!dx) return;
  if (drop.p > 0.f) {
    // dx += mask ∘ (du A) / (1 − p): the mask must hit only this branch's share of dx.
    sgemm(gemm_args(false, false, d.N, d.in, d.r, du.data(), d.r, A, d.in, xd.data(), d.in, 1.f, 0.f), pool);
    apply_dropout(pool, drop, nullptr, xd.data(), d.N * d.in);
    const float* t = xd.data();
    auto body = [&](int64_t b, int64_t e, int) {
      for (int64_t i = b; i < e; ++i) dx[i] += t[i];
    };
    if (pool) pool->parallel_for_grain(d.N * d.in, 4096, body); else body(0, d.N * d.in, 0);
  } else {
    sgemm(gemm_args(false, false, d.N, d.in, d.r, du.data(), d.r, A, d.in, dx, d.in, 1.f, 1.f), pool);   // dx += du A
  }
}

}  // namespace tf::kernels
