#pragma once
// The JS `Model` class: one loaded tf::api::Session. Long operations (train, logprobs, generate, merge)
// run on worker threads and return Promises; only one runs at a time per model, because a Session holds
// one set of weights, scratch buffers and thread pool.
#include <napi.h>

#include <atomic>
#include <memory>
#include <string>

#include "api.h"

namespace tf::binding {

// What LoadWorker hands to the Model constructor through a Napi::External.
struct LoadedSession {
  std::shared_ptr<api::Session> session;
  api::ModelInfo info;
};

class Model : public Napi::ObjectWrap<Model> {
 public:
  static Napi::Function Define(Napi::Env env);
  explicit Model(const Napi::CallbackInfo& info);

  // Called by a worker on the main thread when its operation has finished (either way).
  void end_operation();

 private:
  Napi::Value Info(const Napi::CallbackInfo& info);
  Napi::Value Train(const Napi::CallbackInfo& info);
  Napi::Value Logprobs(const Napi::CallbackInfo& info);
  Napi::Value Generate(const Napi::CallbackInfo& info);
  Napi::Value Merge(const Napi::CallbackInfo& info);
  Napi::Value Cancel(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);
  Napi::Value Busy(const Napi::CallbackInfo& info);
  Napi::Value Closed(const Napi::CallbackInfo& info);

  // Marks `op` as running and returns its fresh cancel flag; throws if closed or another op is running.
  std::shared_ptr<std::atomic<bool>> begin_operation(const char* op);

  std::shared_ptr<api::Session> session_;
  api::ModelInfo info_{};
  std::string running_;  // name of the operation in progress, "" when idle (main thread only)
  std::shared_ptr<std::atomic<bool>> cancel_;
};

}  // namespace tf::binding
