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

#include <sys/wait.h>
#include <unistd.h>

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

// A faulting launch's outcome. A fault is sticky, as on a device, so the context is reset afterwards, which frees
// every allocation: tests that fault allocate with cudaMalloc directly, never through Dev.
std::string fault_outcome() {
  const std::string o = launch_outcome();
  cudaDeviceReset();
  return o;
}
float* raw_floats(size_t n) {
  float* p = nullptr;
  REQUIRE(cudaMalloc(&p, n * sizeof(float)) == cudaSuccess);
  return p;
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

// ---- streams (streams.h): queued work, and the two drain orders that expose a missing cross-stream wait ----

__global__ void scale_into(const float* in, float* out, float k) { out[threadIdx.x] = in[threadIdx.x] * k; }

// Fixes the drain order for one test, and restores alternation after it.
struct StreamOrder {
  explicit StreamOrder(const char* order) { tf_emu::set_stream_order(order); }
  ~StreamOrder() { tf_emu::set_stream_order(nullptr); }
};

struct TwoStreams {
  cudaStream_t first = nullptr, second = nullptr;  // created in this order
  cudaEvent_t done = nullptr;
  TwoStreams() {
    REQUIRE(cudaStreamCreateWithFlags(&first, cudaStreamNonBlocking) == cudaSuccess);
    REQUIRE(cudaStreamCreateWithFlags(&second, cudaStreamNonBlocking) == cudaSuccess);
    REQUIRE(cudaEventCreateWithFlags(&done, cudaEventDisableTiming) == cudaSuccess);
  }
  ~TwoStreams() {
    cudaEventDestroy(done);
    cudaStreamDestroy(second);
    cudaStreamDestroy(first);
  }
};

TEST(work_on_a_non_blocking_stream_runs_when_the_host_synchronizes_with_it) {
  Dev<float> in(32), out(32);
  in.put(std::vector<float>(32, 3.f));
  cudaStream_t s = nullptr;
  REQUIRE(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking) == cudaSuccess);
  scale_into<<<1, 32, 0, s>>>(in.p, out.p, 2.f);
  CHECK(launch_outcome() == "ok");
  // A synchronous copy runs on the legacy stream, which a non-blocking stream is not ordered with: the kernel has
  // not run yet (a device may or may not have run it; the emulator makes the missing synchronization visible).
  CHECK(std::isnan(out.get()[0]));
  CHECK(cudaStreamSynchronize(s) == cudaSuccess);
  CHECK(out.get()[0] == 6.f);
  // An asynchronous copy into pageable host memory is synchronous with its own stream: it sees the stream's work.
  scale_into<<<1, 32, 0, s>>>(in.p, out.p, 5.f);
  std::vector<float> h(32, 0.f);
  CHECK(cudaMemcpyAsync(h.data(), out.p, 32 * sizeof(float), cudaMemcpyDeviceToHost, s) == cudaSuccess);
  CHECK(h[31] == 15.f);
  CHECK(cudaStreamDestroy(s) == cudaSuccess);
}

TEST(a_blocking_stream_is_ordered_with_the_legacy_stream) {
  Dev<float> in(32), out(32);
  in.put(std::vector<float>(32, 1.f));
  cudaStream_t s = nullptr;
  REQUIRE(cudaStreamCreate(&s) == cudaSuccess);
  scale_into<<<1, 32, 0, s>>>(in.p, out.p, 4.f);
  CHECK(out.get()[0] == 4.f);  // the legacy stream's copy waits for the blocking stream's work
  CHECK(cudaStreamDestroy(s) == cudaSuccess);
}

// Producer on `first`, consumer on `second`: with the event between them the consumer sees the product in either
// order; without it, the lag order (the synchronized stream first) shows the consumer reading the unwritten buffer.
TEST(a_consumer_that_does_not_wait_for_its_producer_reads_an_unwritten_buffer) {
  for (const char* order : {"lag", "lead"})
    for (bool wait : {true, false}) {
      StreamOrder fixed(order);
      TwoStreams t;
      Dev<float> in(32), mid(32), out(32);
      in.put(std::vector<float>(32, 1.5f));
      scale_into<<<1, 32, 0, t.first>>>(in.p, mid.p, 2.f);
      CHECK(cudaEventRecord(t.done, t.first) == cudaSuccess);
      if (wait) CHECK(cudaStreamWaitEvent(t.second, t.done, 0) == cudaSuccess);
      scale_into<<<1, 32, 0, t.second>>>(mid.p, out.p, 1.f);
      CHECK(cudaStreamSynchronize(t.second) == cudaSuccess);
      const float got = out.get()[7];
      if (wait || std::string(order) == "lead")
        CHECK(got == 3.f);
      else
        CHECK(std::isnan(got));
      CHECK(cudaDeviceSynchronize() == cudaSuccess);
    }
}

