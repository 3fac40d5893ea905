// PEFT LoRA adapter folders. Writing produces exactly what PEFT's save_pretrained writes for a plain LoRA
// (fp32 tensors, {"format":"pt"} metadata, the minimal adapter_config.json), so PEFT and vLLM load it.
// Reading accepts PEFT's output too, and refuses the LoRA variants we would apply differently (DoRA,
// per-module ranks, bias training, fan_in_fan_out, modules_to_save) instead of loading them half-right.
#include "io/peft.h"

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <set>

#include <sys/stat.h>

#include "common/error.h"
#include "common/json.h"
#include "io/safetensors.h"

namespace tf {

namespace {

const char* kPrefix = "base_model.model.";

bool exists(const std::string& p) {
  struct stat st;
  return ::stat(p.c_str(), &st) == 0;
}

void make_dirs(const std::string& dir) {
  for (size_t pos = 1; pos <= dir.size(); ++pos) {
    if (pos != dir.size() && dir[pos] != '/') continue;
    std::string part = dir.substr(0, pos);
    if (::mkdir(part.c_str(), 0755) != 0 && errno != EEXIST)
      throw Error("cannot create folder " + part + ": " + std::strerror(errno));
  }
  struct stat st;
  TF_CHECK(::stat(dir.c_str(), &st) == 0 && S_ISDIR(st.st_mode), dir + " exists and is not a folder");
}

// 0.05f is 0.0500000007... as a double; write the shortest decimal that reads back as the same float,
// as Python does for the value the user typed.
Json float_json(float f) {
  char buf[32];
  for (int p = 1; p <= 9; ++p) {
    std::snprintf(buf, sizeof buf, "%.*g", p, double(f));
    if (std::strtof(buf, nullptr) == f) break;
  }
  return Json::number(std::strtod(buf, nullptr));
}

// Sort key: layer index (modules outside a "layers.N" go last), then the module path. The decoder's prefix varies:
// "model.layers.N" (…ForCausalLM), "language_model.model.layers.N" (Gemma 3's image-text checkpoints).
std::pair<long, std::string> module_order(const std::string& module) {
  const std::string tag = ".layers.";
  long layer = LONG_MAX;
  if (const size_t at = module.find(tag); at != std::string::npos) {
    char* end = nullptr;
    long v = std::strtol(module.c_str() + at + tag.size(), &end, 10);
    if (end && *end == '.' && v >= 0) layer = v;
  }
  return {layer, module};
}

void write_text_atomic(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    TF_CHECK(f, "cannot create " + tmp + ": " + std::strerror(errno));
    f << text;
    f.flush();
    if (!f) {
      std::remove(tmp.c_str());
      throw Error("cannot write " + tmp + " (disk full?)");
    }
  }
  TF_CHECK(std::rename(tmp.c_str(), path.c_str()) == 0, "cannot rename " + tmp + " to " + path + ": " + std::strerror(errno));
}

}  // namespace

float peft_scaling(const PeftAdapter& a) {
  TF_CHECK(a.r > 0, "LoRA rank r must be positive");
  return a.rslora ? a.alpha / std::sqrt(float(a.r)) : a.alpha / float(a.r);
}

