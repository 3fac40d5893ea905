// OptionReader: typed, range-checked reads of JS options objects (see convert.h).
#include <cmath>
#include <cstdint>
#include <cstdio>

#include "binding/convert.h"

namespace tf::binding {

namespace {
// Shortest readable form (2e-4, 10, 0.999) rather than std::to_string's fixed six decimals.
std::string fmt(double d) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", d);
  return buf;
}

std::string describe(const Napi::Value& v) {
  if (v.IsNull()) return "null";
  if (v.IsArray()) return "an array";
  if (v.IsString()) return "the string \"" + v.As<Napi::String>().Utf8Value() + "\"";
  if (v.IsNumber()) {
    return "the number " + fmt(v.As<Napi::Number>().DoubleValue());
  }
  if (v.IsBoolean()) return v.As<Napi::Boolean>().Value() ? "true" : "false";
  if (v.IsFunction()) return "a function";
  if (v.IsObject()) return "an object";
  return "a " + std::string(v.IsBigInt() ? "BigInt" : "value of another type");
}
}  // namespace

OptionReader::OptionReader(Napi::Value value, std::string where) : where_(std::move(where)) {
  if (value.IsUndefined()) return;
  if (!value.IsObject() || value.IsArray() || value.IsFunction())
    throw ArgError(where_ + " must be an object, got " + describe(value));
  obj_ = value.As<Napi::Object>();
  present_ = true;
}

void OptionReader::only(std::initializer_list<const char*> known) const {
  if (!present_) return;
  Napi::Array keys = obj_.GetPropertyNames();
  for (uint32_t i = 0; i < keys.Length(); ++i) {
    std::string key = keys.Get(i).ToString().Utf8Value();
    bool ok = false;
    for (const char* k : known) ok = ok || key == k;
    if (ok) continue;
    std::string list;
    for (const char* k : known) list += (list.empty() ? "" : ", ") + std::string(k);
    throw ArgError(where_ + " has an unknown option \"" + key + "\" (known: " + list + ")");
  }
}

Napi::Value OptionReader::get(const char* key) const {
  if (!present_) return Napi::Value();
  return obj_.Get(key);
}

bool OptionReader::has(const char* key) const {
  if (!present_) return false;
  Napi::Value v = obj_.Get(key);
  return !v.IsUndefined();
}

void OptionReader::string(const char* key, std::string& out) const {
  if (!has(key)) return;
  Napi::Value v = get(key);
  if (!v.IsString()) throw ArgError(name(key) + " must be a string, got " + describe(v));
  out = v.As<Napi::String>().Utf8Value();
}

void OptionReader::choice(const char* key, std::string& out, std::initializer_list<const char*> allowed) const {
  std::string value = out;
  string(key, value);
  std::string list;
  for (const char* a : allowed) {
    if (value == a) {
      out = value;
      return;
    }
    list += (list.empty() ? "\"" : ", \"") + std::string(a) + "\"";
  }
  throw ArgError(name(key) + " must be one of " + list + ", got \"" + value + "\"");
}

void OptionReader::number(const char* key, double& out, double min, double max) const {
  if (!has(key)) return;
  Napi::Value v = get(key);
  if (!v.IsNumber()) throw ArgError(name(key) + " must be a number, got " + describe(v));
  double d = v.As<Napi::Number>().DoubleValue();
  if (!std::isfinite(d) || d < min || d > max)
    throw ArgError(name(key) + " must be between " + fmt(min) + " and " + fmt(max) + ", got " + fmt(d));
  out = d;
}

void OptionReader::number(const char* key, float& out, double min, double max) const {
  double d = out;
  number(key, d, min, max);
  out = static_cast<float>(d);
}

void OptionReader::integer(const char* key, int& out, int min, int max) const {
  if (!has(key)) return;
  Napi::Value v = get(key);
  double d = v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : NAN;
  if (!v.IsNumber() || d != std::floor(d)) throw ArgError(name(key) + " must be an integer, got " + describe(v));
  if (d < min || d > max)
    throw ArgError(name(key) + " must be between " + std::to_string(min) + " and " + std::to_string(max) + ", got " + std::to_string(static_cast<long long>(d)));
  out = static_cast<int>(d);
}

void OptionReader::seed(const char* key, uint64_t& out) const {
  if (!has(key)) return;
  Napi::Value v = get(key);
  if (v.IsBigInt()) {
    bool lossless = false;
    uint64_t s = v.As<Napi::BigInt>().Uint64Value(&lossless);
    if (!lossless) throw ArgError(name(key) + " must fit in 64 unsigned bits");
    out = s;
    return;
  }
  double d = v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : NAN;
  if (!(d >= 0 && d <= 9007199254740991.0 && d == std::floor(d)))
    throw ArgError(name(key) + " must be a non-negative integer (or a BigInt), got " + describe(v));
  out = static_cast<uint64_t>(d);
}

void OptionReader::boolean(const char* key, bool& out) const {
  if (!has(key)) return;
  Napi::Value v = get(key);
  if (!v.IsBoolean()) throw ArgError(name(key) + " must be true or false, got " + describe(v));
  out = v.As<Napi::Boolean>().Value();
}

void OptionReader::strings(const char* key, std::vector<std::string>& out) const {
  if (!has(key)) return;
  Napi::Value v = get(key);
  if (!v.IsArray()) throw ArgError(name(key) + " must be an array of strings, got " + describe(v));
  Napi::Array a = v.As<Napi::Array>();
  std::vector<std::string> result;
  for (uint32_t i = 0; i < a.Length(); ++i) {
    Napi::Value e = a.Get(i);
    if (!e.IsString()) throw ArgError(name(key) + "[" + std::to_string(i) + "] must be a string, got " + describe(e));
    result.push_back(e.As<Napi::String>().Utf8Value());
  }
  out = std::move(result);
}

void OptionReader::integers(const char* key, std::vector<int>& out, int min, int max) const {
  if (!has(key)) return;
  Napi::Value v = get(key);
  if (!v.IsArray()) throw ArgError(name(key) + " must be an array of integers, got " + describe(v));
  Napi::Array a = v.As<Napi::Array>();
  std::vector<int> result;
  for (uint32_t i = 0; i < a.Length(); ++i) {
    Napi::Value e = a.Get(i);
    double d = e.IsNumber() ? e.As<Napi::Number>().DoubleValue() : NAN;
    if (!(d == std::floor(d) && d >= min && d <= max))
      throw ArgError(name(key) + "[" + std::to_string(i) + "] must be an integer between " + std::to_string(min) + " and " + std::to_string(max) + ", got " + describe(e));
    result.push_back(static_cast<int>(d));
  }
  out = std::move(result);
}

OptionReader OptionReader::object(const char* key) const {
  return OptionReader(has(key) ? get(key) : Napi::Value(), name(key));
}

}  // namespace tf::binding
