#pragma once
// AdamW as torch.optim.AdamW (the HF Trainer's default): decoupled weight decay applied to the weight
// before the Adam update, fp32 first and second moments, bias correction folded into the step size.
// Gradient clipping as torch.nn.utils.clip_grad_norm_ over all trainable tensors together.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace tf::train {

// One trainable tensor as the optimizer sees it: weights, their gradient, element count, a stable name
// (the name keys the moments in checkpoints).
struct ParamView {
  float* w;
  float* g;
  size_t n;
  std::string name;
};

struct AdamWHyper {
  double beta1 = 0.9, beta2 = 0.999, eps = 1e-8, weight_decay = 0.0;
};

// One tensor, optimizer step number t (1-based), learning rate lr. Pure function so tests can check it
// element by element against hand-computed values.
void adamw_update(float* w, const float* g, float* m, float* v, size_t n, const AdamWHyper& h, int64_t t,
                  double lr);

class AdamW {
 public:
  AdamW(const std::vector<ParamView>& params, const AdamWHyper& hyper);
  // Applies one update to every tensor with the current gradients; increments the step count first.
  void step(const std::vector<ParamView>& params, double lr);

  int64_t steps_taken() const { return t_; }
  void set_steps_taken(int64_t t) { t_ = t; }
  std::vector<std::vector<float>>& first_moments() { return m_; }
  std::vector<std::vector<float>>& second_moments() { return v_; }
  const std::vector<std::vector<float>>& first_moments() const { return m_; }
  const std::vector<std::vector<float>>& second_moments() const { return v_; }
  const std::vector<std::string>& names() const { return names_; }
  int64_t state_bytes() const;

 private:
  AdamWHyper hyper_;
  int64_t t_ = 0;
  std::vector<std::string> names_;
  std::vector<std::vector<float>> m_, v_;
};

// sqrt(sum of squares) over all gradients, accumulated in double.
double global_grad_norm(const std::vector<ParamView>& params);

// torch's clip_grad_norm_: when max_norm > 0 and norm > max_norm, scales every gradient by
// max_norm / (norm + 1e-6). Returns the pre-clip norm (what the HF Trainer logs as grad_norm).
double clip_grad_norm(const std::vector<ParamView>& params, double max_norm);

}  // namespace tf::train
