#pragma once
// What the emulator's own test programs share (test_cuda_emulator.cu, test_cuda_emulator_streams.cu): a device
// buffer that reads and writes whole vectors, and a launch's outcome as text.
#include <cuda_runtime.h>

#include <string>
#include <vector>

#include "harness.h"

namespace tf_emu_test {

template <typename T>
struct Dev {
  T* p = nullptr;
  size_t n;
  explicit Dev(size_t count) : n(count) { REQUIRE(cudaMalloc(&p, n * sizeof(T)) == cudaSuccess); }
  ~Dev() { cudaFree(p); }
  std::vector<T> get() const {
    std::vector<T> h(n);
    REQUIRE(cudaMemcpy(h.data(), p, n * sizeof(T), cudaMemcpyDeviceToHost) == cudaSuccess);
    return h;
  }
  void put(const std::vector<T>& h) { REQUIRE(cudaMemcpy(p, h.data(), n * sizeof(T), cudaMemcpyHostToDevice) == cudaSuccess); }
};

// The launch's outcome and, for a fault, the message cudaGetErrorString gives.
inline std::string launch_outcome() {
  const cudaError_t e = cudaGetLastError();
  return e == cudaSuccess ? "ok" : std::string(cudaGetErrorName(e)) + ": " + cudaGetErrorString(e);
}

// A faulting launch's outcome. A fault is sticky, as on a device, so the context is reset afterwards, which frees
// every allocation: tests that fault allocate with cudaMalloc directly, never through Dev.
inline std::string fault_outcome() {
  const std::string o = launch_outcome();
  cudaDeviceReset();
  return o;
}
inline float* raw_floats(size_t n) {
  float* p = nullptr;
  REQUIRE(cudaMalloc(&p, n * sizeof(float)) == cudaSuccess);
  return p;
}

}  // namespace tf_emu_test
