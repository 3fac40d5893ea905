// The CUDA attention's algorithm on the CPU (native/cuda/attention.cu needs a GPU to run): a plain-C++ "tiled
// simulation" runs the kernels' tile loops sequentially with the very same TF_HD helpers (attention_math.h: key
// tile ranges, visibility, online softmax, backward P and dS) and the very same tile sizes (attention_plan.h), on
// random fp32 inputs with packed segments, GQA and T not a multiple of the tile, and must match the CPU reference
// kernels::attention_forward / attention_backward to fp32 accuracy. The launch plans' own tests (shared memory,
// grids, alignment, scratch) are in test_cuda_attention_plan.cc.
#include <algorithm>
#include <climits>
#include <cstdio>
#include <cmath>
#include <cstdint>
#include <vector>

#include "attention_math.h"
#include "common/rng.h"
#include "harness.h"
#include "host/attention_plan.h"
#include "host/launch_plan.h"  // bf16_round, to_bf16, from_bf16
#include "kernels/attention.h"

using namespace tf::cuda;

namespace {

struct Inputs {
  AttnPlanDims d;
  std::vector<float> q, k, v, dout;
  std::vector<int32_t> seg;  // empty = no segments
};

// Packed rows: segments of random lengths (some shorter than a tile, some spanning several).
Inputs make_inputs(const AttnPlanDims& d, uint64_t seed, bool segments) {
  tf::Rng r(seed);
  Inputs in;
  in.d = d;
  auto fill = [&](std::vector<float>& x, int64_t n) {
    x.resize(size_t(n));
    for (auto& e : x) e = r.normal();
  };
  fill(in.q, d.B * d.T * d.nh * d.hd);
  fill(in.k, d.B * d.T * d.nkv * d.hd);
  fill(in.v, d.B * d.T * d.nkv * d.hd);
  fill(in.dout, d.B * d.T * d.nh * d.hd);
  if (segments) {
    in.seg.resize(size_t(d.B * d.T));
    for (int64_t b = 0; b < d.B; ++b) {
      int64_t start = 0;
      for (int64_t t = 0; t < d.T; ++t) {
        if (t > 0 && r.next_u64() % 23 == 0) start = t;  // mean segment ~23 tokens
        in.seg[size_t(b * d.T + t)] = int32_t(start);
      }
    }
  }
  return in;
}

tf::kernels::AttnShape cpu_shape(const AttnPlanDims& d) {
  tf::kernels::AttnShape s;
  s.B = d.B;
  s.Tq = s.Tk = d.T;
  s.nh = d.nh;
  s.nkv = d.nkv;
  s.hd = d.hd;
  return s;
}

int64_t seg_of(const Inputs& in, int64_t b, int64_t i) {
  return attn_clamp_seg(in.seg.empty() ? 0 : in.seg[size_t(b * in.d.T + i)], i);
}

float dot(const float* a, const float* b, int64_t n) {
  float s = 0.f;
  for (int64_t c = 0; c < n; ++c) s += a[c] * b[c];
  return s;
}

// attention_forward_kernel, sequentially: per (b, h, query tile) the key tiles of attn_key_tiles, each one an
// online-softmax step per row (tile max, advance, prob, l += Σp, O = O·α + Σ p v).
struct ForwardResult {
  std::vector<float> out, lse;
};
// With `bf16`, the kernel's roundings too: P to bf16 for the P·V product (l sums the fp32 P), out to bf16.
ForwardResult sim_forward(const Inputs& in, int q_tile, int key_tile, bool bf16 = false) {
  const AttnPlanDims& d = in.d;
  const int64_t qs = d.nh * d.hd;
  const float scale = attn_scale(d.hd), log2_scale = attn_scale_log2(scale);
  ForwardResult res;
  res.out.assign(size_t(d.B * d.T * qs), 0.f);
  res.lse.assign(size_t(d.B * d.nh * d.T), 0.f);
  std::vector<float> s(static_cast<size_t>(key_tile));
  for (int64_t b = 0; b < d.B; ++b)
    for (int64_t h = 0; h < d.nh; ++h) {
      const int64_t g = attn_kv_head(h, d.nh, d.nkv);
      for (int64_t q0 = 0; q0 < d.T; q0 += q_tile) {
        const int64_t rows = std::min<int64_t>(q_tile, d.T - q0);
        int64_t min_seg = INT_MAX;
        for (int64_t r = 0; r < rows; ++r) min_seg = std::min(min_seg, seg_of(in, b, q0 + r));
        const AttnTileRange tiles = attn_key_tiles(min_seg, q0 + rows - 1, key_tile);
        for (int64_t r = 0; r < rows; ++r) {
          const int64_t i = q0 + r, seg_i = seg_of(in, b, i);
          const float* qi = in.q.data() + attn_offset(b, i, h, d.T, d.nh, d.hd);
          OnlineSoftmax st;
          std::vector<float> o(size_t(d.hd), 0.f);
          for (int64_t kt = tiles.begin; kt < tiles.end; ++kt) {
            const int64_t k0 = kt * key_tile;
            float tile_max = -INFINITY;
            for (int c = 0; c < key_tile; ++c) {
              const int64_t j = k0 + c;
              s[size_t(c)] = attn_visible(i, j, seg_i)
                                 ? dot(qi, in.k.data() + attn_offset(b, j, g, d.T, d.nkv, d.hd), d.hd)
                                 : -INFINITY;  // raw: the scale is folded into the exponent
              tile_max = std::max(tile_max, s[size_t(c)]);
            }
            // Lazy rescaling as the kernel does it (there per warp, here per row: either is exact).
            if (attn_reference_stale(st.m, tile_max, log2_scale)) {
              const float alpha = st.advance(tile_max, log2_scale);
              for (auto& x : o) x *= alpha;
            }
            float sum = 0.f;
            for (int c = 0; c < key_tile; ++c) {
              const float p = st.prob(s[size_t(c)], log2_scale);
              sum += p;
              if (p == 0.f) continue;
              const float* vj = in.v.data() + attn_offset(b, k0 + c, g, d.T, d.nkv, d.hd);
              const float pv = bf16 ? bf16_round(p) : p;
              for (int64_t col = 0; col < d.hd; ++col) o[size_t(col)] += pv * vj[col];
            }
            st.l += sum;
          }
          float* oi = res.out.data() + attn_offset(b, i, h, d.T, d.nh, d.hd);
          for (int64_t col = 0; col < d.hd; ++col) {
            const float x = o[size_t(col)] * st.inv_l();
            oi[col] = bf16 ? bf16_round(x) : x;
          }
          res.lse[size_t(attn_stat_index(b, h, i, d.nh, d.T))] = st.lse(scale);
        }
      }
    }
  return res;
}

// attention_backward's kernels, sequentially: D = rowsum(dout ∘ out); per (b, query head, key tile) the query
// tiles from attn_first_query_tile that attn_tiles_interact admits, P and dS from the shared helpers, the head's
// dK/dV shares in the block's accumulators, dQ accumulated across key tiles; then dQ scaled, and each GQA group's
// shares summed in head order (attention_dkv_reduce_kernel).
struct BackwardResult {
  std::vector<float> dq, dk, dv;
  int64_t pairs_visited = 0, pairs_skipped = 0;
};
// With `bf16`, the kernels' roundings too: P and dS to bf16 for the tensor-core products, results to bf16. `out`
// and `lse` are what backward is given (the forward's).
BackwardResult sim_backward(const Inputs& in, const std::vector<float>& out, const std::vector<float>& lse, int tile,
                            bool bf16 = false) {
  const AttnPlanDims& d = in.d;
  const int64_t qs = d.nh * d.hd, ks = d.nkv * d.hd, group = d.nh / d.nkv;
  const float scale = attn_scale(d.hd), log2_scale = attn_scale_log2(scale);
  BackwardResult res;
  std::vector<float> D(size_t(d.B * d.nh * d.T)), dq_acc(size_t(d.B * d.T * qs), 0.f);
  std::vector<float> dk_part(size_t(d.B * d.T * qs), NAN), dv_part(size_t(d.B * d.T * qs), NAN);  // all written
  for (int64_t b = 0; b < d.B; ++b)
    for (int64_t t = 0; t < d.T; ++t)
      for (int64_t h = 0; h < d.nh; ++h) {
        const int64_t off = attn_offset(b, t, h, d.T, d.nh, d.hd);
        D[size_t(attn_stat_index(b, h, t, d.nh, d.T))] = dot(out.data() + off, in.dout.data() + off, d.hd);
      }
  const int64_t n_qtiles = (d.T + tile - 1) / tile;
  for (int64_t b = 0; b < d.B; ++b)
    for (int64_t h = 0; h < d.nh; ++h)
      for (int64_t k0 = 0; k0 < d.T; k0 += tile) {
        const int64_t g = attn_kv_head(h, d.nh, d.nkv);
        const int64_t krows = std::min<int64_t>(tile, d.T - k0), k_last = k0 + krows - 1;
        std::vector<float> dk_acc(size_t(krows * d.hd), 0.f), dv_acc(size_t(krows * d.hd), 0.f);
        for (int64_t qt = attn_first_query_tile(k0, tile); qt < n_qtiles; ++qt) {
          const int64_t q0 = qt * tile, rows = std::min<int64_t>(tile, d.T - q0);
          int64_t min_seg = INT_MAX;
          for (int64_t r = 0; r < rows; ++r) min_seg = std::min(min_seg, seg_of(in, b, q0 + r));
          if (!attn_tiles_interact(q0 + rows - 1, min_seg, k0, k_last)) {
            ++res.pairs_skipped;
            continue;
          }
          ++res.pairs_visited;
          for (int64_t r = 0; r < krows; ++r)
            for (int64_t c = 0; c < rows; ++c) {
              const int64_t j = k0 + r, i = q0 + c;
              if (!attn_visible(i, j, seg_of(in, b, i))) continue;  // P = 0, dS = 0
              const float* qi = in.q.data() + attn_offset(b, i, h, d.T, d.nh, d.hd);
              const float* doi = in.dout.data() + attn_offset(b, i, h, d.T, d.nh, d.hd);
              const float* kj = in.k.data() + attn_offset(b, j, g, d.T, d.nkv, d.hd);
              const float* vj = in.v.data() + attn_offset(b, j, g, d.T, d.nkv, d.hd);
              const int64_t row = attn_stat_index(b, h, i, d.nh, d.T);
              const float p = attn_bwd_prob(dot(kj, qi, d.hd), log2_scale, attn_bwd_neg_lse2(lse[size_t(row)]));
              const float ds_exact = attn_dscore(p, dot(vj, doi, d.hd), D[size_t(row)]);
              const float pv = bf16 ? bf16_round(p) : p, ds = bf16 ? bf16_round(ds_exact) : ds_exact;
              float* dqi = dq_acc.data() + attn_offset(b, i, h, d.T, d.nh, d.hd);
              for (int64_t col = 0; col < d.hd; ++col) {
                dv_acc[size_t(r * d.hd + col)] += pv * doi[col];
                dk_acc[size_t(r * d.hd + col)] += ds * qi[col];
                dqi[col] += ds * kj[col];
              }
            }
        }
        for (int64_t r = 0; r < krows; ++r)
          for (int64_t col = 0; col < d.hd; ++col) {
            const size_t off = size_t(attn_offset(b, k0 + r, h, d.T, d.nh, d.hd) + col);
            dk_part[off] = scale * dk_acc[size_t(r * d.hd + col)];
            dv_part[off] = dv_acc[size_t(r * d.hd + col)];
          }
      }
  res.dq.resize(dq_acc.size());
  auto round_out = [bf16](float x) { return bf16 ? bf16_round(x) : x; };
  for (size_t e = 0; e < dq_acc.size(); ++e) res.dq[e] = round_out(scale * dq_acc[e]);
  const int64_t n = d.B * d.T * ks;
  res.dk.resize(size_t(n));
  res.dv.resize(size_t(n));
  for (int64_t idx = 0; idx < n; ++idx) {
    const int64_t base = attn_dkv_share_base(idx / ks, int(idx % ks), int(d.nh), int(d.nkv), int(d.hd));
    float sk = 0.f, sv = 0.f;
    for (int64_t hh = 0; hh < group; ++hh) {
      sk += dk_part[size_t(base + hh * d.hd)];
      sv += dv_part[size_t(base + hh * d.hd)];
    }
    res.dk[size_t(idx)] = round_out(sk);
    res.dv[size_t(idx)] = round_out(sv);
  }
  return res;
}

// Largest |a - b| relative to the largest |b| (fp32 summation orders differ between the two).
double rel_err(const std::vector<float>& a, const std::vector<float>& b) {
  double m = 0;
  for (float x : b) m = std::max(m, double(std::fabs(x)));
  return tf_test::max_abs_diff(a, b) / std::max(m, 1e-30);
}

void check_against_reference(const AttnPlanDims& d, bool segments, int q_tile, int key_tile, int bwd_tile,
                             uint64_t seed) {
  const Inputs in = make_inputs(d, seed, segments);
  const auto s = cpu_shape(d);
  std::vector<float> out(in.q.size()), lse(size_t(d.B * d.nh * d.T));
  tf::kernels::attention_forward(nullptr, s, in.q.data(), in.k.data(), in.v.data(),
                                 segments ? in.seg.data() : nullptr, lse.data(), out.data());
  const ForwardResult fwd = sim_forward(in, q_tile, key_tile);
  CHECK(rel_err(fwd.out, out) < 2e-5);
  CHECK(tf_test::max_abs_diff(fwd.lse, lse) < 2e-5 * (1 + 10));  // |lse| is O(log T + |scores|) ~ 10

  std::vector<float> dq(in.q.size()), dk(in.k.size()), dv(in.v.size());
  tf::kernels::attention_backward(nullptr, s, in.q.data(), in.k.data(), in.v.data(),
                                  segments ? in.seg.data() : nullptr, lse.data(), in.dout.data(), dq.data(),
                                  dk.data(), dv.data());
  const BackwardResult bwd = sim_backward(in, fwd.out, fwd.lse, bwd_tile);
  CHECK(rel_err(bwd.dq, dq) < 1e-4);
  CHECK(rel_err(bwd.dk, dk) < 1e-4);
  CHECK(rel_err(bwd.dv, dv) < 1e-4);
  CHECK(bwd.pairs_visited > 0);
  if (segments && d.T > 4 * bwd_tile) CHECK(bwd.pairs_skipped > 0);  // packed segments prune whole tile pairs
}

AttnPlanDims dims(int64_t B, int64_t T, int64_t nh, int64_t nkv, int64_t hd) {
  AttnPlanDims d;
  d.B = B, d.T = T, d.nh = nh, d.nkv = nkv, d.hd = hd;
  return d;
}

// The tiled simulation with the tile sizes the CUDA launch plans choose for this shape.
void check_with_plan_tiles(const AttnPlanDims& d, bool segments, uint64_t seed) {
  const AttnForwardPlan f = attention_forward_plan(d);
  const AttnBackwardPlan b = attention_backward_plan(d);
  check_against_reference(d, segments, f.q_tile, f.key_tile, b.tile, seed);
}

}  // namespace

