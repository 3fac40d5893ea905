// The emulator's host runtime (runtime_api.h): memory, copies, streams, events, device queries and launches.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>
#include <algorithm>

#include "limits.h"
#include "runtime_api.h"

namespace tf_emu {

namespace {

// cuBLASLt (when a machine has it) would be handed host pointers as device memory: the emulator always uses
// native/cuda's own WMMA GEMM, whatever TF_CUDA_GEMM says.
[[maybe_unused]] const bool g_forced_wmma = [] {
  setenv("TF_CUDA_GEMM", "wmma", 1);
  return true;
}();

struct State {
  std::mutex mu;
  std::map<uintptr_t, size_t> allocations;  // base -> bytes asked for (copies past them fail)
  size_t allocated = 0;
  std::unordered_map<const void*, int> max_dynamic_smem;  // cudaFuncSetAttribute
  cudaError_t last_error = cudaSuccess;                  // cudaGetLastError
  std::string last_fault;                                // the message of the last kernel fault
  std::unordered_map<std::string, uint64_t> launches;     // successful launches per kernel name
};
State& state() {
  static State s;
  return s;
}

// Read at every call, so a test can shrink the device between allocations.
size_t memory_bytes() {
  const char* v = std::getenv("TF_CUDA_EMU_MEMORY");
  if (v && *v) return size_t(std::strtoull(v, nullptr, 10));
  return size_t(16) << 30;
}

bool no_device() {
  const char* v = std::getenv("TF_CUDA_EMU_DEVICES");
  return v && std::strcmp(v, "0") == 0;
}

cudaError_t record(cudaError_t e) {
  if (e != cudaSuccess) state().last_error = e;
  return e;
}

// A pending kernel fault is reported by the next synchronizing call, then cleared (cudaGetLastError also
// returns it).
cudaError_t pending() {
  State& s = state();
  if (s.last_error == cudaErrorLaunchFailure) return cudaErrorLaunchFailure;
  return cudaSuccess;
}

// Whether [p, p + bytes) lies inside one cudaMalloc allocation.
bool device_range(const void* p, size_t bytes) {
  State& s = state();
  std::lock_guard<std::mutex> lock(s.mu);
  const auto a = reinterpret_cast<uintptr_t>(p);
  auto it = s.allocations.upper_bound(a);
  if (it == s.allocations.begin()) return false;
  --it;
  return a >= it->first && a + bytes <= it->first + it->second;
}

cudaError_t check_copy(void* dst, const void* src, size_t bytes, cudaMemcpyKind kind) {
  if (bytes == 0) return cudaSuccess;
  const bool dst_dev = device_range(dst, bytes), src_dev = device_range(src, bytes);
  switch (kind) {
    case cudaMemcpyHostToDevice: return dst_dev ? cudaSuccess : cudaErrorInvalidValue;
    case cudaMemcpyDeviceToHost: return src_dev ? cudaSuccess : cudaErrorInvalidValue;
    case cudaMemcpyDeviceToDevice: return dst_dev && src_dev ? cudaSuccess : cudaErrorInvalidValue;
    case cudaMemcpyHostToHost: return cudaSuccess;
    case cudaMemcpyDefault: return cudaSuccess;
  }
  return cudaErrorInvalidValue;
}

}  // namespace

namespace {
std::vector<int> device_sms() {
  std::vector<int> out;
  const char* v = std::getenv("TF_CUDA_EMU_SM");
  std::string list = v && *v ? v : "90";
  size_t start = 0;
  while (start <= list.size()) {
    const size_t end = std::min(list.find(',', start), list.size());
    const int sm = std::atoi(list.substr(start, end - start).c_str());
    out.push_back(sm > 0 ? sm : 90);
    start = end + 1;
  }
  return out;
}
thread_local int g_current_device = 0;
}  // namespace

int limits::device_count() { return no_device() ? 0 : int(device_sms().size()); }

limits::Device limits::device(int index) {
  const std::vector<int> sms = device_sms();
  const int sm = index >= 0 && index < int(sms.size()) ? sms[size_t(index)] : 90;
  Device d;
  d.sm = sm;
  d.name = "tuneforge CUDA emulator (CPU; sm_" + std::to_string(sm) + ")";
  d.shared_optin = sm >= 90 ? 232448 : 166912;
  d.multiprocessors = sm >= 90 ? 132 : 108;
  return d;
}

uint64_t launch_count(const std::string& kernel) {
  State& s = state();
  std::lock_guard<std::mutex> lock(s.mu);
  auto it = s.launches.find(kernel);
  return it == s.launches.end() ? 0 : it->second;
}

cudaError_t set_func_max_dynamic_smem(const void* fn, int bytes) {
  if (bytes < 0 || size_t(bytes) > limits::device(g_current_device).shared_optin) return record(cudaErrorInvalidValue);
  State& s = state();
  std::lock_guard<std::mutex> lock(s.mu);
  s.max_dynamic_smem[fn] = bytes;
  return cudaSuccess;
}

void launch_grid(const char* name, const void* fn, dim3 grid, dim3 block, size_t smem, cudaStream_t stream,
                 KernelBody body) {
  (void)stream;
  State& s = state();
  const unsigned threads = block.x * block.y * block.z;
  if (threads == 0 || threads > limits::kMaxThreadsPerBlock || grid.x == 0 || grid.y == 0 || grid.z == 0 ||
      grid.y > limits::kMaxGridY || grid.z > limits::kMaxGridZ) {
    std::fprintf(stderr, "tf_emu: kernel %s: invalid launch configuration grid (%u,%u,%u) block (%u,%u,%u)\n", name,
                 grid.x, grid.y, grid.z, block.x, block.y, block.z);
    record(cudaErrorInvalidConfiguration);
    return;
  }
  // The kernels are built for sm_80 and sm_90a: an older device has no image to run.
  if (limits::device(g_current_device).sm < 80) {
    std::fprintf(stderr, "tf_emu: kernel %s: no kernel image for device %d (sm_%d)\n", name, g_current_device,
                 limits::device(g_current_device).sm);
    record(cudaErrorNoKernelImageForDevice);
    return;
  }
  size_t allowed = limits::kDefaultSharedBytes;
  {
    std::lock_guard<std::mutex> lock(s.mu);
    auto it = s.max_dynamic_smem.find(fn);
    if (it != s.max_dynamic_smem.end()) allowed = size_t(it->second);
  }
  if (smem > allowed) {
    std::fprintf(stderr, "tf_emu: kernel %s asks for %zu bytes of dynamic shared memory; %zu allowed%s\n", name, smem,
                 allowed, allowed == limits::kDefaultSharedBytes ? " (no cudaFuncSetAttribute raised it)" : "");
    record(cudaErrorInvalidValue);
    return;
  }
  // One launch at a time: kernels share the emulator's per-thread scheduler state and their static shared memory.
  static std::mutex launch_mu;
  std::lock_guard<std::mutex> lock(launch_mu);
  const auto t0 = std::chrono::steady_clock::now();
  const LaunchResult r = run_grid(name, fn, grid, block, smem, body);
  if (const char* trace = std::getenv("TF_CUDA_EMU_TRACE"); trace && std::strcmp(trace, "1") == 0)
    std::fprintf(stderr, "tf_emu: %s grid (%u,%u,%u) block (%u,%u,%u) smem %zu: %.1f ms\n", name, grid.x, grid.y, grid.z,
                 block.x, block.y, block.z, smem,
                 std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  if (r.error == 0) {
    std::lock_guard<std::mutex> slock(s.mu);
    s.launches[name] += 1;
  } else {
    std::fprintf(stderr, "tf_emu: %s\n", r.message.c_str());
    std::lock_guard<std::mutex> slock(s.mu);
    s.last_fault = r.message;
    s.last_error = cudaError_t(r.error);
  }
}

}  // namespace tf_emu

using tf_emu::record;

const char* cudaGetErrorName(cudaError_t e) {
  switch (e) {
    case cudaSuccess: return "cudaSuccess";
    case cudaErrorInvalidValue: return "cudaErrorInvalidValue";
    case cudaErrorMemoryAllocation: return "cudaErrorMemoryAllocation";
    case cudaErrorInitializationError: return "cudaErrorInitializationError";
    case cudaErrorInvalidConfiguration: return "cudaErrorInvalidConfiguration";
    case cudaErrorInvalidDevicePointer: return "cudaErrorInvalidDevicePointer";
    case cudaErrorInsufficientDriver: return "cudaErrorInsufficientDriver";
    case cudaErrorNoDevice: return "cudaErrorNoDevice";
    case cudaErrorInvalidDevice: return "cudaErrorInvalidDevice";
    case cudaErrorNoKernelImageForDevice: return "cudaErrorNoKernelImageForDevice";
    case cudaErrorInvalidResourceHandle: return "cudaErrorInvalidResourceHandle";
    case cudaErrorNotReady: return "cudaErrorNotReady";
    case cudaErrorLaunchFailure: return "cudaErrorLaunchFailure";
  }
  return "cudaErrorUnknown";
}

const char* cudaGetErrorString(cudaError_t e) {
  switch (e) {
    case cudaSuccess: return "no error";
    case cudaErrorInvalidValue: return "invalid argument";
    case cudaErrorMemoryAllocation: return "out of memory";
    case cudaErrorInitializationError: return "initialization error";
    case cudaErrorInvalidConfiguration: return "invalid configuration argument";
    case cudaErrorInvalidDevicePointer: return "invalid device pointer";
    case cudaErrorInsufficientDriver: return "CUDA driver version is insufficient for CUDA runtime version";
    case cudaErrorNoDevice: return "no CUDA-capable device is detected";
    case cudaErrorInvalidDevice: return "invalid device ordinal";
    case cudaErrorNoKernelImageForDevice: return "no kernel image is available for execution on the device";
    case cudaErrorInvalidResourceHandle: return "invalid resource handle";
    case cudaErrorNotReady: return "device not ready";
    case cudaErrorLaunchFailure: {
      // The emulator knows which kernel, block and thread failed, and why: say it.
      thread_local std::string text;
      text = "unspecified launch failure (" + tf_emu::state().last_fault + ")";
      return text.c_str();
    }
  }
  return "unknown error";
}

cudaError_t cudaGetLastError() {
  auto& s = tf_emu::state();
  const cudaError_t e = s.last_error;
  s.last_error = cudaSuccess;
  return e;
}
cudaError_t cudaPeekAtLastError() { return tf_emu::state().last_error; }

cudaError_t cudaGetDeviceCount(int* count) {
  *count = tf_emu::limits::device_count();
  return *count == 0 ? record(cudaErrorNoDevice) : cudaSuccess;
}

cudaError_t cudaGetDeviceProperties(cudaDeviceProp* prop, int device) {
  if (device < 0 || device >= tf_emu::limits::device_count()) return record(cudaErrorInvalidDevice);
  const auto d = tf_emu::limits::device(device);
  std::memset(prop, 0, sizeof *prop);
  std::snprintf(prop->name, sizeof prop->name, "%s", d.name.c_str());
  prop->totalGlobalMem = tf_emu::memory_bytes();
  prop->sharedMemPerBlock = tf_emu::limits::kDefaultSharedBytes;
  prop->sharedMemPerBlockOptin = d.shared_optin;
  prop->warpSize = 32;
  prop->maxThreadsPerBlock = int(tf_emu::limits::kMaxThreadsPerBlock);
  prop->major = d.sm / 10;
  prop->minor = d.sm % 10;
  prop->multiProcessorCount = d.multiprocessors;
  return cudaSuccess;
}

cudaError_t cudaDeviceGetAttribute(int* value, cudaDeviceAttr attr, int device) {
  if (device < 0 || device >= tf_emu::limits::device_count()) return record(cudaErrorInvalidDevice);
  const auto d = tf_emu::limits::device(device);
  switch (attr) {
    case cudaDevAttrMaxThreadsPerBlock: *value = int(tf_emu::limits::kMaxThreadsPerBlock); return cudaSuccess;
    case cudaDevAttrMultiProcessorCount: *value = d.multiprocessors; return cudaSuccess;
    case cudaDevAttrComputeCapabilityMajor: *value = d.sm / 10; return cudaSuccess;
    case cudaDevAttrComputeCapabilityMinor: *value = d.sm % 10; return cudaSuccess;
    case cudaDevAttrMaxSharedMemoryPerBlockOptin: *value = int(d.shared_optin); return cudaSuccess;
  }
  return record(cudaErrorInvalidValue);
}

// Every emulated device shares the host's memory; the current one only decides which limits launches get.
cudaError_t cudaSetDevice(int device) {
  if (tf_emu::limits::device_count() == 0) return record(cudaErrorNoDevice);
  if (device < 0 || device >= tf_emu::limits::device_count()) return record(cudaErrorInvalidDevice);
  tf_emu::g_current_device = device;
  return cudaSuccess;
}
cudaError_t cudaGetDevice(int* device) {
  *device = tf_emu::g_current_device;
  return tf_emu::limits::device_count() == 0 ? record(cudaErrorNoDevice) : cudaSuccess;
}
cudaError_t cudaDeviceSynchronize() { return tf_emu::pending(); }

cudaError_t cudaMemGetInfo(size_t* free_bytes, size_t* total_bytes) {
  auto& s = tf_emu::state();
  std::lock_guard<std::mutex> lock(s.mu);
  *total_bytes = tf_emu::memory_bytes();
  *free_bytes = *total_bytes - s.allocated;
  return cudaSuccess;
}

cudaError_t cudaMalloc(void** p, size_t bytes) {
  *p = nullptr;
  auto& s = tf_emu::state();
  {
    std::lock_guard<std::mutex> lock(s.mu);
    const size_t rounded = (bytes + 255) / 256 * 256;
    if (s.allocated + rounded > tf_emu::memory_bytes()) return record(cudaErrorMemoryAllocation);
    void* q = std::aligned_alloc(256, rounded == 0 ? 256 : rounded);
    if (!q) return record(cudaErrorMemoryAllocation);
    s.allocations[reinterpret_cast<uintptr_t>(q)] = bytes;
    s.allocated += rounded;
    *p = q;
  }
  std::memset(*p, 0xff, bytes);  // NaN as float and bf16: reads of memory nobody wrote are visible
  return cudaSuccess;
}

cudaError_t cudaFree(void* p) {
  if (!p) return cudaSuccess;
  auto& s = tf_emu::state();
  std::lock_guard<std::mutex> lock(s.mu);
  auto it = s.allocations.find(reinterpret_cast<uintptr_t>(p));
  if (it == s.allocations.end()) return record(cudaErrorInvalidDevicePointer);
  s.allocated -= (it->second + 255) / 256 * 256;
  s.allocations.erase(it);
  std::free(p);
  return cudaSuccess;
}

cudaError_t cudaMemcpy(void* dst, const void* src, size_t bytes, cudaMemcpyKind kind) {
  if (const cudaError_t e = tf_emu::pending(); e != cudaSuccess) return e;
  return cudaMemcpyAsync(dst, src, bytes, kind, nullptr);
}
cudaError_t cudaMemcpyAsync(void* dst, const void* src, size_t bytes, cudaMemcpyKind kind, cudaStream_t) {
  if (const cudaError_t e = tf_emu::check_copy(dst, src, bytes, kind); e != cudaSuccess) {
    std::fprintf(stderr, "tf_emu: cudaMemcpy of %zu bytes (kind %d): a device range lies outside every allocation\n",
                 bytes, int(kind));
    return record(e);
  }
  if (bytes) std::memmove(dst, src, bytes);
  return cudaSuccess;
}
cudaError_t cudaMemset(void* p, int value, size_t bytes) { return cudaMemsetAsync(p, value, bytes, nullptr); }
cudaError_t cudaMemsetAsync(void* p, int value, size_t bytes, cudaStream_t) {
  if (bytes && !tf_emu::device_range(p, bytes)) {
    std::fprintf(stderr, "tf_emu: cudaMemset of %zu bytes outside every allocation\n", bytes);
    return record(cudaErrorInvalidValue);
  }
  if (bytes) std::memset(p, value, bytes);
  return cudaSuccess;
}

struct CUstream_st {
  unsigned flags = 0;
};
struct CUevent_st {
  std::chrono::steady_clock::time_point at{};
  bool recorded = false;
};

cudaError_t cudaStreamCreate(cudaStream_t* s) { return cudaStreamCreateWithFlags(s, cudaStreamDefault); }
cudaError_t cudaStreamCreateWithFlags(cudaStream_t* s, unsigned flags) {
  *s = new CUstream_st{flags};
  return cudaSuccess;
}
cudaError_t cudaStreamDestroy(cudaStream_t s) {
  delete s;
  return cudaSuccess;
}
cudaError_t cudaStreamSynchronize(cudaStream_t) {
  const cudaError_t e = tf_emu::pending();
  return e;
}

cudaError_t cudaEventCreate(cudaEvent_t* e) {
  *e = new CUevent_st();
  return cudaSuccess;
}
cudaError_t cudaEventDestroy(cudaEvent_t e) {
  delete e;
  return cudaSuccess;
}
cudaError_t cudaEventRecord(cudaEvent_t e, cudaStream_t) {
  if (!e) return record(cudaErrorInvalidResourceHandle);
  e->at = std::chrono::steady_clock::now();
  e->recorded = true;
  return cudaSuccess;
}
cudaError_t cudaEventSynchronize(cudaEvent_t e) {
  if (!e) return record(cudaErrorInvalidResourceHandle);
  return tf_emu::pending();
}
cudaError_t cudaEventElapsedTime(float* ms, cudaEvent_t a, cudaEvent_t b) {
  if (!a || !b) return record(cudaErrorInvalidResourceHandle);
  if (!a->recorded || !b->recorded) return record(cudaErrorInvalidResourceHandle);
  *ms = std::chrono::duration<float, std::milli>(b->at - a->at).count();
  return cudaSuccess;
}
