#pragma once
// JS ↔ C++ conversion for the addon, all on the main thread: options objects are copied into the plain
// api.h structs before any work starts (workers never touch JS), with a TypeError naming the exact option
// (`train options.lora.rank`) when a value has the wrong type or range.
#include <napi.h>

#include <initializer_list>
#include <stdexcept>
#include <string>
#include <vector>

#include "api.h"

namespace tf::binding {

// Bad arguments from JS; entry points turn it into a JS TypeError.
struct ArgError : std::runtime_error {
  explicit ArgError(const std::string& message) : std::runtime_error(message) {}
};

// Reads optional fields of a JS options object, leaving the C++ default when a field is undefined.
class OptionReader {
 public:
  // `where` names the object in messages, e.g. "loadModel options". A non-object (other than undefined)
  // is an error.
  OptionReader(Napi::Value value, std::string where);

  // Every key must be one of `known`: a misspelt option fails instead of silently using the default.
  void only(std::initializer_list<const char*> known) const;

  bool has(const char* key) const;
  void string(const char* key, std::string& out) const;
  void choice(const char* key, std::string& out, std::initializer_list<const char*> allowed) const;
  void number(const char* key, double& out, double min, double max) const;
  void number(const char* key, float& out, double min, double max) const;
  void integer(const char* key, int& out, int min, int max) const;
  void seed(const char* key, uint64_t& out) const;  // non-negative safe integer or BigInt
  void boolean(const char* key, bool& out) const;
  void strings(const char* key, std::vector<std::string>& out) const;
  void integers(const char* key, std::vector<int>& out, int min, int max) const;
  OptionReader object(const char* key) const;  // a nested options object (may be absent)

 private:
  Napi::Value get(const char* key) const;
  std::string name(const char* key) const { return where_ + "." + key; }
  Napi::Object obj_;
  bool present_ = false;
  std::string where_;
};

// Token ids from a number[] or Int32Array; each must be an integer in [0, vocab_size).
std::vector<int32_t> to_tokens(Napi::Value value, const std::string& where, int vocab_size);
// [{tokens, lossMask}] with matching lengths and 0/1 masks.
std::vector<api::Example> to_examples(Napi::Value value, const std::string& where, int vocab_size);

api::LoadOptions to_load_options(Napi::Value value);
api::TrainOptions to_train_options(Napi::Value value);
api::GenerateOptions to_generate_options(Napi::Value value, std::string& adapter_dir);

Napi::Object to_js(Napi::Env env, const api::ModelInfo& info);
Napi::Object to_js(Napi::Env env, const api::StepReport& report);
Napi::Object to_js(Napi::Env env, const api::TrainResult& result);
Napi::Object to_js(Napi::Env env, const api::GenerateResult& result);
Napi::Array to_js(Napi::Env env, const std::vector<std::string>& strings);

}  // namespace tf::binding
