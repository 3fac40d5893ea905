// DPO training through tf::api::Session on the tiny task (train/preference.h): pairs whose chosen answer is the
// task's and whose rejected answer is another word's. The first step is the reference itself (loss ln 2, every
// margin 0), training makes the chosen answers win on held-out prompts, a resumed run reproduces the uninterrupted
// one, and a checkpoint carries the rewards under TRL's keys and refuses a resume with another method or beta.
#include <atomic>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "api.h"
#include "harness.h"
#include "test_session_model.h"
#include "train/checkpoint.h"

using namespace tf::api;
namespace fs = std::filesystem;

namespace {

using Run = tf_test::TrainRun;

std::unique_ptr<Session> tiny_session(const tf_test::TempDir& dir) {
  return tf_test::tiny_session(dir.path(), tf_test::task_spec());
}

using tf_test::task_pairs;

TrainOptions dpo_options(const std::string& out) {
  TrainOptions o;
  o.method = "dpo";
  o.dpo_beta = 0.1;
  o.lora.rank = 8;
  o.lora.alpha = 16;
  o.lora.dropout = 0.1f;
  o.lora.targets = {"q_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"};
  o.epochs = 3;
  o.batch_size = 4;
  o.grad_accum = 2;
  o.lr = 5e-3;
  o.weight_decay = 0.0;
  o.warmup_ratio = 0.0;
  o.max_seq_len = 64;
  o.seed = 11;
  o.out_dir = out;
  return o;
}

// Mean over the pairs of ln p(chosen answer) - ln p(rejected answer), with the adapter ("" = base).
double preference_gap(Session& s, const std::vector<Example>& pairs, const std::string& adapter) {
  double sum = 0;
  for (size_t i = 0; i < pairs.size(); i += 2) {
    const auto w = s.logprobs(pairs[i].tokens, adapter), l = s.logprobs(pairs[i + 1].tokens, adapter);
    sum += w[5] - l[5];  // p(token 6 | tokens 0..5): the answer, the only token where the two differ
  }
  return sum / double(pairs.size() / 2);
}

}  // namespace

TEST(dpo_makes_the_chosen_answers_win_on_held_out_prompts) {
  tf_test::TempDir model("tf-model"), out("tf-out");
  auto s = tiny_session(model);
  const auto tr = task_pairs(32, 21), va = task_pairs(64, 22);
  TrainOptions o = dpo_options(out.path());
  o.epochs = 24;
  o.eval_every = 4;
  o.lr = 1e-2;
  const Run run = tf_test::train_run(*s, tr, va, o);
  REQUIRE(!run.reports.empty());
  const StepReport& first = run.reports.front();
  const StepReport& last = run.reports.back();
  CHECK_EQ(last.total_steps, 24 * 4);  // 32 pairs / 4 per micro-batch / 2 micro-batches per step
  // Step 1 scores the pairs before any update: the policy is the reference, every margin exactly 0.
  CHECK(first.has_rewards);
  CHECK_NEAR(first.loss, std::log(2.0), 1e-12);
  CHECK_EQ(first.reward_margin, 0.0);
  CHECK_EQ(first.reward_accuracy, 0.0);
  std::printf("  dpo: %d steps, loss %.4f -> %.4f, reward accuracy %.2f -> %.2f, margin %.3f; valid loss %.4f, "
              "accuracy %.2f, margin %.3f\n",
              last.step, first.loss, last.loss, first.reward_accuracy, last.reward_accuracy, last.reward_margin,
              last.valid_loss, last.valid_reward_accuracy, last.valid_reward_margin);
  CHECK(last.loss < 0.3);
  CHECK(last.reward_accuracy == 1.0 && last.reward_margin > 1.0);
  // Held-out pairs (from ln 2 and accuracy 0 at the reference), with LoRA dropout 0.1: over seeds 11..26 the final
  // validation loss is 0.34 on average (worst 0.55), the accuracy 0.89 (worst 0.72); this seed ends at 0.42 (0.83).
  CHECK(last.has_valid_loss && last.valid_loss < 0.5 && last.valid_reward_accuracy >= 0.75);
  CHECK(run.result.has_valid_loss && run.result.final_valid_loss == last.valid_loss);
  CHECK(last.tokens_per_sec > 0 && last.memory_bytes > 0);
  int evals = 0;
  for (const auto& r : run.reports) evals += r.has_valid_loss;
  CHECK_EQ(evals, 24);  // every 4 steps = each epoch end
  const double base_gap = preference_gap(*s, va, ""), tuned_gap = preference_gap(*s, va, out.path());
  std::printf("  held-out ln p(chosen) - ln p(rejected): base %.3f, tuned %.3f\n", base_gap, tuned_gap);
  CHECK(tuned_gap > base_gap + 3.0);
}

