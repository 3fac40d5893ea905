// The AsyncWorkers declared in workers.h.
#include "binding/workers.h"

#include "binding/convert.h"

namespace tf::binding {

namespace {
// Calls a JS callback from OnProgress. A throw inside it must not vanish (nor crash the process): the first
// one is kept, the running operation is asked to stop, and its Promise rejects with that error.
void call_back(Napi::FunctionReference& fn, std::initializer_list<napi_value> args, Napi::ObjectReference& error,
               std::atomic<bool>& cancel) {
  if (fn.IsEmpty() || !error.IsEmpty()) return;
  try {
    fn.Call(args);
  } catch (const Napi::Error& e) {
    error = Napi::Persistent(e.Value());
    cancel.store(true);
  }
}
}  // namespace

LoadWorker::LoadWorker(Napi::Env env, api::LoadOptions options, Napi::FunctionReference* model_ctor)
    : PromiseWorker(env, "loadModel", nullptr), options_(std::move(options)), model_ctor_(model_ctor) {}

void LoadWorker::Execute() {
  guarded([&] {
    auto loaded = std::make_unique<LoadedSession>();
    loaded->session = api::Session::load(options_);
    loaded->info = loaded->session->info();  // cached: info() is then free and safe while training runs
    loaded_ = std::move(loaded);
  });
}

void LoadWorker::OnOK() {
  Napi::Env env = Env();
  try {
    deferred_.Resolve(model_ctor_->New({Napi::External<LoadedSession>::New(env, loaded_.get())}));
  } catch (const Napi::Error& e) {
    deferred_.Reject(e.Value());
  }
}

TrainWorker::TrainWorker(Napi::Env env, Model* model, std::shared_ptr<api::Session> session, std::vector<api::Example> train,
                         std::vector<api::Example> validation, api::TrainOptions options, Napi::Value on_progress,
                         std::shared_ptr<std::atomic<bool>> cancel)
    : PromiseWorker(env, "train", model),
      session_(std::move(session)),
      train_(std::move(train)),
      validation_(std::move(validation)),
      options_(std::move(options)),
      cancel_(std::move(cancel)) {
  if (on_progress.IsFunction()) on_progress_ = Napi::Persistent(on_progress.As<Napi::Function>());
}

void TrainWorker::Execute(const ExecutionProgress& progress) {
  guarded([&] {
    // Send copies the report into a queue the main thread drains in order; all of it is delivered before
    // OnOK, so a caller sees every step before the Promise settles.
    result_ = session_->train(train_, validation_, options_, [&](const api::StepReport& r) { progress.Send(&r, 1); }, *cancel_);
  });
}

void TrainWorker::OnProgress(const api::StepReport* reports, size_t count) {
  Napi::Env env = Env();
  Napi::HandleScope scope(env);
  for (size_t i = 0; i < count; ++i) call_back(on_progress_, {to_js(env, reports[i])}, callback_error_, *cancel_);
}

void TrainWorker::OnOK() {
  finish();
  if (!callback_error_.IsEmpty()) return deferred_.Reject(callback_error_.Value());
  deferred_.Resolve(to_js(Env(), result_));
}

GenerateWorker::GenerateWorker(Napi::Env env, Model* model, std::shared_ptr<api::Session> session,
                               std::vector<std::vector<int32_t>> prompts, api::GenerateOptions options, std::string adapter_dir,
                               Napi::Value on_token, std::shared_ptr<std::atomic<bool>> cancel)
    : PromiseWorker(env, "generate", model),
      session_(std::move(session)),
      prompts_(std::move(prompts)),
      options_(std::move(options)),
      adapter_dir_(std::move(adapter_dir)),
      cancel_(std::move(cancel)) {
  if (on_token.IsFunction()) on_token_ = Napi::Persistent(on_token.As<Napi::Function>());
}

void GenerateWorker::Execute(const ExecutionProgress& progress) {
  const bool stream = !on_token_.IsEmpty();
  guarded([&] {
    api::TokenFn on_token = [&](int index, int32_t token) {
      if (!stream) return;
      TokenEvent e{index, token};
      progress.Send(&e, 1);
    };
    results_ = session_->generate(prompts_, options_, adapter_dir_, on_token, *cancel_);
  });
}

void GenerateWorker::OnProgress(const TokenEvent* events, size_t count) {
  Napi::Env env = Env();
  Napi::HandleScope scope(env);
  for (size_t i = 0; i < count; ++i) {
    call_back(on_token_, {Napi::Number::New(env, events[i].index), Napi::Number::New(env, events[i].token)}, callback_error_, *cancel_);
  }
}

void GenerateWorker::OnOK() {
  finish();
  if (!callback_error_.IsEmpty()) return deferred_.Reject(callback_error_.Value());
  Napi::Env env = Env();
  Napi::Array out = Napi::Array::New(env, results_.size());
  for (size_t i = 0; i < results_.size(); ++i) out.Set(static_cast<uint32_t>(i), to_js(env, results_[i]));
  deferred_.Resolve(out);
}

TaskWorker::TaskWorker(Napi::Env env, const char* op, Model* model, std::function<void()> task,
                       std::function<Napi::Value(Napi::Env)> result)
    : PromiseWorker(env, op, model), task_(std::move(task)), result_(std::move(result)) {}

void TaskWorker::Execute() { guarded(task_); }

void TaskWorker::OnOK() {
  finish();
  deferred_.Resolve(result_(Env()));
}

}  // namespace tf::binding
