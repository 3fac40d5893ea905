// The CUDA backend's Session paths beyond training runs, generation basics (test_cuda_emulated_session.cc) and
// checkpoints (test_cuda_emulated_checkpoints.cc): scoring (logprobs, lora_gradients), packing, gradient
// checkpointing and eval_every, info() and the memory report, generation to the end of the context, and NF4 loading.
// Each is compared with the CPU backend, which computes in fp32; the device computes in bf16, so the comparisons use
// the bf16 tolerances of host/agreement.h and of the curve test (1 % per step).
#include <cmath>
#include <algorithm>
#include <atomic>
#include <filesystem>
#include <string>
#include <vector>

#include <cuda_runtime.h>  // the emulator's: cudaMemGetInfo

#include "backend/cuda_entry.h"
#include "emulated_session.h"
#include "model/llama.h"
#include "model/step_timeline.h"
#include "host/agreement.h"
#include "host/arena_plan.h"  // format_bytes, as the memory report writes sizes

using namespace tf::api;
using namespace tf_emu_test;
namespace fs = std::filesystem;
using tf::cuda::check::agreement;

namespace {

// A model whose head can express the task (test_cuda_emulated_session.cc's generation model) and an adapter trained on
// the CPU until it moves the answers' log-probabilities far beyond bf16 noise; made once for the scoring tests.
struct Scoring {
  tf_test::TempDir model{"tf-emu-score"}, adapter{"tf-emu-score-adapter"};
  Scoring() {
    tf_test::TinySpec spec;
    spec.hidden = 64;
    spec.intermediate = 128;
    spec.embed_std = 0.1f;
    spec.tied = false;
    tf_test::write_tiny_model(model.path(), spec);
    TrainOptions o = resume_options(adapter.path());
    o.epochs = 4;
    o.lora.dropout = 0;
    std::atomic<bool> cancel{false};
    open(model, "cpu")->train(tf_test::task_examples(32, 11), {}, o, nullptr, cancel);
  }
};

const Scoring& scoring() {
  static const Scoring s;
  return s;
}

}  // namespace

// logprobs on the device (CudaLlama::logits, fp32 out of the last GEMM) against the CPU's, with the base model and
// with the adapter, for held-out task sequences; the adapter must move them far more than the two backends differ.
TEST(logprobs_on_the_device_match_the_cpu_with_and_without_an_adapter) {
  const Scoring& sc = scoring();
  auto gpu = open(sc.model, "cuda"), cpu = open(sc.model, "cpu");
  std::vector<float> gpu_tuned, cpu_tuned, gpu_base, cpu_base;
  double moved = 0;
  for (const Example& e : tf_test::task_examples(8, 12)) {
    // Adapter, base, adapter again: each call attaches what it names, so the base call must not see the adapter.
    const std::vector<double> g1 = gpu->logprobs(e.tokens, sc.adapter.path()), g0 = gpu->logprobs(e.tokens, ""),
                              g2 = gpu->logprobs(e.tokens, sc.adapter.path());
    const std::vector<double> c1 = cpu->logprobs(e.tokens, sc.adapter.path()), c0 = cpu->logprobs(e.tokens, "");
    REQUIRE(g1.size() == e.tokens.size() - 1 && g0.size() == g1.size() && c1.size() == g1.size());
    CHECK(g2 == g1);
    gpu_tuned.insert(gpu_tuned.end(), g1.begin(), g1.end()), cpu_tuned.insert(cpu_tuned.end(), c1.begin(), c1.end());
    gpu_base.insert(gpu_base.end(), g0.begin(), g0.end()), cpu_base.insert(cpu_base.end(), c0.begin(), c0.end());
    for (size_t i = 0; i < g1.size(); ++i) moved = std::max(moved, std::fabs(c1[i] - c0[i]));
  }
  // Log-probabilities are per-token losses: the loss tolerance (kLossRel) applies to them as a whole.
  const double tuned = agreement(gpu_tuned, cpu_tuned).rel_l2, base = agreement(gpu_base, cpu_base).rel_l2;
  std::printf("  logprobs, cuda vs cpu (rel L2): %.2e with the adapter, %.2e without; the adapter moves them by up to "
              "%.2f nats\n", tuned, base, moved);
  CHECK(tuned <= tf::cuda::check::kLossRel);
  CHECK(base <= tf::cuda::check::kLossRel);
  CHECK(moved >= 1);
}

