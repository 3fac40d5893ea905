#pragma once
// Minimal JSON value + parser/serializer (RFC 8259) for config.json, safetensors headers and
// adapter_config.json. Parse errors name the byte offset; numbers keep their source text so that
// 64-bit offsets in safetensors headers are read exactly.
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace tf {

class Json {
 public:
  enum class Type { Null, Bool, Number, String, Array, Object };

  Json() = default;                       // null
  static Json boolean(bool b);
  static Json number(double d);
  static Json integer(int64_t i);
  static Json string(std::string s);
  static Json array();
  static Json object();

  Type type() const { return type_; }
  bool is_null() const { return type_ == Type::Null; }
  bool is_number() const { return type_ == Type::Number; }
  bool is_string() const { return type_ == Type::String; }
  bool is_array() const { return type_ == Type::Array; }
  bool is_object() const { return type_ == Type::Object; }
  bool is_bool() const { return type_ == Type::Bool; }

  // Accessors throw tf::Error naming `what` when the type is wrong.
  bool as_bool(const std::string& what = "value") const;
  double as_double(const std::string& what = "value") const;
  // Exact for integers up to 2^63-1; throws if the number has a fraction or is out of range.
  int64_t as_int(const std::string& what = "value") const;
  const std::string& as_string(const std::string& what = "value") const;
  const std::vector<Json>& as_array(const std::string& what = "value") const;
  const std::map<std::string, Json>& as_object(const std::string& what = "value") const;

  bool has(const std::string& key) const;               // object has key (and is an object)
  const Json& at(const std::string& key) const;         // throws tf::Error "missing key"
  const Json* find(const std::string& key) const;       // nullptr if absent or not an object
  Json& set(const std::string& key, Json value);        // object only; returns the stored value
  void push(Json value);                                // array only

  std::string dump() const;  // compact, keys in sorted order (std::map)

 private:
  Type type_ = Type::Null;
  bool b_ = false;
  double d_ = 0;
  std::string s_;        // string value, or the source text of a number
  std::vector<Json> a_;
  std::map<std::string, Json> o_;
  friend class JsonParser;
};

// Throws tf::Error("invalid JSON in <source> at byte N: ...").
Json parse_json(const std::string& text, const std::string& source = "input");
Json parse_json_file(const std::string& path);

}  // namespace tf
