// safetensors: exact bytes of a written file (checked against a header written out by hand), round trips
// in F32/BF16/F16, the conversions against independent references (the compiler's _Float16 and a
// nearest-even rule evaluated in double), and a catalogue of lying headers that must each give a clear error.
#include "io/safetensors.h"

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "common/threadpool.h"
#include "harness.h"

using namespace tf;

namespace {

uint32_t fbits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  return u;
}
float ffrom(uint32_t u) {
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

// bf16 by definition: the nearer of the two bf16 neighbours (truncation and truncation + 1 ulp), ties to the
// even one, evaluated exactly in double.
uint16_t bf16_reference(float f) {
  uint32_t u = fbits(f);
  uint16_t lo = uint16_t(u >> 16), hi = uint16_t(lo + 1);
  double x = f, dlo = ffrom(uint32_t(lo) << 16), dhi = ffrom(uint32_t(hi) << 16);
  if ((u & 0xFFFF) == 0) return lo;
  double elo = std::fabs(x - dlo), ehi = std::fabs(dhi - x);
  if (std::isinf(dhi)) ehi = std::fabs(std::copysign(std::ldexp(1.0, 128), x) - x);  // past the max: Inf
  if (elo < ehi) return lo;
  if (ehi < elo) return hi;
  return (lo & 1) ? hi : lo;
}

// Header + data for a file written by hand.
std::string st_file(const std::string& header, const std::string& data) {
  std::string out(8, '\0');
  uint64_t n = header.size();
  for (int i = 0; i < 8; ++i) out[i] = char(n >> (8 * i));
  return out + header + data;
}

std::string f32_bytes(std::vector<float> v) { return std::string(reinterpret_cast<const char*>(v.data()), v.size() * 4); }

}  // namespace

TEST(bf16_round_to_nearest_even_by_hand) {
  CHECK_EQ(f32_to_bf16(1.0f), 0x3F80);
  CHECK_EQ(f32_to_bf16(ffrom(0x3F808000)), 0x3F80);  // exactly halfway, 0x3F80 is even: down
  CHECK_EQ(f32_to_bf16(ffrom(0x3F818000)), 0x3F82);  // exactly halfway, 0x3F81 is odd: up
  CHECK_EQ(f32_to_bf16(ffrom(0x3F808001)), 0x3F81);  // just above halfway: up
  CHECK_EQ(f32_to_bf16(ffrom(0x3F807FFF)), 0x3F80);  // just below halfway: down
  CHECK_EQ(f32_to_bf16(-2.5f), 0xC020);
  CHECK_EQ(f32_to_bf16(-0.0f), 0x8000);
  CHECK_EQ(f32_to_bf16(INFINITY), 0x7F80);
  CHECK_EQ(f32_to_bf16(-INFINITY), 0xFF80);
  CHECK_EQ(f32_to_bf16(ffrom(0x7F7FFFFF)), 0x7F80);  // max float rounds up to Inf, as in PyTorch
  // NaN with a payload only in the low 16 bits would become Inf under plain rounding; it must stay NaN.
  uint16_t n1 = f32_to_bf16(ffrom(0x7F800001));
  uint16_t n2 = f32_to_bf16(ffrom(0xFFC00000));
  CHECK(std::isnan(bf16_to_f32(n1)));
  CHECK(std::isnan(bf16_to_f32(n2)));
  CHECK_EQ(n2 & 0x8000, 0x8000);
  CHECK_EQ(bf16_to_f32(0x3F80), 1.0f);
  CHECK_EQ(bf16_to_f32(0x4049), 3.140625f);
}

TEST(bf16_matches_reference_on_random_floats) {
  uint64_t s = 0x9E3779B97F4A7C15ull;
  int bad = 0;
  for (int i = 0; i < 200000; ++i) {
    s ^= s << 13, s ^= s >> 7, s ^= s << 17;
    uint32_t u = uint32_t(s);
    if ((u & 0x7F800000) == 0x7F800000) continue;  // Inf/NaN covered above
    if (i % 3 == 0) u = (u & 0xFFFF0000u) | 0x8000u;  // many exact ties
    if (f32_to_bf16(ffrom(u)) != bf16_reference(ffrom(u))) ++bad;
  }
  CHECK_EQ(bad, 0);
}

