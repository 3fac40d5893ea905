#include "backend/device_memory.h"

#include <algorithm>
#include <utility>

#include "common.cuh"

namespace tf::cuda {

void device_memory_info(int64_t* free_bytes, int64_t* total_bytes) {
  size_t f = 0, t = 0;
  if (cudaMemGetInfo(&f, &t) == cudaSuccess) {
    *free_bytes = int64_t(f), *total_bytes = int64_t(t);
  } else {
    cudaGetLastError();  // a failed query must not leave a sticky error for the next CUDA_CHECK
    *free_bytes = -1, *total_bytes = -1;
  }
}

DeviceBuffer::DeviceBuffer(int64_t bytes, const std::string& what, const std::string& advice) {
  TF_CHECK(bytes >= 0, "device allocation of " + what + ": negative size");
  if (bytes == 0) return;
  const cudaError_t e = cudaMalloc(&p_, size_t(bytes));
  if (e == cudaErrorMemoryAllocation) {
    cudaGetLastError();  // clear it: the caller may retry with a smaller batch
    p_ = nullptr;
    int64_t f = -1, t = -1;
    device_memory_info(&f, &t);
    throw Error(out_of_memory_message(what, bytes, f, t, advice));
  }
  CUDA_CHECK(e);
  bytes_ = bytes;
}

DeviceBuffer::~DeviceBuffer() { reset(); }

DeviceBuffer::DeviceBuffer(DeviceBuffer&& o) noexcept : p_(std::exchange(o.p_, nullptr)), bytes_(std::exchange(o.bytes_, 0)) {}

DeviceBuffer& DeviceBuffer::operator=(DeviceBuffer&& o) noexcept {
  if (this != &o) {
    reset();
    p_ = std::exchange(o.p_, nullptr), bytes_ = std::exchange(o.bytes_, 0);
  }
  return *this;
}

void DeviceBuffer::reset() {
  if (p_) cudaFree(p_);  // no throw from a destructor path; a failed free leaves nothing to recover
  p_ = nullptr, bytes_ = 0;
}

void throw_cuda_copy_error(cudaError_t e, const std::string& what) {
  cudaGetLastError();
  throw Error(std::string("CUDA copy of ") + what + " to the device failed: " + cudaGetErrorName(e) + " (" +
              cudaGetErrorString(e) + ")");
}

void Arena::fit(const ArenaPlan& plan, const std::string& advice) {
  if (plan.total > buf_.bytes()) {
    buf_.reset();  // free first, so the old and new arena never need to fit together
    buf_ = DeviceBuffer(plan.total, "the activation arena (" + std::to_string(plan.buffers.size()) + " buffers)",
                        advice);
  }
  peak_ = std::max(peak_, plan.total);
}

}  // namespace tf::cuda
