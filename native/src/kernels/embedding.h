#pragma once
// Token embedding lookup. Ids are checked against the vocabulary here, so a bad id is an error, not a read
// out of bounds.
#include <cstdint>

#include "common/threadpool.h"

namespace tf::kernels {

// out[N, C] = table[ids[i]]; throws tf::Error naming the position of an id outside [0, V).
void embedding_forward(ThreadPool* pool, const int32_t* ids, const float* table, float* out, int64_t N, int64_t V,
                       int64_t C);
// dtable[ids[i]] += dout[i] in position order (deterministic; the base embedding is frozen, so only tests and
// a future trainable embedding use this).
void embedding_backward(const int32_t* ids, const float* dout, float* dtable, int64_t N, int64_t V, int64_t C);

}  // namespace tf::kernels