// lora_gradients (what the GPU check compares with HF + PEFT) on a cuda session: the device's forward/backward through
// the Session, against the CPU session's, at a trained adapter, with cuda_model_check's gradient limits.
TEST(lora_gradients_on_the_device_match_the_cpu) {
  const Scoring& sc = scoring();
  auto gpu = open(sc.model, "cuda"), cpu = open(sc.model, "cpu");
  const Example ex = tf_test::task_examples(3, 13)[2];
  const Session::LoraGradients g = gpu->lora_gradients(ex, sc.adapter.path());
  const Session::LoraGradients c = cpu->lora_gradients(ex, sc.adapter.path());
  CHECK(g.names == c.names);
  REQUIRE(g.grads.size() == c.grads.size() && g.grads.size() == 2 * 7 * 2);  // A and B, 7 projections, 2 layers
  CHECK_NEAR(g.loss, c.loss, tf::cuda::check::kLossRel * c.loss);
  double worst = 0;
  for (size_t i = 0; i < g.grads.size(); ++i) worst = std::max(worst, agreement(g.grads[i], c.grads[i]).rel_l2);
  const double all = agreement(flat(g.grads), flat(c.grads)).rel_l2;
  std::printf("  loss %.4f on cuda, %.4f on cpu; gradients rel L2 %.2e, worst tensor %.2e\n", g.loss, c.loss, all, worst);
  CHECK(all <= tf::cuda::check::kGradRelL2);
  CHECK(worst <= tf::cuda::check::kGradTensorRelL2);
  // Relative errors need a reference that is not zero (a trained adapter's B is non-zero, so every tensor has a gradient).
  for (const auto& t : c.grads) CHECK(std::any_of(t.begin(), t.end(), [](float v) { return v != 0.f; }));
}

// Packing and gradient checkpointing through the Session on the device, with validation at every step (eval_every).
// cuda_model_check covers both inside the model (a packed batch, the recompute); this is the trainer's way in: its
// packed rows (segments, restarting positions) reach the device, checkpointing is switched by the option, and the
// device's validation loss is reported where eval_every says. A packed row only shows whether attention stays within
// its example once the model attends to the example's WORD, so the device takes over a packed CPU run after it has
// learned the task (attention across the whole row moves the loss by 0.15 % at init, inside the bf16 tolerance, and
// by 2 to 5 % here: seen with the device's segment starts zeroed by hand).
TEST(packing_gradient_checkpointing_and_eval_every_through_a_cuda_session) {
  const Scoring& sc = scoring();
  tf_test::TempDir on_cpu("tf-emu-pack-cpu"), saved("tf-emu-pack-saved"), a("tf-emu-pack-a"), b("tf-emu-pack-b");
  const std::vector<Example> tr = tf_test::task_examples(64, 9), va = tf_test::task_examples(8, 10);
  TrainOptions o = resume_options(on_cpu.path());
  o.lora.dropout = 0.05f;  // the recompute must draw the same dropout keys
  o.packing = true;        // 64 examples of 8 tokens, 8 to a row of 64: 8 rows
  o.batch_size = 2;
  o.grad_accum = 1;
  o.epochs = 5;  // 4 steps per epoch; the device runs the last epoch
  o.eval_every = 2;
  o.checkpoint_every = 0;
  const int from = 16;
  auto run = [&](Session& s, const TrainOptions& opts) {
    std::vector<StepReport> reports;
    std::atomic<bool> cancel{false};
    s.train(tr, va, opts, [&](const StepReport& r) {
      reports.push_back(r);
      if (r.step == from && opts.resume_from.empty()) fs::copy(r.checkpoint_dir, saved.file("ck"), fs::copy_options::recursive);
    }, cancel);
    return reports;
  };
  const std::vector<StepReport> host = run(*open(sc.model, "cpu"), o);
  REQUIRE(host.size() == 20);
  auto gpu = open(sc.model, "cuda");
  o.resume_from = saved.file("ck");
  o.out_dir = a.path();
  const std::vector<StepReport> plain = run(*gpu, o);
  o.gradient_checkpointing = true;
  o.out_dir = b.path();
  const std::vector<StepReport> ckpt = run(*gpu, o);
  REQUIRE(plain.size() == 4 && ckpt.size() == plain.size());
  for (size_t i = 0; i < plain.size(); ++i) {
    const StepReport& h = host[from + i];
    CHECK_EQ(ckpt[i].step, h.step);
    // The recompute is the same arithmetic on the same inputs with the same keys: the same losses, bit for bit.
    CHECK_EQ(ckpt[i].loss, plain[i].loss);
    CHECK_EQ(ckpt[i].valid_loss, plain[i].valid_loss);
    CHECK(ckpt[i].memory_bytes < plain[i].memory_bytes);
    CHECK_NEAR(ckpt[i].loss, h.loss, kCurveRel * h.loss);
    CHECK_EQ(ckpt[i].has_valid_loss, h.step % 2 == 0);
    CHECK_EQ(h.has_valid_loss, h.step % 2 == 0);
    if (h.has_valid_loss) CHECK_NEAR(ckpt[i].valid_loss, h.valid_loss, kCurveRel * h.valid_loss);
  }
  std::printf("  device peak %lld B without checkpointing, %lld B with; loss %.4f -> %.4f at the start, %.4f (cpu "
              "%.4f) at the end\n", (long long)plain[0].memory_bytes, (long long)ckpt[0].memory_bytes,
              host.front().loss, host[from - 1].loss, ckpt.back().loss, host.back().loss);
}

