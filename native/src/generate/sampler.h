#pragma once
// Picking the next token from logits: greedy (temperature 0) or temperature + top-p (nucleus) sampling in
// HF transformers' order (temperature warper, then top-p keeping the smallest set of most likely tokens
// whose probability reaches top_p, at least one token), drawn with a seeded Rng so a seed reproduces a run.
#include <cstdint>
#include <vector>

#include "common/rng.h"

namespace tf::generate {

struct SamplerOptions {
  float temperature = 0.f;  // <= 0 → greedy
  float top_p = 1.f;        // (0, 1]
};

// Throws tf::Error naming the option when temperature < 0 or top_p is outside (0, 1].
void validate_sampler(const SamplerOptions& options);

// Lowest index of the largest logit (ties go to the smaller id, so greedy decoding is deterministic).
int32_t argmax(const float* logits, int vocab);

// The probability distribution after temperature and top-p: (token, prob) pairs, most likely first,
// probabilities renormalized over the kept set. Exposed for tests.
std::vector<std::pair<int32_t, double>> nucleus(const float* logits, int vocab, const SamplerOptions& options);

int32_t sample_token(const float* logits, int vocab, const SamplerOptions& options, Rng& rng);

}  // namespace tf::generate
