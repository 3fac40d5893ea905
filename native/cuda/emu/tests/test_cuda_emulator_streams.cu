// The emulator's streams, events and graphs (native/cuda/emu/streams.h, graphs.cc): work on a created stream is
// queued and runs when the host must see it, the lag and lead drain orders each expose the missing cross-stream wait
// they are for, and capture refuses what a device refuses. Built from a .cu file, like test_cuda_emulator.cu.
#include <cuda_runtime.h>

#include <cmath>
#include <string>
#include <vector>

#include "emulator_test_util.h"
#include "harness.h"

using namespace tf_emu_test;

namespace {

__global__ void scale_into(const float* in, float* out, float k) { out[threadIdx.x] = in[threadIdx.x] * k; }

// Even lanes shuffle while odd lanes wait at __syncwarp: a fault (the warp diverged) once the grid runs.
__global__ void diverging_warp(float* out) {
  float v = 1.f;
  if (threadIdx.x % 2 == 0) v = __shfl_xor_sync(0xffffffffu, v, 1);
  else __syncwarp();
  out[threadIdx.x] = v;
}

// Fixes the drain order for one test, and restores alternation after it.
struct StreamOrder {
  explicit StreamOrder(const char* order) { tf_emu::set_stream_order(order); }
  ~StreamOrder() { tf_emu::set_stream_order(nullptr); }
};

struct TwoStreams {
  cudaStream_t first = nullptr, second = nullptr;  // created in this order
  cudaEvent_t done = nullptr;
  TwoStreams() {
    REQUIRE(cudaStreamCreateWithFlags(&first, cudaStreamNonBlocking) == cudaSuccess);
    REQUIRE(cudaStreamCreateWithFlags(&second, cudaStreamNonBlocking) == cudaSuccess);
    REQUIRE(cudaEventCreateWithFlags(&done, cudaEventDisableTiming) == cudaSuccess);
  }
  ~TwoStreams() {
    cudaEventDestroy(done);
    cudaStreamDestroy(second);
    cudaStreamDestroy(first);
  }
};

TEST(work_on_a_non_blocking_stream_runs_when_the_host_synchronizes_with_it) {
  Dev<float> in(32), out(32);
  in.put(std::vector<float>(32, 3.f));
  cudaStream_t s = nullptr;
  REQUIRE(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking) == cudaSuccess);
  scale_into<<<1, 32, 0, s>>>(in.p, out.p, 2.f);
  CHECK(launch_outcome() == "ok");
  // A synchronous copy runs on the legacy stream, which a non-blocking stream is not ordered with: the kernel has
  // not run yet (a device may or may not have run it; the emulator makes the missing synchronization visible).
  CHECK(std::isnan(out.get()[0]));
  CHECK(cudaStreamSynchronize(s) == cudaSuccess);
  CHECK(out.get()[0] == 6.f);
  // An asynchronous copy into pageable host memory is synchronous with its own stream: it sees the stream's work.
  scale_into<<<1, 32, 0, s>>>(in.p, out.p, 5.f);
  std::vector<float> h(32, 0.f);
  CHECK(cudaMemcpyAsync(h.data(), out.p, 32 * sizeof(float), cudaMemcpyDeviceToHost, s) == cudaSuccess);
  CHECK(h[31] == 15.f);
  CHECK(cudaStreamDestroy(s) == cudaSuccess);
}

TEST(a_blocking_stream_is_ordered_with_the_legacy_stream) {
  Dev<float> in(32), out(32);
  in.put(std::vector<float>(32, 1.f));
  cudaStream_t s = nullptr;
  REQUIRE(cudaStreamCreate(&s) == cudaSuccess);
  scale_into<<<1, 32, 0, s>>>(in.p, out.p, 4.f);
  CHECK(out.get()[0] == 4.f);  // the legacy stream's copy waits for the blocking stream's work
  CHECK(cudaStreamDestroy(s) == cudaSuccess);
}

// Producer on `first`, consumer on `second`: with the event between them the consumer sees the product in either
// order; without it, the lag order (the synchronized stream first) shows the consumer reading the unwritten buffer.
TEST(a_consumer_that_does_not_wait_for_its_producer_reads_an_unwritten_buffer) {
  for (const char* order : {"lag", "lead"})
    for (bool wait : {true, false}) {
      StreamOrder fixed(order);
      TwoStreams t;
      Dev<float> in(32), mid(32), out(32);
      in.put(std::vector<float>(32, 1.5f));
      scale_into<<<1, 32, 0, t.first>>>(in.p, mid.p, 2.f);
      CHECK(cudaEventRecord(t.done, t.first) == cudaSuccess);
      if (wait) CHECK(cudaStreamWaitEvent(t.second, t.done, 0) == cudaSuccess);
      scale_into<<<1, 32, 0, t.second>>>(mid.p, out.p, 1.f);
      CHECK(cudaStreamSynchronize(t.second) == cudaSuccess);
      const float got = out.get()[7];
      if (wait || std::string(order) == "lead")
        CHECK(got == 3.f);
      else
        CHECK(std::isnan(got));
      CHECK(cudaDeviceSynchronize() == cudaSuccess);
    }
}

