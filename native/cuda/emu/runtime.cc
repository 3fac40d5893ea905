// The emulator's host runtime (runtime_api.h): errors, device queries and launches. Streams and events are in
// streams.cc, memory in memory.cc, invalid-access reports in fault.cc.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "limits.h"
#include "state.h"
#include "streams.h"

namespace tf_emu {

namespace {

thread_local cudaError_t t_last_error = cudaSuccess;  // per thread, as CUDA's
thread_local int t_current_device = 0;

// TF_CUDA_EMU_SM: compute capabilities separated by commas, one per device of the machine.
std::vector<int> machine_sms() {
  std::vector<int> out;
  const char* v = std::getenv("TF_CUDA_EMU_SM");
  const std::string list = v && *v ? v : "90";
  size_t start = 0;
  while (start <= list.size()) {
    const size_t end = std::min(list.find(',', start), list.size());
    const int sm = std::atoi(list.substr(start, end - start).c_str());
    out.push_back(sm > 0 ? sm : 90);
    start = end + 1;
  }
  return out;
}

// The devices this process sees, as the CUDA runtime applies CUDA_VISIBLE_DEVICES (a GPU worker exports it from
// TUNEFORGE_GPU_DEVICE): unset, every device; otherwise the listed indices in that order, renumbered from 0, up to
// the first entry that is not a valid index (the runtime ignores it and everything after it); set but empty, none.
std::vector<int> device_sms() {
  const std::vector<int> machine = machine_sms();
  const char* v = std::getenv("CUDA_VISIBLE_DEVICES");
  if (v == nullptr) return machine;
  std::vector<int> out;
  const std::string list = v;
  size_t start = 0;
  while (start < list.size()) {
    const size_t end = std::min(list.find(',', start), list.size());
    const std::string entry = list.substr(start, end - start);
    char* rest = nullptr;
    const long index = std::strtol(entry.c_str(), &rest, 10);
    if (entry.empty() || *rest != '\0' || index < 0 || index >= long(machine.size())) break;
    out.push_back(machine[size_t(index)]);
    start = end + 1;
  }
  return out;
}

}  // namespace

State& state() {
  static State s;
  return s;
}

cudaError_t record(cudaError_t e) {
  if (e != cudaSuccess) t_last_error = e;
  return e;
}

cudaError_t sticky_error() {
  State& s = state();
  std::lock_guard<std::mutex> lock(s.mu);
  return s.sticky == cudaSuccess ? cudaSuccess : record(s.sticky);
}

size_t memory_bytes() {
  const char* v = std::getenv("TF_CUDA_EMU_MEMORY");
  if (v && *v) return size_t(std::strtoull(v, nullptr, 10));
  return size_t(16) << 30;
}

bool no_device() {
  const char* v = std::getenv("TF_CUDA_EMU_DEVICES");
  return v && std::strcmp(v, "0") == 0;
}

int current_device() { return t_current_device; }

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
  if (const cudaError_t e = sticky_error()) return e;
  if (bytes < 0 || size_t(bytes) > limits::device(t_current_device).shared_optin) return record(cudaErrorInvalidValue);
  State& s = state();
  std::lock_guard<std::mutex> lock(s.mu);
  s.max_dynamic_smem[fn] = bytes;
  return cudaSuccess;
}

void launch_grid(const char* name, const void* fn, dim3 grid, dim3 block, size_t smem, cudaStream_t stream,
                 KernelBody body, std::shared_ptr<void> keep) {
  if (sticky_error()) return;
  State& s = state();
  const uint64_t threads = uint64_t(block.x) * block.y * block.z;
  if (threads == 0 || threads > limits::kMaxThreadsPerBlock || block.x > limits::kMaxBlockX ||
      block.y > limits::kMaxBlockY || block.z > limits::kMaxBlockZ || grid.x == 0 || grid.y == 0 || grid.z == 0 ||
      grid.x > limits::kMaxGridX || grid.y > limits::kMaxGridY || grid.z > limits::kMaxGridZ) {
    std::fprintf(stderr, "tf_emu: kernel %s: invalid launch configuration grid (%u,%u,%u) block (%u,%u,%u)\n", name,
                 grid.x, grid.y, grid.z, block.x, block.y, block.z);
    record(cudaErrorInvalidConfiguration);
    return;
  }
  const limits::Device dev = limits::device(t_current_device);
  // The kernels are built for sm_80 and sm_90a: an older device has no image to run.
  if (dev.sm < 80) {
    std::fprintf(stderr, "tf_emu: kernel %s: no kernel image for device %d (sm_%d)\n", name, t_current_device, dev.sm);
    record(cudaErrorNoKernelImageForDevice);
    return;
  }
  size_t allowed = limits::kDefaultSharedBytes;
  bool raised = false;
  {
    std::lock_guard<std::mutex> lock(s.mu);
    auto it = s.max_dynamic_smem.find(fn);
    if (it != s.max_dynamic_smem.end()) allowed = size_t(it->second), raised = true;
  }
  if (smem > allowed) {
    std::fprintf(stderr, "tf_emu: kernel %s asks for %zu bytes of dynamic shared memory; %zu allowed%s\n", name, smem,
                 allowed, raised ? "" : " (no cudaFuncSetAttribute raised it)");
    record(cudaErrorInvalidValue);
    return;
  }
  {
    std::lock_guard<std::mutex> lock(s.mu);
    s.launches[name] += 1;  // launched: the count says which code path a call took, whenever the grid runs
  }
  const size_t shared_limit = raised ? dev.shared_optin : limits::kDefaultSharedBytes;
  // The grid runs when its stream gets there (streams.cc runs one operation at a time, so kernels never share the
  // scheduler's state or their static shared memory). A fault there is sticky: the next call that synchronizes, or
  // any later call, reports it.
  enqueue(stream, [name, grid, block, smem, shared_limit, body, keep = std::move(keep)] {
    if (sticky_error()) return;  // the context is dead: queued work does not run
    const auto t0 = std::chrono::steady_clock::now();
    const LaunchResult r = run_grid(name, grid, block, smem, shared_limit, body);
    if (const char* trace = std::getenv("TF_CUDA_EMU_TRACE"); trace && std::strcmp(trace, "1") == 0)
      std::fprintf(stderr, "tf_emu: %s grid (%u,%u,%u) block (%u,%u,%u) smem %zu: %.1f ms\n", name, grid.x, grid.y,
                   grid.z, block.x, block.y, block.z, smem,
                   std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    if (r.error == 0) return;
    State& st = state();
    std::fprintf(stderr, "tf_emu: %s\n", r.message.c_str());
    std::lock_guard<std::mutex> slock(st.mu);
    if (r.error == cudaErrorLaunchFailure) {
      st.last_fault = r.message;
      st.sticky = cudaErrorLaunchFailure;  // reported by the next call on any thread, and by every call after it
    } else {
      t_last_error = cudaError_t(r.error);  // the thread that ran the grid
    }
  });
}

}  // namespace tf_emu

