#pragma once
// Training checkpoints: out_dir/checkpoints/step-N/ holds the adapter (PEFT format, fp32, so it reloads
// bit-exactly), optimizer.safetensors (AdamW first/second moments keyed "<param>.exp_avg" / ".exp_avg_sq")
// and trainer_state.json (step, epoch, data position, optimizer step count, dropout RNG state, and the log of every
// step up to this one). A checkpoint is written into a hidden temporary folder and renamed into place, so a crash
// never leaves a half-written step-N that a resume would trust.
#include <cstdint>
#include <string>
#include <vector>

#include "common/rng.h"
#include "io/peft.h"

namespace tf::train {

struct TrainerState {
  int step = 0;                 // optimizer steps completed
  int total_steps = 0;
  int epoch = 0;                // epoch of the next micro-batch (0-based)
  int64_t next_micro_batch = 0; // index of the next micro-batch within that epoch
  int64_t rows = 0;             // rows of the training set (a resume must see the same data)
  uint64_t seed = 0;
  int64_t optimizer_steps = 0;  // AdamW's t (bias correction)
  std::string method = "sft";   // api::TrainOptions method and dpo_beta ("sft" in checkpoints written before them)
  double dpo_beta = 0;
  Rng::State rng{};
};

// One optimizer step's figures as the trainer reported them (api::StepReport). Every checkpoint's trainer_state.json
// carries the steps up to its own as `log_history` (HF Trainer's name, and its keys where they mean the same), so
// a job resumed from it can restore the steps whose reports never reached its stored curve (a killed worker's last
// writes) instead of starting over.
struct LoggedStep {
  int step = 0;
  double loss = 0, learning_rate = 0, grad_norm = 0, tokens_per_second = 0;
  int64_t memory_bytes = 0;
  bool has_eval_loss = false;
  double eval_loss = 0;
  // DPO (api::StepReport has_rewards), under TRL's keys "rewards/accuracies", "rewards/margins" and their "eval_"
  // forms (the eval ones only where has_eval_loss).
  bool has_rewards = false;
  double reward_accuracy = 0, reward_margin = 0, eval_reward_accuracy = 0, eval_reward_margin = 0;
};

struct Checkpoint {
  PeftAdapter adapter;
  std::vector<std::string> names;               // parameter order of the moments
  std::vector<std::vector<float>> exp_avg, exp_avg_sq;
  TrainerState state;
  std::vector<LoggedStep> log_history;  // by step; empty in checkpoints written before it existed
};

// Writes <checkpoints_dir>/step-<state.step> atomically and returns its path; then removes older step-*
// folders beyond the newest `keep`.
std::string write_checkpoint(const std::string& checkpoints_dir, const Checkpoint& ckpt, int keep);

// Reads a folder written by write_checkpoint; errors name the folder and the missing/bad file.
Checkpoint read_checkpoint(const std::string& dir);

}  // namespace tf::train
