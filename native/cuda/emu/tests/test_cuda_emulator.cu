// The CUDA emulator's own semantics (native/cuda/emu): what kernels under it may rely on (barriers, shuffles, WMMA,
// memory), and that what a GPU leaves undefined fails loudly instead of working by luck. Built from a .cu file so
// the launch-syntax translation is exercised too.
#include <cuda_bf16.h>
#include <cuda_runtime.h>
#include <mma.h>

#include <cmath>
#include <cstdlib>
#include <string>
#include <vector>

#include "harness.h"

namespace {

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
std::string launch_outcome() {
  const cudaError_t e = cudaGetLastError();
  return e == cudaSuccess ? "ok" : std::string(cudaGetErrorName(e)) + ": " + cudaGetErrorString(e);
}

__global__ void warp_and_block_sums(const float* in, float* warp_out, float* block_out) {
  __shared__ float scratch[32];
  const int i = blockIdx.x * blockDim.x + threadIdx.x;
  float v = in[i];
  for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
  warp_out[i] = v;
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  if (lane == 0) scratch[warp] = v;
  __syncthreads();
  float total = 0;
  for (int w = 0; w < int(blockDim.x / 32); ++w) total += scratch[w];
  block_out[i] = total;
}

TEST(shuffles_and_barriers_sum_across_lanes_and_warps) {
  const int threads = 128, blocks = 3;
  std::vector<float> in(threads * blocks);
  for (size_t i = 0; i < in.size(); ++i) in[i] = float(i % 37);
  Dev<float> din(in.size()), dw(in.size()), db(in.size());
  din.put(in);
  warp_and_block_sums<<<blocks, threads>>>(din.p, dw.p, db.p);
  CHECK(launch_outcome() == "ok");
  const auto w = dw.get(), b = db.get();
  for (int i = 0; i < threads * blocks; ++i) {
    float ws = 0, bs = 0;
    for (int j = i / 32 * 32; j < i / 32 * 32 + 32; ++j) ws += in[j];
    for (int j = i / threads * threads; j < i / threads * threads + threads; ++j) bs += in[j];
    CHECK(w[i] == ws);
    CHECK(b[i] == bs);
  }
}

__global__ void racy_static(float* out) {
  __shared__ float s[64], unused[2][3];
  s[threadIdx.x] = float(threadIdx.x);
  if (threadIdx.x == 0) unused[1][2] = 0.f;
  out[blockIdx.x * blockDim.x + threadIdx.x] = s[(threadIdx.x + 1) % 64];
}

TEST(a_missing_barrier_reads_nan_from_static_shared_memory_too) {
  Dev<float> out(64 * 2);
  for (int launch = 0; launch < 2; ++launch) {  // the second launch must not see the first one's values either
    racy_static<<<2, 64>>>(out.p);
    CHECK(launch_outcome() == "ok");
    const auto o = out.get();
    int nan_block0 = 0, nan_block1 = 0;
    for (int t = 0; t < 63; ++t) {
      nan_block0 += std::isnan(o[t]);
      nan_block1 += std::isnan(o[64 + t]);
    }
    CHECK(nan_block0 == 63);  // forward order: thread t reads s[t + 1] before thread t + 1 writes it
    CHECK(nan_block1 == 0);   // reverse order: every neighbour already wrote
  }
}

__global__ void racy_dynamic(float* out) {
  extern __shared__ __align__(16) float dyn[];
  dyn[threadIdx.x] = float(threadIdx.x);
  out[blockIdx.x * blockDim.x + threadIdx.x] = dyn[(threadIdx.x + 1) % 64];
}

__global__ void synced_dynamic(float* out) {
  extern __shared__ __align__(16) float dyn[];
  dyn[threadIdx.x] = float(threadIdx.x);
  __syncthreads();
  out[blockIdx.x * blockDim.x + threadIdx.x] = dyn[(threadIdx.x + 1) % 64];
}

TEST(a_missing_barrier_reads_nan_from_dynamic_shared_memory) {
  Dev<float> out(64 * 2);
  racy_dynamic<<<2, 64, 64 * sizeof(float)>>>(out.p);
  CHECK(launch_outcome() == "ok");
  auto o = out.get();
  int nan_block0 = 0, nan_block1 = 0;
  for (int t = 0; t < 63; ++t) {
    nan_block0 += std::isnan(o[t]);
    nan_block1 += std::isnan(o[64 + t]);
  }
  // Without a barrier each thread runs to its end before the next starts. Block 0 runs them in order, so thread t
  // reads s[t + 1] before thread t + 1 wrote it; block 1 runs them in reverse, and the same reads succeed. A race
  // shows in one of any two neighbouring blocks, whichever way round it goes.
  CHECK(nan_block0 == 63);
  CHECK(nan_block1 == 0);
  synced_dynamic<<<2, 64, 64 * sizeof(float)>>>(out.p);
  CHECK(launch_outcome() == "ok");
  o = out.get();
  for (int b = 0; b < 2; ++b)
    for (int t = 0; t < 64; ++t) CHECK(o[b * 64 + t] == float((t + 1) % 64));
}

__global__ void diverged_collectives(float* out) {
  float v = 1.f;
  if (threadIdx.x % 2 == 0) v = __shfl_xor_sync(0xffffffffu, v, 1);
  else __syncwarp();
  out[threadIdx.x] = v;
}

TEST(lanes_meeting_in_different_collectives_fault) {
  Dev<float> out(32);
  diverged_collectives<<<1, 32>>>(out.p);
  const std::string o = launch_outcome();
  CHECK(o.find("cudaErrorLaunchFailure") == 0);
  CHECK(o.find("diverged") != std::string::npos);
  CHECK(o.find("diverged_collectives") != std::string::npos);  // names the kernel
  // The fault is reported once; the next launch runs normally.
  warp_and_block_sums<<<1, 32>>>(out.p, out.p, out.p);
  CHECK(launch_outcome() == "ok");
}

__global__ void deadlock(float* out) {
  if (threadIdx.x == 0) out[0] = __shfl_xor_sync(0xffffffffu, 1.f, 1);
  else __syncthreads();
}

TEST(a_barrier_that_cannot_complete_is_a_deadlock_fault) {
  Dev<float> out(32);
  deadlock<<<1, 32>>>(out.p);
  const std::string o = launch_outcome();
  CHECK(o.find("deadlock") != std::string::npos);
  CHECK(o.find("threads 0-0 wait in __shfl_xor_sync") != std::string::npos);
  CHECK(o.find("threads 1-31 wait in __syncthreads") != std::string::npos);
}

__global__ void early_exit(float* out) {
  if (threadIdx.x == 5) return;
  out[threadIdx.x] = __shfl_xor_sync(0xffffffffu, 2.f, 1);
}

TEST(a_lane_exiting_before_its_warp_collective_faults) {
  Dev<float> out(32);
  early_exit<<<1, 32>>>(out.p);
  const std::string o = launch_outcome();
  CHECK(o.find("cudaErrorLaunchFailure") == 0);
  CHECK(o.find("exited") != std::string::npos);
}

using namespace nvcuda;

__global__ void wmma_product(const __nv_bfloat16* a, const __nv_bfloat16* b, float* c, int offset) {
  wmma::fragment<wmma::matrix_a, 16, 16, 16, __nv_bfloat16, wmma::row_major> fa;
  wmma::fragment<wmma::matrix_b, 16, 16, 16, __nv_bfloat16, wmma::col_major> fb;
  wmma::fragment<wmma::accumulator, 16, 16, 16, float> acc;
  wmma::fill_fragment(acc, 1.f);
  wmma::load_matrix_sync(fa, a + offset, 16);
  wmma::load_matrix_sync(fb, b, 16);
  wmma::mma_sync(acc, fa, fb, acc);
  wmma::store_matrix_sync(c, acc, 16, wmma::mem_row_major);
}

TEST(wmma_multiplies_and_checks_alignment) {
  std::vector<__nv_bfloat16> a(16 * 16 + 8), b(16 * 16);
  for (int i = 0; i < 16 * 16 + 8; ++i) a[i] = __float2bfloat16_rn(float(i % 7) - 3.f);
  for (int i = 0; i < 16 * 16; ++i) b[i] = __float2bfloat16_rn(float(i % 5) * 0.5f);
  Dev<__nv_bfloat16> da(a.size()), db(b.size());
  Dev<float> dc(16 * 16);
  da.put(a);
  db.put(b);
  wmma_product<<<1, 32>>>(da.p, db.p, dc.p, 0);
  CHECK(launch_outcome() == "ok");
  const auto c = dc.get();
  for (int i = 0; i < 16; ++i)
    for (int j = 0; j < 16; ++j) {
      float ref = 1.f;
      for (int k = 0; k < 16; ++k) ref += float(a[i * 16 + k]) * float(b[j * 16 + k]);  // b is column-major
      CHECK(c[i * 16 + j] == ref);
    }
  wmma_product<<<1, 32>>>(da.p, db.p, dc.p, 8);  // 16 bytes past a 256-byte aligned base: not 256-bit aligned
  const std::string o = launch_outcome();
  CHECK(o.find("not 256-bit aligned") != std::string::npos);
}

TEST(device_memory_is_nan_filled_bounds_checked_and_limited) {
  Dev<float> d(16);
  for (float x : d.get()) CHECK(std::isnan(x));
  std::vector<float> big(17, 0.f);
  CHECK(cudaMemcpy(d.p, big.data(), 17 * sizeof(float), cudaMemcpyHostToDevice) == cudaErrorInvalidValue);
  CHECK(cudaMemset(d.p + 8, 0, 9 * sizeof(float)) == cudaErrorInvalidValue);
  CHECK(cudaGetLastError() == cudaErrorInvalidValue);
  CHECK(cudaGetLastError() == cudaSuccess);
  setenv("TF_CUDA_EMU_MEMORY", "1048576", 1);
  void* p = nullptr;
  CHECK(cudaMalloc(&p, 2 << 20) == cudaErrorMemoryAllocation);
  size_t free_b = 0, total_b = 0;
  CHECK(cudaMemGetInfo(&free_b, &total_b) == cudaSuccess);
  CHECK(total_b == 1048576);
  unsetenv("TF_CUDA_EMU_MEMORY");
  cudaGetLastError();
}

__global__ void big_smem(float* out) {
  extern __shared__ float s[];
  s[threadIdx.x] = 1.f;
  __syncthreads();
  out[threadIdx.x] = s[0];
}

TEST(dynamic_shared_memory_above_48k_needs_the_attribute) {
  Dev<float> out(32);
  const size_t bytes = 64 * 1024;
  big_smem<<<1, 32, bytes>>>(out.p);
  CHECK(cudaGetLastError() == cudaErrorInvalidValue);
  CHECK(cudaFuncSetAttribute(big_smem, cudaFuncAttributeMaxDynamicSharedMemorySize, int(bytes)) == cudaSuccess);
  big_smem<<<1, 32, bytes>>>(out.p);
  CHECK(launch_outcome() == "ok");
  CHECK(out.get()[3] == 1.f);
  CHECK(cudaFuncSetAttribute(big_smem, cudaFuncAttributeMaxDynamicSharedMemorySize, 1 << 20) == cudaErrorInvalidValue);
  cudaGetLastError();
  big_smem<<<1, 2048>>>(out.p);  // more threads than a block may have
  CHECK(cudaGetLastError() == cudaErrorInvalidConfiguration);
}

TEST(a_device_below_sm_80_has_no_kernel_image) {
  Dev<float> out(32);
  setenv("TF_CUDA_EMU_SM", "75", 1);
  warp_and_block_sums<<<1, 32>>>(out.p, out.p, out.p);
  const cudaError_t e = cudaGetLastError();
  unsetenv("TF_CUDA_EMU_SM");
  CHECK(e == cudaErrorNoKernelImageForDevice);
  warp_and_block_sums<<<1, 32>>>(out.p, out.p, out.p);
  CHECK(launch_outcome() == "ok");
}

}  // namespace
