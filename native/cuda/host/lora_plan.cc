#include "host/lora_plan.h"

#include <string>

#include "common/error.h"

namespace tf::cuda {

namespace {

LoraStep gemm(bool ta, bool tb, int64_t M, int64_t N, int64_t K, float alpha, LoraBuf a, int64_t lda, LoraBuf b,
              int64_t ldb, float beta, LoraBuf c, int64_t ldc) {
  LoraStep s;
  s.kind = LoraStepKind::Gemm;
  s.ta = ta, s.tb = tb, s.M = M, s.N = N, s.K = K, s.alpha = alpha, s.beta = beta;
  s.a = a, s.lda = lda, s.b = b, s.ldb = ldb, s.c = c, s.ldc = ldc;
  return s;
}

LoraStep step(LoraStepKind k) {
  LoraStep s;
  s.kind = k;
  return s;
}

}  // namespace

std::vector<LoraStep> lora_forward_plan(const LoraPlanDims& d, float scale, bool dropout, bool to_y) {
  std::vector<LoraStep> p;
  const LoraBuf xin = dropout ? LoraBuf::XDrop : LoraBuf::X;
  if (dropout) p.push_back(step(LoraStepKind::Dropout));
  p.push_back(gemm(false, true, d.N, d.r, d.in, 1.f, xin, d.in, LoraBuf::A, d.in, 0.f, LoraBuf::U, d.r));  // u = x Aᵀ
  if (!to_y) return p;
  p.push_back(gemm(false, true, d.N, d.out, d.r, scale, LoraBuf::U, d.r, LoraBuf::B, d.r, 1.f, LoraBuf::Y, d.out));
  return p;
}

std::vector<LoraStep> lora_backward_plan(const LoraPlanDims& d, float scale, bool dropout, bool has_dx) {
  std::vector<LoraStep> p;
  // du = s dy B
  p.push_back(gemm(false, false, d.N, d.r, d.out, scale, LoraBuf::Dy, d.out, LoraBuf::B, d.r, 0.f, LoraBuf::Du, d.r));
  // dB += s dyᵀ u
  p.push_back(gemm(true, false, d.out, d.r, d.N, scale, LoraBuf::Dy, d.out, LoraBuf::U, d.r, 1.f, LoraBuf::DB, d.r));
  const LoraBuf xin = dropout ? LoraBuf::XDrop : LoraBuf::X;
  if (dropout) p.push_back(step(LoraStepKind::Dropout));
  // dA += duᵀ dropout(x)
  p.push_back(gemm(true, false, d.r, d.in, d.N, 1.f, LoraBuf::Du, d.r, xin, d.in, 1.f, LoraBuf::DA, d.in));
  if (!has_dx) return p;
  if (dropout) {
    // T reuses XDrop's scratch: the dA GEMM before it on the same stream has consumed XDrop.
    p.push_back(gemm(false, false, d.N, d.in, d.r, 1.f, LoraBuf::Du, d.r, LoraBuf::A, d.in, 0.f, LoraBuf::T, d.in));
    p.push_back(step(LoraStepKind::DropoutAdd));
  } else {
    p.push_back(gemm(false, false, d.N, d.in, d.r, 1.f, LoraBuf::Du, d.r, LoraBuf::A, d.in, 1.f, LoraBuf::Dx, d.in));
  }
  return p;
}

int64_t lora_scratch_offset(LoraBuf b, const LoraPlanDims& d) {
  switch (b) {
    case LoraBuf::XDrop:
    case LoraBuf::T: return 0;
    case LoraBuf::Du: return d.N * d.in;
    default: throw Error("lora_scratch_offset: operand " + std::to_string(int(b)) + " does not live in the scratch");
  }
}

Tolerance lora_chain_tolerance(int roundings, int64_t k, double max_scale, bool fp32_out) {
  Tolerance t;
  t.rtol = roundings * kBf16Ulp + 4.0 * double(k) * kFp32Eps + (fp32_out ? 4 * kFp32Eps : 0.0);
  t.atol = t.rtol * 1e-3 * max_scale;
  return t;
}

}  // namespace tf::cuda
