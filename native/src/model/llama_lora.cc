// LoRA adapters on the frozen base: PEFT init, import/export in PEFT's layout, parameters for the optimizer.
#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "common/error.h"
#include "model/llama_impl.h"

namespace tf {

namespace {

float scaling_of(const LoraSpec& s) {
  return s.rslora ? s.alpha / std::sqrt(static_cast<float>(s.rank)) : s.alpha / static_cast<float>(s.rank);
}

// Which projection slots the targets adapt. A fused model (Phi-3; GLM-4's MLP) is targeted by its own module names (qkv_proj,
// gate_up_proj), or by the names of what they fuse, given together: q_proj, k_proj and v_proj all adapt qkv_proj, so
// the form's presets (q/k/v/o, all-linear) mean the same on every model. One part of a fused module alone cannot be.
// The model's module names in slot order, each once (LFM2's attention and conv layers both have an out_proj).
std::vector<std::string> module_names(const ModelConfig& c) {
  std::vector<std::string> out;
  for (int p = 0; p < kNumProj; ++p)
    for (int l = 0; l < c.num_hidden_layers; ++l)
      if (const char* n = proj_name(c, l, p); n && std::find(out.begin(), out.end(), n) == out.end()) out.push_back(n);
  return out;
}

// Whether slot p is called `name` on some layer.
bool slot_named(const ModelConfig& c, int p, const std::string& name) {
  for (int l = 0; l < c.num_hidden_layers; ++l)
    if (const char* n = proj_name(c, l, p); n && name == n) return true;
  return false;
}

std::vector<bool> target_mask(const std::vector<std::string>& targets, const ModelConfig& c) {
  TF_CHECK(!targets.empty(), "LoRA needs at least one target module");
  const Fusion fused = c.fused;
  std::vector<bool> on(kNumProj, false);
  std::set<std::string> given(targets.begin(), targets.end());
  std::string names;
  for (const std::string& n : module_names(c)) names += (names.empty() ? "" : ", ") + n;
  const std::pair<const char*, std::vector<const char*>> groups[] = {{"qkv_proj", {"q_proj", "k_proj", "v_proj"}},
                                                                     {"gate_up_proj", {"gate_proj", "up_proj"}}};
  for (const auto& [module, parts] : groups) {
    if (module == std::string("qkv_proj") ? fused.qkv : fused.gate_up) {
      int n = 0;
      for (const char* part : parts) n += int(given.erase(part));
      std::string list;
      for (const char* part : parts) list += std::string(list.empty() ? "" : ", ") + part;
      TF_CHECK(n == 0 || n == int(parts.size()),
               std::string("this model computes ") + list + " in one module, " + module + ", so LoRA adapts all of them or "
                   "none: target " + module + " (or all of " + list + ")");
      if (n) given.insert(module);
    }
  }
  // LFM2 names Llama's o_proj out_proj (on its conv layers too: PEFT's out_proj adapts both) and its MLP w1, w3, w2:
  // Llama's names stand for those, so the form's presets mean the same there.
  if (c.model_type == "lfm2")
    for (const auto& [llama, lfm2] : {std::pair<const char*, const char*>{"o_proj", "out_proj"},
                                      {"gate_proj", "w1"}, {"up_proj", "w3"}, {"down_proj", "w2"}})
      if (given.erase(llama)) given.insert(lfm2);
  // Its conv layers' in_proj computes what q, k and v do on the attention layers (the operator's inputs B, C, x from
  // the normalized input): targeting all three adapts it too, so the form's attention and all-linear presets reach
  // every layer (all-linear is then Liquid AI's own list: q, k, v, out_proj, in_proj, w1, w2, w3).
  if (c.model_type == "lfm2" && given.count("q_proj") && given.count("k_proj") && given.count("v_proj"))
    given.insert("in_proj");
  for (const auto& t : given) {
    bool found = false;
    for (int p = 0; p < kNumProj; ++p)
      if (slot_named(c, p, t)) on[p] = found = true;
    if (!found && (t == "qkv_proj" || t == "gate_up_proj"))
      throw Error("LoRA target '" + t + "' is a fused module of " + (t == "gate_up_proj" ? "Phi-3 and GLM-4" : "Phi-3") +
                  "; this model has " + names);
    TF_CHECK(found, "unknown LoRA target '" + t + "' (supported: " + names + ")");
  }
  return on;
}

}  // namespace

void LlamaModel::init_lora(const LoraSpec& spec, uint64_t seed) {
  Impl& m = *impl_;
  TF_CHECK(spec.rank >= 1, "LoRA rank must be at least 1, got " + std::to_string(spec.rank));
  TF_CHECK(spec.dropout >= 0.f && spec.dropout < 1.f, "LoRA dropout must be in [0, 1)");
  const std::vector<bool> on = target_mask(spec.targets, m.cfg);
  clear_lora();
  Rng rng(seed);
  for (int l = 0; l < m.L; ++l)
    for (int p = 0; p < kNumProj; ++p) {
      if (!on[p] || !proj_name(m.cfg, l, p)) continue;
      Linear& lin = m.layers[l].proj[p];
      lin.has_lora = true;
      // kaiming_uniform_(a=sqrt(5)) on [r, in]: gain sqrt(2/(1+5)), bound = gain*sqrt(3/in) = 1/sqrt(in).
      const float bound = 1.f / std::sqrt(static_cast<float>(lin.in));
      lin.A.resize(spec.rank * lin.in);
      for (float& a : lin.A) a = rng.uniform(-bound, bound);
      lin.B.assign(lin.out * spec.rank, 0.f);
      lin.gA.assign(lin.A.size(), 0.f);
      lin.gB.assign(lin.B.size(), 0.f);
    }
  m.spec = spec;
  // A fused model's adapter_config.json lists its own module names (qkv_proj, not q_proj, k_proj, v_proj), LFM2's
  // its own for Llama's.
  if (m.cfg.fused.any() || m.cfg.model_type == "lfm2") {
    m.spec.targets.clear();
    for (const std::string& n : module_names(m.cfg))
      for (int p = 0; p < kNumProj; ++p)
        if (on[p] && slot_named(m.cfg, p, n)) {
          m.spec.targets.push_back(n);
          break;
        }
  }
  m.scaling = scaling_of(spec);
  m.lora_on = true;
}

bool LlamaModel::has_lora() const { return impl_->lora_on; }
const LoraSpec& LlamaModel::lora_spec() const { return impl_->spec; }
float LlamaModel::lora_scaling() const { return impl_->scaling; }

int64_t LlamaModel::lora_parameters() const {
  int64_t n = 0;
  for (const auto& ly : impl_->layers)
    for (const auto& lin : ly.proj)
      if (lin.has_lora) n += lin.A.size() + lin.B.size();
  return n;
}

void LlamaModel::clear_lora() {
  for (auto& ly : impl_->layers)
    for (auto& lin : ly.proj) {
      lin.has_lora = false;
      lin.A.clear(), lin.B.clear(), lin.gA.clear(), lin.gB.clear();
      lin.A.shrink_to_fit(), lin.B.shrink_to_fit(), lin.gA.shrink_to_fit(), lin.gB.shrink_to_fit();
    }
  impl_->lora_on = false;
  impl_->spec = LoraSpec{};
  impl_->scaling = 0.f;
}

void LlamaModel::load_lora(const PeftAdapter& a) {
  Impl& m = *impl_;
  TF_CHECK(a.r >= 1, "adapter rank must be at least 1");
  TF_CHECK(!a.modules.empty(), "adapter has no LoRA modules");
  // Validate everything before touching the model, so a bad adapter leaves the current one in place.
  std::map<std::pair<int, int>, const LoraTensors*> found;
  std::set<std::string> targets;
  for (const auto& t : a.modules) {
    int layer = -1, p = -1;
    for (int l = 0; l < m.L && p < 0; ++l)
      for (int q = 0; q < kNumProj; ++q)
        if (proj_name(m.cfg, l, q) && t.module == proj_module(m.prefix, m.cfg, l, q)) layer = l, p = q;
    if (p < 0)
      throw Error("adapter module " + t.module + " does not exist in this base model (" + m.cfg.architecture + ", " +
                  std::to_string(m.L) + " layers): the adapter was made for another base");
    const Linear& lin = m.layers[layer].proj[p];
    if (t.rank != a.r || t.in != lin.in || t.out != lin.out ||
        t.A.size() != size_t(a.r) * lin.in || t.B.size() != size_t(lin.out) * a.r)
      throw Error("adapter module " + t.module + " has lora_A [" + std::to_string(t.rank) + ", " +
                  std::to_string(t.in) + "] / lora_B [" + std::to_string(t.out) + ", " + std::to_string(t.rank) +
                  "], this base expects [" + std::to_string(a.r) + ", " + std::to_string(lin.in) + "] / [" +
                  std::to_string(lin.out) + ", " + std::to_string(a.r) + "]: the adapter was made for another base");
    TF_CHECK(found.emplace(std::make_pair(layer, p), &t).second, "adapter lists module " + t.module + " twice");
    targets.insert(proj_name(m.cfg, layer, p));
  }
  clear_lora();
  for (const auto& [key, t] : found) {
    Linear& lin = m.layers[key.first].proj[key.second];
    lin.has_lora = true;
    lin.A = t->A, lin.B = t->B;
    lin.gA.assign(lin.A.size(), 0.f), lin.gB.assign(lin.B.size(), 0.f);
  }
  m.spec.rank = a.r, m.spec.alpha = a.alpha, m.spec.dropout = a.dropout, m.spec.rslora = a.rslora;
  m.spec.targets.clear();
  for (const std::string& n : module_names(m.cfg))
    if (targets.count(n)) m.spec.targets.push_back(n);
  m.scaling = scaling_of(m.spec);
  m.lora_on = true;
}

PeftAdapter LlamaModel::export_lora(const std::string& base_name) const {
  const Impl& m = *impl_;
  TF_CHECK(m.lora_on, "no LoRA adapter to export");
  PeftAdapter a;
  a.r = m.spec.rank, a.alpha = m.spec.alpha, a.dropout = m.spec.dropout, a.rslora = m.spec.rslora;
  a.target_modules = m.spec.targets;
  a.base_model = base_name;
  for (int l = 0; l < m.L; ++l)
    for (int p = 0; p < kNumProj; ++p) {
      const Linear& lin = m.layers[l].proj[p];
      if (!lin.has_lora) continue;
      LoraTensors t;
      t.module = proj_module(m.prefix, m.cfg, l, p);
      t.rank = m.spec.rank, t.in = static_cast<int>(lin.in), t.out = static_cast<int>(lin.out);
      t.A = lin.A, t.B = lin.B;
      a.modules.push_back(std::move(t));
    }
  return a;
}

std::vector<ParamRef> LlamaModel::lora_params() {
  std::vector<ParamRef> out;
  Impl& m = *impl_;
  for (int l = 0; l < m.L; ++l)
    for (int p = 0; p < kNumProj; ++p) {
      Linear& lin = m.layers[l].proj[p];
      if (!lin.has_lora) continue;
      const std::string mod = proj_module(m.prefix, m.cfg, l, p);
      out.push_back({lin.A.data(), lin.gA.data(), lin.A.size(), mod + ".lora_A"});
      out.push_back({lin.B.data(), lin.gB.data(), lin.B.size(), mod + ".lora_B"});
    }
  return out;
}

void LlamaModel::zero_lora_grads() {
  for (auto& ly : impl_->layers)
    for (auto& lin : ly.proj) {
      std::fill(lin.gA.begin(), lin.gA.end(), 0.f);
      std::fill(lin.gB.begin(), lin.gB.end(), 0.f);
    }
}

}  // namespace tf
