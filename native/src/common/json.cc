// JSON parser and serializer for the few JSON files the trainer reads and writes (config.json, safetensors
// headers, adapter_config.json, index files). Strict RFC 8259: anything else is a tf::Error naming the
// source and byte offset, because these files come from users and the network and may be damaged or hostile.
#include "common/json.h"

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

#include "common/error.h"

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

// Friend of Json so that dump can read the private fields; kept with the parser below.
class JsonParser {
 public:
  JsonParser(const std::string& text, const std::string& source) : t_(text), src_(source) {}

  Json parse_document() {
    // A UTF-8 byte order mark is tolerated: some editors on Windows write one into config.json.
    if (t_.compare(0, 3, "\xEF\xBB\xBF") == 0) p_ = 3;
    skip_ws();
    Json v = parse_value(0);
    skip_ws();
    if (p_ != t_.size()) fail("unexpected data after the JSON value");
    return v;
  }

  static void dump(const Json& j, std::string& out) {
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

 private:
  // Deep enough for any real config; shallow enough that hostile input cannot overflow the stack
  // (each level is a few hundred bytes of frames, and addon threads may have small stacks).
  static constexpr int kMaxDepth = 128;

  const std::string& t_;
  const std::string& src_;
  size_t p_ = 0;

  [[noreturn]] void fail(const std::string& why) const {
    throw Error("invalid JSON in " + src_ + " at byte " + std::to_string(p_) + ": " + why);
  }

  void skip_ws() {
    while (p_ < t_.size() && (t_[p_] == ' ' || t_[p_] == '\t' || t_[p_] == '\n' || t_[p_] == '\r')) ++p_;
  }

  void expect_word(const char* word) {
    size_t n = std::strlen(word);
    if (t_.compare(p_, n, word) != 0) fail(std::string("expected '") + word + "'");
    p_ += n;
  }

  Json parse_value(int depth) {
    if (p_ >= t_.size()) fail("unexpected end of input");
    char c = t_[p_];
    switch (c) {
      case '{': return parse_object(depth + 1);
      case '[': return parse_array(depth + 1);
      case '"': return Json::string(parse_string());
      case 't': expect_word("true"); return Json::boolean(true);
      case 'f': expect_word("false"); return Json::boolean(false);
      case 'n': expect_word("null"); return Json();
      default:
        if (c == '-' || (c >= '0' && c <= '9')) return parse_number();
        fail(std::string("unexpected character '") + (c >= 0x20 && c < 0x7f ? std::string(1, c) : "?") + "'");
    }
  }

  Json parse_object(int depth) {
    if (depth > kMaxDepth) fail("nesting deeper than " + std::to_string(kMaxDepth) + " levels");
    ++p_;  // '{'
    Json obj = Json::object();
    skip_ws();
    if (p_ < t_.size() && t_[p_] == '}') {
      ++p_;
      return obj;
    }
    for (;;) {
      skip_ws();
      if (p_ >= t_.size() || t_[p_] != '"') fail("expected a string key");
      size_t key_at = p_;
      std::string key = parse_string();
      if (obj.o_.count(key)) {
        p_ = key_at;
        fail("duplicate key \"" + key + "\"");
      }
      skip_ws();
      if (p_ >= t_.size() || t_[p_] != ':') fail("expected ':' after a key");
      ++p_;
      skip_ws();
      obj.o_.emplace(std::move(key), parse_value(depth));
      skip_ws();
      if (p_ >= t_.size()) fail("unexpected end of input inside an object");
      if (t_[p_] == ',') {
        ++p_;
        continue;
      }
      if (t_[p_] == '}') {
        ++p_;
        return obj;
      }
      fail("expected ',' or '}' in an object");
    }
  }

  Json parse_array(int depth) {
    if (depth > kMaxDepth) fail("nesting deeper than " + std::to_string(kMaxDepth) + " levels");
    ++p_;  // '['
    Json arr = Json::array();
    skip_ws();
    if (p_ < t_.size() && t_[p_] == ']') {
      ++p_;
      return arr;
    }
    for (;;) {
      skip_ws();
      arr.a_.push_back(parse_value(depth));
      skip_ws();
      if (p_ >= t_.size()) fail("unexpected end of input inside an array");
      if (t_[p_] == ',') {
        ++p_;
        continue;
      }
      if (t_[p_] == ']') {
        ++p_;
        return arr;
      }
      fail("expected ',' or ']' in an array");
    }
  }

  Json parse_number() {
    size_t start = p_;
    auto digit = [&](size_t i) { return i < t_.size() && t_[i] >= '0' && t_[i] <= '9'; };
    if (t_[p_] == '-') ++p_;
    if (!digit(p_)) fail("expected a digit");
    if (t_[p_] == '0') {
      ++p_;
      if (digit(p_)) fail("leading zeros are not allowed in numbers");
    } else {
      while (digit(p_)) ++p_;
    }
    if (p_ < t_.size() && t_[p_] == '.') {
      ++p_;
      if (!digit(p_)) fail("expected a digit after the decimal point");
      while (digit(p_)) ++p_;
    }
    if (p_ < t_.size() && (t_[p_] == 'e' || t_[p_] == 'E')) {
      ++p_;
      if (p_ < t_.size() && (t_[p_] == '+' || t_[p_] == '-')) ++p_;
      if (!digit(p_)) fail("expected a digit in the exponent");
      while (digit(p_)) ++p_;
    }
    Json j;
    j.type_ = Json::Type::Number;
    j.s_ = t_.substr(start, p_ - start);
    auto r = std::from_chars(j.s_.data(), j.s_.data() + j.s_.size(), j.d_);
    if (r.ec == std::errc::result_out_of_range) {
      // Underflow to zero is harmless; overflow to infinity is not a number we can use.
      if (j.s_.find_first_of("eE") != std::string::npos && j.s_.find("e-") == std::string::npos &&
          j.s_.find("E-") == std::string::npos) {
        p_ = start;
        fail("number " + j.s_ + " is out of range");
      }
      j.d_ = 0.0;
    }
    return j;
  }

  unsigned hex4() {
    if (p_ + 4 > t_.size()) fail("truncated \\u escape");
    unsigned v = 0;
    for (int i = 0; i < 4; ++i) {
      char c = t_[p_++];
      v <<= 4;
      if (c >= '0' && c <= '9') v |= c - '0';
      else if (c >= 'a' && c <= 'f') v |= c - 'a' + 10;
      else if (c >= 'A' && c <= 'F') v |= c - 'A' + 10;
      else fail("bad hex digit in \\u escape");
    }
    return v;
  }

  static void put_utf8(unsigned cp, std::string& out) {
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xC0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xE0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (cp >> 18));
      out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }

