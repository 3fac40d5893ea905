#include "host/dequant_schedule.h"

namespace tf::cuda {

void DequantSchedule::begin_pass(int kind) {
  // The previous pass's order ends where that pass ended, unless it asked for nothing: a decode step of a few rows
  // reads NF4 codes directly and shares the Logits kind with the prefills, whose order it must not wipe.
  if (current_ && position_ > 0) current_->resize(position_);
  current_ = &order_[kind];
  first_of_kind_ = current_->empty();
  position_ = 0;
  holds_.fill(nullptr);
  side_filled_.fill(false);
  last_slot_ = kSlots - 1;
}

DequantSchedule::Request DequantSchedule::request(const void* weight) {
  Request r;
  std::vector<const void*>* order = current_;
  const size_t at = position_++;
  // On track: this request is the one the last pass of this kind made here, so the next one is known.
  const bool on_track = order && at < order->size() && (*order)[at] == weight;
  if (order) {
    if (at < order->size())
      (*order)[at] = weight;
    else
      order->push_back(weight);
  }
  int slot = -1;
  for (int s = 0; s < kSlots; ++s)
    if (holds_[size_t(s)] == weight) slot = s;
  if (slot >= 0) {
    r.slot = slot;
    if (side_filled_[size_t(slot)]) {
      r.filled_ahead = true, side_filled_[size_t(slot)] = false;  // main waits for it once
      ++counts_.filled_ahead;
    } else {
      r.cached = true;
      ++counts_.cached;
    }
  } else {
    // Not the buffer the previous matmul read, so with two buffers a miss never waits for that matmul either.
    r.slot = (last_slot_ + 1) % kSlots;
    holds_[size_t(r.slot)] = weight, side_filled_[size_t(r.slot)] = false;
    ++counts_.misses;
  }
  last_slot_ = r.slot;
  if (expand_ahead_ && on_track && at + 1 < order->size()) {
    const void* next = (*order)[at + 1];
    bool held = false;
    for (const void* h : holds_) held = held || h == next;
    if (!held) {
      r.prefetch = next;
      r.prefetch_slot = (r.slot + 1) % kSlots;
      holds_[size_t(r.prefetch_slot)] = next, side_filled_[size_t(r.prefetch_slot)] = true;
      ++counts_.prefetches;
    }
  }
  return r;
}

}  // namespace tf::cuda
