#include "kernels/cross_entropy.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "common/error.h"
#include "kernels/fast_tanh.h"

namespace tf::kernels {

namespace {

void check_targets(const int32_t* t, int64_t N, int64_t V) {
  for (int64_t i = 0; i < N; ++i)
    if (t[i] < -1 || t[i] >= V)
      throw Error("target id " + std::to_string(t[i]) + " at position " + std::to_string(i) +
                  " is outside the vocabulary [0, " + std::to_string(V) + ") (use -1 to ignore a position)");
}

float row_max(const float* z, int64_t V) {
  float mx = -INFINITY;
  for (int64_t j = 0; j < V; ++j) mx = std::max(mx, z[j]);
  return mx;
}

// logsumexp of the row: fp32 exponentials (each exact to an ulp, arguments <= 0) summed in double.
double row_lse(const float* z, int64_t V) {
  const float mx = row_max(z, V);
  double s = 0;
  for (int64_t j = 0; j < V; ++j) s += std::exp(z[j] - mx);
  return mx + std::log(s);
}

// Row z as the loss sees it: z itself, or its soft-capped copy in buf.
const float* loss_row(const float* z, int64_t V, float softcap, std::vector<float>& buf) {
  if (softcap <= 0.f) return z;
  buf.resize(size_t(V));
  for (int64_t j = 0; j < V; ++j) buf[j] = softcap * fast_tanh(z[j] / softcap);
  return buf.data();
}

CeSum reduce(const std::vector<double>& row_loss, const int32_t* targets, int64_t N) {
  CeSum r;
  for (int64_t i = 0; i < N; ++i)
    if (targets[i] >= 0) {
      r.sum += row_loss[i];
      ++r.count;
    }
  return r;
}

}  // namespace

CeSum cross_entropy_forward(ThreadPool* pool, const float* logits, const int32_t* targets, float* losses, int64_t N,
                            int64_t V, float softcap) {
  check_targets(targets, N, V);
  std::vector<double> row(N, 0.0);
  auto body = [&](int64_t b, int64_t e, int) {
    std::vector<float> capped;
    for (int64_t i = b; i < e; ++i) {
      if (targets[i] < 0) continue;
      const float* z = loss_row(logits + i * V, V, softcap, capped);
      row[i] = row_lse(z, V) - z[targets[i]];
    }
  };
  if (pool) pool->parallel_for(N, body); else body(0, N, 0);
  if (losses)
    for (int64_t i = 0; i < N; ++i) losses[i] = static_cast<float>(row[i]);
  return reduce(row, targets, N);
}

CeSum cross_entropy_forward_backward(ThreadPool* pool, float* logits, const int32_t* targets, float grad_scale,
                                     int64_t N, int64_t V, const float* scales, float softcap) {
  check_targets(targets, N, V);
  std::vector<double> row(N, 0.0);
  auto body = [&](int64_t b, int64_t e, int) {
    std::vector<float> slope(softcap > 0.f ? size_t(V) : 0);  // d capped / d logit per column of the row
    for (int64_t i = b; i < e; ++i) {
      float* z = logits + i * V;
      if (targets[i] < 0) {
        std::fill(z, z + V, 0.f);
        continue;
      }
      if (softcap > 0.f)
        for (int64_t j = 0; j < V; ++j) {
          const float t = fast_tanh(z[j] / softcap);
          z[j] = softcap * t;
          slope[j] = 1.f - t * t;
        }
      // One pass of exponentials, kept in z, then normalized: softmax without a second exp per logit.
      const float mx = row_max(z, V), zt = z[targets[i]];
      double s = 0;
      for (int64_t j = 0; j < V; ++j) {
        const float e = std::exp(z[j] - mx);
        z[j] = e;
        s += e;
      }
      row[i] = mx + std::log(s) - zt;
      const float g = scales ? grad_scale * scales[i] : grad_scale;
      const float k = static_cast<float>(g / s);
      for (int64_t j = 0; j < V; ++j) z[j] *= k;
      z[targets[i]] -= g;
      if (softcap > 0.f)
        for (int64_t j = 0; j < V; ++j) z[j] *= slope[j];
    }
  };
  if (pool) pool->parallel_for(N, body); else body(0, N, 0);
  return reduce(row, targets, N);
}

void softcap_logits(ThreadPool* pool, float* z, int64_t n, float softcap) {
  if (softcap <= 0.f) return;
  auto body = [&](int64_t b, int64_t e, int) {
    for (int64_t i = b; i < e; ++i) z[i] = softcap * fast_tanh(z[i] / softcap);
  };
  if (pool) pool->parallel_for_grain(n, 4096, body); else body(0, n, 0);
}

}  // namespace tf::kernels
