#include "train/adamw.h"

#include <cmath>

#include "common/error.h"

namespace tf::train {

void adamw_update(float* w, const float* g, float* m, float* v, size_t n, const AdamWHyper& h, int64_t t,
                  double lr) {
  // Same order of operations as torch's single-tensor AdamW: decay, moments, bias-corrected step.
  const double bc1 = 1.0 - std::pow(h.beta1, (double)t);
  const double bc2 = 1.0 - std::pow(h.beta2, (double)t);
  const float step_size = (float)(lr / bc1);
  const float bc2_sqrt = (float)std::sqrt(bc2);
  const float decay = (float)(1.0 - lr * h.weight_decay);
  // 1 - beta in double then rounded, as torch passes it as a Python float: (1.f - 0.999f) is off by 1e-5.
  const float b1 = (float)h.beta1, b2 = (float)h.beta2, eps = (float)h.eps;
  const float one_minus_b1 = (float)(1.0 - h.beta1), one_minus_b2 = (float)(1.0 - h.beta2);
  for (size_t i = 0; i < n; i++) {
    const float gi = g[i];
    w[i] *= decay;
    m[i] = b1 * m[i] + one_minus_b1 * gi;
    v[i] = b2 * v[i] + one_minus_b2 * gi * gi;
    const float denom = std::sqrt(v[i]) / bc2_sqrt + eps;
    w[i] -= step_size * m[i] / denom;
  }
}

AdamW::AdamW(const std::vector<ParamView>& params, const AdamWHyper& hyper) : hyper_(hyper) {
  TF_CHECK(hyper.beta1 >= 0 && hyper.beta1 < 1, "beta1 must be in [0, 1) (got " + std::to_string(hyper.beta1) + ")");
  TF_CHECK(hyper.beta2 >= 0 && hyper.beta2 < 1, "beta2 must be in [0, 1) (got " + std::to_string(hyper.beta2) + ")");
  TF_CHECK(hyper.eps > 0, "eps must be > 0 (got " + std::to_string(hyper.eps) + ")");
  TF_CHECK(hyper.weight_decay >= 0, "weight_decay must be >= 0 (got " + std::to_string(hyper.weight_decay) + ")");
  for (const auto& p : params) {
    names_.push_back(p.name);
    m_.emplace_back(p.n, 0.f);
    v_.emplace_back(p.n, 0.f);
  }
}

void AdamW::step(const std::vector<ParamView>& params, double lr) {
  TF_CHECK(params.size() == m_.size(), "optimizer: the set of trainable tensors changed during training");
  t_++;
  for (size_t i = 0; i < params.size(); i++) {
    TF_CHECK(params[i].n == m_[i].size(), "optimizer: tensor " + params[i].name + " changed size");
    adamw_update(params[i].w, params[i].g, m_[i].data(), v_[i].data(), params[i].n, hyper_, t_, lr);
  }
}

int64_t AdamW::state_bytes() const {
  int64_t n = 0;
  for (const auto& m : m_) n += (int64_t)m.size();
  return 2 * n * (int64_t)sizeof(float);
}

double global_grad_norm(const std::vector<ParamView>& params) {
  double sum = 0;
  for (const auto& p : params)
    for (size_t i = 0; i < p.n; i++) sum += (double)p.g[i] * (double)p.g[i];
  return std::sqrt(sum);
}

double clip_grad_norm(const std::vector<ParamView>& params, double max_norm) {
  const double norm = global_grad_norm(params);
  if (max_norm > 0 && std::isfinite(norm)) {
    const double coef = max_norm / (norm + 1e-6);
    if (coef < 1.0) {
      const float c = (float)coef;
      for (const auto& p : params)
        for (size_t i = 0; i < p.n; i++) p.g[i] *= c;
    }
  }
  return norm;
}

}  // namespace tf::train
