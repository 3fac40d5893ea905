// Fuzzing of everything that parses untrusted bytes: safetensors headers and files, JSON, sharded indexes,
// config.json and PEFT adapter folders.
// Valid files are generated from a seed and then mutated (bit flips, lying lengths, truncation, extreme
// numbers, deep nesting, splices). The only acceptable outcomes are a tf::Error or a file whose every
// tensor lies inside the buffer, which we then read in full; CMake also builds this test under ASan+UBSan so
// an out-of-bounds read that happens not to crash still fails. Reproduce one case with TF_FUZZ_SEED=<seed>.
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "common/json.h"
#include "harness.h"
#include "io/config.h"
#include "io/peft.h"
#include "io/safetensors.h"

using namespace tf;

namespace {

struct Rand {
  uint64_t s;
  explicit Rand(uint64_t seed) : s(seed * 0x9E3779B97F4A7C15ull + 1) {}
  uint64_t next() {
    s ^= s << 13, s ^= s >> 7, s ^= s << 17;
    return s;
  }
  size_t below(size_t n) { return n ? size_t(next() % n) : 0; }
  bool chance(int pct) { return int(next() % 100) < pct; }
};

const char* kDtypes[] = {"F32", "F16", "BF16", "I64", "I32", "U8", "I8", "BOOL", "F64", "I16", "F8_E4M3", "U64", "f32", ""};
const size_t kDtypeSize[] = {4, 2, 2, 8, 4, 1, 1, 1, 8, 2, 1, 8, 4, 4};

// A well-formed file with a few random tensors (sometimes empty ones, escaped names, metadata).
std::string valid_file(Rand& r) {
  Json header = Json::object();
  if (r.chance(50)) {
    Json meta = Json::object();
    meta.set("format", Json::string("pt"));
    if (r.chance(30)) meta.set("note\u00e9\n", Json::string("\"quoted\" \\ value"));
    header.set("__metadata__", meta);
  }
  uint64_t offset = 0;
  size_t n = 1 + r.below(5);
  for (size_t i = 0; i < n; ++i) {
    size_t di = r.below(10);
    Json shape = Json::array();
    uint64_t numel = 1;
    size_t rank = r.below(4);
    for (size_t k = 0; k < rank; ++k) {
      int64_t d = r.chance(10) ? 0 : int64_t(1 + r.below(6));
      shape.push(Json::integer(d));
      numel *= uint64_t(d);
    }
    Json e = Json::object();
    e.set("dtype", Json::string(kDtypes[di]));
    e.set("shape", shape);
    Json offs = Json::array();
    offs.push(Json::integer(int64_t(offset)));
    offset += numel * kDtypeSize[di];
    offs.push(Json::integer(int64_t(offset)));
    e.set("data_offsets", offs);
    std::string name = "model.layers." + std::to_string(i) + (r.chance(20) ? ".w\t\"x\"" : ".weight");
    header.set(name, e);
  }
  std::string text = header.dump();
  text.append(r.below(9), ' ');
  std::string out(8, '\0');
  for (int i = 0; i < 8; ++i) out[i] = char(uint64_t(text.size()) >> (8 * i));
  out += text;
  for (uint64_t i = 0; i < offset; ++i) out += char(r.next());
  return out;
}

const char* kExtremes[] = {"0", "-1", "18446744073709551615", "9223372036854775807", "-9223372036854775808",
                           "1e308", "1e999", "4294967296", "2.5", "281474976710656", "\"7\"", "null", "[]", "{}"};

void mutate(Rand& r, std::string& f) {
  const size_t header_end = f.size() >= 8 ? std::min(f.size(), size_t(8 + (uint8_t(f[0]) | uint8_t(f[1]) << 8))) : f.size();
  switch (r.below(10)) {
    case 0:  // flip bits anywhere in the header
      for (size_t k = 0, n = 1 + r.below(4); k < n && header_end; ++k) f[r.below(header_end)] ^= char(1 << r.below(8));
      break;
    case 1: {  // a lying header length
      uint64_t v = r.chance(50) ? uint64_t(f.size()) - 8 + r.below(16) - 8 : r.next() >> r.below(64);
      for (int i = 0; i < 8 && i < int(f.size()); ++i) f[i] = char(v >> (8 * i));
      break;
    }
    case 2:  // truncate
      f.resize(r.below(f.size() + 1));
      break;
    case 3: {  // replace a number in the header with an extreme value
      size_t p = 8 + r.below(header_end > 8 ? header_end - 8 : 1);
      while (p < header_end && !(f[p] >= '0' && f[p] <= '9')) ++p;
      size_t q = p;
      while (q < header_end && f[q] >= '0' && f[q] <= '9') ++q;
      if (p < header_end) f.replace(p, q - p, kExtremes[r.below(sizeof kExtremes / sizeof *kExtremes)]);
      break;
    }
    case 4:  // delete a span
      if (f.size() > 9) f.erase(8 + r.below(f.size() - 8), 1 + r.below(8));
      break;
    case 5:  // insert structural characters
      if (f.size() > 8) f.insert(8 + r.below(f.size() - 8), std::string(1 + r.below(300), "[{\",:]}\\"[r.below(8)]));
      break;
    case 6:  // append garbage
      for (size_t k = 0, n = r.below(64); k < n; ++k) f += char(r.next());
      break;
    case 7: {  // swap a dtype
      size_t p = f.find("\"dtype\":\"");
      if (p != std::string::npos) {
        size_t q = f.find('"', p + 9);
        if (q != std::string::npos) f.replace(p + 9, q - p - 9, kDtypes[r.below(sizeof kDtypes / sizeof *kDtypes)]);
      }
      break;
    }
    case 8:  // random bytes (including invalid UTF-8 and NUL) into the header
      for (size_t k = 0, n = 1 + r.below(6); k < n && header_end > 8; ++k) f[8 + r.below(header_end - 8)] = char(r.next());
      break;
    default:  // duplicate a tensor entry's offsets onto another (overlaps)
      {
        size_t a = f.find("\"data_offsets\":["), b = a == std::string::npos ? a : f.find("\"data_offsets\":[", a + 1);
        if (b != std::string::npos) {
          size_t ae = f.find(']', a), be = f.find(']', b);
          if (ae != std::string::npos && be != std::string::npos) f.replace(b, be - b, f.substr(a, ae - a));
        }
      }
  }
}

// Parses the bytes; on success every tensor must lie inside the buffer, and we touch every byte of it.
// Returns "" when the outcome is acceptable, otherwise what went wrong.
std::string check_header(const std::string& f) {
  // An exact-size heap copy, so ASan sees any read past the end.
  std::vector<uint8_t> buf(f.begin(), f.end());
  try {
    size_t data_offset = 0;
    std::map<std::string, std::string> meta;
    auto tensors = parse_safetensors_header(buf.data(), buf.size(), "fuzz", &meta, &data_offset);
    unsigned sum = 0;
    for (const auto& kv : tensors) {
      const TensorInfo& t = kv.second;
      if (data_offset + t.end > buf.size() || t.begin > t.end) return "accepted a tensor outside the file: " + kv.first;
      if (uint64_t(t.numel()) * dtype_size(t.dtype) != t.end - t.begin) return "accepted a size mismatch: " + kv.first;
      for (uint64_t i = t.begin; i < t.end; ++i) sum += buf[data_offset + i];
    }
    (void)sum;
  } catch (const Error&) {
  } catch (const std::exception& e) {
    return std::string("threw a non-tf::Error: ") + e.what();
  }
  return "";
}

uint64_t base_seed() {
  const char* s = std::getenv("TF_FUZZ_SEED");
  return s ? std::strtoull(s, nullptr, 10) : 20261129;
}

int iterations(int def) {
  const char* s = std::getenv("TF_FUZZ_ITERS");
  return s ? std::atoi(s) : def;
}

}  // namespace

