// The CUDA backend's checkpoints through tf::api::Session on the emulator: resumed on the device bit for bit, moved
// between the device and the CPU, written by a cancel from another thread, and kept when the device's loss diverges.
// The CPU backend computes in fp32, the device in bf16: comparisons across them use host/agreement.h's tolerances
// and the curve tests' 1 % per step.
#include <cmath>
#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "emulated_session.h"
#include "host/agreement.h"
#include "train/checkpoint.h"

using namespace tf::api;
using namespace tf_emu_test;
namespace fs = std::filesystem;
using tf::cuda::check::agreement;

namespace {

using tf_emu_test::flat;  // the overload for parts, next to this one for adapters

std::vector<float> flat(const tf::PeftAdapter& a) {
  std::vector<float> out;
  for (const auto& m : a.modules) out.insert(out.end(), m.A.begin(), m.A.end()), out.insert(out.end(), m.B.begin(), m.B.end());
  return out;
}

// Relative L2 distances of two checkpoints' LoRA weights and AdamW moments, and whether their trainer state agrees.
struct CheckpointDistance {
  double adapter = INFINITY, exp_avg = INFINITY, exp_avg_sq = INFINITY;
  bool same_state = false;
};

CheckpointDistance distance(const std::string& got_dir, const std::string& ref_dir) {
  const tf::train::Checkpoint got = tf::train::read_checkpoint(got_dir), ref = tf::train::read_checkpoint(ref_dir);
  CheckpointDistance d;
  d.adapter = agreement(flat(got.adapter), flat(ref.adapter)).rel_l2;
  d.exp_avg = agreement(flat(got.exp_avg), flat(ref.exp_avg)).rel_l2;
  d.exp_avg_sq = agreement(flat(got.exp_avg_sq), flat(ref.exp_avg_sq)).rel_l2;
  d.same_state = got.names == ref.names && got.state.step == ref.state.step &&
                 got.state.optimizer_steps == ref.state.optimizer_steps && got.state.rng == ref.state.rng &&
                 got.state.epoch == ref.state.epoch && got.state.next_micro_batch == ref.state.next_micro_batch;
  std::printf("  %s vs %s: adapter %.2e, exp_avg %.2e, exp_avg_sq %.2e (rel L2)\n",
              fs::path(got_dir).filename().c_str(), fs::path(ref_dir).filename().c_str(), d.adapter, d.exp_avg,
              d.exp_avg_sq);
  return d;
}

// A resumed run must report the steps after the checkpoint, with the uninterrupted run's learning rates (a function
// of the step alone) and losses within rel of its losses.
void check_continues(const Run& resumed, const Run& uninterrupted, int from_step, double rel) {
  REQUIRE(resumed.reports.size() + from_step == uninterrupted.reports.size());
  for (size_t i = 0; i < resumed.reports.size(); ++i) {
    const StepReport &r = resumed.reports[i], &u = uninterrupted.reports[i + from_step];
    CHECK_EQ(r.step, from_step + int(i) + 1);
    CHECK_EQ(r.total_steps, u.total_steps);
    CHECK_EQ(r.epoch, u.epoch);
    CHECK_EQ(r.lr, u.lr);
    CHECK_NEAR(r.loss, u.loss, rel * u.loss);
  }
  CHECK_EQ(resumed.result.steps, int(uninterrupted.reports.size()));
  CHECK(!resumed.result.cancelled);
}

// Sets a cancel flag from its own thread when asked, and answers once it is set: the handshake that lands a cancel
// from another thread at a known step boundary, however the threads are scheduled.
class Canceller {
 public:
  explicit Canceller(std::atomic<bool>& flag) : flag_(flag), thread_([this] {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [this] { return asked_; });
    flag_ = true;
    cv_.notify_all();
  }) {}
  // Asks anyway, so the thread ends even when the run failed before asking.
  ~Canceller() {
    ask();
    thread_.join();
  }
  void cancel_and_wait() {
    std::unique_lock<std::mutex> lock(mu_);
    asked_ = true;
    cv_.notify_all();
    cv_.wait(lock, [this] { return flag_.load(); });
  }

 private:
  void ask() {
    std::lock_guard<std::mutex> lock(mu_);
    asked_ = true;
    cv_.notify_all();
  }
  std::atomic<bool>& flag_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool asked_ = false;
  std::thread thread_;  // last: it starts once the members it uses exist
};

}  // namespace