void write_peft_adapter(const std::string& dir, const PeftAdapter& a) {
  TF_CHECK(a.r > 0, "write_peft_adapter: rank r must be positive, got " + std::to_string(a.r));
  TF_CHECK(std::isfinite(a.alpha) && a.alpha > 0, "write_peft_adapter: lora_alpha must be positive");
  TF_CHECK(a.dropout >= 0 && a.dropout < 1, "write_peft_adapter: lora_dropout must be in [0, 1)");
  TF_CHECK(!a.modules.empty(), "write_peft_adapter: the adapter has no LoRA modules");
  std::vector<TensorToWrite> tensors;
  std::set<std::string> seen;
  for (const LoraTensors& m : a.modules) {
    const std::string what = "write_peft_adapter: module " + m.module;
    TF_CHECK(!m.module.empty(), "write_peft_adapter: a module has an empty name");
    TF_CHECK(seen.insert(m.module).second, what + " appears twice");
    TF_CHECK(m.rank == a.r, what + " has rank " + std::to_string(m.rank) + " but the adapter's r is " + std::to_string(a.r));
    TF_CHECK(m.in > 0 && m.out > 0, what + " has no shape");
    TF_CHECK(m.A.size() == size_t(m.rank) * size_t(m.in), what + ": A must hold rank*in = " +
                                                               std::to_string(size_t(m.rank) * size_t(m.in)) + " floats");
    TF_CHECK(m.B.size() == size_t(m.out) * size_t(m.rank), what + ": B must hold out*rank = " +
                                                               std::to_string(size_t(m.out) * size_t(m.rank)) + " floats");
    tensors.push_back({kPrefix + m.module + ".lora_A.weight", DType::F32, {m.rank, m.in}, m.A.data()});
    tensors.push_back({kPrefix + m.module + ".lora_B.weight", DType::F32, {m.out, m.rank}, m.B.data()});
  }

  Json cfg = Json::object();
  cfg.set("peft_type", Json::string("LORA"));
  cfg.set("task_type", Json::string("CAUSAL_LM"));
  cfg.set("base_model_name_or_path", a.base_model.empty() ? Json() : Json::string(a.base_model));
  cfg.set("r", Json::integer(a.r));
  cfg.set("lora_alpha", float_json(a.alpha));
  cfg.set("lora_dropout", float_json(a.dropout));
  Json targets = Json::array();
  for (const std::string& t : a.target_modules) targets.push(Json::string(t));
  cfg.set("target_modules", targets);
  cfg.set("bias", Json::string("none"));
  cfg.set("fan_in_fan_out", Json::boolean(false));
  cfg.set("use_rslora", Json::boolean(a.rslora));
  cfg.set("use_dora", Json::boolean(false));
  cfg.set("init_lora_weights", Json::boolean(true));
  cfg.set("modules_to_save", Json());
  cfg.set("inference_mode", Json::boolean(true));

  make_dirs(dir);
  write_safetensors(dir + "/adapter_model.safetensors", tensors, {{"format", "pt"}});
  write_text_atomic(dir + "/adapter_config.json", cfg.dump() + "\n");
}

