// merge: base + adapter written as a bf16 HF folder gives the same log-probabilities as the base with the
// adapter attached. Tolerance 0.005 nats (seen: 0.0008): the base weights are bf16 values already (exact after the merge),
// only the adapted matrices W + s·BA are rounded to bf16 (relative error ≤ 2^-9 per weight); the adapter
// itself moves the log-probabilities by far more than that (checked).
#include <atomic>
#include <filesystem>

#include "api.h"
#include "backend/cuda_entry.h"
#include "common/json.h"
#include "common/rng.h"
#include "harness.h"
#include "io/peft.h"
#include "io/safetensors.h"
#include "merge.h"
#include "test_session_model.h"

using namespace tf::api;
namespace fs = std::filesystem;

namespace {

// An adapter with non-zero B (as after training) on some modules of every layer.
tf::PeftAdapter random_adapter(const tf_test::TinySpec& s, std::vector<std::string> targets) {
  tf::PeftAdapter a;
  a.r = 4;
  a.alpha = 8;
  a.target_modules = targets;
  a.base_model = "tiny";
  tf::Rng rng(99);
  const int kv = s.kv_heads * (s.hidden / s.heads);
  for (int l = 0; l < s.layers; l++)
    for (const auto& t : targets) {
      tf::LoraTensors m;
      const bool attn = t.find("_proj") == 1;  // q_proj k_proj v_proj o_proj
      m.module = "model.layers." + std::to_string(l) + (attn ? ".self_attn." : ".mlp.") + t;
      m.rank = a.r;
      m.in = t == "down_proj" ? s.intermediate : s.hidden;
      m.out = t == "k_proj" || t == "v_proj" ? kv : t == "gate_proj" || t == "up_proj" ? s.intermediate : s.hidden;
      m.A.resize((size_t)m.rank * m.in);
      m.B.resize((size_t)m.out * m.rank);
      for (auto& x : m.A) x = rng.uniform(-0.5f, 0.5f);
      for (auto& x : m.B) x = rng.uniform(-0.5f, 0.5f);
      a.modules.push_back(std::move(m));
    }
  return a;
}

std::unique_ptr<Session> open(const std::string& dir) {
  LoadOptions lo;
  lo.model_dir = dir;
  return Session::load(lo);
}

void check_merge(const tf_test::TinySpec& spec, int64_t shard_bytes) {
  tf_test::TempDir base("tf-base"), adapter("tf-adapter"), merged("tf-merged");
  tf_test::write_tiny_model(base.path(), spec);
  tf::write_peft_adapter(adapter.path(), random_adapter(spec, {"q_proj", "v_proj", "o_proj", "down_proj"}));
  auto s = open(base.path());
  if (shard_bytes > 0) {
    tf::ThreadPool pool(1);
    tf::merge_adapter_into_base(base.path(), tf::read_peft_adapter(adapter.path()), merged.path(), pool, shard_bytes);
    CHECK(fs::exists(merged.file("model.safetensors.index.json")));
    CHECK(!fs::exists(merged.file("model.safetensors")));
  } else {
    s->merge(adapter.path(), merged.path());
    CHECK(fs::exists(merged.file("model.safetensors")));
  }
  const tf::Json cfg = tf::parse_json_file(merged.file("config.json"));
  CHECK_EQ(cfg.at("torch_dtype").as_string(), std::string("bfloat16"));
  CHECK_EQ(cfg.at("tie_word_embeddings").as_bool(), spec.tied);
  const tf::WeightStore store(merged.path());
  CHECK_EQ(store.has("lm_head.weight"), !spec.tied);  // tied stays tied
  for (const auto& n : store.names()) CHECK(store.info(n).dtype == tf::DType::BF16);

  auto m = open(merged.path());
  const std::vector<int32_t> tokens{1, 5, 9, 14, 2, 20, 3, 7, 7, 30, 12, 1, 0, 31};
  const auto with_adapter = s->logprobs(tokens, adapter.path());
  const auto plain = s->logprobs(tokens, "");
  const auto from_merged = m->logprobs(tokens, "");
  REQUIRE(with_adapter.size() == tokens.size() - 1 && from_merged.size() == with_adapter.size());
  double worst = 0, moved = 0;
  for (size_t i = 0; i < plain.size(); i++) {
    worst = std::max(worst, std::fabs(with_adapter[i] - from_merged[i]));
    moved = std::max(moved, std::fabs(with_adapter[i] - plain[i]));
  }
  std::printf("  merged vs base+adapter: max |dlogp| %.5f (adapter moves logp by up to %.3f)\n", worst, moved);
  CHECK(worst < 0.005);
  CHECK(moved > 0.3);
}

}  // namespace