  // Copies one raw UTF-8 sequence, rejecting overlong forms, surrogates and truncation.
  void copy_utf8(std::string& out) {
    unsigned char c = static_cast<unsigned char>(t_[p_]);
    int extra = c >= 0xF0 && c <= 0xF4 ? 3 : c >= 0xE0 ? 2 : c >= 0xC2 && c < 0xE0 ? 1 : -1;
    if (extra < 0) fail("invalid UTF-8 byte");
    if (p_ + extra >= t_.size()) fail("truncated UTF-8 sequence");
    unsigned cp = c & (0x3F >> extra);
    for (int i = 1; i <= extra; ++i) {
      unsigned char cc = static_cast<unsigned char>(t_[p_ + i]);
      if ((cc & 0xC0) != 0x80) fail("invalid UTF-8 continuation byte");
      cp = (cp << 6) | (cc & 0x3F);
    }
    if ((extra == 2 && cp < 0x800) || (extra == 3 && (cp < 0x10000 || cp > 0x10FFFF)) ||
        (cp >= 0xD800 && cp <= 0xDFFF))
      fail("invalid UTF-8 sequence");
    out.append(t_, p_, extra + 1);
    p_ += extra + 1;
  }

  std::string parse_string() {
    ++p_;  // opening quote
    std::string out;
    for (;;) {
      if (p_ >= t_.size()) fail("unterminated string");
      unsigned char c = static_cast<unsigned char>(t_[p_]);
      if (c == '"') {
        ++p_;
        return out;
      }
      if (c < 0x20) fail("control character in a string (escape it)");
      if (c >= 0x80) {
        copy_utf8(out);
        continue;
      }
      if (c != '\\') {
        out += static_cast<char>(c);
        ++p_;
        continue;
      }
      if (++p_ >= t_.size()) fail("unterminated escape");
      char e = t_[p_++];
      switch (e) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          unsigned cp = hex4();
          if (cp >= 0xDC00 && cp <= 0xDFFF) fail("lone low surrogate in \\u escape");
          if (cp >= 0xD800 && cp <= 0xDBFF) {
            // A high surrogate must be followed by an escaped low surrogate: together one code point.
            if (p_ + 2 > t_.size() || t_[p_] != '\\' || t_[p_ + 1] != 'u') fail("lone high surrogate in \\u escape");
            p_ += 2;
            unsigned lo = hex4();
            if (lo < 0xDC00 || lo > 0xDFFF) fail("high surrogate not followed by a low surrogate");
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
          }
          put_utf8(cp, out);
          break;
        }
        default: fail(std::string("unknown escape '\\") + (e >= 0x20 && e < 0x7f ? std::string(1, e) : "?") + "'");
      }
    }
  }
};

std::string Json::dump() const {
  std::string out;
  JsonParser::dump(*this, out);
  return out;
}

Json parse_json(const std::string& text, const std::string& source) {
  JsonParser parser(text, source);
  return parser.parse_document();
}

Json parse_json_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw Error("cannot read " + path + ": " + std::strerror(errno));
  std::ostringstream os;
  os << f.rdbuf();
  if (f.bad()) throw Error("error while reading " + path);
  return parse_json(os.str(), path);
}

}  // namespace tf