using tf_emu::record;
using tf_emu::sticky_error;

const char* cudaGetErrorName(cudaError_t e) {
  switch (e) {
    case cudaSuccess: return "cudaSuccess";
    case cudaErrorInvalidValue: return "cudaErrorInvalidValue";
    case cudaErrorMemoryAllocation: return "cudaErrorMemoryAllocation";
    case cudaErrorInitializationError: return "cudaErrorInitializationError";
    case cudaErrorInvalidConfiguration: return "cudaErrorInvalidConfiguration";
    case cudaErrorInvalidPitchValue: return "cudaErrorInvalidPitchValue";
    case cudaErrorInvalidDevicePointer: return "cudaErrorInvalidDevicePointer";
    case cudaErrorInsufficientDriver: return "cudaErrorInsufficientDriver";
    case cudaErrorNoDevice: return "cudaErrorNoDevice";
    case cudaErrorInvalidDevice: return "cudaErrorInvalidDevice";
    case cudaErrorNoKernelImageForDevice: return "cudaErrorNoKernelImageForDevice";
    case cudaErrorInvalidResourceHandle: return "cudaErrorInvalidResourceHandle";
    case cudaErrorNotReady: return "cudaErrorNotReady";
    case cudaErrorLaunchFailure: return "cudaErrorLaunchFailure";
    case cudaErrorStreamCaptureUnsupported: return "cudaErrorStreamCaptureUnsupported";
    case cudaErrorStreamCaptureInvalidated: return "cudaErrorStreamCaptureInvalidated";
    case cudaErrorStreamCaptureIsolation: return "cudaErrorStreamCaptureIsolation";
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
    case cudaErrorStreamCaptureUnsupported: return "operation not permitted when stream is capturing";
    case cudaErrorStreamCaptureInvalidated: return "operation failed due to a previous error during capture";
    case cudaErrorStreamCaptureIsolation: return "dependency created on uncaptured work in another stream";
    case cudaErrorLaunchFailure: {
      // The emulator knows which kernel, block and thread failed, and why: say it.
      thread_local std::string text;
      auto& s = tf_emu::state();
      std::lock_guard<std::mutex> lock(s.mu);
      text = "unspecified launch failure (" + s.last_fault + ")";
      return text.c_str();
    }
  }
  return "unknown error";
}

// A sticky error stays: cudaGetLastError reports it every time, until cudaDeviceReset.
cudaError_t cudaGetLastError() {
  if (const cudaError_t e = sticky_error()) return e;
  const cudaError_t e = tf_emu::t_last_error;
  tf_emu::t_last_error = cudaSuccess;
  return e;
}
cudaError_t cudaPeekAtLastError() {
  if (const cudaError_t e = sticky_error()) return e;
  return tf_emu::t_last_error;
}

cudaError_t cudaDeviceReset() {
  tf_emu::discard_all();           // the context's queued work goes with it
  tf_emu::free_all_allocations();  // as on a device: every pointer of the old context is invalid now
  auto& s = tf_emu::state();
  std::lock_guard<std::mutex> lock(s.mu);
  s.sticky = cudaSuccess;
  s.last_fault.clear();
  s.max_dynamic_smem.clear();
  tf_emu::t_last_error = cudaSuccess;
  return cudaSuccess;
}

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

// Every emulated device shares the host's memory; the current one decides which limits launches get.
cudaError_t cudaSetDevice(int device) {
  if (tf_emu::limits::device_count() == 0) return record(cudaErrorNoDevice);
  if (device < 0 || device >= tf_emu::limits::device_count()) return record(cudaErrorInvalidDevice);
  tf_emu::t_current_device = device;
  return cudaSuccess;
}
cudaError_t cudaGetDevice(int* device) {
  *device = tf_emu::t_current_device;
  return tf_emu::limits::device_count() == 0 ? record(cudaErrorNoDevice) : cudaSuccess;
}
cudaError_t cudaDeviceSynchronize() {
  if (const cudaError_t e = tf_emu::refuse_during_capture(nullptr)) return e;
  tf_emu::drain_all();
  return sticky_error();
}
