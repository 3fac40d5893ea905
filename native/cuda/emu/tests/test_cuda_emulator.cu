// The CUDA emulator's own semantics (native/cuda/emu): what kernels under it may rely on (barriers, shuffles, WMMA,
// memory), and that what a GPU leaves undefined fails loudly instead of working by luck. Built from a .cu file so
// the launch-syntax translation is exercised too.
#include <cuda_bf16.h>
#include <cuda_runtime.h>
#include <mma.h>

#include <cfenv>
#include <cmath>
#include <cstdlib>
#include <string>
#include <vector>

#include <sys/wait.h>
#include <unistd.h>

#include "emulator_test_util.h"
#include "harness.h"

using namespace tf_emu_test;

namespace {

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

__global__ void votes(const int* pred, unsigned* ballot, int* any, int* all) {
  const int i = threadIdx.x, p = pred[i];
  ballot[i] = __ballot_sync(0xffffffffu, p);
  any[i] = __any_sync(0xffffffffu, p);
  all[i] = __all_sync(0xffffffffu, p);
}

// Warp 0: lanes 3 and 17 true; warp 1: every lane; warp 2: none.
TEST(votes_see_every_lane_of_their_warp_and_no_other) {
  std::vector<int> pred(96, 0);
  pred[3] = pred[17] = 1;
  for (int i = 32; i < 64; ++i) pred[size_t(i)] = 7;  // any nonzero value counts
  Dev<int> dp(pred.size()), dany(pred.size()), dall(pred.size());
  Dev<unsigned> dballot(pred.size());
  dp.put(pred);
  votes<<<1, 96>>>(dp.p, dballot.p, dany.p, dall.p);
  CHECK(launch_outcome() == "ok");
  const auto ballot = dballot.get();
  const auto any = dany.get(), all = dall.get();
  for (int i = 0; i < 96; ++i) {
    const int w = i / 32;
    CHECK_EQ(ballot[size_t(i)], w == 0 ? (1u << 3 | 1u << 17) : (w == 1 ? 0xffffffffu : 0u));
    CHECK_EQ(any[size_t(i)], w < 2 ? 1 : 0);
    CHECK_EQ(all[size_t(i)], w == 1 ? 1 : 0);
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

TEST(lanes_meeting_in_different_collectives_fault_and_the_fault_sticks_until_reset) {
  float* out = raw_floats(32);
  diverged_collectives<<<1, 32>>>(out);
  const std::string o = launch_outcome();
  CHECK(o.find("cudaErrorLaunchFailure") == 0);
  CHECK(o.find("diverged") != std::string::npos);
  CHECK(o.find("diverged_collectives") != std::string::npos);  // names the kernel
  // As on a device, the context is unusable from now on: every call reports the fault again.
  CHECK(cudaGetLastError() == cudaErrorLaunchFailure);
  void* p = nullptr;
  CHECK(cudaMalloc(&p, 64) == cudaErrorLaunchFailure);
  CHECK(cudaDeviceSynchronize() == cudaErrorLaunchFailure);
  cudaDeviceReset();
  out = raw_floats(32);
  warp_and_block_sums<<<1, 32>>>(out, out, out);
  CHECK(launch_outcome() == "ok");
  cudaFree(out);
}

__global__ void deadlock(float* out) {
  if (threadIdx.x == 0) out[0] = __shfl_xor_sync(0xffffffffu, 1.f, 1);
  else __syncthreads();
}

TEST(a_barrier_that_cannot_complete_is_a_deadlock_fault) {
  deadlock<<<1, 32>>>(raw_floats(32));
  const std::string o = fault_outcome();
  CHECK(o.find("deadlock") != std::string::npos);
  CHECK(o.find("threads 0-0 wait in __shfl_xor_sync") != std::string::npos);
  CHECK(o.find("threads 1-31 wait in __syncthreads") != std::string::npos);
}

__global__ void early_exit(float* out) {
  if (threadIdx.x == 5) return;
  out[threadIdx.x] = __shfl_xor_sync(0xffffffffu, 2.f, 1);
}

TEST(a_lane_exiting_before_its_warp_collective_faults) {
  early_exit<<<1, 32>>>(raw_floats(32));
  const std::string o = fault_outcome();
  CHECK(o.find("cudaErrorLaunchFailure") == 0);
  CHECK(o.find("exited") != std::string::npos);
}

// The fibers share the host's floating-point control state (fiber.cc does not switch it), so a kernel that changes
// it must not go unnoticed: it would round every other thread's arithmetic, and the host's after the launch.
__global__ void rounds_upward(float* out) {
  if (threadIdx.x == 3) std::fesetround(FE_UPWARD);
  __syncthreads();
  out[threadIdx.x] = 1.f / 3.f;
}

TEST(a_kernel_that_changes_the_rounding_mode_faults_and_the_host_keeps_its_own) {
  rounds_upward<<<1, 32>>>(raw_floats(32));
  const std::string o = fault_outcome();
  CHECK(o.find("cudaErrorLaunchFailure") == 0);
  CHECK(o.find("kernel rounds_upward changed the floating-point control registers") != std::string::npos);
  CHECK(std::fegetround() == FE_TONEAREST);
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
}

// Stores a fragment, then every lane reads the whole tile, with or without a __syncwarp between.
__global__ void store_then_read(float* out, int sync) {
  extern __shared__ __align__(32) float tile[];
  wmma::fragment<wmma::accumulator, 16, 16, 16, float> acc;
  wmma::fill_fragment(acc, 2.f);
  wmma::store_matrix_sync(tile, acc, 16, wmma::mem_row_major);
  if (sync) __syncwarp();
  float sum = 0.f;
  for (int e = 0; e < 256; ++e) sum += tile[e];
  out[threadIdx.x] = sum;
}

TEST(reading_other_lanes_stored_elements_needs_a_syncwarp) {
  Dev<float> out(32);
  store_then_read<<<1, 32, 256 * sizeof(float)>>>(out.p, 1);
  CHECK(launch_outcome() == "ok");
  for (float x : out.get()) CHECK(x == 512.f);
  // Without it, lane 0 runs on first and reads the other lanes' elements before they are written (NaN).
  store_then_read<<<1, 32, 256 * sizeof(float)>>>(out.p, 0);
  CHECK(launch_outcome() == "ok");
  CHECK(std::isnan(out.get()[0]));
}

TEST(wmma_needs_256_bit_aligned_tiles) {
  __nv_bfloat16* a = nullptr;
  REQUIRE(cudaMalloc(&a, 512 * sizeof(__nv_bfloat16)) == cudaSuccess);
  wmma_product<<<1, 32>>>(a, a, raw_floats(256), 8);  // 16 bytes past a 256-byte aligned base
  CHECK(fault_outcome().find("not 256-bit aligned") != std::string::npos);
}

TEST(device_memory_is_nan_filled_bounds_checked_and_limited) {
  Dev<float> d(16);
  for (float x : d.get()) CHECK(std::isnan(x));
  std::vector<float> big(17, 0.f);
  CHECK(cudaMemcpy(d.p, big.data(), 17 * sizeof(float), cudaMemcpyHostToDevice) == cudaErrorInvalidValue);
  CHECK(cudaMemcpy(d.p, d.p + 8, 4 * sizeof(float), cudaMemcpyHostToDevice) == cudaErrorInvalidValue);  // wrong kind
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

// cudaMemcpy2DAsync device to device (the CUDA model copies a fused projection's columns apart with it): rows at their
// pitches, what lies between untouched; a width above a pitch, or a span past an allocation, is refused.
TEST(memcpy_2d_copies_rows_at_their_pitches) {
  Dev<float> src(12), dst(8);
  std::vector<float> h(12);
  for (int i = 0; i < 12; ++i) h[size_t(i)] = float(i);
  src.put(h);
  dst.put(std::vector<float>(8, -1.f));
  // Columns 1 and 2 of a [3, 4] matrix into a dense [3, 2] one.
  CHECK(cudaMemcpy2DAsync(dst.p, 2 * 4, src.p + 1, 4 * 4, 2 * 4, 3, cudaMemcpyDeviceToDevice, nullptr) == cudaSuccess);
  CHECK(dst.get() == std::vector<float>({1, 2, 5, 6, 9, 10, -1, -1}));
  CHECK(cudaMemcpy2DAsync(dst.p, 4, src.p, 16, 8, 2, cudaMemcpyDeviceToDevice, nullptr) == cudaErrorInvalidPitchValue);
  CHECK(cudaGetLastError() == cudaErrorInvalidPitchValue);
  CHECK(cudaMemcpy2DAsync(dst.p, 8, src.p, 16, 8, 4, cudaMemcpyDeviceToDevice, nullptr) == cudaErrorInvalidValue);
  CHECK(cudaGetLastError() == cudaErrorInvalidValue);
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
  big_smem<<<1, dim3(1, 1, 128)>>>(out.p);  // 128 threads, but a block's z is at most 64
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

// The visible devices as cudart applies CUDA_VISIBLE_DEVICES: listed indices in order, renumbered from 0, up to the
// first invalid entry; set but empty hides every device. A GPU worker relies on it (TUNEFORGE_GPU_DEVICE).
std::vector<int> visible_sms(const char* visible) {
  if (visible) setenv("CUDA_VISIBLE_DEVICES", visible, 1);
  else unsetenv("CUDA_VISIBLE_DEVICES");
  int n = 0;
  std::vector<int> sms;
  if (cudaGetDeviceCount(&n) == cudaSuccess) {
    for (int i = 0; i < n; ++i) {
      cudaDeviceProp p{};
      CHECK(cudaGetDeviceProperties(&p, i) == cudaSuccess);
      sms.push_back(p.major * 10 + p.minor);
    }
  } else {
    (void)cudaGetLastError();
  }
  unsetenv("CUDA_VISIBLE_DEVICES");
  return sms;
}

TEST(cuda_visible_devices_picks_and_renumbers_the_devices) {
  setenv("TF_CUDA_EMU_SM", "80,90", 1);
  CHECK(visible_sms(nullptr) == std::vector<int>({80, 90}));
  CHECK(visible_sms("1") == std::vector<int>({90}));
  CHECK(visible_sms("1,0") == std::vector<int>({90, 80}));
  CHECK(visible_sms("0,7,1") == std::vector<int>({80}));  // 7 is no device: it and what follows are ignored
  CHECK(visible_sms("").empty());
  unsetenv("TF_CUDA_EMU_SM");
  CHECK(visible_sms(nullptr) == std::vector<int>({90}));
}

__global__ void shuffle_outside_mask(float* out) {
  if (threadIdx.x < 16) out[threadIdx.x] = __shfl_xor_sync(0x0000ffffu, 1.f, 16);  // lane ^ 16 is not in the mask
}

__global__ void shuffle_width_16(float* out) {
  out[threadIdx.x] = __shfl_xor_sync(0xffffffffu, float(threadIdx.x), 16, 16);
}

TEST(shuffles_follow_the_width_rules_and_fault_outside_their_mask) {
  Dev<float> out(32);
  shuffle_width_16<<<1, 32>>>(out.p);
  CHECK(launch_outcome() == "ok");
  const auto o = out.get();
  // Groups of 16: lanes 0-15 would read the later group, so they keep their own value; lanes 16-31 read the
  // earlier group (programming guide, __shfl_xor_sync).
  for (int l = 0; l < 16; ++l) CHECK(o[l] == float(l));
  for (int l = 16; l < 32; ++l) CHECK(o[l] == float(l - 16));
  shuffle_outside_mask<<<1, 32>>>(raw_floats(32));
  CHECK(fault_outcome().find("not in its mask") != std::string::npos);
}

__global__ void too_much_static_shared(float* out) {
  __shared__ float big[13 * 1024];  // 52 KiB: more static shared memory than any block may have
  big[threadIdx.x] = 1.f;
  out[threadIdx.x] = big[threadIdx.x];
}

TEST(static_shared_memory_counts_against_the_block_limit) {
  too_much_static_shared<<<1, 32>>>(raw_floats(32));
  CHECK(fault_outcome().find("static") != std::string::npos);
}

// Warp 1 reads a flag warp 0 sets after two collectives, with no barrier: a race. In fair order (blocks 0, 1, 3)
// warp 1 gets there first; in greedy order (block 2) warp 0 runs ahead and sets it first.
__global__ void warp_overtakes(int* seen) {
  __shared__ int flag;
  if (threadIdx.x == 0) flag = 0;
  __syncthreads();
  float v = __shfl_xor_sync(0xffffffffu, 1.f, 1);
  if (threadIdx.x < 32) {
    v += __shfl_xor_sync(0xffffffffu, v, 2);
    if (threadIdx.x == 0) flag = int(v);
  } else if (threadIdx.x == 32) {
    seen[blockIdx.x] = flag;
  }
}

TEST(blocks_rotate_through_fair_and_greedy_orders) {
  Dev<int> seen(4);
  warp_overtakes<<<4, 64>>>(seen.p);
  CHECK(launch_outcome() == "ok");
  const auto s = seen.get();
  CHECK(s[0] == 0);  // forward, fair: warp 1 read before warp 0 wrote
  CHECK(s[2] == 2);  // forward, greedy: warp 0 ran ahead through both collectives
}

__global__ void write_past_end(float* p, int n) { p[n + threadIdx.x * 1024] = 1.f; }

// Runs `launch` in a child process (an invalid access kills the process, as it kills a device context) and
// returns what the child wrote to stderr, and whether it died of a signal.
std::string child_stderr(void (*launch)(), bool* signalled) {
  int fds[2];
  REQUIRE(pipe(fds) == 0);
  const pid_t pid = fork();
  if (pid == 0) {
    dup2(fds[1], 2);
    close(fds[0]);
    launch();
    cudaDeviceSynchronize();
    _exit(0);
  }
  close(fds[1]);
  std::string text;
  char buf[512];
  for (ssize_t n; (n = read(fds[0], buf, sizeof buf)) > 0;) text.append(buf, size_t(n));
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  *signalled = WIFSIGNALED(status);
  return text;
}

TEST(an_access_past_an_allocation_is_reported_with_the_kernel_and_thread) {
  bool signalled = false;
  const std::string err = child_stderr([] {
    float* p = nullptr;
    cudaMalloc(&p, 1000 * sizeof(float));
    write_past_end<<<1, 32>>>(p, 1000);
  }, &signalled);
  CHECK(signalled);
  CHECK(err.find("invalid memory access") != std::string::npos);
  CHECK(err.find("kernel write_past_end, block (0,0,0), thread (") != std::string::npos);
}

// About 1 MiB of frames: more than a GPU thread's 256 KiB fiber stack.
int deep(int n) {
  volatile char pad[1024];
  pad[0] = char(n);
  return n == 0 ? pad[0] : deep(n - 1) + pad[0];
}
__global__ void overflow_stack(int* out) { out[threadIdx.x] = deep(1000); }

TEST(a_stack_overflow_in_a_kernel_is_reported_too) {
  bool signalled = false;
  const std::string err = child_stderr([] {
    int* p = nullptr;
    cudaMalloc(&p, 32 * sizeof(int));
    overflow_stack<<<1, 32>>>(p);
  }, &signalled);
  CHECK(signalled);
  CHECK(err.find("kernel overflow_stack, block (0,0,0), thread (") != std::string::npos);
  CHECK(err.find("stack overflow") != std::string::npos);
}

}  // namespace
