#include "cublaslt/loader.h"

#include <dlfcn.h>

#include <cstdlib>
#include <mutex>

namespace tf::cuda::lt {

namespace {

template <typename Fn>
bool bind(void* dl, const char* symbol, Fn* out, std::string* missing) {
  *out = reinterpret_cast<Fn>(dlsym(dl, symbol));
  if (*out == nullptr) {
    if (!missing->empty()) *missing += ", ";
    *missing += symbol;
  }
  return *out != nullptr;
}

// All entry points or none: a library missing one (a too-old cuBLASLt) is reported, not half used.
std::string bind_all(Library& lib) {
  std::string missing;
  bind(lib.dl, "cublasLtCreate", &lib.create, &missing);
  bind(lib.dl, "cublasLtDestroy", &lib.destroy, &missing);
  bind(lib.dl, "cublasLtGetVersion", &lib.get_version, &missing);
  bind(lib.dl, "cublasLtMatmulDescCreate", &lib.desc_create, &missing);
  bind(lib.dl, "cublasLtMatmulDescSetAttribute", &lib.desc_set, &missing);
  bind(lib.dl, "cublasLtMatmulDescDestroy", &lib.desc_destroy, &missing);
  bind(lib.dl, "cublasLtMatrixLayoutCreate", &lib.layout_create, &missing);
  bind(lib.dl, "cublasLtMatrixLayoutDestroy", &lib.layout_destroy, &missing);
  bind(lib.dl, "cublasLtMatmulPreferenceCreate", &lib.pref_create, &missing);
  bind(lib.dl, "cublasLtMatmulPreferenceSetAttribute", &lib.pref_set, &missing);
  bind(lib.dl, "cublasLtMatmulPreferenceDestroy", &lib.pref_destroy, &missing);
  bind(lib.dl, "cublasLtMatmulAlgoGetHeuristic", &lib.get_heuristic, &missing);
  bind(lib.dl, "cublasLtMatmul", &lib.matmul, &missing);
  return missing;
}

}  // namespace

Library load_library(GemmBackendChoice choice, const std::vector<std::string>& candidates) {
  Library lib;
  if (choice == GemmBackendChoice::Wmma) {
    lib.why_not = "TF_CUDA_GEMM=wmma";
    return lib;
  }
  std::string reasons;
  for (const std::string& name : candidates) {
    dlerror();  // clear a stale message
    void* dl = dlopen(name.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (dl == nullptr) {
      const char* e = dlerror();
      reasons += (reasons.empty() ? "" : "; ") + (e ? std::string(e) : name + ": dlopen failed");
      continue;
    }
    Library candidate;
    candidate.dl = dl;
    candidate.name = name;
    const std::string missing = bind_all(candidate);
    if (!missing.empty()) {
      reasons += (reasons.empty() ? "" : "; ") + name + " lacks " + missing;
      dlclose(dl);
      continue;
    }
    candidate.version = candidate.get_version();
    return candidate;
  }
  lib.why_not = "libcublasLt could not be loaded (" + (reasons.empty() ? std::string("no candidates") : reasons) +
                "); install the CUDA toolkit's cuBLAS or add its lib directory to LD_LIBRARY_PATH";
  return lib;
}

namespace {

std::once_flag g_once;
Library g_lib;
GemmBackendChoice g_choice = GemmBackendChoice::Auto;

void load_once() {
  std::call_once(g_once, [] {
    // A malformed TF_CUDA_GEMM throws out of call_once, which leaves the flag unset: the next call throws again.
    g_choice = parse_gemm_backend(std::getenv("TF_CUDA_GEMM"));
    g_lib = load_library(g_choice, cublaslt_library_candidates());
  });
}

}  // namespace

const Library& library() {
  load_once();
  return g_lib;
}

GemmBackendChoice backend_choice() {
  load_once();
  return g_choice;
}

}  // namespace tf::cuda::lt
