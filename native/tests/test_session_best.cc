// Early stopping and the best adapter (train/best.h) through tf::api::Session on the tiny task: validation
// examples whose answers contradict the training ones make the validation loss fall (the end-of-sequence token is
// learned) and then rise (the training answers are), so the best step lies inside the run.
#include <atomic>
#include <cmath>
#include <filesystem>

#include "api.h"
#include "harness.h"
#include "test_session_model.h"
#include "train/best.h"

using namespace tf::api;
namespace fs = std::filesystem;

namespace {

using tf_test::tiny_session;
using Run = tf_test::TrainRun;

// The task's examples with every answer replaced by the next word's.
std::vector<Example> contradicting(int n, uint64_t seed) {
  std::vector<Example> out = tf_test::task_examples(n, seed);
  for (Example& e : out) e.tokens[e.tokens.size() - 2] = tf_test::task_answer(4 + (e.tokens[3] - 4 + 1) % 8);
  return out;
}

TrainOptions options(const std::string& out) {
  TrainOptions o;
  o.lora.rank = 8;
  o.lora.alpha = 16;
  o.lora.targets = {"q_proj", "v_proj", "gate_proj", "down_proj"};
  o.epochs = 40;
  o.batch_size = 4;
  o.grad_accum = 2;  // 32 rows: 4 steps an epoch, 160 in all
  o.lr = 5e-3;
  o.weight_decay = 0.0;
  o.warmup_ratio = 0.0;
  o.max_seq_len = 64;
  o.eval_every = 0;  // validation at each epoch end: every 4 steps
  o.seed = 3;
  o.out_dir = out;
  return o;
}

// Mean -ln p of the masked targets under the adapter in adapter_dir: what the trainer's validation pass measures.
double masked_loss(Session& s, const std::vector<Example>& set, const std::string& adapter_dir) {
  double sum = 0;
  int count = 0;
  for (const Example& e : set) {
    const std::vector<double> lp = s.logprobs(e.tokens, adapter_dir);
    for (size_t j = 1; j < e.tokens.size(); j++)
      if (e.loss_mask[j]) sum -= lp[j - 1], count++;
  }
  return sum / count;
}

struct Best {
  int step = 0;
  double loss = INFINITY;
};
Best lowest(const std::vector<StepReport>& reports) {
  Best b;
  for (const StepReport& r : reports)
    if (r.has_valid_loss && r.valid_loss < b.loss) b = {r.step, r.valid_loss};
  return b;
}

}  // namespace

TEST(keep_best_makes_the_lowest_validation_loss_the_adapter) {
  tf_test::TempDir model("tf-model"), out("tf-out");
  auto s = tiny_session(model.path(), tf_test::task_spec());
  const auto tr = tf_test::task_examples(32, 11), va = contradicting(16, 12);
  TrainOptions o = options(out.path());
  o.keep_best = true;
  const Run run = tf_test::train_run(*s, tr, va, o);
  std::printf("  validation loss:");
  for (const StepReport& r : run.reports)
    if (r.has_valid_loss) std::printf(" %d:%.3f", r.step, r.valid_loss);
  std::printf("\n");
  const Best best = lowest(run.reports);
  REQUIRE(best.step > 2 && best.step < 160);  // inside the run, as the data is built to make it
  CHECK_EQ(run.result.steps, 160);
  CHECK(!run.result.stopped_early);
  CHECK_EQ(run.result.best_step, best.step);
  CHECK_EQ(run.result.best_valid_loss, best.loss);
  CHECK_EQ(run.result.adapter_step, best.step);
  CHECK_EQ(tf::train::best_adapter_step(out.path()), best.step);
  // The adapter written is the best step's: its validation loss is the best one, not the last step's.
  CHECK_NEAR(masked_loss(*s, va, out.path()), best.loss, 1e-4 * best.loss);
  CHECK(run.reports.back().valid_loss > best.loss + 0.05);
  CHECK_EQ(tf_test::read_file(out.file("adapter_model.safetensors")),
           tf_test::read_file(out.path() + "/best/adapter_model.safetensors"));
  // Without keep_best the last step's adapter is written, and the best is still reported.
  tf_test::TempDir last("tf-last");
  o.keep_best = false;
  o.out_dir = last.path();
  const Run plain = tf_test::train_run(*s, tr, va, o);
  CHECK_EQ(plain.result.adapter_step, 160);
  CHECK_EQ(plain.result.best_step, best.step);
  CHECK(!fs::exists(last.path() + "/best"));
  CHECK_NEAR(masked_loss(*s, va, last.path()), plain.reports.back().valid_loss, 1e-4 * best.loss);
}

