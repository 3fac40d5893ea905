#include "generate/generate.h"

#include <algorithm>
#include <string>

#include "common/error.h"
#include "generate/sampler.h"

namespace tf::generate {

namespace {

api::GenerateResult generate_one(Decoder& model, const std::vector<int32_t>& prompt, int index,
                                 const api::GenerateOptions& options, const SamplerOptions& sampler,
                                 const api::TokenFn& on_token, const std::atomic<bool>& cancel) {
  const ModelConfig& cfg = model.config();
  const std::string which = "prompt " + std::to_string(index);
  TF_CHECK(!prompt.empty(), which + " is empty; generation needs at least one token");
  TF_CHECK((int64_t)prompt.size() <= cfg.max_position_embeddings,
           which + " has " + std::to_string(prompt.size()) + " tokens, more than the model's max_position_embeddings (" +
               std::to_string(cfg.max_position_embeddings) + "); shorten it");
  for (size_t i = 0; i < prompt.size(); i++)
    TF_CHECK(prompt[i] >= 0 && prompt[i] < cfg.vocab_size,
             which + ": token id " + std::to_string(prompt[i]) + " at position " + std::to_string(i) +
                 " is outside the vocabulary [0, " + std::to_string(cfg.vocab_size) + ")");

  api::GenerateResult result;
  if (cancel.load()) {
    result.finish_reason = "cancelled";
    return result;
  }
  const int64_t want = (int64_t)prompt.size() + options.max_tokens;
  const int max_len = (int)std::min<int64_t>(want, cfg.max_position_embeddings);
  auto cache = model.new_decode_cache(max_len);
  std::vector<float> logits((size_t)cfg.vocab_size);
  model.decode(*cache, prompt.data(), (int)prompt.size(), logits.data());
  Rng rng(hash_u64(options.seed, (uint64_t)index));
  while (true) {
    const int32_t tok = sample_token(logits.data(), cfg.vocab_size, sampler, rng);
    if (std::find(options.stop_token_ids.begin(), options.stop_token_ids.end(), tok) !=
        options.stop_token_ids.end()) {
      result.finish_reason = "stop";
      return result;
    }
    result.tokens.push_back(tok);
    if (on_token) on_token(index, tok);
    if ((int64_t)result.tokens.size() >= options.max_tokens || cache->len() >= max_len) {
      // Either the caller's limit or the model's context (max_position_embeddings) is reached.
      result.finish_reason = "length";
      return result;
    }
    if (cancel.load()) {
      result.finish_reason = "cancelled";
      return result;
    }
    model.decode(*cache, &tok, 1, logits.data());
  }
}

}  // namespace

std::vector<api::GenerateResult> generate_batch(Decoder& model, const std::vector<std::vector<int32_t>>& prompts,
                                                const api::GenerateOptions& options, const api::TokenFn& on_token,
                                                const std::atomic<bool>& cancel) {
  TF_CHECK(options.max_tokens >= 1, "max_tokens must be at least 1 (got " + std::to_string(options.max_tokens) + ")");
  SamplerOptions sampler{options.temperature, options.top_p};
  validate_sampler(sampler);
  for (int id : options.stop_token_ids)
    TF_CHECK(id >= 0 && id < model.config().vocab_size,
             "stop token id " + std::to_string(id) + " is outside the vocabulary [0, " +
                 std::to_string(model.config().vocab_size) + ")");
  std::vector<api::GenerateResult> results;
  for (size_t i = 0; i < prompts.size(); i++)
    results.push_back(generate_one(model, prompts[i], (int)i, options, sampler, on_token, cancel));
  return results;
}

}  // namespace tf::generate