// What a cuda session says about itself: info() as the CPU's but for the backend and the bytes the weights take on the
// device, and the first step's memory report, whose numbers are the device's. One step is the whole run here (8
// examples, one micro-batch, one epoch), so validation runs within the step the report describes: the report must
// still be the training step's, not the validation pass's (forward only: smaller activations and scratch).
TEST(info_and_the_memory_report_of_a_cuda_session) {
  tf_test::TempDir model("tf-emu-info"), a("tf-emu-info-a"), b("tf-emu-info-b");
  tf_test::write_tiny_model(model.path(), tf_test::TinySpec{});
  auto gpu = open(model, "cuda"), cpu = open(model, "cpu");
  const ModelInfo g = gpu->info(), c = cpu->info();
  CHECK_EQ(g.backend, std::string("cuda"));
  CHECK(g.architecture == c.architecture && g.model_type == c.model_type && g.vocab_size == c.vocab_size &&
        g.hidden_size == c.hidden_size && g.num_layers == c.num_layers && g.num_kv_heads == c.num_kv_heads &&
        g.head_dim == c.head_dim && g.eos_token_ids == c.eos_token_ids && g.tie_word_embeddings == c.tie_word_embeddings);
  CHECK_EQ(g.num_parameters, c.num_parameters);
  CHECK_EQ(g.matmul_parameters, c.matmul_parameters);
  // bf16 weights (the tied head is the embedding) plus the fp32 RoPE frequencies, head_dim / 2 of them.
  CHECK_EQ(g.weight_bytes, 2 * g.num_parameters + 4 * (g.head_dim / 2));

  TrainOptions o = resume_options(a.path());
  o.epochs = 1;
  o.batch_size = 8;
  o.grad_accum = 1;
  o.checkpoint_every = 0;
  auto first_report = [&](const std::vector<Example>& validation) {
    std::vector<StepReport> reports;
    std::atomic<bool> cancel{false};
    gpu->train(tf_test::task_examples(8, 1), validation, o, [&](const StepReport& r) { reports.push_back(r); }, cancel);
    REQUIRE(reports.size() == 1);
    return reports[0];
  };
  const StepReport validated = first_report(tf_test::task_examples(8, 2));
  o.out_dir = b.path();
  const StepReport plain = first_report({});
  CHECK(validated.has_valid_loss && !plain.has_valid_loss);
  CHECK_EQ(validated.memory_report, plain.memory_report);
  CHECK_EQ(validated.memory_bytes, plain.memory_bytes);
  const std::string& report = validated.memory_report;
  CHECK(report.find("frozen weights: " + tf::cuda::format_bytes(g.weight_bytes) + "\n") != std::string::npos);
  // The first run of a fresh session: the arena was never larger than this step's plan, so what the report says the
  // device holds is the step's measured peak.
  CHECK(report.find("total held: " + tf::cuda::format_bytes(validated.memory_bytes) + "\n") != std::string::npos);
  CHECK(report.find("free of 16.00 GiB") != std::string::npos);  // the emulated device's memory (runtime_api.h)
  CHECK(report.find("  GEMMs: wmma (the CUDA emulator's cuBLASLt is off; TF_CUDA_EMU_CUBLASLT=1 turns it on)\n") != std::string::npos);
}

