#pragma once
// Autoregressive generation for a batch of prompts with the model's KV cache. Prompts run one after the
// other (each with its own cache and its own Rng stream, seeded from (seed, prompt index), so a prompt's
// completion does not depend on which other prompts share the batch). The stop token itself is not part
// of the returned tokens and is not streamed; finish_reason "stop" says it was seen.
#include <atomic>
#include <vector>

#include "api.h"
#include "model/decoder.h"

namespace tf::generate {

std::vector<api::GenerateResult> generate_batch(Decoder& model, const std::vector<std::vector<int32_t>>& prompts,
                                                const api::GenerateOptions& options, const api::TokenFn& on_token,
                                                const std::atomic<bool>& cancel);

}  // namespace tf::generate
