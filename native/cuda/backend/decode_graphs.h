#pragma once
// CUDA graphs for the batched decode step (cuda_llama_decode.cc). One new token per sequence is some 20 kernels per
// layer (about 350 on the Llama-3.2-1B shape), each a few microseconds of device work, so launching them one by one
// costs the host more time than the device spends: a decode step is launch-bound. A graph of the step, captured
// once per batch size, is replayed with one launch.
//
// What a replay relies on: the step's kernels read everything that changes from one token to the next from device
// memory (token ids, positions, the sequences' cache table), written by copies queued before the launch, and their
// pointers and sizes are those of the key. A key is seen once eagerly first, so what the kernels allocate lazily
// (cuBLASLt's workspace, GEMM plans) exists before the capture; a capture that fails switches graphs off for the
// model (said once on stderr) and the step runs eagerly as before. TF_CUDA_GRAPHS=0 switches them off.
#include <cuda_runtime.h>

#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <tuple>

namespace tf::cuda {

class DecodeGraphs {
 public:
  // Everything a captured step depends on besides the contents of device memory.
  struct Key {
    int64_t rows = 0;                 // sequences in the step
    const void* arena = nullptr;      // the arena's allocation (the plan's offsets follow from rows)
    int64_t arena_bytes = 0;
    const void* seqs = nullptr;       // the sequence table's buffer
    uint64_t lora_version = 0;        // the adapter's buffers and slots (CudaLlama bumps it when they change)
    bool operator<(const Key& o) const {
      return std::tie(rows, arena, arena_bytes, seqs, lora_version) <
             std::tie(o.rows, o.arena, o.arena_bytes, o.seqs, o.lora_version);
    }
  };

  DecodeGraphs();
  ~DecodeGraphs();
  DecodeGraphs(const DecodeGraphs&) = delete;
  DecodeGraphs& operator=(const DecodeGraphs&) = delete;

  // Queues `body` (kernels and device copies on `stream`, nothing that synchronizes or allocates) on `stream`:
  // eagerly the first time `key` is seen, captured into a graph and launched the second, the graph launched after.
  void run(const Key& key, cudaStream_t stream, const std::function<void()>& body);

 private:
  void capture(const Key& key, cudaStream_t stream, const std::function<void()>& body);
  void switch_off(const std::string& why);
  void destroy_all();

  bool enabled_ = true;
  std::set<Key> seen_;  // keys run eagerly once to the end, captured on their next run
  std::map<Key, cudaGraphExec_t> graphs_;
};

}  // namespace tf::cuda
