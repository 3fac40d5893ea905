#pragma once
// In-process tiny Llama models and the structured task the training tests learn: a prompt
// [BOS, filler, filler, WORD, filler, SEP] whose answer [ANSWER(WORD), EOS] depends only on WORD, with the
// loss mask on the answer alone. Weights are seeded normals (std 0.02, embeddings embed_std, norms 1) rounded to bf16 values, so
// a bf16 merge of the untouched tensors is exact.
#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "api.h"
#include "common/json.h"
#include "common/rng.h"
#include "io/safetensors.h"

namespace tf_test {

struct TinySpec {
  int vocab = 32, hidden = 32, intermediate = 64, layers = 2, heads = 4, kv_heads = 2, max_pos = 64;
  bool tied = true;
  uint64_t seed = 1;
  // Embeddings (and an untied lm_head) get this std. The final RMSNorm fixes |h| = sqrt(hidden), so the
  // largest logit margin the frozen head allows is about hidden · embed_std: learnable tasks need it ≳ 5.
  float embed_std = 0.02f;
};

inline void write_tiny_model(const std::string& dir, const TinySpec& s) {
  tf::Json c = tf::Json::object();
  tf::Json arch = tf::Json::array();
  arch.push(tf::Json::string("LlamaForCausalLM"));
  c.set("architectures", arch);
  c.set("model_type", tf::Json::string("llama"));
  c.set("vocab_size", tf::Json::integer(s.vocab));
  c.set("hidden_size", tf::Json::integer(s.hidden));
  c.set("intermediate_size", tf::Json::integer(s.intermediate));
  c.set("num_hidden_layers", tf::Json::integer(s.layers));
  c.set("num_attention_heads", tf::Json::integer(s.heads));
  c.set("num_key_value_heads", tf::Json::integer(s.kv_heads));
  c.set("max_position_embeddings", tf::Json::integer(s.max_pos));
  c.set("rms_norm_eps", tf::Json::number(1e-5));
  c.set("rope_theta", tf::Json::number(10000.0));
  c.set("tie_word_embeddings", tf::Json::boolean(s.tied));
  c.set("bos_token_id", tf::Json::integer(1));
  c.set("eos_token_id", tf::Json::integer(3));
  c.set("torch_dtype", tf::Json::string("float32"));
  write_file(dir + "/config.json", c.dump());

  tf::Rng rng(s.seed);
  std::vector<std::pair<std::string, std::vector<int64_t>>> shapes;
  const int hd = s.hidden / s.heads, kv = s.kv_heads * hd;
  shapes.push_back({"model.embed_tokens.weight", {s.vocab, s.hidden}});
  for (int l = 0; l < s.layers; l++) {
    const std::string p = "model.layers." + std::to_string(l) + ".";
    shapes.push_back({p + "input_layernorm.weight", {s.hidden}});
    shapes.push_back({p + "self_attn.q_proj.weight", {s.hidden, s.hidden}});
    shapes.push_back({p + "self_attn.k_proj.weight", {kv, s.hidden}});
    shapes.push_back({p + "self_attn.v_proj.weight", {kv, s.hidden}});
    shapes.push_back({p + "self_attn.o_proj.weight", {s.hidden, s.hidden}});
    shapes.push_back({p + "post_attention_layernorm.weight", {s.hidden}});
    shapes.push_back({p + "mlp.gate_proj.weight", {s.intermediate, s.hidden}});
    shapes.push_back({p + "mlp.up_proj.weight", {s.intermediate, s.hidden}});
    shapes.push_back({p + "mlp.down_proj.weight", {s.hidden, s.intermediate}});
  }
  shapes.push_back({"model.norm.weight", {s.hidden}});
  if (!s.tied) shapes.push_back({"lm_head.weight", {s.vocab, s.hidden}});
  std::vector<std::vector<float>> data;
  for (const auto& [name, shape] : shapes) {
    int64_t n = 1;
    for (int64_t d : shape) n *= d;
    std::vector<float> v((size_t)n);
    const bool norm = shape.size() == 1;
    const bool head = name == "model.embed_tokens.weight" || name == "lm_head.weight";
    const float std = head ? s.embed_std : 0.02f;
    for (auto& x : v) x = tf::bf16_to_f32(tf::f32_to_bf16(norm ? 1.f : std * rng.normal()));
    data.push_back(std::move(v));
  }
  std::vector<tf::TensorToWrite> out;
  for (size_t i = 0; i < shapes.size(); i++) out.push_back({shapes[i].first, tf::DType::BF16, shapes[i].second, data[i].data()});
  tf::write_safetensors(dir + "/model.safetensors", out, {{"format", "pt"}});
}

// Token ids of the task (vocab 32): 1 BOS, 2 SEP, 3 EOS, words 4..11, fillers 12..19, answers 20..27.
constexpr int kBos = 1, kSep = 2, kEos = 3;
inline int task_answer(int word) { return 20 + (word - 4) * 5 % 8; }  // a fixed permutation of 20..27

inline std::vector<int32_t> task_prompt(tf::Rng& rng, int word) {
  auto filler = [&] { return (int32_t)(12 + rng.next_u64() % 8); };
  return {kBos, filler(), filler(), word, filler(), kSep};
}

inline std::vector<tf::api::Example> task_examples(int n, uint64_t seed) {
  tf::Rng rng(seed);
  std::vector<tf::api::Example> out;
  for (int i = 0; i < n; i++) {
    const int word = 4 + i % 8;
    tf::api::Example e;
    e.tokens = task_prompt(rng, word);
    e.loss_mask.assign(e.tokens.size(), 0);
    e.tokens.push_back(task_answer(word));
    e.tokens.push_back(kEos);
    e.loss_mask.push_back(1);
    e.loss_mask.push_back(1);
    out.push_back(std::move(e));
  }
  return out;
}

// The task as DPO pairs (method "dpo": chosen, rejected, ...): chosen = an example's answer, rejected = the answer
// of the next word.
inline std::vector<tf::api::Example> task_pairs(int n, uint64_t seed) {
  std::vector<tf::api::Example> out;
  for (const tf::api::Example& e : task_examples(n, seed)) {
    tf::api::Example rejected = e;
    const int word = e.tokens[3];
    rejected.tokens[6] = task_answer(4 + (word - 4 + 1) % 8);
    out.push_back(e);
    out.push_back(rejected);
  }
  return out;
}

// The model the training tests learn the task on: the final RMSNorm fixes |h| = sqrt(hidden), so embed_std 0.1
// allows a logit margin up to ~6.4 at the end with logits of std ~0.8 at the start; untied, because tied the
// current token's own logit would start at ~6 and dominate.
inline TinySpec task_spec() {
  TinySpec spec;
  spec.hidden = 64;
  spec.intermediate = 128;
  spec.embed_std = 0.1f;
  spec.tied = false;
  return spec;
}

// Writes a tiny model into dir and opens it on the CPU backend with two threads.
inline std::unique_ptr<tf::api::Session> tiny_session(const std::string& dir, const TinySpec& spec = {}) {
  write_tiny_model(dir, spec);
  tf::api::LoadOptions lo;
  lo.model_dir = dir;
  lo.threads = 2;
  return tf::api::Session::load(lo);
}

// One training run with every step report kept; cancel_after asks for a cancel once that step is reported.
struct TrainRun {
  tf::api::TrainResult result;
  std::vector<tf::api::StepReport> reports;
};

inline TrainRun train_run(tf::api::Session& s, const std::vector<tf::api::Example>& train,
                          const std::vector<tf::api::Example>& valid, const tf::api::TrainOptions& o,
                          int cancel_after = -1) {
  TrainRun run;
  std::atomic<bool> cancel{false};
  run.result = s.train(train, valid, o, [&](const tf::api::StepReport& r) {
    run.reports.push_back(r);
    if (r.step == cancel_after) cancel = true;
  }, cancel);
  return run;
}

}  // namespace tf_test