// Reader on `first`, writer on `second` reusing the reader's buffer: the writer must wait for the reader. Without
// that wait, the lead order (the other streams first) shows the reader getting the overwritten values.
TEST(a_producer_that_does_not_wait_for_its_consumer_overwrites_what_it_still_reads) {
  for (const char* order : {"lag", "lead"})
    for (bool wait : {true, false}) {
      StreamOrder fixed(order);
      TwoStreams t;
      Dev<float> a(32), b(32), out(32);
      a.put(std::vector<float>(32, 1.f));
      b.put(std::vector<float>(32, 7.f));
      scale_into<<<1, 32, 0, t.first>>>(a.p, out.p, 1.f);  // reads a
      CHECK(cudaEventRecord(t.done, t.first) == cudaSuccess);
      if (wait) CHECK(cudaStreamWaitEvent(t.second, t.done, 0) == cudaSuccess);
      scale_into<<<1, 32, 0, t.second>>>(b.p, a.p, 1.f);  // overwrites a
      CHECK(cudaStreamSynchronize(t.first) == cudaSuccess);
      const float got = out.get()[0];
      if (wait || std::string(order) == "lag")
        CHECK(got == 1.f);
      else
        CHECK(got == 7.f);
      CHECK(cudaDeviceSynchronize() == cudaSuccess);
    }
}

TEST(an_upload_on_a_stream_lands_when_that_stream_gets_there) {
  for (bool wait : {true, false}) {
    StreamOrder fixed("lag");
    TwoStreams t;
    Dev<float> dst(32), out(32);
    dst.put(std::vector<float>(32, 1.f));
    std::vector<float> host(32, 9.f);
    CHECK(cudaMemcpyAsync(dst.p, host.data(), 32 * sizeof(float), cudaMemcpyHostToDevice, t.first) == cudaSuccess);
    host.assign(32, -1.f);  // staged at the call: reusing the buffer changes nothing
    CHECK(cudaEventRecord(t.done, t.first) == cudaSuccess);
    if (wait) CHECK(cudaStreamWaitEvent(t.second, t.done, 0) == cudaSuccess);
    scale_into<<<1, 32, 0, t.second>>>(dst.p, out.p, 1.f);
    CHECK(cudaStreamSynchronize(t.second) == cudaSuccess);
    const float seen = out.get()[0];
    CHECK_EQ(seen, wait ? 9.f : 1.f);  // without the wait, the reader saw the buffer before the upload
    CHECK(cudaDeviceSynchronize() == cudaSuccess);
    const float landed = dst.get()[5];
    CHECK_EQ(landed, 9.f);
  }
}

TEST(the_legacy_stream_records_at_once_and_waits_for_other_streams_events) {
  StreamOrder fixed("lag");
  cudaStream_t s = nullptr;
  REQUIRE(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking) == cudaSuccess);
  cudaEvent_t e = nullptr;
  REQUIRE(cudaEventCreate(&e) == cudaSuccess);
  CHECK(cudaEventRecord(e, nullptr) == cudaSuccess);
  float ms = -1.f;
  CHECK(cudaEventElapsedTime(&ms, e, e) == cudaSuccess && ms == 0.f);  // done on return
  Dev<float> in(32), out(32);
  in.put(std::vector<float>(32, 2.f));
  scale_into<<<1, 32, 0, s>>>(in.p, out.p, 3.f);
  CHECK(cudaEventRecord(e, s) == cudaSuccess);
  CHECK(cudaStreamWaitEvent(nullptr, e, 0) == cudaSuccess);  // the legacy stream's next work comes after it
  const float after_wait = out.get()[0];
  CHECK_EQ(after_wait, 6.f);
  // A stream destroyed with work queued: the work still runs, as on a device.
  scale_into<<<1, 32, 0, s>>>(in.p, out.p, 4.f);
  CHECK(cudaStreamDestroy(s) == cudaSuccess);
  const float after_destroy = out.get()[0];
  CHECK_EQ(after_destroy, 8.f);
  CHECK(cudaEventDestroy(e) == cudaSuccess);
}

