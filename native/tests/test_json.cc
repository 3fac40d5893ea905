// JSON: the parser guards every file the trainer reads, so the edge cases that differ between lax and strict
// parsers are pinned here (escapes, surrogates, exact 64-bit integers, depth, trailing data).
#include "common/json.h"

#include <string>

#include "harness.h"

using tf::Json;
using tf::parse_json;

TEST(json_scalars_and_containers) {
  Json j = parse_json(R"( {"a": [1, 2.5, -3e2, true, false, null], "b": {"c": "d"}, "e": []} )");
  REQUIRE(j.is_object());
  const auto& a = j.at("a").as_array();
  REQUIRE(a.size() == 6);
  CHECK_EQ(a[0].as_int(), 1);
  CHECK_EQ(a[1].as_double(), 2.5);
  CHECK_EQ(a[2].as_double(), -300.0);
  CHECK_EQ(a[2].as_int(), -300);  // 3e2 written by Python is still an exact integer
  CHECK(a[3].as_bool());
  CHECK(!a[4].as_bool());
  CHECK(a[5].is_null());
  CHECK_EQ(j.at("b").at("c").as_string(), std::string("d"));
  CHECK(j.at("e").as_array().empty());
  CHECK(j.find("zz") == nullptr);
  CHECK(!j.has("zz"));
  CHECK_THROWS(j.at("zz"), "missing key \"zz\"");
  CHECK_THROWS(j.at("a").as_string("config.json: model_type"), "config.json: model_type: expected a string, got an array");
  CHECK_THROWS(a[1].as_int("hidden_size"), "hidden_size: expected an integer, got 2.5");
}

TEST(json_escapes) {
  Json j = parse_json(R"(["\"\\\/\b\f\n\r\t", "\u0041\u00e9\u20ac", "\ud83d\ude00", "caf\u00C9"])");
  const auto& a = j.as_array();
  CHECK_EQ(a[0].as_string(), std::string("\"\\/\b\f\n\r\t"));
  CHECK_EQ(a[1].as_string(), std::string("A\xC3\xA9\xE2\x82\xAC"));  // A, é (2 bytes), € (3 bytes)
  CHECK_EQ(a[2].as_string(), std::string("\xF0\x9F\x98\x80"));         // U+1F600 from a surrogate pair
  CHECK_EQ(a[3].as_string(), std::string("caf\xC3\x89"));
  // Raw UTF-8 passes through unchanged.
  CHECK_EQ(parse_json("\"\xE2\x82\xAC\"").as_string(), std::string("\xE2\x82\xAC"));
  CHECK_THROWS(parse_json(R"("\ud83d")"), "lone high surrogate");
  CHECK_THROWS(parse_json(R"("\ud83dx")"), "lone high surrogate");
  CHECK_THROWS(parse_json(R"("\ude00")"), "lone low surrogate");
  CHECK_THROWS(parse_json(R"("\ud83d\u0041")"), "not followed by a low surrogate");
  CHECK_THROWS(parse_json(R"("\x")"), "unknown escape");
  CHECK_THROWS(parse_json(R"("\u12G4")"), "bad hex digit");
  CHECK_THROWS(parse_json("\"a\nb\""), "control character");
  CHECK_THROWS(parse_json("\"\xC0\xAF\""), "invalid UTF-8");      // overlong '/'
  CHECK_THROWS(parse_json("\"\xED\xA0\x80\""), "invalid UTF-8");  // encoded surrogate
  CHECK_THROWS(parse_json("\"\xE2\x82\""), "UTF-8");
  CHECK_THROWS(parse_json("\"abc"), "unterminated string");
}

TEST(json_big_integers_are_exact) {
  // 2^53 + 1 cannot be held by a double; safetensors offsets must still come back exact.
  Json j = parse_json("[9007199254740993, 9223372036854775807, -9223372036854775808, 18446744073709551616]");
  const auto& a = j.as_array();
  CHECK_EQ(a[0].as_int(), 9007199254740993LL);
  CHECK_EQ(a[1].as_int(), 9223372036854775807LL);
  CHECK_EQ(a[2].as_int(), static_cast<int64_t>(-9223372036854775807LL - 1));
  CHECK_THROWS(a[3].as_int("offset"), "offset: integer 18446744073709551616 is out of the 64-bit range");
  // The source text is kept, so dump() writes the same digits back.
  CHECK_EQ(j.dump(), std::string("[9007199254740993,9223372036854775807,-9223372036854775808,18446744073709551616]"));
  CHECK_EQ(Json::integer(9007199254740993LL).dump(), std::string("9007199254740993"));
  CHECK_THROWS(parse_json("1e400"), "out of range");
  CHECK_EQ(parse_json("1e-400").as_double(), 0.0);
}

