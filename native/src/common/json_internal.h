#pragma once
// JsonParser: the friend of Json (json.h) through which the parser (json_parse.cc) and the serializer
// (json.cc) reach Json's private fields; not for use outside src/common.
#include <map>
#include <string>
#include <vector>

#include "common/json.h"

namespace tf {

class JsonParser {
 public:
  static Json parse(const std::string& text, const std::string& source);
  static void dump(const Json& j, std::string& out);
  // A number that keeps its source text, so 64-bit integers survive exactly.
  static Json number_with_text(const std::string& text, double value) {
    Json j;
    j.type_ = Json::Type::Number;
    j.s_ = text;
    j.d_ = value;
    return j;
  }
  static std::map<std::string, Json>& object_of(Json& j) { return j.o_; }
  static std::vector<Json>& array_of(Json& j) { return j.a_; }
};

}  // namespace tf