TEST(f16_conversions_match_compiler_float16) {
  // Every half value decodes like the compiler's _Float16 (subnormals, Inf, NaN included).
  int bad = 0;
  for (uint32_t h = 0; h < 65536; ++h) {
    _Float16 ref;
    uint16_t hh = uint16_t(h);
    std::memcpy(&ref, &hh, 2);
    float a = f16_to_f32(hh), b = float(ref);
    if (std::isnan(b) ? !std::isnan(a) : fbits(a) != fbits(b)) ++bad;
  }
  CHECK_EQ(bad, 0);
  // Encoding: random floats across the whole half range (plus ties and overflow) agree bit for bit.
  uint64_t s = 12345;
  bad = 0;
  for (int i = 0; i < 300000; ++i) {
    s ^= s << 13, s ^= s >> 7, s ^= s << 17;
    uint32_t u = uint32_t(s);
    u = (u & 0x80000000u) | ((0x30000000u + (u % 0x18000000u)) & 0x7FFFFFFFu);  // exponents 2^-31 .. 2^17
    if (i % 4 == 0) u = (u & 0xFFFFE000u) | 0x1000u;                         // exact half-way cases
    float f = ffrom(u);
    _Float16 ref = _Float16(f);
    uint16_t rb;
    std::memcpy(&rb, &ref, 2);
    if (f32_to_f16(f) != rb) ++bad;
  }
  CHECK_EQ(bad, 0);
  CHECK_EQ(f32_to_f16(65504.0f), 0x7BFF);
  CHECK_EQ(f32_to_f16(65519.996f), 0x7BFF);
  CHECK_EQ(f32_to_f16(65520.0f), 0x7C00);  // the tie above the max half rounds to Inf
  CHECK_EQ(f32_to_f16(std::ldexp(1.0f, -24)), 0x0001);
  CHECK_EQ(f32_to_f16(std::ldexp(1.0f, -25)), 0x0000);  // tie between 0 and the smallest subnormal: even
  CHECK_EQ(f32_to_f16(-1.0f), 0xBC00);
  CHECK(std::isnan(f16_to_f32(f32_to_f16(NAN))));
}

TEST(write_exact_bytes_against_hand_written_file) {
  tf_test::TempDir dir("tf-st");
  std::vector<float> a = {1.0f, -2.0f};
  std::vector<float> b = {1.0f, 3.140625f, -0.0f};
  write_safetensors(dir.file("x.safetensors"),
                    {{"a", DType::F32, {2}, a.data()}, {"b", DType::BF16, {3, 1}, b.data()}}, {{"format", "pt"}});
  std::string header =
      R"({"__metadata__":{"format":"pt"},"a":{"data_offsets":[0,8],"dtype":"F32","shape":[2]},)"
      R"("b":{"data_offsets":[8,14],"dtype":"BF16","shape":[3,1]}})";
  CHECK_EQ(header.size(), size_t(142));
  header += std::string(2, ' ');  // padded to 144, a multiple of 8, so the data is 8-byte aligned
  std::string data = f32_bytes(a) + std::string("\x80\x3F\x49\x40\x00\x80", 6);
  CHECK(tf_test::read_file(dir.file("x.safetensors")) == st_file(header, data));
  CHECK(!std::ifstream(dir.file("x.safetensors.tmp")).good());  // the temporary was renamed away

  SafetensorsFile f(dir.file("x.safetensors"));
  CHECK_EQ(f.metadata().at("format"), std::string("pt"));
  CHECK_EQ(f.tensors().size(), size_t(2));
  CHECK(f.read_f32("b") == b);
}

