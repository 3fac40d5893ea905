// The GEMM dispatcher's cuBLASLt path (matmul.cu) on the emulated cuBLASLt (emu/cublaslt.h), which no machine of
// ours could run otherwise: the row-major → column-major call, the plans cached per shape and alignment, one
// workspace per stream, capture into CUDA graphs, and what each kind of cuBLASLt failure leads to (the shape on
// WMMA, the device on WMMA, or an error). Then the CUDA model trains and decodes with every GEMM on it.
// The program sets its own machine (below): the emulated cuBLASLt on, four devices (sm_90 ×3, sm_80), so a test that
// sets cuBLASLt aside on one device leaves the others as they were. ctest runs it once more with
// TF_CUDA_GEMM=cublaslt for the failure tests, whose outcome that choice changes.
#include <cuda_runtime.h>  // the emulator's: tf_emu::launch_count, tf_emu::set_stream_order

#include <atomic>
#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "../../api.h"  // tf::cuda::matmul_*
#include "backend/cuda_entry.h"
#include "common/rng.h"
#include "emu/cublaslt.h"
#include "emulated_session.h"
#include "kernels/gemm.h"
#include "model/llama.h"

using namespace tf_emu_test;
using tf::cuda::GemmBackendChoice;
using bf16 = __nv_bfloat16;

namespace {

// Before any CUDA call (the emulator reads these at each call; the emulated library reads its switch once).
[[maybe_unused]] const bool kMachine = [] {
  setenv("TF_CUDA_EMU_CUBLASLT", "1", 1);
  setenv("TF_CUDA_EMU_SM", "90,90,90,80", 1);
  return true;
}();

constexpr int kArchMismatch = 8, kNotInitialized = 1, kInvalidValue = 7, kExecutionFailed = 13, kNotSupported = 15;

bool cublaslt_required() { return tf_emu::cublaslt::backend_choice() == GemmBackendChoice::Cublaslt; }

uint64_t wmma_launches() {
  return tf_emu::launch_count("gemm_bf16_kernel<OutT>");
}

struct OnDevice {
  explicit OnDevice(int device) { REQUIRE(cudaSetDevice(device) == cudaSuccess); }
  ~OnDevice() { cudaSetDevice(0); }
};

// A row-major GEMM's operands on the host (values already bf16-exact) and on the device, with its CPU reference.
struct Gemm {
  bool ta = false, tb = false;
  int64_t M, N, K, lda, ldb, ldc;
  int64_t offset = 0;  // elements A starts after the allocation's start (an odd offset: a 2-byte-aligned view)
  float alpha = 1.f, beta = 0.f;
  std::vector<float> A, B, C0;
  bf16 *dA = nullptr, *dB = nullptr;
  void* dC = nullptr;
  bool f32_out = false;

  Gemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, int64_t pad, uint64_t seed)
      : ta(trans_a), tb(trans_b), M(m), N(n), K(k) {
    lda = (ta ? M : K) + pad, ldb = (tb ? K : N) + pad, ldc = N + pad;
    tf::Rng rng(seed);
    auto fill = [&](std::vector<float>& v, size_t n_) {
      v.resize(n_);
      for (float& x : v) x = __bfloat162float(__float2bfloat16(rng.uniform(-1.f, 1.f)));
    };
    fill(A, size_t((ta ? K : M) * lda));
    fill(B, size_t((tb ? N : K) * ldb));
    fill(C0, size_t(M * ldc));
  }
  ~Gemm() { cudaFree(dA - offset), cudaFree(dB), cudaFree(dC); }

