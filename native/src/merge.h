#pragma once
// Merging a LoRA adapter into its base: W' = W + scaling · (B @ A) computed in fp32 from the ORIGINAL weights
// (read again from the model folder, never from an NF4 copy, as PEFT's merge_and_unload on a bf16 base), then
// written as bf16 safetensors under the same tensor names; a model whose embeddings are tied keeps them
// tied (no lm_head is added). config.json is copied with torch_dtype "bfloat16"; tokenizer files are the
// caller's to copy.
#include <string>

#include "common/threadpool.h"
#include "io/peft.h"

namespace tf {

// Shards of at most this many bytes of bf16 data (+ model.safetensors.index.json) so a large model is never
// held in fp32 all at once; small models get one model.safetensors.
constexpr int64_t kMergeShardBytes = int64_t(2) << 30;

void merge_adapter_into_base(const std::string& model_dir, const PeftAdapter& adapter, const std::string& out_dir,
                             ThreadPool& pool, int64_t shard_bytes = kMergeShardBytes);

}  // namespace tf