// Raw scores in, as the kernels hand them over (q·k, unscaled): the scale of hd 64 is folded into each exp2.
TEST(online_softmax_matches_a_one_shot_softmax_for_any_split) {
  const float scale = attn_scale(64), c = attn_scale_log2(scale);
  tf::Rng r(7);
  std::vector<float> s(100);
  for (auto& x : s) x = 4.f * r.normal() / scale;  // scaled scores of spread 4
  s[3] = s[50] = -INFINITY;                        // masked
  double mx = -INFINITY, sum = 0;
  for (float x : s) mx = std::max(mx, double(scale) * x);
  for (float x : s) sum += std::exp(double(scale) * x - mx);
  for (size_t split : {size_t(1), size_t(7), size_t(32), size_t(100)}) {
    OnlineSoftmax st;
    std::vector<double> w(s.size(), 0.0);  // each score's weight, rescaled like the output accumulator
    for (size_t t0 = 0; t0 < s.size(); t0 += split) {
      const size_t t1 = std::min(s.size(), t0 + split);
      float tmax = -INFINITY;
      for (size_t j = t0; j < t1; ++j) tmax = std::max(tmax, s[j]);
      const float alpha = st.advance(tmax, c);
      for (size_t j = 0; j < t0; ++j) w[j] *= alpha;
      for (size_t j = t0; j < t1; ++j) {
        w[j] = st.prob(s[j], c);
        st.l += float(w[j]);
      }
    }
    CHECK_NEAR(st.lse(scale), mx + std::log(sum), 1e-5);
    for (size_t j = 0; j < s.size(); ++j)
      CHECK_NEAR(w[j] * st.inv_l(), std::isinf(s[j]) ? 0.0 : std::exp(double(scale) * s[j] - mx) / sum, 1e-6);
  }
}