TEST(a_device_reset_drops_queued_work_and_its_events_count_as_done) {
  cudaStream_t s = nullptr;
  REQUIRE(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking) == cudaSuccess);
  cudaEvent_t e = nullptr;
  REQUIRE(cudaEventCreateWithFlags(&e, cudaEventDisableTiming | cudaEventBlockingSync) == cudaSuccess);
  cudaEvent_t bad = nullptr;
  CHECK(cudaEventCreateWithFlags(&bad, cudaEventInterprocess) == cudaErrorInvalidValue);  // needs DisableTiming
  cudaGetLastError();
  float* out = raw_floats(32);
  scale_into<<<1, 32, 0, s>>>(out, out, 2.f);
  CHECK(cudaEventRecord(e, s) == cudaSuccess);
  cudaDeviceReset();  // out is freed; the queued kernel must never run
  CHECK(cudaEventSynchronize(e) == cudaSuccess);
  CHECK(cudaStreamSynchronize(s) == cudaSuccess);
  CHECK(cudaStreamDestroy(s) == cudaSuccess);
  CHECK(cudaEventDestroy(e) == cudaSuccess);
}

TEST(a_captured_graph_replays_its_kernels_on_the_data_of_each_launch) {
  cudaStream_t s = nullptr;
  REQUIRE(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking) == cudaSuccess);
  Dev<float> in(32), mid(32), out(32);
  in.put(std::vector<float>(32, 1.f));
  const uint64_t launched = tf_emu::launch_count("scale_into");
  REQUIRE(cudaStreamBeginCapture(s, cudaStreamCaptureModeThreadLocal) == cudaSuccess);
  cudaStreamCaptureStatus status = cudaStreamCaptureStatusNone;
  CHECK(cudaStreamIsCapturing(s, &status) == cudaSuccess && status == cudaStreamCaptureStatusActive);
  scale_into<<<1, 32, 0, s>>>(in.p, mid.p, 2.f);
  CHECK(cudaMemcpyAsync(out.p, mid.p, 32 * sizeof(float), cudaMemcpyDeviceToDevice, s) == cudaSuccess);
  scale_into<<<1, 32, 0, s>>>(out.p, out.p, 3.f);
  cudaGraph_t graph = nullptr;
  REQUIRE(cudaStreamEndCapture(s, &graph) == cudaSuccess && graph);
  CHECK(cudaStreamIsCapturing(s, &status) == cudaSuccess && status == cudaStreamCaptureStatusNone);
  CHECK(cudaStreamSynchronize(s) == cudaSuccess);
  CHECK(std::isnan(out.get()[0]));  // captured, not run
  cudaGraphExec_t exec = nullptr;
  REQUIRE(cudaGraphInstantiate(&exec, graph, 0) == cudaSuccess);
  CHECK(cudaGraphDestroy(graph) == cudaSuccess);  // the instantiated graph stands alone
  for (float x : {1.f, 5.f}) {
    in.put(std::vector<float>(32, x));  // each launch reads the buffers as they are then
    CHECK(cudaGraphLaunch(exec, s) == cudaSuccess);
    CHECK(cudaStreamSynchronize(s) == cudaSuccess);
    const float got = out.get()[31];
    CHECK_EQ(got, 6.f * x);
  }
  CHECK_EQ(tf_emu::launch_count("scale_into"), launched + 2);  // launched while capturing; replays are not launches
  CHECK(cudaGraphExecDestroy(exec) == cudaSuccess);
  CHECK(cudaStreamDestroy(s) == cudaSuccess);
}