  void upload(bool f32) {
    f32_out = f32;
    auto put = [](const std::vector<float>& h, bf16** d, int64_t off) {
      std::vector<bf16> b(h.size() + size_t(off));
      for (size_t i = 0; i < h.size(); ++i) b[i + size_t(off)] = __float2bfloat16(h[i]);
      REQUIRE(cudaMalloc(d, b.size() * sizeof(bf16)) == cudaSuccess);
      REQUIRE(cudaMemcpy(*d, b.data(), b.size() * sizeof(bf16), cudaMemcpyHostToDevice) == cudaSuccess);
      *d += off;
    };
    put(A, &dA, offset);
    put(B, &dB, 0);
    const size_t bytes = C0.size() * (f32 ? 4 : 2);
    REQUIRE(cudaMalloc(&dC, bytes) == cudaSuccess);
    if (f32) {
      REQUIRE(cudaMemcpy(dC, C0.data(), bytes, cudaMemcpyHostToDevice) == cudaSuccess);
    } else {
      std::vector<bf16> c(C0.size());
      for (size_t i = 0; i < c.size(); ++i) c[i] = __float2bfloat16(C0[i]);
      REQUIRE(cudaMemcpy(dC, c.data(), bytes, cudaMemcpyHostToDevice) == cudaSuccess);
    }
  }

  void run(cudaStream_t s = nullptr) {
    if (f32_out)
      tf::cuda::matmul_bf16_f32out(ta, tb, M, N, K, alpha, dA, lda, dB, ldb, beta, static_cast<float*>(dC), ldc, s);
    else
      tf::cuda::matmul_bf16(ta, tb, M, N, K, alpha, dA, lda, dB, ldb, beta, static_cast<bf16*>(dC), ldc, s);
  }

  std::vector<float> result(cudaStream_t s = nullptr) {
    REQUIRE(cudaStreamSynchronize(s) == cudaSuccess);
    std::vector<float> out(C0.size());
    if (f32_out) {
      REQUIRE(cudaMemcpy(out.data(), dC, out.size() * 4, cudaMemcpyDeviceToHost) == cudaSuccess);
    } else {
      std::vector<bf16> c(C0.size());
      REQUIRE(cudaMemcpy(c.data(), dC, c.size() * 2, cudaMemcpyDeviceToHost) == cudaSuccess);
      for (size_t i = 0; i < c.size(); ++i) out[i] = __bfloat162float(c[i]);
    }
    return out;
  }

  // The valid M×N part of C (ldc's padding is not the GEMM's) after C = alpha op(A) op(B) + beta C0, in double.
  std::vector<float> expected() const {
    std::vector<float> c = C0;
    tf::kernels::GemmArgs g;
    g.trans_a = ta, g.trans_b = tb, g.M = M, g.N = N, g.K = K;
    g.A = A.data(), g.lda = lda, g.B = B.data(), g.ldb = ldb, g.C = c.data(), g.ldc = ldc;
    g.alpha = alpha, g.beta = beta;
    tf::kernels::sgemm_reference(g);
    return c;
  }

  // Largest error over the M×N part, relative to the largest expected magnitude there.
  double error(const std::vector<float>& got) const {
    const std::vector<float> want = expected();
    double worst = 0, scale = 1e-6;
    for (int64_t i = 0; i < M; ++i)
      for (int64_t j = 0; j < N; ++j) {
        const size_t e = size_t(i * ldc + j);
        worst = std::max(worst, std::fabs(double(got[e]) - want[e]));
        scale = std::max(scale, std::fabs(double(want[e])));
      }
    return worst / scale;
  }
};

// bf16 output rounds to 8 bits of mantissa; fp32 output is summed in fp32 in another order than the reference.
double tolerance(bool f32_out) { return f32_out ? 1e-5 : 8e-3; }

std::string thrown(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}

TEST(the_emulated_cublaslt_is_the_library_matmul_uses) {
  const tf::cuda::lt::Library& lib = tf_emu::cublaslt::library();
  REQUIRE(lib.loaded());  // kMachine's TF_CUDA_EMU_CUBLASLT=1: without it this program would test nothing
  CHECK_EQ(tf::cuda::matmul_library_description(), std::string("cublaslt 13.0.0 (the CUDA emulator's cuBLASLt)"));
  CHECK_EQ(std::string(tf::cuda::matmul_backend_description()), std::string("cublaslt 13.0.0 (the CUDA emulator's cuBLASLt)"));
}

