#pragma once
// The CUDA model's NF4 weights, expanded to bf16 for their matmuls on a second stream, one weight ahead of the main
// stream (the streams of issue 8's CUDA backend). The expansion reads 0.56 bytes and writes 2 bytes per weight with
// no arithmetic to speak of, so it runs while the main stream's GEMMs keep the tensor cores busy, instead of
// between them.
//
// Two arena buffers take turns (host/dequant_schedule.h decides which weight goes where and what comes next). The
// two streams meet only through events:
//   - the main stream waits for a buffer's `filled` event before the matmul reads what the side stream put there;
//   - the side stream waits for a buffer's `released` event, recorded after the last matmul that read it, before
//     overwriting it.
// A new pass makes the main stream wait for every outstanding expansion, so nothing on the side stream outlives
// the pass's arena (which the next pass may reallocate).
#include <cuda_runtime.h>

#include <array>

#include "api.h"
#include "host/dequant_schedule.h"

namespace tf::cuda {

class DequantPipeline {
 public:
  // Creates the side stream (the device's lowest priority) and its events on the current device.
  // TF_CUDA_DEQUANT_AHEAD=0 expands every weight on the main stream instead (the side stream then idles).
  DequantPipeline();
  ~DequantPipeline();
  DequantPipeline(const DequantPipeline&) = delete;
  DequantPipeline& operator=(const DequantPipeline&) = delete;

  // A new pass of `kind` (host/dequant_schedule.h) on `main`.
  void begin_pass(cudaStream_t main, int kind);
  // The NF4 weight `w` expanded into one of `buffers` ([rows, cols] bf16 each), ready for the next kernel on
  // `main`. The view's address identifies the weight, so it must stay put while the model lives (the next weight to
  // expand ahead is found by it). Call release() after the kernel that reads the weight.
  const bf16* acquire(const Nf4DeviceView& w, const std::array<bf16*, 2>& buffers, cudaStream_t main);
  void release(cudaStream_t main);
  // Weights the current pass (between passes: the last one) asked for, and how many of them the side stream
  // expanded ahead (for the memory report).
  int64_t pass_weights() const;
  int64_t pass_expanded_ahead() const;
  bool pass_first_of_kind() const { return schedule_.first_of_kind(); }
  bool expands_ahead() const { return schedule_.expand_ahead(); }

 private:
  void destroy();  // synchronizes and frees the side stream and the events (each at most once)

  cudaStream_t side_ = nullptr;
  std::array<cudaEvent_t, 2> filled_{}, released_{};
  DequantSchedule schedule_;
  int reading_ = -1;  // the buffer the last acquired weight is in
  DequantSchedule::Counts pass_start_;  // the schedule's counts when the current pass began
};

}  // namespace tf::cuda
