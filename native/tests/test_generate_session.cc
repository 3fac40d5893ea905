// Generation through tf::api::Session on a tiny random model: greedy agrees with the full-sequence logits
// and is deterministic, stops on eos ids and at max_tokens, seeded top-p sampling reproduces, tokens stream
// in order, cancellation is honoured, and bad requests are clear errors.
#include <algorithm>
#include <atomic>

#include "api.h"
#include "harness.h"
#include "test_session_model.h"

using namespace tf::api;

namespace {

std::unique_ptr<Session> session(const tf_test::TempDir& dir) {
  tf_test::TinySpec spec;
  spec.seed = 3;
  tf_test::write_tiny_model(dir.path(), spec);
  LoadOptions lo;
  lo.model_dir = dir.path();
  return Session::load(lo);
}

std::vector<GenerateResult> gen(Session& s, const std::vector<std::vector<int32_t>>& prompts, GenerateOptions g,
                                const TokenFn& fn = nullptr) {
  std::atomic<bool> cancel{false};
  return s.generate(prompts, g, "", fn, cancel);
}

const std::vector<std::vector<int32_t>> kPrompts{{1, 5, 9, 14}, {1, 7}, {1, 20, 21, 22, 23, 2}};

}  // namespace

TEST(greedy_is_deterministic_and_matches_full_logits) {
  tf_test::TempDir dir("tf-gen");
  auto s = session(dir);
  GenerateOptions g;
  g.max_tokens = 8;
  const auto a = gen(*s, kPrompts, g), b = gen(*s, kPrompts, g);
  REQUIRE(a.size() == 3);
  for (size_t i = 0; i < a.size(); i++) {
    CHECK(a[i].tokens == b[i].tokens);
    CHECK_EQ(a[i].tokens.size(), (size_t)8);
    CHECK_EQ(a[i].finish_reason, std::string("length"));
    // The cached decode must pick what the uncached forward says is most likely at every step (1e-4: the
    // two paths sum in different orders).
    std::vector<int32_t> seq = kPrompts[i];
    for (int32_t t : a[i].tokens) {
      seq.push_back(t);
      const double chosen = s->logprobs(seq, "").back();
      double best = -1e30;
      for (int32_t v = 0; v < 32; v++) {
        seq.back() = v;
        best = std::max(best, s->logprobs(seq, "").back());
      }
      seq.back() = t;
      CHECK(chosen >= best - 1e-4);
    }
  }
}

TEST(greedy_stops_on_an_eos_id_without_returning_it) {
  tf_test::TempDir dir("tf-gen");
  auto s = session(dir);
  GenerateOptions g;
  g.max_tokens = 6;
  const auto free = gen(*s, {kPrompts[0]}, g)[0].tokens;
  REQUIRE(free.size() == 6);
  // Stop on the third generated token (unless it already appeared earlier, then on its first occurrence).
  const int32_t stop = free[2];
  size_t first = 0;
  while (free[first] != stop) first++;
  g.stop_token_ids = {stop};
  const auto r = gen(*s, {kPrompts[0]}, g)[0];
  CHECK_EQ(r.finish_reason, std::string("stop"));
  CHECK(r.tokens == std::vector<int32_t>(free.begin(), free.begin() + (long)first));
}

TEST(top_p_sampling_with_a_seed_is_reproducible) {
  tf_test::TempDir dir("tf-gen");
  auto s = session(dir);
  GenerateOptions g;
  g.max_tokens = 12;
  g.temperature = 1.5f;
  g.top_p = 0.9f;
  g.seed = 123;
  const auto a = gen(*s, kPrompts, g), b = gen(*s, kPrompts, g);
  g.seed = 124;
  const auto c = gen(*s, kPrompts, g);
  bool differs = false;
  for (size_t i = 0; i < a.size(); i++) {
    CHECK(a[i].tokens == b[i].tokens);
    differs = differs || a[i].tokens != c[i].tokens;
  }
  CHECK(differs);
  // A prompt's completion does not depend on the other prompts in the batch.
  g.seed = 123;
  const auto alone = gen(*s, {kPrompts[0]}, g);
  CHECK(alone[0].tokens == a[0].tokens);
}