// Every transpose, padded leading dimensions, bf16 and fp32 output, beta 0 (C holds NaN, never read) and beta 1,
// K below and above the split-K threshold, and an A that starts 2 bytes into its allocation: all on cuBLASLt, none
// on the WMMA kernels, each equal to the CPU's double-precision GEMM within bf16 rounding.
TEST(gemms_run_on_cublaslt_and_match_the_cpu) {
  struct Shape {
    int64_t M, N, K, pad;
  };
  const Shape shapes[] = {{5, 7, 3, 0}, {16, 24, 40, 3}, {33, 17, 64, 1}, {1, 48, 96, 0}};
  const tf_emu::cublaslt::Counts before = tf_emu::cublaslt::counts(0);
  const uint64_t wmma_before = wmma_launches();
  int calls = 0;
  uint64_t seed = 1;
  for (const Shape& s : shapes)
    for (int ta = 0; ta < 2; ++ta)
      for (int tb = 0; tb < 2; ++tb)
        for (int f32 = 0; f32 < 2; ++f32)
          for (float beta : {0.f, 1.f}) {
            Gemm g(ta, tb, s.M, s.N, s.K, s.pad, seed++);
            g.alpha = 0.5f, g.beta = beta;
            g.offset = seed % 3 == 0 ? 1 : 0;
            g.upload(f32);
            if (beta == 0.f) REQUIRE(cudaMemset(g.dC, 0xFF, g.C0.size() * (f32 ? 4 : 2)) == cudaSuccess);  // NaN
            g.run();
            ++calls;
            const double err = g.error(g.result());
            if (!(err <= tolerance(f32)))
              std::fprintf(stderr, "  %s%s %lldx%lldx%lld pad %lld %s beta %g offset %lld: error %g\n", ta ? "T" : "N",
                           tb ? "T" : "N", (long long)s.M, (long long)s.N, (long long)s.K, (long long)s.pad,
                           f32 ? "fp32" : "bf16", beta, (long long)g.offset, err);
            CHECK(err <= tolerance(f32));
          }
  const tf_emu::cublaslt::Counts after = tf_emu::cublaslt::counts(0);
  CHECK_EQ(after.matmuls - before.matmuls, uint64_t(calls));
  CHECK(after.split_k > before.split_k);  // K >= 32 with room in the workspace
  CHECK(after.split_k - before.split_k < uint64_t(calls));  // and K = 3 ran unsplit
  CHECK_EQ(wmma_launches(), wmma_before);
}

// One plan per shape and alignment: the heuristic runs once for repeated calls of one shape; a view at another
// alignment is another plan. K = 0 (C = beta C, which cuBLASLt rejects) stays on the WMMA kernel.
TEST(plans_are_kept_per_shape_and_k_zero_runs_on_wmma) {
  Gemm g(false, true, 24, 16, 48, 0, 7);
  g.upload(false);
  const uint64_t h0 = tf_emu::cublaslt::counts(0).heuristics;
  for (int i = 0; i < 3; ++i) g.run();
  CHECK(g.error(g.result()) <= tolerance(false));
  CHECK_EQ(tf_emu::cublaslt::counts(0).heuristics - h0, uint64_t(1));

  Gemm odd(false, true, 24, 16, 48, 0, 7);
  odd.offset = 1;
  odd.upload(false);
  odd.run();
  CHECK(odd.error(odd.result()) <= tolerance(false));
  CHECK_EQ(tf_emu::cublaslt::counts(0).heuristics - h0, uint64_t(2));

  Gemm empty(false, false, 8, 8, 0, 1, 9);
  empty.beta = 0.5f;
  empty.upload(true);
  const uint64_t wmma_before = wmma_launches(), lt_before = tf_emu::cublaslt::counts(0).matmuls;
  empty.run();
  CHECK(empty.error(empty.result()) <= tolerance(true));
  CHECK_EQ(wmma_launches() - wmma_before, uint64_t(1));
  CHECK_EQ(tf_emu::cublaslt::counts(0).matmuls, lt_before);
}

