#pragma once
// Device allocations of the CUDA model: an owning buffer whose allocation failure is a tf::Error that names
// what was being allocated, the bytes, and the device's free/total memory (host/arena_plan.h's message), and the
// activation arena (one cudaMalloc, grown only when a step needs more, carved by an ArenaPlan).
#include <cuda_runtime.h>

#include <cstdint>
#include <string>
#include <vector>

#include "host/arena_plan.h"

namespace tf::cuda {

// Owns one cudaMalloc (or nothing). Moves, never copies.
class DeviceBuffer {
 public:
  DeviceBuffer() = default;
  // Allocates `bytes` (0 allocates nothing); `what` names the buffer in an out-of-memory error, which ends with
  // `advice` (what the caller's user can change).
  DeviceBuffer(int64_t bytes, const std::string& what, const std::string& advice = kTrainingMemoryAdvice);
  ~DeviceBuffer();
  DeviceBuffer(DeviceBuffer&& o) noexcept;
  DeviceBuffer& operator=(DeviceBuffer&& o) noexcept;
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;

  void* get() const { return p_; }
  template <typename T>
  T* as() const { return static_cast<T*>(p_); }
  int64_t bytes() const { return bytes_; }
  void reset();

 private:
  void* p_ = nullptr;
  int64_t bytes_ = 0;
};

[[noreturn]] void throw_cuda_copy_error(cudaError_t e, const std::string& what);

// Synchronous host → device copy of a whole vector into a new buffer (weights at load time): the data is in the
// buffer when this returns, for work on any stream.
template <typename T>
DeviceBuffer upload_vector(const std::vector<T>& host, const std::string& what) {
  DeviceBuffer b(int64_t(host.size() * sizeof(T)), what);
  if (!host.empty()) {
    cudaError_t e = cudaMemcpy(b.get(), host.data(), host.size() * sizeof(T), cudaMemcpyHostToDevice);
    // From pageable memory cudaMemcpy returns once the data is staged, before the DMA into the buffer has
    // finished, and the model's non-blocking stream is not ordered after the default stream that copy ran on:
    // wait for it, or the first kernel on that stream may read the buffer before it is written.
    if (e == cudaSuccess) e = cudaStreamSynchronize(0);
    if (e != cudaSuccess) throw_cuda_copy_error(e, what);
  }
  return b;
}

// The device's free and total bytes (-1, -1 when the query fails).
void device_memory_info(int64_t* free_bytes, int64_t* total_bytes);

// The activation/scratch arena: capacity only grows (a smaller step reuses the allocation).
class Arena {
 public:
  // Makes room for `plan` (reallocating when plan.total exceeds the capacity; the contents are not kept) and
  // records the high-water mark. `advice` ends the out-of-memory message.
  void fit(const ArenaPlan& plan, const std::string& advice = kTrainingMemoryAdvice);
  // Base + offset as a typed pointer; offset -1 (a buffer this mode does not have) gives nullptr.
  template <typename T>
  T* at(int64_t offset) const {
    return offset < 0 ? nullptr : reinterpret_cast<T*>(static_cast<char*>(buf_.get()) + offset);
  }
  int64_t capacity() const { return buf_.bytes(); }
  int64_t peak() const { return peak_; }
  void reset_peak() { peak_ = 0; }
  void release() { buf_.reset(), peak_ = 0; }

 private:
  DeviceBuffer buf_;
  int64_t peak_ = 0;
};

}  // namespace tf::cuda