TEST(fuzz_valid_files_parse) {
  Rand r(base_seed());
  for (int i = 0; i < 500; ++i) {
    std::string f = valid_file(r);
    std::string bad = check_header(f);
    if (!bad.empty()) tf_test::report(__FILE__, __LINE__, "valid file #" + std::to_string(i) + ": " + bad);
  }
}

TEST(fuzz_mutated_headers_only_throw_tf_error) {
  const uint64_t seed = base_seed();
  const int n = iterations(20000);
  int accepted = 0, failures = 0;
  for (int i = 0; i < n && failures < 10; ++i) {
    Rand r(seed + uint64_t(i));
    std::string f = valid_file(r);
    for (size_t k = 0, m = 1 + r.below(3); k < m; ++k) mutate(r, f);
    std::string bad = check_header(f);
    if (!bad.empty()) {
      ++failures;
      tf_test::report(__FILE__, __LINE__, "case TF_FUZZ_SEED=" + std::to_string(seed + uint64_t(i)) + ": " + bad);
    }
    std::vector<uint8_t> copy(f.begin(), f.end());
    try {
      parse_safetensors_header(copy.data(), copy.size(), "fuzz");
      ++accepted;
    } catch (const Error&) {
    }
  }
  // Some mutations keep the file valid (a flipped bit in a tensor name); most must be caught. Both kinds
  // occurring shows the mutations reach the parser's checks rather than all dying at the first byte.
  CHECK(accepted > n / 50);
  CHECK(accepted < n);
}

