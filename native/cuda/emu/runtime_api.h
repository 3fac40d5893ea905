#pragma once
// Host-side CUDA runtime for the emulator: the part of cuda_runtime_api.h that native/cuda uses, over host memory.
// "Device" memory is host memory from cudaMalloc, filled with 0xFF bytes (NaN as float and bf16) so a kernel that
// reads memory nobody wrote shows NaN instead of a lucky zero; every allocation is registered, and cudaMemcpy /
// cudaMemset check that their device ranges lie inside one allocation (as out-of-bounds copies fail on a GPU).
// Work on a created stream is queued and runs when the host must see it, in an order chosen to expose missing
// cross-stream waits (streams.h); the legacy default stream runs its work at once. A kernel fault is sticky as on
// a device: every later call fails with cudaErrorLaunchFailure (whose string names the kernel, block, thread and
// why) until cudaDeviceReset. Invalid accesses past an allocation hit a guard page and are reported (fault.cc).
//
// Environment: TF_CUDA_EMU_SM lists the emulated devices' compute capabilities (default "90"; limits.h);
// TF_CUDA_EMU_MEMORY (bytes, default 16 GiB) its memory, so out-of-memory paths can be tested;
// TF_CUDA_EMU_DEVICES=0 emulates a machine with a driver but no device; CUDA_VISIBLE_DEVICES picks and renumbers
// the devices as the runtime does; TF_CUDA_EMU_TRACE=1 prints every launch with its geometry and wall time to stderr.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <tuple>

#include "device.h"

enum cudaError {
  cudaSuccess = 0,
  cudaErrorInvalidValue = 1,
  cudaErrorMemoryAllocation = 2,
  cudaErrorInitializationError = 3,
  cudaErrorInvalidConfiguration = 9,
  cudaErrorInvalidPitchValue = 12,
  cudaErrorInvalidDevicePointer = 17,
  cudaErrorInsufficientDriver = 35,
  cudaErrorNoDevice = 100,
  cudaErrorInvalidDevice = 101,
  cudaErrorNoKernelImageForDevice = 209,
  cudaErrorInvalidResourceHandle = 400,
  cudaErrorNotReady = 600,
  cudaErrorLaunchFailure = 719,
  cudaErrorStreamCaptureUnsupported = 900,
  cudaErrorStreamCaptureInvalidated = 901,
  cudaErrorStreamCaptureIsolation = 905,
};
typedef enum cudaError cudaError_t;

enum cudaMemcpyKind {
  cudaMemcpyHostToHost = 0,
  cudaMemcpyHostToDevice = 1,
  cudaMemcpyDeviceToHost = 2,
  cudaMemcpyDeviceToDevice = 3,
  cudaMemcpyDefault = 4,
};
enum cudaDeviceAttr {
  cudaDevAttrMaxThreadsPerBlock = 1,
  cudaDevAttrMultiProcessorCount = 16,
  cudaDevAttrComputeCapabilityMajor = 75,
  cudaDevAttrComputeCapabilityMinor = 76,
  cudaDevAttrMaxSharedMemoryPerBlockOptin = 97,
};
enum cudaFuncAttribute {
  cudaFuncAttributeMaxDynamicSharedMemorySize = 8,
};

struct CUstream_st;
struct CUevent_st;
typedef CUstream_st* cudaStream_t;
typedef CUevent_st* cudaEvent_t;
constexpr unsigned cudaStreamDefault = 0, cudaStreamNonBlocking = 1;
enum cudaStreamCaptureMode {
  cudaStreamCaptureModeGlobal = 0,
  cudaStreamCaptureModeThreadLocal = 1,
  cudaStreamCaptureModeRelaxed = 2,
};
enum cudaStreamCaptureStatus {
  cudaStreamCaptureStatusNone = 0,
  cudaStreamCaptureStatusActive = 1,
  cudaStreamCaptureStatusInvalidated = 2,
};
struct CUgraph_st;
struct CUgraphExec_st;
typedef CUgraph_st* cudaGraph_t;
typedef CUgraphExec_st* cudaGraphExec_t;
constexpr unsigned cudaEventDefault = 0, cudaEventBlockingSync = 1, cudaEventDisableTiming = 2, cudaEventInterprocess = 4;

struct cudaDeviceProp {
  char name[256];
  size_t totalGlobalMem;
  size_t sharedMemPerBlock;
  size_t sharedMemPerBlockOptin;
  int warpSize;
  int maxThreadsPerBlock;
  int major, minor;
  int multiProcessorCount;
};

const char* cudaGetErrorName(cudaError_t e);
const char* cudaGetErrorString(cudaError_t e);
cudaError_t cudaGetLastError();
cudaError_t cudaPeekAtLastError();

cudaError_t cudaGetDeviceCount(int* count);
cudaError_t cudaGetDeviceProperties(cudaDeviceProp* prop, int device);
cudaError_t cudaDeviceGetAttribute(int* value, cudaDeviceAttr attr, int device);
cudaError_t cudaSetDevice(int device);
cudaError_t cudaGetDevice(int* device);
cudaError_t cudaDeviceSynchronize();
// Destroys the context: frees every allocation and clears a sticky error (the only way, as on a device).
cudaError_t cudaDeviceReset();
cudaError_t cudaMemGetInfo(size_t* free_bytes, size_t* total_bytes);

