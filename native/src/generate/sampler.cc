#include "generate/sampler.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "common/error.h"

namespace tf::generate {

void validate_sampler(const SamplerOptions& o) {
  TF_CHECK(std::isfinite(o.temperature) && o.temperature >= 0,
           "temperature must be >= 0 (0 = greedy), got " + std::to_string(o.temperature));
  TF_CHECK(o.top_p > 0 && o.top_p <= 1, "top_p must be in (0, 1], got " + std::to_string(o.top_p));
}

int32_t argmax(const float* logits, int vocab) {
  int32_t best = 0;
  for (int i = 1; i < vocab; i++)
    if (logits[i] > logits[best]) best = i;
  return best;
}

std::vector<std::pair<int32_t, double>> nucleus(const float* logits, int vocab, const SamplerOptions& o) {
  // Softmax in double of logits / T, max-subtracted so large logits cannot overflow.
  const double inv_t = 1.0 / (double)o.temperature;
  double mx = -INFINITY;
  for (int i = 0; i < vocab; i++) mx = std::max(mx, (double)logits[i] * inv_t);
  std::vector<std::pair<int32_t, double>> p((size_t)vocab);
  double z = 0;
  for (int i = 0; i < vocab; i++) {
    const double e = std::exp((double)logits[i] * inv_t - mx);
    p[(size_t)i] = {i, e};
    z += e;
  }
  for (auto& e : p) e.second /= z;
  std::stable_sort(p.begin(), p.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  if (o.top_p < 1.f) {
    // HF drops tokens whose ascending cumulative mass is <= 1 - top_p; equivalently keep the shortest
    // most-likely prefix whose mass reaches top_p.
    double cum = 0;
    size_t keep = 0;
    while (keep < p.size()) {
      cum += p[keep].second;
      keep++;
      if (cum >= (double)o.top_p) break;
    }
    p.resize(std::max<size_t>(keep, 1));
    double kept = 0;
    for (auto& e : p) kept += e.second;
    for (auto& e : p) e.second /= kept;
  }
  return p;
}

int32_t sample_token(const float* logits, int vocab, const SamplerOptions& o, Rng& rng) {
  if (o.temperature <= 0.f) return argmax(logits, vocab);
  const auto dist = nucleus(logits, vocab, o);
  const double u = rng.uniform_double();
  double cum = 0;
  for (const auto& e : dist) {
    cum += e.second;
    if (u < cum) return e.first;
  }
  return dist.back().first;  // u within rounding of 1.0
}

}  // namespace tf::generate
