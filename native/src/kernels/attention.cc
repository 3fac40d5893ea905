#include "kernels/attention.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "common/error.h"
#include "kernels/fast_tanh.h"
#include "kernels/gemm.h"

namespace tf::kernels {

namespace {

void check(const AttnShape& s) {
  TF_CHECK(s.nh > 0 && s.nkv > 0 && s.nh % s.nkv == 0,
           "attention: num_attention_heads must be a multiple of num_key_value_heads");
  TF_CHECK(s.q_offset + s.Tq <= s.Tk, "attention: queries extend past the keys");
}

}  // namespace

// Queries go in blocks of kQBlock rows; a block only touches keys from its first visible key to its last query,
// so the masked upper triangle (half of the causal work) is never computed.
constexpr int64_t kQBlock = 64;

namespace {
struct KeyRange {
  int64_t lo, hi;  // inclusive
};
KeyRange block_keys(const AttnShape& s, const int32_t* seg_start, int64_t b, int64_t i0, int64_t i1) {
  int64_t lo = s.q_offset + i0;
  for (int64_t i = i0; i < i1; ++i) {
    const int64_t first = seg_start ? seg_start[b * s.Tq + i] : 0;
    TF_CHECK(first >= 0 && first <= s.q_offset + i, "attention: a query's segment starts after the query");
    lo = std::min(lo, first);
  }
  return {lo, s.q_offset + i1 - 1};
}
}  // namespace

// Scaled scores of one query block against its visible keys into sb [m, nk] (row stride nk), soft-capped when the
// shape says so; slope [m, nk], when non-null, receives d capped / d score = 1 − tanh² (backward's chain rule).
void block_scores(const AttnShape& s, const float* qh, const float* kg, int64_t i0, int64_t m, const KeyRange& kr,
                  float scale, float* sb, float* slope = nullptr) {
  const int64_t qs = s.nh * s.hd, ks = s.nkv * s.hd, nk = kr.hi - kr.lo + 1;
  sgemm(gemm_args(false, true, m, nk, s.hd, qh + i0 * qs, qs, kg + kr.lo * ks, ks, sb, nk, scale, 0.f), nullptr);
  if (s.softcap <= 0.f) return;
  for (int64_t e = 0; e < m * nk; ++e) {
    const float t = fast_tanh(sb[e] / s.softcap);
    sb[e] = s.softcap * t;
    if (slope) slope[e] = 1.f - t * t;
  }
}

void attention_forward(ThreadPool* pool, const AttnShape& s, const float* q, const float* k, const float* v,
                       const int32_t* seg_start, float* lse, float* out) {
  check(s);
  const int64_t qs = s.nh * s.hd, ks = s.nkv * s.hd, group = s.nh / s.nkv;
  const float scale = 1.f / std::sqrt(static_cast<float>(s.hd));
  auto task = [&](int64_t b0, int64_t e0, int) {
    std::vector<float> pb(std::min(kQBlock, s.Tq) * s.Tk);  // one block of probabilities
    for (int64_t t = b0; t < e0; ++t) {
      const int64_t b = t / s.nh, h = t % s.nh, g = h / group;
      const float* qh = q + b * s.Tq * qs + h * s.hd;
      const float* kg = k + b * s.Tk * ks + g * s.hd;
      const float* vg = v + b * s.Tk * ks + g * s.hd;
      float* oh = out + b * s.Tq * qs + h * s.hd;
      for (int64_t i0 = 0; i0 < s.Tq; i0 += kQBlock) {
        const int64_t i1 = std::min(s.Tq, i0 + kQBlock);
        const KeyRange kr = block_keys(s, seg_start, b, i0, i1);
        const int64_t nk = kr.hi - kr.lo + 1;
        block_scores(s, qh, kg, i0, i1 - i0, kr, scale, pb.data());
        for (int64_t i = i0; i < i1; ++i) {
          float* row = pb.data() + (i - i0) * nk - kr.lo;  // indexed by absolute key
          const int64_t lo = seg_start ? seg_start[b * s.Tq + i] : 0, hi = s.q_offset + i;  // inclusive
          float mx = -INFINITY;
          for (int64_t j = lo; j <= hi; ++j) mx = std::max(mx, row[j]);
          double sum = 0;
          for (int64_t j = lo; j <= hi; ++j) {
            row[j] = std::exp(row[j] - mx);
            sum += row[j];
          }
          const float inv = static_cast<float>(1.0 / sum);
          for (int64_t j = kr.lo; j < lo; ++j) row[j] = 0.f;
          for (int64_t j = lo; j <= hi; ++j) row[j] *= inv;
          for (int64_t j = hi + 1; j <= kr.hi; ++j) row[j] = 0.f;
          if (lse) lse[t * s.Tq + i] = mx + static_cast<float>(std::log(sum));
        }
        sgemm(gemm_args(false, false, i1 - i0, s.hd, nk, pb.data(), nk, vg + kr.lo * ks, ks, oh + i0 * qs, qs, 1.f, 0.f),
              nullptr);
      }
    }
  };
  if (pool) pool->parallel_for(s.B * s.nh, task); else task(0, s.B * s.nh, 0);
}

void attention_backward(ThreadPool* pool, const AttnShape& s, const float* q, const float* k, const float* v,
                        const int32_t* seg_start, const float* lse, const float* dout, float* dq, float* dk,
                        float* dv) {
  check(s);
  const int64_t qs = s.nh * s.hd, ks = s.nkv * s.hd, group = s.nh / s.nkv;
  const float scale = 1.f / std::sqrt(static_cast<float>(s.hd));
  // One task per (row, kv head): it owns dk/dv of that head and sums its query heads and blocks in order.
  auto task = [&](int64_t b0, int64_t e0, int) {
    const int64_t cap = std::min(kQBlock, s.Tq) * s.Tk;
    std::vector<float> pb(cap), dp(cap), slope(s.softcap > 0.f ? cap : 0);
    for (int64_t t = b0; t < e0; ++t) {
      const int64_t b = t / s.nkv, g = t % s.nkv;
      const float* kg = k + b * s.Tk * ks + g * s.hd;
      const float* vg = v + b * s.Tk * ks + g * s.hd;
      float* dkg = dk + b * s.Tk * ks + g * s.hd;
      float* dvg = dv + b * s.Tk * ks + g * s.hd;
      for (int64_t j = 0; j < s.Tk; ++j) {
        std::fill(dkg + j * ks, dkg + j * ks + s.hd, 0.f);
        std::fill(dvg + j * ks, dvg + j * ks + s.hd, 0.f);
      }
      for (int64_t hh = 0; hh < group; ++hh) {
        const int64_t h = g * group + hh;
        const float* lh = lse + (b * s.nh + h) * s.Tq;
        const float* qh = q + b * s.Tq * qs + h * s.hd;
        const float* doh = dout + b * s.Tq * qs + h * s.hd;
        float* dqh = dq + b * s.Tq * qs + h * s.hd;
        for (int64_t i0 = 0; i0 < s.Tq; i0 += kQBlock) {
          const int64_t i1 = std::min(s.Tq, i0 + kQBlock), m = i1 - i0;
          const KeyRange kr = block_keys(s, seg_start, b, i0, i1);
          const int64_t nk = kr.hi - kr.lo + 1;
          // Recompute P = exp(S − lse) for this block (zero where masked).
          block_scores(s, qh, kg, i0, m, kr, scale, pb.data(), slope.empty() ? nullptr : slope.data());
          for (int64_t i = i0; i < i1; ++i) {
            float* row = pb.data() + (i - i0) * nk - kr.lo;
            const int64_t lo = seg_start ? seg_start[b * s.Tq + i] : 0, hi = s.q_offset + i;
            for (int64_t j = kr.lo; j < lo; ++j) row[j] = 0.f;
            for (int64_t j = lo; j <= hi; ++j) row[j] = std::exp(row[j] - lh[i]);
            for (int64_t j = hi + 1; j <= kr.hi; ++j) row[j] = 0.f;
          }
          // dV += Pᵀ dout;  dP = dout Vᵀ
          sgemm(gemm_args(true, false, nk, s.hd, m, pb.data(), nk, doh + i0 * qs, qs, dvg + kr.lo * ks, ks, 1.f, 1.f),
                nullptr);
          sgemm(gemm_args(false, true, m, nk, s.hd, doh + i0 * qs, qs, vg + kr.lo * ks, ks, dp.data(), nk, 1.f, 0.f),
                nullptr);
          // Softmax backward: dS = P ∘ (dP − Σ_j P dP), zero where masked (P is zero there); with a soft cap, the
          // capped scores' gradient times the cap's slope.
          for (int64_t i = i0; i < i1; ++i) {
            const float* pr = pb.data() + (i - i0) * nk - kr.lo;
            float* d = dp.data() + (i - i0) * nk - kr.lo;
            const int64_t lo = seg_start ? seg_start[b * s.Tq + i] : 0, hi = s.q_offset + i;
            double dot = 0;
            for (int64_t j = lo; j <= hi; ++j) dot += static_cast<double>(pr[j]) * d[j];
            const float fd = static_cast<float>(dot);
            for (int64_t j = kr.lo; j < lo; ++j) d[j] = 0.f;
            for (int64_t j = lo; j <= hi; ++j) d[j] = pr[j] * (d[j] - fd);
            for (int64_t j = hi + 1; j <= kr.hi; ++j) d[j] = 0.f;
            if (!slope.empty()) {  // through the soft cap: d score = d capped · (1 − tanh²)
              const float* sl = slope.data() + (i - i0) * nk - kr.lo;
              for (int64_t j = lo; j <= hi; ++j) d[j] *= sl[j];
            }
          }
          // dQ = scale dS K;  dK += scale dSᵀ Q
          sgemm(gemm_args(false, false, m, s.hd, nk, dp.data(), nk, kg + kr.lo * ks, ks, dqh + i0 * qs, qs, scale, 0.f),
                nullptr);
          sgemm(gemm_args(true, false, nk, s.hd, m, dp.data(), nk, qh + i0 * qs, qs, dkg + kr.lo * ks, ks, scale, 1.f),
                nullptr);
        }
      }
    }
  };
  if (pool) pool->parallel_for(s.B * s.nkv, task); else task(0, s.B * s.nkv, 0);
}

}  // namespace tf::kernels