// Train on the device with checkpoint_every, then resume from a copy of the step-2 checkpoint in a fresh session: the
// remaining steps and the checkpoints the resumed run writes (LoRA weights, AdamW moments, trainer state) are those
// of the uninterrupted device run, bit for bit. The emulator runs the same kernels in the same thread orders each
// time, so nothing but a state the checkpoint failed to carry can make them differ.
TEST(a_fresh_cuda_session_resumes_a_cuda_checkpoint_along_the_uninterrupted_curve) {
  tf_test::TempDir model("tf-emu-resume"), full("tf-emu-full"), saved("tf-emu-saved"), resumed("tf-emu-resumed");
  tf_test::write_tiny_model(model.path(), tf_test::TinySpec{});
  TrainOptions o = resume_options(full.path());
  const Run u = train(*open(model, "cuda"), o, saved.file("step-2"), 2);
  REQUIRE(u.reports.size() == 6);
  CHECK(!u.result.cancelled);

  o.out_dir = resumed.path();
  o.resume_from = saved.file("step-2");
  const Run r = train(*open(model, "cuda"), o);
  check_continues(r, u, 2, 0.0);
  CHECK_EQ(r.result.last_checkpoint, resumed.path() + "/checkpoints/step-6");
  for (const std::string step : {"step-3", "step-6"}) {
    const CheckpointDistance d = distance(resumed.path() + "/checkpoints/" + step, full.path() + "/checkpoints/" + step);
    CHECK(d.same_state);
    CHECK_EQ(d.adapter, 0.0);
    CHECK_EQ(d.exp_avg, 0.0);
    CHECK_EQ(d.exp_avg_sq, 0.0);
  }
}

// A job moved between a GPU worker and a CPU machine: a device checkpoint resumed on the CPU, and a CPU checkpoint
// resumed on the device, each continue their source run's curve within the bf16 tolerance. The losses alone would
// not show a lost optimizer state across backends (restarting the moments moves them by ~0.7 %, inside that
// tolerance), so the moments in the next checkpoints are compared with the source run's too.
TEST(checkpoints_move_between_the_cuda_and_cpu_backends) {
  tf_test::TempDir model("tf-emu-move"), g_full("tf-emu-g"), c_full("tf-emu-c"), g_saved("tf-emu-gs"),
      c_saved("tf-emu-cs"), on_cpu("tf-emu-on-cpu"), on_gpu("tf-emu-on-gpu");
  tf_test::write_tiny_model(model.path(), tf_test::TinySpec{});
  auto gpu = open(model, "cuda"), cpu = open(model, "cpu");
  TrainOptions o = resume_options(g_full.path());
  const Run ug = train(*gpu, o, g_saved.file("step-2"), 2);
  o.out_dir = c_full.path();
  const Run uc = train(*cpu, o, c_saved.file("step-2"), 2);

  o.out_dir = on_cpu.path();
  o.resume_from = g_saved.file("step-2");
  const Run rc = train(*cpu, o);
  o.out_dir = on_gpu.path();
  o.resume_from = c_saved.file("step-2");
  const Run rg = train(*gpu, o);
  check_continues(rc, ug, 2, kCurveRel);
  check_continues(rg, uc, 2, kCurveRel);
  // The final adapter describes itself the same whichever backends the run went through.
  const std::string config = tf_test::read_file(g_full.file("adapter_config.json"));
  for (const auto* d : {&c_full, &on_cpu, &on_gpu}) CHECK_EQ(tf_test::read_file(d->file("adapter_config.json")), config);
  // The moments and weights are sums of gradients, so the two backends' agree as their gradients do (kGradRelL2;
  // seen: within 6e-3, as between the two uninterrupted runs); restarted moments miss by 25 % to 75 %.
  for (const std::string step : {"step-3", "step-6"}) {
    const auto ck = [&](const tf_test::TempDir& d) { return d.path() + "/checkpoints/" + step; };
    for (const CheckpointDistance& d : {distance(ck(on_cpu), ck(g_full)), distance(ck(on_gpu), ck(c_full)),
                                        distance(ck(g_full), ck(c_full))}) {
      CHECK(d.same_state);
      CHECK(d.adapter <= tf::cuda::check::kGradRelL2);
      CHECK(d.exp_avg <= tf::cuda::check::kGradRelL2);
      CHECK(d.exp_avg_sq <= tf::cuda::check::kGradRelL2);
    }
  }
}