TEST(round_trip_f32_bf16_f16_and_empty_tensors) {
  tf_test::TempDir dir("tf-st");
  std::vector<float> w(6 * 7);
  uint64_t s = 7;
  for (auto& x : w) {
    s = s * 6364136223846793005ull + 1442695040888963407ull;
    x = float(int64_t(s >> 40) - (1 << 23)) / float(1 << 20);
  }
  std::vector<float> none;
  write_safetensors(dir.file("m.safetensors"), {{"w32", DType::F32, {6, 7}, w.data()},
                                                {"w16", DType::F16, {42}, w.data()},
                                                {"wbf", DType::BF16, {7, 6}, w.data()},
                                                {"empty", DType::F32, {0, 4}, nullptr},
                                                {"empty16", DType::BF16, {3, 0}, none.data()}});
  SafetensorsFile f(dir.file("m.safetensors"));
  CHECK(f.read_f32("w32", {6, 7}) == w);
  std::vector<float> h = f.read_f32("w16"), bf = f.read_f32("wbf", {7, 6});
  REQUIRE(h.size() == w.size() && bf.size() == w.size());
  for (size_t i = 0; i < w.size(); ++i) {
    CHECK_EQ(fbits(h[i]), fbits(f16_to_f32(f32_to_f16(w[i]))));
    CHECK_EQ(fbits(bf[i]), fbits(bf16_to_f32(f32_to_bf16(w[i]))));
  }
  CHECK(f.read_f32("empty", {0, 4}).empty());
  CHECK_EQ(f.info("empty16").numel(), 0);
  CHECK_EQ(f.info("empty16").dtype, DType::BF16);
  CHECK_THROWS(f.read_f32("w32", {7, 6}), "tensor w32 has shape [6, 7], config expects [7, 6]");
  CHECK_THROWS(f.read_f32("nope"), "no tensor named nope");
  CHECK_THROWS(write_safetensors(dir.file("d.safetensors"), {{"a", DType::F32, {1}, w.data()}, {"a", DType::F32, {1}, w.data()}}),
               "tensor a is listed twice");
  CHECK_THROWS(write_safetensors(dir.file("d.safetensors"), {{"a", DType::I64, {1}, w.data()}}), "can only write F32, BF16 or F16");
  CHECK_THROWS(write_safetensors("/nonexistent-dir/x.safetensors", {}), "cannot create /nonexistent-dir/x.safetensors.tmp");
}

TEST(read_f32_into_on_a_pool_gives_the_same_values_and_reuses_the_buffer) {
  // Over the parallel threshold (2^20 values) in each dtype, the values are the one-thread read's, bit for bit.
  tf_test::TempDir dir("tf-st");
  const int64_t rows = 1031, cols = 1027;
  std::vector<float> w(size_t(rows * cols));
  uint64_t s = 11;
  for (auto& x : w) {
    s = s * 6364136223846793005ull + 1442695040888963407ull;
    x = float(int64_t(s >> 40) - (1 << 23)) / float(1 << 20);
  }
  write_safetensors(dir.file("big.safetensors"), {{"w32", DType::F32, {rows, cols}, w.data()},
                                                  {"w16", DType::F16, {rows, cols}, w.data()},
                                                  {"wbf", DType::BF16, {rows, cols}, w.data()},
                                                  {"small", DType::BF16, {3, 5}, w.data()}});
  SafetensorsFile f(dir.file("big.safetensors"));
  ThreadPool pool(3);
  std::vector<float> buf;
  for (const char* name : {"w32", "w16", "wbf"}) {
    const std::vector<float> one = f.read_f32(name, {rows, cols});
    f.read_f32_into(name, {rows, cols}, buf, &pool);
    REQUIRE(buf.size() == one.size());
    CHECK(std::memcmp(buf.data(), one.data(), one.size() * 4) == 0);
  }
  // A smaller tensor into the same buffer: its size, not the capacity, and its own values.
  const float* before = buf.data();
  f.read_f32_into("small", {3, 5}, buf, &pool);
  CHECK_EQ(buf.size(), size_t(15));
  CHECK(buf.data() == before);
  CHECK(buf == f.read_f32("small"));
  CHECK_THROWS(f.read_f32_into("wbf", {cols, rows}, buf, &pool), "tensor wbf has shape [1031, 1027], config expects [1027, 1031]");
}

