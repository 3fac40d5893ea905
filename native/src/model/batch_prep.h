#pragma once
// Checks a Batch against a model and computes the per-token positions and each query's first visible key
// (within its row). Shared by the CPU passes (llama_train.cc) and the CUDA model (native/cuda/backend), so both
// backends see exactly the same positions and segment starts.
#include <cstdint>
#include <string>
#include <vector>

#include "common/error.h"
#include "io/config.h"
#include "model/trainable.h"

namespace tf {

inline void prepare_batch(const ModelConfig& cfg, const Batch& b, bool need_targets, std::vector<int32_t>& positions,
                          std::vector<int32_t>& seg_start) {
  TF_CHECK(b.B >= 1 && b.T >= 1, "batch must have B >= 1 and T >= 1 (got B=" + std::to_string(b.B) +
                                     ", T=" + std::to_string(b.T) + ")");
  const int64_t N = int64_t(b.B) * b.T, maxp = cfg.max_position_embeddings;
  TF_CHECK(b.T <= maxp, "sequence length " + std::to_string(b.T) + " exceeds max_position_embeddings (" +
                            std::to_string(maxp) + ") of this model");
  TF_CHECK(static_cast<int64_t>(b.tokens.size()) == N,
           "batch has " + std::to_string(b.tokens.size()) + " tokens, expected B*T = " + std::to_string(N));
  if (need_targets)
    TF_CHECK(static_cast<int64_t>(b.targets.size()) == N,
             "batch has " + std::to_string(b.targets.size()) + " targets, expected B*T = " + std::to_string(N));
  positions.resize(N);
  if (b.positions.empty()) {
    for (int64_t i = 0; i < N; ++i) positions[i] = static_cast<int32_t>(i % b.T);
  } else {
    TF_CHECK(static_cast<int64_t>(b.positions.size()) == N, "batch positions must have B*T entries");
    for (int64_t i = 0; i < N; ++i) {
      TF_CHECK(b.positions[i] >= 0 && b.positions[i] < maxp,
               "position " + std::to_string(b.positions[i]) + " at index " + std::to_string(i) +
                   " is outside [0, max_position_embeddings = " + std::to_string(maxp) + ")");
      positions[i] = b.positions[i];
    }
  }
  seg_start.resize(N);
  TF_CHECK(b.segments.empty() || static_cast<int64_t>(b.segments.size()) == N, "batch segments must have B*T entries");
  for (int64_t i = 0; i < N; ++i) {
    const int64_t t = i % b.T;
    if (t == 0 || b.segments.empty())
      seg_start[i] = 0;
    else  // a new label starts a new run; the run's first index is where its attention begins
      seg_start[i] = b.segments[i] == b.segments[i - 1] ? seg_start[i - 1] : static_cast<int32_t>(t);
  }
}

// Each row's Σ of its positions' losses (0 at positions not counted): B entries, for forward_loss's row sums and a
// RowScaler.
inline std::vector<double> row_loss_sums(const std::vector<float>& losses, int B, int T) {
  std::vector<double> sums(size_t(B), 0.0);
  for (size_t i = 0; i < losses.size(); ++i) sums[i / size_t(T)] += losses[i];
  return sums;
}

// What the row scaler makes of these per-position losses, as one scale per position (the cross-entropy kernels'
// unit).
inline std::vector<float> position_scales(const RowScaler& scaler, const std::vector<float>& losses, int B, int T) {
  const std::vector<float> rows = scaler(row_loss_sums(losses, B, T));
  TF_CHECK(static_cast<int64_t>(rows.size()) == B, "the row scaler gave " + std::to_string(rows.size()) +
                                                        " scales for a batch of " + std::to_string(B) + " rows");
  std::vector<float> out(losses.size());
  for (size_t i = 0; i < out.size(); ++i) out[i] = rows[i / size_t(T)];
  return out;
}

}  // namespace tf