// Lazy rescaling: the reference moves only for a tile whose max is more than 2^8 (in probability) above it. Scores
// that climb slowly leave it behind, so probabilities above 1 occur, and the result is still the softmax.
TEST(online_softmax_with_lazy_rescaling_matches_a_one_shot_softmax) {
  const float scale = attn_scale(64), c = attn_scale_log2(scale);
  std::vector<float> s(96);
  for (size_t j = 0; j < s.size(); ++j) s[j] = (0.15f * float(j) + 0.7f * float(j % 5)) / scale;  // climbing
  s[10] = -INFINITY;
  double mx = -INFINITY, sum = 0;
  for (float x : s) mx = std::max(mx, double(scale) * x);
  for (float x : s) sum += std::exp(double(scale) * x - mx);
  OnlineSoftmax st;
  std::vector<double> w(s.size(), 0.0);
  int moves = 0;
  double largest_p = 0;
  for (size_t t0 = 0; t0 < s.size(); t0 += 8) {
    float tmax = -INFINITY;
    for (size_t j = t0; j < t0 + 8; ++j) tmax = std::max(tmax, s[j]);
    if (attn_reference_stale(st.m, tmax, c)) {
      ++moves;
      const float alpha = st.advance(tmax, c);
      for (size_t j = 0; j < t0; ++j) w[j] *= alpha;
    }
    for (size_t j = t0; j < t0 + 8; ++j) {
      w[j] = st.prob(s[j], c);
      largest_p = std::max(largest_p, w[j]);
      st.l += float(w[j]);
    }
  }
  CHECK(moves >= 2 && moves < 12);  // the first tile, then only some of the other 11
  CHECK(largest_p > 1.0 && largest_p <= 256.0);
  CHECK_NEAR(st.lse(scale), mx + std::log(sum), 1e-5);
  for (size_t j = 0; j < s.size(); ++j)
    CHECK_NEAR(w[j] * st.inv_l(), std::isinf(s[j]) ? 0.0 : std::exp(double(scale) * s[j] - mx) / sum, 1e-6);
}

