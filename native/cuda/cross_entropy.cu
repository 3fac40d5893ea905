// Fused cross-entropy with the loss mask (kernels/cross_entropy.h), chunked over the vocabulary so the logits
// are read twice and written once, and a short batch still fills the GPU (16-byte accesses where aligned):
//   1. one block per (row, chunk), one pass: max and Σexp(z - max) of the chunk -> partials;
//   2. one warp per row: merge the chunk partials into logsumexp, the row loss (0 when target == -1) and the
//      invalid-target count;
//   3. one block per (row, chunk): dlogits = grad_scale * (exp(z - lse) - onehot), in place over the logits;
//   4. one block: Σ losses in double and the counts into CeSumDevice.
// cross_entropy_forward runs 1, 2 and 4 only: a pass that wants the loss alone (validation, a DPO pass's scoring
// sweep) skips step 3's N×V bf16 writes and leaves the logits as they were.
// Gemma 2's final soft cap (softcap > 0) is applied to each logit as it is read, in fp32, so the logits in memory stay
// the raw ones and step 3 can take the cap's slope (1 − tanh²) from them.
#include <string>

#include "api.h"
#include "common.cuh"
#include "host/launch_plan.h"

namespace tf::cuda {

namespace {

constexpr int kCeThreads = 256;

// A logit as the loss sees it: softcap·tanh(z / softcap), or z itself when softcap is 0.
__device__ __forceinline__ float ce_capped(float z, float softcap) {
  return softcap > 0.f ? softcap * tanhf(z / softcap) : z;
}

// kVec consecutive logits per thread and access: 8 (16 bytes) when V and the chunk are multiples of 8 and the
// logits 16-byte aligned (every row and chunk then starts a group), else 1.
//
// One pass over the chunk: each thread keeps a running max and the Σexp of its logits against it (moved when a
// group raises the max), then the block merges them. Reading the chunk once for its max and again for Σexp cost
// a third more traffic over the [N, V] logits.
template <int kVec>
__global__ void ce_chunk_stats(const bf16* logits, float* chunk_max, float* chunk_sum, int64_t V, int64_t chunk,
                               int64_t nchunks, float softcap) {
  __shared__ float scratch[32];
  const int64_t row = blockIdx.y, c = blockIdx.x;
  const bf16* z = logits + row * V;
  const int64_t j0 = c * chunk, j1 = min(V, j0 + chunk);
  float mx = -INFINITY, s = 0.f;
  for (int64_t j = j0 + int64_t(threadIdx.x) * kVec; j < j1; j += int64_t(blockDim.x) * kVec) {
    float v[kVec];
    load_bf16s(z + j, v);
    if (softcap > 0.f)
#pragma unroll
      for (int e = 0; e < kVec; ++e) v[e] = ce_capped(v[e], softcap);
    float gm = v[0];
#pragma unroll
    for (int e = 1; e < kVec; ++e) gm = fmaxf(gm, v[e]);
    if (gm > mx) {
      s = mx == -INFINITY ? 0.f : s * expf(mx - gm);
      mx = gm;
    }
#pragma unroll
    for (int e = 0; e < kVec; ++e) s += expf(v[e] - mx);
  }
  const float block_mx = block_max(mx, scratch);
  s = block_sum(mx == -INFINITY ? 0.f : s * expf(mx - block_mx), scratch);
  if (threadIdx.x == 0) {
    chunk_max[row * nchunks + c] = block_mx;
    chunk_sum[row * nchunks + c] = s;
  }
}

// blockDim.x == 32: one warp per row.
__global__ void ce_row_lse(const bf16* logits, const int32_t* targets, const float* chunk_max,
                           const float* chunk_sum, float* lse, float* losses, int64_t V, int64_t nchunks,
                           long long* invalid, float softcap) {
  const int64_t row = blockIdx.x;
  const float* cm = chunk_max + row * nchunks;
  const float* cs = chunk_sum + row * nchunks;
  float mx = -INFINITY;
  for (int64_t c = threadIdx.x; c < nchunks; c += 32) mx = fmaxf(mx, cm[c]);
  mx = warp_max(mx);
  float s = 0.f;
  for (int64_t c = threadIdx.x; c < nchunks; c += 32) s += cs[c] * expf(cm[c] - mx);
  s = warp_sum(s);
  if (threadIdx.x != 0) return;
  const float l = mx + logf(s);
  lse[row] = l;
  const int32_t t = targets[row];
  float loss = 0.f;
  if (t < -1 || t >= V) atomicAdd(reinterpret_cast<unsigned long long*>(invalid), 1ull);
  else if (t >= 0) loss = l - ce_capped(to_f(logits[row * V + t]), softcap);
  if (losses) losses[row] = loss;
}

template <int kVec>
__global__ void ce_chunk_grad(bf16* logits, const int32_t* targets, const float* lse, float grad_scale,
                              const float* scales, int64_t V, int64_t chunk, float softcap) {
  const int64_t row = blockIdx.y, c = blockIdx.x;
  const float g = scales ? grad_scale * scales[row] : grad_scale;
  bf16* z = logits + row * V;
  const int64_t j0 = c * chunk, j1 = min(V, j0 + chunk);
  const int32_t t = targets[row];
  const bool counted = t >= 0 && t < V;
  const float l = lse[row];
  for (int64_t j = j0 + int64_t(threadIdx.x) * kVec; j < j1; j += int64_t(blockDim.x) * kVec) {
    float v[kVec];
    load_bf16s(z + j, v);
    if (softcap > 0.f) {
      // d loss / d z = (softmax − onehot) of the capped logits, times the cap's slope 1 − tanh².
#pragma unroll
      for (int e = 0; e < kVec; ++e) {
        const float th = tanhf(v[e] / softcap);
        v[e] = counted ? g * (expf(softcap * th - l) - (j + e == t ? 1.f : 0.f)) * (1.f - th * th) : 0.f;
      }
    } else {
#pragma unroll
      for (int e = 0; e < kVec; ++e) v[e] = counted ? g * (expf(v[e] - l) - (j + e == t ? 1.f : 0.f)) : 0.f;
    }
    store_bf16s(z + j, v);
  }
}

// One block sums the row losses in double in a fixed order per thread, so the total is reproducible.
__global__ void ce_reduce(const float* row_loss, const int32_t* targets, int64_t N, int64_t V, CeSumDevice* out) {
  __shared__ double sums[kCeThreads];
  __shared__ long long counts[kCeThreads];
  double s = 0;
  long long n = 0;
  for (int64_t i = threadIdx.x; i < N; i += blockDim.x)
    if (targets[i] >= 0 && targets[i] < V) {
      s += double(row_loss[i]);
      ++n;
    }
  sums[threadIdx.x] = s;
  counts[threadIdx.x] = n;
  __syncthreads();
  for (int w = blockDim.x / 2; w > 0; w >>= 1) {
    if (threadIdx.x < w) {
      sums[threadIdx.x] += sums[threadIdx.x + w];
      counts[threadIdx.x] += counts[threadIdx.x + w];
    }
    __syncthreads();
  }
  if (threadIdx.x == 0) {
    out->sum = sums[0];
    out->count = counts[0];
  }
}

}  // namespace

int64_t cross_entropy_scratch_floats(int64_t N, int64_t V) { return 2 * N * ce_chunks(V).count + 2 * N; }

namespace {

// Steps 1, 2 and 4 (the loss and the row logsumexps in scratch); returns the grid and vector width step 3 uses.
struct CeLaunch {
  dim3 grid;
  bool vec;
  int64_t chunk;
  const float* lse;
};

CeLaunch ce_losses(const bf16* logits, const int32_t* targets, float* losses, CeSumDevice* result, float* scratch,
                   int64_t N, int64_t V, cudaStream_t stream, float softcap) {
  TF_CHECK(N >= 0 && N <= 65535, "cross_entropy: " + std::to_string(N) +
                                     " rows in one call (at most 65535; split the batch)");
  TF_CHECK(result && scratch, "cross_entropy: result and scratch buffers are required");
  const CeChunks p = ce_chunks(V);
  CUDA_CHECK(cudaMemsetAsync(result, 0, sizeof(CeSumDevice), stream));
  float* chunk_max = scratch;
  float* chunk_sum = chunk_max + N * p.count;
  float* lse = chunk_sum + N * p.count;
  const CeLaunch out{dim3(unsigned(p.count), unsigned(N)), V % 8 == 0 && p.chunk % 8 == 0 && aligned16({logits}),
                     p.chunk, lse};
  if (N == 0) return out;
  // Row losses go to the caller's buffer when given, else to scratch (the reduction needs them either way).
  float* row_loss = losses ? losses : lse + N;
  if (out.vec)
    ce_chunk_stats<8><<<out.grid, kCeThreads, 0, stream>>>(logits, chunk_max, chunk_sum, V, p.chunk, p.count, softcap);
  else
    ce_chunk_stats<1><<<out.grid, kCeThreads, 0, stream>>>(logits, chunk_max, chunk_sum, V, p.chunk, p.count, softcap);
  CUDA_CHECK_LAUNCH();
  ce_row_lse<<<unsigned(N), 32, 0, stream>>>(logits, targets, chunk_max, chunk_sum, lse, row_loss, V, p.count,
                                             &result->invalid, softcap);
  CUDA_CHECK_LAUNCH();
  ce_reduce<<<1, kCeThreads, 0, stream>>>(row_loss, targets, N, V, result);
  CUDA_CHECK_LAUNCH();
  return out;
}

}  // namespace

void cross_entropy_forward(const bf16* logits, const int32_t* targets, float* losses, CeSumDevice* result,
                           float* scratch, int64_t N, int64_t V, cudaStream_t stream, float softcap) {
  ce_losses(logits, targets, losses, result, scratch, N, V, stream, softcap);
}

void cross_entropy_forward_backward(bf16* logits, const int32_t* targets, float grad_scale, float* losses,
                                    CeSumDevice* result, float* scratch, int64_t N, int64_t V, cudaStream_t stream,
                                    const float* scales, float softcap) {
  // The loss sum reads the target logits, so it is queued before the gradient overwrites them.
  const CeLaunch l = ce_losses(logits, targets, losses, result, scratch, N, V, stream, softcap);
  if (N == 0) return;
  if (l.vec)
    ce_chunk_grad<8><<<l.grid, kCeThreads, 0, stream>>>(logits, targets, l.lse, grad_scale, scales, V, l.chunk, softcap);
  else
    ce_chunk_grad<1><<<l.grid, kCeThreads, 0, stream>>>(logits, targets, l.lse, grad_scale, scales, V, l.chunk, softcap);
  CUDA_CHECK_LAUNCH();
}

}  // namespace tf::cuda
