#pragma once
// The CUDA model's StepTimeline (model/step_timeline.h): one cudaEvent per mark on the model's main stream. An
// interval is the device time between two consecutive events, i.e. of the work queued between the two marks
// (plus any time the device sat idle waiting for the host to queue more). Events are created once and reused;
// take() waits for the last one and reads every interval, so profiling adds no sync inside a step.
#include <cuda_runtime.h>

#include <vector>

#include "model/step_timeline.h"

namespace tf::cuda {

class EventTimeline final : public StepTimeline {
 public:
  // stream: the model's stream on `device` (events are created on the stream's device). expected_marks: how many
  // events to create when profiling is first switched on, so a profiled step does not pay for creating them (the
  // pool then grows to the most any step used).
  EventTimeline(cudaStream_t stream, int device, size_t expected_marks)
      : stream_(stream), device_(device), expected_(expected_marks) {}
  ~EventTimeline() override;
  EventTimeline(const EventTimeline&) = delete;
  EventTimeline& operator=(const EventTimeline&) = delete;


 protected:
  StepPhaseMs take_ms() override;
  void prepare() override;
  void record_origin() override;
  void record(StepPhase p) override;

 private:
  // Records the pool's next unused event (created on first use) on the stream; phase: what the interval it ends
  // belongs to, -1 for none.
  void record_next(int phase);
  void grow_pool(size_t n);  // creates events until the pool holds n

  cudaStream_t stream_;
  int device_;
  std::vector<cudaEvent_t> pool_;
  size_t used_ = 0;
  size_t expected_;
  // For each recorded event after the first: the phase its interval belongs to, or -1 for an origin (begin()),
  // whose preceding interval belongs to no phase.
  std::vector<int> phase_of_;
};

}  // namespace tf::cuda