TEST(lazy_rescaling_moves_for_a_first_score_and_never_for_none) {
  const float c = attn_scale_log2(0.125f);
  CHECK(attn_reference_stale(-INFINITY, -3.f, c));          // a row's first visible score
  CHECK(!attn_reference_stale(-INFINITY, -INFINITY, c));    // a tile with nothing visible yet
  CHECK(!attn_reference_stale(5.f, -INFINITY, c));          // nothing visible in this tile
  CHECK(!attn_reference_stale(5.f, 5.f + 7.5f / c, c));     // less than 2^8 above: left
  CHECK(attn_reference_stale(5.f, 5.f + 8.5f / c, c));
}

TEST(online_softmax_fully_masked_tiles_stay_finite) {
  const float c = attn_scale_log2(1.f);
  OnlineSoftmax st;
  CHECK_EQ(st.advance(-INFINITY, c), 0.f);  // never exp(-inf - -inf) = NaN
  CHECK_EQ(st.l, 0.f);
  CHECK_EQ(st.prob(-INFINITY, c), 0.f);
  CHECK_EQ(st.inv_l(), 0.f);  // a padding row writes 0, not NaN
  CHECK_EQ(st.advance(2.f, c), 0.f);
  CHECK_EQ(st.prob(-INFINITY, c), 0.f);  // a masked score next to real ones: exp2(-inf), no test needed
  st.l += st.prob(2.f, c);
  CHECK_EQ(st.l, 1.f);
  CHECK_EQ(st.advance(-INFINITY, c), 1.f);  // a masked tile after real scores changes nothing
  CHECK_NEAR(st.lse(1.f), 2.0, 0);
}

