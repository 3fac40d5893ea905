#pragma once
// The reference model's building blocks, in double precision with straight loops (no kernels from src/kernels):
// a linear layer with its LoRA branch, RMSNorm over rows, causal attention within segments.
#include <algorithm>
#include <cmath>
#include <map>
#include <string>
#include <vector>

namespace tf_test {

using Weights = std::map<std::string, std::vector<float>>;

// LoRA factors by module name (pointers into the model's own parameters, so perturbing them is seen here).
struct RefLora {
  std::map<std::string, std::pair<const float*, const float*>> ab;
  int r = 0;
  double scaling = 0;
};

// y[n, out] = x[n, in] Wᵀ (+ b) (+ scaling B A x) for the module `mod` (its weight and bias by name).
inline std::vector<double> ref_linear(const Weights& wm, const RefLora* lora, const std::vector<double>& x, int n, int in,
                                      const std::string& mod, int out) {
  std::vector<double> y(size_t(n) * out, 0.0);
  const auto& w = wm.at(mod + ".weight");
  const std::vector<float>* bias = wm.count(mod + ".bias") ? &wm.at(mod + ".bias") : nullptr;
  for (int i = 0; i < n; ++i)
    for (int o = 0; o < out; ++o) {
      double a = bias ? (*bias)[o] : 0.0;
      for (int c = 0; c < in; ++c) a += x[size_t(i) * in + c] * w[size_t(o) * in + c];
      y[size_t(i) * out + o] = a;
    }
  if (lora && lora->ab.count(mod)) {
    const float* A = lora->ab.at(mod).first;
    const float* Bm = lora->ab.at(mod).second;
    for (int i = 0; i < n; ++i) {
      std::vector<double> u(lora->r, 0.0);
      for (int k = 0; k < lora->r; ++k)
        for (int c = 0; c < in; ++c) u[k] += double(A[k * in + c]) * x[size_t(i) * in + c];
      for (int o = 0; o < out; ++o) {
        double a = 0;
        for (int k = 0; k < lora->r; ++k) a += double(Bm[o * lora->r + k]) * u[k];
        y[size_t(i) * out + o] += lora->scaling * a;
      }
    }
  }
  return y;
}

// RMSNorm of n rows of C (C = H for the layer norms, head_dim for per-head q/k norms), scaling by w (1 + w).
inline std::vector<double> ref_rmsnorm_rows(const std::vector<double>& x, int n, int C, const std::vector<float>& w,
                                            double eps, bool plus_one = false) {
  std::vector<double> y(x.size());
  for (int i = 0; i < n; ++i) {
    double ss = 0;
    for (int c = 0; c < C; ++c) ss += x[size_t(i) * C + c] * x[size_t(i) * C + c];
    const double r = 1 / std::sqrt(ss / C + eps);
    for (int c = 0; c < C; ++c) y[size_t(i) * C + c] = x[size_t(i) * C + c] * r * ((plus_one ? 1.0 : 0.0) + w[c]);
  }
  return y;
}

struct AttnDims {
  int nh, nkv, hd;
};

// Causal attention of one row of n = seg.size() positions (q [n, nh·hd], k and v [n, nkv·hd]), each query seeing
// the keys of its own segment (a run of equal labels), the last `window` of them when window > 0, with the scaled
// scores soft-capped at `cap` when cap > 0 (Gemma 2, before the mask).
inline std::vector<double> ref_attention(const AttnDims& s, const std::vector<double>& q, const std::vector<double>& k,
                                         const std::vector<double>& v, const std::vector<int32_t>& seg,
                                         double score_scale, int window, double cap) {
  const int n = int(seg.size());
  std::vector<double> att(size_t(n) * s.nh * s.hd, 0.0);
  for (int h = 0; h < s.nh; ++h) {
    const int g = h / (s.nh / s.nkv);
    for (int i = 0; i < n; ++i) {
      std::vector<double> sc(n, -INFINITY);
      double mx = -INFINITY, sum = 0;
      for (int j = 0; j <= i; ++j) {
        bool same = true;  // segments are contiguous runs: j sees i only if no label change in between
        for (int t = j + 1; t <= i; ++t) same = same && seg[t] == seg[t - 1];
        if (!same) continue;
        if (window > 0 && i - j >= window) continue;  // transformers' sliding mask: i − j < sliding_window
        double d = 0;
        for (int c = 0; c < s.hd; ++c) d += q[(size_t(i) * s.nh + h) * s.hd + c] * k[(size_t(j) * s.nkv + g) * s.hd + c];
        sc[j] = d * score_scale;
        if (cap > 0) sc[j] = cap * std::tanh(sc[j] / cap);
        mx = std::max(mx, sc[j]);
      }
      for (int j = 0; j <= i; ++j) sum += sc[j] == -INFINITY ? 0.0 : std::exp(sc[j] - mx);
      for (int j = 0; j <= i; ++j) {
        if (sc[j] == -INFINITY) continue;
        const double pj = std::exp(sc[j] - mx) / sum;
        for (int c = 0; c < s.hd; ++c) att[(size_t(i) * s.nh + h) * s.hd + c] += pj * v[(size_t(j) * s.nkv + g) * s.hd + c];
      }
    }
  }
  return att;
}

}  // namespace tf_test
