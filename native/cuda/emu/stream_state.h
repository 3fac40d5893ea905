#pragma once
// What streams.cc and graphs.cc share: the stream, event and queued-operation records, and the capture of a
// stream's work into a graph. Internal to the emulator.
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "runtime_api.h"

struct CUevent_st {
  unsigned flags = 0;
  uint64_t issued = 0;     // records issued so far: what a cudaStreamWaitEvent captures
  uint64_t completed = 0;  // the latest record that has run
  std::chrono::steady_clock::time_point at{};  // when it ran
  CUstream_st* recorded_in = nullptr;  // last recorded inside this stream's capture (a node of the graph)
};

namespace tf_emu {

struct QueuedOp {
  enum Kind { Work, Record, Wait } kind = Work;
  std::function<void()> work;   // Work
  CUevent_st* event = nullptr;  // Record, Wait
  uint64_t generation = 0;  // Record: the record's number; Wait: the record it waits for
};

// A stream being captured (cudaStreamBeginCapture): its work goes into `ops` instead of its queue (kernels, copies,
// memsets; event records inside a capture are internal to the graph and leave nothing to replay).
struct Capture {
  std::vector<QueuedOp> ops;
  bool invalidated = false;  // an operation capture cannot take was attempted: cudaStreamEndCapture fails
};

std::mutex& queue_mutex();  // streams.cc's g_queue_mu: every queue, capture and event counter

}  // namespace tf_emu

struct CUstream_st {
  unsigned flags = 0;
  std::deque<tf_emu::QueuedOp> ops;
  std::unique_ptr<tf_emu::Capture> capture;  // while capturing
};
