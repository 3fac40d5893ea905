// The GEMM every caller uses (api.h matmul_bf16 / matmul_bf16_f32out): cuBLASLt when libcublasLt could be loaded
// at run time, else the WMMA kernels of gemm.cu. Host code only (no kernels here); built by nvcc with the rest.
//
// Per device: one cuBLASLt handle, created lazily; per (device, stream): one workspace, because two streams
// running GEMMs at once must not share scratch (calls on one stream are serialized by the stream itself).
// Per shape (and pointer alignment): the matmul descriptor, the three layouts and the heuristic's algorithm,
// built once and kept for the process's life, like the handle (destroying them at static destruction would
// race the CUDA runtime's own teardown). A shape cuBLASLt does not support (no algorithm, or
// CUBLAS_STATUS_NOT_SUPPORTED) runs on WMMA, said once per shape on stderr; a library that cannot serve the device
// (ARCH_MISMATCH, NOT_INITIALIZED) is set aside on it under auto (every GEMM there runs on WMMA, said once); any
// other failure throws (host/gemm_map.h classify_lt_failure). The CUDA emulator's build calls its emulated cuBLASLt
// instead of the real one (emu/cublaslt.h), whose device memory a real library could not take.
#include <cstdio>
#include <mutex>
#include <string>
#include <unordered_map>

#include "api.h"
#include "common.cuh"
#include "cublaslt/loader.h"
#include "host/gemm_map.h"
#ifdef TF_CUDA_EMULATOR
#include "emu/cublaslt.h"
#endif
#include "host/launch_plan.h"

