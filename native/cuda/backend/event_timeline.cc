#include "backend/event_timeline.h"

#include "common.cuh"

namespace tf::cuda {

EventTimeline::~EventTimeline() {
  for (cudaEvent_t e : pool_) cudaEventDestroy(e);  // no throw from a destructor; a failure leaks one handle
}

void EventTimeline::record_next(int phase) {
  if (used_ == pool_.size()) {
    CUDA_CHECK(cudaSetDevice(device_));  // an event belongs to the device current when it is created
    cudaEvent_t e = nullptr;
    CUDA_CHECK(cudaEventCreate(&e));
    pool_.push_back(e);
  }
  CUDA_CHECK(cudaEventRecord(pool_[used_], stream_));
  // Counted only once recorded: a failure leaves used_ and phase_of_ in step.
  phase_of_.push_back(phase);
  ++used_;
}

void EventTimeline::record_origin() { record_next(-1); }

// The first event since take() has nothing before it: it only starts the row, like an origin.
void EventTimeline::record(StepPhase p) { record_next(used_ == 0 ? -1 : static_cast<int>(p)); }

StepPhaseMs EventTimeline::take_ms() {
  StepPhaseMs ms{};
  if (used_ > 0) {
    CUDA_CHECK(cudaEventSynchronize(pool_[used_ - 1]));
    for (size_t i = 1; i < used_; ++i) {
      if (phase_of_[i] < 0) continue;
      float t = 0.f;
      CUDA_CHECK(cudaEventElapsedTime(&t, pool_[i - 1], pool_[i]));
      ms[size_t(phase_of_[i])] += double(t);
    }
  }
  used_ = 0;
  phase_of_.clear();
  return ms;
}

}  // namespace tf::cuda
