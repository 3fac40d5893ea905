#pragma once
// What the training loop (trainer.cc) optimizes: the units an epoch shuffles (rows for supervised fine-tuning,
// preference pairs for DPO), the gradients of one optimizer step's units, and the validation figures. The loop
// around it (LR schedule, clipping, AdamW, checkpoints, resume, cancel, reports) is the same for every objective.
#include <cstdint>
#include <memory>
#include <vector>

#include "api.h"
#include "common/rng.h"
#include "model/trainable.h"

namespace tf::train {

struct StepFigures {
  double loss = 0;
  int64_t tokens = 0;                 // real tokens the step's passes read (tokens/s)
  int rows_per_pass = 0, max_t = 0;   // the largest pass's shape (the activation memory estimate)
  bool has_rewards = false;           // DPO: api::StepReport's reward figures
  double reward_accuracy = 0, reward_margin = 0;
};

struct ValidFigures {
  double loss = 0;
  bool has_rewards = false;
  double reward_accuracy = 0, reward_margin = 0;
};

class Objective {
 public:
  virtual ~Objective() = default;
  // What an epoch shuffles and batch_size counts.
  virtual int64_t units() const = 0;
  virtual bool has_validation() const = 0;
  // Called once, right after the adapter is initialized (LoRA B = 0, so the model computes the base model) and
  // before a resume loads its checkpoint: DPO takes its frozen reference here. `resuming`: a checkpoint's adapter
  // replaces the fresh one next, so the first step does not start from the base model.
  virtual void prepare(TrainableModel& model, bool resuming) { (void)model, (void)resuming; }
  // Accumulates into the LoRA gradients (zeroed by the caller) the gradient of the step's loss over units
  // order[begin, end), batch_size units per micro-batch, and returns the step's figures.
  virtual StepFigures step(TrainableModel& model, const std::vector<int64_t>& order, int64_t begin, int64_t end,
                           int batch_size, bool dropout_on, Rng& rng, bool checkpointing) = 0;
  virtual ValidFigures validate(TrainableModel& model, int batch_size) = 0;
};

// Supervised fine-tuning: every unmasked target token weighs the same (see trainer.h on loss normalization).
std::unique_ptr<Objective> make_sft_objective(const std::vector<api::Example>& train,
                                              const std::vector<api::Example>& validation, int seq_len,
                                              int vocab_size, bool packing, uint64_t seed);

}  // namespace tf::train
