// gpu_ours: our trainer's side of native/gpu/check.sh steps 3 and 4, in C++ on tf::api::Session (the interface the
// Node addon calls), so the GPU machine needs only a C++ compiler and nvcc: it has no Node.js, and node_modules
// (hundreds of MB) could not travel there. Each subcommand prints one JSON object on stdout (progress on stderr).
//
//   gpu_ours reference --model DIR --ref FILE.safetensors [--backend cuda] [--quant none] --out ours.json
//       hf_reference.py wrote FILE.inputs.json, FILE-adapter/ and FILE-checkpoint/ next to FILE: the per-token
//       log-probabilities with that adapter, the loss, every LoRA gradient at it (grad.<module>.lora_A/B), and
//       the loss and gradient norm of one training step resumed from the step-0 checkpoint. hf_compare.py
//       compares the file with HF's.
//   gpu_ours bench --model DIR [--seq-len 2048] [--batch-size 4] [--steps 6] [--rank 16] [--targets q_proj,...]
//       [--quant nf4] [--double-quant] [--gradient-checkpointing] [--backend cuda] [--peak-size 8192] [--profile]
//       Training throughput on random tokens: tokens_per_sec (steps 2.., the first is warm-up), peak_memory_bytes
//       (the trainer's own report), and our bf16 GEMM peak on the device (--peak-size 0: not measured; else a
//       multiple of 128 in 256..32768, checked before training). hf_rows.py computes the model FLOPs
//       from the model's config.json with the formula it applies to HF (hf_common.flops_per_token).
//       --profile: also profile_ms, the last step's milliseconds by phase (model/step_timeline.h) and "step",
//       its wall time; the marks cost a little, so check.sh takes tokens/s from a run without them.
//   gpu_ours backends
//       The backends this build has and the usable CUDA devices: {"backends":["cpu","cuda"],"devices":[...]}.
//   gpu_ours decode --model DIR [--prompt-len 512] [--max-tokens 128] [--batch 1] [--runs 2] [--quant nf4] [--double-quant]
//       Generation speed: prefill tokens/s, decode tokens/s and the frozen-weight GB/s read while decoding; with
//       --batch N, N prompts advance together (one decode step per token of each, as evaluations batch them).
//
// bench and decode give the same figures as `tuneforge bench trainer|generate`, which need Node.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <unistd.h>

#include "api.h"
#include "backend/cuda_entry.h"
#include "common/error.h"
#include "common/json.h"
#include "common/rng.h"

namespace fs = std::filesystem;
using namespace tf;

namespace {

using Clock = std::chrono::steady_clock;

// --name value / --flag arguments after the subcommand; an unknown one is an error, not ignored.
struct Args {
  std::map<std::string, std::string> values;
  std::vector<std::string> flags;