// P from the raw score and the staged -lse·log2 e. exp(0) is 1 only to within the rounding of lse·log2 e (the
// FFMA takes s·c exactly, the staged term rounded): an fp32 ulp, far below bf16's 2^-8.
TEST(backward_prob_and_dscore) {
  const float c1 = attn_scale_log2(1.f), c64 = attn_scale_log2(attn_scale(64));
  CHECK_NEAR(attn_bwd_prob(1.5f, c1, attn_bwd_neg_lse2(1.5f)), 1.0, 2e-7);
  CHECK_NEAR(attn_bwd_prob(0.f, c1, attn_bwd_neg_lse2(std::log(4.f))), 0.25, 1e-7);
  CHECK_NEAR(attn_bwd_prob(8.f, c64, attn_bwd_neg_lse2(1.f + std::log(2.f))), 0.5, 1e-7);  // 8 · 1/8 = 1
  CHECK_EQ(attn_bwd_prob(-INFINITY, c64, attn_bwd_neg_lse2(3.f)), 0.f);
  CHECK_NEAR(attn_dscore(0.25f, 3.f, 1.f), 0.5, 0);
  CHECK_EQ(attn_dscore(0.f, 3.f, 1.f), 0.f);
}

TEST(decode_groups_cover_the_head_dim_in_16_byte_lanes) {
  CHECK_EQ(attn_decode_group_lanes(8), 1);
  CHECK_EQ(attn_decode_group_lanes(16), 2);
  CHECK_EQ(attn_decode_group_lanes(40), 8);  // 5 lanes hold dims, 3 idle
  CHECK_EQ(attn_decode_group_lanes(64), 8);  // 4 keys per warp step
  CHECK_EQ(attn_decode_group_lanes(128), 16);
  CHECK_EQ(attn_decode_group_lanes(256), 32);
}

