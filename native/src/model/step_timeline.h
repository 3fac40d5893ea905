#pragma once
// Where a training step's time goes, by kind of work: the answer to "why is my step this slow" and the first
// thing to read before optimizing a kernel (`tuneforge bench trainer --profile`, `gpu_ours bench --profile`).
//
// A timeline is a row of marks. begin() sets an origin; each mark(p) ends the interval since the previous mark
// (or the origin) and adds it to phase p, so the phases partition the time between begin() and the last mark
// without any region being counted twice. A mark without an origin only sets one. Time between the last mark
// of one call and the next begin() (the host preparing a batch, a sync) belongs to no phase: the reports call it
// "other", the step's wall time minus the phases.
//
// The CPU backend stamps a steady clock (its kernels are synchronous). The CUDA backend records an event on its
// main stream per mark (native/cuda/backend/event_timeline.*): an interval is the device time of the work queued
// between two marks, read back only by take(). Marks are no-ops until profiling is switched on, so the
// unprofiled path pays one branch per mark.
#include <array>
#include <chrono>
#include <cstdint>

namespace tf {

enum class StepPhase : int {
  FrozenMatmul,       // the base weights' matmuls in the layers (forward, checkpoint recompute, input gradients)
  Nf4Dequant,         // NF4 weights expanded to bf16 before a matmul (CUDA; the CPU fuses it into its matmul): on
                      // CUDA what the main stream spent on them, i.e. the waits for the side stream's expansions
  Lora,               // the LoRA branches: dropout, the rank-r matmuls, their gradients
  Attention,          // causal attention forward (and its recompute)
  AttentionBackward,  // causal attention backward
  Elementwise,        // embedding, RMSNorm, RoPE, SwiGLU, residual adds and copies, forward and backward
  LossHead,           // final norm excluded: lm_head matmuls and the fused cross-entropy, chunk by chunk
  Optimizer,          // gradient norm, clipping and AdamW
  kCount
};
constexpr int kStepPhases = static_cast<int>(StepPhase::kCount);

inline const char* step_phase_name(StepPhase p) {
  switch (p) {
    case StepPhase::FrozenMatmul: return "frozen_matmul";
    case StepPhase::Nf4Dequant: return "nf4_dequant";
    case StepPhase::Lora: return "lora";
    case StepPhase::Attention: return "attention";
    case StepPhase::AttentionBackward: return "attention_backward";
    case StepPhase::Elementwise: return "elementwise";
    case StepPhase::LossHead: return "loss_head";
    case StepPhase::Optimizer: return "optimizer";
    case StepPhase::kCount: break;
  }
  return "?";
}

using StepPhaseMs = std::array<double, kStepPhases>;
using StepPhaseCounts = std::array<int64_t, kStepPhases>;

class StepTimeline {
 public:
  virtual ~StepTimeline() = default;
  void set_enabled(bool on) {
    if (on && !enabled_) prepare();
    enabled_ = on;
  }
  bool enabled() const { return enabled_; }
  void begin() {
    if (enabled_) record_origin();
  }
  void mark(StepPhase p) {
    if (!enabled_) return;
    record(p);
    ++marks_[static_cast<int>(p)];
  }
  // Milliseconds per phase since the last take() (waiting for the device first), then starts afresh.
  StepPhaseMs take() {
    marks_.fill(0);
    return take_ms();
  }
  // Marks per phase since the last take(): how many pieces of work of each kind ran (tests check with it that a
  // checkpoint recompute skips what it should).
  const StepPhaseCounts& marks() const { return marks_; }

 protected:
  virtual StepPhaseMs take_ms() = 0;
  virtual void prepare() {}  // before the marks of an enabled stretch: whatever marking needs, made ahead
  virtual void record_origin() = 0;
  virtual void record(StepPhase p) = 0;

 private:
  bool enabled_ = false;
  StepPhaseCounts marks_{};
};

// The CPU backend's: a steady clock.
class HostTimeline final : public StepTimeline {
 protected:
  StepPhaseMs take_ms() override {
    const StepPhaseMs out = ms_;
    ms_.fill(0.0);
    has_origin_ = false;
    return out;
  }

  void record_origin() override {
    last_ = Clock::now();
    has_origin_ = true;
  }
  void record(StepPhase p) override {
    const auto now = Clock::now();
    if (has_origin_) ms_[static_cast<int>(p)] += std::chrono::duration<double, std::milli>(now - last_).count();
    last_ = now;
    has_origin_ = true;
  }

 private:
  using Clock = std::chrono::steady_clock;
  Clock::time_point last_{};
  bool has_origin_ = false;
  StepPhaseMs ms_{};
};

}  // namespace tf
