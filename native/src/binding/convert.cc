// Copies JS arguments into api.h structs and api.h results into JS objects (see convert.h). JS names are
// camelCase versions of the C++ fields.
#include <cmath>

#include "binding/convert.h"

namespace tf::binding {

namespace {
constexpr int kMaxInt = 2147483647;

int32_t token_at(double d, const std::string& where, size_t i, int vocab_size) {
  if (!(d == std::floor(d) && d >= 0 && d < vocab_size)) {
    throw ArgError(where + "[" + std::to_string(i) + "] = " + (std::isfinite(d) ? std::to_string(static_cast<long long>(d)) : "a non-integer") +
                   " is not a token id of this model (vocab_size " + std::to_string(vocab_size) + ", ids 0.." + std::to_string(vocab_size - 1) + ")");
  }
  return static_cast<int32_t>(d);
}
}  // namespace

std::vector<int32_t> to_tokens(Napi::Value value, const std::string& where, int vocab_size) {
  std::vector<int32_t> out;
  if (value.IsTypedArray() && value.As<Napi::TypedArray>().TypedArrayType() == napi_int32_array) {
    Napi::Int32Array a = value.As<Napi::Int32Array>();
    out.reserve(a.ElementLength());
    for (size_t i = 0; i < a.ElementLength(); ++i) out.push_back(token_at(a[i], where, i, vocab_size));
    return out;
  }
  if (!value.IsArray()) throw ArgError(where + " must be an array of token ids or an Int32Array");
  Napi::Array a = value.As<Napi::Array>();
  out.reserve(a.Length());
  for (uint32_t i = 0; i < a.Length(); ++i) {
    Napi::Value e = a.Get(i);
    out.push_back(token_at(e.IsNumber() ? e.As<Napi::Number>().DoubleValue() : NAN, where, i, vocab_size));
  }
  return out;
}

static std::vector<uint8_t> to_mask(Napi::Value value, const std::string& where) {
  std::vector<uint8_t> out;
  auto push = [&](double d, size_t i) {
    if (d != 0 && d != 1) throw ArgError(where + "[" + std::to_string(i) + "] must be 0 or 1");
    out.push_back(static_cast<uint8_t>(d));
  };
  if (value.IsTypedArray() && value.As<Napi::TypedArray>().TypedArrayType() == napi_uint8_array) {
    Napi::Uint8Array a = value.As<Napi::Uint8Array>();
    for (size_t i = 0; i < a.ElementLength(); ++i) push(a[i], i);
    return out;
  }
  if (!value.IsArray()) throw ArgError(where + " must be an array of 0/1 or a Uint8Array");
  Napi::Array a = value.As<Napi::Array>();
  for (uint32_t i = 0; i < a.Length(); ++i) {
    Napi::Value e = a.Get(i);
    push(e.IsNumber() ? e.As<Napi::Number>().DoubleValue() : NAN, i);
  }
  return out;
}

std::vector<api::Example> to_examples(Napi::Value value, const std::string& where, int vocab_size) {
  if (!value.IsArray()) throw ArgError(where + " must be an array of {tokens, lossMask} examples");
  Napi::Array a = value.As<Napi::Array>();
  std::vector<api::Example> out(a.Length());
  for (uint32_t i = 0; i < a.Length(); ++i) {
    const std::string at = where + "[" + std::to_string(i) + "]";
    Napi::Value e = a.Get(i);
    if (!e.IsObject()) throw ArgError(at + " must be an object {tokens, lossMask}");
    Napi::Object o = e.As<Napi::Object>();
    out[i].tokens = to_tokens(o.Get("tokens"), at + ".tokens", vocab_size);
    out[i].loss_mask = to_mask(o.Get("lossMask"), at + ".lossMask");
    if (out[i].tokens.size() != out[i].loss_mask.size())
      throw ArgError(at + ": tokens has " + std::to_string(out[i].tokens.size()) + " entries but lossMask has " + std::to_string(out[i].loss_mask.size()));
    if (out[i].tokens.size() < 2) throw ArgError(at + ".tokens needs at least 2 tokens (one to predict from, one to predict)");
  }
  return out;
}

api::LoadOptions to_load_options(Napi::Value value) {
  OptionReader r(value, "loadModel options");
  r.only({"modelDir", "quant", "doubleQuant", "backend", "threads"});
  api::LoadOptions o;
  if (!r.has("modelDir")) throw ArgError("loadModel options.modelDir is required (a Hugging Face model folder)");
  r.string("modelDir", o.model_dir);
  r.choice("quant", o.quant, {"none", "nf4"});
  r.boolean("doubleQuant", o.double_quant);
  r.choice("backend", o.backend, {"auto", "cpu", "cuda"});
  r.integer("threads", o.threads, 0, 1024);
  if (o.double_quant && o.quant != "nf4") throw ArgError("loadModel options.doubleQuant needs quant \"nf4\"");
  return o;
}

api::TrainOptions to_train_options(Napi::Value value) {
  OptionReader r(value, "train options");
  r.only({"lora", "method", "dpoBeta", "epochs", "batchSize", "gradAccum", "lr", "weightDecay", "beta1", "beta2", "eps", "schedule", "warmupRatio",
          "maxGradNorm", "maxSeqLen", "packing", "gradientCheckpointing", "profile", "profileStep", "seed", "evalEvery", "checkpointEvery",
          "earlyStoppingPatience", "earlyStoppingThreshold", "keepBest", "outDir",
          "resumeFrom", "baseModelName"});
  api::TrainOptions o;
  OptionReader lora = r.object("lora");
  lora.only({"rank", "alpha", "dropout", "rslora", "targets"});
  lora.integer("rank", o.lora.rank, 1, 4096);
  lora.number("alpha", o.lora.alpha, 1e-6, 1e6);
  lora.number("dropout", o.lora.dropout, 0, 0.999);
  lora.boolean("rslora", o.lora.rslora);
  lora.strings("targets", o.lora.targets);
  r.choice("method", o.method, {"sft", "dpo"});
  r.number("dpoBeta", o.dpo_beta, 1e-6, 1e3);
  r.integer("epochs", o.epochs, 1, 1000000);
  r.integer("batchSize", o.batch_size, 1, 1 << 16);
  r.integer("gradAccum", o.grad_accum, 1, 1 << 16);
  r.number("lr", o.lr, 0, 10);
  r.number("weightDecay", o.weight_decay, 0, 10);
  r.number("beta1", o.beta1, 0, 0.999999);
  r.number("beta2", o.beta2, 0, 0.999999999);
  r.number("eps", o.eps, 1e-30, 1);
  r.choice("schedule", o.schedule, {"cosine", "linear", "constant"});
  r.number("warmupRatio", o.warmup_ratio, 0, 1);
  r.number("maxGradNorm", o.max_grad_norm, -1, 1e9);
  r.integer("maxSeqLen", o.max_seq_len, 2, 1 << 22);
  r.boolean("packing", o.packing);
  r.boolean("gradientCheckpointing", o.gradient_checkpointing);
  r.boolean("profile", o.profile);
  r.integer("profileStep", o.profile_step, 0, kMaxInt);
  r.seed("seed", o.seed);
  r.integer("evalEvery", o.eval_every, 0, kMaxInt);
  r.integer("checkpointEvery", o.checkpoint_every, 0, kMaxInt);
  r.integer("earlyStoppingPatience", o.early_stopping_patience, 0, kMaxInt);
  r.number("earlyStoppingThreshold", o.early_stopping_threshold, 0, 1e9);
  r.boolean("keepBest", o.keep_best);
  if (!r.has("outDir")) throw ArgError("train options.outDir is required (where the adapter is written)");
  r.string("outDir", o.out_dir);
  r.string("resumeFrom", o.resume_from);
  r.string("baseModelName", o.base_model_name);
  return o;
}

api::GenerateOptions to_generate_options(Napi::Value value, std::string& adapter_dir) {
  OptionReader r(value, "generate options");
  r.only({"maxTokens", "temperature", "topP", "seed", "stopTokenIds", "adapterDir"});
  api::GenerateOptions o;
  r.integer("maxTokens", o.max_tokens, 1, 1 << 22);
  r.number("temperature", o.temperature, 0, 100);
  r.number("topP", o.top_p, 1e-6, 1);
  r.seed("seed", o.seed);
  r.integers("stopTokenIds", o.stop_token_ids, 0, kMaxInt);
  r.string("adapterDir", adapter_dir);
  return o;
}

Napi::Array to_js(Napi::Env env, const std::vector<std::string>& strings) {
  Napi::Array a = Napi::Array::New(env, strings.size());
  for (size_t i = 0; i < strings.size(); ++i) a.Set(static_cast<uint32_t>(i), strings[i]);
  return a;
}

Napi::Object to_js(Napi::Env env, const api::ModelInfo& m) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("architecture", m.architecture);
  o.Set("modelType", m.model_type);
  o.Set("backend", m.backend);
  o.Set("vocabSize", m.vocab_size);
  o.Set("hiddenSize", m.hidden_size);
  o.Set("intermediateSize", m.intermediate_size);
  o.Set("numLayers", m.num_layers);
  o.Set("numHeads", m.num_heads);
  o.Set("numKvHeads", m.num_kv_heads);
  o.Set("headDim", m.head_dim);
  o.Set("maxPositionEmbeddings", m.max_position_embeddings);
  o.Set("tieWordEmbeddings", m.tie_word_embeddings);
  o.Set("qkNorm", m.qk_norm);
  o.Set("sandwichNorms", m.sandwich_norms);
  o.Set("fusedQkv", m.fused_qkv);
  o.Set("fusedGateUp", m.fused_gate_up);
  o.Set("qkNormWhole", m.qk_norm_whole);
  o.Set("inputNorms", m.input_norms);
  o.Set("attnSoftcap", m.attn_softcap);
  o.Set("logitSoftcap", m.logit_softcap);
  o.Set("convLayers", m.conv_layers);
  o.Set("convKernel", m.conv_kernel);
  Napi::Array eos = Napi::Array::New(env, m.eos_token_ids.size());
  for (size_t i = 0; i < m.eos_token_ids.size(); ++i) eos.Set(static_cast<uint32_t>(i), m.eos_token_ids[i]);
  o.Set("eosTokenIds", eos);
  o.Set("numParameters", static_cast<double>(m.num_parameters));
  o.Set("matmulParameters", static_cast<double>(m.matmul_parameters));
  o.Set("weightBytes", static_cast<double>(m.weight_bytes));
  return o;
}

