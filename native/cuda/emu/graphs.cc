// The emulator's stream capture and graphs (runtime_api.h): work queued on a capturing stream is kept in order as
// the graph; launching the graph queues copies of it on a stream, where it runs like any queued work. The checks
// are a device's: what capture cannot take fails with cudaErrorStreamCaptureUnsupported and invalidates the capture,
// so cudaStreamEndCapture fails too (streams.h refuse_during_capture).
#include <cstdio>
#include <vector>

#include "state.h"
#include "stream_state.h"
#include "streams.h"

struct CUgraph_st {
  std::vector<tf_emu::QueuedOp> ops;
};
struct CUgraphExec_st {
  std::vector<tf_emu::QueuedOp> ops;
};

namespace tf_emu {

namespace {

// The stream this thread is capturing in global or thread-local mode, whose capture an unsafe call breaks.
thread_local CUstream_st* t_strict_capture = nullptr;

}  // namespace

cudaError_t refuse_during_capture(cudaStream_t touched) {
  std::lock_guard<std::mutex> lock(queue_mutex());
  CUstream_st* broken = touched && touched->capture ? touched : t_strict_capture;
  if (!broken || !broken->capture) return cudaSuccess;
  broken->capture->invalidated = true;
  std::fprintf(stderr, "tf_emu: a call stream capture cannot take (a synchronization, an allocation, or a copy of "
                       "pageable host memory) while a stream is capturing\n");
  return record(cudaErrorStreamCaptureUnsupported);
}

}  // namespace tf_emu

using tf_emu::record;

cudaError_t cudaStreamBeginCapture(cudaStream_t s, cudaStreamCaptureMode mode) {
  if (!s) return record(cudaErrorStreamCaptureUnsupported);  // the legacy stream cannot be captured
  if (const cudaError_t e = tf_emu::sticky_error()) return e;
  std::lock_guard<std::mutex> lock(tf_emu::queue_mutex());
  if (s->capture) return record(cudaErrorInvalidValue);
  s->capture = std::make_unique<tf_emu::Capture>();
  if (mode != cudaStreamCaptureModeRelaxed) tf_emu::t_strict_capture = s;
  return cudaSuccess;
}

cudaError_t cudaStreamEndCapture(cudaStream_t s, cudaGraph_t* graph) {
  *graph = nullptr;
  if (!s) return record(cudaErrorInvalidValue);
  std::unique_ptr<tf_emu::Capture> c;
  {
    std::lock_guard<std::mutex> lock(tf_emu::queue_mutex());
    if (!s->capture) return record(cudaErrorInvalidValue);  // not capturing
    c = std::move(s->capture);
    if (tf_emu::t_strict_capture == s) tf_emu::t_strict_capture = nullptr;
  }
  if (c->invalidated) return record(cudaErrorStreamCaptureInvalidated);
  *graph = new CUgraph_st{std::move(c->ops)};
  return cudaSuccess;
}

cudaError_t cudaStreamIsCapturing(cudaStream_t s, cudaStreamCaptureStatus* status) {
  std::lock_guard<std::mutex> lock(tf_emu::queue_mutex());
  *status = !s || !s->capture ? cudaStreamCaptureStatusNone
            : s->capture->invalidated ? cudaStreamCaptureStatusInvalidated
                                      : cudaStreamCaptureStatusActive;
  return cudaSuccess;
}

cudaError_t cudaGraphInstantiate(cudaGraphExec_t* exec, cudaGraph_t graph, unsigned long long flags) {
  if (!exec || !graph || flags != 0) return record(cudaErrorInvalidValue);
  *exec = new CUgraphExec_st{graph->ops};  // independent of the graph from here on
  return cudaSuccess;
}

// The graph's operations (kernels, copies, memsets) go onto the stream's queue in their captured order.
cudaError_t cudaGraphLaunch(cudaGraphExec_t exec, cudaStream_t s) {
  if (!exec) return record(cudaErrorInvalidResourceHandle);
  if (const cudaError_t e = tf_emu::sticky_error()) return e;
  for (const tf_emu::QueuedOp& op : exec->ops) tf_emu::enqueue(s, op.work);  // the legacy stream runs each at once
  return tf_emu::sticky_error();
}

cudaError_t cudaGraphExecDestroy(cudaGraphExec_t exec) {
  delete exec;  // queued copies of its operations own what they need
  return cudaSuccess;
}
cudaError_t cudaGraphDestroy(cudaGraph_t graph) {
  delete graph;
  return cudaSuccess;
}
