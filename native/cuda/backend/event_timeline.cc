#include "backend/event_timeline.h"

#include "common.cuh"

namespace tf::cuda {

EventTimeline::~EventTimeline() {
  for (cudaEvent_t e : pool_) cudaEventDestroy(e);  // no throw from a destructor; a failure leaks one handle
}

cudaEvent_t EventTimeline::next_event() {
  if (used_ == pool_.size()) {
    cudaEvent_t e = nullptr;
    CUDA_CHECK(cudaEventCreate(&e));
    pool_.push_back(e);
  }
  return pool_[used_++];
}

void EventTimeline::record_origin() {
  CUDA_CHECK(cudaEventRecord(next_event(), stream_));
  phase_of_.push_back(-1);
}

void EventTimeline::record(StepPhase p) {
  CUDA_CHECK(cudaEventRecord(next_event(), stream_));
  // The first event since take() has nothing before it: it only starts the row, like an origin.
  phase_of_.push_back(used_ == 1 ? -1 : static_cast<int>(p));
}

StepPhaseMs EventTimeline::take() {
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
