#pragma once
// What the emulated-device Session tests share: a session on a backend (checked, so a silent fallback to the CPU
// cannot pass a cuda test), the task data and options of the resume tests, and a training run that keeps its reports.
#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "api.h"
#include "model/trainable.h"
#include "harness.h"
#include "test_session_model.h"

namespace tf_emu_test {

using namespace tf::api;

// Sets an environment variable (the emulated machine's TF_CUDA_EMU_*) for one test's scope.
struct ScopedEnv {
  std::string name;
  ScopedEnv(const char* n, const char* value) : name(n) { setenv(n, value, 1); }
  ~ScopedEnv() { unsetenv(name.c_str()); }
};

// The curve tests' tolerance: bf16 compute against fp32, step by step (seen: within 0.03 %).
constexpr double kCurveRel = 0.01;

// A session on `backend`; any backend but "auto" must be the one the session got.
inline std::unique_ptr<Session> open(const tf_test::TempDir& model, const std::string& backend) {
  LoadOptions lo;
  lo.model_dir = model.path();
  lo.threads = 2;
  lo.backend = backend;
  auto s = Session::load(lo);
  if (backend != "auto" && s->info().backend != backend)
    throw tf::Error("test: asked for backend " + backend + ", got " + s->info().backend);
  return s;
}

// The curve tests' run: 3 epochs in micro-batches of 8, one per step, every projection adapted.
inline TrainOptions short_run(const std::string& out) {
  TrainOptions o;
  o.lora.rank = 8;
  o.lora.alpha = 16;
  o.lora.targets = {"q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"};
  o.epochs = 3;
  o.batch_size = 8;
  o.grad_accum = 1;
  o.lr = 5e-3;  // the tiny model's stable rate (test_session_train.cc); faster ones make curves chaotic
  o.max_seq_len = 64;
  o.seed = 3;
  o.out_dir = out;
  return o;
}

// 24 task examples in micro-batches of 4, two per step: 3 steps per epoch, 6 in all. Dropout is on so the
// checkpoint must carry the dropout RNG, and weight decay so the resumed step must apply it exactly as before.
inline TrainOptions resume_options(const std::string& out) {
  TrainOptions o;
  o.lora.rank = 8;
  o.lora.alpha = 16;
  o.lora.dropout = 0.2f;
  o.lora.targets = {"q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"};
  o.epochs = 2;
  o.batch_size = 4;
  o.grad_accum = 2;
  o.lr = 5e-3;  // the tiny model's stable rate (test_session_train.cc)
  o.weight_decay = 0.01;
  o.max_seq_len = 64;
  o.seed = 7;
  o.checkpoint_every = 2;  // checkpoints at steps 2, 3 (epoch end), 4 and 6; the newest three are kept
  o.out_dir = out;
  return o;
}

inline const std::vector<Example>& resume_data() {
  static const std::vector<Example> data = tf_test::task_examples(24, 5);
  return data;
}

struct Run {
  TrainResult result;
  std::vector<StepReport> reports;
};

// Trains; when save_as is given, copies the checkpoint written at step save_step there, as a user moving a job to
// another machine would (the trainer prunes all but the newest three, so it would not stay in out_dir).
inline Run train(Session& s, const TrainOptions& o, const std::string& save_as = "", int save_step = -1) {
  Run run;
  std::atomic<bool> cancel{false};
  run.result = s.train(resume_data(), {}, o, [&](const StepReport& r) {
    run.reports.push_back(r);
    if (r.step == save_step) {
      REQUIRE(!r.checkpoint_dir.empty());
      std::filesystem::copy(r.checkpoint_dir, save_as, std::filesystem::copy_options::recursive);
    }
  }, cancel);
  return run;
}

// Tensors given as parts (gradients, moments) as one vector, for whole-tensor agreement.
inline std::vector<float> flat(const std::vector<std::vector<float>>& parts) {
  std::vector<float> out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

// B sequences of T tokens ((stride·i + offset) mod 32), each position's target the next token (none for the last).
inline tf::Batch next_token_batch(int B, int T, int stride, int offset) {
  tf::Batch b;
  b.B = B, b.T = T;
  for (int i = 0; i < B * T; ++i) b.tokens.push_back(int32_t((stride * i + offset) % 32));
  for (int i = 0; i < B * T; ++i) b.targets.push_back(i % T == T - 1 ? -1 : b.tokens[size_t(i + 1)]);
  return b;
}

}  // namespace tf_emu_test