cudaError_t cudaMalloc(void** p, size_t bytes);
template <typename T>
cudaError_t cudaMalloc(T** p, size_t bytes) {
  return cudaMalloc(reinterpret_cast<void**>(p), bytes);
}
cudaError_t cudaFree(void* p);
cudaError_t cudaMemcpy(void* dst, const void* src, size_t bytes, cudaMemcpyKind kind);
cudaError_t cudaMemcpyAsync(void* dst, const void* src, size_t bytes, cudaMemcpyKind kind, cudaStream_t stream = nullptr);
// Device to device only here (what the backend uses it for: columns of a row-major matrix to or from a dense one).
cudaError_t cudaMemcpy2DAsync(void* dst, size_t dpitch, const void* src, size_t spitch, size_t width, size_t height,
                              cudaMemcpyKind kind, cudaStream_t stream = nullptr);
cudaError_t cudaMemset(void* p, int value, size_t bytes);
cudaError_t cudaMemsetAsync(void* p, int value, size_t bytes, cudaStream_t stream = nullptr);

cudaError_t cudaStreamCreate(cudaStream_t* s);
cudaError_t cudaStreamCreateWithFlags(cudaStream_t* s, unsigned flags);
// Priorities are accepted and ignored: they do not change the drain orders (streams.h).
cudaError_t cudaStreamCreateWithPriority(cudaStream_t* s, unsigned flags, int priority);
cudaError_t cudaDeviceGetStreamPriorityRange(int* least, int* greatest);
cudaError_t cudaStreamDestroy(cudaStream_t s);
cudaError_t cudaStreamSynchronize(cudaStream_t s);
cudaError_t cudaStreamWaitEvent(cudaStream_t s, cudaEvent_t e, unsigned flags = 0);

// Graphs (graphs.cc): a captured stream's kernels, copies, memsets, event records and waits, replayed in order.
cudaError_t cudaStreamBeginCapture(cudaStream_t s, cudaStreamCaptureMode mode);
cudaError_t cudaStreamEndCapture(cudaStream_t s, cudaGraph_t* graph);
cudaError_t cudaStreamIsCapturing(cudaStream_t s, cudaStreamCaptureStatus* status);
cudaError_t cudaGraphInstantiate(cudaGraphExec_t* exec, cudaGraph_t graph, unsigned long long flags = 0);
cudaError_t cudaGraphLaunch(cudaGraphExec_t exec, cudaStream_t s);
cudaError_t cudaGraphExecDestroy(cudaGraphExec_t exec);
cudaError_t cudaGraphDestroy(cudaGraph_t graph);

cudaError_t cudaEventCreate(cudaEvent_t* e);
cudaError_t cudaEventCreateWithFlags(cudaEvent_t* e, unsigned flags);
cudaError_t cudaEventDestroy(cudaEvent_t e);
cudaError_t cudaEventRecord(cudaEvent_t e, cudaStream_t s = nullptr);
cudaError_t cudaEventSynchronize(cudaEvent_t e);
cudaError_t cudaEventElapsedTime(float* ms, cudaEvent_t start, cudaEvent_t end);

namespace tf_emu {

cudaError_t set_func_max_dynamic_smem(const void* fn, int bytes);
// How many times a kernel (by its name at the launch site) has run in this process: lets a test see which code
// path a high-level call took on the "device".
uint64_t launch_count(const std::string& kernel);
// The most device memory that was allocated at once (in cudaMalloc's 256-byte granules) since the last reset;
// reset = true starts a new window at the current level. What a test holds a backend's memory report against.
size_t device_bytes_peak(bool reset = false);
// The order in which synchronizations run queued stream work (streams.h): "lag" or "lead", or nullptr to alternate
// (TF_CUDA_EMU_STREAMS sets it at start-up). For tests that must see one order.
void set_stream_order(const char* order);
// Validates the configuration (an invalid one is this call's error, for cudaGetLastError) and queues the grid on
// the stream (streams.h); `keep` owns what body.ctx points to until the grid has run.
void launch_grid(const char* name, const void* fn, dim3 grid, dim3 block, size_t smem, cudaStream_t stream,
                 KernelBody body, std::shared_ptr<void> keep);

// `kernel<<<grid, block, smem, stream>>>(args...)` after translate.mjs:
// `::tf_emu::Launch("kernel", grid, block, smem, stream).run(kernel, args...)`. Arguments are converted to the
// kernel's parameter types once, at launch (the grid may run later), and every thread gets its own copy, as on the
// device.
class Launch {
 public:
  Launch(const char* name, dim3 grid, dim3 block, size_t smem = 0, cudaStream_t stream = nullptr)
      : name_(name), grid_(grid), block_(block), smem_(smem), stream_(stream) {}

  template <typename... P, typename... A>
  void run(void (*fn)(P...), A&&... args) {
    static_assert(sizeof...(P) == sizeof...(A), "kernel launched with the wrong number of arguments");
    using Params = std::tuple<std::decay_t<P>...>;
    struct Ctx {
      void (*fn)(P...);
      Params params;
    };
    auto ctx = std::make_shared<Ctx>(Ctx{fn, Params(static_cast<std::decay_t<P>>(std::forward<A>(args))...)});
    KernelBody body{[](void* c) {
                      auto* x = static_cast<Ctx*>(c);
                      Params copy = x->params;  // each thread's own parameters
                      std::apply(x->fn, copy);
                    },
                    ctx.get()};
    launch_grid(name_, reinterpret_cast<const void*>(fn), grid_, block_, smem_, stream_, body, ctx);
  }

 private:
  const char* name_;
  dim3 grid_, block_;
  size_t smem_;
  cudaStream_t stream_;
};

}  // namespace tf_emu

template <typename F>
cudaError_t cudaFuncSetAttribute(F* fn, cudaFuncAttribute attr, int value) {
  if (attr != cudaFuncAttributeMaxDynamicSharedMemorySize) return cudaErrorInvalidValue;
  return ::tf_emu::set_func_max_dynamic_smem(reinterpret_cast<const void*>(fn), value);
}
