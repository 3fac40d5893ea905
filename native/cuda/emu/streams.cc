// The emulator's streams and events (streams.h): queued work, the two drain orders, cudaStreamWaitEvent, and the
// legacy default stream's implicit synchronization.
#include "streams.h"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <mutex>
#include <vector>

#include "state.h"
#include "stream_state.h"

namespace tf_emu {

namespace {

std::mutex g_queue_mu;             // the stream registry, every queue, every event's counters
std::mutex g_exec_mu;              // one thread at a time runs queued work (taken before g_queue_mu)
std::vector<CUstream_st*> g_streams;  // live streams in creation order
std::atomic<uint64_t> g_drains{0};

enum class Order { Lag, Lead };

// -1 alternates; else the fixed Order. TF_CUDA_EMU_STREAMS, read once, until a test sets one (set_stream_order).
std::atomic<int> g_fixed_order{[] {
  const char* v = std::getenv("TF_CUDA_EMU_STREAMS");
  if (!v || !*v) return -1;
  if (std::strcmp(v, "lag") == 0) return 0;
  if (std::strcmp(v, "lead") == 0) return 1;
  std::fprintf(stderr, "tf_emu: TF_CUDA_EMU_STREAMS=%s is not lag or lead; alternating\n", v);
  return -1;
}()};

Order next_order() {
  const int fixed = g_fixed_order.load();
  if (fixed >= 0) return Order(fixed);
  return g_drains.fetch_add(1) % 2 ? Order::Lead : Order::Lag;
}

// Under g_queue_mu: whether the stream's next operation can run now.
bool runnable(const CUstream_st* s) {
  if (s->ops.empty()) return false;
  const QueuedOp& op = s->ops.front();
  return op.kind != QueuedOp::Wait || op.event->completed >= op.generation;
}

// Under g_queue_mu: the stream whose next operation runs. Lag keeps to `target` while it can move and takes the
// others in creation order; lead takes every other stream first, newest first.
CUstream_st* choose(Order order, CUstream_st* target) {
  if (order == Order::Lag) {
    if (target && runnable(target)) return target;
    for (CUstream_st* s : g_streams)
      if (runnable(s)) return s;
    return nullptr;
  }
  for (auto it = g_streams.rbegin(); it != g_streams.rend(); ++it)
    if (*it != target && runnable(*it)) return *it;
  return target && runnable(target) ? target : nullptr;
}

bool blocking_streams_idle() {
  for (const CUstream_st* s : g_streams)
    if (!(s->flags & cudaStreamNonBlocking) && !s->ops.empty()) return false;
  return true;
}
bool all_streams_idle() {
  for (const CUstream_st* s : g_streams)
    if (!s->ops.empty()) return false;
  return true;
}

// With g_exec_mu held: runs queued operations one at a time until done() (called under g_queue_mu) holds.
template <typename Done>
void run_until(Order order, CUstream_st* target, Done done) {
  for (;;) {
    QueuedOp op;
    {
      std::lock_guard<std::mutex> lock(g_queue_mu);
      if (done()) return;
      CUstream_st* s = choose(order, target);
      if (!s) {
        // A wait captures a record issued before it, so some stream can always move: this is an emulator bug.
        std::fprintf(stderr, "tf_emu: queued stream work can never run (every stream waits on an event)\n");
        std::abort();
      }
      op = std::move(s->ops.front());
      s->ops.pop_front();
      if (op.kind == QueuedOp::Record && op.generation >= op.event->completed) {
        op.event->completed = op.generation;
        op.event->at = std::chrono::steady_clock::now();
      }
      if (op.kind != QueuedOp::Work) continue;
    }
    op.work();
  }
}

}  // namespace

std::mutex& queue_mutex() { return g_queue_mu; }

void enqueue(cudaStream_t stream, std::function<void()> work) {
  if (stream == nullptr) {
    std::lock_guard<std::mutex> exec(g_exec_mu);
    run_until(next_order(), nullptr, blocking_streams_idle);
    work();
    return;
  }
  std::lock_guard<std::mutex> lock(g_queue_mu);
  if (stream->capture)
    stream->capture->ops.push_back({QueuedOp::Work, std::move(work)});
  else
    stream->ops.push_back({QueuedOp::Work, std::move(work)});
}

void drain(cudaStream_t stream) {
  std::lock_guard<std::mutex> exec(g_exec_mu);
  if (stream == nullptr)
    run_until(next_order(), nullptr, blocking_streams_idle);
  else
    run_until(next_order(), stream, [stream] { return stream->ops.empty(); });
}

void drain_all() {
  std::lock_guard<std::mutex> exec(g_exec_mu);
  run_until(next_order(), nullptr, all_streams_idle);
}

void set_stream_order(const char* order) {
  g_fixed_order = order == nullptr ? -1 : std::strcmp(order, "lead") == 0 ? 1 : 0;
}

void discard_all() {
  std::lock_guard<std::mutex> exec(g_exec_mu);
  std::lock_guard<std::mutex> lock(g_queue_mu);
  for (CUstream_st* s : g_streams) {
    // A discarded record counts as done, as the reset device has nothing left to wait for.
    for (const QueuedOp& op : s->ops)
      if (op.kind == QueuedOp::Record && op.generation > op.event->completed) op.event->completed = op.generation;
    s->ops.clear();
  }
}

}  // namespace tf_emu

