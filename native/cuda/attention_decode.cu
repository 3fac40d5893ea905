// Attention for generation with a KV cache (the CUDA model's decode, backend/cuda_llama_decode.cc): n query rows at
// positions len0 .. len0 + n - 1 against every cached key up to their own position. Decoding is one row at a time
// and reads the whole cache once per token, so this kernel is about memory bandwidth, not tensor cores: one block per
// (row, query head), each of its warps takes every kWarps-th key, lanes split the head dimension, and an online
// softmax (running max, Σexp, weighted V sum) per warp is merged across warps at the end. No score matrix exists,
// so any context length fits. Mirrors the CPU decode's attention (model/llama_decode.cc) in fp32 over bf16 inputs.
#include <string>

#include "api.h"
#include "attention_math.h"
#include "common.cuh"

namespace tf::cuda {

namespace {

constexpr int kWarps = 4, kThreads = kWarps * 32;
constexpr int kMaxHd = 256, kDimsPerLane = kMaxHd / 32;

__global__ void __launch_bounds__(kThreads)
    attention_decode_kernel(const bf16* __restrict__ q, const bf16* __restrict__ k_cache,
                            const bf16* __restrict__ v_cache, bf16* __restrict__ out, int64_t len0, int64_t nh,
                            int64_t nkv, int hd, float scale) {
  __shared__ float sq[kMaxHd];
  __shared__ float s_max[kWarps], s_sum[kWarps];
  __shared__ float s_acc[kWarps][kMaxHd];
  const int64_t row = blockIdx.x, h = blockIdx.y, g = attn_kv_head(h, nh, nkv);
  const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
  const bf16* qrow = q + (row * nh + h) * hd;
  for (int d = threadIdx.x; d < hd; d += kThreads) sq[d] = to_f(qrow[d]) * scale;
  __syncthreads();

  const int64_t keys = len0 + row + 1;  // causal: this row's own position is the last key it sees
  float m = -INFINITY, s = 0.f, acc[kDimsPerLane];
#pragma unroll
  for (int t = 0; t < kDimsPerLane; ++t) acc[t] = 0.f;
  for (int64_t j = warp; j < keys; j += kWarps) {
    const bf16* kr = k_cache + (j * nkv + g) * hd;
    float dot = 0.f;
    for (int d = lane; d < hd; d += 32) dot += sq[d] * to_f(kr[d]);
    dot = warp_sum(dot);
    const float m_new = fmaxf(m, dot);
    const float corr = attn_exp(m - m_new), p = attn_exp(dot - m_new);
    s = s * corr + p;
    const bf16* vr = v_cache + (j * nkv + g) * hd;
#pragma unroll
    for (int t = 0; t < kDimsPerLane; ++t) {
      const int d = lane + 32 * t;
      if (d < hd) acc[t] = acc[t] * corr + p * to_f(vr[d]);
    }
    m = m_new;
  }
  if (lane == 0) s_max[warp] = m, s_sum[warp] = s;
#pragma unroll
  for (int t = 0; t < kDimsPerLane; ++t)
    if (lane + 32 * t < hd) s_acc[warp][lane + 32 * t] = acc[t];
  __syncthreads();

  // Merge the warps' partial softmaxes (a warp that saw no key has max -inf and contributes exp(-inf) = 0; warp 0
  // always sees key 0, so the merged max is finite).
  float mx = -INFINITY;
  for (int w = 0; w < kWarps; ++w) mx = fmaxf(mx, s_max[w]);
  float total = 0.f;
  for (int w = 0; w < kWarps; ++w) total += s_sum[w] * attn_exp(s_max[w] - mx);
  bf16* orow = out + (row * nh + h) * hd;
  for (int d = threadIdx.x; d < hd; d += kThreads) {
    float o = 0.f;
    for (int w = 0; w < kWarps; ++w) o += s_acc[w][d] * attn_exp(s_max[w] - mx);
    orow[d] = to_bf(o / total);
  }
}

}  // namespace

void attention_decode(const AttnDecodeDims& d, const bf16* q, const bf16* k_cache, const bf16* v_cache, bf16* out,
                      cudaStream_t stream) {
  TF_CHECK(d.n >= 1 && d.len0 >= 0 && d.nh >= 1 && d.nkv >= 1 && d.nh % d.nkv == 0,
           "attention_decode: bad dims (n " + std::to_string(d.n) + ", len0 " + std::to_string(d.len0) + ", heads " +
               std::to_string(d.nh) + "/" + std::to_string(d.nkv) + ")");
  TF_CHECK(d.hd >= 1 && d.hd <= kMaxHd, "attention_decode: head_dim " + std::to_string(d.hd) + " outside [1, 256]");
  TF_CHECK(d.n <= 2147483647 && d.nh <= 65535, "attention_decode: too many rows or heads for one launch");
  const dim3 grid(unsigned(d.n), unsigned(d.nh));
  attention_decode_kernel<<<grid, kThreads, 0, stream>>>(q, k_cache, v_cache, out, d.len0, d.nh, d.nkv, int(d.hd),
                                                         attn_scale(d.hd));
  CUDA_CHECK_LAUNCH();
}

}  // namespace tf::cuda
