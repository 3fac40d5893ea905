#pragma once
// Which NF4 weight each of the CUDA model's two dequantization buffers holds, and which weight to expand next on
// the side stream while the main stream multiplies (backend/dequant_pipeline.*). Plain C++ so the decisions are
// unit-tested without a GPU (tests/test_cuda_dequant_host.cc).
//
// A pass (a training step, a validation loss, a prefill) asks for its weights in the same order every time it runs
// with the same kind: the schedule records each kind's order and, at the request in position i that matches the
// recorded one, prefetches the weight recorded at i + 1 into the other buffer. The first pass of a kind, and a
// request that leaves the recorded order, expands on the main stream as before (a miss); a weight still in either
// buffer is not expanded again.
#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <vector>

namespace tf::cuda {

class DequantSchedule {
 public:
  static constexpr int kSlots = 2;

  struct Request {
    int slot = 0;                     // the buffer the matmul reads
    bool filled_ahead = false;        // the side stream expanded it (or is expanding it): wait for that, no dequant
    bool cached = false;              // it already held this weight: no dequant
    const void* prefetch = nullptr;   // expand this weight next, on the side stream ...
    int prefetch_slot = -1;           // ... into this buffer, once the matmul that last read it is done
  };

  // expand_ahead false: every weight not still in a buffer is expanded on the main stream (TF_CUDA_DEQUANT_AHEAD=0,
  // to measure what the second stream gains, or to rule it out).
  explicit DequantSchedule(bool expand_ahead = true) : expand_ahead_(expand_ahead) {}

  // A new pass of `kind` (the arena may have moved since the last: nothing in the buffers is trusted).
  void begin_pass(int kind);
  // The pass's next weight.
  Request request(const void* weight);
  // Whether the current pass is the first of its kind (no order recorded to expand ahead from).
  bool first_of_kind() const { return first_of_kind_; }
  bool expand_ahead() const { return expand_ahead_; }

  // For tests and the memory report: requests this object has answered, by outcome.
  struct Counts {
    int64_t misses = 0, filled_ahead = 0, cached = 0, prefetches = 0;
  };
  const Counts& counts() const { return counts_; }

 private:
  bool expand_ahead_ = true;
  std::map<int, std::vector<const void*>> order_;  // per kind: the weights its last pass asked for, in order
  std::vector<const void*>* current_ = nullptr;
  size_t position_ = 0;
  bool first_of_kind_ = true;
  std::array<const void*, kSlots> holds_{};        // what each buffer holds, or will once its fill has run
  std::array<bool, kSlots> side_filled_{};         // filled by the side stream (not yet waited for by main)
  int last_slot_ = kSlots - 1;
  Counts counts_;
};

}  // namespace tf::cuda
