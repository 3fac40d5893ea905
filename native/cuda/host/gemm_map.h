#pragma once
// Host arithmetic of the matmul dispatcher (matmul.cu): how a row-major GEMM of api.h becomes a column-major
// cuBLASLt call, which cuBLASLt library names to try, how TF_CUDA_GEMM is read, the workspace size, pointer
// alignment, and the key the chosen algorithm is cached under. Plain C++ (no CUDA or cuBLAS headers), unit-tested
// on the CPU by tests/test_cuda_blas_host.cc; matmul.cu calls exactly these functions.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace tf::cuda {

// ---- which GEMM backend ----
enum class GemmBackendChoice {
  Auto,      // unset, "" or "auto": cuBLASLt when it loads, else the WMMA kernels
  Wmma,      // "wmma": never load cuBLASLt
  Cublaslt,  // "cublaslt": cuBLASLt or an error (benchmarks that must not silently measure the fallback)
};
// TF_CUDA_GEMM's value (null = unset). Throws tf::Error naming the variable and the accepted values otherwise.
GemmBackendChoice parse_gemm_backend(const char* value);

// Where one GEMM runs. `why_not` is the reason cuBLASLt is unavailable (empty when it is available: loaded and a
// handle on this device). Required-but-unavailable (TF_CUDA_GEMM=cublaslt) throws tf::Error with the reason;
// otherwise an unavailable cuBLASLt, or K == 0 (C = beta C, which cuBLASLt rejects), routes to WMMA.
enum class GemmRoute { Cublaslt, Wmma };
GemmRoute route_gemm(GemmBackendChoice choice, const std::string& why_not, int64_t K);

// What a failed cuBLASLt call for one GEMM leads to. CUBLAS_STATUS_NOT_SUPPORTED (or no algorithm) concerns that
// shape alone: it runs on WMMA. ARCH_MISMATCH (a library too old for the GPU) and NOT_INITIALIZED (a library that
// cannot start here) say cuBLASLt cannot serve the device at all, for every shape: under auto every GEMM on that
// device then runs on WMMA, said once, rather than the run failing over a library we merely found. Anything else
// (an allocation, an execution or an internal failure, an invalid value: transient, or our bug) is thrown, as is
// every failure under TF_CUDA_GEMM=cublaslt, which asked for cuBLASLt. (matmul.cu also throws, whatever the
// status, while a stream captures or after a sticky device error, neither of which is cuBLASLt's doing.)
enum class LtFailure { ShapeOnWmma, DeviceOnWmma, Throw };
LtFailure classify_lt_failure(GemmBackendChoice choice, int status);
constexpr int kCublasStatusNotInitialized = 1;  // cublas_api.h CUBLAS_STATUS_NOT_INITIALIZED
constexpr int kCublasStatusArchMismatch = 8;    // cublas_api.h CUBLAS_STATUS_ARCH_MISMATCH

// dlopen candidates, newest first: the major matching our CUDA 13 runtime, then older ones a driver may ship.
std::vector<std::string> cublaslt_library_candidates();

// cublasLtGetVersion() as "major.minor.patch": CUDA >= 12 encodes major*10000 + minor*100 + patch; 11.x used
// major*1000 + minor*100 + patch (e.g. 11.11.3 = 11000 + 1100 + 3 is ambiguous, so 11.x prints the raw number too).
std::string format_cublaslt_version(size_t v);

// cublasStatus_t's name ("CUBLAS_STATUS_NOT_SUPPORTED") for error messages; unknown values print their number.
std::string cublas_status_name(int status);
constexpr int kCublasStatusSuccess = 0;        // cublas_api.h CUBLAS_STATUS_SUCCESS
constexpr int kCublasStatusNotSupported = 15;  // cublas_api.h CUBLAS_STATUS_NOT_SUPPORTED

// ---- row-major → column-major ----
// api.h's GEMMs are row-major: C[M,N] = op(A) op(B). A row-major [R,C] matrix with leading dimension ld is the
// column-major [C,R] matrix with the same ld, so cuBLASLt computes the column-major Cᵀ[N,M] = op(B)ᵀ op(A)ᵀ:
// its "A" is our B, its "B" is our A, and m = N, n = M. A stored operand that was not transposed needs no
// transpose in cuBLASLt (its column-major view already is op(B)ᵀ / op(A)ᵀ); a transposed one needs CUBLAS_OP_T.
struct LtLayout {
  uint64_t rows = 0, cols = 0;  // column-major rows and columns of the stored matrix
  int64_t ld = 0;
};
struct LtGemmMap {
  bool op_a_t = false, op_b_t = false;  // CUBLASLT_MATMUL_DESC_TRANSA / TRANSB == CUBLAS_OP_T
  uint64_t m = 0, n = 0, k = 0;
  LtLayout a, b, c;  // a describes our B, b our A, c our C (also D)
};
LtGemmMap map_row_major_gemm(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, int64_t lda, int64_t ldb,
                             int64_t ldc);

// ---- workspace and alignment ----
// Per (device, stream) workspace: 32 MiB on Hopper (sm_90 kernels use it for split-K and stream-K), 4 MiB before,
// NVIDIA's recommendation for cublasLt.
size_t cublaslt_workspace_bytes(int sm_major);
// Largest power of two dividing the address, capped at 256 (cuBLASLt's default assumption). Algorithms are
// selected for the actual alignment, so views at odd offsets get algorithms that can read them.
uint32_t pointer_alignment(uintptr_t address);

// ---- algorithm cache key ----
struct GemmShapeKey {
  int device = 0;
  bool trans_a = false, trans_b = false, f32_out = false;
  int64_t M = 0, N = 0, K = 0, lda = 0, ldb = 0, ldc = 0;
  uint32_t align_a = 0, align_b = 0, align_c = 0;
  bool operator==(const GemmShapeKey& o) const;
};
struct GemmShapeKeyHash {
  size_t operator()(const GemmShapeKey& k) const;
};
std::string describe_gemm(const GemmShapeKey& k);  // "NT 8192x2048x2048 bf16 out" for messages

}  // namespace tf::cuda