  Args(int argc, char** argv, const std::vector<std::string>& with_value, const std::vector<std::string>& bools) {
    for (int i = 2; i < argc; ++i) {
      const std::string a = argv[i];
      const std::string name = a.rfind("--", 0) == 0 ? a.substr(2) : "";
      if (std::find(bools.begin(), bools.end(), name) != bools.end()) {
        flags.push_back(name);
      } else if (std::find(with_value.begin(), with_value.end(), name) != with_value.end()) {
        TF_CHECK(i + 1 < argc, "--" + name + " needs a value");
        values[name] = argv[++i];
      } else {
        throw Error("unknown argument \"" + a + "\"");
      }
    }
  }
  std::string get(const std::string& name, const std::string& fallback = "") const {
    const auto it = values.find(name);
    return it == values.end() ? fallback : it->second;
  }
  std::string need(const std::string& name) const {
    TF_CHECK(values.count(name), "--" + name + " is required");
    return values.at(name);
  }
  int integer(const std::string& name, int fallback, int min) const {
    const std::string v = get(name);
    if (v.empty()) return fallback;
    char* end = nullptr;
    const long n = std::strtol(v.c_str(), &end, 10);
    TF_CHECK(end && *end == '\0' && n >= min && n <= (1 << 30), "--" + name + " must be an integer >= " + std::to_string(min) + ", got \"" + v + "\"");
    return int(n);
  }
  bool flag(const std::string& name) const { return std::find(flags.begin(), flags.end(), name) != flags.end(); }
};

api::LoadOptions load_options(const Args& a, const std::string& default_quant) {
  api::LoadOptions lo;
  lo.model_dir = a.need("model");
  lo.quant = a.get("quant", default_quant);
  TF_CHECK(lo.quant == "none" || lo.quant == "nf4", "--quant must be none or nf4, got \"" + lo.quant + "\"");
  lo.double_quant = a.flag("double-quant");
  lo.backend = a.get("backend", "cuda");
  TF_CHECK(lo.backend == "cuda" || lo.backend == "cpu" || lo.backend == "auto",
           "--backend must be cuda, cpu or auto, got \"" + lo.backend + "\"");
  return lo;
}

// --targets "q,k,v,o" or "q_proj,k_proj,...": the projection names, each once; an unknown one is an error here rather
// than after the model has loaded (hf_common.parse_targets reads the same list for HF's side).
std::vector<std::string> parse_targets(const std::string& s) {
  static const std::vector<std::string> known = {"q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"};
  std::vector<std::string> out;
  std::stringstream in(s);
  for (std::string part; std::getline(in, part, ',');) {
    if (part.empty()) continue;
    const std::string name = part.size() > 5 && part.compare(part.size() - 5, 5, "_proj") == 0 ? part : part + "_proj";
    TF_CHECK(std::find(known.begin(), known.end(), name) != known.end(),
             "--targets: unknown module \"" + part + "\"; use some of q,k,v,o,gate,up,down (or their *_proj names)");
    if (std::find(out.begin(), out.end(), name) == out.end()) out.push_back(name);
  }
  TF_CHECK(!out.empty(), "--targets lists no module");
  return out;
}

// A scratch folder for the adapter a measurement writes, removed on every way out (a failed run included).
struct ScratchDir {
  fs::path path;
  explicit ScratchDir(const std::string& what)
      : path(fs::temp_directory_path() / ("tuneforge-gpu-" + what + "-" + std::to_string(::getpid()))) {}
  ~ScratchDir() {
    std::error_code ignored;
    fs::remove_all(path, ignored);
  }
};

Json number_array(const std::vector<double>& v) {
  Json a = Json::array();
  for (double x : v) a.push(Json::number(x));
  return a;
}

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// Random tokens, every position but the first a target: the cost per token does not depend on the content.
std::vector<api::Example> random_examples(int count, int seq_len, int vocab, uint64_t seed) {
  Rng rng(seed);
  std::vector<api::Example> out(count);
  for (auto& ex : out) {
    ex.tokens.resize(seq_len);
    for (auto& t : ex.tokens) t = int32_t(rng.uniform() * float(vocab)) % vocab;
    ex.loss_mask.assign(seq_len, 1);
    ex.loss_mask[0] = 0;
  }
  return out;
}

int reference(const Args& a) {
  const std::string ref = a.need("ref"), out = a.need("out");
  const std::string stem = ref.size() > 12 && ref.compare(ref.size() - 12, 12, ".safetensors") == 0 ? ref.substr(0, ref.size() - 12) : ref;
  const std::string inputs_file = stem + ".inputs.json", adapter = stem + "-adapter", checkpoint = stem + "-checkpoint";
  for (const auto& p : {inputs_file, adapter, checkpoint})
    TF_CHECK(fs::exists(p), p + " is missing; run hf_reference.py --out " + ref + " first");
  const Json inputs = parse_json_file(inputs_file);
  api::Example ex;
  for (const Json& t : inputs.at("tokens").as_array("tokens")) ex.tokens.push_back(int32_t(t.as_int("tokens[]")));
  for (const Json& m : inputs.at("loss_mask").as_array("loss_mask")) ex.loss_mask.push_back(uint8_t(m.as_int("loss_mask[]")));
  TF_CHECK(ex.tokens.size() == ex.loss_mask.size() && ex.tokens.size() >= 2, inputs_file + ": tokens and loss_mask must have the same length >= 2");

  const auto t0 = Clock::now();
  auto session = api::Session::load(load_options(a, "none"));
  const double load_seconds = seconds_since(t0);
  const std::vector<double> logprobs = session->logprobs(ex.tokens, adapter);
  const api::Session::LoraGradients g = session->lora_gradients(ex, adapter);
  // The trainer's loss: mean -log p over the targets; logprobs[i] is the log-probability of token i + 1.
  double sum = 0;
  int count = 0;
  for (size_t i = 1; i < ex.tokens.size(); ++i)
    if (ex.loss_mask[i]) sum -= logprobs[i - 1], ++count;
  TF_CHECK(count > 0, inputs_file + ": the loss mask selects no token");

  // One step resumed from the step-0 checkpoint: no clipping, so the reported norm is the raw gradient's.
  api::TrainOptions o;
  o.lora.rank = int(inputs.at("rank").as_int("rank"));
  o.lora.alpha = float(inputs.at("alpha").as_double("alpha"));
  o.lora.dropout = 0;
  o.lora.targets.clear();
  for (const Json& t : inputs.at("targets").as_array("targets")) o.lora.targets.push_back(t.as_string("targets[]"));
  o.epochs = 1, o.batch_size = 1, o.grad_accum = 1, o.lr = 1e-6, o.warmup_ratio = 0, o.max_grad_norm = 0;
  o.max_seq_len = int(ex.tokens.size());
  o.seed = uint64_t(inputs.at("seed").as_int("seed"));
  o.resume_from = checkpoint;
  const ScratchDir tmp("reference");
  o.out_dir = (tmp.path / "adapter").string();
  std::vector<api::StepReport> reports;
  std::atomic<bool> cancel{false};
  session->train({ex}, {}, o, [&](const api::StepReport& r) { reports.push_back(r); }, cancel);
  TF_CHECK(reports.size() == 1, "expected one training step from the step-0 checkpoint, the trainer reported " + std::to_string(reports.size()));

  Json j = Json::object();
  j.set("backend", Json::string(session->info().backend));
  j.set("quant", Json::string(a.get("quant", "none")));
  j.set("logprobs", number_array(logprobs));
  j.set("loss", Json::number(sum / count));
  j.set("train_loss", Json::number(reports[0].loss));
  j.set("grad_norm", Json::number(reports[0].grad_norm));
  for (size_t i = 0; i < g.names.size(); ++i) j.set("grad." + g.names[i], number_array(std::vector<double>(g.grads[i].begin(), g.grads[i].end())));
  // Not results: hf_compare.py skips objects.
  Json meta = Json::object();
  meta.set("stepMemoryBytes", Json::integer(reports[0].memory_bytes));
  meta.set("loadSeconds", Json::number(load_seconds));
  meta.set("seconds", Json::number(seconds_since(t0)));
  j.set("meta", meta);
  std::ofstream(out) << j.dump() << "\n";
  TF_CHECK(fs::file_size(out) > 0, "could not write " + out);
  std::printf("{\"backend\":\"%s\",\"loss\":%.6f,\"train_loss\":%.6f,\"grad_norm\":%.6f,\"logprobs\":%zu,\"gradients\":%zu}\n",
              session->info().backend.c_str(), sum / count, reports[0].loss, reports[0].grad_norm, logprobs.size(), g.names.size());
  return 0;
}

int bench(const Args& a) {
  const int seq = a.integer("seq-len", 2048, 8), batch = a.integer("batch-size", 4, 1), steps = a.integer("steps", 6, 2);
  const int rank = a.integer("rank", 16, 1), peak_size = a.integer("peak-size", 8192, 0);
  // Checked now, not when the peak is measured: that happens after training, and a size the GEMM peak refuses
  // would throw away minutes of device time and the throughput figures with them. 0 skips the peak.
  TF_CHECK(peak_size == 0 || (peak_size >= 256 && peak_size <= 32768 && peak_size % 128 == 0),
           "--peak-size must be 0 (no GEMM peak) or a multiple of 128 between 256 and 32768, got " + std::to_string(peak_size));
  const std::vector<std::string> targets = parse_targets(a.get("targets", "q_proj,k_proj,v_proj,o_proj"));
  const auto t0 = Clock::now();
  auto session = api::Session::load(load_options(a, "nf4"));
  // What a job waits before its first step: the safetensors read, NF4 quantization and the upload.
  const double load_seconds = seconds_since(t0);
  const api::ModelInfo info = session->info();
  TF_CHECK(seq <= info.max_position_embeddings, "--seq-len " + std::to_string(seq) + " exceeds the model's max_position_embeddings " + std::to_string(info.max_position_embeddings));
  api::TrainOptions o;
  o.lora.rank = rank, o.lora.alpha = float(2 * rank), o.lora.dropout = 0.05f, o.lora.targets = targets;
  o.epochs = 1, o.batch_size = batch, o.grad_accum = 1, o.lr = 1e-4, o.warmup_ratio = 0, o.max_seq_len = seq;
  o.gradient_checkpointing = a.flag("gradient-checkpointing");
  o.profile = a.flag("profile");
  const ScratchDir tmp("bench");
  o.out_dir = (tmp.path / "adapter").string();
  std::vector<api::StepReport> reports;
  std::atomic<bool> cancel{false};
  session->train(random_examples(batch * steps, seq, info.vocab_size, 1), {}, o,
                 [&](const api::StepReport& r) {
                   reports.push_back(r);
                   std::fprintf(stderr, "gpu_ours bench: step %d/%d: %.6g tokens/s\n", r.step, r.total_steps, r.tokens_per_sec);
                 },
                 cancel);
  TF_CHECK(reports.size() >= 2, "the trainer reported " + std::to_string(reports.size()) + " steps; need at least 2");
  // Steps 2..n: the first step pays for allocation, algorithm selection and module loading. Each step's own time
  // (its tokens over its rate), summed, as hf_throughput.py times HF's steps: the difference of elapsed_ms would
  // also count the checkpoint written after the last step (the epoch's end: adapter and AdamW moments copied off
  // the device and written, ~160 MB for the 8B shape), a cost HF's figure does not carry, over only 4-5 steps.
  double step_seconds = 0;
  for (size_t i = 1; i < reports.size(); ++i) {
    TF_CHECK(reports[i].tokens_per_sec > 0, "step " + std::to_string(reports[i].step) + " reported no rate");
    step_seconds += double(batch) * seq / reports[i].tokens_per_sec;
  }
  const double tokens_per_sec = double(reports.size() - 1) * batch * seq / step_seconds;
  int64_t peak_memory = 0;
  for (const auto& r : reports) peak_memory = std::max(peak_memory, r.memory_bytes);
  // Our own bf16 GEMM rate (cuBLASLt when it loads, else our kernels): tells whether the trainer's GEMMs can be fast.
  const double peak_gflops = info.backend == "cuda" && peak_size > 0 ? backend::cuda_gemm_peak_tflops(1.0, peak_size) * 1000.0 : 0;

  Json j = Json::object();
  j.set("model_dir", Json::string(a.need("model")));
  j.set("backend", Json::string(info.backend));
  j.set("quant", Json::string(a.get("quant", "nf4") + (a.flag("double-quant") ? " + double quant" : "")));
  j.set("seq_len", Json::integer(seq));
  j.set("batch_size", Json::integer(batch));
  j.set("rank", Json::integer(rank));
  Json t = Json::array();
  for (const auto& name : targets) t.push(Json::string(name));
  j.set("targets", t);
  j.set("gradient_checkpointing", Json::boolean(o.gradient_checkpointing));
  j.set("steps", Json::integer(int64_t(reports.size())));
  j.set("load_seconds", Json::number(load_seconds));
  j.set("tokens_per_sec", Json::number(tokens_per_sec));
  j.set("peak_memory_bytes", Json::integer(peak_memory));
  j.set("weight_bytes", Json::integer(info.weight_bytes));
  j.set("gemm_peak_gflops", Json::number(peak_gflops));
  j.set("memory_report", Json::string(reports.front().memory_report));
  if (o.profile) {
    Json p = Json::object();
    for (const auto& [phase, ms] : reports.back().profile_ms) p.set(phase, Json::number(ms));
    j.set("profile_ms", p);
  }
  std::printf("%s\n", j.dump().c_str());
  return 0;
}

int decode(const Args& a) {
  const int prompt_len = a.integer("prompt-len", 512, 1), max_tokens = a.integer("max-tokens", 128, 2), runs = a.integer("runs", 2, 1);
  const int batch = a.integer("batch", 1, 1);
  auto session = api::Session::load(load_options(a, "nf4"));
  const api::ModelInfo info = session->info();
  TF_CHECK(prompt_len + max_tokens <= info.max_position_embeddings, "--prompt-len + --max-tokens exceed the model's max_position_embeddings");
  std::vector<std::vector<int32_t>> prompts;
  for (const api::Example& e : random_examples(batch, prompt_len, info.vocab_size, 2)) prompts.push_back(e.tokens);
  std::atomic<bool> cancel{false};
  // No stop token: every run generates exactly `tokens` per prompt, whatever the random model prefers. Every prompt
  // is prefilled before the first token of any is sampled: the first token ends the prefills.
  // The last run's greedy tokens, per prompt: two runs of the same kernels (with and without CUDA graphs) must agree.
  std::vector<std::vector<int32_t>> generated;
  auto once = [&](int tokens, double* prefill_s, double* decode_s) {
    api::GenerateOptions g;
    g.max_tokens = tokens;
    const auto start = Clock::now();
    Clock::time_point first, last;
    int count = 0;
    generated.assign(prompts.size(), {});
    session->generate(prompts, g, "", [&](int i, int32_t token) {
      last = Clock::now();
      if (count++ == 0) first = last;
      generated[size_t(i)].push_back(token);
    }, cancel);
    TF_CHECK(count == tokens * batch, "expected " + std::to_string(tokens * batch) + " tokens, the model streamed " + std::to_string(count));
    *prefill_s = std::chrono::duration<double>(first - start).count();
    *decode_s = std::chrono::duration<double>(last - first).count();
  };
  double p = 0, d = 0, best_p = 1e30, best_d = 1e30;
  once(2, &p, &d);  // warm-up
  for (int r = 0; r < runs; ++r) {
    once(max_tokens, &p, &d);
    best_p = std::min(best_p, p), best_d = std::min(best_d, d);
    std::fprintf(stderr, "gpu_ours decode: run %d/%d: %.0f decode tokens/s\n", r + 1, runs, double(max_tokens - 1) * batch / d);
  }
  // A step is one token of every prompt and one read of the weights.
  const double steps_per_sec = (max_tokens - 1) / best_d, decode_per_sec = steps_per_sec * batch;
  Json j = Json::object();
  j.set("backend", Json::string(info.backend));
  j.set("quant", Json::string(a.get("quant", "nf4") + (a.flag("double-quant") ? " + double quant" : "")));
  j.set("prompt_len", Json::integer(prompt_len));
  j.set("max_tokens", Json::integer(max_tokens));
  j.set("batch", Json::integer(batch));
  j.set("prefill_tokens_per_sec", Json::number(double(prompt_len) * batch / best_p));
  j.set("decode_tokens_per_sec", Json::number(decode_per_sec));
  j.set("ms_per_token", Json::number(1000.0 / steps_per_sec));  // per step: one token of each prompt
  j.set("weight_bytes", Json::integer(info.weight_bytes));
  j.set("weight_gb_read_per_sec", Json::number(double(info.weight_bytes) * steps_per_sec / 1e9));
  // FNV-1a over every prompt's tokens in prompt order.
  uint64_t h = 0xcbf29ce484222325ull;
  for (const auto& tokens : generated)
    for (int32_t t : tokens) h = (h ^ uint64_t(uint32_t(t))) * 0x100000001b3ull;
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", (unsigned long long)h);
  j.set("generated_tokens_fnv1a", Json::string(hex));
  std::printf("%s\n", j.dump().c_str());
  return 0;
}

int backends() {
  Json j = Json::object();
  Json b = Json::array();
  for (const auto& name : api::backends_built()) b.push(Json::string(name));
  j.set("backends", b);
  std::string why;
  Json d = Json::array();
  for (const auto& dev : api::cuda_devices(&why)) d.push(Json::string(dev.name + " (sm_" + std::to_string(dev.sm) + ")"));
  j.set("devices", d);
  j.set("reason", why.empty() ? Json() : Json::string(why));
  std::printf("%s\n", j.dump().c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string cmd = argc > 1 ? argv[1] : "";
  try {
    const std::vector<std::string> load = {"model", "backend", "quant"};
    auto with = [&](std::vector<std::string> more) {
      more.insert(more.end(), load.begin(), load.end());
      return more;
    };
    if (cmd == "backends") return argc == 2 ? backends() : (std::fprintf(stderr, "gpu_ours backends takes no arguments\n"), 2);
    if (cmd == "reference") return reference(Args(argc, argv, with({"ref", "out"}), {"double-quant"}));
    if (cmd == "bench")
      return bench(Args(argc, argv, with({"seq-len", "batch-size", "steps", "rank", "targets", "peak-size"}),
                        {"double-quant", "gradient-checkpointing", "profile"}));
    if (cmd == "decode") return decode(Args(argc, argv, with({"prompt-len", "max-tokens", "runs", "batch"}), {"double-quant"}));
    std::fprintf(stderr, "usage: gpu_ours backends|reference|bench|decode --model DIR ... (native/gpu/ours.cc says what each does)\n");
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "gpu_ours %s: %s\n", cmd.c_str(), e.what());
    return 1;
  }
}
