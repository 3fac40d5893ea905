#pragma once
// Learning-rate schedules with linear warmup, with the formulas of HF transformers'
// get_{constant,linear,cosine}_schedule_with_warmup, so a run here and a run with the HF Trainer agree
// step for step. As in the HF Trainer, optimizer step s (1-based) uses the multiplier of scheduler step
// s - 1: the first step of a warmup runs at lr 0. "constant" is HF's constant_with_warmup (HF's plain
// "constant" ignores warmup_ratio; here a ratio of 0 gives that).
#include <string>

namespace tf::train {

enum class ScheduleKind { Constant, Linear, Cosine };

// Throws tf::Error naming the option when `name` is not "constant" | "linear" | "cosine".
ScheduleKind parse_schedule(const std::string& name);

// HF TrainingArguments.get_warmup_steps: ceil(total_steps * warmup_ratio).
int warmup_steps_for(int total_steps, double warmup_ratio);

// The multiplier lr_lambda(current_step) of HF, current_step counted from 0.
double schedule_multiplier(ScheduleKind kind, int current_step, int warmup_steps, int total_steps);

}  // namespace tf::train