// Cancel as the addon does it: another thread sets the flag while the device trains. The trainer looks at the flag
// only between steps, so the run ends at a step boundary with a checkpoint of the last finished step (none was due
// there: checkpoints come at epoch ends only here), and no final adapter. The checkpoint is usable: as an adapter
// for scoring, and to finish the run, which then ends where the uninterrupted run ends.
TEST(cancel_from_another_thread_ends_a_cuda_run_at_a_step_boundary_with_a_usable_checkpoint) {
  tf_test::TempDir model("tf-emu-cancel"), full("tf-emu-full"), part("tf-emu-part"), rest("tf-emu-rest");
  tf_test::write_tiny_model(model.path(), tf_test::TinySpec{});
  auto gpu = open(model, "cuda");
  TrainOptions o = resume_options(full.path());
  o.checkpoint_every = 0;
  const Run u = train(*gpu, o);
  REQUIRE(u.reports.size() == 6);

  // Step 2's report hands over to the cancelling thread and waits until the flag is set, so the run is cancelled
  // before step 3 every time.
  std::atomic<bool> cancel{false};
  Canceller canceller(cancel);
  Run c;
  o.out_dir = part.path();
  c.result = gpu->train(resume_data(), {}, o, [&](const StepReport& r) {
    c.reports.push_back(r);
    if (r.step == 2) canceller.cancel_and_wait();
  }, cancel);
  CHECK(c.result.cancelled);
  CHECK_EQ(c.result.steps, 2);
  CHECK_EQ(c.reports.size(), size_t(2));
  CHECK(c.reports.back().checkpoint_dir.empty());  // the cancel wrote it, not a schedule
  const std::string step2 = part.path() + "/checkpoints/step-2";
  CHECK_EQ(c.result.last_checkpoint, step2);
  CHECK(c.result.adapter_dir.empty());
  CHECK(!fs::exists(part.file("adapter_model.safetensors")));
  for (size_t i = 0; i < c.reports.size(); ++i) CHECK_EQ(c.reports[i].loss, u.reports[i].loss);

  const tf::train::Checkpoint ck = tf::train::read_checkpoint(step2);
  CHECK_EQ(ck.state.step, 2);
  CHECK_EQ(ck.state.optimizer_steps, int64_t(2));
  CHECK_EQ(ck.state.next_micro_batch, int64_t(4));
  // Scoring with the checkpoint's adapter on the device: it is a PEFT folder, and it is the trained one.
  const std::vector<int32_t>& tokens = resume_data()[0].tokens;
  const std::vector<double> base = gpu->logprobs(tokens, ""), tuned = gpu->logprobs(tokens, step2);
  REQUIRE(tuned.size() == tokens.size() - 1);
  CHECK(tuned != base);

  o.out_dir = rest.path();
  o.resume_from = step2;
  const Run r = train(*gpu, o);
  check_continues(r, u, 2, 0.0);
  CHECK_EQ(r.result.adapter_dir, rest.path());
  CHECK(fs::exists(rest.file("adapter_model.safetensors")));
}


// Divergence on the device: an absurd learning rate blows the adapter up in the first update, the device's next loss
// is NaN (its kernels must carry the NaN into the loss sum, not mask it), and the trainer stops with the step and the
// last checkpoint, as on the CPU (test_session_train.cc).
TEST(divergence_on_the_device_stops_the_run_and_keeps_the_last_checkpoint) {
  tf_test::TempDir model("tf-emu-diverge"), out("tf-emu-diverge-out");
  tf_test::write_tiny_model(model.path(), tf_test::TinySpec{});
  TrainOptions o = resume_options(out.path());
  o.lr = 1e30;
  o.warmup_ratio = 0;
  o.max_grad_norm = 0;
  o.checkpoint_every = 1;
  std::string message;
  try {
    train(*open(model, "cuda"), o);
  } catch (const tf::Error& e) {
    message = e.what();
  }
  CHECK(message.find("training diverged at step 2 of 6: the loss is nan") != std::string::npos);
  const std::string step1 = out.path() + "/checkpoints/step-1";
  CHECK(message.find("The last good checkpoint is kept at " + step1 + ".") != std::string::npos);
  CHECK_EQ(tf::train::read_checkpoint(step1).state.step, 1);
  CHECK(!fs::exists(out.path() + "/checkpoints/step-2"));
}