// Generation on the device up to the end of the context (the KV cache sized to max_position_embeddings, filled by a
// prefill of the whole context or by single steps up to its last row: the emulator faults on any access past it) and
// cancelled from the token callback, as the CPU session does it (test_generate_session.cc).
TEST(device_generation_runs_to_the_end_of_the_context_and_stops_on_cancel) {
  const Scoring& sc = scoring();
  auto gpu = open(sc.model, "cuda"), cpu = open(sc.model, "cpu");
  const int context = gpu->info().max_position_embeddings;  // 64
  std::vector<int32_t> full, most;
  for (const Example& e : tf_test::task_examples(8, 14)) full.insert(full.end(), e.tokens.begin(), e.tokens.end());
  REQUIRE(int(full.size()) == context);
  most.assign(full.begin(), full.end() - 5);
  GenerateOptions g;
  g.max_tokens = 500;  // more than the context allows
  std::atomic<bool> cancel{false};
  int streamed = 0;
  const auto on_gpu = gpu->generate({full, most}, g, sc.adapter.path(), [&](int, int32_t) { ++streamed; }, cancel);
  const auto on_cpu = cpu->generate({full, most}, g, sc.adapter.path(), nullptr, cancel);
  REQUIRE(on_gpu.size() == 2 && on_cpu.size() == 2);
  // The last token is sampled from the full cache's logits: a full prompt gives one, 59 tokens give 64 - 59 + 1.
  CHECK_EQ(on_gpu[0].tokens.size(), size_t(1));
  CHECK_EQ(on_gpu[1].tokens.size(), size_t(6));
  CHECK_EQ(streamed, 7);
  for (size_t i = 0; i < 2; ++i) {
    CHECK_EQ(on_gpu[i].finish_reason, std::string("length"));
    CHECK_EQ(on_gpu[i].tokens.size(), on_cpu[i].tokens.size());
    CHECK_EQ(on_cpu[i].finish_reason, std::string("length"));
  }

  g.max_tokens = 5;
  const auto cancelled = gpu->generate({most, full}, g, sc.adapter.path(), [&](int, int32_t) { cancel = true; }, cancel);
  REQUIRE(cancelled.size() == 2);
  // The prompts advance together and a cancel ends the step it comes in: both get that step's token; the full
  // prompt's cache is then full ("length"), the other one is cancelled.
  CHECK_EQ(cancelled[0].tokens.size(), size_t(1));
  CHECK_EQ(cancelled[0].finish_reason, std::string("cancelled"));
  CHECK_EQ(cancelled[1].tokens.size(), size_t(1));
  CHECK_EQ(cancelled[1].finish_reason, std::string("length"));
  CHECK_EQ(cancelled[0].tokens[0], on_gpu[1].tokens[0]);  // greedy: the same first token as before
}

