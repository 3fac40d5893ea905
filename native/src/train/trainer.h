#pragma once
// The training loop behind Session::train: LoRA init (or resume from a checkpoint), epochs of shuffled
// micro-batches, gradient accumulation, clipping, AdamW with the LR schedule, validation, checkpoints,
// cancellation at step boundaries, and the final adapter.
//
// Loss normalization: one optimizer step's loss is the sum of -ln p over every unmasked target token of all
// its micro-batches divided by the number of those tokens (each micro-batch's backward is scaled by
// 1 / that count, known before the step starts). So every target token weighs the same whatever the padding,
// packing or grad_accum split — the same as transformers >= 4.46 (num_items_in_batch) and unlike the older
// mean-of-micro-batch-means, which over-weights short micro-batches.
#include <atomic>
#include <vector>

#include "api.h"
#include "model/llama.h"
#include "train/batching.h"

namespace tf::train {

constexpr int kCheckpointsKept = 3;

api::TrainResult run_training(TrainableModel& model, const std::vector<api::Example>& train,
                              const std::vector<api::Example>& validation, const api::TrainOptions& options,
                              const api::ProgressFn& progress, const std::atomic<bool>& cancel);

// Mean -ln p over every unmasked target of the rows (no dropout), batch_size rows at a time.
double mean_loss(TrainableModel& model, const std::vector<Row>& rows, int batch_size);

}  // namespace tf::train
