#include "kernels/rope.h"

#include <algorithm>
#include <cmath>

#include "common/error.h"

namespace tf::kernels {

// transformers' _compute_yarn_parameters, in its fp32 steps (see RopeScaling): pair i keeps its frequency below the
// correction range [low, high] (in pair indices: where the frequency turns beta_fast, then beta_slow, times over the
// original context), takes it divided by factor above, and a linear blend of the two inside.
static std::vector<float> yarn_inv_freq(int dim, double theta, const RopeScaling& s) {
  TF_CHECK(s.original_max_position_embeddings > 0, "yarn: original_max_position_embeddings must be positive");
  auto correction_dim = [&](double turns) {
    return dim * std::log(s.original_max_position_embeddings / (turns * 2 * M_PI)) / (2 * std::log(theta));
  };
  double low = correction_dim(s.beta_fast), high = correction_dim(s.beta_slow);
  if (s.truncate) low = std::floor(low), high = std::ceil(high);
  low = std::max(low, 0.0), high = std::min(high, double(dim - 1));
  if (low == high) high += 0.001;  // as transformers, against a zero-width ramp
  const float factor = static_cast<float>(s.factor), lo = static_cast<float>(low), width = static_cast<float>(high - low);
  std::vector<float> inv(dim / 2);
  for (int i = 0; i < dim / 2; ++i) {
    const float pos_freq = std::pow(static_cast<float>(theta), static_cast<float>(2 * i) / static_cast<float>(dim));
    const float extrapolation = 1.0f / pos_freq, interpolation = 1.0f / (factor * pos_freq);
    const float ramp = std::min(std::max((static_cast<float>(i) - lo) / width, 0.0f), 1.0f);
    const float keep = 1.0f - ramp;  // transformers' inv_freq_extrapolation_factor
    inv[i] = interpolation * (1.0f - keep) + extrapolation * keep;
  }
  return inv;
}

// 1 / (factor_i · theta^(2i/d)), in fp32 as transformers' tensors: longrope's short or long factors.
static std::vector<float> longrope_inv_freq(int dim, double theta, const std::vector<double>& factors) {
  const int half = dim / 2;
  TF_CHECK(factors.size() == size_t(half), "longrope: the factors need " + std::to_string(half) + " values, got " +
                                               std::to_string(factors.size()));
  std::vector<float> inv(half);
  for (int i = 0; i < half; ++i) {
    const float expo = static_cast<float>(2 * i) / static_cast<float>(dim);
    inv[i] = 1.0f / (static_cast<float>(factors[i]) * std::pow(static_cast<float>(theta), expo));
  }
  return inv;
}

std::vector<float> rope_inv_freq_long(int head_dim, double theta, const RopeScaling& scaling, int rotary_dim) {
  TF_CHECK(scaling.type == "longrope", "rope_inv_freq_long: only longrope has long factors");
  return longrope_inv_freq(rotary_dim > 0 ? rotary_dim : head_dim, theta, scaling.long_factor);
}

std::vector<float> rope_inv_freq(int head_dim, double theta, const RopeScaling& scaling, int rotary_dim) {
  TF_CHECK(head_dim > 0 && head_dim % 2 == 0, "RoPE needs an even head_dim, got " + std::to_string(head_dim));
  const int dim = rotary_dim > 0 ? rotary_dim : head_dim;
  TF_CHECK(dim % 2 == 0 && dim <= head_dim, "RoPE: rotary_dim " + std::to_string(dim) + " must be even and <= head_dim");
  const int half = dim / 2;
  std::vector<float> inv(half);
  for (int i = 0; i < half; ++i) {
    const float expo = static_cast<float>(2 * i) / static_cast<float>(dim);
    inv[i] = 1.0f / std::pow(static_cast<float>(theta), expo);
  }
  if (scaling.type.empty() || scaling.type == "default") return inv;
  if (scaling.type == "longrope") return longrope_inv_freq(dim, theta, scaling.short_factor);
  if (scaling.type == "linear") {  // positions / factor, i.e. every frequency / factor
    for (float& f : inv) f /= static_cast<float>(scaling.factor);  // in fp32, as transformers divides its tensor
    return inv;
  }
  if (scaling.type == "yarn") return yarn_inv_freq(dim, theta, scaling);
  TF_CHECK(scaling.type == "llama3", "unsupported rope_scaling type '" + scaling.type + "' (supported: llama3, linear, yarn)");
  const double old_len = scaling.original_max_position_embeddings;
  const double low_wavelen = old_len / scaling.low_freq_factor, high_wavelen = old_len / scaling.high_freq_factor;
  for (int i = 0; i < half; ++i) {
    const double f = inv[i], wavelen = 2 * M_PI / f;
    if (wavelen < high_wavelen) continue;            // high frequency: unchanged
    if (wavelen > low_wavelen) {                     // low frequency: divided by factor
      inv[i] = static_cast<float>(f / scaling.factor);
      continue;
    }
    const double smooth = (old_len / wavelen - scaling.low_freq_factor) /
                          (scaling.high_freq_factor - scaling.low_freq_factor);
    inv[i] = static_cast<float>((1 - smooth) * f / scaling.factor + smooth * f);
  }
  return inv;
}

// torch's steps: positions / interval as fp32 true division, floor, log, times beta, plus 1, each in fp32.
float QueryTemperature::at(int32_t position) const {
  if (!on()) return 1.f;
  const float times = std::floor(static_cast<float>(position) / static_cast<float>(interval));
  return 1.f + beta * std::log(1.f + times);
}

static void rotate(ThreadPool* pool, float* x, const int32_t* positions, const float* inv_freq, int64_t N,
                   int64_t heads, int64_t D, int64_t rotary_dim, float scale, float sign, bool interleaved,
                   RopeLongRows long_rows, QueryTemperature temperature) {
  const int64_t R = rotary_dim > 0 ? rotary_dim : D;
  TF_CHECK(R % 2 == 0 && R <= D, "rope: rotary_dim " + std::to_string(R) + " must be even and <= head_dim " + std::to_string(D));
  TF_CHECK(!temperature.on() || (R == D && temperature.interval > 0),
           "rope: a query temperature needs every dimension rotated and a positive interval");
  const int64_t half = R / 2;
  // Pair j: values j and j + half (rotate-half), or 2j and 2j + 1 (interleaved, GLM-4).
  const int64_t first = interleaved ? 2 : 1, second = interleaved ? 1 : half;
  auto rows = [&](int64_t b, int64_t e, int) {
    std::vector<float> cs(half), sn(half);
    for (int64_t i = b; i < e; ++i) {
      const float* f = long_rows.inv_freq && positions[i] >= long_rows.from ? long_rows.inv_freq : inv_freq;
      // The factor of every rotated value: the attention factor, times the query's temperature at this position.
      const float row_scale = temperature.on() ? scale * temperature.at(positions[i]) : scale;
      for (int64_t j = 0; j < half; ++j) {
        const float ang = static_cast<float>(positions[i]) * f[j];  // fp32 product, as HF
        // cos and sin times the scale, as transformers scales its tables (longrope's attention factor).
        cs[j] = static_cast<float>(std::cos(static_cast<double>(ang))) * row_scale;
        sn[j] = sign * static_cast<float>(std::sin(static_cast<double>(ang))) * row_scale;
      }
      for (int64_t h = 0; h < heads; ++h) {
        float* v = x + (i * heads + h) * D;
        for (int64_t j = 0; j < half; ++j) {
          float* p = v + j * first;
          const float a = p[0], c = p[second];
          p[0] = a * cs[j] - c * sn[j];
          p[second] = c * cs[j] + a * sn[j];
        }
      }
    }
  };
  if (pool) pool->parallel_for(N, rows); else rows(0, N, 0);
}

void rope_forward(ThreadPool* pool, float* x, const int32_t* positions, const float* inv_freq, int64_t N,
                  int64_t heads, int64_t head_dim, int64_t rotary_dim, float scale, bool interleaved,
                  RopeLongRows long_rows, QueryTemperature temperature) {
  rotate(pool, x, positions, inv_freq, N, heads, head_dim, rotary_dim, scale, 1.f, interleaved, long_rows, temperature);
}

void rope_backward(ThreadPool* pool, float* dx, const int32_t* positions, const float* inv_freq, int64_t N,
                   int64_t heads, int64_t head_dim, int64_t rotary_dim, float scale, bool interleaved,
                   QueryTemperature temperature) {
  rotate(pool, dx, positions, inv_freq, N, heads, head_dim, rotary_dim, scale, -1.f, interleaved, {}, temperature);
}

}  // namespace tf::kernels
