// cuda_gemm_peak_tflops (backend/cuda_entry.h): the bench's 100 % on the cuda backend, measured in the same run
// as the training it is compared with, as check.sh step 4 does for HF with torch.matmul. Square bf16 GEMMs with
// fp32 accumulation through matmul_bf16 (the dispatcher the trainer uses), best of several timed bursts.
#include <cuda_runtime.h>

#include <algorithm>
#include <chrono>
#include <string>

#include "api.h"
#include "backend/cuda_entry.h"
#include "common.cuh"
#include "common/error.h"

namespace tf::backend {

namespace {

// Frees on every exit path (a failed launch throws).
struct DeviceAlloc {
  void* p = nullptr;
  explicit DeviceAlloc(size_t bytes) {
    const cudaError_t e = cudaMalloc(&p, bytes);
    if (e != cudaSuccess)
      throw Error("cuda GEMM peak: cannot allocate " + std::to_string(bytes >> 20) + " MiB on device 0 (" +
                  cudaGetErrorString(e) + ")");
  }
  ~DeviceAlloc() { cudaFree(p); }
};

}  // namespace

double cuda_gemm_peak_tflops(double seconds, int n) {
  std::string why;
  TF_CHECK(!cuda_devices(&why).empty(), "cuda GEMM peak: no usable CUDA device (" + why + ")");
  TF_CHECK(n >= 256 && n % 128 == 0, "cuda GEMM peak: n must be a multiple of 128, >= 256");
  CUDA_CHECK(cudaSetDevice(0));
  const size_t elems = size_t(n) * n;
  DeviceAlloc a(elems * 2), b(elems * 2), c(elems * 2);
  // Zeros are a valid input: tensor-core throughput does not depend on the values.
  CUDA_CHECK(cudaMemset(a.p, 0, elems * 2));
  CUDA_CHECK(cudaMemset(b.p, 0, elems * 2));
  CUDA_CHECK(cudaDeviceSynchronize());  // cudaMemset is asynchronous and the GEMMs run on a non-blocking stream
  cudaStream_t stream;
  CUDA_CHECK(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking));
  cudaEvent_t start, stop;
  CUDA_CHECK(cudaEventCreate(&start));
  CUDA_CHECK(cudaEventCreate(&stop));
  auto gemm = [&] {
    cuda::matmul_bf16(false, true, n, n, n, 1.f, static_cast<const cuda::bf16*>(a.p), n,
                      static_cast<const cuda::bf16*>(b.p), n, 0.f, static_cast<cuda::bf16*>(c.p), n, stream);
  };
  double best = 0;
  try {
    gemm();  // warm-up: loads the module / picks the cuBLASLt algorithm
    CUDA_CHECK(cudaStreamSynchronize(stream));
    const auto t0 = std::chrono::steady_clock::now();
    const int reps = 10;
    do {
      CUDA_CHECK(cudaEventRecord(start, stream));
      for (int i = 0; i < reps; ++i) gemm();
      CUDA_CHECK(cudaEventRecord(stop, stream));
      CUDA_CHECK(cudaEventSynchronize(stop));
      float ms = 0;
      CUDA_CHECK(cudaEventElapsedTime(&ms, start, stop));
      if (ms > 0) best = std::max(best, 2.0 * n * n * double(n) * reps / (ms / 1e3) / 1e12);
    } while (std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() < seconds);
  } catch (...) {
    cudaStreamSynchronize(stream), cuda::matmul_release_stream(stream);
    cudaEventDestroy(start), cudaEventDestroy(stop), cudaStreamDestroy(stream);
    throw;
  }
  cudaStreamSynchronize(stream), cuda::matmul_release_stream(stream);
  cudaEventDestroy(start), cudaEventDestroy(stop), cudaStreamDestroy(stream);
  return best;
}

}  // namespace tf::backend
