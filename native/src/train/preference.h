#pragma once
// Direct Preference Optimization (Rafailov et al., 2023) with the sigmoid loss of TRL's DPOTrainer, over the
// trainer's LoRA (api::TrainOptions method "dpo").
//
// For a pair (prompt x, chosen answer w, rejected answer l): pi = the sum of ln p over the answer's target tokens
// under the trained model (base + LoRA); ref = the same under the frozen reference, the base model. The reference
// is taken once before training from the adapter as initialized (LoRA B = 0, so the model is the base model),
// which is what TRL does for a PEFT model (adapter disabled, precompute_ref_log_probs).
//   z = beta ((pi_w - ref_w) - (pi_l - ref_l)),   loss = -ln sigmoid(z) = softplus(-z)
//   d loss / d pi_w = -beta sigmoid(-z),            d loss / d pi_l = +beta sigmoid(-z)
// A model's forward_backward accumulates d(scale · Σ -ln p)/dθ = -scale · dpi/dθ, so a step of P pairs weighs, per
// pair, the chosen sequence's gradient by +beta sigmoid(-z)/P and the rejected one's by -beta sigmoid(-z)/P. A
// micro-batch of P pairs is one forward+backward over 2P rows (chosen answers, then rejected, as TRL concatenates
// them); z needs the pass's own log-probabilities, so the pass hands them over between its loss and its gradient
// (model/trainable.h RowScaler) and takes each row's scale back. Dropout included, z is the trained pass's, as in
// TRL.
//
// The implicit rewards beta (pi - ref) give the figures TRL logs: reward accuracy (share of pairs whose chosen
// answer out-rewards the rejected; 0 at the start, where every margin is exactly 0) and the mean margin (= mean z).
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "api.h"
#include "train/batching.h"
#include "train/objective.h"

namespace tf::train {

// A pair's loss and gradient weight from its four log-probabilities.
struct PairTerms {
  double margin = 0;          // z: the chosen reward less the rejected reward
  double loss = 0;            // softplus(-z), computed without overflow
  double weight = 0;          // beta sigmoid(-z): d loss / d pi_l = -d loss / d pi_w
};
PairTerms pair_terms(double pi_chosen, double ref_chosen, double pi_rejected, double ref_rejected, double beta);

// Pairs of rows from examples that alternate chosen, rejected. A pair is dropped when either answer has no target
// left within max_seq_len tokens (both answers must be scored). `which` ("training" / "validation") names the set.
struct PairRows {
  std::vector<Row> chosen, rejected;  // pair i: chosen[i], rejected[i]
  int64_t pairs_without_targets = 0;
};
PairRows build_pairs(const std::vector<api::Example>& examples, int max_seq_len, int vocab_size,
                     const std::string& which);

std::unique_ptr<Objective> make_dpo_objective(const std::vector<api::Example>& train,
                                              const std::vector<api::Example>& validation, int seq_len,
                                              int vocab_size, double beta, int batch_size);

}  // namespace tf::train
