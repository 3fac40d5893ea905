// The JSON parser: strict RFC 8259 (no comments, trailing commas, NaN or lone surrogates), UTF-8 validated,
// nesting depth limited so that hostile input cannot overflow the stack. Every error is a tf::Error naming
// the source and byte offset.
#include <charconv>
#include <cstring>
#include <string>

#include "common/error.h"
#include "common/json.h"
#include "common/json_internal.h"

namespace tf {

namespace {

class Parser {
 public:
  Parser(const std::string& text, const std::string& source) : t_(text), src_(source) {}

  Json parse_document() {
    // A UTF-8 byte order mark is tolerated: some editors on Windows write one into config.json.
    if (t_.compare(0, 3, "\xEF\xBB\xBF") == 0) p_ = 3;
    skip_ws();
    Json v = parse_value(0);
    skip_ws();
    if (p_ != t_.size()) fail("unexpected data after the JSON value");
    return v;
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
      if (JsonParser::object_of(obj).count(key)) {
        p_ = key_at;
        fail("duplicate key \"" + key + "\"");
      }
      skip_ws();
      if (p_ >= t_.size() || t_[p_] != ':') fail("expected ':' after a key");
      ++p_;
      skip_ws();
      JsonParser::object_of(obj).emplace(std::move(key), parse_value(depth));
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
      JsonParser::array_of(arr).push_back(parse_value(depth));
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
    const std::string text = t_.substr(start, p_ - start);
    double d = 0;
    auto r = std::from_chars(text.data(), text.data() + text.size(), d);
    if (r.ec == std::errc::result_out_of_range) {
      // Underflow to zero is harmless; overflow to infinity is not a number we can use.
      if (text.find_first_of("eE") != std::string::npos && text.find("e-") == std::string::npos &&
          text.find("E-") == std::string::npos) {
        p_ = start;
        fail("number " + text + " is out of range");
      }
      d = 0.0;
    }
    return JsonParser::number_with_text(text, d);
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

}  // namespace

Json JsonParser::parse(const std::string& text, const std::string& source) {
  Parser parser(text, source);
  return parser.parse_document();
}

}  // namespace tf
