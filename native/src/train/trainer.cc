#include "train/trainer.h"

#include <chrono>
#include <cstdio>
#include <cmath>
#include <filesystem>

#include "common/error.h"
#include "train/adamw.h"
#include "train/best.h"
#include "train/checkpoint.h"
#include "train/objective.h"
#include "train/preference.h"
#include "train/schedule.h"

namespace tf::train {

namespace {

using Clock = std::chrono::steady_clock;

// Numbers in messages: "%g" keeps 1e+30 readable and prints non-finite values as nan/inf without a sign.
std::string num(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return "inf";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

double ms_since(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

void validate_options(const api::TrainOptions& o) {
  auto bad = [](const std::string& what) { throw Error(what); };
  if (o.epochs < 1) bad("epochs must be at least 1 (got " + std::to_string(o.epochs) + ")");
  if (o.batch_size < 1) bad("batch_size must be at least 1 (got " + std::to_string(o.batch_size) + ")");
  if (o.grad_accum < 1) bad("grad_accum must be at least 1 (got " + std::to_string(o.grad_accum) + ")");
  if (!(std::isfinite(o.lr) && o.lr > 0)) bad("lr must be a positive number (got " + num(o.lr) + ")");
  if (!std::isfinite(o.max_grad_norm)) bad("max_grad_norm must be finite (<= 0 disables clipping)");
  if (o.eval_every < 0) bad("eval_every must be >= 0 (0 = at each epoch end)");
  if (o.checkpoint_every < 0) bad("checkpoint_every must be >= 0 (0 = at each epoch end)");
  if (o.early_stopping_patience < 0) bad("early_stopping_patience must be >= 0 (0 = no early stopping)");
  if (!(std::isfinite(o.early_stopping_threshold) && o.early_stopping_threshold >= 0))
    bad("early_stopping_threshold must be a number >= 0 (got " + num(o.early_stopping_threshold) + ")");
  if (o.out_dir.empty()) bad("out_dir is required: the adapter and checkpoints are written there");
  if (o.lora.rank < 1) bad("lora rank must be at least 1 (got " + std::to_string(o.lora.rank) + ")");
  if (!(o.lora.dropout >= 0 && o.lora.dropout < 1))
    bad("lora dropout must be in [0, 1) (got " + std::to_string(o.lora.dropout) + ")");
  if (o.max_seq_len < 2) bad("max_seq_len must be at least 2 (got " + std::to_string(o.max_seq_len) + ")");
  if (o.method != "sft" && o.method != "dpo") bad("method must be \"sft\" or \"dpo\" (got \"" + o.method + "\")");
  if (o.method == "dpo" && !(std::isfinite(o.dpo_beta) && o.dpo_beta > 0))
    bad("dpo_beta must be a positive number (got " + num(o.dpo_beta) + ")");
  if (o.method == "dpo" && o.packing) bad("packing does not apply to dpo: each answer is scored as its own sequence");
}

// Longer-than-context examples are an error only when max_seq_len would not cut them to the context anyway.
void check_context(const std::vector<api::Example>& examples, const api::TrainOptions& o, const ModelConfig& cfg,
                   const std::string& which) {
  if (o.max_seq_len <= cfg.max_position_embeddings) return;
  for (size_t e = 0; e < examples.size(); e++)
    TF_CHECK((int64_t)examples[e].tokens.size() <= cfg.max_position_embeddings,
             which + " example " + std::to_string(e) + " has " + std::to_string(examples[e].tokens.size()) +
                 " tokens, more than the model's max_position_embeddings (" +
                 std::to_string(cfg.max_position_embeddings) + "); set max_seq_len to at most " +
                 std::to_string(cfg.max_position_embeddings) + " to truncate it");
}

struct Plan {
  int64_t rows = 0, micro_per_epoch = 0;
  int steps_per_epoch = 0, total_steps = 0, warmup = 0;
  // Optimizer step s (1-based) consumes micro-batches [first, last) of epoch `epoch`; depends on s alone,
  // which is what makes resume reproduce the uninterrupted run.
  void locate(int s, int* epoch, int64_t* first, int64_t* last, int grad_accum) const {
    *epoch = (s - 1) / steps_per_epoch;
    const int64_t k = (s - 1) % steps_per_epoch;
    *first = k * grad_accum;
    *last = std::min<int64_t>(*first + grad_accum, micro_per_epoch);
  }
};

void restore(TrainableModel& model, LoraOptimizer& opt, Rng& rng, const Checkpoint& c, const Plan& plan,
             const api::TrainOptions& o, const std::string& dir) {
  const std::string why = "resume_from " + dir + ": ";
  // First: another method also changes what a row is (a pair under dpo), which the next check would misname.
  TF_CHECK(c.state.method == o.method && (o.method != "dpo" || c.state.dpo_beta == o.dpo_beta),
           why + "the checkpoint was made with method " + c.state.method +
               (c.state.method == "dpo" ? " (beta " + num(c.state.dpo_beta) + ")" : std::string()) +
               "; resume with the same method" + (o.method == "dpo" ? " and beta" : ""));
  TF_CHECK(c.state.rows == plan.rows && c.state.total_steps == plan.total_steps,
           why + "the checkpoint was made for " + std::to_string(c.state.rows) + " rows and " +
               std::to_string(c.state.total_steps) + " steps, this run has " + std::to_string(plan.rows) +
               " rows and " + std::to_string(plan.total_steps) +
               " steps; resume with the same data, epochs, batch_size, grad_accum, max_seq_len and packing");
  TF_CHECK(c.state.seed == o.seed, why + "the checkpoint was made with another seed; resume with the same seed");
  int epoch;
  int64_t first, last;
  plan.locate(c.state.step + 1, &epoch, &first, &last, o.grad_accum);
  TF_CHECK(c.state.step <= plan.total_steps &&
               (c.state.step == plan.total_steps || (c.state.epoch == epoch && c.state.next_micro_batch == first)),
           why + "trainer_state.json's data position (epoch " + std::to_string(c.state.epoch) + ", micro-batch " +
               std::to_string(c.state.next_micro_batch) + ") does not follow from its step " +
               std::to_string(c.state.step) + "; the checkpoint is damaged or from another grad_accum");
  TF_CHECK(c.adapter.r == o.lora.rank && c.adapter.alpha == o.lora.alpha && c.adapter.rslora == o.lora.rslora,
           why + "the checkpoint's LoRA (r=" + std::to_string(c.adapter.r) + ", alpha=" +
               std::to_string(c.adapter.alpha) + ") differs from the options; resume with the same LoRA settings");
  model.load_lora(c.adapter);
  const std::vector<std::string>& names = opt.names();
  const std::vector<size_t> sizes = opt.sizes();
  TF_CHECK(names.size() == c.names.size(), why + "the checkpoint's optimizer state has " +
                                               std::to_string(c.names.size()) + " tensors, the adapter has " +
                                               std::to_string(names.size()) + "; resume with the same LoRA targets");
  for (size_t i = 0; i < names.size(); i++)
    TF_CHECK(names[i] == c.names[i] && sizes[i] == c.exp_avg[i].size() && sizes[i] == c.exp_avg_sq[i].size(),
             why + "optimizer state for " + c.names[i] + " does not match the adapter tensor " + names[i]);
  opt.set_moments(c.exp_avg, c.exp_avg_sq);
  opt.set_steps_taken(c.state.optimizer_steps);
  rng.set_state(c.state.rng);
}

// The backend's own breakdown (CUDA: measured device memory by category), or the CPU's estimate of what it holds.
std::string memory_report(const TrainableModel& model, int64_t frozen, int64_t lora, int64_t optimizer, int64_t total) {
  const std::string own = model.memory_report();
  if (!own.empty()) return own;
  auto mib = [](int64_t b) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f MiB", double(b) / (1 << 20));
    return std::string(buf);
  };
  return "memory (" + model.backend_name() + ", estimate): frozen weights " + mib(frozen) + ", LoRA weights + grads " +
         mib(lora) + ", optimizer " + mib(optimizer) + ", activations " + mib(total - frozen - lora - optimizer) +
         "; total " + mib(total);
}

LoggedStep logged_step(const api::StepReport& r) {
  LoggedStep l{r.step, r.loss, r.lr, r.grad_norm, r.tokens_per_sec, r.memory_bytes, r.has_valid_loss, r.valid_loss};
  l.has_rewards = r.has_rewards;
  l.reward_accuracy = r.reward_accuracy;
  l.reward_margin = r.reward_margin;
  l.eval_reward_accuracy = r.valid_reward_accuracy;
  l.eval_reward_margin = r.valid_reward_margin;
  return l;
}

}  // namespace

double mean_loss(TrainableModel& model, const std::vector<Row>& rows, int batch_size) {
  double sum = 0;
  int64_t count = 0;
  for (size_t b = 0; b < rows.size(); b += (size_t)batch_size) {
    const MicroBatch mb = make_batch_in_order(rows, (int64_t)b, (int64_t)std::min(rows.size(), b + batch_size));
    const LossSum l = model.forward_loss(mb.batch);
    sum += l.sum;
    count += l.count;
  }
  return count > 0 ? sum / (double)count : 0.0;
}

api::TrainResult run_training(TrainableModel& model, const std::vector<api::Example>& train,
                              const std::vector<api::Example>& validation, const api::TrainOptions& o,
                              const api::ProgressFn& progress, const std::atomic<bool>& cancel) {
  const auto t_start = Clock::now();
  const ModelConfig& cfg = model.config();
  validate_options(o);
  const ScheduleKind kind = parse_schedule(o.schedule);
  check_context(train, o, cfg, "training");
  check_context(validation, o, cfg, "validation");
  const int seq_len = std::min(o.max_seq_len, cfg.max_position_embeddings);

  const std::unique_ptr<Objective> objective =
      o.method == "dpo" ? make_dpo_objective(train, validation, seq_len, cfg.vocab_size, o.dpo_beta, o.batch_size)
                        : make_sft_objective(train, validation, seq_len, cfg.vocab_size, o.packing, o.seed);

  if ((o.early_stopping_patience > 0 || o.keep_best) && !objective->has_validation())
    throw Error(std::string(o.early_stopping_patience > 0 ? "early stopping" : "keep_best") +
                " needs validation examples: it acts on the validation loss. Add a validation split or turn it off");

  Plan plan;
  plan.rows = objective->units();
  plan.micro_per_epoch = (plan.rows + o.batch_size - 1) / o.batch_size;
  plan.steps_per_epoch = (int)((plan.micro_per_epoch + o.grad_accum - 1) / o.grad_accum);
  plan.total_steps = plan.steps_per_epoch * o.epochs;
  plan.warmup = warmup_steps_for(plan.total_steps, o.warmup_ratio);

  LoraSpec spec;
  spec.rank = o.lora.rank;
  spec.alpha = o.lora.alpha;
  spec.dropout = o.lora.dropout;
  spec.rslora = o.lora.rslora;
  spec.targets = o.lora.targets;
  model.init_lora(spec, o.seed);
  objective->prepare(model, !o.resume_from.empty());
  StepTimeline& timeline = model.step_timeline();
  // Profiling is switched on per step (o.profile: every one) and off again however train() ends.
  struct TimelineOff {
    StepTimeline& t;
    ~TimelineOff() { t.set_enabled(false); }
  } timeline_off{timeline};
  AdamWHyper hyper{o.beta1, o.beta2, o.eps, o.weight_decay};
  std::unique_ptr<LoraOptimizer> opt_owner = model.make_optimizer(hyper);
  LoraOptimizer& opt = *opt_owner;
  // Dropout's stream, separate from LoRA init and data order so changing one leaves the others alone.
  Rng rng(hash_u64(o.seed, 0xd50u));

  int start = 0;
  // Every step's figures so far, carried in each checkpoint (checkpoint.h LoggedStep); a resumed run continues
  // the log of the checkpoint it resumes from.
  std::vector<LoggedStep> history;
  if (!o.resume_from.empty()) {
    Checkpoint c = read_checkpoint(o.resume_from);
    restore(model, opt, rng, c, plan, o, o.resume_from);
    start = c.state.step;
    for (const LoggedStep& l : c.log_history)
      if (l.step <= start) history.push_back(l);
  }

  // Replayed from the checkpoint's log on resume, so the patience counts on as in the uninterrupted run.
  BestTracker best(o.early_stopping_patience, o.early_stopping_threshold);
  best.replay(history);
  // A fresh run must never promote a best adapter left in out_dir by an earlier run with the same step.
  if (o.resume_from.empty()) std::filesystem::remove_all(best_adapter_dir(o.out_dir));

  const std::string ckpt_root = (std::filesystem::path(o.out_dir) / "checkpoints").string();
  api::TrainResult result;
  result.total_steps = plan.total_steps;
  auto note_best = [&]() {
    result.best_step = best.best_step();
    result.best_valid_loss = best.has_best() ? best.best_loss() : 0.0;
  };
  note_best();
  int last_ckpt_step = -1;
  if (!o.resume_from.empty()) {
    // The checkpoint resumed from is the last good one until this run writes its own.
    last_ckpt_step = start;
    result.last_checkpoint = o.resume_from;
  }
  auto checkpoint = [&](int step) {
    Checkpoint c;
    c.adapter = model.export_lora(o.base_model_name);
    c.names = opt.names();
    opt.get_moments(&c.exp_avg, &c.exp_avg_sq);
    TrainerState& s = c.state;
    s.step = step;
    s.total_steps = plan.total_steps;
    s.epoch = step / plan.steps_per_epoch;
    s.next_micro_batch = (int64_t)(step % plan.steps_per_epoch) * o.grad_accum;
    s.rows = plan.rows;
    s.seed = o.seed;
    s.method = o.method;
    s.dpo_beta = o.dpo_beta;
    s.optimizer_steps = opt.steps_taken();
    s.rng = rng.state();
    c.log_history = history;
    result.last_checkpoint = write_checkpoint(ckpt_root, c, kCheckpointsKept);
    last_ckpt_step = step;
    return result.last_checkpoint;
  };

  const bool dropout_on = o.lora.dropout > 0.f;
  const int64_t frozen_bytes = model.weight_bytes();
  const int64_t lora_bytes = 2 * model.lora_parameters() * (int64_t)sizeof(float);  // weights + grads
  std::vector<int64_t> order;
  int order_epoch = -1;
  result.steps = start;

  for (int s = start + 1; s <= plan.total_steps; s++) {
    if (cancel.load()) {
      if (last_ckpt_step != s - 1) checkpoint(s - 1);
      result.cancelled = true;
      return result;
    }
    // Switched on before the step's clock starts: a timeline may prepare itself when enabled (the CUDA one creates
    // its events), which is not the step's work.
    const bool profiled = o.profile || (o.profile_step > 0 && s - start == o.profile_step);
    timeline.take();  // starts afresh
    timeline.set_enabled(profiled);
    const auto t_step = Clock::now();
    int epoch;
    int64_t first, last;
    plan.locate(s, &epoch, &first, &last, o.grad_accum);
    if (epoch != order_epoch) {
      order = epoch_order(plan.rows, o.seed, epoch);
      order_epoch = epoch;
    }
    model.reset_peak_bytes();
    model.zero_lora_grads();
    const StepFigures fig = objective->step(model, order, first * o.batch_size,
                                            std::min<int64_t>(last * o.batch_size, plan.rows), o.batch_size,
                                            dropout_on, rng, o.gradient_checkpointing);
    const double loss = fig.loss;
    timeline.begin();
    const double norm = opt.clip_grad_norm(o.max_grad_norm);
    const double lr = o.lr * schedule_multiplier(kind, s - 1, plan.warmup, plan.total_steps);
    if (!std::isfinite(loss) || !std::isfinite(norm)) {
      const std::string what = !std::isfinite(loss) ? "the loss is " + num(loss) : "the gradient norm is " + num(norm);
      throw Error("training diverged at step " + std::to_string(s) + " of " + std::to_string(plan.total_steps) +
                  ": " + what + " (lr " + num(lr) + "). " +
                  (last_ckpt_step >= 0 ? "The last good checkpoint is kept at " + result.last_checkpoint + ". "
                                       : std::string("No checkpoint was written before it. ")) +
                  "Lower the learning rate or set max_grad_norm (clipping) and start again.");
    }
    opt.step(lr);
    timeline.mark(StepPhase::Optimizer);
    const double step_ms = ms_since(t_step);

    api::StepReport r;
    r.step = s;
    r.total_steps = plan.total_steps;
    r.epoch = epoch;
    r.loss = loss;
    r.lr = lr;
    r.grad_norm = norm;
    r.tokens_per_sec = step_ms > 0 ? (double)fig.tokens / (step_ms / 1000.0) : 0.0;
    r.has_rewards = fig.has_rewards;
    r.reward_accuracy = fig.reward_accuracy;
    r.reward_margin = fig.reward_margin;
    if (profiled) {
      const StepPhaseMs phases = timeline.take();  // waits for the step's last device work
      timeline.set_enabled(false);                  // validation passes are not part of a step
      for (int p = 0; p < kStepPhases; ++p) r.profile_ms.emplace_back(step_phase_name(StepPhase(p)), phases[size_t(p)]);
      // The step's wall time until its work finished: step_ms ends when the optimizer's kernels are queued, which
      // on a device can be before they run, so the phases could add up to more than it.
      r.profile_ms.emplace_back("step", ms_since(t_step));
    }
    // A backend that measures its memory (CUDA: the device arena and allocator) reports this step's peak;
    // the CPU reports the estimate of what it holds.
    const int64_t measured = model.measured_peak_bytes();
    r.memory_bytes = measured >= 0 ? measured
                                   : frozen_bytes + lora_bytes + opt.state_bytes() +
                                         model.activation_bytes(fig.rows_per_pass, fig.max_t, o.gradient_checkpointing);
    // The first step's breakdown is taken now, before validation: the CUDA model reports the buffers of its last
    // pass, and a validation pass (forward only) would replace the training step's activations and scratch with
    // its own smaller ones.
    if (s == start + 1) r.memory_report = memory_report(model, frozen_bytes, lora_bytes, opt.state_bytes(), r.memory_bytes);
    const bool epoch_end = s % plan.steps_per_epoch == 0;
    if (objective->has_validation() && ((o.eval_every > 0 && s % o.eval_every == 0) || epoch_end)) {
      const ValidFigures v = objective->validate(model, o.batch_size);
      r.has_valid_loss = true;
      r.valid_loss = v.loss;
      r.valid_reward_accuracy = v.reward_accuracy;
      r.valid_reward_margin = v.reward_margin;
      result.has_valid_loss = true;
      result.final_valid_loss = r.valid_loss;
      // Kept before the step's checkpoint: a resume from that checkpoint then finds the best it implies on disk.
      if (best.observe(s, r.valid_loss) && o.keep_best)
        write_best_adapter(o.out_dir, model.export_lora(o.base_model_name), s, r.valid_loss);
      note_best();
    }
    history.push_back(logged_step(r));
    // Stopping early writes a checkpoint too, so the run can be continued from where it stopped.
    const bool stop_early = best.exhausted() && s < plan.total_steps;
    if ((o.checkpoint_every > 0 && s % o.checkpoint_every == 0) || epoch_end || stop_early)
      r.checkpoint_dir = checkpoint(s);
    r.elapsed_ms = ms_since(t_start);
    result.steps = s;
    result.final_loss = loss;
    if (progress) progress(r);
    if (stop_early) {
      result.stopped_early = true;
      break;
    }
  }

  const PeftAdapter adapter = model.export_lora(o.base_model_name);
  write_peft_adapter(o.out_dir, adapter);
  result.adapter_dir = o.out_dir;
  result.adapter_step = result.steps;
  // The best step's adapter replaces the last one's when it is on disk. It is not when a resumed run replayed a best
  // whose folder a later (lost) part of the run overwrote and this run never matched again: the last step's stays,
  // and adapter_step says so.
  if (o.keep_best && best.has_best() && best.best_step() != result.steps &&
      best_adapter_step(o.out_dir) == best.best_step()) {
    promote_best_adapter(o.out_dir);
    result.adapter_step = best.best_step();
  }
  return result;
}

}  // namespace tf::train
