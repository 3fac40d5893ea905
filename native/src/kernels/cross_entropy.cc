#include "kernels/cross_entropy.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "common/error.h"

namespace tf::kernels {

namespace {

void check_targets(const int32_t* t, int64_t N, int64_t V) {
  for (int64_t i = 0; i < N; ++i)
    if (t[i] < -1 || t[i] >= V)
      throw Error("target id " + std::to_string(t[i]) + " at position " + std::to_string(i) +
                  " is outside the vocabulary [0, " + std::to_string(V) + ") (use -1 to ignore a position)");
}

// Returns logsumexp of the row; also the max, for the softmax.
double row_lse(const float* z, int64_t V, float* mx_out) {
  float mx = -INFINITY;
  for (int64_t j = 0; j < V; ++j) mx = std::max(mx, z[j]);
  double s = 0;
  for (int64_t j = 0; j < V; ++j) s += std::exp(static_cast<double>(z[j] - mx));
  *mx_out = mx;
  return mx + std::log(s);
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
                            int64_t V) {
  check_targets(targets, N, V);
  std::vector<double> row(N, 0.0);
  auto body = [&](int64_t b, int64_t e, int) {
    for (int64_t i = b; i < e; ++i) {
      if (targets[i] < 0) continue;
      float mx;
      row[i] = row_lse(logits + i * V, V, &mx) - logits[i * V + targets[i]];
    }
  };
  if (pool) pool->parallel_for(N, body); else body(0, N, 0);
  if (losses)
    for (int64_t i = 0; i < N; ++i) losses[i] = static_cast<float>(row[i]);
  return reduce(row, targets, N);
}

CeSum cross_entropy_forward_backward(ThreadPool* pool, float* logits, const int32_t* targets, float grad_scale,
                                     int64_t N, int64_t V) {
  check_targets(targets, N, V);
  std::vector<double> row(N, 0.0);
  auto body = [&](int64_t b, int64_t e, int) {
    for (int64_t i = b; i < e; ++i) {
      float* z = logits + i * V;
      if (targets[i] < 0) {
        std::fill(z, z + V, 0.f);
        continue;
      }
      float mx;
      const double lse = row_lse(z, V, &mx);
      row[i] = lse - z[targets[i]];
      for (int64_t j = 0; j < V; ++j) z[j] = grad_scale * static_cast<float>(std::exp(z[j] - lse));
      z[targets[i]] -= grad_scale;
    }
  };
  if (pool) pool->parallel_for(N, body); else body(0, N, 0);
  return reduce(row, targets, N);
}

}  // namespace tf::kernels
