#include "backend/decode_graphs.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "common.cuh"

namespace tf::cuda {

namespace {

// Graphs kept per model: one per batch size in use; past this many the old ones go (a new arena or adapter makes
// them stale anyway).
constexpr size_t kMaxGraphs = 128;

bool same_buffers(const DecodeGraphs::Key& a, const DecodeGraphs::Key& b) {
  return a.arena == b.arena && a.arena_bytes == b.arena_bytes && a.seqs == b.seqs && a.lora_version == b.lora_version;
}

}  // namespace

DecodeGraphs::DecodeGraphs() {
  const char* v = std::getenv("TF_CUDA_GRAPHS");
  enabled_ = !(v && std::strcmp(v, "0") == 0);
}

DecodeGraphs::~DecodeGraphs() { destroy_all(); }

void DecodeGraphs::destroy_all() {
  for (auto& [key, exec] : graphs_) cudaGraphExecDestroy(exec);
  graphs_.clear();
  seen_.clear();
}

void DecodeGraphs::switch_off(const std::string& why) {
  if (enabled_) std::fprintf(stderr, "tuneforge: decode steps run without CUDA graphs: %s\n", why.c_str());
  enabled_ = false;
  destroy_all();
}

void DecodeGraphs::run(const Key& key, cudaStream_t stream, const std::function<void()>& body) {
  if (!enabled_) return body();
  if (auto it = graphs_.find(key); it != graphs_.end()) {
    CUDA_CHECK(cudaGraphLaunch(it->second, stream));
    return;
  }
  // Graphs and sightings of other buffers are stale: the step will not see those again.
  for (auto it = graphs_.begin(); it != graphs_.end();)
    if (!same_buffers(it->first, key) || graphs_.size() >= kMaxGraphs)
      cudaGraphExecDestroy(it->second), it = graphs_.erase(it);
    else
      ++it;
  for (auto it = seen_.begin(); it != seen_.end();) it = same_buffers(*it, key) ? std::next(it) : seen_.erase(it);
  if (!seen_.count(key)) {
    // The first time eagerly: lazy allocations happen outside a capture. Seen only once it ran whole: a run that
    // threw may have stopped before them, and capturing them would switch graphs off for good.
    body();
    seen_.insert(key);
    return;
  }
  capture(key, stream, body);
}

void DecodeGraphs::capture(const Key& key, cudaStream_t stream, const std::function<void()>& body) {
  // Thread-local mode: other threads' work on the device (a training run, another session) is not this capture's
  // business; this thread's own unsafe calls still break it, which is what tells us body() was not capturable.
  if (const cudaError_t began = cudaStreamBeginCapture(stream, cudaStreamCaptureModeThreadLocal); began != cudaSuccess) {
    cudaGetLastError();
    switch_off(std::string("cudaStreamBeginCapture: ") + cudaGetErrorString(began));
    return body();
  }
  std::string failure;
  try {
    body();
  } catch (const std::exception& e) {
    failure = e.what();
  }
  cudaGraph_t graph = nullptr;
  const cudaError_t ended = cudaStreamEndCapture(stream, &graph);
  if (failure.empty() && ended != cudaSuccess) failure = std::string("cudaStreamEndCapture: ") + cudaGetErrorString(ended);
  cudaGraphExec_t exec = nullptr;
  if (failure.empty()) {
    const cudaError_t made = cudaGraphInstantiate(&exec, graph, 0);
    if (made != cudaSuccess) failure = std::string("cudaGraphInstantiate: ") + cudaGetErrorString(made);
  }
  if (graph) cudaGraphDestroy(graph);
  if (!failure.empty()) {
    cudaGetLastError();  // the capture's error is handled here; a real fault stays sticky and body() reports it
    switch_off(failure);
    return body();
  }
  graphs_.emplace(key, exec);
  CUDA_CHECK(cudaGraphLaunch(exec, stream));
}

}  // namespace tf::cuda