TEST(merged_model_matches_base_plus_adapter_tied) { check_merge(tf_test::TinySpec{}, 0); }

TEST(merged_model_matches_base_plus_adapter_untied_sharded) {
  tf_test::TinySpec spec;
  spec.tied = false;
  check_merge(spec, 8192);  // forces several shards + index.json
}

TEST(merge_refuses_an_adapter_for_another_base) {
  tf_test::TempDir base("tf-base"), adapter("tf-adapter"), merged("tf-merged");
  tf_test::TinySpec spec;
  tf_test::write_tiny_model(base.path(), spec);
  tf_test::TinySpec bigger = spec;
  bigger.hidden = 64;
  bigger.heads = 8;
  bigger.kv_heads = 4;
  tf::write_peft_adapter(adapter.path(), random_adapter(bigger, {"q_proj"}));
  auto s = open(base.path());
  CHECK_THROWS(s->merge(adapter.path(), merged.path()), "another base model");
  CHECK_THROWS(s->merge(adapter.path(), base.path()), "must differ from the model folder");
}

TEST(session_load_options_are_checked) {
  tf_test::TempDir base("tf-base");
  tf_test::write_tiny_model(base.path(), tf_test::TinySpec{});
  LoadOptions lo;
  lo.model_dir = base.path();
  // What "cuda" does depends on the build (nvcc or not) and the machine (a device or not): each answer is checked.
  std::string why;
  const bool cuda_built = tf::backend::cuda_built(), device = !tf::backend::cuda_devices(&why).empty();
  lo.backend = "cuda";
  if (!cuda_built)
    CHECK_THROWS(Session::load(lo), "this build has no CUDA backend (built without nvcc)");
  else if (!device)
    CHECK_THROWS(Session::load(lo), "no usable CUDA device (" + why + ")");
  else
    CHECK_EQ(Session::load(lo)->info().backend, std::string("cuda"));
  lo.backend = "tpu";
  CHECK_THROWS(Session::load(lo), "backend \"tpu\"");
  lo.backend = "auto";
  lo.quant = "int8";
  CHECK_THROWS(Session::load(lo), "quant \"int8\"");
  lo.quant = "none";
  lo.double_quant = true;
  CHECK_THROWS(Session::load(lo), "double_quant");
  CHECK(backends_built() == (cuda_built ? std::vector<std::string>{"cpu", "cuda"} : std::vector<std::string>{"cpu"}));

  lo.double_quant = false;
  lo.backend = "cpu";
  auto s = Session::load(lo);
  const ModelInfo info = s->info();
  CHECK_EQ(info.backend, std::string("cpu"));
  lo.backend = "auto";  // CUDA when built and a device answers, else the CPU
  CHECK_EQ(Session::load(lo)->info().backend, std::string(device ? "cuda" : "cpu"));
  CHECK_EQ(info.vocab_size, 32);
  CHECK_EQ(info.num_layers, 2);
  // embed 32·32 + per layer (2 norms 64 + q,o 2·1024 + k,v 2·512 + gate,up,down 3·2048) + final norm 32.
  CHECK_EQ(info.num_parameters, (int64_t)(1024 + 2 * (64 + 2048 + 1024 + 6144) + 32));
  CHECK_EQ(info.matmul_parameters, (int64_t)(2 * (2048 + 1024 + 6144) + 1024));  // + tied lm_head
  CHECK(info.eos_token_ids == std::vector<int>{3});

  lo.quant = "nf4";
  lo.double_quant = true;
  auto q = Session::load(lo);
  CHECK(q->info().weight_bytes < info.weight_bytes);
  const std::vector<int32_t> tokens{1, 5, 9, 14, 2};
  CHECK_EQ(q->logprobs(tokens, "").size(), (size_t)4);
  CHECK_THROWS(s->logprobs({1, 40}, ""), "token id 40");
  CHECK_THROWS(s->logprobs({}, ""), "tokens is empty");
}