PeftAdapter read_peft_adapter(const std::string& dir) {
  const std::string cfg_path = dir + "/adapter_config.json";
  const std::string st_path = dir + "/adapter_model.safetensors";
  TF_CHECK(exists(dir), "adapter folder " + dir + " does not exist");
  TF_CHECK(exists(cfg_path), dir + " has no adapter_config.json (is this a PEFT adapter folder?)");
  if (!exists(st_path)) {
    TF_CHECK(!exists(dir + "/adapter_model.bin"), dir + " holds adapter_model.bin (a pickle); only adapter_model.safetensors is supported");
    throw Error(dir + " has no adapter_model.safetensors");
  }

  const Json cfg = parse_json_file(cfg_path);
  cfg.as_object(cfg_path);
  auto opt = [&](const char* k) -> const Json* {
    const Json* v = cfg.find(k);
    return v && !v->is_null() ? v : nullptr;
  };
  const std::string at = cfg_path + ": ";
  if (const Json* t = opt("peft_type"))
    TF_CHECK(t->as_string(at + "peft_type") == "LORA", at + "peft_type " + t->as_string() + " is not supported (only LORA)");
  PeftAdapter a;
  // PEFT's LoraConfig defaults: r=8, lora_alpha=8, lora_dropout=0.
  a.r = opt("r") ? int(opt("r")->as_int(at + "r")) : 8;
  TF_CHECK(a.r > 0, at + "r must be positive");
  a.alpha = opt("lora_alpha") ? float(opt("lora_alpha")->as_double(at + "lora_alpha")) : 8.0f;
  TF_CHECK(std::isfinite(a.alpha) && a.alpha > 0, at + "lora_alpha must be positive");
  a.dropout = opt("lora_dropout") ? float(opt("lora_dropout")->as_double(at + "lora_dropout")) : 0.0f;
  TF_CHECK(a.dropout >= 0 && a.dropout < 1, at + "lora_dropout must be in [0, 1)");
  a.rslora = opt("use_rslora") && opt("use_rslora")->as_bool(at + "use_rslora");
  if (const Json* b = opt("base_model_name_or_path")) a.base_model = b->as_string(at + "base_model_name_or_path");
  if (const Json* t = opt("target_modules")) {
    if (t->is_string()) a.target_modules.push_back(t->as_string());  // PEFT allows a regex or "all-linear"
    else for (const Json& x : t->as_array(at + "target_modules")) a.target_modules.push_back(x.as_string(at + "target_modules"));
  }
  TF_CHECK(!(opt("use_dora") && opt("use_dora")->as_bool(at + "use_dora")), at + "use_dora = true (DoRA) is not supported");
  TF_CHECK(!(opt("fan_in_fan_out") && opt("fan_in_fan_out")->as_bool(at + "fan_in_fan_out")),
           at + "fan_in_fan_out = true is not supported (Llama-family weights are [out, in])");
  if (const Json* b = opt("bias")) TF_CHECK(b->as_string(at + "bias") == "none", at + "bias \"" + b->as_string() + "\" is not supported (only \"none\")");
  if (const Json* m = opt("modules_to_save"))
    TF_CHECK(m->as_array(at + "modules_to_save").empty(), at + "modules_to_save is not supported");
  for (const char* k : {"rank_pattern", "alpha_pattern"})
    if (const Json* p = opt(k)) TF_CHECK(p->as_object(at + k).empty(), at + k + " (per-module ranks) is not supported");

  SafetensorsFile st(st_path);
  std::map<std::string, std::pair<const TensorInfo*, const TensorInfo*>> found;  // module -> (A, B)
  for (const auto& kv : st.tensors()) {
    const std::string& key = kv.first;
    const std::string sa = ".lora_A.weight", sb = ".lora_B.weight";
    auto ends = [&](const std::string& s) { return key.size() > s.size() && key.compare(key.size() - s.size(), s.size(), s) == 0; };
    const bool is_a = ends(sa), is_b = ends(sb);
    TF_CHECK(key.compare(0, std::strlen(kPrefix), kPrefix) == 0 && (is_a || is_b),
             st_path + ": unexpected tensor " + key + " (a LoRA adapter holds only base_model.model.<module>.lora_A/B.weight)");
    std::string module = key.substr(std::strlen(kPrefix), key.size() - std::strlen(kPrefix) - sa.size());
    TF_CHECK(!module.empty(), st_path + ": tensor " + key + " names no module");
    (is_a ? found[module].first : found[module].second) = &kv.second;
  }
  TF_CHECK(!found.empty(), st_path + " holds no LoRA tensors");

  for (const auto& kv : found) {
    const std::string& module = kv.first;
    const std::string ka = kPrefix + module + ".lora_A.weight", kb = kPrefix + module + ".lora_B.weight";
    TF_CHECK(kv.second.first, st_path + ": " + kb + " has no matching " + ka);
    TF_CHECK(kv.second.second, st_path + ": " + ka + " has no matching " + kb);
    const auto& sa = kv.second.first->shape;
    const auto& sb = kv.second.second->shape;
    TF_CHECK(sa.size() == 2 && sb.size() == 2, st_path + ": " + module + " lora_A/lora_B must be 2-D");
    TF_CHECK(sa[0] == a.r && sb[1] == a.r, st_path + ": " + module + " has rank " + std::to_string(sa[0]) + "/" +
                                               std::to_string(sb[1]) + " in lora_A/lora_B but adapter_config.json says r = " +
                                               std::to_string(a.r));
    TF_CHECK(sa[1] > 0 && sb[0] > 0 && sa[1] <= INT_MAX && sb[0] <= INT_MAX, st_path + ": " + module + " has an empty or huge shape");
    LoraTensors m;
    m.module = module;
    m.rank = a.r;
    m.in = int(sa[1]);
    m.out = int(sb[0]);
    m.A = st.read_f32(ka);
    m.B = st.read_f32(kb);
    for (const std::vector<float>* v : {&m.A, &m.B})
      for (float x : *v) TF_CHECK(std::isfinite(x), st_path + ": " + module + " has a NaN or infinite weight");
    a.modules.push_back(std::move(m));
  }
  std::sort(a.modules.begin(), a.modules.end(),
            [](const LoraTensors& x, const LoraTensors& y) { return module_order(x.module) < module_order(y.module); });
  return a;
}

}  // namespace tf
