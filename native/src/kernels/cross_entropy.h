#pragma once
// Cross-entropy over the vocabulary: loss_i = logsumexp(z_i) − z_i[t_i], with t_i = −1 meaning "not a
// target" (prompt, padding). Sums are taken in double, in row order, so they do not depend on threads.
#include <cstdint>

#include "common/threadpool.h"

namespace tf::kernels {

struct CeSum {
  double sum = 0;
  int64_t count = 0;
};

// softcap > 0 (Gemma 2's final_logit_softcapping): the loss is of the capped logits softcap·tanh(z / softcap), and
// the gradient is with respect to the logits as given (times the cap's slope 1 − tanh²).
//
// Per-row losses into `losses` [N] (0 for ignored rows) when non-null; returns the sum over counted rows.
// Throws tf::Error for a target outside [−1, V).
CeSum cross_entropy_forward(ThreadPool* pool, const float* logits, const int32_t* targets, float* losses, int64_t N,
                            int64_t V, float softcap = 0.f);
// Fused forward + backward: overwrites logits [N,V] with d(grad_scale · Σ s_i loss_i)/dlogits =
// grad_scale s_i (softmax − onehot) (rows with target −1 become zero) and returns the (unscaled) loss sum. s_i is
// scales[i] when scales is given, else 1.
CeSum cross_entropy_forward_backward(ThreadPool* pool, float* logits, const int32_t* targets, float grad_scale,
                                     int64_t N, int64_t V, const float* scales = nullptr, float softcap = 0.f);
// z ← softcap·tanh(z / softcap) over n logits (the logits a model reports, scores and samples from); 0 = none.
void softcap_logits(ThreadPool* pool, float* z, int64_t n, float softcap);

}  // namespace tf::kernels
