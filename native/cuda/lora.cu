// PEFT's LoRA branch y += s · B (A dropout(x)) on bf16 activations (kernels/lora.h). The four GEMMs go through
// matmul_bf16(_f32out) (cuBLASLt or WMMA); the kernels here are the dropout mask, which must equal the CPU's bit
// for bit (lora_math.h, tested on the CPU), applied to x and to the branch's share of dx.
#include "api.h"
#include "common.cuh"
#include "host/launch_plan.h"
#include "lora_math.h"

namespace tf::cuda {

namespace {

// One thread per group of four elements: they share one hash (bits 16*(e%4).. of hash(key, e/4)), so each hash
// is computed once, as the CPU's apply_dropout does. out[e] = keep ? x[e] / (1 - p) : 0.
__global__ void lora_dropout_kernel(const bf16* x, bf16* out, int64_t n, uint64_t key, uint32_t threshold,
                                    float keep_scale) {
  const int64_t groups = (n + 3) / 4;
  for (int64_t g = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; g < groups; g += int64_t(gridDim.x) * blockDim.x) {
    const uint64_t bits = lora_hash_u64(key, uint64_t(g));
    for (int j = 0; j < 4; ++j) {
      const int64_t e = g * 4 + j;
      if (e >= n) break;
      const bool keep = ((bits >> (j * 16)) & 0xFFFFu) >= threshold;
      out[e] = keep ? to_bf(to_f(x[e]) * keep_scale) : to_bf(0.f);
    }
  }
}

// dx[e] += keep ? t[e] / (1 - p) : 0 — the mask hits only this branch's share of dx, not what dx already holds.
__global__ void lora_dropout_add_kernel(bf16* dx, const bf16* t, int64_t n, uint64_t key, uint32_t threshold,
                                        float keep_scale) {
  const int64_t groups = (n + 3) / 4;
  for (int64_t g = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; g < groups; g += int64_t(gridDim.x) * blockDim.x) {
    const uint64_t bits = lora_hash_u64(key, uint64_t(g));
    for (int j = 0; j < 4; ++j) {
      const int64_t e = g * 4 + j;
      if (e >= n) break;
      if (((bits >> (j * 16)) & 0xFFFFu) >= threshold) dx[e] = to_bf(to_f(dx[e]) + to_f(t[e]) * keep_scale);
    }
  }
}

void validate(const LoraDeviceDims& d, float drop_p, const void* scratch, const char* who) {
  TF_CHECK(d.N >= 0 && d.in > 0 && d.out > 0 && d.r > 0,
           std::string(who) + ": dims must be N >= 0 and in, out, r > 0, got N=" + std::to_string(d.N) +
               " in=" + std::to_string(d.in) + " out=" + std::to_string(d.out) + " r=" + std::to_string(d.r));
  TF_CHECK(drop_p >= 0.f && drop_p < 1.f,
           std::string(who) + ": lora dropout p must be in [0, 1), got " + std::to_string(drop_p));
  TF_CHECK(scratch != nullptr || d.N == 0,
           std::string(who) + ": scratch is null; pass lora_scratch_elems(dims) bf16 elements of device memory");
}

void dropout(const bf16* x, bf16* out, int64_t n, float p, uint64_t key, cudaStream_t stream) {
  const Grid1D grid = elementwise_grid((n + 3) / 4);
  if (grid.blocks == 0) return;
  lora_dropout_kernel<<<unsigned(grid.blocks), grid.threads, 0, stream>>>(x, out, n, key, lora_drop_threshold_hd(p),
                                                                         lora_keep_scale(p));
  CUDA_CHECK_LAUNCH();
}

}  // namespace

int64_t lora_scratch_elems(const LoraDeviceDims& d) { return d.N * d.in + d.N * d.r; }

void lora_forward(const LoraDeviceDims& d, const bf16* x, const bf16* A, const bf16* B, float scale, float drop_p,
                  uint64_t drop_key, bf16* u, bf16* y, bf16* scratch, cudaStream_t stream) {
  validate(d, drop_p, scratch, "lora_forward");
  if (d.N == 0) return;
  const bf16* xin = x;
  if (drop_p > 0.f) {
    dropout(x, scratch, d.N * d.in, drop_p, drop_key, stream);
    xin = scratch;
  }
  matmul_bf16(false, true, d.N, d.r, d.in, 1.f, xin, d.in, A, d.in, 0.f, u, d.r, stream);      // u = x Aᵀ
  matmul_bf16(false, true, d.N, d.out, d.r, scale, u, d.r, B, d.r, 1.f, y, d.out, stream);    // y += s u Bᵀ
}

void lora_backward(const LoraDeviceDims& d, const bf16* x, const bf16* A, const bf16* B, float scale, float drop_p,
                   uint64_t drop_key, const bf16* u, const bf16* dy, float* dA, float* dB, bf16* dx, bf16* scratch,
                   cudaStream_t stream) {
  validate(d, drop_p, scratch, "lora_backward");
  if (d.N == 0) return;
  bf16* xd = scratch;               // [N, in]: dropout(x), later the branch's dx share
  bf16* du = scratch + d.N * d.in;  // [N, r]
  matmul_bf16(false, false, d.N, d.r, d.out, scale, dy, d.out, B, d.r, 0.f, du, d.r, stream);       // du = s dy B
  matmul_bf16_f32out(true, false, d.out, d.r, d.N, scale, dy, d.out, u, d.r, 1.f, dB, d.r, stream);  // dB += s dyᵀu
  const bf16* xin = x;
  if (drop_p > 0.f) {
    dropout(x, xd, d.N * d.in, drop_p, drop_key, stream);
    xin = xd;
  }
  matmul_bf16_f32out(true, false, d.r, d.in, d.N, 1.f, du, d.r, xin, d.in, 1.f, dA, d.in, stream);   // dA += duᵀ x
  if (dx == nullptr) return;
  if (drop_p > 0.f) {
    // xd is free again (dA's GEMM, earlier on this stream, has read it): t = du A, then dx += mask ∘ t / (1 − p).
    matmul_bf16(false, false, d.N, d.in, d.r, 1.f, du, d.r, A, d.in, 0.f, xd, d.in, stream);
    const int64_t n = d.N * d.in;
    const Grid1D grid = elementwise_grid((n + 3) / 4);
    lora_dropout_add_kernel<<<unsigned(grid.blocks), grid.threads, 0, stream>>>(
        dx, xd, n, drop_key, lora_drop_threshold_hd(drop_p), lora_keep_scale(drop_p));
    CUDA_CHECK_LAUNCH();
  } else {
    matmul_bf16(false, false, d.N, d.in, d.r, 1.f, du, d.r, A, d.in, 1.f, dx, d.in, stream);         // dx += du A
  }
}

}  // namespace tf::cuda
