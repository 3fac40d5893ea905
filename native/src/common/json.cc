// JSON values and the serializer for the few JSON files the trainer reads and writes (config.json,
// safetensors headers, adapter_config.json, index files); the parser is in json_parse.cc.
#include "common/json.h"

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

#include "common/error.h"
#include "common/json_internal.h"

namespace tf {
namespace {

const char* type_name(Json::Type t) {
  switch (t) {
    case Json::Type::Null: return "null";
    case Json::Type::Bool: return "a boolean";
    case Json::Type::Number: return "a number";
    case Json::Type::String: return "a string";
    case Json::Type::Array: return "an array";
    case Json::Type::Object: return "an object";
  }
  return "?";
}

[[noreturn]] void wrong_type(const std::string& what, const char* expected, Json::Type got) {
  throw Error(what + ": expected " + expected + ", got " + type_name(got));
}

// Shortest text that reads back as the same double, so dump() → parse round-trips exactly.
std::string format_double(double d) {
  char buf[32];
  for (int precision = 15; precision <= 17; ++precision) {
    std::snprintf(buf, sizeof buf, "%.*g", precision, d);
    double back = 0;
    std::from_chars(buf, buf + std::strlen(buf), back);
    if (back == d) break;
  }
  return buf;
}

}  // namespace

Json Json::boolean(bool b) {
  Json j;
  j.type_ = Type::Bool;
  j.b_ = b;
  return j;
}

Json Json::number(double d) {
  // JSON has no NaN/Infinity; like JSON.stringify they become null rather than invalid output.
  if (!std::isfinite(d)) return Json();
  Json j;
  j.type_ = Type::Number;
  j.d_ = d;
  j.s_ = format_double(d);
  return j;
}

Json Json::integer(int64_t i) {
  Json j;
  j.type_ = Type::Number;
  j.d_ = static_cast<double>(i);
  j.s_ = std::to_string(i);
  return j;
}

Json Json::string(std::string s) {
  Json j;
  j.type_ = Type::String;
  j.s_ = std::move(s);
  return j;
}

Json Json::array() {
  Json j;
  j.type_ = Type::Array;
  return j;
}

Json Json::object() {
  Json j;
  j.type_ = Type::Object;
  return j;
}

bool Json::as_bool(const std::string& what) const {
  if (type_ != Type::Bool) wrong_type(what, "true or false", type_);
  return b_;
}

double Json::as_double(const std::string& what) const {
  if (type_ != Type::Number) wrong_type(what, "a number", type_);
  return d_;
}

int64_t Json::as_int(const std::string& what) const {
  if (type_ != Type::Number) wrong_type(what, "an integer", type_);
  // Plain integer text is converted exactly (safetensors offsets can exceed 2^53).
  const char* b = s_.data();
  const char* e = b + s_.size();
  if (s_.find_first_of(".eE") == std::string::npos) {
    int64_t v = 0;
    auto r = std::from_chars(b, e, v);
    if (r.ec == std::errc::result_out_of_range || r.ptr != e)
      throw Error(what + ": integer " + s_ + " is out of the 64-bit range");
    return v;
  }
  // 1.0 or 2e3 are accepted when they are exact integers a double can hold (configs written by Python).
  if (d_ != std::floor(d_) || std::fabs(d_) > 9007199254740992.0)
    throw Error(what + ": expected an integer, got " + s_);
  return static_cast<int64_t>(d_);
}

const std::string& Json::as_string(const std::string& what) const {
  if (type_ != Type::String) wrong_type(what, "a string", type_);
  return s_;
}

const std::vector<Json>& Json::as_array(const std::string& what) const {
  if (type_ != Type::Array) wrong_type(what, "an array", type_);
  return a_;
}

const std::map<std::string, Json>& Json::as_object(const std::string& what) const {
  if (type_ != Type::Object) wrong_type(what, "an object", type_);
  return o_;
}

bool Json::has(const std::string& key) const { return type_ == Type::Object && o_.count(key) != 0; }

const Json& Json::at(const std::string& key) const {
  if (type_ != Type::Object) throw Error("cannot look up key \"" + key + "\" in " + type_name(type_));
  auto it = o_.find(key);
  if (it == o_.end()) throw Error("missing key \"" + key + "\"");
  return it->second;
}

const Json* Json::find(const std::string& key) const {
  if (type_ != Type::Object) return nullptr;
  auto it = o_.find(key);
  return it == o_.end() ? nullptr : &it->second;
}

Json& Json::set(const std::string& key, Json value) {
  if (type_ != Type::Object) throw Error("Json::set(\"" + key + "\") on " + std::string(type_name(type_)));
  Json& slot = o_[key];
  slot = std::move(value);
  return slot;
}

void Json::push(Json value) {
  if (type_ != Type::Array) throw Error(std::string("Json::push on ") + type_name(type_));
  a_.push_back(std::move(value));
}

namespace {

void dump_string(const std::string& s, std::string& out) {
  out += '"';
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);  // UTF-8 passes through unchanged
        }
    }
  }
  out += '"';
}

}  // namespace

void JsonParser::dump(const Json& j, std::string& out) {
  switch (j.type_) {
    case Json::Type::Null: out += "null"; break;
    case Json::Type::Bool: out += j.b_ ? "true" : "false"; break;
    case Json::Type::Number: out += j.s_; break;
    case Json::Type::String: dump_string(j.s_, out); break;
    case Json::Type::Array: {
      out += '[';
      for (size_t i = 0; i < j.a_.size(); ++i) {
        if (i) out += ',';
        dump(j.a_[i], out);
      }
      out += ']';
      break;
    }
    case Json::Type::Object: {
      out += '{';
      bool first = true;
      for (const auto& kv : j.o_) {
        if (!first) out += ',';
        first = false;
        dump_string(kv.first, out);
        out += ':';
        dump(kv.second, out);
      }
      out += '}';
      break;
    }
  }
}

std::string Json::dump() const {
  std::string out;
  JsonParser::dump(*this, out);
  return out;
}

Json parse_json(const std::string& text, const std::string& source) { return JsonParser::parse(text, source); }

Json parse_json_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw Error("cannot read " + path + ": " + std::strerror(errno));
  std::ostringstream os;
  os << f.rdbuf();
  if (f.bad()) throw Error("error while reading " + path);
  return parse_json(os.str(), path);
}

}  // namespace tf
