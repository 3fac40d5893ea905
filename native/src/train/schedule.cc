#include "train/schedule.h"

#include <algorithm>
#include <cmath>

#include "common/error.h"

namespace tf::train {

ScheduleKind parse_schedule(const std::string& name) {
  if (name == "constant") return ScheduleKind::Constant;
  if (name == "linear") return ScheduleKind::Linear;
  if (name == "cosine") return ScheduleKind::Cosine;
  throw Error("schedule \"" + name + "\" is not supported; use cosine, linear or constant");
}

int warmup_steps_for(int total_steps, double warmup_ratio) {
  TF_CHECK(warmup_ratio >= 0 && warmup_ratio <= 1,
           "warmup_ratio must be between 0 and 1 (got " + std::to_string(warmup_ratio) + ")");
  return (int)std::ceil((double)total_steps * warmup_ratio);
}

double schedule_multiplier(ScheduleKind kind, int step, int warmup, int total) {
  // Identical branch structure to transformers.optimization: warmup first, then the decay on
  // progress = (step - warmup) / max(1, total - warmup).
  if (step < warmup) return (double)step / (double)std::max(1, warmup);
  switch (kind) {
    case ScheduleKind::Constant:
      return 1.0;
    case ScheduleKind::Linear:
      return std::max(0.0, (double)(total - step) / (double)std::max(1, total - warmup));
    case ScheduleKind::Cosine: {
      const double progress = (double)(step - warmup) / (double)std::max(1, total - warmup);
      const double num_cycles = 0.5;  // HF default: half a cosine wave, from 1 down to 0
      return std::max(0.0, 0.5 * (1.0 + std::cos(M_PI * num_cycles * 2.0 * progress)));
    }
  }
  return 1.0;
}

}  // namespace tf::train
