#include "kernels/embedding.h"

#include <cstring>
#include <string>

#include "common/error.h"

namespace tf::kernels {

static void check_ids(const int32_t* ids, int64_t N, int64_t V) {
  for (int64_t i = 0; i < N; ++i)
    if (ids[i] < 0 || ids[i] >= V)
      throw Error("token id " + std::to_string(ids[i]) + " at position " + std::to_string(i) +
                  " is outside the vocabulary [0, " + std::to_string(V) + ")");
}

void embedding_forward(ThreadPool* pool, const int32_t* ids, const float* table, float* out, int64_t N, int64_t V,
                       int64_t C) {
  check_ids(ids, N, V);
  auto body = [&](int64_t b, int64_t e, int) {
    for (int64_t i = b; i < e; ++i) std::memcpy(out + i * C, table + static_cast<int64_t>(ids[i]) * C, C * sizeof(float));
  };
  if (pool) pool->parallel_for(N, body); else body(0, N, 0);
}

void embedding_backward(const int32_t* ids, const float* dout, float* dtable, int64_t N, int64_t V, int64_t C) {
  check_ids(ids, N, V);
  for (int64_t i = 0; i < N; ++i) {
    float* row = dtable + static_cast<int64_t>(ids[i]) * C;
    const float* g = dout + i * C;
    for (int64_t c = 0; c < C; ++c) row[c] += g[c];
  }
}

}  // namespace tf::kernels
