#include "generate/generate.h"

#include <algorithm>
#include <memory>
#include <string>

#include "common/error.h"
#include "generate/sampler.h"

namespace tf::generate {

namespace {

void check_prompt(const ModelConfig& cfg, const std::vector<int32_t>& prompt, int index) {
  const std::string which = "prompt " + std::to_string(index);
  TF_CHECK(!prompt.empty(), which + " is empty; generation needs at least one token");
  TF_CHECK((int64_t)prompt.size() <= cfg.max_position_embeddings,
           which + " has " + std::to_string(prompt.size()) + " tokens, more than the model's max_position_embeddings (" +
               std::to_string(cfg.max_position_embeddings) + "); shorten it");
  for (size_t i = 0; i < prompt.size(); i++)
    TF_CHECK(prompt[i] >= 0 && prompt[i] < cfg.vocab_size,
             which + ": token id " + std::to_string(prompt[i]) + " at position " + std::to_string(i) +
                 " is outside the vocabulary [0, " + std::to_string(cfg.vocab_size) + ")");
}

// One prompt's generation: its cache, its Rng stream, where the logits of its next token are (its prefill's, then
// its row of the last step's), and what it produced.
struct Sequence {
  int index = 0;
  int max_len = 0;
  std::unique_ptr<DecodeCache> cache;
  Rng rng{0};
  std::vector<float> prefill_logits;
  const float* logits = nullptr;
  api::GenerateResult result;
  bool admitted = false, done = false;
};

}  // namespace

std::vector<api::GenerateResult> generate_batch(Decoder& model, const std::vector<std::vector<int32_t>>& prompts,
                                                const api::GenerateOptions& options, const api::TokenFn& on_token,
                                                const std::atomic<bool>& cancel) {
  const ModelConfig& cfg = model.config();
  TF_CHECK(options.max_tokens >= 1, "max_tokens must be at least 1 (got " + std::to_string(options.max_tokens) + ")");
  SamplerOptions sampler{options.temperature, options.top_p};
  validate_sampler(sampler);
  for (int id : options.stop_token_ids)
    TF_CHECK(id >= 0 && id < cfg.vocab_size,
             "stop token id " + std::to_string(id) + " is outside the vocabulary [0, " + std::to_string(cfg.vocab_size) + ")");
  // Every prompt is checked before any work, so a bad one fails the call without half a batch generated.
  for (size_t i = 0; i < prompts.size(); i++) check_prompt(cfg, prompts[i], int(i));

  std::vector<Sequence> seqs(prompts.size());
  for (size_t i = 0; i < prompts.size(); i++) {
    seqs[i].index = int(i);
    seqs[i].rng = Rng(hash_u64(options.seed, uint64_t(i)));
  }

  // Admission: each prompt gets its cache and its prefill (on its own: prompts differ in length) in order, while
  // memory lasts. When one does not fit beside the sequences already running (a device's KV caches for a big
  // batch of long contexts), it waits until some finish and free theirs; only a prompt that fails with nothing
  // else running is an error.
  size_t next_prompt = 0, running = 0;
  auto admit = [&] {
    while (next_prompt < prompts.size()) {
      Sequence& s = seqs[next_prompt];
      if (cancel.load()) {
        s.result.finish_reason = "cancelled", s.done = true;
        ++next_prompt;
        continue;
      }
      const std::vector<int32_t>& prompt = prompts[next_prompt];
      const int64_t want = (int64_t)prompt.size() + options.max_tokens;
      s.max_len = (int)std::min<int64_t>(want, cfg.max_position_embeddings);
      try {
        s.cache = model.new_decode_cache(s.max_len);
        s.prefill_logits.resize(size_t(cfg.vocab_size));
        model.decode(*s.cache, prompt.data(), (int)prompt.size(), s.prefill_logits.data());
        s.logits = s.prefill_logits.data();
      } catch (const std::exception&) {
        s.cache.reset();
        if (running == 0) throw;
        return;  // retried once a running sequence finishes
      }
      s.admitted = true;
      ++running, ++next_prompt;
    }
  };
  auto finish = [&](Sequence& s, const char* reason) {
    s.result.finish_reason = reason, s.done = true;
    s.cache.reset();  // its memory goes to the next prompt waiting for admission
    --running;
  };

  // Then one token per running sequence per step, all of them in one decode_step: the weights are read once per
  // step for the whole batch, which is where batching pays (decoding one sequence is bound by reading weights).
  std::vector<DecodeCache*> caches;
  std::vector<int32_t> next;
  std::vector<Sequence*> live;
  std::vector<float> step_logits;
  while (true) {
    admit();
    caches.clear(), next.clear(), live.clear();
    for (Sequence& s : seqs) {
      if (!s.admitted || s.done) continue;
      const int32_t tok = sample_token(s.logits, cfg.vocab_size, sampler, s.rng);
      if (std::find(options.stop_token_ids.begin(), options.stop_token_ids.end(), tok) != options.stop_token_ids.end()) {
        finish(s, "stop");
        continue;
      }
      s.result.tokens.push_back(tok);
      if (on_token) on_token(s.index, tok);
      if ((int64_t)s.result.tokens.size() >= options.max_tokens || s.cache->len() >= s.max_len) {
        // Either the caller's limit or the model's context (max_position_embeddings) is reached.
        finish(s, "length");
        continue;
      }
      caches.push_back(s.cache.get()), next.push_back(tok), live.push_back(&s);
    }
    if (cancel.load()) {
      for (Sequence& s : seqs)
        if (!s.done) s.result.finish_reason = "cancelled", s.done = true;
      break;
    }
    if (live.empty()) {
      if (next_prompt == prompts.size()) break;
      continue;  // every running sequence finished this round: admit the next prompts
    }
    step_logits.resize(live.size() * size_t(cfg.vocab_size));
    model.decode_step(caches.data(), next.data(), int(live.size()), step_logits.data());
    // Sampled from in place at the next round, before the next step reuses the buffer (no per-sequence copy of V
    // floats per token).
    for (size_t j = 0; j < live.size(); j++) live[j]->logits = step_logits.data() + j * size_t(cfg.vocab_size);
  }

  std::vector<api::GenerateResult> results;
  results.reserve(seqs.size());
  for (Sequence& s : seqs) results.push_back(std::move(s.result));
  return results;
}

}  // namespace tf::generate