TEST(visibility_and_segment_clamp) {
  CHECK(attn_visible(5, 5, 0));
  CHECK(!attn_visible(5, 6, 0));  // causal
  CHECK(attn_visible(5, 3, 3));
  CHECK(!attn_visible(5, 2, 3));  // previous packed segment
  CHECK_EQ(attn_clamp_seg(-4, 9), int64_t(0));
  CHECK_EQ(attn_clamp_seg(12, 9), int64_t(9));  // a bad seg_start still lets the query see itself
  CHECK_EQ(attn_clamp_seg(4, 9), int64_t(4));
  CHECK_EQ(attn_scale(64), 0.125f);
}

// With equal query and key tiles (backward), attn_first_query_tile + attn_tiles_interact visit exactly the tile
// pairs that hold a visible (query, key) pair: nothing needed is skipped, nothing fully masked is computed.
TEST(backward_tile_pairs_are_exactly_the_visible_ones) {
  for (uint64_t seed : {1, 2, 3}) {
    const AttnPlanDims d = dims(1, 203, 1, 1, 8);
    const Inputs in = make_inputs(d, seed, true);
    for (int tile : {16, 32, 64}) {
      const int64_t nt = (d.T + tile - 1) / tile;
      for (int64_t kt = 0; kt < nt; ++kt)
        for (int64_t qt = 0; qt < nt; ++qt) {
          const int64_t k0 = kt * tile, k_last = std::min(d.T, k0 + tile) - 1;
          const int64_t q0 = qt * tile, q_last = std::min(d.T, q0 + tile) - 1;
          bool any = false;
          int64_t min_seg = INT_MAX;
          for (int64_t i = q0; i <= q_last; ++i) {
            min_seg = std::min(min_seg, seg_of(in, 0, i));
            for (int64_t j = k0; j <= k_last; ++j) any = any || attn_visible(i, j, seg_of(in, 0, i));
          }
          const bool visited = qt >= attn_first_query_tile(k0, tile) && attn_tiles_interact(q_last, min_seg, k0, k_last);
          CHECK_EQ(visited, any);
        }
    }
  }
}

