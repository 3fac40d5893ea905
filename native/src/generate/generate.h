#pragma once
// Autoregressive generation for a batch of prompts with the model's KV cache. Each prompt is prefilled on its own,
// then every unfinished sequence advances one token per step in one Decoder::decode_step, so the weights are read
// once per step for the whole batch. Prompts are admitted in order while memory lasts: one whose cache or prefill
// does not fit beside the running ones waits until some finish (it is an error only when nothing else runs). Each has its own cache and its own Rng stream, seeded from (seed, prompt
// index), so a prompt's completion does not depend on which other prompts share the batch (up to the rounding of
// a batched matmul). Tokens stream as they are sampled, interleaved across prompts. The stop token itself is not
// part of the returned tokens and is not streamed; finish_reason "stop" says it was seen.
#include <atomic>
#include <vector>

#include "api.h"
#include "model/decoder.h"

namespace tf::generate {

std::vector<api::GenerateResult> generate_batch(Decoder& model, const std::vector<std::vector<int32_t>>& prompts,
                                                const api::GenerateOptions& options, const api::TokenFn& on_token,
                                                const std::atomic<bool>& cancel);

}  // namespace tf::generate