TEST(dpo_resume_reproduces_the_run_and_checkpoints_carry_the_rewards) {
  tf_test::TempDir model("tf-model"), full("tf-full"), part("tf-part");
  auto s = tiny_session(model);
  const auto tr = task_pairs(16, 5), va = task_pairs(4, 6);
  TrainOptions o = dpo_options(full.path());  // 2 steps per epoch, 3 epochs
  const Run uninterrupted = tf_test::train_run(*s, tr, va, o);
  REQUIRE(uninterrupted.reports.size() == 6);

  o.out_dir = part.path();
  const Run cancelled = tf_test::train_run(*s, tr, va, o, /*cancel_after=*/3);
  REQUIRE(cancelled.result.cancelled && cancelled.result.steps == 3);
  o.resume_from = cancelled.result.last_checkpoint;
  // The reference is the base model again (taken before the checkpoint's adapter loads), so the resumed steps
  // are the uninterrupted run's, rewards included.
  const Run resumed = tf_test::train_run(*s, tr, va, o);
  REQUIRE(resumed.reports.size() == 3);
  for (size_t i = 0; i < 3; i++) {
    const StepReport &a = resumed.reports[i], &b = uninterrupted.reports[i + 3];
    CHECK_EQ(a.step, b.step);
    CHECK_EQ(a.loss, b.loss);
    CHECK_EQ(a.reward_accuracy, b.reward_accuracy);
    CHECK_EQ(a.reward_margin, b.reward_margin);
    CHECK_EQ(a.has_valid_loss, b.has_valid_loss);
    CHECK_EQ(a.valid_loss, b.valid_loss);
  }

  const tf::train::Checkpoint c = tf::train::read_checkpoint(part.path() + "/checkpoints/step-6");
  CHECK_EQ(c.state.method, std::string("dpo"));
  CHECK_EQ(c.state.dpo_beta, 0.1);
  REQUIRE(c.log_history.size() == 6);
  for (size_t i = 0; i < 6; i++) {
    const StepReport& r = uninterrupted.reports[i];
    CHECK(c.log_history[i].has_rewards);
    CHECK_EQ(c.log_history[i].reward_accuracy, r.reward_accuracy);
    CHECK_EQ(c.log_history[i].reward_margin, r.reward_margin);
    CHECK_EQ(c.log_history[i].has_eval_loss, r.has_valid_loss);
    if (r.has_valid_loss) CHECK_EQ(c.log_history[i].eval_reward_accuracy, r.valid_reward_accuracy);
  }
  std::ifstream in(part.path() + "/checkpoints/step-6/trainer_state.json");
  std::stringstream text;
  text << in.rdbuf();
  const std::string state = text.str();
  CHECK(state.find("\"rewards/accuracies\"") != std::string::npos);
  CHECK(state.find("\"eval_rewards/margins\"") != std::string::npos);

  // Another beta, or supervised training, from a DPO checkpoint is refused with the reason.
  std::atomic<bool> cancel{false};
  TrainOptions beta = o;
  beta.dpo_beta = 0.2;
  CHECK_THROWS(s->train(tr, va, beta, nullptr, cancel), "made with method dpo (beta 0.1); resume with the same method and beta");
  TrainOptions sft = o;
  sft.method = "sft";
  CHECK_THROWS(s->train(tr, va, sft, nullptr, cancel), "made with method dpo");
}

TEST(dpo_options_are_checked) {
  tf_test::TempDir model("tf-model"), out("tf-out");
  auto s = tiny_session(model);
  const auto tr = task_pairs(4, 1);
  std::atomic<bool> cancel{false};
  TrainOptions o = dpo_options(out.path());
  o.packing = true;
  CHECK_THROWS(s->train(tr, {}, o, nullptr, cancel), "packing does not apply to dpo");
  o = dpo_options(out.path());
  o.dpo_beta = 0;
  CHECK_THROWS(s->train(tr, {}, o, nullptr, cancel), "dpo_beta must be a positive number (got 0)");
  o = dpo_options(out.path());
  o.method = "orpo";
  CHECK_THROWS(s->train(tr, {}, o, nullptr, cancel), "method must be \"sft\" or \"dpo\"");
  o = dpo_options(out.path());
  std::vector<Example> odd(tr.begin(), tr.end() - 1);
  CHECK_THROWS(s->train(odd, {}, o, nullptr, cancel), "takes training examples in pairs");
}
