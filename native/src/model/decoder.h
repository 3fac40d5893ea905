#pragma once
// What generation needs from a backend (generate/generate.cc): a KV cache of a fixed length and "append n tokens,
// give the logits of the last one". The CPU model's own cache is wrapped by host_decoder(); the CUDA model
// (native/cuda/backend) decodes on its device with its cache there, so generating with a model trained on a GPU does
// not fall back to the CPU.
#include <cstdint>
#include <memory>

#include "io/config.h"

namespace tf {

class LlamaModel;

class DecodeCache {
 public:
  virtual ~DecodeCache() = default;
  virtual int len() const = 0;      // tokens already in the cache (the next position)
  virtual int max_len() const = 0;  // capacity, <= max_position_embeddings
};

class Decoder {
 public:
  virtual ~Decoder() = default;
  virtual const ModelConfig& config() const = 0;
  // max_len in [1, max_position_embeddings].
  virtual std::unique_ptr<DecodeCache> new_decode_cache(int max_len) = 0;
  // Appends n >= 1 tokens at positions cache.len() .. and writes the logits of the last one into last_logits [V].
  // Throws when the cache would overflow or a token id is outside the vocabulary; cache is unchanged then.
  virtual void decode(DecodeCache& cache, const int32_t* tokens, int n, float* last_logits) = 0;
  // One token for each of n independent sequences: tokens[i] joins caches[i] (distinct caches, each with room), and
  // row i of logits [n, V] gets its next-token logits, equal to decode(*caches[i], &tokens[i], 1, ...) up to float
  // rounding. Batched generation calls it once per step for every unfinished sequence, so a backend that
  // overrides it reads its weights once per step instead of once per sequence; this default decodes one by one.
  virtual void decode_step(DecodeCache* const* caches, const int32_t* tokens, int n, float* logits) {
    for (int i = 0; i < n; ++i) decode(*caches[i], tokens + i, 1, logits + int64_t(i) * config().vocab_size);
  }
};

// The CPU model (LlamaModel::new_cache / decode) as a Decoder; model must outlive it.
std::unique_ptr<Decoder> host_decoder(LlamaModel& model);

}  // namespace tf