// Reader on `first`, writer on `second` reusing the reader's buffer: the writer must wait for the reader. Without
// that wait, the lead order (the other streams first) shows the reader getting the overwritten values.
TEST(a_producer_that_does_not_wait_for_its_consumer_overwrites_what_it_still_reads) {
  for (const char* order : {"lag", "lead"})
    for (bool wait : {true, false}) {
      StreamOrder fixed(order);
      TwoStreams t;
      Dev<float> a(32), b(32), out(32);
      a.put(std::vector<float>(32, 1.f));
      b.put(std::vector<float>(32, 7.f));
      scale_into<<<1, 32, 0, t.first>>>(a.p, out.p, 1.f);  // reads a
      CHECK(cudaEventRecord(t.done, t.first) == cudaSuccess);
      if (wait) CHECK(cudaStreamWaitEvent(t.second, t.done, 0) == cudaSuccess);
      scale_into<<<1, 32, 0, t.second>>>(b.p, a.p, 1.f);  // overwrites a
      CHECK(cudaStreamSynchronize(t.first) == cudaSuccess);
      const float got = out.get()[0];
      if (wait || std::string(order) == "lag")
        CHECK(got == 1.f);
      else
        CHECK(got == 7.f);
      CHECK(cudaDeviceSynchronize() == cudaSuccess);
    }
}

TEST(an_upload_on_a_stream_lands_when_that_stream_gets_there) {
  for (bool wait : {true, false}) {
    StreamOrder fixed("lag");
    TwoStreams t;
    Dev<float> dst(32), out(32);
    dst.put(std::vector<float>(32, 1.f));
    std::vector<float> host(32, 9.f);
    CHECK(cudaMemcpyAsync(dst.p, host.data(), 32 * sizeof(float), cudaMemcpyHostToDevice, t.first) == cudaSuccess);
    host.assign(32, -1.f);  // staged at the call: reusing the buffer changes nothing
    CHECK(cudaEventRecord(t.done, t.first) == cudaSuccess);
    if (wait) CHECK(cudaStreamWaitEvent(t.second, t.done, 0) == cudaSuccess);
    scale_into<<<1, 32, 0, t.second>>>(dst.p, out.p, 1.f);
    CHECK(cudaStreamSynchronize(t.second) == cudaSuccess);
    const float seen = out.get()[0];
    CHECK_EQ(seen, wait ? 9.f : 1.f);  // without the wait, the reader saw the buffer before the upload
    CHECK(cudaDeviceSynchronize() == cudaSuccess);
    const float landed = dst.get()[5];
    CHECK_EQ(landed, 9.f);
  }
}

TEST(the_legacy_stream_records_at_once_and_waits_for_other_streams_events) {
  StreamOrder fixed("lag");
  cudaStream_t s = nullptr;
  REQUIRE(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking) == cudaSuccess);
  cudaEvent_t e = nullptr;
  REQUIRE(cudaEventCreate(&e) == cudaSuccess);
  CHECK(cudaEventRecord(e, nullptr) == cudaSuccess);
  float ms = -1.f;
  CHECK(cudaEventElapsedTime(&ms, e, e) == cudaSuccess && ms == 0.f);  // done on return
  Dev<float> in(32), out(32);
  in.put(std::vector<float>(32, 2.f));
  scale_into<<<1, 32, 0, s>>>(in.p, out.p, 3.f);
  CHECK(cudaEventRecord(e, s) == cudaSuccess);
  CHECK(cudaStreamWaitEvent(nullptr, e, 0) == cudaSuccess);  // the legacy stream's next work comes after it
  const float after_wait = out.get()[0];
  CHECK_EQ(after_wait, 6.f);
  // A stream destroyed with work queued: the work still runs, as on a device.
  scale_into<<<1, 32, 0, s>>>(in.p, out.p, 4.f);
  CHECK(cudaStreamDestroy(s) == cudaSuccess);
  const float after_destroy = out.get()[0];
  CHECK_EQ(after_destroy, 8.f);
  CHECK(cudaEventDestroy(e) == cudaSuccess);
}