TEST(tokens_stream_step_by_step_across_prompts_and_cancel_stops_at_a_step) {
  tf_test::TempDir dir("tf-gen");
  auto s = session(dir);
  GenerateOptions g;
  g.max_tokens = 5;
  std::vector<std::pair<int, int32_t>> seen;
  const auto r = gen(*s, kPrompts, g, [&](int i, int32_t t) { seen.push_back({i, t}); });
  // The prompts advance together: step j streams token j of every prompt, in prompt order.
  size_t k = 0;
  for (size_t step = 0; step < 5; step++)
    for (size_t i = 0; i < r.size(); i++) {
      if (step >= r[i].tokens.size()) continue;
      REQUIRE(k < seen.size());
      CHECK(seen[k].first == (int)i && seen[k].second == r[i].tokens[step]);
      k++;
    }
  CHECK_EQ(k, seen.size());

  // A cancel during a step ends every prompt after that step: each has its first token.
  std::atomic<bool> cancel{false};
  const auto c = s->generate(kPrompts, g, "", [&](int, int32_t) { cancel = true; }, cancel);
  for (size_t i = 0; i < c.size(); i++) {
    CHECK_EQ(c[i].tokens.size(), (size_t)1);
    CHECK_EQ(c[i].finish_reason, std::string("cancelled"));
  }
  // Cancelled before the call: nothing is generated.
  cancel = true;
  const auto none = s->generate(kPrompts, g, "", nullptr, cancel);
  for (const auto& x : none) CHECK(x.tokens.empty() && x.finish_reason == "cancelled");
}

TEST(a_batch_gives_each_prompt_what_it_gives_alone_and_finished_prompts_drop_out) {
  tf_test::TempDir dir("tf-gen");
  auto s = session(dir);
  GenerateOptions g;
  g.max_tokens = 12;
  const auto batch = gen(*s, kPrompts, g);
  for (size_t i = 0; i < kPrompts.size(); i++) {
    const auto alone = gen(*s, {kPrompts[i]}, g)[0];
    CHECK(alone.tokens == batch[i].tokens);
    CHECK_EQ(alone.finish_reason, batch[i].finish_reason);
  }
  // Prompt 1's first greedy token as a stop token: it ends at once ("stop", no tokens); the others go on as before
  // unless they meet that token too, where they stop at it.
  GenerateOptions stop = g;
  stop.stop_token_ids = {batch[1].tokens[0]};
  const auto r = gen(*s, kPrompts, stop);
  CHECK(r[1].tokens.empty() && r[1].finish_reason == "stop");
  for (size_t i : {size_t(0), size_t(2)}) {
    const auto& full = batch[i].tokens;
    const auto cut = std::find(full.begin(), full.end(), stop.stop_token_ids[0]);
    CHECK(r[i].tokens == std::vector<int32_t>(full.begin(), cut));
    CHECK_EQ(r[i].finish_reason, std::string(cut == full.end() ? "length" : "stop"));
  }
}

TEST(generation_stops_at_the_context_length) {
  tf_test::TempDir dir("tf-gen");
  auto s = session(dir);
  GenerateOptions g;
  g.max_tokens = 500;  // more than max_position_embeddings (64) allows
  const auto r = gen(*s, {kPrompts[1]}, g)[0];
  CHECK_EQ(r.finish_reason, std::string("length"));
  CHECK_EQ(r.tokens.size(), (size_t)(64 - 2 + 1));  // the last token is sampled from the full cache's logits
}

TEST(bad_generation_requests_are_clear_errors) {
  tf_test::TempDir dir("tf-gen");
  auto s = session(dir);
  GenerateOptions g;
  CHECK_THROWS(gen(*s, {{}}, g), "prompt 0 is empty");
  CHECK_THROWS(gen(*s, {{1, 99}}, g), "token id 99");
  g.top_p = 0;
  CHECK_THROWS(gen(*s, kPrompts, g), "top_p");
  g = GenerateOptions();
  g.max_tokens = 0;
  CHECK_THROWS(gen(*s, kPrompts, g), "max_tokens");
  g = GenerateOptions();
  std::atomic<bool> cancel{false};
  CHECK_THROWS(s->generate(kPrompts, g, dir.path() + "/no-adapter", nullptr, cancel), "no-adapter");
}