TEST(what_capture_cannot_take_fails_and_invalidates_the_capture) {
  cudaStream_t s = nullptr;
  REQUIRE(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking) == cudaSuccess);
  Dev<float> d(32);
  std::vector<float> host(32, 1.f);
  const auto broken = [&](cudaStreamCaptureMode mode, auto call) {
    REQUIRE(cudaStreamBeginCapture(s, mode) == cudaSuccess);
    const cudaError_t e = call();
    cudaGraph_t g = nullptr;
    const cudaError_t end = cudaStreamEndCapture(s, &g);
    if (g) cudaGraphDestroy(g);
    cudaGetLastError();
    return std::string(cudaGetErrorName(e)) + " / " + cudaGetErrorName(end);
  };
  const std::string refused = "cudaErrorStreamCaptureUnsupported / cudaErrorStreamCaptureInvalidated";
  const auto tl = cudaStreamCaptureModeThreadLocal;
  CHECK_EQ(broken(tl, [&] { return cudaStreamSynchronize(s); }), refused);
  CHECK_EQ(broken(tl, [&] { return cudaMemcpyAsync(d.p, host.data(), 32 * sizeof(float), cudaMemcpyHostToDevice, s); }), refused);
  CHECK_EQ(broken(tl, [&] { return cudaMemcpyAsync(host.data(), d.p, 32 * sizeof(float), cudaMemcpyDeviceToHost, s); }), refused);
  void* p = nullptr;
  CHECK_EQ(broken(tl, [&] { return cudaMalloc(&p, 256); }), refused);  // an allocation a replay would not repeat
  CHECK_EQ(broken(tl, [&] { return cudaDeviceSynchronize(); }), refused);
  // Events: a wait on a record made inside the same capture is in order already; one made outside crosses the
  // capture's boundary.
  cudaEvent_t e = nullptr;
  REQUIRE(cudaEventCreateWithFlags(&e, cudaEventDisableTiming) == cudaSuccess);
  CHECK_EQ(broken(tl, [&] {
    const cudaError_t r = cudaEventRecord(e, s);
    return r != cudaSuccess ? r : cudaStreamWaitEvent(s, e, 0);
  }), std::string("cudaSuccess / cudaSuccess"));
  CHECK(cudaEventRecord(e, s) == cudaSuccess);
  CHECK_EQ(broken(tl, [&] { return cudaStreamWaitEvent(s, e, 0); }), std::string("cudaErrorStreamCaptureIsolation / cudaErrorStreamCaptureInvalidated"));
  CHECK(cudaStreamSynchronize(s) == cudaSuccess);
  CHECK(cudaEventDestroy(e) == cudaSuccess);
  // Relaxed mode allows the thread's unsafe calls, but not synchronizing with the capturing stream itself.
  CHECK_EQ(broken(cudaStreamCaptureModeRelaxed, [&] { return cudaMalloc(&p, 256); }), std::string("cudaSuccess / cudaSuccess"));
  CHECK(cudaFree(p) == cudaSuccess);
  CHECK_EQ(broken(cudaStreamCaptureModeRelaxed, [&] { return cudaStreamSynchronize(s); }), refused);
  CHECK(cudaStreamDestroy(s) == cudaSuccess);
}

TEST(events_time_only_what_has_run_and_queued_work_runs_before_a_free) {
  cudaStream_t s = nullptr;
  REQUIRE(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking) == cudaSuccess);
  cudaEvent_t a = nullptr, b = nullptr, untimed = nullptr;
  REQUIRE(cudaEventCreate(&a) == cudaSuccess && cudaEventCreate(&b) == cudaSuccess);
  REQUIRE(cudaEventCreateWithFlags(&untimed, cudaEventDisableTiming) == cudaSuccess);
  float ms = -1.f;
  CHECK(cudaEventElapsedTime(&ms, a, b) == cudaErrorInvalidResourceHandle);  // never recorded
  float* in = raw_floats(32);
  float* out = raw_floats(32);
  CHECK(cudaMemsetAsync(in, 0, 32 * sizeof(float), s) == cudaSuccess);
  CHECK(cudaEventRecord(a, s) == cudaSuccess);
  scale_into<<<1, 32, 0, s>>>(in, out, 1.f);
  CHECK(cudaEventRecord(b, s) == cudaSuccess);
  CHECK(cudaEventRecord(untimed, s) == cudaSuccess);
  CHECK(cudaEventElapsedTime(&ms, a, b) == cudaErrorNotReady);  // queued, not run
  CHECK(cudaEventSynchronize(b) == cudaSuccess);
  CHECK(cudaEventElapsedTime(&ms, a, b) == cudaSuccess && ms >= 0.f);
  CHECK(cudaEventSynchronize(untimed) == cudaSuccess);
  CHECK(cudaEventElapsedTime(&ms, a, untimed) == cudaErrorInvalidResourceHandle);
  cudaGetLastError();
  // cudaFree synchronizes the device: the queued kernel runs before its buffers go (else it would fault).
  scale_into<<<1, 32, 0, s>>>(in, out, 2.f);
  CHECK(cudaFree(out) == cudaSuccess);
  CHECK(cudaFree(in) == cudaSuccess);
  CHECK(launch_outcome() == "ok");
  cudaEventDestroy(untimed), cudaEventDestroy(b), cudaEventDestroy(a);
  CHECK(cudaStreamDestroy(s) == cudaSuccess);
}

TEST(a_fault_in_queued_work_is_reported_when_the_host_synchronizes) {
  cudaStream_t s = nullptr;
  REQUIRE(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking) == cudaSuccess);
  float* out = raw_floats(32);
  diverged_collectives<<<1, 32, 0, s>>>(out);
  CHECK(cudaGetLastError() == cudaSuccess);  // the launch itself was valid
  const cudaError_t e = cudaStreamSynchronize(s);
  CHECK(e == cudaErrorLaunchFailure);
  CHECK(std::string(cudaGetErrorString(e)).find("kernel diverged_collectives") != std::string::npos);
  cudaStreamDestroy(s);
  cudaDeviceReset();
}

}  // namespace