using tf_emu::record;
using tf_emu::sticky_error;

cudaError_t cudaStreamCreate(cudaStream_t* s) { return cudaStreamCreateWithFlags(s, cudaStreamDefault); }
// sm_80 and sm_90 devices report [0, -5]: lower numbers are higher priorities, 0 is the default.
cudaError_t cudaDeviceGetStreamPriorityRange(int* least, int* greatest) {
  if (least) *least = 0;
  if (greatest) *greatest = -5;
  return cudaSuccess;
}
// The priority is ignored (runtime_api.h).
cudaError_t cudaStreamCreateWithPriority(cudaStream_t* s, unsigned flags, int) { return cudaStreamCreateWithFlags(s, flags); }
cudaError_t cudaStreamCreateWithFlags(cudaStream_t* s, unsigned flags) {
  if (const cudaError_t e = sticky_error()) return e;
  *s = new CUstream_st;
  (*s)->flags = flags;
  std::lock_guard<std::mutex> lock(tf_emu::g_queue_mu);
  tf_emu::g_streams.push_back(*s);
  return cudaSuccess;
}
// As on a device the call returns at once and the stream's queued work still completes: here it runs first.
cudaError_t cudaStreamDestroy(cudaStream_t s) {
  if (!s) return record(cudaErrorInvalidResourceHandle);
  tf_emu::drain(s);
  {
    std::lock_guard<std::mutex> lock(tf_emu::g_queue_mu);
    auto& v = tf_emu::g_streams;
    for (auto it = v.begin(); it != v.end(); ++it)
      if (*it == s) {
        v.erase(it);
        break;
      }
  }
  delete s;
  return cudaSuccess;
}
cudaError_t cudaStreamSynchronize(cudaStream_t s) {
  if (const cudaError_t e = tf_emu::refuse_during_capture(s)) return e;
  tf_emu::drain(s);
  return sticky_error();
}
// Work queued on `s` after this call waits for the event's latest record (none issued: no wait).
cudaError_t cudaStreamWaitEvent(cudaStream_t s, cudaEvent_t e, unsigned flags) {
  if (!e || flags != 0) return record(!e ? cudaErrorInvalidResourceHandle : cudaErrorInvalidValue);
  if (const cudaError_t err = sticky_error()) return err;
  uint64_t generation = 0;
  {
    std::lock_guard<std::mutex> lock(tf_emu::g_queue_mu);
    if (s && s->capture) {
      // Within one capture a wait on its own record is already met by the captured order; a wait on a record made
      // outside the capture would tie the graph to work that is not in it, which capture refuses.
      if (e->recorded_in == s) return cudaSuccess;
      s->capture->invalidated = true;
      std::fprintf(stderr, "tf_emu: a capturing stream waits on an event recorded outside its capture\n");
      return record(cudaErrorStreamCaptureIsolation);
    }
    if (e->recorded_in) {
      // A device would fork the capture into this stream; the emulator captures one stream at a time.
      e->recorded_in->capture->invalidated = true;
      std::fprintf(stderr, "tf_emu: a stream waits on an event recorded inside another stream's capture (a fork of "
                           "the capture into it), which the emulator does not emulate\n");
      return record(cudaErrorStreamCaptureUnsupported);
    }
    generation = e->issued;
    if (e->completed >= generation) return cudaSuccess;
    if (s) {
      s->ops.push_back({tf_emu::QueuedOp::Wait, {}, e, generation});
      return cudaSuccess;
    }
  }
  // The legacy stream runs its work at once, so what it waits for must have run before its next operation.
  std::lock_guard<std::mutex> exec(tf_emu::g_exec_mu);
  tf_emu::run_until(tf_emu::next_order(), nullptr, [e, generation] { return e->completed >= generation; });
  return cudaSuccess;
}

