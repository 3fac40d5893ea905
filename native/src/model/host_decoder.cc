// host_decoder(): LlamaModel's KV cache behind the Decoder interface (model/decoder.h).
#include <algorithm>
#include <vector>

#include "common/error.h"
#include "model/decoder.h"
#include "model/llama.h"

namespace tf {

namespace {

class HostCache final : public DecodeCache {
 public:
  HostCache(std::unique_ptr<LlamaModel::KVCache> c, const void* owner) : cache(std::move(c)), owner(owner) {}
  int len() const override { return cache->len; }
  int max_len() const override { return cache->max_len; }
  std::unique_ptr<LlamaModel::KVCache> cache;
  const void* owner;
};

class HostDecoder final : public Decoder {
 public:
  explicit HostDecoder(LlamaModel& m) : model_(m) {}
  const ModelConfig& config() const override { return model_.config(); }
  std::unique_ptr<DecodeCache> new_decode_cache(int max_len) override {
    return std::make_unique<HostCache>(model_.new_cache(max_len), &model_);
  }
  void decode(DecodeCache& cache, const int32_t* tokens, int n, float* last_logits) override {
    auto* c = dynamic_cast<HostCache*>(&cache);
    TF_CHECK(c && c->owner == &model_, "decode: the cache belongs to another model or backend");
    model_.decode(*c->cache, tokens, n, last_logits);
  }
  void decode_step(DecodeCache* const* caches, const int32_t* tokens, int n, float* logits) override {
    std::vector<LlamaModel::KVCache*> own(size_t(std::max(n, 0)));
    for (int i = 0; i < n; ++i) {
      auto* c = dynamic_cast<HostCache*>(caches[i]);
      TF_CHECK(c && c->owner == &model_, "decode step: cache " + std::to_string(i) + " belongs to another model or backend");
      own[size_t(i)] = c->cache.get();
    }
    model_.decode_step(own.data(), tokens, n, logits);
  }

 private:
  LlamaModel& model_;
};

}  // namespace

std::unique_ptr<Decoder> host_decoder(LlamaModel& model) { return std::make_unique<HostDecoder>(model); }

}  // namespace tf