TEST(a_device_reset_drops_queued_work_and_its_events_count_as_done) {
  cudaStream_t s = nullptr;
  REQUIRE(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking) == cudaSuccess);
  cudaEvent_t e = nullptr;
  REQUIRE(cudaEventCreateWithFlags(&e, cudaEventDisableTiming | cudaEventBlockingSync) == cudaSuccess);
  cudaEvent_t bad = nullptr;
  CHECK(cudaEventCreateWithFlags(&bad, cudaEventInterprocess) == cudaErrorInvalidValue);  // needs DisableTiming
  cudaGetLastError();
  float* out = raw_floats(32);
  scale_into<<<1, 32, 0, s>>>(out, out, 2.f);
  CHECK(cudaEventRecord(e, s) == cudaSuccess);
  cudaDeviceReset();  // out is freed; the queued kernel must never run
  CHECK(cudaEventSynchronize(e) == cudaSuccess);
  CHECK(cudaStreamSynchronize(s) == cudaSuccess);
  CHECK(cudaStreamDestroy(s) == cudaSuccess);
  CHECK(cudaEventDestroy(e) == cudaSuccess);
}

TEST(a_captured_graph_replays_its_kernels_on_the_data_of_each_launch) {
  cudaStream_t s = nullptr;
  REQUIRE(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking) == cudaSuccess);
  Dev<float> in(32), mid(32), out(32);
  in.put(std::vector<float>(32, 1.f));
  const uint64_t launched = tf_emu::launch_count("scale_into");
  REQUIRE(cudaStreamBeginCapture(s, cudaStreamCaptureModeThreadLocal) == cudaSuccess);
  cudaStreamCaptureStatus status = cudaStreamCaptureStatusNone;
  CHECK(cudaStreamIsCapturing(s, &status) == cudaSuccess && status == cudaStreamCaptureStatusActive);
  scale_into<<<1, 32, 0, s>>>(in.p, mid.p, 2.f);
  CHECK(cudaMemcpyAsync(out.p, mid.p, 32 * sizeof(float), cudaMemcpyDeviceToDevice, s) == cudaSuccess);
  scale_into<<<1, 32, 0, s>>>(out.p, out.p, 3.f);
  cudaGraph_t graph = nullptr;
  REQUIRE(cudaStreamEndCapture(s, &graph) == cudaSuccess && graph);
  CHECK(cudaStreamIsCapturing(s, &status) == cudaSuccess && status == cudaStreamCaptureStatusNone);
  CHECK(cudaStreamSynchronize(s) == cudaSuccess);
  CHECK(std::isnan(out.get()[0]));  // captured, not run
  cudaGraphExec_t exec = nullptr;
  REQUIRE(cudaGraphInstantiate(&exec, graph, 0) == cudaSuccess);
  CHECK(cudaGraphDestroy(graph) == cudaSuccess);  // the instantiated graph stands alone
  for (float x : {1.f, 5.f}) {
    in.put(std::vector<float>(32, x));  // each launch reads the buffers as they are then
    CHECK(cudaGraphLaunch(exec, s) == cudaSuccess);
    CHECK(cudaStreamSynchronize(s) == cudaSuccess);
    const float got = out.get()[31];
    CHECK_EQ(got, 6.f * x);
  }
  CHECK_EQ(tf_emu::launch_count("scale_into"), launched + 2);  // launched while capturing; replays are not launches
  CHECK(cudaGraphExecDestroy(exec) == cudaSuccess);
  CHECK(cudaStreamDestroy(s) == cudaSuccess);
}