Napi::Object to_js(Napi::Env env, const api::StepReport& r) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("step", r.step);
  o.Set("totalSteps", r.total_steps);
  o.Set("epoch", r.epoch);
  o.Set("loss", r.loss);
  o.Set("lr", r.lr);
  o.Set("gradNorm", r.grad_norm);
  o.Set("tokensPerSec", r.tokens_per_sec);
  o.Set("elapsedMs", r.elapsed_ms);
  if (r.has_valid_loss) o.Set("validLoss", r.valid_loss);
  if (r.has_rewards) {
    o.Set("rewardAccuracy", r.reward_accuracy);
    o.Set("rewardMargin", r.reward_margin);
    if (r.has_valid_loss) {
      o.Set("validRewardAccuracy", r.valid_reward_accuracy);
      o.Set("validRewardMargin", r.valid_reward_margin);
    }
  }
  o.Set("memoryBytes", static_cast<double>(r.memory_bytes));
  if (!r.checkpoint_dir.empty()) o.Set("checkpointDir", r.checkpoint_dir);
  if (!r.memory_report.empty()) o.Set("memoryReport", r.memory_report);
  if (!r.profile_ms.empty()) {
    Napi::Object p = Napi::Object::New(env);
    for (const auto& [phase, ms] : r.profile_ms) p.Set(phase, ms);
    o.Set("profileMs", p);
  }
  return o;
}

Napi::Object to_js(Napi::Env env, const api::TrainResult& r) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("steps", r.steps);
  o.Set("adapterDir", r.adapter_dir);
  o.Set("finalLoss", r.final_loss);
  if (r.has_valid_loss) o.Set("finalValidLoss", r.final_valid_loss);
  o.Set("cancelled", r.cancelled);
  if (!r.last_checkpoint.empty()) o.Set("lastCheckpoint", r.last_checkpoint);
  o.Set("stoppedEarly", r.stopped_early);
  o.Set("totalSteps", r.total_steps);
  if (r.best_step > 0) {
    o.Set("bestStep", r.best_step);
    o.Set("bestValidLoss", r.best_valid_loss);
  }
  o.Set("adapterStep", r.adapter_step);
  return o;
}

Napi::Object to_js(Napi::Env env, const api::GenerateResult& r) {
  Napi::Object o = Napi::Object::New(env);
  Napi::Array t = Napi::Array::New(env, r.tokens.size());
  for (size_t i = 0; i < r.tokens.size(); ++i) t.Set(static_cast<uint32_t>(i), r.tokens[i]);
  o.Set("tokens", t);
  o.Set("finishReason", r.finish_reason);
  return o;
}

}  // namespace tf::binding