// Forward: the key tiles of attn_key_tiles contain every key any row of the query tile sees.
TEST(forward_key_tiles_cover_every_visible_key) {
  const AttnPlanDims d = dims(1, 300, 1, 1, 8);
  const Inputs in = make_inputs(d, 11, true);
  for (int q_tile : {64, 128})
    for (int64_t q0 = 0; q0 < d.T; q0 += q_tile) {
      const int64_t q_last = std::min(d.T, q0 + q_tile) - 1;
      int64_t min_seg = INT_MAX;
      for (int64_t i = q0; i <= q_last; ++i) min_seg = std::min(min_seg, seg_of(in, 0, i));
      const AttnTileRange r = attn_key_tiles(min_seg, q_last, kAttnKeyTile);
      for (int64_t i = q0; i <= q_last; ++i)
        for (int64_t j = seg_of(in, 0, i); j <= i; ++j) {
          CHECK(j / kAttnKeyTile >= r.begin);
          CHECK(j / kAttnKeyTile < r.end);
        }
      CHECK(r.end * kAttnKeyTile <= q_last + kAttnKeyTile);  // nothing wholly beyond the diagonal
    }
}

TEST(tiled_simulation_matches_reference_tiny_model) {
  check_with_plan_tiles(dims(2, 37, 4, 2, 16), false, 21);  // cuda_check's tiny shape: T below one tile
  check_with_plan_tiles(dims(2, 37, 4, 2, 16), true, 22);
}

TEST(tiled_simulation_matches_reference_ragged_T_gqa_segments) {
  check_with_plan_tiles(dims(1, 150, 4, 1, 24), true, 31);    // hd 24: padded to 32 on the GPU
  check_with_plan_tiles(dims(2, 200, 4, 2, 64), true, 32);    // the 64 path, 128-row query tiles
  check_with_plan_tiles(dims(1, 130, 2, 2, 128), false, 33);  // the 128 path, MHA, T = 2 tiles + 2
}

