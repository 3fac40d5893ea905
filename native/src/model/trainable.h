#pragma once
// What the trainer (train/trainer.cc) needs from a model, whatever device it computes on. The CPU LlamaModel
// implements it directly; the CUDA backend (native/cuda/backend) implements it on a GPU, uploading the frozen
// weights from a host LlamaModel. The LoRA optimizer is part of the model's side because its state lives where
// the LoRA tensors live (host vectors on the CPU, device buffers on CUDA); checkpoints read and write that state
// through host copies, so a checkpoint written by one backend resumes on the other.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/rng.h"
#include "io/config.h"
#include "io/peft.h"
#include "model/decoder.h"
#include "model/step_timeline.h"
#include "train/adamw.h"

namespace tf {

// B rows of T tokens, row-major [B*T]. targets[i] is the id that position i should predict (usually
// tokens[i+1]) or -1 to leave it out of the loss (prompt, padding). positions restart at 0 for each packed
// segment (empty → 0..T-1 in every row). segments label contiguous runs inside a row (empty → one segment
// per row); attention never crosses a segment boundary. Padding is simply a segment with targets -1.
struct Batch {
  int B = 0, T = 0;
  std::vector<int32_t> tokens, targets, positions, segments;
};

// Weighs a pass's rows by its own losses: forward_backward calls it between the loss and its gradient with each
// row's Σ -ln p over its counted targets (B entries) and multiplies grad_scale row by row by what it returns (B
// entries). DPO weighs each answer by its pair's term, which needs both answers' log-probabilities
// (train/objective_dpo.cc).
using RowScaler = std::function<std::vector<float>(const std::vector<double>& row_loss_sums)>;

struct LossSum {
  double sum = 0;     // sum over counted targets of -ln p(target)
  int64_t count = 0;  // targets != -1
};

struct LoraSpec {
  int rank = 16;
  float alpha = 32.f;
  float dropout = 0.05f;
  bool rslora = false;  // scaling = alpha / sqrt(rank) instead of alpha / rank
  std::vector<std::string> targets{"q_proj", "k_proj", "v_proj", "o_proj"};  // any of q,k,v,o,gate,up,down_proj
};


// AdamW over a model's LoRA tensors (torch.optim.AdamW semantics, fp32 state), with torch's clip_grad_norm_.
// Tensor i follows the model's LoRA parameter order (names()).
class LoraOptimizer {
 public:
  virtual ~LoraOptimizer() = default;
  // Global L2 norm of the current gradients (accumulated in double) before clipping; when max_norm > 0 and the
  // norm exceeds it, every gradient is scaled by max_norm / (norm + 1e-6).
  virtual double clip_grad_norm(double max_norm) = 0;
  // One update with the current gradients; increments the step count first.
  virtual void step(double lr) = 0;
  virtual int64_t steps_taken() const = 0;
  virtual void set_steps_taken(int64_t t) = 0;
  virtual const std::vector<std::string>& names() const = 0;
  virtual std::vector<size_t> sizes() const = 0;
  // Host copies of the first and second moments (checkpoints), and back (resume); sizes must match.
  virtual void get_moments(std::vector<std::vector<float>>* m, std::vector<std::vector<float>>* v) const = 0;
  virtual void set_moments(const std::vector<std::vector<float>>& m, const std::vector<std::vector<float>>& v) = 0;
  virtual int64_t state_bytes() const = 0;
};

class TrainableModel {
 public:
  virtual ~TrainableModel() = default;

  virtual const ModelConfig& config() const = 0;
  // Memory of the frozen weights as held by this backend (NF4 ≈ 0.52 B/param).
  virtual int64_t weight_bytes() const = 0;
  virtual std::string backend_name() const = 0;  // "cpu", "cuda"
  // The backend's own KV-cache decoding (model/decoder.h), or nullptr when generation should use the host model's.
  virtual Decoder* decoder() { return nullptr; }

  // --- LoRA (same semantics as LlamaModel's; see model/llama.h) ---
  virtual void init_lora(const LoraSpec& spec, uint64_t seed) = 0;
  virtual void load_lora(const PeftAdapter& adapter) = 0;
  virtual void clear_lora() = 0;
  virtual PeftAdapter export_lora(const std::string& base_name) const = 0;
  virtual int64_t lora_parameters() const = 0;
  virtual void zero_lora_grads() = 0;
  // Host copies of the LoRA gradients in parameter order (A before B, layer by layer): tests and the GPU check
  // compare backends with these.
  virtual std::vector<std::vector<float>> lora_grads_host() const = 0;
  // Names of those tensors, same order: "<module>.lora_A" / "<module>.lora_B" (module like
  // "model.layers.0.self_attn.q_proj").
  virtual std::vector<std::string> lora_param_names() const = 0;
  // AdamW over the LoRA tensors attached now (call after init_lora / load_lora).
  virtual std::unique_ptr<LoraOptimizer> make_optimizer(const train::AdamWHyper& hyper) = 0;

  // --- passes ---
  virtual LossSum forward_backward(const Batch& batch, float grad_scale, bool dropout_on, Rng& rng,
                                   bool checkpointing, const RowScaler& row_scaler = nullptr) = 0;
  // row_sums (when non-null) receives each row's Σ -ln p over its counted targets, B entries.
  virtual LossSum forward_loss(const Batch& batch, std::vector<double>* row_sums = nullptr) = 0;
  // Logits [T, V] (fp32) for one sequence at positions 0..T-1, with the attached adapter if any.
  virtual std::vector<float> logits(const std::vector<int32_t>& tokens) = 0;

  // --- memory ---
  // Bytes of activations forward_backward keeps for a B x T batch (plus logits): the estimate of a report.
  virtual int64_t activation_bytes(int B, int T, bool checkpointing) const = 0;
  // Peak bytes this backend actually held since the last reset (device memory on CUDA); -1 = not measured
  // (the CPU backend, whose report is the estimate).
  virtual int64_t measured_peak_bytes() const { return -1; }
  // Where the memory of the last step went, by category, in a few lines for the job log; "" = the backend has
  // no breakdown of its own (the trainer then writes its estimate).
  virtual std::string memory_report() const { return ""; }
  virtual void reset_peak_bytes() {}

  // --- profiling ---
  // Where this backend's steps spend their time (model/step_timeline.h): off until set_enabled(true). The passes
  // mark their own phases; the trainer marks the optimizer on the same timeline and takes the sums per step.
  virtual StepTimeline& step_timeline() = 0;
};

}  // namespace tf