TEST(unaligned_data_and_non_float_dtypes) {
  tf_test::TempDir dir("tf-st");
  // A 3-byte-odd header (no padding) puts F32 data at an unaligned address; reading must still work.
  std::string header = R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}, "i":{"dtype":"I64","shape":[1],"data_offsets":[8,16]}})";
  CHECK(header.size() % 4 != 0);
  tf_test::write_file(dir.file("u.safetensors"), st_file(header, f32_bytes({0.5f, -4.0f}) + std::string(8, '\x01')));
  SafetensorsFile f(dir.file("u.safetensors"));
  CHECK(f.read_f32("a") == std::vector<float>({0.5f, -4.0f}));
  CHECK_THROWS(f.read_f32("i"), "tensor i has dtype I64; weights must be F32, F16 or BF16");
}

TEST(lying_headers_give_clear_errors) {
  const std::string d8(8, '\0');
  struct Case { std::string bytes, expect; };
  std::string big(8, '\0');
  big[4] = 1;  // 2^32-byte header length
  const Case cases[] = {
      {std::string(5, '\0'), "5 bytes is too small"},
      {big + "{}", "over the 100 MB limit"},
      {std::string("\x40\x00\x00\x00\x00\x00\x00\x00{}", 10), "runs past the end of the 10-byte file"},
      {st_file("[1,2]", ""), "does not start with '{'"},
      {st_file("{\"a\":", ""), "bad.safetensors header at byte 5: unexpected end of input"},
      {st_file(R"({"a":{"dtype":"F8_E4M3","shape":[1],"data_offsets":[0,1]}})", "x"), "dtype F8_E4M3, which is not supported"},
      {st_file(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})", "1234"), "ends at byte 8 of the data section, but only 4 bytes"},
      {st_file(R"({"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", d8), "F32 [3] needs 12 bytes but data_offsets span 8"},
      {st_file(R"({"a":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}})", d8), "impossible dimension -2"},
      {st_file(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}})", d8), "must be 0 <= begin <= end"},
      {st_file(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0]}})", d8), "data_offsets must be [begin, end]"},
      {st_file(R"({"a":{"dtype":"F32","shape":[2]}})", d8), "tensor a has no data_offsets"},
      {st_file(R"({"a":{"shape":[2],"data_offsets":[0,8]}})", d8), "tensor a has no dtype"},
      {st_file(R"({"a":{"dtype":"F32","data_offsets":[0,8]}})", d8), "tensor a has no shape"},
      {st_file(R"({"a":{"dtype":"F32","shape":[2.5],"data_offsets":[0,8]}})", d8), "expected an integer, got 2.5"},
      {st_file(R"({"a":[1]})", d8), "entry for tensor a is not an object"},
      {st_file(R"({"__metadata__":{"format":1}})", ""), "__metadata__ value of format: expected a string"},
      {st_file(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})", d8),
       "tensors a and b overlap"},
      {st_file(R"({"a":{"dtype":"U8","shape":[1099511627776,1099511627776],"data_offsets":[0,8]}})", d8), "too many elements"},
      {st_file(R"({"a":{"dtype":"U8","shape":[1],"data_offsets":[0,18446744073709551615]}})", d8), "out of the 64-bit range"},
  };
  tf_test::TempDir dir("tf-st");
  for (const Case& c : cases) {
    tf_test::write_file(dir.file("bad.safetensors"), c.bytes);
    CHECK_THROWS(SafetensorsFile f(dir.file("bad.safetensors")), c.expect);
    CHECK_THROWS(parse_safetensors_header(reinterpret_cast<const uint8_t*>(c.bytes.data()), c.bytes.size(), "bad.safetensors"), c.expect);
  }
  CHECK_THROWS(SafetensorsFile f(dir.path()), "is not a regular file");
  CHECK_THROWS(SafetensorsFile f(dir.file("missing.safetensors")), "cannot open " + dir.file("missing.safetensors"));
}

