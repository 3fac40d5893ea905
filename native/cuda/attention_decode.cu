// Attention for generation with a KV cache (the CUDA model's decode, backend/cuda_llama_decode.cc): n query rows at
// positions len0 .. len0 + n - 1 against every cached key up to their own position. Decoding is one row at a time
// and reads the whole cache once per token, so this kernel is about memory bandwidth, not tensor cores: one block per
// (row, query head), its warps take keys in turn (a group of lanes per key, 8 dims per lane and 16-byte loads, where
// the head dim and rows allow: attend_grouped; else lanes split the head dimension: attend), and the online softmaxes
// (running max, Σexp, weighted V sum) are merged across lanes and warps at the end. No score matrix exists,
// so any context length fits. Mirrors the CPU decode's attention (model/llama_decode.cc) in fp32 over bf16 inputs.
// attention_decode_step is the batched generation's (decode_step): one new token for each of n sequences, each
// with its own cache and length, appended and attended in one launch instead of 3 launches per sequence.
#include <string>

#include "api.h"
#include "attention_math.h"
#include "common.cuh"

namespace tf::cuda {

namespace {

// 8 warps: a single sequence's decode has only a block per query head (32 for Llama 3.2 1B), each streaming its
// whole cache, so each block needs many keys in flight.
constexpr int kWarps = 8, kDecodeThreads = kWarps * 32;
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

// The warps' partial softmaxes (s_max, s_sum, s_acc, written by each warp) merged into orow: a warp that saw no
// key has max -inf and contributes exp(-inf) = 0; warp 0 always sees the first visible key, so the merged max is
// finite.
__device__ void merge_warps(int hd, const float* s_max, const float* s_sum, const float (*s_acc)[kMaxHd],
                            bf16* orow) {
  __syncthreads();
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

// A scaled score under Gemma 2's soft cap (softcap·tanh(s / softcap); softcap 0: s itself), as the CPU's.
__device__ __forceinline__ float capped_score(float s, float softcap) {
  return softcap > 0.f ? softcap * tanhf(s / softcap) : s;
}

// One (row, query head) block: the scaled query (sq, shared) against `keys` keys (scores soft-capped when
// softcap > 0). The block's warps take every kWarps-th key, lanes split the head dimension, each warp keeps an online
// softmax (running max, Σexp, weighted V sum), and the warps' partial softmaxes are merged at the end into orow.
// s_max, s_sum, s_acc: shared scratch. For any hd and alignment; attend_grouped is the path for the usual ones.
template <class Rows>
__device__ void attend(const float* sq, int64_t first, int64_t keys, const Rows& rows, int hd, float softcap,
                       float* s_max, float* s_sum, float (*s_acc)[kMaxHd], bf16* orow) {
  const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
  float m = -INFINITY, s = 0.f, acc[kDimsPerLane];
#pragma unroll
  for (int t = 0; t < kDimsPerLane; ++t) acc[t] = 0.f;
  for (int64_t j = first + warp; j < keys; j += kWarps) {
    const bf16* kr = rows.key(j);
    float dot = 0.f;
    for (int d = lane; d < hd; d += 32) dot += sq[d] * to_f(kr[d]);
    dot = capped_score(warp_sum(dot), softcap);
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
  merge_warps(hd, s_max, s_sum, s_acc, orow);
}

// The same for hd % 8 == 0 and 16-byte-aligned K/V rows: G = attn_decode_group_lanes(hd) lanes per key, each lane
// holding 8 consecutive dims (one 16-byte load of K and one of V per key), so a warp takes 32 / G keys per step and
// a key's dot product needs log2 G shuffles rather than 5 (hd 64: 4 keys per step, 3 shuffles). Each group keeps
// its own online softmax; the warp's groups are merged by shuffles at the end, then the warps as in attend.
template <class Rows>
__device__ void attend_grouped(const float* sq, int64_t first, int64_t keys, const Rows& rows, int hd, float softcap,
                               float* s_max, float* s_sum, float (*s_acc)[kMaxHd], bf16* orow) {
  const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
  const int G = attn_decode_group_lanes(hd), groups = 32 / G, group = lane / G, d0 = 8 * (lane % G);
  const bool has_dims = d0 < hd;
  float qv[8], acc[8];
#pragma unroll
  for (int e = 0; e < 8; ++e) qv[e] = has_dims ? sq[d0 + e] : 0.f, acc[e] = 0.f;
  float m = -INFINITY, s = 0.f;
  for (int64_t j0 = first + int64_t(warp) * groups; j0 < keys; j0 += int64_t(kWarps) * groups) {  // warp-uniform
    const int64_t j = j0 + group;
    const bool valid = j < keys;
    float dot = 0.f;
    if (valid && has_dims) {
      float kv[8];
      load_bf16s(rows.key(j) + d0, kv);
#pragma unroll
      for (int e = 0; e < 8; ++e) dot += qv[e] * kv[e];
    }
    for (int off = G / 2; off >= 1; off >>= 1) dot += __shfl_xor_sync(0xffffffffu, dot, off);  // within the group
    if (valid) {
      dot = capped_score(dot, softcap);
      const float m_new = fmaxf(m, dot);
      const float corr = attn_exp(m - m_new), p = attn_exp(dot - m_new);
      s = s * corr + p;
      if (has_dims) {
        float vv[8];
        load_bf16s(rows.value(j) + d0, vv);
#pragma unroll
        for (int e = 0; e < 8; ++e) acc[e] = acc[e] * corr + p * vv[e];
      }
      m = m_new;
    }
  }
  // Merge the warp's groups: lanes lane ^ off (off >= G) hold the same dims of another group's softmax.
  for (int off = G; off < 32; off <<= 1) {
    const float m_o = __shfl_xor_sync(0xffffffffu, m, off), s_o = __shfl_xor_sync(0xffffffffu, s, off);
    const float mx = fmaxf(m, m_o);
    const float a = m == -INFINITY ? 0.f : attn_exp(m - mx), b = m_o == -INFINITY ? 0.f : attn_exp(m_o - mx);
    s = s * a + s_o * b;
#pragma unroll
    for (int e = 0; e < 8; ++e) acc[e] = acc[e] * a + __shfl_xor_sync(0xffffffffu, acc[e], off) * b;
    m = mx;
  }
  if (lane == 0) s_max[warp] = m, s_sum[warp] = s;
  if (lane < G && has_dims)
#pragma unroll
    for (int e = 0; e < 8; ++e) s_acc[warp][d0 + e] = acc[e];
  merge_warps(hd, s_max, s_sum, s_acc, orow);
}

// Whether attend_grouped may read these rows: whole 16-byte groups of dims, 16-byte-aligned rows.
__device__ __forceinline__ bool grouped_rows(int hd, const void* a, const void* b, const void* c = nullptr,
                                             const void* d = nullptr) {
  const uintptr_t bits = reinterpret_cast<uintptr_t>(a) | reinterpret_cast<uintptr_t>(b) |
                         reinterpret_cast<uintptr_t>(c) | reinterpret_cast<uintptr_t>(d);
  return hd % 8 == 0 && bits % 16 == 0;
}

// The first key a query at position `pos` sees: 0, or on a sliding layer the start of its last `window` keys.
__device__ __forceinline__ int64_t first_visible(int64_t pos, int64_t window) {
  return window > 0 && pos >= window ? pos - window + 1 : 0;
}

__device__ __forceinline__ void load_query(float* sq, const bf16* qrow, int hd, float scale) {
  for (int d = threadIdx.x; d < hd; d += kDecodeThreads) sq[d] = to_f(qrow[d]) * scale;
  __syncthreads();
}

__global__ void __launch_bounds__(kDecodeThreads)
    attention_decode_kernel(const bf16* __restrict__ q, const bf16* __restrict__ k_cache,
                            const bf16* __restrict__ v_cache, bf16* __restrict__ out, int64_t len0, int64_t nh,
                            int64_t nkv, int hd, float scale, int64_t window, float softcap) {
  __shared__ float sq[kMaxHd];
  __shared__ float s_max[kWarps], s_sum[kWarps];
  __shared__ float s_acc[kWarps][kMaxHd];
  const int64_t row = blockIdx.x, h = blockIdx.y, g = attn_kv_head(h, nh, nkv);
  load_query(sq, q + (row * nh + h) * hd, hd, scale);
  // Causal: this row's own position is the last key it sees.
  const CacheRows rows{k_cache, v_cache, nkv * hd, g * hd};
  const int64_t first = first_visible(len0 + row, window);
  if (grouped_rows(hd, k_cache, v_cache))  // block-uniform
    attend_grouped(sq, first, len0 + row + 1, rows, hd, softcap, s_max, s_sum, s_acc, out + (row * nh + h) * hd);
  else
    attend(sq, first, len0 + row + 1, rows, hd, softcap, s_max, s_sum, s_acc, out + (row * nh + h) * hd);
}

// A decode step (one new token per sequence): block (sequence, query head). The first query head of each kv group
// also appends the sequence's new key and value rows to its cache at len0; the blocks read positions < len0 from
// the cache and the new row from k_new/v_new, so no block reads what another writes.
__global__ void __launch_bounds__(kDecodeThreads)
    attention_decode_step_kernel(const bf16* __restrict__ q, const bf16* __restrict__ k_new,
                                 const bf16* __restrict__ v_new, const DecodeSeq* __restrict__ seqs, int64_t layer,
                                 bf16* __restrict__ out, int64_t nh, int64_t nkv, int hd, float scale,
                                 int64_t window, float softcap) {
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
  const StepRows rows{CacheRows{kc, vc, nkv * hd, g * hd}, kn, vn, seq.len0};
  const int64_t first = first_visible(seq.len0, window);
  if (grouped_rows(hd, kc, vc, kn, vn))  // block-uniform
    attend_grouped(sq, first, seq.len0 + 1, rows, hd, softcap, s_max, s_sum, s_acc, out + (row * nh + h) * hd);
  else
    attend(sq, first, seq.len0 + 1, rows, hd, softcap, s_max, s_sum, s_acc, out + (row * nh + h) * hd);
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
  TF_CHECK(d.window >= 0, "attention_decode: negative window");
  attention_decode_kernel<<<grid, kDecodeThreads, 0, stream>>>(q, k_cache, v_cache, out, d.len0, d.nh, d.nkv, int(d.hd),
                                                         attn_scale(d.hd), d.window, d.softcap);
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
  TF_CHECK(d.window >= 0, "attention_decode_step: negative window");
  attention_decode_step_kernel<<<grid, kDecodeThreads, 0, stream>>>(q, k_new, v_new, seqs, d.layer, out, d.nh, d.nkv,
                                                              int(d.hd), attn_scale(d.hd), d.window, d.softcap);
  CUDA_CHECK_LAUNCH();
}

}  // namespace tf::cuda
