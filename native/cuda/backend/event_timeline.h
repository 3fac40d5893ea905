#pragma once
// The CUDA model's StepTimeline (model/step_timeline.h): one cudaEvent per mark on the model's one stream. An
// interval is the device time between two consecutive events, i.e. of the work queued between the two marks
// (plus any time the device sat idle waiting for the host to queue more). Events are created once and reused;
// take() waits for the last one and reads every interval, so profiling adds no sync inside a step.
#include <cuda_runtime.h>

#include <vector>

#include "model/step_timeline.h"

namespace tf::cuda {

class EventTimeline final : public StepTimeline {
 public:
  // stream: the model's stream on `device` (events are created on the stream's device).
  EventTimeline(cudaStream_t stream, int device) : stream_(stream), device_(device) {}
  ~EventTimeline() override;
  EventTimeline(const EventTimeline&) = delete;
  EventTimeline& operator=(const EventTimeline&) = delete;


 protected:
  StepPhaseMs take_ms() override;
  void record_origin() override;
  void record(StepPhase p) override;

 private:
  // Records the pool's next unused event (created on first use) on the stream; phase: what the interval it ends
  // belongs to, -1 for none.
  void record_next(int phase);

  cudaStream_t stream_;
  int device_;
  std::vector<cudaEvent_t> pool_;
  size_t used_ = 0;
  // For each recorded event after the first: the phase its interval belongs to, or -1 for an origin (begin()),
  // whose preceding interval belongs to no phase.
  std::vector<int> phase_of_;
};

}  // namespace tf::cuda
