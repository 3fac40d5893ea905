// bf16 tensor-core GEMM against the CPU's double-precision sgemm_reference on the same bf16 inputs, for every
// transpose the Llama forward/backward and LoRA use, ragged edges, beta != 0, and the fp32-output variant.
#include "../api.h"
#include "check_util.h"
#include "kernels/gemm.h"

namespace tf::cuda::check {

namespace {

struct GemmCase {
  bool ta, tb;
  int64_t M, N, K;
  float alpha, beta;
  bool f32_out;
  const char* what;
};

Row run_case(const GemmCase& c, uint64_t seed) {
  const int64_t lda = c.ta ? c.M : c.K, ldb = c.tb ? c.K : c.N, ldc = c.N;
  auto A = randn_bf16(static_cast<size_t>(c.M * c.K), seed), B = randn_bf16(static_cast<size_t>(c.K * c.N), seed + 1),
       C0 = randn_bf16(static_cast<size_t>(c.M * c.N), seed + 2);
  // Reference and its scale (the same product on |A|, |B|) in double.
  std::vector<float> ref = C0, absA(A.size()), absB(B.size()), scale_f(C0.size());
  for (size_t i = 0; i < A.size(); ++i) absA[i] = std::fabs(A[i]);
  for (size_t i = 0; i < B.size(); ++i) absB[i] = std::fabs(B[i]);
  for (size_t i = 0; i < C0.size(); ++i) scale_f[i] = std::fabs(c.beta) * std::fabs(C0[i]);
  kernels::GemmArgs g;
  g.trans_a = c.ta;
  g.trans_b = c.tb;
  g.M = c.M;
  g.N = c.N;
  g.K = c.K;
  g.lda = lda;
  g.ldb = ldb;
  g.ldc = ldc;
  g.A = A.data();
  g.B = B.data();
  g.C = ref.data();
  g.alpha = c.alpha;
  g.beta = c.beta;
  kernels::sgemm_reference(g);
  g.A = absA.data();
  g.B = absB.data();
  g.C = scale_f.data();
  g.alpha = std::fabs(c.alpha);
  g.beta = 1.f;
  kernels::sgemm_reference(g);

  DeviceBuf<uint16_t> dA(to_bf16(A)), dB(to_bf16(B));
  std::vector<float> got;
  double ms;
  if (c.f32_out) {
    DeviceBuf<float> dC(C0);
    ms = time_ms([&] {
      gemm_bf16_f32out(c.ta, c.tb, c.M, c.N, c.K, c.alpha, dA.bf(), lda, dB.bf(), ldb, c.beta, dC.p, ldc, nullptr);
    });
    got = dC.download();
  } else {
    DeviceBuf<uint16_t> dC(to_bf16(C0));
    ms = time_ms([&] {
      gemm_bf16(c.ta, c.tb, c.M, c.N, c.K, c.alpha, dA.bf(), lda, dB.bf(), ldb, c.beta, dC.bf(), ldc, nullptr);
    });
    got = from_bf16(dC.download());
  }
  const auto scale = to_double(scale_f);
  const std::string name = std::string("gemm ") + (c.ta ? "T" : "N") + (c.tb ? "T" : "N") + (c.f32_out ? " f32" : "") +
                           " " + c.what;
  const std::string shape = std::to_string(c.M) + "x" + std::to_string(c.N) + "x" + std::to_string(c.K);
  Row r = make_row(name, shape, got, to_double(ref), scale, gemm_tolerance(c.K, max_abs(scale), !c.f32_out), ms);
  if (r.pass && ms > 0 && !kEmulated) {  // an emulated rate says nothing about the kernel
    char buf[48];
    std::snprintf(buf, sizeof buf, "%.1f TFLOP/s (1st call)", 2.0 * c.M * c.N * c.K / (ms * 1e-3) / 1e12);
    r.note = buf;
  }
  return r;
}

}  // namespace

void run_gemm_checks(std::vector<Row>& rows) {
  // Sizes keep the single-threaded double reference (strided for the non-transposed B) to seconds.
  const GemmCase cases[] = {
      {false, true, 256, gpu_or_emu(2048, 384), gpu_or_emu(2048, 256), 1.f, 0.f, false, "y=xW^T"},
      {false, false, 256, gpu_or_emu(1024, 320), gpu_or_emu(1024, 192), 1.f, 0.f, false, "dx=dyW"},
      {true, false, gpu_or_emu(512, 256), gpu_or_emu(512, 256), gpu_or_emu(512, 160), 1.f, 0.f, false, "dW=dy^Tx"},
      {true, true, 256, 384, 320, 1.f, 0.f, false, "A^T B^T"},
      {false, true, 77, 130, 45, 0.5f, 0.5f, false, "ragged beta"},
      {false, true, 512, 16, gpu_or_emu(2048, 256), 1.f, 0.f, false, "lora x A^T"},
      {false, true, 512, gpu_or_emu(2048, 384), 16, 2.f, 1.f, false, "lora +s B"},
      {true, false, 16, gpu_or_emu(2048, 384), 512, 1.f, 1.f, true, "lora dB acc"},
      {true, false, 333, 97, 200, 1.f, 0.f, true, "ragged"},
  };
  uint64_t seed = 900;
  for (const GemmCase& c : cases) rows.push_back(run_case(c, seed += 10));
}

}  // namespace tf::cuda::check
