// Attention for generation with a KV cache (the CUDA model's decode, backend/cuda_llama_decode.cc): n query rows at
// positions len0 .. len0 + n - 1 against every cached key up to their own position. Decoding is one row at a time
// and reads the whole cache once per token, so this kernel is about memory bandwidth, not tensor cores: one block per
// (row, query head), each of its warps takes every kWarps-th key, lanes split the head dimension, and an online
// softmax (running max, Σexp, weighted V sum) per warp is merged across warps at the end. No score matrix exists,
// so any context length fits. Mirrors the CPU decode's attention (model/llama_decode.cc) in fp32 over bf16 inputs.
// attention_decode_step is the batched generation's (decode_step): one new token for each of n sequences, each
// with its own cache and length, appended and attended in one launch instead of 3 launches per sequence.
#include <string>

#include "api.h"
#include "attention_math.h"
#include "common.cuh"

namespace tf::cuda {

namespace {

constexpr int kWarps = 4, kDecodeThreads = kWarps * 32;
constexpr int kMaxHd = 256, kDimsPerLane = kMaxHd / 32;

// Where key j's K and V rows are. CacheRows: every key in the cache (attention_decode). StepRows: a decode step's
// sequence, its cached keys [0, len0) in its cache and its newest key (position len0) still in the step's k/v rows.
struct CacheRows {
  const bf16 *k, *v;
  int64_t stride, off;  // row j of head g: j * stride + off
  __device__ const bf16* key(int64_t j) const { return k + j * stride + off; }
  __device__ const bf16* value(int64_t j) const { return v + j * stride + off; }
};
struct StepRows {
  CacheRows cache;
  const bf16 *k_new, *v_new;
  int64_t len0;
  __device__ const bf16* key(int64_t j) const { return j < len0 ? cache.key(j) : k_new; }
  __device__ const bf16* value(int64_t j) const { return j < len0 ? cache.value(j) : v_new; }
};

// One (row, query head) block: the scaled query (sq, shared) against `keys` keys. The block's warps take every
// kWarps-th key, lanes split the head dimension, each warp keeps an online softmax (running max, Σexp, weighted V
// sum), and the warps' partial softmaxes are merged at the end into orow. s_max, s_sum, s_acc: shared scratch.
template <class Rows>
__device__ void attend(const float* sq, int64_t keys, const Rows& rows, int hd, float* s_max, float* s_sum,
                       float (*s_acc)[kMaxHd], bf16* orow) {
  const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
  float m = -INFINITY, s = 0.f, acc[kDimsPerLane];
#pragma unroll
  for (int t = 0; t < kDimsPerLane; ++t) acc[t] = 0.f;
  for (int64_t j = warp; j < keys; j += kWarps) {
    const bf16* kr = rows.key(j);
    float dot = 0.f;
    for (int d = lane; d < hd; d += 32) dot += sq[d] * to_f(kr[d]);
    dot = warp_sum(dot);
    const float m_new = fmaxf(m, dot);
    const float corr = attn_exp(m - m_new), p = attn_exp(dot - m_new);
    s = s * corr + p;
    const bf16* vr = rows.value(j);
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
  for (int d = threadIdx.x; d < hd; d += kDecodeThreads) {
    float o = 0.f;
    for (int w = 0; w < kWarps; ++w) o += s_acc[w][d] * attn_exp(s_max[w] - mx);
    orow[d] = to_bf(o / total);
  }
}

__device__ __forceinline__ void load_query(float* sq, const bf16* qrow, int hd, float scale) {
  for (int d = threadIdx.x; d < hd; d += kDecodeThreads) sq[d] = to_f(qrow[d]) * scale;
  __syncthreads();
}

__global__ void __launch_bounds__(kDecodeThreads)
    attention_decode_kernel(const bf16* __restrict__ q, const bf16* __restrict__ k_cache,
                            const bf16* __restrict__ v_cache, bf16* __restrict__ out, int64_t len0, int64_t nh,
                            int64_t nkv, int hd, float scale) {
  __shared__ float sq[kMaxHd];
  __shared__ float s_max[kWarps], s_sum[kWarps];
  __shared__ float s_acc[kWarps][kMaxHd];
  const int64_t row = blockIdx.x, h = blockIdx.y, g = attn_kv_head(h, nh, nkv);
  load_query(sq, q + (row * nh + h) * hd, hd, scale);
  // Causal: this row's own position is the last key it sees.
  attend(sq, len0 + row + 1, CacheRows{k_cache, v_cache, nkv * hd, g * hd}, hd, s_max, s_sum, s_acc,
         out + (row * nh + h) * hd);
}

// A decode step (one new token per sequence): block (sequence, query head). The first query head of each kv group
// also appends the sequence's new key and value rows to its cache at len0; the blocks read positions < len0 from
// the cache and the new row from k_new/v_new, so no block reads what another writes.
__global__ void __launch_bounds__(kDecodeThreads)
    attention_decode_step_kernel(const bf16* __restrict__ q, const bf16* __restrict__ k_new,
                                 const bf16* __restrict__ v_new, const DecodeSeq* __restrict__ seqs, int64_t layer,
                                 bf16* __restrict__ out, int64_t nh, int64_t nkv, int hd, float scale) {
  __shared__ float sq[kMaxHd];
  __shared__ float s_max[kWarps], s_sum[kWarps];
  __shared__ float s_acc[kWarps][kMaxHd];
  const int64_t row = blockIdx.x, h = blockIdx.y, g = attn_kv_head(h, nh, nkv);
  const DecodeSeq seq = seqs[row];
  bf16* kc = seq.k + layer * seq.layer_stride;
  bf16* vc = seq.v + layer * seq.layer_stride;
  const bf16* kn = k_new + (row * nkv + g) * hd;
  const bf16* vn = v_new + (row * nkv + g) * hd;
  if (h % (nh / nkv) == 0)
    for (int d = threadIdx.x; d < hd; d += kDecodeThreads) {
      kc[(seq.len0 * nkv + g) * hd + d] = kn[d];
      vc[(seq.len0 * nkv + g) * hd + d] = vn[d];
    }
  load_query(sq, q + (row * nh + h) * hd, hd, scale);
  attend(sq, seq.len0 + 1, StepRows{CacheRows{kc, vc, nkv * hd, g * hd}, kn, vn, seq.len0}, hd, s_max, s_sum, s_acc,
         out + (row * nh + h) * hd);
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
  attention_decode_kernel<<<grid, kDecodeThreads, 0, stream>>>(q, k_cache, v_cache, out, d.len0, d.nh, d.nkv, int(d.hd),
                                                         attn_scale(d.hd));
  CUDA_CHECK_LAUNCH();
}

void attention_decode_step(const AttnDecodeStepDims& d, const bf16* q, const bf16* k_new, const bf16* v_new,
                           const DecodeSeq* seqs, bf16* out, cudaStream_t stream) {
  TF_CHECK(d.n >= 1 && d.layer >= 0 && d.nh >= 1 && d.nkv >= 1 && d.nh % d.nkv == 0,
           "attention_decode_step: bad dims (n " + std::to_string(d.n) + ", layer " + std::to_string(d.layer) +
               ", heads " + std::to_string(d.nh) + "/" + std::to_string(d.nkv) + ")");
  TF_CHECK(d.hd >= 1 && d.hd <= kMaxHd, "attention_decode_step: head_dim " + std::to_string(d.hd) + " outside [1, 256]");
  TF_CHECK(d.n <= 2147483647 && d.nh <= 65535, "attention_decode_step: too many sequences or heads for one launch");
  const dim3 grid(unsigned(d.n), unsigned(d.nh));
  attention_decode_step_kernel<<<grid, kDecodeThreads, 0, stream>>>(q, k_new, v_new, seqs, d.layer, out, d.nh, d.nkv,
                                                              int(d.hd), attn_scale(d.hd));
  CUDA_CHECK_LAUNCH();
}

}  // namespace tf::cuda
