#include "gemm_map.h"

#include <cstring>

#include "common/error.h"
#include "launch_plan.h"

namespace tf::cuda {

GemmBackendChoice parse_gemm_backend(const char* value) {
  if (value == nullptr || value[0] == '\0' || std::strcmp(value, "auto") == 0) return GemmBackendChoice::Auto;
  if (std::strcmp(value, "wmma") == 0) return GemmBackendChoice::Wmma;
  if (std::strcmp(value, "cublaslt") == 0) return GemmBackendChoice::Cublaslt;
  throw Error(std::string("TF_CUDA_GEMM=") + value +
              " is not a GEMM backend: use 'auto' (or leave it unset), 'wmma' or 'cublaslt'");
}

GemmRoute route_gemm(GemmBackendChoice choice, const std::string& why_not, int64_t K) {
  if (choice == GemmBackendChoice::Wmma) return GemmRoute::Wmma;
  if (!why_not.empty()) {
    if (choice == GemmBackendChoice::Cublaslt) throw Error("TF_CUDA_GEMM=cublaslt, but " + why_not);
    return GemmRoute::Wmma;
  }
  return K == 0 ? GemmRoute::Wmma : GemmRoute::Cublaslt;
}

LtFailure classify_lt_failure(GemmBackendChoice choice, int status) {
  if (status == kCublasStatusNotSupported) return LtFailure::ShapeOnWmma;
  const bool library_unusable = status == kCublasStatusArchMismatch || status == kCublasStatusNotInitialized;
  return choice == GemmBackendChoice::Auto && library_unusable ? LtFailure::DeviceOnWmma : LtFailure::Throw;
}

std::vector<std::string> cublaslt_library_candidates() {
  return {"libcublasLt.so.13", "libcublasLt.so.12", "libcublasLt.so.11", "libcublasLt.so"};
}

std::string format_cublaslt_version(size_t v) {
  if (v >= 120000) {
    return std::to_string(v / 10000) + "." + std::to_string(v / 100 % 100) + "." + std::to_string(v % 100);
  }
  return std::to_string(v);
}

std::string cublas_status_name(int s) {
  // Values of cublasStatus_t in cublas_api.h.
  switch (s) {
    case 0: return "CUBLAS_STATUS_SUCCESS";
    case 1: return "CUBLAS_STATUS_NOT_INITIALIZED";
    case 3: return "CUBLAS_STATUS_ALLOC_FAILED";
    case 7: return "CUBLAS_STATUS_INVALID_VALUE";
    case 8: return "CUBLAS_STATUS_ARCH_MISMATCH";
    case 11: return "CUBLAS_STATUS_MAPPING_ERROR";
    case 13: return "CUBLAS_STATUS_EXECUTION_FAILED";
    case 14: return "CUBLAS_STATUS_INTERNAL_ERROR";
    case 15: return "CUBLAS_STATUS_NOT_SUPPORTED";
    case 16: return "CUBLAS_STATUS_LICENSE_ERROR";
    default: return "cublasStatus " + std::to_string(s);
  }
}

LtGemmMap map_row_major_gemm(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, int64_t lda, int64_t ldb,
                             int64_t ldc) {
  gemm_validate(trans_a, trans_b, M, N, K, lda, ldb, ldc);  // same argument rules (and messages) as the WMMA path
  LtGemmMap g;
  g.m = uint64_t(N);
  g.n = uint64_t(M);
  g.k = uint64_t(K);
  // Our B: stored [K,N] (column-major [N,K], already op(B)ᵀ) or, transposed, stored [N,K] (column-major [K,N]).
  g.op_a_t = trans_b;
  g.a = trans_b ? LtLayout{uint64_t(K), uint64_t(N), ldb} : LtLayout{uint64_t(N), uint64_t(K), ldb};
  // Our A: stored [M,K] (column-major [K,M] = op(A)ᵀ) or, transposed, stored [K,M] (column-major [M,K]).
  g.op_b_t = trans_a;
  g.b = trans_a ? LtLayout{uint64_t(M), uint64_t(K), lda} : LtLayout{uint64_t(K), uint64_t(M), lda};
  g.c = LtLayout{uint64_t(N), uint64_t(M), ldc};
  return g;
}

size_t cublaslt_workspace_bytes(int sm_major) { return (sm_major >= 9 ? 32u : 4u) << 20; }

uint32_t pointer_alignment(uintptr_t address) {
  if (address == 0) return 256;
  uint32_t a = 1;
  while (a < 256 && (address & ((uintptr_t(a) << 1) - 1)) == 0) a <<= 1;
  return a;
}

bool GemmShapeKey::operator==(const GemmShapeKey& o) const {
  return device == o.device && trans_a == o.trans_a && trans_b == o.trans_b && f32_out == o.f32_out && M == o.M &&
         N == o.N && K == o.K && lda == o.lda && ldb == o.ldb && ldc == o.ldc && align_a == o.align_a &&
         align_b == o.align_b && align_c == o.align_c;
}

size_t GemmShapeKeyHash::operator()(const GemmShapeKey& k) const {
  // FNV-1a over the fields: a handful of distinct shapes per model, so any decent mix will do.
  uint64_t h = 1469598103934665603ull;
  auto mix = [&](uint64_t v) {
    for (int i = 0; i < 8; ++i) {
      h ^= (v >> (8 * i)) & 0xFF;
      h *= 1099511628211ull;
    }
  };
  mix(uint64_t(k.device));
  mix(uint64_t(k.trans_a) | uint64_t(k.trans_b) << 1 | uint64_t(k.f32_out) << 2);
  mix(uint64_t(k.M));
  mix(uint64_t(k.N));
  mix(uint64_t(k.K));
  mix(uint64_t(k.lda));
  mix(uint64_t(k.ldb));
  mix(uint64_t(k.ldc));
  mix(uint64_t(k.align_a) | uint64_t(k.align_b) << 16 | uint64_t(k.align_c) << 32);
  return size_t(h);
}

std::string describe_gemm(const GemmShapeKey& k) {
  return std::string(k.trans_a ? "T" : "N") + (k.trans_b ? "T" : "N") + " " + std::to_string(k.M) + "x" +
         std::to_string(k.N) + "x" + std::to_string(k.K) + (k.f32_out ? " fp32 out" : " bf16 out");
}

}  // namespace tf::cuda
