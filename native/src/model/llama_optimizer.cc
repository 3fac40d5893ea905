// The CPU backend's LoraOptimizer: train::AdamW and train::clip_grad_norm over the host vectors of
// LlamaModel::lora_params(), which are re-read at every call (load_lora may reallocate them).
#include "common/error.h"
#include "model/llama.h"

namespace tf {

namespace {

std::vector<train::ParamView> views(LlamaModel& model) {
  std::vector<train::ParamView> out;
  for (const ParamRef& p : model.lora_params()) out.push_back({p.w, p.g, p.n, p.name});
  return out;
}

class CpuLoraOptimizer final : public LoraOptimizer {
 public:
  CpuLoraOptimizer(LlamaModel& model, const train::AdamWHyper& hyper) : model_(model), opt_(views(model), hyper) {
    for (const ParamRef& p : model.lora_params()) sizes_.push_back(p.n);
  }
  double clip_grad_norm(double max_norm) override { return train::clip_grad_norm(views(model_), max_norm); }
  void step(double lr) override { opt_.step(views(model_), lr); }
  int64_t steps_taken() const override { return opt_.steps_taken(); }
  void set_steps_taken(int64_t t) override { opt_.set_steps_taken(t); }
  const std::vector<std::string>& names() const override { return opt_.names(); }
  std::vector<size_t> sizes() const override { return sizes_; }
  void get_moments(std::vector<std::vector<float>>* m, std::vector<std::vector<float>>* v) const override {
    *m = opt_.first_moments();
    *v = opt_.second_moments();
  }
  void set_moments(const std::vector<std::vector<float>>& m, const std::vector<std::vector<float>>& v) override {
    TF_CHECK(m.size() == sizes_.size() && v.size() == sizes_.size(), "optimizer moments: tensor count mismatch");
    for (size_t i = 0; i < sizes_.size(); i++)
      TF_CHECK(m[i].size() == sizes_[i] && v[i].size() == sizes_[i],
               "optimizer moments for " + opt_.names()[i] + ": size mismatch");
    opt_.first_moments() = m;
    opt_.second_moments() = v;
  }
  int64_t state_bytes() const override { return opt_.state_bytes(); }

 private:
  LlamaModel& model_;
  train::AdamW opt_;
  std::vector<size_t> sizes_;
};

}  // namespace

std::vector<std::vector<float>> LlamaModel::lora_grads_host() const {
  std::vector<std::vector<float>> out;
  for (const ParamRef& p : const_cast<LlamaModel*>(this)->lora_params()) out.emplace_back(p.g, p.g + p.n);
  return out;
}

std::vector<std::string> LlamaModel::lora_param_names() const {
  std::vector<std::string> out;
  for (const ParamRef& p : const_cast<LlamaModel*>(this)->lora_params()) out.push_back(p.name);
  return out;
}

std::unique_ptr<LoraOptimizer> LlamaModel::make_optimizer(const train::AdamWHyper& hyper) {
  TF_CHECK(has_lora(), "make_optimizer needs a LoRA adapter (call init_lora or load_lora first)");
  return std::make_unique<CpuLoraOptimizer>(*this, hyper);
}

}  // namespace tf