TEST(fuzz_files_on_disk_open_and_read) {
  tf_test::TempDir dir("tf-fuzz");
  const std::string path = dir.file("f.safetensors");
  const uint64_t seed = base_seed() + 1000000;
  for (int i = 0; i < iterations(20000) / 20; ++i) {
    Rand r(seed + uint64_t(i));
    std::string f = valid_file(r);
    if (i % 4) mutate(r, f);
    tf_test::write_file(path, f);
    try {
      SafetensorsFile st(path);
      for (const auto& kv : st.tensors()) {
        try {
          std::vector<float> v = st.read_f32(kv.first);
          if (v.size() != size_t(kv.second.numel())) tf_test::report(__FILE__, __LINE__, "read_f32 size mismatch");
        } catch (const Error&) {  // non-float dtype
        }
      }
    } catch (const Error&) {
    } catch (const std::exception& e) {
      tf_test::report(__FILE__, __LINE__, "case " + std::to_string(seed + uint64_t(i)) + " threw " + e.what());
    }
  }
}

TEST(fuzz_json_only_throws_tf_error) {
  const char* seeds[] = {
      R"({"a": [1, 2.5e-3, -0, true, false, null], "b": {"c": "d\u00e9\ud83d\ude00\n"}})",
      R"([[[[[]]]], {"x": {"y": {"z": [1e10, "\\\"/"]}}}])",
      R"({"architectures": ["LlamaForCausalLM"], "rope_scaling": {"rope_type": "llama3", "factor": 8.0}})",
  };
  const uint64_t seed = base_seed() + 2000000;
  int failures = 0;
  for (int i = 0; i < iterations(20000) && failures < 10; ++i) {
    Rand r(seed + uint64_t(i));
    std::string t = seeds[r.below(3)];
    for (size_t k = 0, m = 1 + r.below(4); k < m; ++k) {
      size_t p = r.below(t.size() + 1);
      switch (r.below(4)) {
        case 0: if (p < t.size()) t[p] = char(r.next()); break;
        case 1: t.insert(p, 1, "{}[]\",:\\u0123456789eE+-.tfn \xC3\xED\xF0"[r.below(32)]); break;
        case 2: if (p < t.size()) t.erase(p, 1 + r.below(4)); break;
        default: t.insert(p, std::string(r.below(200), r.chance(50) ? '[' : '{')); break;
      }
    }
    try {
      Json j = parse_json(t, "fuzz");
      // Whatever parses must serialize and parse back to the same text.
      std::string d = j.dump();
      if (parse_json(d, "dump").dump() != d) {
        ++failures;
        tf_test::report(__FILE__, __LINE__, "dump round trip differs for case " + std::to_string(seed + uint64_t(i)));
      }
    } catch (const Error&) {
    } catch (const std::exception& e) {
      ++failures;
      tf_test::report(__FILE__, __LINE__, "case " + std::to_string(seed + uint64_t(i)) + " threw " + e.what());
    }
  }
}

TEST(fuzz_sharded_index_only_throws_tf_error) {
  tf_test::TempDir dir("tf-fuzz-idx");
  std::vector<float> a(4, 1.0f);
  write_safetensors(dir.file("s1.safetensors"), {{"w.a", DType::F32, {4}, a.data()}});
  write_safetensors(dir.file("s2.safetensors"), {{"w.b", DType::F32, {2, 2}, a.data()}});
  const std::string good = R"({"metadata": {"total_size": 32}, "weight_map": {"w.a": "s1.safetensors", "w.b": "s2.safetensors"}})";
  const uint64_t seed = base_seed() + 3000000;
  for (int i = 0; i < 300; ++i) {
    Rand r(seed + uint64_t(i));
    std::string t = good;
    for (size_t k = 0, m = 1 + r.below(3); k < m; ++k) {
      size_t p = r.below(t.size());
      if (r.chance(50)) t[p] = "s12./\"{}[]:,x"[r.below(13)];
      else t.erase(p, 1 + r.below(6));
    }
    tf_test::write_file(dir.file("model.safetensors.index.json"), t);
    try {
      WeightStore ws(dir.path());
      for (const std::string& n : ws.names()) ws.read_f32(n);
    } catch (const Error&) {
    } catch (const std::exception& e) {
      tf_test::report(__FILE__, __LINE__, "index case " + std::to_string(seed + uint64_t(i)) + " threw " + e.what());
    }
  }
}