// QLoRA through the Session: a cuda session loaded with quant nf4 + double_quant keeps the frozen weights packed on
// the device (a third of the bf16 bytes here; the 1 KiB dequantization map included) and trains along the CPU's NF4
// curve, which dequantizes the same codes. cuda_model_check covers NF4 inside the model; this is LoadOptions' way in.
// A batch whose KV caches do not all fit on the device at once: prompts are admitted while memory lasts and the rest
// wait for running ones to finish, with the same completions as when everything fits. A prompt that does not fit
// with nothing else running is the out-of-memory error it always was.
TEST(device_generation_admits_prompts_as_memory_allows) {
  const Scoring& sc = scoring();
  auto gpu = open(sc.model, "cuda");
  std::vector<std::vector<int32_t>> prompts;
  size_t longest = 0;
  for (const Example& e : tf_test::task_examples(6, 21)) prompts.push_back(e.tokens), longest = std::max(longest, e.tokens.size());
  GenerateOptions g;
  g.max_tokens = 20;
  std::atomic<bool> cancel{false};
  const auto all_fit = gpu->generate(prompts, g, "", nullptr, cancel);  // also grows the arena to its peak
  // Room for the weights, the arena and two KV caches (keys and values, bf16, prompt + 20 positions), not three.
  const ModelInfo info = gpu->info();
  const int64_t cache_bytes = 2 * int64_t(info.num_layers) * int64_t(longest + 20) * info.num_kv_heads * info.head_dim * 2;
  const CudaMemoryInfo before = cuda_memory(0);
  const int64_t held = before.total_bytes - before.free_bytes;
  struct Limit {
    explicit Limit(int64_t bytes) { setenv("TF_CUDA_EMU_MEMORY", std::to_string(bytes).c_str(), 1); }
    ~Limit() { unsetenv("TF_CUDA_EMU_MEMORY"); }
  };
  {
    Limit two(held + 2 * cache_bytes + cache_bytes / 2);
    int order_switches = 0, last = -1;
    const auto squeezed = gpu->generate(prompts, g, "", [&](int i, int32_t) { order_switches += i != last, last = i; }, cancel);
    REQUIRE(squeezed.size() == prompts.size());
    for (size_t i = 0; i < prompts.size(); ++i) {
      CHECK(squeezed[i].tokens == all_fit[i].tokens);
      CHECK_EQ(squeezed[i].finish_reason, all_fit[i].finish_reason);
    }
    CHECK(order_switches > int(prompts.size()));  // still batched: the running prompts interleave
  }
  {
    Limit none(held + cache_bytes / 2);
    // The KV cache's own advice, not the trainer's batch_size / max_seq_len.
    CHECK_THROWS(gpu->generate(prompts, g, "", nullptr, cancel), "allocating the KV cache");
    CHECK_THROWS(gpu->generate(prompts, g, "", nullptr, cancel), "Generate for fewer prompts at once or fewer max tokens");
  }
  // With the memory back, generation works again.
  CHECK(gpu->generate({prompts[0]}, g, "", nullptr, cancel)[0].tokens == all_fit[0].tokens);
}

TEST(a_cuda_session_loaded_as_nf4_trains_along_the_cpu_nf4_curve) {
  tf_test::TempDir model("tf-emu-nf4"), a("tf-emu-nf4-a"), b("tf-emu-nf4-b");
  tf_test::write_tiny_model(model.path(), tf_test::TinySpec{});
  auto load = [&](const std::string& backend) {
    LoadOptions lo;
    lo.model_dir = model.path();
    lo.threads = 2;
    lo.backend = backend;
    lo.quant = "nf4";
    lo.double_quant = true;
    return Session::load(lo);
  };
  auto gpu = load("cuda"), cpu = load("cpu");
  REQUIRE(gpu->info().backend == "cuda");
  const ModelInfo info = gpu->info();
  CHECK(info.weight_bytes < 2 * info.num_parameters / 3);
  TrainOptions o = resume_options(a.path());
  o.checkpoint_every = 0;
  const Run g = train(*gpu, o);
  o.out_dir = b.path();
  const Run c = train(*cpu, o);
  REQUIRE(g.reports.size() == 6 && c.reports.size() == 6);
  for (size_t i = 0; i < g.reports.size(); ++i) CHECK_NEAR(g.reports[i].loss, c.reports[i].loss, kCurveRel * c.reports[i].loss);
  CHECK(g.reports.back().loss < 0.95 * g.reports.front().loss);
  std::printf("  nf4: %lld weight bytes on the device; loss %.4f -> %.4f on cuda, %.4f -> %.4f on cpu\n",
              (long long)info.weight_bytes, g.reports.front().loss, g.reports.back().loss, c.reports.front().loss,
              c.reports.back().loss);
}

