// Training options that must not change results (gradient checkpointing) or must still train (an NF4 +
// double-quant base), and cancellation before the first step.
#include <atomic>
#include <filesystem>

#include "api.h"
#include "harness.h"
#include "test_session_model.h"

using namespace tf::api;
namespace fs = std::filesystem;

namespace {

std::unique_ptr<Session> load(const std::string& dir, const std::string& quant, bool double_quant, int threads = 0) {
  LoadOptions lo;
  lo.threads = threads;
  lo.model_dir = dir;
  lo.quant = quant;
  lo.double_quant = double_quant;
  return Session::load(lo);
}

TrainOptions options(const std::string& out, int epochs) {
  TrainOptions o;
  o.lora.rank = 8;
  o.lora.alpha = 16;
  o.lora.targets = {"q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"};
  o.epochs = epochs;
  o.batch_size = 4;
  o.grad_accum = 2;
  o.lr = 5e-3;
  o.weight_decay = 0.01;
  o.max_seq_len = 64;
  o.seed = 3;
  o.out_dir = out;
  return o;
}

std::vector<StepReport> run(Session& s, const std::vector<Example>& tr, const TrainOptions& o) {
  std::vector<StepReport> out;
  std::atomic<bool> cancel{false};
  s.train(tr, {}, o, [&](const StepReport& r) { out.push_back(r); }, cancel);
  return out;
}

}  // namespace

TEST(gradient_checkpointing_gives_the_same_losses) {
  tf_test::TempDir model("tf-model"), a("tf-a"), b("tf-b");
  tf_test::write_tiny_model(model.path(), tf_test::task_spec());
  auto s = load(model.path(), "none", false);
  const auto tr = tf_test::task_examples(16, 4);
  TrainOptions o = options(a.path(), 2);
  const auto plain = run(*s, tr, o);
  o.out_dir = b.path();
  o.gradient_checkpointing = true;
  const auto ckpt = run(*s, tr, o);
  REQUIRE(plain.size() == ckpt.size() && !plain.empty());
  for (size_t i = 0; i < plain.size(); i++) {
    CHECK_NEAR(plain[i].loss, ckpt[i].loss, 1e-6);
    CHECK(ckpt[i].memory_bytes <= plain[i].memory_bytes);
  }
}

TEST(the_thread_count_does_not_change_the_losses) {
  tf_test::TempDir model("tf-model"), a("tf-a"), b("tf-b");
  tf_test::write_tiny_model(model.path(), tf_test::task_spec());
  const auto tr = tf_test::task_examples(16, 4);
  auto one = load(model.path(), "none", false, 1);
  auto two = load(model.path(), "none", false, 2);
  TrainOptions o = options(a.path(), 2);
  o.lora.dropout = 0.1f;
  const auto ra = run(*one, tr, o);
  o.out_dir = b.path();
  const auto rb = run(*two, tr, o);
  REQUIRE(ra.size() == rb.size() && !ra.empty());
  for (size_t i = 0; i < ra.size(); i++) CHECK_EQ(ra[i].loss, rb[i].loss);
}

TEST(an_nf4_double_quant_base_trains) {
  tf_test::TempDir model("tf-model"), out("tf-out");
  tf_test::write_tiny_model(model.path(), tf_test::task_spec());
  auto q = load(model.path(), "nf4", true);
  auto full = load(model.path(), "none", false);
  const auto tr = tf_test::task_examples(64, 11);
  const auto r = run(*q, tr, options(out.path(), 12));
  REQUIRE(!r.empty());
  std::printf("  nf4+dq: %d steps, loss %.4f -> %.4f, frozen weights %lld B (fp32: %lld B), step memory %lld B\n",
              r.back().step, r.front().loss, r.back().loss, (long long)q->info().weight_bytes,
              (long long)full->info().weight_bytes, (long long)r.back().memory_bytes);
  CHECK(r.back().loss < 0.5 * r.front().loss);
  CHECK(q->info().weight_bytes < full->info().weight_bytes);
  // The adapter trained on the NF4 base also helps the full-precision base (it is a PEFT adapter like any).
  const auto va = tf_test::task_examples(8, 12);
  double base = 0, tuned = 0;
  for (const auto& e : va) {
    base += full->logprobs(e.tokens, "")[5];
    tuned += full->logprobs(e.tokens, out.path())[5];
  }
  CHECK(tuned > base);
}

TEST(cancel_before_the_first_step_checkpoints_step_0) {
  tf_test::TempDir model("tf-model"), out("tf-out");
  tf_test::write_tiny_model(model.path(), tf_test::task_spec());
  auto s = load(model.path(), "none", false);
  std::atomic<bool> cancel{true};
  const TrainResult r = s->train(tf_test::task_examples(8, 1), {}, options(out.path(), 1), nullptr, cancel);
  CHECK(r.cancelled);
  CHECK_EQ(r.steps, 0);
  CHECK_EQ(r.last_checkpoint, out.path() + "/checkpoints/step-0");
  CHECK(fs::exists(r.last_checkpoint + "/adapter_model.safetensors"));
  CHECK(r.adapter_dir.empty());
}

TEST(validation_runs_every_n_steps_and_at_epoch_ends) {
  tf_test::TempDir model("tf-model"), out("tf-out");
  tf_test::write_tiny_model(model.path(), tf_test::task_spec());
  auto s = load(model.path(), "none", false);
  TrainOptions o = options(out.path(), 2);
  o.eval_every = 3;  // 16 rows / 4 = 4 micro-batches / 2 = 2 steps per epoch, 4 steps in all
  std::vector<StepReport> reports;
  std::atomic<bool> cancel{false};
  const auto va = tf_test::task_examples(6, 2);
  const TrainResult r = s->train(tf_test::task_examples(16, 1), va, o,
                                 [&](const StepReport& x) { reports.push_back(x); }, cancel);
  REQUIRE(reports.size() == 4);
  CHECK(reports[1].has_valid_loss);   // epoch end
  CHECK(reports[2].has_valid_loss);   // step 3
  CHECK(reports[3].has_valid_loss);   // epoch end
  CHECK(!reports[0].has_valid_loss);
  CHECK(r.has_valid_loss && r.final_valid_loss == reports[3].valid_loss);
  // Validation is the mean over every answer/eos target: compare with logprobs summed by hand.
  double sum = 0;
  int n = 0;
  for (const auto& e : va) {
    const auto lp = s->logprobs(e.tokens, out.path());
    sum -= lp[5] + lp[6];
    n += 2;
  }
  CHECK_NEAR(sum / n, r.final_valid_loss, 1e-4);
}
