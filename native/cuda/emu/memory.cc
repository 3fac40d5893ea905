// The emulator's device memory (runtime_api.h): every cudaMalloc is its own mapping that ends right before a
// guard page, so a kernel that runs past an allocation faults at once (and fault.cc names the kernel and
// thread) instead of corrupting a neighbour; copies and memsets must stay inside one allocation.
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <memory>
#include <new>
#include <vector>

#include "state.h"
#include "streams.h"

namespace tf_emu {

namespace {

size_t round_up(size_t x, size_t to) { return (x + to - 1) / to * to; }

cudaError_t check_copy(void* dst, const void* src, size_t bytes, cudaMemcpyKind kind) {
  if (bytes == 0) return cudaSuccess;
  const bool dst_dev = device_range(dst, bytes), src_dev = device_range(src, bytes);
  switch (kind) {
    case cudaMemcpyHostToDevice: return dst_dev && !src_dev ? cudaSuccess : cudaErrorInvalidValue;
    case cudaMemcpyDeviceToHost: return src_dev && !dst_dev ? cudaSuccess : cudaErrorInvalidValue;
    case cudaMemcpyDeviceToDevice: return dst_dev && src_dev ? cudaSuccess : cudaErrorInvalidValue;
    case cudaMemcpyHostToHost: return !dst_dev && !src_dev ? cudaSuccess : cudaErrorInvalidValue;
    case cudaMemcpyDefault: return cudaSuccess;
  }
  return cudaErrorInvalidValue;
}

}  // namespace

// Whether [p, p + bytes) lies inside one allocation.
bool device_range(const void* p, size_t bytes) {
  State& s = state();
  std::lock_guard<std::mutex> lock(s.mu);
  const auto a = reinterpret_cast<uintptr_t>(p);
  auto it = s.allocations.upper_bound(a);
  if (it == s.allocations.begin()) return false;
  --it;
  return a >= it->first && a + bytes <= it->first + it->second.bytes;
}

GuardedRegion map_guarded(size_t bytes, size_t align) {
  const size_t page = size_t(sysconf(_SC_PAGESIZE));
  const size_t body = round_up(bytes == 0 ? 1 : bytes, align);
  GuardedRegion r;
  r.mapping_bytes = round_up(body, page) + page;
  r.mapping = mmap(nullptr, r.mapping_bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (r.mapping == MAP_FAILED) return GuardedRegion{};
  char* guard = static_cast<char*>(r.mapping) + r.mapping_bytes - page;
  mprotect(guard, page, PROT_NONE);
  r.start = guard - body;
  std::memset(r.start, 0xff, body);
  return r;
}

void unmap_guarded(void* mapping, size_t mapping_bytes) {
  if (mapping) munmap(mapping, mapping_bytes);
}

size_t device_bytes_peak(bool reset) {
  State& s = state();
  std::lock_guard<std::mutex> lock(s.mu);
  const size_t peak = s.peak_allocated;
  if (reset) s.peak_allocated = s.allocated;
  return peak;
}

void free_all_allocations() {
  State& s = state();
  std::lock_guard<std::mutex> lock(s.mu);
  for (auto& [start, a] : s.allocations) unmap_guarded(a.mapping, a.mapping_bytes);
  s.allocations.clear();
  s.allocated = 0;
}

}  // namespace tf_emu

using tf_emu::record;

cudaError_t cudaMemGetInfo(size_t* free_bytes, size_t* total_bytes) {
  if (const cudaError_t e = tf_emu::sticky_error()) return e;
  auto& s = tf_emu::state();
  std::lock_guard<std::mutex> lock(s.mu);
  *total_bytes = tf_emu::memory_bytes();
  *free_bytes = *total_bytes > s.allocated ? *total_bytes - s.allocated : 0;
  return cudaSuccess;
}

cudaError_t cudaMalloc(void** p, size_t bytes) {
  *p = nullptr;
  if (const cudaError_t e = tf_emu::sticky_error()) return e;
  if (const cudaError_t e = tf_emu::refuse_during_capture(nullptr)) return e;
  auto& s = tf_emu::state();
  const size_t counted = tf_emu::round_up(bytes == 0 ? 1 : bytes, 256);
  {
    std::lock_guard<std::mutex> lock(s.mu);
    if (s.allocated + counted > tf_emu::memory_bytes()) return record(cudaErrorMemoryAllocation);
    s.allocated += counted;  // reserved before mapping, so concurrent callers cannot both pass the check
    s.peak_allocated = std::max(s.peak_allocated, s.allocated);
  }
  const tf_emu::GuardedRegion r = tf_emu::map_guarded(bytes, 256);  // NaN-filled: unwritten reads show
  std::lock_guard<std::mutex> lock(s.mu);
  if (!r.start) {
    s.allocated -= counted;
    return record(cudaErrorMemoryAllocation);
  }
  s.allocations[reinterpret_cast<uintptr_t>(r.start)] = {r.mapping, r.mapping_bytes, bytes};
  *p = r.start;
  return cudaSuccess;
}

// cudaFree synchronizes the device, as it does on a GPU: no queued work may still use the memory.
cudaError_t cudaFree(void* p) {
  if (!p) return cudaSuccess;
  if (const cudaError_t e = tf_emu::refuse_during_capture(nullptr)) return e;
  tf_emu::drain_all();
  if (const cudaError_t e = tf_emu::sticky_error()) return e;
  auto& s = tf_emu::state();
  std::lock_guard<std::mutex> lock(s.mu);
  auto it = s.allocations.find(reinterpret_cast<uintptr_t>(p));
  if (it == s.allocations.end()) return record(cudaErrorInvalidDevicePointer);
  s.allocated -= tf_emu::round_up(it->second.bytes == 0 ? 1 : it->second.bytes, 256);
  tf_emu::unmap_guarded(it->second.mapping, it->second.mapping_bytes);
  s.allocations.erase(it);
  return cudaSuccess;
}

cudaError_t cudaMemcpy(void* dst, const void* src, size_t bytes, cudaMemcpyKind kind) {
  return cudaMemcpyAsync(dst, src, bytes, kind, nullptr);
}
// Host memory here is pageable, and a device copies it as the CUDA docs' "API synchronization behavior" says:
//   - device to host: the stream's earlier work runs first and the copy is done on return;
//   - host to device on a created stream: the host bytes are staged at once (the caller may reuse its buffer), and
//     the write into device memory is queued on the stream, so work on another stream that reads it without
//     waiting sees the old contents;
//   - device to device: queued on the stream like a kernel;
//   - on the legacy stream (cudaMemcpy), everything runs at once, after the blocking streams' work.
cudaError_t cudaMemcpyAsync(void* dst, const void* src, size_t bytes, cudaMemcpyKind kind, cudaStream_t stream) {
  if (const cudaError_t e = tf_emu::sticky_error()) return e;
  if (const cudaError_t e = tf_emu::check_copy(dst, src, bytes, kind); e != cudaSuccess) {
    std::fprintf(stderr, "tf_emu: cudaMemcpy of %zu bytes (kind %d): a device range lies outside every allocation, "
                 "or a host pointer is device memory\n", bytes, int(kind));
    return record(e);
  }
  if (bytes == 0) return cudaSuccess;
  const bool dst_dev = tf_emu::device_range(dst, bytes), src_dev = tf_emu::device_range(src, bytes);
  if (dst_dev && src_dev) {
    tf_emu::enqueue(stream, [dst, src, bytes] {
      if (!tf_emu::sticky_error()) std::memmove(dst, src, bytes);
    });
    return cudaSuccess;
  }
  // Pageable host memory cannot be part of a graph, and the legacy stream's synchronous copies are unsafe calls.
  if (const cudaError_t e = tf_emu::refuse_during_capture(stream)) return e;
  if (dst_dev && stream) {
    auto staged = std::make_shared<std::vector<char>>(static_cast<const char*>(src), static_cast<const char*>(src) + bytes);
    tf_emu::enqueue(stream, [dst, staged] {
      if (!tf_emu::sticky_error()) std::memcpy(dst, staged->data(), staged->size());
    });
    return cudaSuccess;
  }
  tf_emu::drain(stream);
  if (const cudaError_t e = tf_emu::sticky_error()) return e;  // the work it waited for faulted
  std::memmove(dst, src, bytes);
  return cudaSuccess;
}
// height rows of width bytes, each at its pitch; queued on the stream like a kernel. As on a GPU, a width above either
// pitch is cudaErrorInvalidPitchValue; both spans must lie inside allocations.
cudaError_t cudaMemcpy2DAsync(void* dst, size_t dpitch, const void* src, size_t spitch, size_t width, size_t height,
                              cudaMemcpyKind kind, cudaStream_t stream) {
  if (const cudaError_t e = tf_emu::sticky_error()) return e;
  if (width > dpitch || width > spitch) return record(cudaErrorInvalidPitchValue);
  if (width == 0 || height == 0) return cudaSuccess;
  const size_t dst_span = dpitch * (height - 1) + width, src_span = spitch * (height - 1) + width;
  if ((kind != cudaMemcpyDeviceToDevice && kind != cudaMemcpyDefault) || !tf_emu::device_range(dst, dst_span) ||
      !tf_emu::device_range(src, src_span)) {
    std::fprintf(stderr, "tf_emu: cudaMemcpy2DAsync of %zu rows of %zu bytes (kind %d): only device-to-device copies "
                 "inside allocations are emulated\n", height, width, int(kind));
    return record(cudaErrorInvalidValue);
  }
  tf_emu::enqueue(stream, [=] {
    if (tf_emu::sticky_error()) return;
    for (size_t r = 0; r < height; ++r)
      std::memmove(static_cast<char*>(dst) + r * dpitch, static_cast<const char*>(src) + r * spitch, width);
  });
  return cudaSuccess;
}
cudaError_t cudaMemset(void* p, int value, size_t bytes) { return cudaMemsetAsync(p, value, bytes, nullptr); }
cudaError_t cudaMemsetAsync(void* p, int value, size_t bytes, cudaStream_t stream) {
  if (const cudaError_t e = tf_emu::sticky_error()) return e;
  if (bytes && !tf_emu::device_range(p, bytes)) {
    std::fprintf(stderr, "tf_emu: cudaMemset of %zu bytes outside every allocation\n", bytes);
    return record(cudaErrorInvalidValue);
  }
  if (bytes)
    tf_emu::enqueue(stream, [p, value, bytes] {
      if (!tf_emu::sticky_error()) std::memset(p, value, bytes);
    });
  return cudaSuccess;
}
