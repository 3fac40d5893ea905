#pragma once
// libcublasLt loaded at run time (dlopen/dlsym): our build machines have no cuBLAS, GPU machines usually do (it
// ships with the driver-side CUDA toolkit or a pip wheel). When it cannot be loaded, `why_not` says why and the
// matmul dispatcher uses the WMMA kernels. Plain C++, tested on the CPU (tests/test_cuda_blas_host.cc).
#include <string>
#include <vector>

#include "cublaslt/cublaslt_types.h"
#include "host/gemm_map.h"

namespace tf::cuda::lt {

struct Library {
  void* dl = nullptr;        // dlopen handle; null when not loaded
  std::string name;          // the library name that loaded
  size_t version = 0;        // cublasLtGetVersion()
  std::string why_not;       // non-empty iff not loaded: the reason, for matmul_backend_description
  CreateFn create = nullptr;
  DestroyFn destroy = nullptr;
  GetVersionFn get_version = nullptr;
  MatmulDescCreateFn desc_create = nullptr;
  MatmulDescSetAttributeFn desc_set = nullptr;
  MatmulDescDestroyFn desc_destroy = nullptr;
  MatrixLayoutCreateFn layout_create = nullptr;
  MatrixLayoutDestroyFn layout_destroy = nullptr;
  MatmulPreferenceCreateFn pref_create = nullptr;
  MatmulPreferenceSetAttributeFn pref_set = nullptr;
  MatmulPreferenceDestroyFn pref_destroy = nullptr;
  MatmulAlgoGetHeuristicFn get_heuristic = nullptr;
  MatmulFn matmul = nullptr;
  bool loaded() const { return dl != nullptr; }
};

// Tries `candidates` in order (the first that dlopens and has every entry point wins) unless `choice` is Wmma.
// Never throws: failures end up in why_not ("TF_CUDA_GEMM=wmma", or each candidate's dlerror()).
Library load_library(GemmBackendChoice choice, const std::vector<std::string>& candidates);

// The process-wide library, loaded on first use from TF_CUDA_GEMM and cublaslt_library_candidates() (thread-safe;
// never unloaded: cuBLASLt handles may outlive any owner we could give it). Throws tf::Error only for a malformed
// TF_CUDA_GEMM value.
const Library& library();
GemmBackendChoice backend_choice();  // TF_CUDA_GEMM as parsed by library()

}  // namespace tf::cuda::lt
