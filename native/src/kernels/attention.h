#pragma once
// Causal grouped-query attention softmax(q kᵀ / sqrt(d)) v with packed-segment masking (and Gemma 2's soft cap).
// Query i of a row sees keys [seg_start[i], q_offset + i]: causal, and never across a packed segment boundary. Each
// kv head serves nh/nkv consecutive query heads. Layouts: q, out [B*Tq, nh*d]; k, v [B*Tk, nkv*d]; lse [B, nh, Tq].
// Like FlashAttention, only each row's log-sum-exp is kept for backward, which recomputes the probabilities a
// block of queries at a time: O(T) memory instead of O(T²) (at T = 2048 the T² matrices would not fit).
#include <cstdint>

#include "common/threadpool.h"

namespace tf::kernels {

struct AttnShape {
  int64_t B = 0, Tq = 0, Tk = 0, nh = 0, nkv = 0, hd = 0;
  int64_t q_offset = 0;  // key index of query 0 (0 in training; cached length when decoding)
  // Gemma 2's soft cap: each scaled score s becomes softcap·tanh(s / softcap) before the mask and softmax, and lse
  // is of the capped scores (0 = none).
  float softcap = 0.f;
};

// seg_start [B*Tq]: first visible key of each query (null = 0). lse (scaled scores' log-sum-exp per query) is
// written when non-null, for backward.
void attention_forward(ThreadPool* pool, const AttnShape& s, const float* q, const float* k, const float* v,
                       const int32_t* seg_start, float* lse, float* out);
// dq is overwritten; dk, dv are overwritten (summed over the query heads of each group in a fixed order).
void attention_backward(ThreadPool* pool, const AttnShape& s, const float* q, const float* k, const float* v,
                        const int32_t* seg_start, const float* lse, const float* dout, float* dq, float* dk,
                        float* dv);

}  // namespace tf::kernels