// Two streams running GEMMs at once each get a workspace of their own: split-K writes its halves there, so a shared
// one would mix the two products. Both drain orders; then the streams' workspaces are released.
TEST(each_stream_gets_its_own_workspace) {
  for (const char* order : {"lag", "lead"}) {
    tf_emu::set_stream_order(order);
    cudaStream_t s1 = nullptr, s2 = nullptr;
    REQUIRE(cudaStreamCreateWithFlags(&s1, cudaStreamNonBlocking) == cudaSuccess);
    REQUIRE(cudaStreamCreateWithFlags(&s2, cudaStreamNonBlocking) == cudaSuccess);
    Gemm a(false, true, 32, 32, 64, 0, 21), b(false, true, 32, 32, 64, 0, 22);
    a.upload(false), b.upload(false);
    a.run(s1), b.run(s2);
    CHECK(a.error(a.result(s1)) <= tolerance(false));
    CHECK(b.error(b.result(s2)) <= tolerance(false));
    const void* w1 = tf_emu::cublaslt::last_split_k_workspace(s1);
    CHECK(w1 != nullptr);
    CHECK(w1 != tf_emu::cublaslt::last_split_k_workspace(s2));
    tf::cuda::matmul_release_stream(s1), tf::cuda::matmul_release_stream(s2);
    cudaStreamDestroy(s1), cudaStreamDestroy(s2);
  }
  tf_emu::set_stream_order(nullptr);
}

// A GEMM captured into a CUDA graph replays cuBLASLt's kernels on the inputs of the moment (alpha and beta were
// read at capture, as the host pointer mode promises). The stream's workspace and the shape's plan exist from an
// eager call first: allocating either while capturing would break the capture (decode_graphs.h).
TEST(a_captured_gemm_replays_on_new_inputs) {
  cudaStream_t s = nullptr;
  REQUIRE(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking) == cudaSuccess);
  Gemm g(true, false, 16, 32, 40, 2, 31);
  g.upload(true);
  g.run(s);
  CHECK(g.error(g.result(s)) <= tolerance(true));
  const uint64_t lt_before = tf_emu::cublaslt::counts(0).matmuls;
  REQUIRE(cudaStreamBeginCapture(s, cudaStreamCaptureModeThreadLocal) == cudaSuccess);
  g.run(s);
  cudaGraph_t graph = nullptr;
  REQUIRE(cudaStreamEndCapture(s, &graph) == cudaSuccess);
  cudaGraphExec_t exec = nullptr;
  REQUIRE(cudaGraphInstantiate(&exec, graph) == cudaSuccess);
  // New A, then replay: C = op(A') op(B) (beta 0).
  for (float& x : g.A) x = __bfloat162float(__float2bfloat16(-0.5f * x + 0.25f));
  std::vector<bf16> a(g.A.size());
  for (size_t i = 0; i < a.size(); ++i) a[i] = __float2bfloat16(g.A[i]);
  REQUIRE(cudaMemcpy(g.dA, a.data(), a.size() * 2, cudaMemcpyHostToDevice) == cudaSuccess);
  REQUIRE(cudaGraphLaunch(exec, s) == cudaSuccess);
  CHECK(g.error(g.result(s)) <= tolerance(true));
  CHECK_EQ(tf_emu::cublaslt::counts(0).matmuls - lt_before, uint64_t(1));  // the capture's call; the replay calls nothing
  cudaGraphExecDestroy(exec), cudaGraphDestroy(graph);
  tf::cuda::matmul_release_stream(s);
  cudaStreamDestroy(s);
}

// No algorithm for a shape, or NOT_SUPPORTED from cublasLtMatmul: that shape runs on WMMA from then on (right
// answers, no second try), other shapes stay on cuBLASLt. The same under TF_CUDA_GEMM=cublaslt: the library serves.
TEST(failures_shape_without_an_algorithm_or_not_supported_runs_on_wmma) {
  Gemm none(false, true, 8, 16, 24, 0, 41);
  none.upload(false);
  tf_emu::cublaslt::fail_next("MatmulAlgoGetHeuristic", tf_emu::cublaslt::kNoAlgorithm, 0);
  uint64_t lt = tf_emu::cublaslt::counts(0).matmuls, wmma = wmma_launches();
  none.run(), none.run();
  CHECK(none.error(none.result()) <= tolerance(false));
  CHECK_EQ(tf_emu::cublaslt::counts(0).matmuls, lt);
  CHECK_EQ(wmma_launches() - wmma, uint64_t(2));

  Gemm refused(true, true, 8, 16, 40, 1, 42);
  refused.upload(true);
  tf_emu::cublaslt::fail_next("Matmul", kNotSupported, 0);
  wmma = wmma_launches();
  refused.run();
  refused.run();
  CHECK(refused.error(refused.result()) <= tolerance(true));
  CHECK_EQ(wmma_launches() - wmma, uint64_t(2));

  Gemm other(false, false, 8, 16, 40, 0, 43);
  other.upload(true);
  lt = tf_emu::cublaslt::counts(0).matmuls;
  other.run();
  CHECK(other.error(other.result()) <= tolerance(true));
  CHECK_EQ(tf_emu::cublaslt::counts(0).matmuls - lt, uint64_t(1));
}