TEST(truncated_file_is_an_error_not_a_crash) {
  tf_test::TempDir dir("tf-st");
  std::vector<float> w(1000, 0.25f);
  write_safetensors(dir.file("t.safetensors"), {{"w", DType::F32, {1000}, w.data()}});
  std::string full = tf_test::read_file(dir.file("t.safetensors"));
  for (size_t cut : {size_t(0), size_t(7), size_t(8), size_t(40), full.size() - 4000, full.size() - 1}) {
    tf_test::write_file(dir.file("cut.safetensors"), full.substr(0, cut));
    CHECK_THROWS(SafetensorsFile f(dir.file("cut.safetensors")), dir.file("cut.safetensors"));
  }
}

TEST(weight_store_single_and_sharded) {
  tf_test::TempDir dir("tf-ws");
  std::vector<float> a = {1, 2, 3, 4}, b = {5, 6};
  CHECK_THROWS(WeightStore ws(dir.path()), "has neither model.safetensors nor model.safetensors.index.json (no .safetensors");
  CHECK_THROWS(WeightStore ws(dir.file("nope")), "model folder " + dir.file("nope") + " does not exist");
  write_safetensors(dir.file("model-00001-of-00002.safetensors"), {{"x.a", DType::F32, {2, 2}, a.data()}});
  CHECK_THROWS(WeightStore ws(dir.path()), "(found model-00001-of-00002.safetensors)");

  tf_test::write_file(dir.file("model.safetensors.index.json"),
                      R"({"metadata":{"total_size":24},"weight_map":{"x.a":"model-00001-of-00002.safetensors",)"
                      R"("x.b":"model-00002-of-00002.safetensors","x.c":"model-00003-of-00003.safetensors"}})");
  CHECK_THROWS(WeightStore ws(dir.path()), "lists shard(s) that are missing: model-00002-of-00002.safetensors, model-00003-of-00003.safetensors");

  write_safetensors(dir.file("model-00002-of-00002.safetensors"), {{"x.b", DType::BF16, {2}, b.data()}});
  tf_test::write_file(dir.file("model.safetensors.index.json"),
                      R"({"weight_map":{"x.a":"model-00001-of-00002.safetensors","x.b":"model-00002-of-00002.safetensors"}})");
  WeightStore ws(dir.path());
  CHECK(ws.names() == std::vector<std::string>({"x.a", "x.b"}));
  CHECK(ws.read_f32("x.a", {2, 2}) == a);
  CHECK(ws.read_f32("x.b") == b);
  CHECK_EQ(ws.info("x.b").dtype, DType::BF16);
  CHECK(!ws.has("x.c"));
  CHECK_THROWS(ws.read_f32("x.c"), "the model has no tensor named x.c");
  CHECK_THROWS(ws.read_f32("x.a", {4}), "tensor x.a has shape [2, 2], config expects [4]");

  tf_test::write_file(dir.file("model.safetensors.index.json"), R"({"weight_map":{"x.z":"model-00001-of-00002.safetensors"}})");
  CHECK_THROWS(WeightStore ws2(dir.path()), "maps tensors to shards that do not contain them: x.z (in model-00001-of-00002.safetensors)");
  tf_test::write_file(dir.file("model.safetensors.index.json"), R"({"weight_map":{"x.a":"../model-00001-of-00002.safetensors"}})");
  CHECK_THROWS(WeightStore ws3(dir.path()), "is not a file name in the folder");
  tf_test::write_file(dir.file("model.safetensors.index.json"), R"({"weight_mapp":{}})");
  CHECK_THROWS(WeightStore ws4(dir.path()), "no \"weight_map\" object");

  tf_test::TempDir single("tf-ws1");
  write_safetensors(single.file("model.safetensors"), {{"w", DType::F32, {4}, a.data()}});
  WeightStore one(single.path());
  CHECK(one.read_f32("w") == a);
}
