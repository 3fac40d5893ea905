#pragma once
// AsyncWorkers behind every Promise the addon returns. Execute() runs on a libuv thread and touches no JS;
// every exception — tf::Error, std::exception or anything else — becomes the Promise's rejection, since an
// exception escaping a worker thread would terminate the whole Node process.
#include <napi.h>

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "api.h"
#include "binding/model.h"
#include "common/error.h"

namespace tf::binding {

// Shared plumbing: a Deferred, the owning Model (kept alive by a reference until the work ends), and the
// exception guard. Base is Napi::AsyncWorker or a Napi::AsyncProgressQueueWorker<T>.
template <class Base>
class PromiseWorker : public Base {
 public:
  Napi::Promise promise() { return deferred_.Promise(); }

 protected:
  PromiseWorker(Napi::Env env, const char* op, Model* model)
      : Base(env, op), deferred_(Napi::Promise::Deferred::New(env)), op_(op), model_(model) {
    if (model) model_ref_ = Napi::Persistent(model->Value());
  }

  void guarded(const std::function<void()>& fn) {
    try {
      fn();
    } catch (const std::exception& e) {
      // tf::Cancelled included: it says "cancelled"; the op name makes it readable.
      cancelled_ = dynamic_cast<const tf::Cancelled*>(&e) != nullptr;
      this->SetError(cancelled_ ? op_ + " cancelled" : std::string(e.what()));
    } catch (...) {
      this->SetError("unknown C++ exception during " + op_);
    }
  }

  // Runs before resolving or rejecting, so a `.then` that starts the next operation finds the model idle.
  void finish() {
    if (model_) model_->end_operation();
    model_ = nullptr;
  }

  void OnError(const Napi::Error& e) override {
    finish();
    if (cancelled_) e.Set("code", Napi::String::New(this->Env(), "ERR_CANCELLED"));
    deferred_.Reject(e.Value());
  }

  Napi::Promise::Deferred deferred_;
  std::string op_;
  bool cancelled_ = false;

 private:
  Model* model_;
  Napi::ObjectReference model_ref_;
};

// Fresh-session load; resolves to a new Model instance.
class LoadWorker : public PromiseWorker<Napi::AsyncWorker> {
 public:
  LoadWorker(Napi::Env env, api::LoadOptions options, Napi::FunctionReference* model_ctor);
  void Execute() override;
  void OnOK() override;

 private:
  api::LoadOptions options_;
  Napi::FunctionReference* model_ctor_;
  std::unique_ptr<LoadedSession> loaded_;
};

class TrainWorker : public PromiseWorker<Napi::AsyncProgressQueueWorker<api::StepReport>> {
 public:
  TrainWorker(Napi::Env env, Model* model, std::shared_ptr<api::Session> session, std::vector<api::Example> train,
              std::vector<api::Example> validation, api::TrainOptions options, Napi::Value on_progress,
              std::shared_ptr<std::atomic<bool>> cancel);
  void Execute(const ExecutionProgress& progress) override;
  void OnProgress(const api::StepReport* reports, size_t count) override;
  void OnOK() override;

 private:
  std::shared_ptr<api::Session> session_;
  std::vector<api::Example> train_, validation_;
  api::TrainOptions options_;
  Napi::FunctionReference on_progress_;
  std::shared_ptr<std::atomic<bool>> cancel_;
  api::TrainResult result_;
  Napi::ObjectReference callback_error_;  // a throw from onProgress: training stops and rejects with it
};

struct TokenEvent {
  int index = 0;
  int32_t token = 0;
};

class GenerateWorker : public PromiseWorker<Napi::AsyncProgressQueueWorker<TokenEvent>> {
 public:
  GenerateWorker(Napi::Env env, Model* model, std::shared_ptr<api::Session> session, std::vector<std::vector<int32_t>> prompts,
                 api::GenerateOptions options, std::string adapter_dir, Napi::Value on_token,
                 std::shared_ptr<std::atomic<bool>> cancel);
  void Execute(const ExecutionProgress& progress) override;
  void OnProgress(const TokenEvent* events, size_t count) override;
  void OnOK() override;

 private:
  std::shared_ptr<api::Session> session_;
  std::vector<std::vector<int32_t>> prompts_;
  api::GenerateOptions options_;
  std::string adapter_dir_;
  Napi::FunctionReference on_token_;
  std::shared_ptr<std::atomic<bool>> cancel_;
  std::vector<api::GenerateResult> results_;
  Napi::ObjectReference callback_error_;
};

// Short blocking calls that still must not run on the event loop: logprobs, merge, the GEMM peak.
class TaskWorker : public PromiseWorker<Napi::AsyncWorker> {
 public:
  // `task` runs on the worker thread; `result` builds the resolved value on the main thread.
  TaskWorker(Napi::Env env, const char* op, Model* model, std::function<void()> task,
             std::function<Napi::Value(Napi::Env)> result);
  void Execute() override;
  void OnOK() override;

 private:
  std::function<void()> task_;
  std::function<Napi::Value(Napi::Env)> result_;
};

}  // namespace tf::binding
