#pragma once
// The emulator's process-wide state (the "context" of the one emulated device family) and its error rules, shared
// by runtime.cc (queries, launches, streams, events) and memory.cc (allocations and copies). Internal.
#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <unordered_map>

#include "runtime_api.h"

namespace tf_emu {

struct Allocation {
  void* mapping = nullptr;  // mmap'd: the allocation ends right before a guard page
  size_t mapping_bytes = 0;
  size_t bytes = 0;         // as asked for: copies past them fail, kernel accesses past them fault
};

struct State {
  std::mutex mu;
  std::map<uintptr_t, Allocation> allocations;  // by start address
  size_t allocated = 0;                          // bytes counted against TF_CUDA_EMU_MEMORY (256-byte granules)
  size_t peak_allocated = 0;                     // the most `allocated` has been since the last reset
  std::unordered_map<const void*, int> max_dynamic_smem;  // cudaFuncSetAttribute
  // A kernel fault is sticky, as on a device: every later call that needs the context fails with it until
  // cudaDeviceReset. last_fault says which kernel, block and thread failed, and why.
  cudaError_t sticky = cudaSuccess;
  std::string last_fault;
  std::unordered_map<std::string, uint64_t> launches;  // launches per kernel name that passed the launch checks
};
State& state();

// Sets the calling thread's last error (what cudaGetLastError returns and clears) and returns e.
cudaError_t record(cudaError_t e);
// The sticky error, recorded as this thread's last error too, or cudaSuccess.
cudaError_t sticky_error();
size_t memory_bytes();  // TF_CUDA_EMU_MEMORY, read at every call
bool no_device();       // TF_CUDA_EMU_DEVICES=0
int current_device();   // cudaSetDevice of this thread

// An mmap'd region of `bytes` (rounded up to `align`) that ends right before a PROT_NONE page, so running past its
// end faults at once. Filled with 0xFF bytes (NaN as float and bf16).
struct GuardedRegion {
  void* start = nullptr;
  void* mapping = nullptr;
  size_t mapping_bytes = 0;
};
GuardedRegion map_guarded(size_t bytes, size_t align);
void unmap_guarded(void* mapping, size_t mapping_bytes);
void free_all_allocations();  // cudaDeviceReset
// Whether [p, p + bytes) lies inside one allocation (cudaMemcpy's check; the emulated cuBLASLt's for its operands).
bool device_range(const void* p, size_t bytes);

// SIGSEGV/SIGBUS inside a kernel: name the kernel, block and thread before the process dies (installed once per
// OS thread that launches, with an alternate signal stack so a fiber stack overflow is reported too).
void install_fault_reporting();

}  // namespace tf_emu
