// LFM2's gated short convolution (kernels/short_conv.h), on in_proj's bf16 output rows [B, C, x]: a causal
// depthwise convolution of B·x over the last K positions of each packed segment, gated by C. One thread per
// (position, channel): K is a handful (LFM2: 3), so each thread reads its K inputs itself; fp32 arithmetic, one
// rounding per stored value. Decoding keeps each sequence's last K − 1 values of B·x in fp32, as the CPU does.
#include "api.h"
#include "common.cuh"
#include "host/launch_plan.h"

namespace tf::cuda {

namespace {

__device__ __forceinline__ int first_visible(const int32_t* seg_start, int64_t i) { return seg_start ? seg_start[i] : 0; }

__global__ void short_conv_forward_kernel(ConvDims d, const bf16* bcx, const float* w, const int32_t* seg_start,
                                          bf16* conv, bf16* y) {
  const int64_t n = d.B * d.T * d.H, stride = int64_t(gridDim.x) * blockDim.x;
  for (int64_t e = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; e < n; e += stride) {
    const int64_t i = e / d.H, c = e % d.H;
    const int t = int(i % d.T);
    const int first = max(first_visible(seg_start, i), t - (d.K - 1));
    float acc = 0.f;
    for (int src = first; src <= t; ++src) {
      const bf16* r = bcx + (i - t + src) * 3 * d.H;
      acc += w[c * d.K + (src - t + d.K - 1)] * (to_f(r[c]) * to_f(r[2 * d.H + c]));
    }
    conv[e] = to_bf(acc);
    if (y) y[e] = to_bf(to_f(bcx[i * 3 * d.H + d.H + c]) * acc);
  }
}

__global__ void short_conv_backward_kernel(ConvDims d, const bf16* dy, const bf16* bcx, const bf16* conv,
                                           const float* w, const int32_t* seg_start, bf16* dbcx) {
  const int64_t n = d.B * d.T * d.H, stride = int64_t(gridDim.x) * blockDim.x;
  for (int64_t e = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; e < n; e += stride) {
    const int64_t i = e / d.H, c = e % d.H;
    const int t = int(i % d.T);
    // Position t's B·x reaches the outputs t .. t + K − 1 of its own segment.
    float dbx = 0.f;
    for (int out = t; out < min(int(d.T), t + d.K); ++out) {
      const int64_t io = i - t + out;
      if (first_visible(seg_start, io) > t) break;  // a later segment starts at or before out
      dbx += w[c * d.K + (t - out + d.K - 1)] * (to_f(dy[io * d.H + c]) * to_f(bcx[io * 3 * d.H + d.H + c]));
    }
    const bf16* r = bcx + i * 3 * d.H;
    bf16* g = dbcx + i * 3 * d.H;
    g[c] = to_bf(dbx * to_f(r[2 * d.H + c]));             // dB
    g[d.H + c] = to_bf(to_f(dy[e]) * to_f(conv[e]));      // dC
    g[2 * d.H + c] = to_bf(dbx * to_f(r[c]));             // dx
  }
}

// Decoding's outputs: row i's window is the state's values for positions before the call, then this call's B·x.
__global__ void short_conv_decode_kernel(const bf16* bcx, const float* w, int64_t n, int64_t H, int K,
                                         const float* state, bf16* y) {
  const int64_t total = n * H, stride = int64_t(gridDim.x) * blockDim.x;
  for (int64_t e = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; e < total; e += stride) {
    const int64_t i = e / H, c = e % H;
    float acc = 0.f;
    for (int j = 0; j < K; ++j) {
      const int64_t src = i - (K - 1) + j;  // this call's row, or (negative) the state's value K − 1 + src
      const float bx = src >= 0 ? to_f(bcx[src * 3 * H + c]) * to_f(bcx[src * 3 * H + 2 * H + c])
                                : state[(K - 1 + src) * H + c];
      acc += w[c * K + j] * bx;
    }
    y[e] = to_bf(to_f(bcx[i * 3 * H + H + c]) * acc);
  }
}

// Then the state moves on: its K − 1 values become the last K − 1 of (state, this call's B·x). One thread per
// channel, which reads its column before writing it.
__global__ void short_conv_state_kernel(const bf16* bcx, int64_t n, int64_t H, int K, float* state) {
  const int64_t c = blockIdx.x * int64_t(blockDim.x) + threadIdx.x;
  if (c >= H) return;
  float window[kConvMaxKernel - 1];
  const int past = K - 1;
  for (int j = 0; j < past; ++j) {
    const int64_t src = n - past + j;  // in the window (state, new values), position past + src
    window[j] = src >= 0 ? to_f(bcx[src * 3 * H + c]) * to_f(bcx[src * 3 * H + 2 * H + c])
                         : state[(past + src) * H + c];
  }
  for (int j = 0; j < past; ++j) state[j * H + c] = window[j];
}

// A batched step: thread (i, c) owns channel c of sequence i's state, reads it, writes y and moves it on.
__global__ void short_conv_decode_step_kernel(const bf16* bcx, const float* w, int64_t n, int64_t H, int K,
                                              const DecodeSeq* seqs, int64_t conv_layer, bf16* y) {
  const int64_t total = n * H, stride = int64_t(gridDim.x) * blockDim.x;
  for (int64_t e = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; e < total; e += stride) {
    const int64_t i = e / H, c = e % H;
    float* s = seqs[i].conv + conv_layer * seqs[i].conv_stride;
    const bf16* r = bcx + i * 3 * H;
    const float bx = to_f(r[c]) * to_f(r[2 * H + c]);
    float acc = w[c * K + K - 1] * bx;
    for (int j = 0; j < K - 1; ++j) acc += w[c * K + j] * s[j * H + c];
    for (int j = 0; j + 1 < K - 1; ++j) s[j * H + c] = s[(j + 1) * H + c];
    if (K > 1) s[(K - 2) * H + c] = bx;
    y[e] = to_bf(to_f(r[H + c]) * acc);
  }
}

void check_kernel(int K, const char* who) {
  TF_CHECK(K >= 1 && K <= kConvMaxKernel, std::string(who) + ": kernel length " + std::to_string(K) +
                                               " outside 1.." + std::to_string(kConvMaxKernel));
}

}  // namespace

void short_conv_forward(const ConvDims& d, const bf16* bcx, const float* w, const int32_t* seg_start, bf16* conv,
                        bf16* y, cudaStream_t stream) {
  check_kernel(d.K, "short_conv_forward");
  TF_CHECK(d.B >= 0 && d.T >= 0 && d.H >= 0, "short_conv_forward: negative shape");
  const Grid1D g = elementwise_grid(d.B * d.T * d.H);
  if (g.blocks == 0) return;
  short_conv_forward_kernel<<<unsigned(g.blocks), g.threads, 0, stream>>>(d, bcx, w, seg_start, conv, y);
  CUDA_CHECK(cudaGetLastError());
}

void short_conv_backward(const ConvDims& d, const bf16* dy, const bf16* bcx, const bf16* conv, const float* w,
                         const int32_t* seg_start, bf16* dbcx, cudaStream_t stream) {
  check_kernel(d.K, "short_conv_backward");
  TF_CHECK(d.B >= 0 && d.T >= 0 && d.H >= 0, "short_conv_backward: negative shape");
  const Grid1D g = elementwise_grid(d.B * d.T * d.H);
  if (g.blocks == 0) return;
  short_conv_backward_kernel<<<unsigned(g.blocks), g.threads, 0, stream>>>(d, dy, bcx, conv, w, seg_start, dbcx);
  CUDA_CHECK(cudaGetLastError());
}

void short_conv_decode(const bf16* bcx, const float* w, int64_t n, int64_t H, int K, float* state, bf16* y,
                       cudaStream_t stream) {
  check_kernel(K, "short_conv_decode");
  TF_CHECK(n >= 0 && H >= 0, "short_conv_decode: negative shape");
  const Grid1D g = elementwise_grid(n * H);
  if (g.blocks == 0) return;
  short_conv_decode_kernel<<<unsigned(g.blocks), g.threads, 0, stream>>>(bcx, w, n, H, K, state, y);
  CUDA_CHECK(cudaGetLastError());
  if (K == 1) return;  // no state
  const int threads = 256;
  short_conv_state_kernel<<<unsigned((H + threads - 1) / threads), threads, 0, stream>>>(bcx, n, H, K, state);
  CUDA_CHECK(cudaGetLastError());
}

void short_conv_decode_step(const bf16* bcx, const float* w, int64_t n, int64_t H, int K, const DecodeSeq* seqs,
                            int64_t conv_layer, bf16* y, cudaStream_t stream) {
  check_kernel(K, "short_conv_decode_step");
  TF_CHECK(n >= 0 && H >= 0 && conv_layer >= 0, "short_conv_decode_step: negative shape");
  const Grid1D g = elementwise_grid(n * H);
  if (g.blocks == 0) return;
  short_conv_decode_step_kernel<<<unsigned(g.blocks), g.threads, 0, stream>>>(bcx, w, n, H, K, seqs, conv_layer, y);
  CUDA_CHECK(cudaGetLastError());
}

}  // namespace tf::cuda