namespace tf::cuda {

namespace {

// The cuBLASLt every GEMM here goes to, and TF_CUDA_GEMM's choice: the library loaded at run time, or the emulator's.
const lt::Library& cublaslt() {
#ifdef TF_CUDA_EMULATOR
  return tf_emu::cublaslt::library();
#else
  return lt::library();
#endif
}

GemmBackendChoice gemm_choice() {
#ifdef TF_CUDA_EMULATOR
  return tf_emu::cublaslt::backend_choice();
#else
  return lt::backend_choice();
#endif
}

// A library that did not load is said once on stderr (the run is slower than it could be), except in the emulator,
// whose cuBLASLt is off by choice, not missing.
#ifdef TF_CUDA_EMULATOR
constexpr bool kSayLibraryMissing = false;
#else
constexpr bool kSayLibraryMissing = true;
#endif

struct Plan {
  bool supported = false;
  lt::MatmulDesc desc = nullptr;
  lt::MatrixLayout a = nullptr, b = nullptr, c = nullptr;
  lt::MatmulAlgo algo{};
};

struct DeviceState {
  bool tried = false;
  lt::Handle handle = nullptr;
  std::string create_error;  // why this device has no handle
  size_t workspace_bytes = 0;
  std::unordered_map<cudaStream_t, void*> workspaces;
  std::unordered_map<GemmShapeKey, Plan, GemmShapeKeyHash> plans;  // node-based: Plan* stay valid
};

std::mutex g_mu;
std::unordered_map<int, DeviceState> g_devices;
bool g_said_fallback = false;

// A cuBLASLt call that returned neither success nor NOT_SUPPORTED, on its way to fall_back_or_throw.
struct LtCallFailed {
  std::string call;
  lt::Status status;
};

[[noreturn]] void fail(const std::string& call, lt::Status s) { throw LtCallFailed{call, s}; }

void say_fallback(const std::string& why) {
  std::fprintf(stderr, "tuneforge: matmul uses the WMMA kernels: %s\n", why.c_str());
}

// Under g_mu, for a failure that is not the shape's alone: throws (classify_lt_failure) or, for a library that
// cannot serve the device under auto, sets cuBLASLt aside there (create_error routes its GEMMs to WMMA from now on)
// and says why, once.
void fall_back_or_throw(DeviceState& d, GemmBackendChoice choice, const LtCallFailed& f, const GemmShapeKey& key,
                        cudaStream_t stream) {
  if (!d.create_error.empty()) return;  // another stream's call set cuBLASLt aside meanwhile: said once
  const std::string what = "cuBLASLt " + f.call + " failed with " + cublas_status_name(f.status) + " for GEMM " +
                           describe_gemm(key);
  // Neither a capture (a decode graph's, whose caller then runs the step eagerly) nor a fault an earlier kernel
  // left behind is the library's doing: setting cuBLASLt aside for the process's life would slow every later job.
  cudaStreamCaptureStatus capture = cudaStreamCaptureStatusNone;
  const bool capturing = cudaStreamIsCapturing(stream, &capture) == cudaSuccess && capture != cudaStreamCaptureStatusNone;
  const cudaError_t earlier = cudaPeekAtLastError();
  if (capturing || earlier != cudaSuccess || classify_lt_failure(choice, f.status) == LtFailure::Throw)
    throw Error(what + (earlier != cudaSuccess ? std::string(" after a CUDA error (") + cudaGetErrorString(earlier) + ")" : "") +
                "; set TF_CUDA_GEMM=wmma to use the built-in kernels instead");
  d.create_error = what + "; every GEMM on device " + std::to_string(key.device) + " runs on the WMMA kernels";
  say_fallback(d.create_error);
  g_said_fallback = true;
}

// Under g_mu. Null handle (with create_error set) when cuBLASLt cannot run on this device.
DeviceState& device_state(const lt::Library& lib, int device) {
  DeviceState& d = g_devices[device];
  if (d.tried) return d;
  int major = 0;
  CUDA_CHECK(cudaDeviceGetAttribute(&major, cudaDevAttrComputeCapabilityMajor, device));
  d.tried = true;
  d.workspace_bytes = cublaslt_workspace_bytes(major);
  const lt::Status s = lib.create(&d.handle);
  if (s != kCublasStatusSuccess) {
    d.handle = nullptr;
    d.create_error = "cublasLtCreate on device " + std::to_string(device) + ": " + cublas_status_name(s);
  }
  return d;
}

void* workspace(DeviceState& d, cudaStream_t stream) {
  auto it = d.workspaces.find(stream);
  if (it != d.workspaces.end()) return it->second;
  void* p = nullptr;
  CUDA_CHECK(cudaMalloc(&p, d.workspace_bytes));
  d.workspaces.emplace(stream, p);
  return p;
}

// Builds the descriptors and asks the heuristic for one algorithm. Leaves supported = false when cuBLASLt has
// none for this shape; throws LtCallFailed on any other failure.
void build_plan(const lt::Library& lib, const DeviceState& d, const GemmShapeKey& key, Plan& p) {
  const LtGemmMap m = map_row_major_gemm(key.trans_a, key.trans_b, key.M, key.N, key.K, key.lda, key.ldb, key.ldc);
  lt::Status s = lib.desc_create(&p.desc, lt::kComputeType32F, lt::kCudaR32F);
  if (s != kCublasStatusSuccess) fail("MatmulDescCreate", s);
  const int32_t op_a = m.op_a_t ? lt::kOpT : lt::kOpN, op_b = m.op_b_t ? lt::kOpT : lt::kOpN;
  if ((s = lib.desc_set(p.desc, lt::kDescTransA, &op_a, sizeof op_a)) != kCublasStatusSuccess) fail("TRANSA", s);
  if ((s = lib.desc_set(p.desc, lt::kDescTransB, &op_b, sizeof op_b)) != kCublasStatusSuccess) fail("TRANSB", s);
  const int c_type = key.f32_out ? lt::kCudaR32F : lt::kCudaR16BF;
  if ((s = lib.layout_create(&p.a, lt::kCudaR16BF, m.a.rows, m.a.cols, m.a.ld)) != kCublasStatusSuccess)
    fail("MatrixLayoutCreate(A)", s);
  if ((s = lib.layout_create(&p.b, lt::kCudaR16BF, m.b.rows, m.b.cols, m.b.ld)) != kCublasStatusSuccess)
    fail("MatrixLayoutCreate(B)", s);
  if ((s = lib.layout_create(&p.c, c_type, m.c.rows, m.c.cols, m.c.ld)) != kCublasStatusSuccess)
    fail("MatrixLayoutCreate(C)", s);

  lt::MatmulPreference pref = nullptr;
  if ((s = lib.pref_create(&pref)) != kCublasStatusSuccess) fail("MatmulPreferenceCreate", s);
  const uint64_t ws = d.workspace_bytes;
  // cuBLASLt's "A" is our B and its "B" our A (gemm_map.h), so the alignments swap too; D is C.
  const uint32_t align[4] = {key.align_b, key.align_a, key.align_c, key.align_c};
  s = lib.pref_set(pref, lt::kPrefMaxWorkspaceBytes, &ws, sizeof ws);
  for (int i = 0; i < 4 && s == kCublasStatusSuccess; ++i)
    s = lib.pref_set(pref, lt::kPrefMinAlignmentA + i, &align[i], sizeof align[i]);
  lt::HeuristicResult result{};
  int returned = 0;
  if (s == kCublasStatusSuccess)
    s = lib.get_heuristic(d.handle, p.desc, p.a, p.b, p.c, p.c, pref, 1, &result, &returned);
  lib.pref_destroy(pref);
  // cublasLt.h (cublasLtMatmulHeuristicResult_t::state): "other fields are only valid if after call to
  // cublasLtMatmulAlgoGetHeuristic() this member is set to CUBLAS_STATUS_SUCCESS"; a result that is not is no algo.
  if (s == kCublasStatusNotSupported ||
      (s == kCublasStatusSuccess && (returned == 0 || result.state != kCublasStatusSuccess)))
    return;
  if (s != kCublasStatusSuccess) fail("MatmulAlgoGetHeuristic", s);
  p.algo = result.algo;
  p.supported = true;
}

// True when cuBLASLt ran the GEMM; false when the caller must run the WMMA kernel instead.
template <typename OutT>
bool try_cublaslt(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha, const bf16* A,
                  int64_t lda, const bf16* B, int64_t ldb, float beta, OutT* C, int64_t ldc, cudaStream_t stream) {
  const lt::Library& lib = cublaslt();
  const GemmBackendChoice choice = gemm_choice();
  if (route_gemm(choice, lib.why_not, K) == GemmRoute::Wmma) {
    if (kSayLibraryMissing && choice == GemmBackendChoice::Auto && !lib.loaded()) {
      std::lock_guard<std::mutex> lock(g_mu);
      if (!g_said_fallback) say_fallback(lib.why_not);
      g_said_fallback = true;
    }
    return false;
  }
  GemmShapeKey key;
  CUDA_CHECK(cudaGetDevice(&key.device));
  key.trans_a = trans_a, key.trans_b = trans_b, key.f32_out = sizeof(OutT) == 4;
  key.M = M, key.N = N, key.K = K, key.lda = lda, key.ldb = ldb, key.ldc = ldc;
  key.align_a = pointer_alignment(reinterpret_cast<uintptr_t>(A));
  key.align_b = pointer_alignment(reinterpret_cast<uintptr_t>(B));
  key.align_c = pointer_alignment(reinterpret_cast<uintptr_t>(C));

  Plan* plan = nullptr;
  void* ws = nullptr;
  lt::Handle handle = nullptr;
  size_t ws_bytes = 0;
  {
    std::lock_guard<std::mutex> lock(g_mu);
    DeviceState& d = device_state(lib, key.device);
    if (route_gemm(choice, d.create_error, K) == GemmRoute::Wmma) {
      if (!g_said_fallback) say_fallback(d.create_error);
      g_said_fallback = true;
      return false;
    }
    auto [it, inserted] = d.plans.try_emplace(key);
    if (inserted) {
      try {
        build_plan(lib, d, key, it->second);
      } catch (const LtCallFailed& f) {
        if (classify_lt_failure(choice, f.status) != LtFailure::ShapeOnWmma) {
          d.plans.erase(it);  // a half-built plan must not stand for the shape
          fall_back_or_throw(d, choice, f, key, stream);
          return false;
        }
        it->second.supported = false;  // NOT_SUPPORTED from a descriptor call: as if the heuristic had none
      }
      if (!it->second.supported)
        say_fallback("cuBLASLt has no algorithm for GEMM " + describe_gemm(key) + " (said once per shape)");
    }
    plan = &it->second;
    if (!plan->supported) return false;
    ws = workspace(d, stream);
    handle = d.handle;
    ws_bytes = d.workspace_bytes;
  }
  const lt::Status s = lib.matmul(handle, plan->desc, &alpha, B, plan->a, A, plan->b, &beta, C, plan->c, C, plan->c,
                                  &plan->algo, ws, ws_bytes, reinterpret_cast<void*>(stream));
  if (s == kCublasStatusNotSupported) {
    std::lock_guard<std::mutex> lock(g_mu);
    if (plan->supported)
      say_fallback("cublasLtMatmul returned CUBLAS_STATUS_NOT_SUPPORTED for GEMM " + describe_gemm(key) +
                   " (said once per shape)");
    plan->supported = false;
    return false;
  }
  if (s != kCublasStatusSuccess) {
    std::lock_guard<std::mutex> lock(g_mu);
    fall_back_or_throw(g_devices[key.device], choice, LtCallFailed{"Matmul", s}, key, stream);
    return false;  // the caller runs this GEMM on WMMA: a library that cannot serve the device launched nothing
  }
  return true;
}

}  // namespace

void matmul_bf16(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha, const bf16* A,
                 int64_t lda, const bf16* B, int64_t ldb, float beta, bf16* C, int64_t ldc, cudaStream_t stream) {
  gemm_validate(trans_a, trans_b, M, N, K, lda, ldb, ldc);
  if (M == 0 || N == 0) return;
  if (!try_cublaslt(trans_a, trans_b, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc, stream))
    gemm_bf16(trans_a, trans_b, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc, stream);
}

void matmul_bf16_f32out(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha, const bf16* A,
                        int64_t lda, const bf16* B, int64_t ldb, float beta, float* C, int64_t ldc,
                        cudaStream_t stream) {
  gemm_validate(trans_a, trans_b, M, N, K, lda, ldb, ldc);
  if (M == 0 || N == 0) return;
  if (!try_cublaslt(trans_a, trans_b, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc, stream))
    gemm_bf16_f32out(trans_a, trans_b, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc, stream);
}

void matmul_release_stream(cudaStream_t stream) {
  std::lock_guard<std::mutex> lock(g_mu);
  for (auto& [device, d] : g_devices) {
    auto it = d.workspaces.find(stream);
    if (it == d.workspaces.end()) continue;
    // The caller has synchronized the stream; cudaFree also waits for the device, so no GEMM still uses it.
    cudaFree(it->second);
    d.workspaces.erase(it);
  }
}

size_t matmul_workspace_bytes(cudaStream_t stream) {
  std::lock_guard<std::mutex> lock(g_mu);
  size_t bytes = 0;
  for (const auto& [device, d] : g_devices)
    if (d.workspaces.count(stream)) bytes += d.workspace_bytes;
  return bytes;
}

std::string matmul_library_description() {
  try {
    const lt::Library& lib = cublaslt();
    // TF_CUDA_GEMM=cublaslt without the library: every GEMM would throw (route_gemm), not fall back.
    if (!lib.loaded() && gemm_choice() == GemmBackendChoice::Cublaslt)
      return "unusable (TF_CUDA_GEMM=cublaslt, but " + lib.why_not + ")";
    if (!lib.loaded()) return "wmma (" + lib.why_not + ")";
    return "cublaslt " + format_cublaslt_version(lib.version) + " (" + lib.name + ")";
  } catch (const std::exception& e) {  // a malformed TF_CUDA_GEMM
    return std::string("unusable (") + e.what() + ")";
  }
}

const char* matmul_backend_description() {
  // thread_local: each caller's pointer stays valid until its own next call.
  thread_local std::string text;
  // The library's answer, narrowed by the current device: cuBLASLt may have no handle there or have been set aside.
  text = matmul_library_description();
  int device = 0;
  if (text.rfind("cublaslt ", 0) == 0 && cudaGetDevice(&device) == cudaSuccess) {
    std::lock_guard<std::mutex> lock(g_mu);
    const DeviceState& d = device_state(cublaslt(), device);
    if (!d.create_error.empty()) text = "wmma (" + d.create_error + ")";  // no handle, or set aside (fall_back_or_throw)
  }
  return text.c_str();
}

}  // namespace tf::cuda
