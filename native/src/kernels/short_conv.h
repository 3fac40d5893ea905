#pragma once
// LFM2's gated short convolution (transformers' Lfm2ShortConv), on in_proj's output rows bcx [N, 3H], whose thirds are
// B, C and x (BCx.chunk(3) over channels):
//   conv[t, c] = Σ_{j<K} w[c, j] · (B·x)[t − (K−1) + j, c],   y[t, c] = C[t, c] · conv[t, c]
// a causal depthwise convolution over the last K positions (w[c, K−1] weighs the current one). Positions before a
// row's segment start count as zeros, so packed sequences convolve as they would alone (transformers zero-pads the
// start of a sequence the same way).
#include <cstdint>

#include "common/threadpool.h"

namespace tf::kernels {

struct ConvShape {
  int B, T;   // rows of T positions (N = B·T)
  int64_t H;  // channels
  int K;      // kernel length (conv_L_cache)
};

// seg_start[i]: the first position within row i / T of position i's segment (null: the row's start). y may be null
// (conv only: a recompute that keeps y already).
void short_conv_forward(ThreadPool* pool, const ConvShape& s, const float* bcx, const float* w,
                        const int32_t* seg_start, float* conv, float* y);
// dy [N, H] → dbcx [N, 3H] (overwritten): dB = dBx · x, dC = dy · conv, dx = dBx · B, with
// dBx[s, c] = Σ_j w[c, j] · (dy · C)[s + (K−1) − j, c] over the later positions of s's segment.
void short_conv_backward(ThreadPool* pool, const ConvShape& s, const float* dy, const float* bcx, const float* conv,
                         const float* w, const int32_t* seg_start, float* dbcx);
// Decoding n new positions of one sequence after `state`, its K−1 previous values of B·x (oldest first; zeros before
// the sequence's start): y [n, H] as short_conv_forward would give for them, and state moved on past them.
void short_conv_decode(const float* bcx, const float* w, int n, int64_t H, int K, float* state, float* y);

}  // namespace tf::kernels
