#pragma once
// The arithmetic of flash-style causal attention that the CUDA kernels (attention.cu) and the CPU tests
// (tests/test_cuda_attention_host.cc) share: which key tiles a query tile visits, which (query, key) pairs are
// visible, the online-softmax state, and the backward's P and dS. Every function here is TF_HD, so the CPU test
// runs the very same code the kernel does; that is how the algorithm is verified on machines without a GPU.
#include <cmath>
#include <cstdint>

#include "hd.h"

namespace tf::cuda {

// 1/sqrt(hd) computed exactly as the CPU reference does (float sqrt of a float), so scores agree to the last bit
// of the scale.
TF_HD float attn_scale(int64_t hd) { return 1.f / sqrtf(static_cast<float>(hd)); }

// log2(e): the kernels take exp(x) as exp2(x·log2 e), the form the hardware computes (MUFU.EX2).
constexpr float kLog2e = 1.4426950408889634f;

// exp2 on the device is that instruction itself (ex2.approx.ftz: 2 ulp; results below 2^-126, probabilities no
// one can see in bf16, flushed to 0). The arguments here are always <= 0 (a score minus a running max or minus the
// log-sum-exp, in log2 units), and exp2(-inf) = 0 on both sides, which the masks rely on.
TF_HD float attn_exp2(float x) {
#if defined(__CUDA_ARCH__)
  float y;
  asm("ex2.approx.ftz.f32 %0, %1;" : "=f"(y) : "f"(x));
  return y;
#else
  return std::exp2(x);
#endif
}

// The decode kernel's exp (attention_decode.cu): the fast intrinsic, whose error at arguments <= 0 stays within a
// few fp32 ulps, far below bf16 resolution.
TF_HD float attn_exp(float x) {
#if defined(__CUDA_ARCH__)
  return __expf(x);
#else
  return std::exp(x);
#endif
}

TF_HD float attn_log(float x) {
#if defined(__CUDA_ARCH__)
  return logf(x);
#else
  return std::log(x);
#endif
}

// Decoding's attention with 16-byte loads (attention_decode.cu): a group of lanes per key, each lane holding 8
// consecutive dims of it, so a group is the smallest power of two of lanes covering hd (hd % 8 == 0, <= 256).
TF_HD constexpr int attn_decode_group_lanes(int hd) {
  int g = 1;
  while (g * 8 < hd) g *= 2;
  return g;
}

// Layouts (kernels/attention.h): element offset of (batch row b, token t, head) in a [B*T, heads*hd] activation
// (q, out, dout, dq: heads = nh; k, v, dk, dv: heads = nkv), index of (b, h, t) in lse and D [B, nh, T], and the
// kv head that serves query head h.
TF_HD int64_t attn_offset(int64_t b, int64_t t, int64_t head, int64_t T, int64_t heads, int64_t hd) {
  return (b * T + t) * heads * hd + head * hd;
}
TF_HD int64_t attn_stat_index(int64_t b, int64_t h, int64_t t, int64_t nh, int64_t T) { return (b * nh + h) * T + t; }
TF_HD int64_t attn_kv_head(int64_t h, int64_t nh, int64_t nkv) { return h / (nh / nkv); }
// Backward's GQA sum: element e (< nkv*hd) of token row `token` of dk/dv [B*T, nkv*hd] is the sum over
// hh < nh/nkv of the per-query-head shares [B*T, nh*hd] at attn_dkv_share_base(token, e) + hh*hd (the group's
// heads are consecutive). The division within a row is 32-bit: a 64-bit one is a long software routine on a GPU.
TF_HD int64_t attn_dkv_share_base(int64_t token, int e, int nh, int nkv, int hd) {
  const int g = e / hd, c = e - g * hd;
  return (token * nh + g * (nh / nkv)) * hd + c;
}

// A query's first visible key. The contract is 0 <= seg_start[i] <= i (the CPU reference throws otherwise); a
// kernel cannot throw, so an out-of-range value is clamped: the query still sees itself and no NaN appears.
TF_HD int64_t attn_clamp_seg(int64_t seg, int64_t i) { return seg < 0 ? 0 : (seg > i ? i : seg); }

// Launch shapes of the flash-attention kernels by their register-tile size max_frags (fragments of 16 head dims:
// 4 up to hd 64, 8 up to 128, 16 above; host/attention_plan.h attn_max_frags). The kernels' templates and the host
// plans both read them here, so the two cannot drift apart.
constexpr int kAttnKeyTile = 64;      // forward: keys per shared-memory tile up to hd 128
constexpr int kAttnKeyTileWide = 32;  // and above (two buffers of K and V must still fit an A100 block)
// Forward keys per tile.
TF_HD constexpr int attn_forward_key_tile(int max_frags) { return max_frags <= 8 ? kAttnKeyTile : kAttnKeyTileWide; }
// Forward query rows per warp: two 16-row blocks sharing each K/V operand up to hd 64; above, the output
// accumulators' registers allow one.
TF_HD constexpr int attn_forward_rows_per_warp(int max_frags) { return max_frags <= 4 ? 32 : 16; }
// Backward keys per block (= queries per step): 4 warps of 16 up to hd 128, 2 above (so that four hd-256 tiles
// still fit an A100 block).
TF_HD constexpr int attn_backward_tile(int max_frags) { return max_frags <= 8 ? 64 : 32; }

// Query i sees key j iff j lies in [seg_i, i]: causal, and never across a packed-segment boundary.
TF_HD bool attn_visible(int64_t i, int64_t j, int64_t seg_i) { return j >= seg_i && j <= i; }

// Half-open range of tile indices [begin, end).
struct AttnTileRange {
  int64_t begin = 0, end = 0;
};

// Key tiles a query tile must visit: its rows see keys in [min_seg, q_last] (min_seg = the smallest first visible
// key over its rows, q_last = its last row). Tiles wholly beyond the diagonal or wholly before every row's
// segment are never visited.
TF_HD AttnTileRange attn_key_tiles(int64_t min_seg, int64_t q_last, int64_t key_tile) {
  AttnTileRange r;
  r.begin = min_seg / key_tile;
  r.end = q_last / key_tile + 1;
  return r;
}

// Backward, from the key side: a key tile starting at key k0 is seen only by query tiles whose last row is >= k0,
// i.e. from the tile that contains row k0 on.
TF_HD int64_t attn_first_query_tile(int64_t k0, int64_t query_tile) { return k0 / query_tile; }

// Whether a query tile (last row q_last, smallest first visible key min_seg) sees any key of [k0, k_last]. False
// means the pair is fully masked and is skipped (the other queries' segments start after the tile's last key, or
// the whole key tile lies beyond the diagonal).
TF_HD bool attn_tiles_interact(int64_t q_last, int64_t min_seg, int64_t k0, int64_t k_last) {
  return q_last >= k0 && min_seg <= k_last;
}

// Online softmax over one query row, a key tile at a time (FlashAttention), on raw scores s = q·k: m is the running
// max of the row's visible raw scores, l the running Σ exp(scale·(s - m)). A new tile with maximum tile_max moves
// the reference to m' = max(m, tile_max); everything accumulated against the old reference (l, and the output
// accumulator) is multiplied by exp(scale·(m - m')), which advance() returns. Masked scores are -inf; a row that
// has seen only masked scores keeps m = -inf and l = 0 (the rescale factor is then 0, never NaN from -inf - -inf).
// The scale is folded into the exponent (FlashAttention-2): exp(scale·(s - m)) = exp2(s·c - m·c) with
// c = scale·log2 e (attn_scale_log2), one FFMA and one exp2 per score, where scaling each score, subtracting the
// max and __expf's own multiplication by log2 e took three instructions before the exp. A masked score needs no
// test either: fma(-inf, c, -m·c) = -inf, and exp2(-inf) = 0.
struct OnlineSoftmax {
  float m = -INFINITY;
  float l = 0.f;
  float neg_mc = 0.f;  // -m·c, the FFMA's addend; 0 while m = -inf, so that masked scores still give exp2(-inf)

