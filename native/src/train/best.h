#pragma once
// Early stopping and the best adapter, as HF Trainer's EarlyStoppingCallback and load_best_model_at_end do them
// with metric_for_best_model = eval_loss:
//   - the best validation loss so far is the lowest one (strictly lower replaces it);
//   - a validation pass that does not beat the best by more than the threshold counts toward the patience, one
//     that does resets the count; training stops once the count reaches the patience.
// The best adapter is kept on disk under out_dir/best/ (PEFT files + best.json naming its step and loss), written
// into a temporary folder and renamed into place, so a worker killed mid-write never leaves a half-written one and
// a resumed run (which replays the tracker from the checkpoint's log) still finds it.
#include <limits>
#include <string>
#include <vector>

#include "io/peft.h"
#include "train/checkpoint.h"

namespace tf::train {

class BestTracker {
 public:
  BestTracker(int patience, double threshold) : patience_(patience), threshold_(threshold) {}

  // One validation pass at `step`; true when its loss is the new best (the caller keeps that adapter).
  bool observe(int step, double loss);
  // Replays the validation passes of a checkpoint's log, so a resumed run counts as the uninterrupted one did.
  void replay(const std::vector<LoggedStep>& history);

  bool exhausted() const { return patience_ > 0 && without_improvement_ >= patience_; }
  bool has_best() const { return best_step_ > 0; }
  int best_step() const { return best_step_; }
  double best_loss() const { return best_loss_; }
  int without_improvement() const { return without_improvement_; }

 private:
  int patience_;
  double threshold_;
  int best_step_ = 0;
  double best_loss_ = std::numeric_limits<double>::infinity();
  int without_improvement_ = 0;
};

std::string best_adapter_dir(const std::string& out_dir);

// Writes out_dir/best/ (the adapter and best.json) atomically, replacing the one before.
void write_best_adapter(const std::string& out_dir, const PeftAdapter& adapter, int step, double loss);

// The step out_dir/best/ holds, or 0 when there is none (or its best.json is unreadable).
int best_adapter_step(const std::string& out_dir);

// Copies out_dir/best/'s adapter files over out_dir's, making it the run's adapter.
void promote_best_adapter(const std::string& out_dir);

}  // namespace tf::train
