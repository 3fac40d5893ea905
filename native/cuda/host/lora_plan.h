#pragma once
// The LoRA branch as a list of steps (dropout, GEMMs, masked add) with every GEMM's transposes, sizes, leading
// dimensions, alpha and beta spelled out once. lora.cu runs the list on the GPU (matmul_bf16 / _f32out and the mask
// kernels); tests/test_cuda_lora_host.cc runs the same list on the CPU with bf16 rounding wherever the GPU stores
// bf16, and compares it with kernels::lora_forward / lora_backward. So the GEMM arithmetic of the CUDA path is
// verified without a GPU. Plain C++.
#include <cstdint>
#include <vector>

#include "host/launch_plan.h"

namespace tf::cuda {

// Operands. XDrop and T share the first N*in elements of the caller's bf16 scratch, Du the next N*r.
enum class LoraBuf { X, XDrop, A, B, U, Y, Dy, Du, DA, DB, Dx, T };
enum class LoraStepKind {
  Dropout,    // XDrop = mask ∘ X / (1 - p), rounded to bf16
  Gemm,       // c = alpha op(a) op(b) + beta c (bf16 out, or fp32 out into DA / DB)
  DropoutAdd  // Dx += mask ∘ T / (1 - p)
};
struct LoraStep {
  LoraStepKind kind = LoraStepKind::Gemm;
  bool ta = false, tb = false;
  int64_t M = 0, N = 0, K = 0;
  float alpha = 1.f, beta = 0.f;
  LoraBuf a = LoraBuf::X, b = LoraBuf::X, c = LoraBuf::X;
  int64_t lda = 0, ldb = 0, ldc = 0;
  bool f32_out() const { return c == LoraBuf::DA || c == LoraBuf::DB; }
};
struct LoraPlanDims {
  int64_t N = 0, in = 0, out = 0, r = 0;
};

// u = dropout(x) Aᵀ; y += s u Bᵀ (only with to_y: a checkpoint recompute that skips the frozen projection wants u
// alone).
std::vector<LoraStep> lora_forward_plan(const LoraPlanDims& d, float scale, bool dropout, bool to_y);
// du = s dy B; dB += s dyᵀ u; dA += duᵀ dropout(x); dx += du A (masked with dropout: T = du A, then DropoutAdd).
std::vector<LoraStep> lora_backward_plan(const LoraPlanDims& d, float scale, bool dropout, bool has_dx);
// Element offset of XDrop / T / Du in the bf16 scratch (lora_scratch_elems = N*in + N*r).
int64_t lora_scratch_offset(LoraBuf b, const LoraPlanDims& d);

// Tolerance of a result that passed through `roundings` bf16 roundings (intermediates and output) of fp32 sums
// with `k` terms in total, against an fp32 CPU that rounds nothing: each rounding moves it by at most one bf16
// ulp of its terms' magnitude (scale = the same computation on absolute values); accumulation as gemm_tolerance.
Tolerance lora_chain_tolerance(int roundings, int64_t k, double max_scale, bool fp32_out);

}  // namespace tf::cuda
