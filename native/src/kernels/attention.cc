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

void attention_forward(ThreadPool* pool, const AttnShape& s, const float* q, const float* k, const float* v,
                       const int32_t* seg_start, float* P, float* out) {
  check(s);
  const int64_t qs = s.nh * s.hd, ks = s.nkv * s.hd, group = s.nh / s.nkv;
  const float scale = 1.f / std::sqrt(static_cast<float>(s.hd));
  auto task = [&](int64_t b0, int64_t e0, int) {
    std::vector<float> local;
    for (int64_t t = b0; t < e0; ++t) {
      const int64_t b = t / s.nh, h = t % s.nh, g = h / group;
      float* p = P ? P + t * s.Tq * s.Tk : nullptr;
      if (!p) {
        local.resize(s.Tq * s.Tk);
        p = local.data();
      }
      const float* qh = q + b * s.Tq * qs + h * s.hd;
      const float* kg = k + b * s.Tk * ks + g * s.hd;
      const float* vg = v + b * s.Tk * ks + g * s.hd;
      // Full Tq x Tk scores (the masked part is cheap next to the projections), then a masked softmax.
      sgemm(args(false, true, s.Tq, s.Tk, s.hd, qh, qs, kg, ks, p, s.Tk, scale, 0.f), nullptr);
      for (int64_t i = 0; i < s.Tq; ++i) {
        float* row = p + i * s.Tk;
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
      sgemm(args(false, false, s.Tq, s.hd, s.Tk, p, s.Tk, vg, ks, out + b * s.Tq * qs + h * s.hd, qs, 1.f, 0.f),
            nullptr);
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
  // One task per (row, kv head): it owns dk/dv of that head and sums its query heads in order.
  auto task = [&](int64_t b0, int64_t e0, int) {
    std::vector<float> dp(s.Tq * s.Tk);
    for (int64_t t = b0; t < e0; ++t) {
      const int64_t b = t / s.nkv, g = t % s.nkv;
      const float* kg = k + b * s.Tk * ks + g * s.hd;
      const float* vg = v + b * s.Tk * ks + g * s.hd;
      float* dkg = dk + b * s.Tk * ks + g * s.hd;
      float* dvg = dv + b * s.Tk * ks + g * s.hd;
      for (int64_t hh = 0; hh < group; ++hh) {
        const int64_t h = g * group + hh;
        const float* p = P + (b * s.nh + h) * s.Tq * s.Tk;
        const float* qh = q + b * s.Tq * qs + h * s.hd;
        const float* doh = dout + b * s.Tq * qs + h * s.hd;
        const float beta = hh == 0 ? 0.f : 1.f;
        // dV += Pᵀ dout;  dP = dout Vᵀ
        sgemm(args(true, false, s.Tk, s.hd, s.Tq, p, s.Tk, doh, qs, dvg, ks, 1.f, beta), nullptr);
        sgemm(args(false, true, s.Tq, s.Tk, s.hd, doh, qs, vg, ks, dp.data(), s.Tk, 1.f, 0.f), nullptr);
        // Softmax backward: dS = P ∘ (dP − Σ_j P dP), zero where masked (P is zero there).
        for (int64_t i = 0; i < s.Tq; ++i) {
          const float* pr = p + i * s.Tk;
          float* d = dp.data() + i * s.Tk;
          const int64_t lo = seg_start ? seg_start[b * s.Tq + i] : 0, hi = s.q_offset + i;
          double dot = 0;
          for (int64_t j = lo; j <= hi; ++j) dot += static_cast<double>(pr[j]) * d[j];
          const float fd = static_cast<float>(dot);
          for (int64_t j = 0; j < lo; ++j) d[j] = 0.f;
          for (int64_t j = lo; j <= hi; ++j) d[j] = pr[j] * (d[j] - fd);
          for (int64_t j = hi + 1; j < s.Tk; ++j) d[j] = 0.f;
        }
        // dQ = scale dS K;  dK += scale dSᵀ Q
        sgemm(args(false, false, s.Tq, s.hd, s.Tk, dp.data(), s.Tk, kg, ks, dq + b * s.Tq * qs + h * s.hd, qs, scale,
                   0.f), nullptr);
        sgemm(args(true, false, s.Tk, s.hd, s.Tq, dp.data(), s.Tk, qh, qs, dkg, ks, scale, beta), nullptr);
      }
    }
  };
  if (pool) pool->parallel_for(s.B * s.nkv, task); else task(0, s.B * s.nkv, 0);
}

}  // namespace tf::kernels
