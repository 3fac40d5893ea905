#include "kernels/attention.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "common/error.h"
#include "kernels/gemm.h"

namespace tf::kernels {

namespace {

GemmArgs args(bool ta, bool tb, int64_t M, int64_t N, int64_t K, const float* A, int64_t lda, const float* B,
              int64_t ldb, float* C, int64_t ldc, float alpha, float beta) {
  GemmArgs g;
  g.trans_a = ta, g.trans_b = tb, g.M = M, g.N = N, g.K = K;
  g.A = A, g.lda = lda, g.B = B, g.ldb = ldb, g.C = C, g.ldc = ldc, g.alpha = alpha, g.beta = beta;
  return g;
}

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
  for (int64_t i = i0; i < i1; ++i) lo = std::min<int64_t>(lo, seg_start ? seg_start[b * s.Tq + i] : 0);
  return {lo, s.q_offset + i1 - 1};
}
}  // namespace

void attention_forward(ThreadPool* pool, const AttnShape& s, const float* q, const float* k, const float* v,
                       const int32_t* seg_start, float* P, float* out) {
  check(s);
  const int64_t qs = s.nh * s.hd, ks = s.nkv * s.hd, group = s.nh / s.nkv;
  const float scale = 1.f / std::sqrt(static_cast<float>(s.hd));
  auto task = [&](int64_t b0, int64_t e0, int) {
    std::vector<float> local;  // one block of probabilities when the caller keeps none
    if (!P) local.resize(std::min(kQBlock, s.Tq) * s.Tk);
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
        float* prow = P ? P + (t * s.Tq + i0) * s.Tk : local.data();  // row i0 of this block
        float* pb = prow + kr.lo;
        sgemm(args(false, true, i1 - i0, nk, s.hd, qh + i0 * qs, qs, kg + kr.lo * ks, ks, pb, s.Tk, scale, 0.f), nullptr);
        for (int64_t i = i0; i < i1; ++i) {
          float* row = prow + (i - i0) * s.Tk;
          const int64_t lo = seg_start ? seg_start[b * s.Tq + i] : 0, hi = s.q_offset + i;  // inclusive
          TF_CHECK(lo >= 0 && lo <= hi, "attention: segment start after the query");
          float mx = -INFINITY;
          for (int64_t j = lo; j <= hi; ++j) mx = std::max(mx, row[j]);
          double sum = 0;
          for (int64_t j = lo; j <= hi; ++j) {
            row[j] = std::exp(row[j] - mx);
            sum += row[j];
          }
          const float inv = static_cast<float>(1.0 / sum);
          for (int64_t j = 0; j < lo; ++j) row[j] = 0.f;
          for (int64_t j = lo; j <= hi; ++j) row[j] *= inv;
          for (int64_t j = hi + 1; j < s.Tk; ++j) row[j] = 0.f;
        }
        sgemm(args(false, false, i1 - i0, s.hd, nk, pb, s.Tk, vg + kr.lo * ks, ks, oh + i0 * qs, qs, 1.f, 0.f), nullptr);
      }
    }
  };
  if (pool) pool->parallel_for(s.B * s.nh, task); else task(0, s.B * s.nh, 0);
}

void attention_backward(ThreadPool* pool, const AttnShape& s, const float* q, const float* k, const float* v,
                        const int32_t* seg_start, const float* P, const float* dout, float* dq, float* dk,
                        float* dv) {
  check(s);
  const int64_t qs = s.nh * s.hd, ks = s.nkv * s.hd, group = s.nh / s.nkv;
  const float scale = 1.f / std::sqrt(static_cast<float>(s.hd));
  // One task per (row, kv head): it owns dk/dv of that head and sums its query heads and blocks in order.
  auto task = [&](int64_t b0, int64_t e0, int) {
    std::vector<float> dp(kQBlock * s.Tk);
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
        const float* p = P + (b * s.nh + h) * s.Tq * s.Tk;
        const float* qh = q + b * s.Tq * qs + h * s.hd;
        const float* doh = dout + b * s.Tq * qs + h * s.hd;
        float* dqh = dq + b * s.Tq * qs + h * s.hd;
        for (int64_t i0 = 0; i0 < s.Tq; i0 += kQBlock) {
          const int64_t i1 = std::min(s.Tq, i0 + kQBlock), m = i1 - i0;
          const KeyRange kr = block_keys(s, seg_start, b, i0, i1);
          const int64_t nk = kr.hi - kr.lo + 1;
          const float* pb = p + i0 * s.Tk + kr.lo;
          // dV += Pᵀ dout;  dP = dout Vᵀ (dp rows hold keys kr.lo.. at column 0)
          sgemm(args(true, false, nk, s.hd, m, pb, s.Tk, doh + i0 * qs, qs, dvg + kr.lo * ks, ks, 1.f, 1.f), nullptr);
          sgemm(args(false, true, m, nk, s.hd, doh + i0 * qs, qs, vg + kr.lo * ks, ks, dp.data(), nk, 1.f, 0.f), nullptr);
          // Softmax backward: dS = P ∘ (dP − Σ_j P dP), zero where masked (P is zero there).
          for (int64_t i = i0; i < i1; ++i) {
            const float* pr = p + i * s.Tk;
            float* d = dp.data() + (i - i0) * nk - kr.lo;  // indexed by absolute key j
            const int64_t lo = seg_start ? seg_start[b * s.Tq + i] : 0, hi = s.q_offset + i;
            double dot = 0;
            for (int64_t j = lo; j <= hi; ++j) dot += static_cast<double>(pr[j]) * d[j];
            const float fd = static_cast<float>(dot);
            for (int64_t j = kr.lo; j < lo; ++j) d[j] = 0.f;
            for (int64_t j = lo; j <= hi; ++j) d[j] = pr[j] * (d[j] - fd);
            for (int64_t j = hi + 1; j <= kr.hi; ++j) d[j] = 0.f;
          }
          // dQ = scale dS K;  dK += scale dSᵀ Q
          sgemm(args(false, false, m, s.hd, nk, dp.data(), nk, kg + kr.lo * ks, ks, dqh + i0 * qs, qs, scale, 0.f),
                nullptr);
          sgemm(args(true, false, nk, s.hd, m, dp.data(), nk, qh + i0 * qs, qs, dkg + kr.lo * ks, ks, scale, 1.f),
                nullptr);
        }
      }
    }
  };
  if (pool) pool->parallel_for(s.B * s.nkv, task); else task(0, s.B * s.nkv, 0);
}

}  // namespace tf::kernels