TEST(tiled_simulation_matches_reference_small_tiles) {
  // Tiles smaller than the segments and than T many times over: many online-softmax steps per row, many
  // skipped tile pairs, query and key tiles of different sizes.
  check_against_reference(dims(1, 120, 6, 2, 8), true, 16, 32, 16, 41);
  check_against_reference(dims(2, 97, 3, 1, 16), true, 32, 16, 16, 42);
  check_against_reference(dims(1, 64, 2, 1, 8), false, 16, 16, 16, 43);
}

namespace {

std::vector<double> dbl(const std::vector<float>& v) { return std::vector<double>(v.begin(), v.end()); }

// cuda_check's tolerances (attention_term_scales / attention_tolerances) against the roundings the kernels make on
// purpose: the tiled simulation with bf16 P, dS and outputs, on bf16 inputs, must pass them against the fp32
// reference, and use a visible part of the bound (the tolerances are not vacuous). Inputs and the backward's out
// and lse are exactly what cuda_check feeds the GPU.
void check_bf16_roundings_within_tolerance(const AttnPlanDims& d, bool segments, uint64_t seed) {
  Inputs in = make_inputs(d, seed, segments);
  for (auto& e : in.q) e = bf16_round(1.5f * e);
  for (auto* x : {&in.k, &in.v, &in.dout})
    for (auto& e : *x) e = bf16_round(e);
  const auto s = cpu_shape(d);
  const int32_t* seg = segments ? in.seg.data() : nullptr;
  std::vector<float> out(in.q.size()), lse(size_t(d.B * d.nh * d.T));
  tf::kernels::attention_forward(nullptr, s, in.q.data(), in.k.data(), in.v.data(), seg, lse.data(), out.data());
  const std::vector<float> out_bf = from_bf16(to_bf16(out));
  std::vector<float> dq(in.q.size()), dk(in.k.size()), dv(in.v.size());
  tf::kernels::attention_backward(nullptr, s, in.q.data(), in.k.data(), in.v.data(), seg, lse.data(), in.dout.data(),
                                  dq.data(), dk.data(), dv.data());
  const AttnTermScales sc = attention_term_scales(nullptr, d, in.q.data(), in.k.data(), in.v.data(), out_bf.data(),
                                                  in.dout.data(), lse.data(), seg);
  const AttnTolerances tol = attention_tolerances(d, sc);

  const AttnForwardPlan fp = attention_forward_plan(d);
  const ForwardResult gf = sim_forward(in, fp.q_tile, fp.key_tile, true);
  const BackwardResult gb = sim_backward(in, out_bf, lse, attention_backward_plan(d).tile, true);
  const Comparison c_out = compare(gf.out, dbl(out), sc.out, tol.out), c_lse = compare(gf.lse, dbl(lse), sc.lse, tol.lse),
                   c_dq = compare(gb.dq, dbl(dq), sc.dq, tol.dq), c_dk = compare(gb.dk, dbl(dk), sc.dk, tol.dk),
                   c_dv = compare(gb.dv, dbl(dv), sc.dv, tol.dv);
  for (const Comparison* c : {&c_out, &c_lse, &c_dq, &c_dk, &c_dv}) CHECK(c->pass());
  for (const Comparison* c : {&c_out, &c_dq, &c_dk, &c_dv}) CHECK(c->max_ratio > 0.05);
  std::printf("  bf16 roundings / cuda_check bound: out %.2f lse %.2f dq %.2f dk %.2f dv %.2f\n", c_out.max_ratio,
              c_lse.max_ratio, c_dq.max_ratio, c_dk.max_ratio, c_dv.max_ratio);
}

}  // namespace

TEST(bf16_roundings_of_the_kernels_stay_within_cuda_check_tolerances) {
  check_bf16_roundings_within_tolerance(dims(2, 37, 4, 2, 16), false, 51);  // the tiny model
  check_bf16_roundings_within_tolerance(dims(1, 300, 6, 3, 40), true, 52);  // packed, padded hd
  check_bf16_roundings_within_tolerance(dims(1, 256, 8, 2, 64), true, 53);  // packed, GQA 4
}