// ARCH_MISMATCH (a library too old for the GPU) or NOT_INITIALIZED from cublasLtCreate: under auto, cuBLASLt is set
// aside on that device only (its GEMMs, this one included, run on WMMA, and the description says why); under
// TF_CUDA_GEMM=cublaslt the GEMM fails, naming the call, the status and the way out.
TEST(failures_a_library_that_cannot_serve_a_device) {
  {
    OnDevice on(1);
    Gemm g(false, true, 16, 16, 48, 0, 51);
    g.upload(false);
    tf_emu::cublaslt::fail_next("Matmul", kArchMismatch, 1);
    const std::string error = thrown([&] { g.run(); });
    if (cublaslt_required()) {
      CHECK(error.find("cuBLASLt Matmul failed with CUBLAS_STATUS_ARCH_MISMATCH for GEMM NT 16x16x48 bf16 out; "
                       "set TF_CUDA_GEMM=wmma") != std::string::npos);
    } else {
      CHECK_EQ(error, std::string());
      CHECK(g.error(g.result()) <= tolerance(false));
      const uint64_t lt = tf_emu::cublaslt::counts(1).matmuls, wmma = wmma_launches();
      Gemm next(false, false, 8, 24, 40, 0, 52);
      next.upload(true);
      next.run();
      CHECK(next.error(next.result()) <= tolerance(true));
      CHECK_EQ(tf_emu::cublaslt::counts(1).matmuls, lt);
      CHECK_EQ(wmma_launches() - wmma, uint64_t(1));
      CHECK_EQ(std::string(tf::cuda::matmul_backend_description()),
               std::string("wmma (cuBLASLt Matmul failed with CUBLAS_STATUS_ARCH_MISMATCH for GEMM NT 16x16x48 bf16 "
                           "out; every GEMM on device 1 runs on the WMMA kernels)"));
    }
  }
  {
    OnDevice on(2);
    Gemm g(false, true, 16, 16, 48, 0, 53);
    g.upload(false);
    tf_emu::cublaslt::fail_next("Create", kNotInitialized, 2);
    const std::string error = thrown([&] { g.run(); });
    if (cublaslt_required()) {
      CHECK(error.find("TF_CUDA_GEMM=cublaslt, but cublasLtCreate on device 2: CUBLAS_STATUS_NOT_INITIALIZED") !=
            std::string::npos);
    } else {
      CHECK_EQ(error, std::string());
      CHECK(g.error(g.result()) <= tolerance(false));
      CHECK_EQ(tf_emu::cublaslt::counts(2).matmuls, uint64_t(0));
      CHECK_EQ(std::string(tf::cuda::matmul_backend_description()),
               std::string("wmma (cublasLtCreate on device 2: CUBLAS_STATUS_NOT_INITIALIZED)"));
    }
  }
  // Device 0 still runs on cuBLASLt.
  Gemm g(false, true, 16, 16, 48, 0, 54);
  g.upload(false);
  const uint64_t lt = tf_emu::cublaslt::counts(0).matmuls;
  g.run();
  CHECK(g.error(g.result()) <= tolerance(false));
  CHECK_EQ(tf_emu::cublaslt::counts(0).matmuls - lt, uint64_t(1));
}

