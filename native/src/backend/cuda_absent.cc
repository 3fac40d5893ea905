// The build without nvcc: no CUDA backend. Every answer says so; Session::load turns it into a message that tells
// the user how to get one (rebuild on a machine with the CUDA toolkit) or to use the CPU backend.
#ifndef TF_WITH_CUDA
#include "backend/cuda_entry.h"
#include "common/error.h"

namespace tf::backend {

bool cuda_built() { return false; }

std::vector<CudaDevice> cuda_devices(std::string* why_none) {
  if (why_none) *why_none = "this build has no CUDA backend (nvcc was not found when it was built)";
  return {};
}

std::string cuda_gemm_library() { return "none (this build has no CUDA backend)"; }

CudaMemory cuda_memory(int) {
  throw Error("CUDA memory: this build has no CUDA backend (built without nvcc)");
}

std::unique_ptr<TrainableModel> make_cuda_model(LlamaModel&, int) {
  throw Error("backend \"cuda\": this build has no CUDA backend (built without nvcc); use cpu or auto");
}

double cuda_gemm_peak_tflops(double, int) {
  throw Error("cuda GEMM peak: this build has no CUDA backend (built without nvcc)");
}

}  // namespace tf::backend
#endif  // TF_WITH_CUDA
