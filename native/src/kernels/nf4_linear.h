#pragma once
// Frozen NF4 linear layer. Like bitsandbytes it dequantizes and calls an ordinary GEMM, but a panel of rows
// at a time into one reused scratch buffer (Unsloth's trick) so the fp32 copy never exists whole. Panels are
// multiples of kGemmKC rows, which makes the result bit-identical to the dense GEMM on the dequantized weight.
#include <cstdint>

#include "common/threadpool.h"
#include "quant/nf4.h"

namespace tf::kernels {

// y[N,out] = x[N,in] · deq(W)ᵀ (+ bias); W.rows = out, W.cols = in.
void nf4_linear_forward(ThreadPool* pool, const float* x, const Nf4Tensor& W, const float* bias, float* y, int64_t N);
// dx[N,in] (= or += when accumulate) dy[N,out] · deq(W). No weight gradient: the base is frozen.
void nf4_linear_backward(ThreadPool* pool, const float* dy, const Nf4Tensor& W, float* dx, bool accumulate, int64_t N);

}  // namespace tf::kernels
