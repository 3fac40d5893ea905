#pragma once
// How cuda_model_check (check.sh step 2) compares a whole-model result of the CUDA backend (bf16 activations,
// fp32 accumulation) with the CPU backend's (fp32 throughout). Per-element tolerances like cuda_check's do not fit
// here: after a few layers every element carries many bf16 roundings, so the honest measure is the relative error
// of the whole tensor, ||got - ref|| / ||ref|| (relative L2), plus the cosine to catch a wrong direction.
//
// The limits below are what a correct bf16 computation reaches. bf16 keeps 8 significant bits, so each rounding
// moves a value by up to 2^-9 (~2e-3) relative; errors of independent roundings add in quadrature through a layer
// and grow roughly with depth. HF's own bf16-vs-fp32 comparison (check.sh step 3's calibration row) lands around
// 1e-2 for logits on the 1B shape; the tiny models here are 3 layers deep, so 2e-2 leaves room without admitting
// a real bug (a wrong mask, a missing term or a transposed weight moves these by 0.3 to 1).
#include <cmath>
#include <cstddef>
#include <vector>

namespace tf::cuda::check {

constexpr double kLogitsRelL2 = 2e-2;
constexpr double kLossRel = 1e-2;
constexpr double kGradRelL2 = 3e-2;        // all LoRA gradients together; backward doubles the roundings
constexpr double kGradTensorRelL2 = 6e-2;  // the worst single tensor (small tensors are noisier)
// The optimizer on the device against the host's AdamW on the same gradients and weights: the same fp32
// arithmetic on both sides (only summation order may differ), so anything above float rounding is a bug. (Comparing
// with the CPU backend's step instead would measure bf16 noise: Adam's first step moves a weight by ~lr · sign(g),
// and the sign of a near-zero gradient is noise.)
constexpr double kSameFp32 = 1e-6;
constexpr double kLossCurveRel = 3e-2;     // a short training run, step by step

struct Agreement {
  double rel_l2 = 0;   // ||got - ref|| / ||ref|| (||got - ref|| when ref is all zero)
  double max_rel = 0;  // max |got - ref| / max |ref|
  double cosine = 1;   // <got, ref> / (||got|| ||ref||); 1 when both are zero
  bool finite = true;  // got has no NaN/Inf
  bool same_size = true;
};

inline Agreement agreement(const std::vector<float>& got, const std::vector<float>& ref) {
  Agreement a;
  a.same_size = got.size() == ref.size();
  if (!a.same_size) {
    a.rel_l2 = a.max_rel = INFINITY;
    a.cosine = 0;
    a.finite = false;
    return a;
  }
  double d2 = 0, r2 = 0, g2 = 0, dot = 0, dmax = 0, rmax = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    const double g = got[i], r = ref[i];
    if (!std::isfinite(g)) a.finite = false;
    const double d = g - r;
    d2 += d * d, r2 += r * r, g2 += g * g, dot += g * r;
    dmax = std::fmax(dmax, std::fabs(d)), rmax = std::fmax(rmax, std::fabs(r));
  }
  if (!a.finite) {
    a.rel_l2 = a.max_rel = INFINITY;
    a.cosine = 0;
    return a;
  }
  a.rel_l2 = r2 > 0 ? std::sqrt(d2 / r2) : std::sqrt(d2);
  a.max_rel = rmax > 0 ? dmax / rmax : dmax;
  a.cosine = (g2 > 0 && r2 > 0) ? dot / std::sqrt(g2 * r2) : (g2 == 0 && r2 == 0 ? 1.0 : 0.0);
  return a;
}

}  // namespace tf::cuda::check
