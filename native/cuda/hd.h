#pragma once
// TF_HD marks small math functions that both the kernels and the CPU tests call (attention_math.h, lora_math.h):
// __host__ __device__ under nvcc, plain inline for the host compiler, so a CPU test exercises the very function a
// kernel runs.
#if defined(__CUDACC__)
#define TF_HD __host__ __device__ __forceinline__
#else
#define TF_HD inline
#endif