  // Moves the reference max; returns the factor for the output accumulator. Add the tile's Σ prob(s) to l after.
  TF_HD float advance(float tile_max, float c) {
    const float m_new = fmaxf(m, tile_max);
    const float alpha = (m == -INFINITY) ? 0.f : attn_exp2((m - m_new) * c);
    m = m_new;
    neg_mc = (m == -INFINITY) ? 0.f : -m * c;
    l *= alpha;
    return alpha;
  }
  // exp(scale·(s - m)) against the current reference; 0 for a masked score.
  TF_HD float prob(float s, float c) const { return attn_exp2(fmaf(s, c, neg_mc)); }
  // The row's log-sum-exp of its scaled visible scores, in natural units (what backward recomputes P from). Every
  // valid row sees at least itself, so l >= 1 there.
  TF_HD float lse(float scale) const { return m * scale + attn_log(l); }
  // The output is the accumulator divided by l; 0 for a row that saw nothing (padding rows past T).
  TF_HD float inv_l() const { return l > 0.f ? 1.f / l : 0.f; }
};
// c for a scale: the factor that takes raw scores to log2 units.
TF_HD float attn_scale_log2(float scale) { return scale * kLog2e; }

// Lazy rescaling (as FlashAttention-4 does): the reference m need not be the running max. Against a stale one a
// score above it has a probability exp(scale·(s - m)) > 1, which fp32, and bf16 for the P·V product (the same
// exponent range), hold as well as any other; l and the output accumulate against that reference alike, so
// O / l and lse = m·scale + log l come out the same. A tile therefore moves the reference (advance(), and the
// O·α rescale of every output accumulator) only when its max lies more than kAttnLazyRescaleLog2 above it in log2
// units (probabilities up to 2^8); after the first tiles of a row that is rare, and the rescale is skipped.
constexpr float kAttnLazyRescaleLog2 = 8.f;
// Whether a tile with raw maximum tile_max must move the reference m (always for a row's first visible score:
// m = -inf; never for a tile with none: tile_max = -inf, where the difference is NaN).
TF_HD bool attn_reference_stale(float m, float tile_max, float c) {
  return (tile_max - m) * c > kAttnLazyRescaleLog2;
}

// Backward: the forward's probability recomputed from the saved log-sum-exp, exp(s·scale - lse) =
// exp2(s·c - lse·log2 e) on the raw score s with c = scale·log2 e, the second term staged once per query row
// (attn_bwd_neg_lse2); and the softmax gradient dS = P ∘ (dP - D) with D = Σ_c dout·out of the query row
// (= Σ_j P dP, precomputed once per row).
TF_HD float attn_bwd_neg_lse2(float lse) { return -lse * kLog2e; }
TF_HD float attn_bwd_prob(float s_raw, float c, float neg_lse2) { return attn_exp2(fmaf(s_raw, c, neg_lse2)); }
TF_HD float attn_dscore(float p, float dp, float D) { return p * (dp - D); }

// Gemma 2's soft cap in the kernels' raw-score units: the scaled score s·scale becomes cap·tanh(s·scale / cap), so the
// raw score s becomes (cap / scale)·tanh(s·scale / cap) and everything after it (the max, the exp2 with the scale
// folded in, lse) is unchanged. A default AttnSoftcap (cap 0) is off. Backward multiplies dS by the slope
// d capped / d s = 1 − tanh², and dQ, dK take the scale as before.
struct AttnSoftcap {
  float in = 0.f, out = 0.f;  // scale / cap and cap / scale; in == 0: off
  TF_HD static AttnSoftcap of(float cap, float scale) {
    AttnSoftcap c;
    if (cap > 0.f) c.in = scale / cap, c.out = cap / scale;
    return c;
  }
  TF_HD bool on() const { return in != 0.f; }
  // The capped raw score; th receives tanh(s·scale / cap) for the slope.
  TF_HD float apply(float s, float& th) const {
    th = tanhf(s * in);
    return out * th;
  }
};

}  // namespace tf::cuda
