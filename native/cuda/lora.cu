// PEFT's LoRA branch y += s · B (A dropout(x)) on bf16 activations (kernels/lora.h). The steps (which GEMM with
// which transposes, leading dimensions, alpha, beta) are host/lora_plan.h's lists, which the CPU test runs too; the
// GEMMs go through matmul_bf16(_f32out) (cuBLASLt or WMMA). The kernels here are the dropout mask, which must
// equal the CPU's bit for bit (lora_math.h, tested on the CPU), applied to x and to the branch's share of dx.
#include <string>
#include <vector>

#include "api.h"
#include "common.cuh"
#include "host/launch_plan.h"
#include "host/lora_plan.h"
#include "lora_math.h"

namespace tf::cuda {

namespace {

// One thread per group of four elements: they share one hash (bits 16*(e%4).. of hash(key, e/4)), so each hash
// is computed once, as the CPU's apply_dropout does. kAdd false: out[e] = keep ? in[e] / (1 - p) : 0 (dropout of
// x). kAdd true: out[e] += keep ? in[e] / (1 - p) : 0 — the mask hits only this branch's share of dx, not what
// dx already holds.
template <bool kAdd>
__global__ void lora_dropout_kernel(const bf16* in, bf16* out, int64_t n, uint64_t key, uint32_t threshold,
                                    float keep_scale) {
  const int64_t groups = (n + 3) / 4;
  for (int64_t g = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; g < groups; g += int64_t(gridDim.x) * blockDim.x) {
    const uint64_t bits = lora_hash_u64(key, uint64_t(g));
    for (int j = 0; j < 4; ++j) {
      const int64_t e = g * 4 + j;
      if (e >= n) break;
      const bool keep = ((bits >> (j * 16)) & 0xFFFFu) >= threshold;
      if (kAdd) {
        if (keep) out[e] = to_bf(to_f(out[e]) + to_f(in[e]) * keep_scale);
      } else {
        out[e] = keep ? to_bf(to_f(in[e]) * keep_scale) : to_bf(0.f);
      }
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

// Device pointers of one call's operands (host/lora_plan.h's LoraBuf).
struct LoraOperands {
  const bf16 *x = nullptr, *A = nullptr, *B = nullptr, *dy = nullptr;
  bf16 *u = nullptr, *y = nullptr, *dx = nullptr, *scratch = nullptr;
  float *dA = nullptr, *dB = nullptr;
};

bf16* bf16_operand(const LoraOperands& o, LoraBuf b, const LoraPlanDims& d) {
  switch (b) {
    case LoraBuf::X: return const_cast<bf16*>(o.x);  // only ever read
    case LoraBuf::A: return const_cast<bf16*>(o.A);
    case LoraBuf::B: return const_cast<bf16*>(o.B);
    case LoraBuf::Dy: return const_cast<bf16*>(o.dy);
    case LoraBuf::U: return o.u;
    case LoraBuf::Y: return o.y;
    case LoraBuf::Dx: return o.dx;
    case LoraBuf::XDrop:
    case LoraBuf::T:
    case LoraBuf::Du: return o.scratch + lora_scratch_offset(b, d);
    default: throw Error("lora: operand " + std::to_string(int(b)) + " is not bf16");
  }
}

// Runs a plan of host/lora_plan.h on `stream` (the same list the CPU test runs with bf16 rounding).
void run_plan(const std::vector<LoraStep>& plan, const LoraPlanDims& d, const LoraOperands& o, float p, uint64_t key,
              cudaStream_t stream) {
  const int64_t n = d.N * d.in;
  const Grid1D grid = elementwise_grid((n + 3) / 4);  // one thread per group of four elements (one hash)
  for (const LoraStep& s : plan) {
    switch (s.kind) {
      case LoraStepKind::Dropout:
        lora_dropout_kernel<false><<<unsigned(grid.blocks), grid.threads, 0, stream>>>(
            o.x, bf16_operand(o, LoraBuf::XDrop, d), n, key, lora_drop_threshold_hd(p), lora_keep_scale(p));
        CUDA_CHECK_LAUNCH();
        break;
      case LoraStepKind::DropoutAdd:
        lora_dropout_kernel<true><<<unsigned(grid.blocks), grid.threads, 0, stream>>>(
            bf16_operand(o, LoraBuf::T, d), o.dx, n, key, lora_drop_threshold_hd(p), lora_keep_scale(p));
        CUDA_CHECK_LAUNCH();
        break;
      case LoraStepKind::Gemm: {
        const bf16* a = bf16_operand(o, s.a, d);
        const bf16* b = bf16_operand(o, s.b, d);
        if (s.f32_out())
          matmul_bf16_f32out(s.ta, s.tb, s.M, s.N, s.K, s.alpha, a, s.lda, b, s.ldb, s.beta,
                             s.c == LoraBuf::DA ? o.dA : o.dB, s.ldc, stream);
        else
          matmul_bf16(s.ta, s.tb, s.M, s.N, s.K, s.alpha, a, s.lda, b, s.ldb, s.beta, bf16_operand(o, s.c, d), s.ldc,
                      stream);
        break;
      }
    }
  }
}

}  // namespace

int64_t lora_scratch_elems(const LoraDeviceDims& d) { return d.N * d.in + d.N * d.r; }

void lora_forward(const LoraDeviceDims& d, const bf16* x, const bf16* A, const bf16* B, float scale, float drop_p,
                  uint64_t drop_key, bf16* u, bf16* y, bf16* scratch, cudaStream_t stream) {
  validate(d, drop_p, scratch, "lora_forward");
  if (d.N == 0) return;
  const LoraPlanDims pd{d.N, d.in, d.out, d.r};
  LoraOperands o;
  o.x = x, o.A = A, o.B = B, o.u = u, o.y = y, o.scratch = scratch;
  run_plan(lora_forward_plan(pd, scale, drop_p > 0.f, y != nullptr), pd, o, drop_p, drop_key, stream);
}

void lora_backward(const LoraDeviceDims& d, const bf16* x, const bf16* A, const bf16* B, float scale, float drop_p,
                   uint64_t drop_key, const bf16* u, const bf16* dy, float* dA, float* dB, bf16* dx, bf16* scratch,
                   cudaStream_t stream) {
  validate(d, drop_p, scratch, "lora_backward");
  if (d.N == 0) return;
  const LoraPlanDims pd{d.N, d.in, d.out, d.r};
  LoraOperands o;
  o.x = x, o.A = A, o.B = B, o.dy = dy, o.u = const_cast<bf16*>(u), o.dx = dx, o.dA = dA, o.dB = dB;
  o.scratch = scratch;
  run_plan(lora_backward_plan(pd, scale, drop_p > 0.f, dx != nullptr), pd, o, drop_p, drop_key, stream);
}

}  // namespace tf::cuda
