// Whole-model passes over a batch: training (forward + backward into LoRA gradients, optionally with
// gradient checkpointing), validation loss, and full logits for scoring.
#include <algorithm>

#include "common/error.h"
#include "kernels/cross_entropy.h"
#include "kernels/matmul.h"
#include "kernels/rmsnorm.h"
#include "model/batch_prep.h"
#include "model/llama_impl.h"

namespace tf {

using namespace kernels;

namespace {

// Checks a batch against the model and fills positions / per-query first visible key (within the row).
void prepare(const LlamaModel::Impl& m, const Batch& b, bool need_targets, Workspace& w) {
  prepare_batch(m.cfg, b, need_targets, w.positions, w.seg_start);
  m.window_starts(b.B, b.T, w.seg_start, w.window_start);
}

void set_no_dropout(LlamaModel::Impl& m) { m.drop.assign(m.L, {}); }

// What a forward pass keeps for a backward.
enum class Keep {
  Nothing,     // validation loss, logits
  Everything,  // training: one LayerActs per layer
  Checkpoint   // training with checkpointing: one shared LayerActs, plus each layer's attention output and
               // log-sum-exp (ws.kept_att / kept_lse), so the recompute in backward skips the attention
};

// Embedding + all layers; x_L lands in ws.xs[L].
void forward_layers(LlamaModel::Impl& m, const Batch& b, Keep keep) {
  Workspace& w = m.ws;
  const int64_t N = int64_t(b.B) * b.T;
  w.xs.resize(m.L + 1);
  for (auto& x : w.xs) x.resize(N * m.H);
  w.acts.resize(keep == Keep::Everything ? m.L : 1);
  if (keep == Keep::Checkpoint) w.kept_att.resize(m.L), w.kept_lse.resize(m.L);
  m.embed_rows(b.tokens.data(), w.xs[0].data(), N);
  m.mark(StepPhase::Elementwise);
  for (int l = 0; l < m.L; ++l) {
    LayerActs& a = w.acts[keep == Keep::Everything ? l : 0];
    m.layer_forward(l, w.xs[l].data(), w.xs[l + 1].data(), b.B, b.T, w.positions.data(), w.seg_start.data(), a,
                    keep != Keep::Nothing);
    // Swaps, not copies: layer l's results move to its kept slot, whose old storage the next layer reuses.
    if (keep == Keep::Checkpoint) std::swap(a.att, w.kept_att[l]), std::swap(a.lse, w.kept_lse[l]);
  }
}

// Final norm + lm_head into ws.logits [N, V] (before Gemma 2's soft cap, which the loss applies itself).
void head_forward(LlamaModel::Impl& m, int64_t N) {
  Workspace& w = m.ws;
  w.xf.resize(N * m.H), w.rstdf.resize(N), w.logits.resize(N * m.V);
  rmsnorm_forward(m.pool, w.xs[m.L].data(), m.final_norm.data(), w.xf.data(), w.rstdf.data(), N, m.H,
                  static_cast<float>(m.cfg.rms_norm_eps));
  m.mark(StepPhase::Elementwise);
  linear_forward(m.pool, w.xf.data(), m.lm_head.dense(), nullptr, w.logits.data(), N, m.H, m.V);
  m.mark(StepPhase::LossHead);
}

}  // namespace

LossSum LlamaModel::forward_backward(const Batch& b, float grad_scale, bool dropout_on, Rng& rng, bool checkpointing,
                                     const RowScaler& row_scaler) {
  Impl& m = *impl_;
  TF_CHECK(m.lora_on, "forward_backward needs a LoRA adapter (call init_lora or load_lora first)");
  Workspace& w = m.ws;
  prepare(m, b, true, w);
  m.timeline.begin();
  const int64_t N = int64_t(b.B) * b.T;
  // Keys for every (layer, projection), drawn whether or not it is adapted, so the stream is fixed per step.
  m.drop.assign(m.L, {});
  if (dropout_on && m.spec.dropout > 0.f)
    for (auto& layer : m.drop)
      for (auto& d : layer) d = {m.spec.dropout, rng.next_u64()};
  forward_layers(m, b, checkpointing ? Keep::Checkpoint : Keep::Everything);
  head_forward(m, N);
  // Rows weighed by their own losses: the losses first (all logits are at hand), then the fused pass with one
  // scale per position (the kernel's unit).
  std::vector<float> scales;
  if (row_scaler) {
    std::vector<float> losses(static_cast<size_t>(N));
    cross_entropy_forward(m.pool, w.logits.data(), b.targets.data(), losses.data(), N, m.V, m.logit_softcap());
    scales = position_scales(row_scaler, losses, b.B, b.T);
  }
  const CeSum ce = cross_entropy_forward_backward(m.pool, w.logits.data(), b.targets.data(), grad_scale, N, m.V,
                                                  scales.empty() ? nullptr : scales.data(), m.logit_softcap());
  // dlogits → dx_L
  w.dxf.resize(N * m.H), w.dx_a.resize(N * m.H), w.dx_b.resize(N * m.H);
  linear_backward(m.pool, w.logits.data(), nullptr, m.lm_head.dense(), w.dxf.data(), false, nullptr, nullptr, N, m.H,
                  m.V);
  m.mark(StepPhase::LossHead);
  rmsnorm_backward(m.pool, w.dxf.data(), w.xs[m.L].data(), m.final_norm.data(), w.rstdf.data(), w.dx_a.data(), false, N,
                   m.H);
  m.mark(StepPhase::Elementwise);
  float* dx = w.dx_a.data();
  float* dx_next = w.dx_b.data();
  for (int l = m.L - 1; l >= 0; --l) {
    LayerActs& a = w.acts[checkpointing ? 0 : l];
    // Recompute this layer's activations from its saved input (same dropout keys), but for its attention output and
    // log-sum-exp, kept by the forward pass; its output, x_{l+1}, is kept already and not computed again.
    if (checkpointing) {
      std::swap(a.att, w.kept_att[l]), std::swap(a.lse, w.kept_lse[l]);
      m.layer_forward(l, w.xs[l].data(), nullptr, b.B, b.T, w.positions.data(), w.seg_start.data(), a, true);
    }
    m.layer_backward(l, w.xs[l].data(), dx, dx_next, l > 0, b.B, b.T, w.positions.data(), w.seg_start.data(), a);
    std::swap(dx, dx_next);
  }
  set_no_dropout(m);
  return {ce.sum, ce.count};
}

LossSum LlamaModel::forward_loss(const Batch& b, std::vector<double>* row_sums) {
  Impl& m = *impl_;
  prepare(m, b, true, m.ws);
  set_no_dropout(m);
  forward_layers(m, b, Keep::Nothing);
  const int64_t N = int64_t(b.B) * b.T;
  head_forward(m, N);
  std::vector<float> losses(row_sums ? size_t(N) : 0);
  const CeSum ce = cross_entropy_forward(m.pool, m.ws.logits.data(), b.targets.data(), row_sums ? losses.data() : nullptr,
                                         N, m.V, m.logit_softcap());
  if (row_sums) *row_sums = row_loss_sums(losses, b.B, b.T);
  return {ce.sum, ce.count};
}

void LlamaModel::release_workspace() { impl_->ws = Workspace{}; }

StepTimeline& LlamaModel::step_timeline() { return impl_->timeline; }

std::vector<float> LlamaModel::logits(const std::vector<int32_t>& tokens) {
  Impl& m = *impl_;
  Batch b;
  b.B = 1, b.T = static_cast<int>(tokens.size());
  b.tokens = tokens;
  prepare(m, b, false, m.ws);
  set_no_dropout(m);
  forward_layers(m, b, Keep::Nothing);
  head_forward(m, b.T);
  softcap_logits(m.pool, m.ws.logits.data(), int64_t(b.T) * m.V, m.logit_softcap());
  return std::vector<float>(m.ws.logits.begin(), m.ws.logits.begin() + int64_t(b.T) * m.V);
}

}  // namespace tf
