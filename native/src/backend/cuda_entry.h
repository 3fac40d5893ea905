#pragma once
// The CPU core's only view of the CUDA backend. Implemented by native/cuda/backend/entry.cc when the build has
// nvcc (TF_WITH_CUDA), and by backend/cuda_absent.cc otherwise, which says so in every answer. Session::load
// (session.cc) resolves --backend auto|cpu|cuda with these.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "model/llama.h"
#include "model/trainable.h"

namespace tf::backend {

// Whether native/cuda was compiled and linked into this build.
bool cuda_built();

struct CudaDevice {
  int index = 0;
  std::string name;
  int64_t total_bytes = 0;
  int sm = 0;  // compute capability as major * 10 + minor (80, 90, ...)
};
// Devices the backend can use (compute capability >= 8.0). Never throws: when there are none, *why_none (if
// given) says why (not built, no driver, no device, too old).
std::vector<CudaDevice> cuda_devices(std::string* why_none = nullptr);

// Where the cuda backend's GEMMs will run, as far as the process can tell without a device: "cublaslt <version>
// (<library>)" when libcublasLt loads, else "wmma (<why not>)". Never throws, never creates a device context.
std::string cuda_gemm_library();

// Free and total memory of a usable device as the CUDA runtime counts them: every process's allocations, this
// one's included. Creates the device's context in this process if it has none, so only a process that uses the
// device (the GPU worker) should ask. Throws tf::Error when CUDA is not built or the device is not usable.
struct CudaMemory {
  int64_t free_bytes = 0;
  int64_t total_bytes = 0;
};
CudaMemory cuda_memory(int device);

// The CUDA model over host's frozen weights (uploaded once) on the given device. host must outlive it; the CUDA
// model may use host's LoRA code (init, validation, PEFT export) but must not rely on host's attached adapter
// between its own calls, because the session also attaches adapters to host for generation. Throws tf::Error
// when CUDA is not built or the device cannot be used (out of memory names the bytes).
std::unique_ptr<TrainableModel> make_cuda_model(LlamaModel& host, int device);

// The best bf16 GEMM rate (TFLOP/s: square n x n x n, fp32 accumulation, through matmul_bf16 — cuBLASLt when it
// loads, else our kernels) on device 0 within about `seconds`: the 100 % of the bench's MFU on the cuda backend.
// Throws tf::Error when CUDA is not built or no device is usable.
double cuda_gemm_peak_tflops(double seconds, int n = 8192);

}  // namespace tf::backend
