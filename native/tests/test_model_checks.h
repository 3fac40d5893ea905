#pragma once
// The forward-against-reference checks test_model.cc and test_model_families.cc share.
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "harness.h"
#include "test_model_util.h"

namespace tf_test {

using tf::Batch;
using tf::LoraSpec;
using tf::LossSum;

// The model's logits on 9 tokens, and its loss on a packed batch, against the reference's (with `lora` when given).
inline void check_logits_match(Loaded& r, const RefLora* lora, double tol) {
  const std::vector<int32_t> toks = {3, 17, 0, 36, 5, 5, 21, 9, 30};
  const auto got = r.m->logits(toks);
  const auto want = ref_logits(r.tm, lora, toks, 1, int(toks.size()), {}, {});
  REQUIRE(got.size() == want.size());
  double md = 0;
  for (size_t i = 0; i < got.size(); ++i) md = std::max(md, std::fabs(got[i] - want[i]));
  if (!(md <= tol)) report(__FILE__, __LINE__, "logits differ from the reference by " + show(md));
  // Loss of a packed batch (positions restart, attention stays inside segments).
  const Batch b = packed_batch(r.tm.s.V, 9);
  const LossSum ls = r.m->forward_loss(b);
  const double want_loss = ref_loss(ref_logits(r.tm, lora, b.tokens, b.B, b.T, b.positions, b.segments), b.targets, r.tm.s.V);
  CHECK_NEAR(ls.sum, want_loss, 1e-4 * std::max(1.0, want_loss));
  CHECK_EQ(ls.count, int64_t(std::count_if(b.targets.begin(), b.targets.end(), [](int t) { return t >= 0; })));
}

// With an adapter on `targets` (B ≠ 0, so it changes the function), the forward against the reference's.
inline void check_adapted_logits_match(Loaded& r, std::vector<std::string> targets) {
  LoraSpec ls;
  ls.rank = 2, ls.alpha = 4, ls.targets = std::move(targets);
  r.m->init_lora(ls, 3);
  randomize_b(*r.m, 4);
  RefLora lora = ref_lora(*r.m);
  check_logits_match(r, &lora, 1e-4);
}

inline const std::vector<std::string> kAllProjections = {"q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"};
// LFM2's modules: attention's (out_proj also on the conv layers), the conv layers' in_proj, the MLP's.
inline const std::vector<std::string> kLfm2Modules = {"q_proj", "k_proj", "v_proj", "out_proj", "in_proj", "w1", "w3", "w2"};

// The largest difference between two models' logits on the same 5 tokens: what a family's difference from Llama
// must change (or the reference comparisons could not tell it was computed).
inline double max_logit_gap(Loaded& a, Loaded& b) {
  const std::vector<int32_t> toks = {3, 17, 0, 36, 5};
  const auto la = a.m->logits(toks), lb = b.m->logits(toks);
  double md = 0;
  for (size_t i = 0; i < la.size(); ++i) md = std::max(md, std::fabs(double(la[i]) - lb[i]));
  return md;
}

}  // namespace tf_test