// Any other failure (an execution failure, an invalid value: transient, or our bug) is an error under either
// choice, naming the call and the GEMM, and sets nothing aside: the next GEMM of the shape runs on cuBLASLt.
TEST(failures_anything_else_is_an_error_and_sets_nothing_aside) {
  Gemm g(true, false, 16, 8, 40, 0, 61);
  g.upload(false);
  tf_emu::cublaslt::fail_next("Matmul", kExecutionFailed, 0);
  CHECK(thrown([&] { g.run(); }).find("cuBLASLt Matmul failed with CUBLAS_STATUS_EXECUTION_FAILED for GEMM TN 16x8x40 "
                                      "bf16 out; set TF_CUDA_GEMM=wmma to use the built-in kernels instead") !=
        std::string::npos);
  const uint64_t lt = tf_emu::cublaslt::counts(0).matmuls;
  g.run();
  CHECK(g.error(g.result()) <= tolerance(false));
  CHECK_EQ(tf_emu::cublaslt::counts(0).matmuls - lt, uint64_t(1));

  Gemm h(false, false, 12, 8, 40, 0, 62);
  h.upload(true);
  tf_emu::cublaslt::fail_next("MatmulAlgoGetHeuristic", kInvalidValue, 0);
  CHECK(thrown([&] { h.run(); }).find("cuBLASLt MatmulAlgoGetHeuristic failed with CUBLAS_STATUS_INVALID_VALUE for "
                                      "GEMM NN 12x8x40 fp32 out") != std::string::npos);
  h.run();  // the half-built plan was dropped: this call plans again and runs on cuBLASLt
  CHECK(h.error(h.result()) <= tolerance(true));
  CHECK_EQ(tf_emu::cublaslt::counts(0).matmuls - lt, uint64_t(2));
}

// While a stream captures (a decode graph's), even a failure that would set cuBLASLt aside is thrown: the caller
// then runs the step eagerly, and the device keeps cuBLASLt.
TEST(failures_while_capturing_throw_and_keep_cublaslt) {
  OnDevice on(3);
  cudaStream_t s = nullptr;
  REQUIRE(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking) == cudaSuccess);
  Gemm g(false, true, 16, 16, 48, 0, 71);
  g.upload(false);
  g.run(s);  // the stream's workspace and the shape's plan, before the capture
  CHECK(g.error(g.result(s)) <= tolerance(false));
  REQUIRE(cudaStreamBeginCapture(s, cudaStreamCaptureModeThreadLocal) == cudaSuccess);
  tf_emu::cublaslt::fail_next("Matmul", kArchMismatch, 3);
  CHECK(thrown([&] { g.run(s); }).find("CUBLAS_STATUS_ARCH_MISMATCH") != std::string::npos);
  cudaGraph_t graph = nullptr;
  cudaStreamEndCapture(s, &graph);
  if (graph) cudaGraphDestroy(graph);
  const uint64_t lt = tf_emu::cublaslt::counts(3).matmuls;
  g.run(s);
  CHECK(g.error(g.result(s)) <= tolerance(false));
  CHECK_EQ(tf_emu::cublaslt::counts(3).matmuls - lt, uint64_t(1));
  tf::cuda::matmul_release_stream(s);
  cudaStreamDestroy(s);
}

