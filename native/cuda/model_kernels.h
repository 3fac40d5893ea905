#pragma once
// Small kernels only the CUDA model (backend/cuda_llama*) needs, next to the shared launchers of api.h: the bf16
// embedding gather and the projection bias add. Same conventions as api.h: enqueue on `stream`, no sync,
// tf::Error on bad arguments before anything is launched.
#include <cuda_bf16.h>
#include <cuda_runtime.h>

#include <cstdint>

namespace tf::cuda {

// out[i, :] = table[ids[i], :] · scale for N rows of C bf16. ids must already be in [0, V) (the model checks them
// on the host, where the error can name the position; a kernel cannot throw). scale: Gemma 3's sqrt(hidden_size).
void embedding_gather_bf16(const int32_t* ids, const __nv_bfloat16* table, __nv_bfloat16* out, int64_t N,
                           int64_t C, cudaStream_t stream, float scale = 1.f);
// y[i, j] += bias[j] for N rows of C (Qwen2's q/k/v biases), fp32 arithmetic, fp32 bias.
void add_bias_bf16(__nv_bfloat16* y, const float* bias, int64_t N, int64_t C, cudaStream_t stream);

}  // namespace tf::cuda