namespace {

// Text mutations that keep most of the JSON intact, so the checks after parsing get exercised.
void mutate_text(Rand& r, std::string& t) {
  for (size_t k = 0, m = 1 + r.below(3); k < m; ++k) {
    size_t p = r.below(t.size());
    switch (r.below(4)) {
      case 0: t[p] = "0123456789-.e\"{}[]:,tn"[r.below(23)]; break;
      case 1: t.erase(p, 1 + r.below(5)); break;
      case 2: t.insert(p, kExtremes[r.below(sizeof kExtremes / sizeof *kExtremes)]); break;
      default: {  // replace the number at p with an extreme one
        while (p < t.size() && !(t[p] >= '0' && t[p] <= '9')) ++p;
        size_t q = p;
        while (q < t.size() && ((t[q] >= '0' && t[q] <= '9') || t[q] == '.')) ++q;
        if (p < t.size()) t.replace(p, q - p, kExtremes[r.below(sizeof kExtremes / sizeof *kExtremes)]);
      }
    }
  }
}

}  // namespace

TEST(fuzz_model_config_only_throws_tf_error) {
  const std::string good = R"({"architectures": ["LlamaForCausalLM"], "vocab_size": 100, "hidden_size": 64,
    "intermediate_size": 128, "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2,
    "head_dim": 16, "max_position_embeddings": 256, "rms_norm_eps": 1e-5, "rope_theta": 10000.0,
    "rope_scaling": {"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
    "original_max_position_embeddings": 64}, "tie_word_embeddings": true, "eos_token_id": [1, 2]})";
  const uint64_t seed = base_seed() + 4000000;
  int accepted = 0;
  for (int i = 0; i < iterations(20000) / 4; ++i) {
    Rand r(seed + uint64_t(i));
    std::string t = good;
    mutate_text(r, t);
    try {
      ModelConfig c = parse_model_config(t, "fuzz/config.json");
      // Whatever is accepted satisfies the invariants the model code relies on.
      if (c.hidden_size <= 0 || c.num_attention_heads <= 0 || c.num_key_value_heads <= 0 || c.head_dim <= 0 ||
          c.num_attention_heads % c.num_key_value_heads != 0 || c.head_dim % 2 != 0 || c.vocab_size <= 0 ||
          c.intermediate_size <= 0 || c.num_hidden_layers <= 0 || c.max_position_embeddings <= 0)
        tf_test::report(__FILE__, __LINE__, "config case " + std::to_string(seed + uint64_t(i)) + " accepted invalid sizes");
      if (matmul_param_count(c) <= 0) tf_test::report(__FILE__, __LINE__, "config case: parameter count not positive");
      ++accepted;
    } catch (const Error&) {
    } catch (const std::exception& e) {
      tf_test::report(__FILE__, __LINE__, "config case " + std::to_string(seed + uint64_t(i)) + " threw " + e.what());
    }
  }
  CHECK(accepted > 0);
}

TEST(fuzz_peft_adapter_only_throws_tf_error) {
  tf_test::TempDir dir("tf-fuzz-peft");
  PeftAdapter a;
  a.r = 2, a.alpha = 4, a.dropout = 0.1f, a.target_modules = {"q_proj"};
  for (int l = 0; l < 2; ++l) {
    LoraTensors m;
    m.module = "model.layers." + std::to_string(l) + ".self_attn.q_proj";
    m.rank = 2, m.in = 4, m.out = 3;
    m.A.assign(8, 0.5f), m.B.assign(6, 0.25f);
    a.modules.push_back(m);
  }
  write_peft_adapter(dir.path(), a);
  const std::string cfg = tf_test::read_file(dir.file("adapter_config.json"));
  const std::string st = tf_test::read_file(dir.file("adapter_model.safetensors"));
  const uint64_t seed = base_seed() + 5000000;
  for (int i = 0; i < iterations(20000) / 50; ++i) {
    Rand r(seed + uint64_t(i));
    std::string c = cfg, s = st;
    if (r.chance(50)) mutate_text(r, c);
    else mutate(r, s);
    tf_test::write_file(dir.file("adapter_config.json"), c);
    tf_test::write_file(dir.file("adapter_model.safetensors"), s);
    try {
      PeftAdapter b = read_peft_adapter(dir.path());
      for (const LoraTensors& m : b.modules)
        if (m.A.size() != size_t(m.rank) * size_t(m.in) || m.B.size() != size_t(m.out) * size_t(m.rank))
          tf_test::report(__FILE__, __LINE__, "adapter case " + std::to_string(seed + uint64_t(i)) + " has inconsistent sizes");
    } catch (const Error&) {
    } catch (const std::exception& e) {
      tf_test::report(__FILE__, __LINE__, "adapter case " + std::to_string(seed + uint64_t(i)) + " threw " + e.what());
    }
  }
}
