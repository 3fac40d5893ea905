#include "backend/event_timeline.h"

#include "common.cuh"

namespace tf::cuda {

EventTimeline::~EventTimeline() {
  for (cudaEvent_t e : pool_) cudaEventDestroy(e);  // no throw from a destructor; a failure leaks one handle
}

void EventTimeline::grow_pool(size_t n) {
  if (pool_.size() >= n) return;
  // An event belongs to the device current when it is created; the caller's current device is put back.
  int current = 0;
  CUDA_CHECK(cudaGetDevice(&current));
  CUDA_CHECK(cudaSetDevice(device_));
  cudaError_t status = cudaSuccess;
  while (pool_.size() < n && status == cudaSuccess) {
    cudaEvent_t e = nullptr;
    status = cudaEventCreate(&e);
    if (status == cudaSuccess) pool_.push_back(e);
  }
  cudaSetDevice(current);
  CUDA_CHECK(status);
}

void EventTimeline::prepare() { grow_pool(expected_); }  // a no-op once the pool holds that many

void EventTimeline::record_next(int phase) {
  if (used_ == pool_.size()) grow_pool(pool_.size() + 1);
  CUDA_CHECK(cudaEventRecord(pool_[used_], stream_));
  // Counted only once recorded: a failure leaves used_ and phase_of_ in step.
  phase_of_.push_back(phase);
  ++used_;
}

void EventTimeline::record_origin() { record_next(-1); }

// The first event since take() has nothing before it: it only starts the row, like an origin.
void EventTimeline::record(StepPhase p) { record_next(used_ == 0 ? -1 : static_cast<int>(p)); }

StepPhaseMs EventTimeline::take_ms() {
  // Started afresh before anything can throw, so a failed read-back never leaves a half-consumed row.
  const size_t used = used_;
  const std::vector<int> phase_of = std::move(phase_of_);
  used_ = 0;
  phase_of_.clear();
  StepPhaseMs ms{};
  if (used == 0) return ms;
  CUDA_CHECK(cudaEventSynchronize(pool_[used - 1]));
  for (size_t i = 1; i < used; ++i) {
    if (phase_of[i] < 0) continue;
    float t = 0.f;
    CUDA_CHECK(cudaEventElapsedTime(&t, pool_[i - 1], pool_[i]));
    ms[size_t(phase_of[i])] += double(t);
  }
  return ms;
}

}  // namespace tf::cuda