// What the device's checkpoint recompute skips, counted by the step timeline's marks (test_model_grad.cc checks the
// CPU the same way): the attention forward and the q/k/v/o projections, whose outputs (q, k, v, the attention output
// and lse, x2) each layer keeps in the arena, and the down projection, whose output is the next layer's kept input:
// only gate and up run again. Gradients match either way (cuda_model_check), so only counting tells them apart.
TEST(device_checkpoint_recompute_runs_only_gate_and_up) {
  tf_test::TempDir dir("tf-emu-recompute");
  tf_test::write_tiny_model(dir.path(), tf_test::TinySpec{});
  tf::ThreadPool pool(1);
  auto host = tf::LlamaModel::load(dir.path(), tf::Quant::NF4, true, pool);
  auto gpu = tf::backend::make_cuda_model(*host, 0);
  tf::LoraSpec ls;
  ls.targets = {"q_proj", "v_proj", "down_proj"};
  gpu->init_lora(ls, 1);
  const tf::Batch b = next_token_batch(2, 8, 7, 3);
  tf::StepTimeline& t = gpu->step_timeline();
  t.set_enabled(true);
  auto marks_of = [&](bool ckpt) {
    t.take();
    gpu->zero_lora_grads();
    tf::Rng rng(5);
    gpu->forward_backward(b, 1.f, true, rng, ckpt);
    const tf::StepPhaseCounts c = t.marks();
    const tf::StepPhaseMs ms = t.take();
    for (double m : ms) CHECK(m >= 0);
    return c;
  };
  const tf::StepPhaseCounts full = marks_of(false), ckpt = marks_of(true);
  t.set_enabled(false);
  const int64_t L = 2;
  auto at = [](const tf::StepPhaseCounts& c, tf::StepPhase p) { return c[size_t(p)]; };
  CHECK_EQ(at(full, tf::StepPhase::Attention), L);
  CHECK_EQ(at(ckpt, tf::StepPhase::Attention), L);
  CHECK_EQ(at(ckpt, tf::StepPhase::AttentionBackward), at(full, tf::StepPhase::AttentionBackward));
  CHECK_EQ(at(ckpt, tf::StepPhase::FrozenMatmul), at(full, tf::StepPhase::FrozenMatmul) + 2 * L);
  CHECK_EQ(at(ckpt, tf::StepPhase::Nf4Dequant), at(full, tf::StepPhase::Nf4Dequant) + 2 * L);
  // The adapted projections' LoRA intermediates (q, v, down) are rebuilt all the same: backward reads them.
  CHECK_EQ(at(ckpt, tf::StepPhase::Lora), at(full, tf::StepPhase::Lora) + 3 * L);
}

