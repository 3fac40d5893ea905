// The build with nvcc: backend/cuda_entry.h answered by the CUDA runtime (devices of compute capability >= 8.0,
// the bf16 tensor-core kernels' minimum) and the CUDA model (cuda_llama.h).
#ifdef TF_WITH_CUDA
#include <cuda_runtime.h>

#include <algorithm>

#include "backend/cuda_entry.h"
#include "backend/cuda_llama.h"
#include "common/error.h"

namespace tf::backend {

namespace {

constexpr int kMinSm = 80;

std::string runtime_error_text(cudaError_t e) {
  return std::string(cudaGetErrorName(e)) + ": " + cudaGetErrorString(e);
}

std::vector<CudaDevice> list_devices(std::string* why_none) {
  int count = 0;
  const cudaError_t e = cudaGetDeviceCount(&count);
  if (e != cudaSuccess) {
    cudaGetLastError();  // do not leave a sticky error behind for the CPU backend's caller
    std::string why;
    if (e == cudaErrorInsufficientDriver)
      why = "the NVIDIA driver is missing or older than the CUDA runtime this build uses (" + runtime_error_text(e) +
            "); install or update the driver";
    else if (e == cudaErrorNoDevice)
      why = "no CUDA device is visible (" + runtime_error_text(e) + "); check CUDA_VISIBLE_DEVICES and the driver";
    else
      why = "the CUDA runtime could not list devices (" + runtime_error_text(e) + ")";
    if (why_none) *why_none = why;
    return {};
  }
  if (count == 0) {
    if (why_none) *why_none = "no CUDA device found";
    return {};
  }
  std::vector<CudaDevice> out;
  std::string too_old;
  for (int i = 0; i < count; ++i) {
    cudaDeviceProp p{};
    const cudaError_t pe = cudaGetDeviceProperties(&p, i);
    if (pe != cudaSuccess) {
      cudaGetLastError();
      too_old += (too_old.empty() ? "" : "; ") + std::string("device ") + std::to_string(i) + ": " +
                 runtime_error_text(pe);
      continue;
    }
    const int sm = p.major * 10 + p.minor;
    if (sm < kMinSm) {
      too_old += (too_old.empty() ? "" : "; ") + std::string("device ") + std::to_string(i) + " " + p.name +
                 " is sm_" + std::to_string(sm);
      continue;
    }
    out.push_back({i, p.name, int64_t(p.totalGlobalMem), sm});
  }
  if (out.empty() && why_none)
    *why_none = "no device has compute capability >= 8.0 (Ampere or newer), which the bf16 kernels need (" +
                too_old + ")";
  return out;
}

}  // namespace

bool cuda_built() { return true; }

std::vector<CudaDevice> cuda_devices(std::string* why_none) {
  try {
    return list_devices(why_none);
  } catch (const std::exception& e) {  // never throws: the session falls back to the CPU with this reason
    if (why_none) *why_none = std::string("CUDA device query failed: ") + e.what();
  } catch (...) {
    if (why_none) *why_none = "CUDA device query failed";
  }
  return {};
}

std::string cuda_gemm_library() { return cuda::matmul_library_description(); }

CudaMemory cuda_memory(int device) {
  std::string why;
  const std::vector<CudaDevice> devices = cuda_devices(&why);
  if (devices.empty()) throw Error("CUDA memory: no usable CUDA device (" + why + ")");
  if (std::none_of(devices.begin(), devices.end(), [device](const CudaDevice& d) { return d.index == device; }))
    throw Error("CUDA memory: device " + std::to_string(device) + " is not usable (missing or below sm_80)");
  // cudaMemGetInfo answers for the calling thread's current device: switch to the one asked for, then back, so
  // a model that runs on another device in this thread is not moved.
  int current = 0;
  cudaError_t e = cudaGetDevice(&current);
  if (e == cudaSuccess) e = cudaSetDevice(device);
  size_t free_bytes = 0, total_bytes = 0;
  if (e == cudaSuccess) e = cudaMemGetInfo(&free_bytes, &total_bytes);
  cudaSetDevice(current);
  if (e != cudaSuccess) {
    cudaGetLastError();  // not sticky for the next caller
    throw Error("CUDA memory of device " + std::to_string(device) + ": " + runtime_error_text(e));
  }
  return {int64_t(free_bytes), int64_t(total_bytes)};
}

std::unique_ptr<TrainableModel> make_cuda_model(LlamaModel& host, int device) {
  std::string why;
  const std::vector<CudaDevice> devices = cuda_devices(&why);
  for (const CudaDevice& d : devices)
    if (d.index == device) return std::make_unique<cuda::CudaLlama>(host, device);
  if (devices.empty()) throw Error("backend \"cuda\": no usable CUDA device (" + why + "); use cpu or auto");
  throw Error("backend \"cuda\": device " + std::to_string(device) +
              " is not usable (missing or compute capability below 8.0); usable devices: " +
              std::to_string(devices.size()));
}

}  // namespace tf::backend
#endif  // TF_WITH_CUDA
