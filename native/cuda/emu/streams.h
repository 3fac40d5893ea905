#pragma once
// The emulator's streams and events (streams.cc). Internal to the emulator.
//
// Work on a created stream is queued, not run: it runs when the host has to see it (cudaStreamSynchronize,
// cudaEventSynchronize, cudaDeviceSynchronize, a copy to or from pageable host memory, cudaFree) or when the
// legacy default stream needs it. Until then each stream may lag behind the host or run ahead of the others as far
// as its own order and its cudaStreamWaitEvent dependencies allow, which is what a device guarantees and no more.
// The emulator uses that freedom on purpose, the way its blocks rotate thread orders: each synchronization drains
// the queues in one of two orders,
//   lag:  the stream being waited for runs first, every other stream only as far as it must (a consumer that
//         forgot to wait for a producer on another stream reads the producer's buffer before it is written);
//   lead: every other stream runs as far as it can first (a producer that forgot to wait for a consumer on
//         another stream overwrites the buffer before the consumer reads it).
// TF_CUDA_EMU_STREAMS=lag|lead fixes one; unset, the drains alternate.
//
// The legacy default stream (nullptr) keeps its implicit synchronization: its work waits for every blocking stream
// (cudaStreamDefault) and runs at once; non-blocking streams (cudaStreamNonBlocking) are not ordered with it.
// Running at once is more than a device promises: a missing wait on legacy-stream work goes unseen here.
#include <functional>

#include "runtime_api.h"

namespace tf_emu {

// Queues `work` on `stream`, or for the legacy default stream runs it now after every blocking stream's queued
// work. Kernel launches, device-to-device copies and memsets go through here.
void enqueue(cudaStream_t stream, std::function<void()> work);
// Runs everything queued on `stream` (for nullptr: on every blocking stream) and what it waits for.
void drain(cudaStream_t stream);
// Runs everything queued on every stream (cudaDeviceSynchronize, cudaFree).
void drain_all();
// Drops every queued operation (cudaDeviceReset: the context and its pending work are gone).
void discard_all();

// Stream capture (graphs.cc). A call capture cannot take returns cudaErrorStreamCaptureUnsupported and invalidates
// the capture it would break, as on a device: one that synchronizes with or copies pageable memory through
// `touched` while it is capturing, or any "potentially unsafe" call (allocation, freeing, synchronization) from a
// thread that is capturing in global or thread-local mode. cudaSuccess when the call may go ahead.
cudaError_t refuse_during_capture(cudaStream_t touched);

}  // namespace tf_emu