// Keeping every layer's attention block (q, k, v, the attention output and lse, x2) is a speed-for-memory trade the
// device makes only with room for it. Short of room it first drops q, k, v and x2 (the recompute redoes the q/k/v/o
// projections), then the attention output too (it redoes the attention); the memory report says which, and the
// gradients are those of the run that kept everything. A step asked to run without checkpointing, short of room for
// every layer's activations, checkpoints the same way.
TEST(device_checkpointing_recomputes_what_keeping_would_not_fit) {
  tf_test::TempDir dir("tf-emu-keep");
  tf_test::write_tiny_model(dir.path(), tf_test::TinySpec{});
  tf::ThreadPool pool(1);
  auto host = tf::LlamaModel::load(dir.path(), tf::Quant::None, false, pool);
  const tf::Batch b = next_token_batch(2, 32, 5, 1);
  tf::LoraSpec ls;
  ls.dropout = 0;
  // One checkpointed step; its gradients, the attention forwards and frozen matmuls it ran, and its arena (measured
  // peak less what the model held before any step: weights and LoRA).
  struct Step {
    std::vector<std::vector<float>> grads;
    int64_t attention = 0, frozen_matmuls = 0, arena = 0;
    std::string report;
  };
  auto step = [&](tf::TrainableModel& m, int64_t held_before, bool checkpointing = true) {
    tf::StepTimeline& t = m.step_timeline();
    t.set_enabled(true);
    m.zero_lora_grads();
    tf::Rng rng(3);
    m.forward_backward(b, 1.f, false, rng, checkpointing);
    const tf::StepPhaseCounts marks = t.marks();
    Step s{m.lora_grads_host(), marks[size_t(tf::StepPhase::Attention)], marks[size_t(tf::StepPhase::FrozenMatmul)],
           m.measured_peak_bytes() - held_before, m.memory_report()};
    t.take();
    t.set_enabled(false);
    return s;
  };
  // The second layer's kept tensors (multiples of the arena's 256 bytes): its attention output and lse, N·qd bf16 +
  // B·nh·T fp32, and its q, k, v and x2, N·(qd + 2·kvd + H) bf16 (tiny model: H 32, nh 4, nkv 2, hd 8; N 64).
  const int64_t kept_att = 64 * 32 * 2 + 2 * 4 * 32 * 4, kept_inputs = 64 * (32 + 2 * 16 + 32) * 2;
  // begin_step keeps this much free beyond the arena (max(64 MiB, 1 % of the device)).
  const int64_t headroom = int64_t(64) << 20;

  auto roomy = tf::backend::make_cuda_model(*host, 0);
  roomy->init_lora(ls, 9);
  const Step kept = step(*roomy, roomy->measured_peak_bytes());
  CHECK_EQ(kept.attention, int64_t(2));  // the forward pass only: the recompute used the kept outputs
  CHECK(kept.report.find("recomputed") == std::string::npos);
  CHECK(kept.report.find("turned on") == std::string::npos);  // it was asked for
  // Without checkpointing, with room: every layer's activations, no recompute, a larger arena, the same gradients.
  auto roomy_full = tf::backend::make_cuda_model(*host, 0);
  roomy_full->init_lora(ls, 9);
  const Step full = step(*roomy_full, roomy_full->measured_peak_bytes(), false);
  CHECK_EQ(full.attention, int64_t(2));
  CHECK_EQ(full.frozen_matmuls, kept.frozen_matmuls - 2 * 2);  // no gate and up recompute in either layer
  CHECK(full.arena > kept.arena);
  CHECK(full.report.find("checkpointing") == std::string::npos);
  roomy.reset();
  roomy_full.reset();

  // A device with what the model holds plus `room` bytes (the arena and begin_step's headroom).
  auto on_device_with = [&](int64_t room, bool checkpointing = true) {
    auto m = tf::backend::make_cuda_model(*host, 0);
    m->init_lora(ls, 9);
    const int64_t model_bytes = m->measured_peak_bytes();
    size_t free_bytes = 0, total_bytes = 0;
    REQUIRE(cudaMemGetInfo(&free_bytes, &total_bytes) == cudaSuccess);
    const std::string limit = std::to_string(int64_t(total_bytes - free_bytes) + room);
    ScopedEnv small("TF_CUDA_EMU_MEMORY", limit.c_str());
    const Step first = step(*m, model_bytes, checkpointing);
    // The next step, with the arena already grown to the smaller plan, asks again and falls back again.
    const Step again = step(*m, model_bytes, checkpointing);
    CHECK_EQ(again.attention, first.attention);
    CHECK_EQ(again.frozen_matmuls, first.frozen_matmuls);
    CHECK_EQ(again.arena, first.arena);
    return first;
  };
  auto same_gradients = [&](const Step& s) {
    REQUIRE(s.grads.size() == kept.grads.size());
    for (size_t i = 0; i < s.grads.size(); ++i) CHECK(agreement(s.grads[i], kept.grads[i]).rel_l2 < 1e-5);
  };
  same_gradients(full);

  // Asked for no checkpointing with room for the checkpointed arena but not for every layer's activations: the step
  // checkpoints, keeping each layer's attention block as it has room to.
  const Step turned_on = on_device_with(kept.arena + headroom + (full.arena - kept.arena) / 2, false);
  CHECK_EQ(turned_on.attention, int64_t(2));
  CHECK_EQ(turned_on.frozen_matmuls, kept.frozen_matmuls);
  CHECK_EQ(turned_on.arena, kept.arena);
  CHECK(turned_on.report.find("  checkpointing: turned on (without it, keeping every layer's activations would not fit)\n") != std::string::npos);
  CHECK(turned_on.report.find("recomputed") == std::string::npos);
  same_gradients(turned_on);
  // And with room for less still, it drops the kept attention inputs as a checkpointed step does.
  const Step turned_on_tight = on_device_with(kept.arena + headroom - kept_inputs / 2, false);
  CHECK_EQ(turned_on_tight.frozen_matmuls, kept.frozen_matmuls + 4 * 2);
  CHECK(turned_on_tight.report.find("checkpointing: turned on") != std::string::npos);
  CHECK(turned_on_tight.report.find("q, k, v and o projections recomputed in backward (keeping each layer's q, k, v and x2 would not fit)") != std::string::npos);
  same_gradients(turned_on_tight);

  // Room for the arena without q, k, v and x2 but not with them: the attention is still kept, the four projections
  // of both layers run again.
  const Step inputs_redone = on_device_with(kept.arena + headroom - kept_inputs / 2);
  CHECK_EQ(inputs_redone.attention, int64_t(2));
  CHECK_EQ(inputs_redone.frozen_matmuls, kept.frozen_matmuls + 4 * 2);
  CHECK(inputs_redone.arena <= kept.arena - kept_inputs);
  CHECK(inputs_redone.report.find("checkpointing: q, k, v and o projections recomputed in backward (keeping each layer's q, k, v and x2 would not fit)") != std::string::npos);
  CHECK(inputs_redone.report.find("turned on") == std::string::npos);
  same_gradients(inputs_redone);

  // Room for neither: the attention runs again too.
  const Step redone = on_device_with(kept.arena + headroom - kept_inputs - kept_att / 2);
  CHECK_EQ(redone.attention, int64_t(4));  // forward and recompute, both layers
  CHECK_EQ(redone.frozen_matmuls, kept.frozen_matmuls + 4 * 2);
  CHECK(redone.arena <= kept.arena - kept_inputs - kept_att);
  CHECK(redone.report.find("checkpointing: attention recomputed in backward") != std::string::npos);
  CHECK(redone.report.find("turned on") == std::string::npos);
  same_gradients(redone);

  // One layer: its checkpointed plan is its plan, so a device short of the headroom (room for the arena and 1 MiB)
  // runs the step as asked, with no recompute and no "turned on".
  tf_test::TempDir one_dir("tf-emu-keep-one");
  tf_test::TinySpec one_layer;
  one_layer.layers = 1;
  tf_test::write_tiny_model(one_dir.path(), one_layer);
  auto one_host = tf::LlamaModel::load(one_dir.path(), tf::Quant::None, false, pool);
  auto one_roomy = tf::backend::make_cuda_model(*one_host, 0);
  one_roomy->init_lora(ls, 9);
  const Step one_full = step(*one_roomy, one_roomy->measured_peak_bytes(), false);
  one_roomy.reset();
  auto one = tf::backend::make_cuda_model(*one_host, 0);
  one->init_lora(ls, 9);
  const int64_t one_bytes = one->measured_peak_bytes();
  size_t free_bytes = 0, total_bytes = 0;
  REQUIRE(cudaMemGetInfo(&free_bytes, &total_bytes) == cudaSuccess);
  const std::string limit = std::to_string(int64_t(total_bytes - free_bytes) + one_full.arena + (int64_t(1) << 20));
  ScopedEnv small("TF_CUDA_EMU_MEMORY", limit.c_str());
  const Step one_short = step(*one, one_bytes, false);
  CHECK_EQ(one_short.frozen_matmuls, one_full.frozen_matmuls);
  CHECK_EQ(one_short.arena, one_full.arena);
  CHECK(one_short.report.find("turned on") == std::string::npos);
}
