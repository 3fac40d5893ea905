#include <algorithm>
#include <cmath>

#include "common/error.h"
#include "train/preference.h"

namespace tf::train {

PairTerms pair_terms(double pi_chosen, double ref_chosen, double pi_rejected, double ref_rejected, double beta) {
  PairTerms t;
  t.margin = beta * ((pi_chosen - ref_chosen) - (pi_rejected - ref_rejected));
  const double x = -t.margin;  // loss = softplus(x), weight = beta sigmoid(x)
  t.loss = std::max(x, 0.0) + std::log1p(std::exp(-std::fabs(x)));
  const double e = std::exp(-std::fabs(x));
  t.weight = beta * (x >= 0 ? 1.0 / (1.0 + e) : e / (1.0 + e));
  return t;
}

PairRows build_pairs(const std::vector<api::Example>& examples, int max_seq_len, int vocab_size,
                     const std::string& which) {
  TF_CHECK(examples.size() % 2 == 0,
           "method dpo takes " + which + " examples in pairs (chosen, rejected), but got an odd number (" +
               std::to_string(examples.size()) + ")");
  PairRows out;
  for (size_t p = 0; p < examples.size() / 2; p++) {
    const api::Example& chosen = examples[2 * p];
    const api::Example& rejected = examples[2 * p + 1];
    check_example(chosen, vocab_size, which + " pair " + std::to_string(p) + " (chosen)");
    check_example(rejected, vocab_size, which + " pair " + std::to_string(p) + " (rejected)");
    if (!has_target_within(chosen, max_seq_len) || !has_target_within(rejected, max_seq_len)) {
      out.pairs_without_targets++;
      continue;
    }
    out.chosen.push_back(sequence_row(chosen, max_seq_len));
    out.rejected.push_back(sequence_row(rejected, max_seq_len));
  }
  return out;
}

namespace {

// Σ ln p over the row's targets under the model as it is now, without dropout.
double sequence_logp(TrainableModel& model, const std::vector<Row>& rows, size_t i) {
  return -model.forward_loss(make_batch_in_order(rows, (int64_t)i, (int64_t)i + 1).batch).sum;
}

struct Reference {
  std::vector<double> chosen, rejected;
};

Reference score(TrainableModel& model, const PairRows& pairs) {
  Reference r;
  for (size_t i = 0; i < pairs.chosen.size(); i++) {
    r.chosen.push_back(sequence_logp(model, pairs.chosen, i));
    r.rejected.push_back(sequence_logp(model, pairs.rejected, i));
  }
  return r;
}

class DpoObjective final : public Objective {
 public:
  DpoObjective(PairRows train, PairRows validation, double beta)
      : train_(std::move(train)), valid_(std::move(validation)), beta_(beta) {}

  int64_t units() const override { return (int64_t)train_.chosen.size(); }
  bool has_validation() const override { return !valid_.chosen.empty(); }

  void prepare(TrainableModel& model) override {
    train_ref_ = score(model, train_);
    valid_ref_ = score(model, valid_);
  }

  StepFigures step(TrainableModel& model, const std::vector<int64_t>& order, int64_t begin, int64_t end,
                   int batch_size, bool dropout_on, Rng& rng, bool checkpointing) override {
    (void)batch_size;  // every pass takes one sequence (see preference.h); batch_size only sizes the step
    StepFigures f;
    f.has_rewards = true;
    f.rows_per_pass = 1;
    const double pairs = (double)(end - begin);
    int64_t correct = 0;
    for (int64_t k = begin; k < end; k++) {
      const size_t i = (size_t)order[(size_t)k];
      const MicroBatch w = make_batch_in_order(train_.chosen, (int64_t)i, (int64_t)i + 1);
      const MicroBatch l = make_batch_in_order(train_.rejected, (int64_t)i, (int64_t)i + 1);
      const PairTerms t = pair_terms(-model.forward_loss(w.batch).sum, train_ref_.chosen[i],
                                     -model.forward_loss(l.batch).sum, train_ref_.rejected[i], beta_);
      const float scale = (float)(t.weight / pairs);
      model.forward_backward(w.batch, scale, dropout_on, rng, checkpointing);
      model.forward_backward(l.batch, -scale, dropout_on, rng, checkpointing);
      f.loss += t.loss / pairs;
      f.reward_margin += t.margin / pairs;
      correct += t.margin > 0;
      f.tokens += w.n_tokens + l.n_tokens;
      f.max_t = std::max({f.max_t, w.batch.T, l.batch.T});
    }
    f.reward_accuracy = (double)correct / pairs;
    return f;
  }

  ValidFigures validate(TrainableModel& model, int batch_size) override {
    (void)batch_size;
    ValidFigures v;
    v.has_rewards = true;
    const size_t n = valid_.chosen.size();
    int64_t correct = 0;
    for (size_t i = 0; i < n; i++) {
      const PairTerms t = pair_terms(sequence_logp(model, valid_.chosen, i), valid_ref_.chosen[i],
                                     sequence_logp(model, valid_.rejected, i), valid_ref_.rejected[i], beta_);
      v.loss += t.loss / (double)n;
      v.reward_margin += t.margin / (double)n;
      correct += t.margin > 0;
    }
    v.reward_accuracy = n ? (double)correct / (double)n : 0.0;
    return v;
  }

 private:
  PairRows train_, valid_;
  double beta_;
  Reference train_ref_, valid_ref_;
};

}  // namespace

std::unique_ptr<Objective> make_dpo_objective(const std::vector<api::Example>& train,
                                              const std::vector<api::Example>& validation, int seq_len,
                                              int vocab_size, double beta) {
  PairRows train_pairs = build_pairs(train, seq_len, vocab_size, "training");
  TF_CHECK(!train_pairs.chosen.empty(),
           "no training pair keeps a target in both answers within the first " + std::to_string(seq_len) +
               " tokens; check the loss masks (the answers) or raise max_seq_len");
  PairRows valid_pairs = build_pairs(validation, seq_len, vocab_size, "validation");
  return std::make_unique<DpoObjective>(std::move(train_pairs), std::move(valid_pairs), beta);
}

}  // namespace tf::train