cudaError_t cudaEventCreate(cudaEvent_t* e) { return cudaEventCreateWithFlags(e, cudaEventDefault); }
cudaError_t cudaEventCreateWithFlags(cudaEvent_t* e, unsigned flags) {
  if (flags & ~(cudaEventBlockingSync | cudaEventDisableTiming | cudaEventInterprocess)) return record(cudaErrorInvalidValue);
  // An interprocess event must also disable timing (the runtime refuses it otherwise).
  if ((flags & cudaEventInterprocess) && !(flags & cudaEventDisableTiming)) return record(cudaErrorInvalidValue);
  *e = new CUevent_st{flags};
  return cudaSuccess;
}
// Queued waits may still name the event: they run first.
cudaError_t cudaEventDestroy(cudaEvent_t e) {
  if (!e) return record(cudaErrorInvalidResourceHandle);
  tf_emu::drain_all();
  delete e;
  return cudaSuccess;
}
cudaError_t cudaEventRecord(cudaEvent_t e, cudaStream_t s) {
  if (!e) return record(cudaErrorInvalidResourceHandle);
  if (const cudaError_t err = sticky_error()) return err;
  if (s) {
    std::lock_guard<std::mutex> lock(tf_emu::g_queue_mu);
    if (s->capture)  // a record node, internal to the graph: only waits in the same capture can see it
      e->recorded_in = s;
    else
      s->ops.push_back({tf_emu::QueuedOp::Record, {}, e, ++e->issued}), e->recorded_in = nullptr;
    return cudaSuccess;
  }
  tf_emu::enqueue(nullptr, [] {});  // the legacy stream: after every blocking stream's queued work
  std::lock_guard<std::mutex> lock(tf_emu::g_queue_mu);
  e->recorded_in = nullptr;
  e->completed = ++e->issued;
  e->at = std::chrono::steady_clock::now();
  return cudaSuccess;
}
cudaError_t cudaEventSynchronize(cudaEvent_t e) {
  if (!e) return record(cudaErrorInvalidResourceHandle);
  if (const cudaError_t err = tf_emu::refuse_during_capture(nullptr)) return err;
  {
    std::lock_guard<std::mutex> exec(tf_emu::g_exec_mu);
    uint64_t generation = 0;
    {
      std::lock_guard<std::mutex> lock(tf_emu::g_queue_mu);
      generation = e->issued;
    }
    tf_emu::run_until(tf_emu::next_order(), nullptr, [e, generation] { return e->completed >= generation; });
  }
  return sticky_error();
}
// Both events must have been recorded, with timing, and have run (a device answers cudaErrorNotReady before).
cudaError_t cudaEventElapsedTime(float* ms, cudaEvent_t a, cudaEvent_t b) {
  if (!a || !b) return record(cudaErrorInvalidResourceHandle);
  std::lock_guard<std::mutex> lock(tf_emu::g_queue_mu);
  if (a->issued == 0 || b->issued == 0 || ((a->flags | b->flags) & cudaEventDisableTiming))
    return record(cudaErrorInvalidResourceHandle);
  if (a->completed < a->issued || b->completed < b->issued) return record(cudaErrorNotReady);
  *ms = std::chrono::duration<float, std::milli>(b->at - a->at).count();
  return cudaSuccess;
}