TEST(json_number_grammar) {
  CHECK_THROWS(parse_json("01"), "leading zeros");
  CHECK_THROWS(parse_json("1."), "after the decimal point");
  CHECK_THROWS(parse_json(".5"), "unexpected character '.'");
  CHECK_THROWS(parse_json("+1"), "unexpected character '+'");
  CHECK_THROWS(parse_json("1e"), "exponent");
  CHECK_THROWS(parse_json("-"), "expected a digit");
  CHECK_THROWS(parse_json("NaN"), "unexpected character 'N'");
  CHECK_EQ(parse_json("-0.0").as_double(), 0.0);
  CHECK_EQ(parse_json("1E+2").as_double(), 100.0);
}

TEST(json_deep_nesting_rejected) {
  std::string ok(100, '[');
  ok += std::string(100, ']');
  CHECK(parse_json(ok).is_array());
  // 100k levels would overflow a small thread stack in a recursive parser; it must be an error instead.
  std::string deep(100000, '[');
  deep += std::string(100000, ']');
  CHECK_THROWS(parse_json(deep, "deep.json"), "nesting deeper than 128 levels");
  std::string deep_obj;
  for (int i = 0; i < 1000; ++i) deep_obj += "{\"a\":";
  CHECK_THROWS(parse_json(deep_obj), "nesting deeper");
}

TEST(json_trailing_garbage_and_structure_errors) {
  CHECK_THROWS(parse_json("{} x", "cfg.json"), "invalid JSON in cfg.json at byte 3: unexpected data after the JSON value");
  CHECK_THROWS(parse_json("[1,]"), "unexpected character ']'");
  CHECK_THROWS(parse_json("{\"a\":1,}"), "expected a string key");
  CHECK_THROWS(parse_json("{\"a\" 1}"), "expected ':'");
  CHECK_THROWS(parse_json("{\"a\":1 \"b\":2}"), "expected ',' or '}'");
  CHECK_THROWS(parse_json("[1 2]"), "expected ',' or ']'");
  CHECK_THROWS(parse_json(""), "unexpected end of input");
  CHECK_THROWS(parse_json("   "), "unexpected end of input");
  CHECK_THROWS(parse_json("tru"), "expected 'true'");
  CHECK_THROWS(parse_json("{\"a\":1,\"a\":2}"), "duplicate key \"a\"");
  CHECK_THROWS(parse_json("[1"), "unexpected end of input inside an array");
  // A UTF-8 BOM before the value is tolerated (Windows editors).
  CHECK_EQ(parse_json("\xEF\xBB\xBF{\"x\":1}").at("x").as_int(), 1);
}

TEST(json_dump_round_trip) {
  Json o = Json::object();
  o.set("s", Json::string("a\"b\\c\n\x01"));
  o.set("n", Json::number(0.1));
  o.set("i", Json::integer(-7));
  o.set("t", Json::boolean(true));
  o.set("z", Json());
  o.set("nan", Json::number(NAN));  // JSON has no NaN: written as null, like JSON.stringify
  Json arr = Json::array();
  arr.push(Json::number(1e-7));
  arr.push(Json::number(3.0));
  o.set("arr", arr);
  std::string text = o.dump();
  CHECK_EQ(text, std::string("{\"arr\":[1e-07,3],\"i\":-7,\"n\":0.1,\"nan\":null,\"s\":\"a\\\"b\\\\c\\n\\u0001\",\"t\":true,\"z\":null}"));
  Json back = parse_json(text);
  CHECK_EQ(back.dump(), text);
  CHECK_EQ(back.at("n").as_double(), 0.1);
  CHECK_EQ(back.at("s").as_string(), std::string("a\"b\\c\n\x01"));
  // Shortest round-trip formatting: values that need 17 digits keep them.
  double third = 1.0 / 3.0;
  CHECK_EQ(parse_json(Json::number(third).dump()).as_double(), third);
  CHECK_THROWS(Json::array().set("k", Json()), "Json::set(\"k\") on an array");
  CHECK_THROWS(Json::object().push(Json()), "Json::push on an object");
}

TEST(json_file_errors) {
  CHECK_THROWS(tf::parse_json_file("/nonexistent/dir/config.json"), "cannot read /nonexistent/dir/config.json");
  tf_test::TempDir dir("tf-json");
  tf_test::write_file(dir.file("bad.json"), "{\"a\": }");
  CHECK_THROWS(tf::parse_json_file(dir.file("bad.json")), "invalid JSON in " + dir.file("bad.json") + " at byte 6");
}