// The CUDA model with every GEMM on cuBLASLt: training follows the CPU backend's loss curve, and the memory the
// steps report covers what the device held, cuBLASLt's workspace included.
TEST(model_trains_along_the_cpu_curve_with_every_gemm_on_cublaslt) {
  tf_test::TempDir dir("tf-emu-lt"), cpu_dir("tf-emu-lt-cpu");
  tf_test::write_tiny_model(dir.path(), tf_test::TinySpec{});
  tf_test::write_tiny_model(cpu_dir.path(), tf_test::TinySpec{});
  // What the device held before the session (earlier tests' workspaces): not the session's.
  tf_emu::device_bytes_peak(true);
  const size_t before_session = tf_emu::device_bytes_peak();
  auto gpu = open(dir, "cuda"), cpu = open(cpu_dir, "cpu");
  TrainOptions o = short_run("");
  o.epochs = 1;
  std::atomic<bool> cancel{false};
  const auto data = tf_test::task_examples(32, 1);
  auto train = [&](Session& s, const std::string& out) {
    std::vector<StepReport> reports;
    o.out_dir = out;
    s.train(data, {}, o, [&](const StepReport& r) { reports.push_back(r); }, cancel);
    return reports;
  };
  const uint64_t lt = tf_emu::cublaslt::counts(0).matmuls, wmma = wmma_launches();
  tf_emu::device_bytes_peak(true);
  const auto g = train(*gpu, dir.path() + "/out");
  const size_t allocated_peak = tf_emu::device_bytes_peak() - before_session;
  const auto c = train(*cpu, cpu_dir.path() + "/out");
  CHECK(tf_emu::cublaslt::counts(0).matmuls > lt);
  CHECK_EQ(wmma_launches(), wmma);
  REQUIRE(g.size() == 4);
  REQUIRE(c.size() == g.size());
  for (size_t i = 0; i < g.size(); ++i) CHECK(std::fabs(g[i].loss - c[i].loss) <= kCurveRel * c[i].loss);
  int64_t reported = 0;
  for (const StepReport& r : g) reported = std::max(reported, r.memory_bytes);
  std::printf("  device memory: reported peak %lld B, allocated peak %zu B\n", (long long)reported, allocated_peak);
  CHECK(reported >= int64_t(allocated_peak) * 98 / 100);
  CHECK(reported <= int64_t(allocated_peak) * 110 / 100);
  CHECK(g.front().memory_report.find("  cuBLASLt workspace: 32.00 MiB\n") != std::string::npos);
}

// Decode steps captured as CUDA graphs with their GEMMs on cuBLASLt give the eager steps' logits, bit for bit.
TEST(model_decode_graphs_capture_cublaslt_gemms) {
  tf_test::TempDir dir("tf-emu-lt-graphs");
  tf_test::write_tiny_model(dir.path(), tf_test::TinySpec{});
  tf::ThreadPool pool(1);
  auto host = tf::LlamaModel::load(dir.path(), tf::Quant::None, true, pool);
  const int64_t V = host->config().vocab_size;
  auto run = [&](bool graphs) {
    ScopedEnv env("TF_CUDA_GRAPHS", graphs ? "1" : "0");
    auto gpu = tf::backend::make_cuda_model(*host, 0);
    tf::Decoder& dec = *gpu->decoder();
    auto a = dec.new_decode_cache(32), b = dec.new_decode_cache(32);
    std::vector<float> last(size_t(V), 0.f), logits(size_t(2 * V)), all;
    const std::vector<int32_t> pa = {3, 9, 4, 17}, pb = {5, 5, 21};
    dec.decode(*a, pa.data(), int(pa.size()), last.data());
    dec.decode(*b, pb.data(), int(pb.size()), last.data());
    tf::DecodeCache* caches[2] = {a.get(), b.get()};
    int32_t next[2] = {7, 11};
    for (int step = 0; step < 5; ++step) {
      dec.decode_step(caches, next, 2, logits.data());
      all.insert(all.end(), logits.begin(), logits.end());
      for (int i = 0; i < 2; ++i)
        next[i] = int32_t(std::max_element(logits.begin() + i * V, logits.begin() + (i + 1) * V) - (logits.begin() + i * V));
    }
    return all;
  };
  const uint64_t lt = tf_emu::cublaslt::counts(0).matmuls, wmma = wmma_launches();
  const uint64_t decode_launches = tf_emu::launch_count("attention_decode_step_kernel");
  const std::vector<float> with_graphs = run(true);
  const uint64_t graph_steps = tf_emu::launch_count("attention_decode_step_kernel") - decode_launches;
  const std::vector<float> eager = run(false);
  CHECK(with_graphs == eager);
  CHECK(tf_emu::cublaslt::counts(0).matmuls > lt);
  CHECK_EQ(wmma_launches(), wmma);
  // Eager, captured, then three replays that launch nothing from the host: 2 of the 5 steps' launches per layer.
  CHECK_EQ(graph_steps, uint64_t(2 * host->config().num_hidden_layers));
}

}  // namespace