TEST(what_capture_cannot_take_fails_and_invalidates_the_capture) {
  cudaStream_t s = nullptr;
  REQUIRE(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking) == cudaSuccess);
  Dev<float> d(32);
  std::vector<float> host(32, 1.f);
  const auto broken = [&](cudaStreamCaptureMode mode, auto call) {
    REQUIRE(cudaStreamBeginCapture(s, mode) == cudaSuccess);
    const cudaError_t e = call();
    cudaGraph_t g = nullptr;
    const cudaError_t end = cudaStreamEndCapture(s, &g);
    if (g) cudaGraphDestroy(g);
    cudaGetLastError();
    return std::string(cudaGetErrorName(e)) + " / " + cudaGetErrorName(end);
  };
  const std::string refused = "cudaErrorStreamCaptureUnsupported / cudaErrorStreamCaptureInvalidated";
  const auto tl = cudaStreamCaptureModeThreadLocal;
  CHECK_EQ(broken(tl, [&] { return cudaStreamSynchronize(s); }), refused);
  CHECK_EQ(broken(tl, [&] { return cudaMemcpyAsync(d.p, host.data(), 32 * sizeof(float), cudaMemcpyHostToDevice, s); }), refused);
  CHECK_EQ(broken(tl, [&] { return cudaMemcpyAsync(host.data(), d.p, 32 * sizeof(float), cudaMemcpyDeviceToHost, s); }), refused);
  void* p = nullptr;
  CHECK_EQ(broken(tl, [&] { return cudaMalloc(&p, 256); }), refused);  // an allocation a replay would not repeat
  CHECK_EQ(broken(tl, [&] { return cudaDeviceSynchronize(); }), refused);
  // Events: a wait on a record made inside the same capture is in order already; one made outside crosses the
  // capture's boundary.
  cudaEvent_t e = nullptr;
  REQUIRE(cudaEventCreateWithFlags(&e, cudaEventDisableTiming) == cudaSuccess);
  CHECK_EQ(broken(tl, [&] {
    const cudaError_t r = cudaEventRecord(e, s);
    return r != cudaSuccess ? r : cudaStreamWaitEvent(s, e, 0);
  }), std::string("cudaSuccess / cudaSuccess"));
  CHECK(cudaEventRecord(e, s) == cudaSuccess);
  CHECK_EQ(broken(tl, [&] { return cudaStreamWaitEvent(s, e, 0); }), std::string("cudaErrorStreamCaptureIsolation / cudaErrorStreamCaptureInvalidated"));
  CHECK(cudaStreamSynchronize(s) == cudaSuccess);
  CHECK(cudaEventDestroy(e) == cudaSuccess);
  // Relaxed mode allows the thread's unsafe calls, but not synchronizing with the capturing stream itself.
  CHECK_EQ(broken(cudaStreamCaptureModeRelaxed, [&] { return cudaMalloc(&p, 256); }), std::string("cudaSuccess / cudaSuccess"));
  CHECK(cudaFree(p) == cudaSuccess);
  CHECK_EQ(broken(cudaStreamCaptureModeRelaxed, [&] { return cudaStreamSynchronize(s); }), refused);
  CHECK(cudaStreamDestroy(s) == cudaSuccess);
}

TEST(events_time_only_what_has_run_and_queued_work_runs_before_a_free) {
  cudaStream_t s = nullptr;
  REQUIRE(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking) == cudaSuccess);
  cudaEvent_t a = nullptr, b = nullptr, untimed = nullptr;
  REQUIRE(cudaEventCreate(&a) == cudaSuccess && cudaEventCreate(&b) == cudaSuccess);
  REQUIRE(cudaEventCreateWithFlags(&untimed, cudaEventDisableTiming) == cudaSuccess);
  float ms = -1.f;
  CHECK(cudaEventElapsedTime(&ms, a, b) == cudaErrorInvalidResourceHandle);  // never recorded
  float* in = raw_floats(32);
  float* out = raw_floats(32);
  CHECK(cudaMemsetAsync(in, 0, 32 * sizeof(float), s) == cudaSuccess);
  CHECK(cudaEventRecord(a, s) == cudaSuccess);
  scale_into<<<1, 32, 0, s>>>(in, out, 1.f);
  CHECK(cudaEventRecord(b, s) == cudaSuccess);
  CHECK(cudaEventRecord(untimed, s) == cudaSuccess);
  CHECK(cudaEventElapsedTime(&ms, a, b) == cudaErrorNotReady);  // queued, not run
  CHECK(cudaEventSynchronize(b) == cudaSuccess);
  CHECK(cudaEventElapsedTime(&ms, a, b) == cudaSuccess && ms >= 0.f);
  CHECK(cudaEventSynchronize(untimed) == cudaSuccess);
  CHECK(cudaEventElapsedTime(&ms, a, untimed) == cudaErrorInvalidResourceHandle);
  cudaGetLastError();
  // cudaFree synchronizes the device: the queued kernel runs before its buffers go (else it would fault).
  scale_into<<<1, 32, 0, s>>>(in, out, 2.f);
  CHECK(cudaFree(out) == cudaSuccess);
  CHECK(cudaFree(in) == cudaSuccess);
  CHECK(launch_outcome() == "ok");
  cudaEventDestroy(untimed), cudaEventDestroy(b), cudaEventDestroy(a);
  CHECK(cudaStreamDestroy(s) == cudaSuccess);
}

TEST(a_fault_in_queued_work_is_reported_when_the_host_synchronizes) {
  cudaStream_t s = nullptr;
  REQUIRE(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking) == cudaSuccess);
  float* out = raw_floats(32);
  diverging_warp<<<1, 32, 0, s>>>(out);
  CHECK(cudaGetLastError() == cudaSuccess);  // the launch itself was valid
  const cudaError_t e = cudaStreamSynchronize(s);
  CHECK(e == cudaErrorLaunchFailure);
  CHECK(std::string(cudaGetErrorString(e)).find("kernel diverging_warp") != std::string::npos);
  cudaStreamDestroy(s);
  cudaDeviceReset();
}

}  // namespace
