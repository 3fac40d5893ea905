#pragma once
// The few cuBLASLt types, enum values and entry points matmul.cu uses, declared here because our machines have no
// cuBLAS headers: libcublasLt.so is loaded at run time (loader.h). Values copied from the public headers
// (cublasLt.h, cublas_api.h, library_types.h of CUDA 12.x; unchanged since CUDA 11.0):
//   cudaDataType_t:           CUDA_R_32F = 0, CUDA_R_16BF = 14                        (library_types.h)
//   cublasComputeType_t:      CUBLAS_COMPUTE_32F = 68                                  (cublas_api.h)
//   cublasOperation_t:        CUBLAS_OP_N = 0, CUBLAS_OP_T = 1                         (cublas_api.h)
//   cublasStatus_t:           CUBLAS_STATUS_SUCCESS = 0, CUBLAS_STATUS_NOT_SUPPORTED = 15 (cublas_api.h)
//   cublasLtMatmulDescAttributes_t: CUBLASLT_MATMUL_DESC_TRANSA = 3 (int32_t), CUBLASLT_MATMUL_DESC_TRANSB = 4
//   cublasLtMatmulPreferenceAttributes_t: CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES = 1 (uint64_t),
//     CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_{A,B,C,D}_BYTES = 5, 6, 7, 8 (uint32_t, default 256)
//   cublasLtMatmulAlgo_t { uint64_t data[8]; }
//   cublasLtMatmulHeuristicResult_t { algo; size_t workspaceSize; cublasStatus_t state; float wavesCount;
//                                     int reserved[4]; }  (96 bytes)
// Plain C++: the stream is passed as void* (cudaStream_t is a pointer, the same ABI), so the loader builds and is
// tested without CUDA headers.
#include <cstddef>
#include <cstdint>

namespace tf::cuda::lt {

using Status = int;  // cublasStatus_t
using Handle = void*;            // cublasLtHandle_t
using MatmulDesc = void*;        // cublasLtMatmulDesc_t
using MatrixLayout = void*;      // cublasLtMatrixLayout_t
using MatmulPreference = void*;  // cublasLtMatmulPreference_t

constexpr int kCudaR32F = 0;          // CUDA_R_32F
constexpr int kCudaR16BF = 14;        // CUDA_R_16BF
constexpr int kComputeType32F = 68;   // CUBLAS_COMPUTE_32F
constexpr int32_t kOpN = 0;           // CUBLAS_OP_N
constexpr int32_t kOpT = 1;           // CUBLAS_OP_T
constexpr int kDescTransA = 3;        // CUBLASLT_MATMUL_DESC_TRANSA
constexpr int kDescTransB = 4;        // CUBLASLT_MATMUL_DESC_TRANSB
constexpr int kPrefMaxWorkspaceBytes = 1;  // CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES
constexpr int kPrefMinAlignmentA = 5;      // CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_A_BYTES (B, C, D follow: 6, 7, 8)

struct MatmulAlgo {
  uint64_t data[8];
};
struct HeuristicResult {
  MatmulAlgo algo;
  size_t workspaceSize;
  Status state;
  float wavesCount;
  int reserved[4];
};
static_assert(sizeof(HeuristicResult) == 96, "cublasLtMatmulHeuristicResult_t is 96 bytes");

// Entry points (cublasLt.h signatures; enums are int-sized).
using CreateFn = Status (*)(Handle*);
using DestroyFn = Status (*)(Handle);
using GetVersionFn = size_t (*)();
using MatmulDescCreateFn = Status (*)(MatmulDesc*, int compute_type, int scale_type);
using MatmulDescSetAttributeFn = Status (*)(MatmulDesc, int attr, const void* buf, size_t size);
using MatmulDescDestroyFn = Status (*)(MatmulDesc);
using MatrixLayoutCreateFn = Status (*)(MatrixLayout*, int type, uint64_t rows, uint64_t cols, int64_t ld);
using MatrixLayoutDestroyFn = Status (*)(MatrixLayout);
using MatmulPreferenceCreateFn = Status (*)(MatmulPreference*);
using MatmulPreferenceSetAttributeFn = Status (*)(MatmulPreference, int attr, const void* buf, size_t size);
using MatmulPreferenceDestroyFn = Status (*)(MatmulPreference);
using MatmulAlgoGetHeuristicFn = Status (*)(Handle, MatmulDesc, MatrixLayout a, MatrixLayout b, MatrixLayout c,
                                            MatrixLayout d, MatmulPreference, int requested, HeuristicResult* results,
                                            int* returned);
using MatmulFn = Status (*)(Handle, MatmulDesc, const void* alpha, const void* A, MatrixLayout a_desc, const void* B,
                            MatrixLayout b_desc, const void* beta, const void* C, MatrixLayout c_desc, void* D,
                            MatrixLayout d_desc, const MatmulAlgo* algo, void* workspace, size_t workspace_bytes,
                            void* stream);

}  // namespace tf::cuda::lt