TEST(early_stopping_stops_after_patience_passes_without_improvement_and_resumes_the_same) {
  tf_test::TempDir model("tf-model"), full("tf-full"), part("tf-part");
  auto s = tiny_session(model.path(), tf_test::task_spec());
  const auto tr = tf_test::task_examples(32, 11), va = contradicting(16, 12);
  TrainOptions o = options(full.path());
  o.early_stopping_patience = 3;
  o.keep_best = true;
  const Run run = tf_test::train_run(*s, tr, va, o);
  const Best best = lowest(run.reports);
  REQUIRE(run.result.stopped_early);
  // Stopped at the third validation pass after the best (every 4 steps), with a checkpoint there.
  CHECK_EQ(run.result.steps, best.step + 3 * 4);
  CHECK_EQ(run.result.total_steps, 160);
  CHECK_EQ((int)run.reports.size(), run.result.steps);
  CHECK_EQ(run.reports.back().checkpoint_dir, full.path() + "/checkpoints/step-" + std::to_string(run.result.steps));
  CHECK_EQ(run.result.adapter_step, best.step);
  CHECK_NEAR(masked_loss(*s, va, full.path()), best.loss, 1e-4 * best.loss);

  // Cancelled after the best and resumed: the patience counts on from the checkpoint's log, so it stops at the
  // same step with the same adapter.
  o.out_dir = part.path();
  o.checkpoint_every = 1;
  const Run cancelled = tf_test::train_run(*s, tr, va, o, /*cancel_after=*/best.step + 2);
  REQUIRE(cancelled.result.cancelled);
  o.resume_from = cancelled.result.last_checkpoint;
  const Run resumed = tf_test::train_run(*s, tr, va, o);
  CHECK(resumed.result.stopped_early);
  CHECK_EQ(resumed.result.steps, run.result.steps);
  CHECK_EQ(resumed.result.best_step, best.step);
  CHECK_EQ(resumed.result.adapter_step, best.step);
  CHECK_EQ(tf_test::read_file(part.file("adapter_model.safetensors")),
           tf_test::read_file(full.file("adapter_model.safetensors")));
}

TEST(early_stopping_counts_passes_without_improvement_beyond_the_threshold) {
  tf_test::TempDir model("tf-model"), out("tf-out");
  auto s = tiny_session(model.path(), tf_test::task_spec());
  // The answers the training teaches: the validation loss falls, except at step 24, a little above step 20's.
  const auto tr = tf_test::task_examples(32, 11), va = tf_test::task_examples(16, 12);
  TrainOptions o = options(out.path());
  o.epochs = 10;
  o.schedule = "constant";
  auto run = [&](int patience, double threshold) {
    o.early_stopping_patience = patience;
    o.early_stopping_threshold = threshold;
    return tf_test::train_run(*s, tr, va, o);
  };
  const Run two = run(2, 0);
  std::printf("  validation loss:");
  for (const StepReport& r : two.reports)
    if (r.has_valid_loss) std::printf(" %d:%.3f", r.step, r.valid_loss);
  std::printf("\n");
  REQUIRE(two.reports[19].valid_loss < two.reports[15].valid_loss && two.reports[23].valid_loss > two.reports[19].valid_loss);
  CHECK(!two.result.stopped_early);  // one pass without improvement, then better ones
  CHECK_EQ(two.result.steps, 40);
  CHECK_EQ(two.result.best_step, 40);
  const Run one = run(1, 0);
  CHECK(one.result.stopped_early);
  CHECK_EQ(one.result.steps, 24);
  CHECK_EQ(one.result.best_step, 20);
  CHECK_EQ(one.result.adapter_step, 24);  // keep_best off: the last step's
  // With a threshold, improvements no larger than it count as none. Step 20 improves on 16 by less than 0.05 here.
  REQUIRE(two.reports[15].valid_loss - two.reports[19].valid_loss < 0.05);
  REQUIRE(two.reports[11].valid_loss - two.reports[15].valid_loss > 0.05);
  const Run small = run(2, 0.05);
  CHECK(small.result.stopped_early);
  CHECK_EQ(small.result.steps, 24);
  CHECK_EQ(small.result.best_step, 20);  // still the lowest loss
  // No pass after the first beats the best by 100: stopped at the second pass after it.
  const Run strict = run(2, 100);
  CHECK(strict.result.stopped_early);
  CHECK_EQ(strict.result.steps, 12);
  CHECK_EQ(strict.result.best_step, 12);
}

TEST(best_tracker_counts_as_hf_early_stopping) {
  tf::train::BestTracker t(2, 0.1);
  CHECK(t.observe(1, 2.0) && t.without_improvement() == 0);  // the first pass is the best
  CHECK(t.observe(2, 1.95) && t.without_improvement() == 1);  // better, but by less than the threshold
  CHECK(!t.observe(3, NAN) && t.without_improvement() == 2 && t.exhausted());
  CHECK_EQ(t.best_step(), 2);
  tf::train::BestTracker r(2, 0.1);
  r.observe(1, 2.0);
  CHECK(r.observe(2, 1.5) && r.without_improvement() == 0);
  tf::train::BestTracker off(0, 0);
  for (int i = 1; i < 10; i++) off.observe(i, 1.0 + i);
  CHECK(!off.exhausted());
}

TEST(early_stopping_and_keep_best_need_validation_examples) {
  tf_test::TempDir model("tf-model"), out("tf-out");
  auto s = tiny_session(model.path(), tf_test::task_spec());
  const auto tr = tf_test::task_examples(8, 1);
  std::atomic<bool> cancel{false};
  TrainOptions o = options(out.path());
  o.early_stopping_patience = 2;
  CHECK_THROWS(s->train(tr, {}, o, nullptr, cancel), "early stopping needs validation examples");
  o.early_stopping_patience = 0;
  o.keep_best = true;
  CHECK_THROWS(s->train(tr, {}, o, nullptr, cancel), "keep_best needs validation examples");
  o.keep_best = false;
  o.early_stopping_patience = -1;
  CHECK_THROWS(s->train(tr, {}, o, nullptr, cancel), "early_stopping_patience must be >= 0");
  o.early_stopping_patience = 1;
  o.early_stopping_threshold = -0.5;
  CHECK_THROWS(s->train(tr, tr, o, nullptr, cancel), "early_stopping_threshold must be a number >= 0");
}
