// Model: argument checking on the main thread, then a worker per long operation (see model.h).
#include "binding/model.h"

#include <algorithm>

#include "binding/convert.h"
#include "binding/workers.h"

namespace tf::binding {

namespace {
// Wraps a synchronous method (info, close): argument errors become TypeErrors, anything else an Error,
// with the method name.
template <class F>
Napi::Value entry(const Napi::CallbackInfo& info, const char* method, F&& body) {
  try {
    return body();
  } catch (const ArgError& e) {
    throw Napi::TypeError::New(info.Env(), std::string("model.") + method + ": " + e.what());
  } catch (const Napi::Error&) {
    throw;
  } catch (const std::exception& e) {
    throw Napi::Error::New(info.Env(), std::string("model.") + method + ": " + e.what());
  }
}

// Same for methods that return a Promise: every failure, argument errors and a busy model included, rejects
// the Promise instead of throwing, so `.catch()` and `await` callers see errors the same way.
template <class F>
Napi::Value entry_async(const Napi::CallbackInfo& info, const char* method, F&& body) {
  Napi::Env env = info.Env();
  auto rejected = [&](Napi::Value error) -> Napi::Value {
    Napi::Promise::Deferred d = Napi::Promise::Deferred::New(env);
    d.Reject(error);
    return d.Promise();
  };
  try {
    return body();
  } catch (const ArgError& e) {
    return rejected(Napi::TypeError::New(env, std::string("model.") + method + ": " + e.what()).Value());
  } catch (const Napi::Error& e) {
    return rejected(e.Value());
  } catch (const std::exception& e) {
    return rejected(Napi::Error::New(env, std::string("model.") + method + ": " + e.what()).Value());
  }
}

std::string optional_string(const Napi::CallbackInfo& info, size_t i, const char* what) {
  if (info.Length() <= i || info[i].IsUndefined() || info[i].IsNull()) return "";
  if (!info[i].IsString()) throw ArgError(std::string(what) + " must be a string (a directory path)");
  return info[i].As<Napi::String>().Utf8Value();
}

void check_callback(const Napi::CallbackInfo& info, size_t i, const char* what) {
  if (info.Length() > i && !info[i].IsUndefined() && !info[i].IsNull() && !info[i].IsFunction())
    throw ArgError(std::string(what) + " must be a function");
}
}  // namespace

Napi::Function Model::Define(Napi::Env env) {
  return DefineClass(env, "Model",
                     {
                         InstanceMethod<&Model::Info>("info"),
                         InstanceMethod<&Model::Train>("train"),
                         InstanceMethod<&Model::Logprobs>("logprobs"),
                         InstanceMethod<&Model::Generate>("generate"),
                         InstanceMethod<&Model::Merge>("merge"),
                         InstanceMethod<&Model::Cancel>("cancel"),
                         InstanceMethod<&Model::Close>("close"),
                         InstanceAccessor<&Model::Busy>("busy"),
                         InstanceAccessor<&Model::Closed>("closed"),
                     });
}

Model::Model(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Model>(info) {
  if (info.Length() != 1 || !info[0].IsExternal())
    throw Napi::TypeError::New(info.Env(), "Model cannot be constructed directly; use loadModel({ modelDir })");
  LoadedSession* loaded = info[0].As<Napi::External<LoadedSession>>().Data();
  session_ = std::move(loaded->session);
  info_ = loaded->info;
}

std::shared_ptr<std::atomic<bool>> Model::begin_operation(const char* op) {
  if (!session_) throw ArgError("the model is closed; load it again with loadModel()");
  if (!running_.empty())
    throw std::runtime_error(std::string("cannot start ") + op + " while " + running_ +
                             " is running on this model; wait for it (or cancel() it) first");
  running_ = op;
  cancel_ = std::make_shared<std::atomic<bool>>(false);
  return cancel_;
}

void Model::end_operation() {
  running_.clear();
  cancel_.reset();
}

Napi::Value Model::Info(const Napi::CallbackInfo& info) {
  return entry(info, "info", [&]() -> Napi::Value {
    if (!session_) throw ArgError("the model is closed");
    return to_js(info.Env(), info_);
  });
}

// train(examples, validation, options, onProgress?) → Promise<TrainResult>
Napi::Value Model::Train(const Napi::CallbackInfo& info) {
  return entry_async(info, "train", [&]() -> Napi::Value {
    if (!session_) throw ArgError("the model is closed");
    auto train = to_examples(info[0], "examples", info_.vocab_size);
    if (train.empty()) throw ArgError("examples is empty; there is nothing to train on");
    std::vector<api::Example> validation;
    if (info.Length() > 1 && !info[1].IsUndefined() && !info[1].IsNull()) validation = to_examples(info[1], "validation", info_.vocab_size);
    api::TrainOptions options = to_train_options(info[2]);
    check_callback(info, 3, "onProgress");
    auto cancel = begin_operation("train");
    auto* w = new TrainWorker(info.Env(), this, session_, std::move(train), std::move(validation), std::move(options),
                              info.Length() > 3 ? info[3] : info.Env().Undefined(), cancel);
    Napi::Promise p = w->promise();
    w->Queue();
    return p;
  });
}

// logprobs(tokens, adapterDir?) → Promise<number[]> (n − 1 values)
Napi::Value Model::Logprobs(const Napi::CallbackInfo& info) {
  return entry_async(info, "logprobs", [&]() -> Napi::Value {
    if (!session_) throw ArgError("the model is closed");
    auto tokens = std::make_shared<std::vector<int32_t>>(to_tokens(info[0], "tokens", info_.vocab_size));
    if (tokens->size() < 2) throw ArgError("tokens needs at least 2 ids (log-probabilities are of tokens 1..n-1)");
    std::string adapter = optional_string(info, 1, "adapterDir");
    begin_operation("logprobs");
    auto session = session_;
    auto out = std::make_shared<std::vector<double>>();
    auto* w = new TaskWorker(
        info.Env(), "logprobs", this, [session, tokens, adapter, out] { *out = session->logprobs(*tokens, adapter); },
        [out](Napi::Env env) -> Napi::Value {
          Napi::Array a = Napi::Array::New(env, out->size());
          for (size_t i = 0; i < out->size(); ++i) a.Set(static_cast<uint32_t>(i), (*out)[i]);
          return a;
        });
    Napi::Promise p = w->promise();
    w->Queue();
    return p;
  });
}

// generate(prompts, options, onToken?) → Promise<{tokens, finishReason}[]>
Napi::Value Model::Generate(const Napi::CallbackInfo& info) {
  return entry_async(info, "generate", [&]() -> Napi::Value {
    if (!session_) throw ArgError("the model is closed");
    if (info.Length() < 1 || !info[0].IsArray()) throw ArgError("prompts must be an array of token-id arrays");
    Napi::Array list = info[0].As<Napi::Array>();
    if (list.Length() == 0) throw ArgError("prompts is empty");
    std::vector<std::vector<int32_t>> prompts;
    for (uint32_t i = 0; i < list.Length(); ++i) {
      prompts.push_back(to_tokens(list.Get(i), "prompts[" + std::to_string(i) + "]", info_.vocab_size));
      if (prompts.back().empty()) throw ArgError("prompts[" + std::to_string(i) + "] is empty");
    }
    std::string adapter;
    api::GenerateOptions options = to_generate_options(info.Length() > 1 ? info[1] : info.Env().Undefined(), adapter);
    // Absent stopTokenIds means "the model's eos ids"; an explicit [] means run to maxTokens.
    const bool stop_given = info.Length() > 1 && info[1].IsObject() && !info[1].As<Napi::Object>().Get("stopTokenIds").IsUndefined();
    if (!stop_given) options.stop_token_ids = info_.eos_token_ids;
    check_callback(info, 2, "onToken");
    auto cancel = begin_operation("generate");
    auto* w = new GenerateWorker(info.Env(), this, session_, std::move(prompts), std::move(options), std::move(adapter),
                                 info.Length() > 2 ? info[2] : info.Env().Undefined(), cancel);
    Napi::Promise p = w->promise();
    w->Queue();
    return p;
  });
}

// merge(adapterDir, outDir) → Promise<void>
Napi::Value Model::Merge(const Napi::CallbackInfo& info) {
  return entry_async(info, "merge", [&]() -> Napi::Value {
    if (!session_) throw ArgError("the model is closed");
    std::string adapter = optional_string(info, 0, "adapterDir");
    std::string out = optional_string(info, 1, "outDir");
    if (adapter.empty() || out.empty()) throw ArgError("merge(adapterDir, outDir) needs both directories");
    begin_operation("merge");
    auto session = session_;
    auto* w = new TaskWorker(
        info.Env(), "merge", this, [session, adapter, out] { session->merge(adapter, out); },
        [](Napi::Env env) -> Napi::Value { return env.Undefined(); });
    Napi::Promise p = w->promise();
    w->Queue();
    return p;
  });
}

// Asks the running operation to stop at its next safe point; returns whether one was running.
Napi::Value Model::Cancel(const Napi::CallbackInfo& info) {
  if (cancel_) cancel_->store(true);
  return Napi::Boolean::New(info.Env(), static_cast<bool>(cancel_));
}

// Frees the weights now rather than at garbage collection; the model is unusable afterwards.
Napi::Value Model::Close(const Napi::CallbackInfo& info) {
  return entry(info, "close", [&]() -> Napi::Value {
    if (!running_.empty())
      throw std::runtime_error("cannot close while " + running_ + " is running; cancel() it and wait for its promise first");
    session_.reset();
    return info.Env().Undefined();
  });
}

Napi::Value Model::Busy(const Napi::CallbackInfo& info) {
  return running_.empty() ? info.Env().Null() : Napi::String::New(info.Env(), running_);
}

Napi::Value Model::Closed(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), !session_); }

}  // namespace tf::binding
