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

// A set of pairs as one list of rows: the chosen answers 0..n-1, then the rejected ones n..2n-1.
struct PairSet {
  std::vector<Row> rows;
  int64_t n = 0;
};

PairSet flatten(PairRows p) {
  PairSet s;
  s.n = (int64_t)p.chosen.size();
  s.rows = std::move(p.chosen);
  s.rows.insert(s.rows.end(), std::make_move_iterator(p.rejected.begin()), std::make_move_iterator(p.rejected.end()));
  return s;
}

// Pairs order[begin, end) as one micro-batch: their chosen answers in rows 0..P-1, then their rejected answers in
// rows P..2P-1, padded to the longest (TRL's concatenated forward).
MicroBatch pair_batch(const PairSet& s, const std::vector<int64_t>& order, int64_t begin, int64_t end) {
  std::vector<int64_t> rows;
  for (int64_t k = begin; k < end; k++) rows.push_back(order[(size_t)k]);
  for (int64_t k = begin; k < end; k++) rows.push_back(s.n + order[(size_t)k]);
  return make_batch(s.rows, rows, 0, (int64_t)rows.size());
}

// Σ ln p over each row's targets under the model as it is now, without dropout.
std::vector<double> sequence_logps(TrainableModel& model, const Batch& batch) {
  std::vector<double> sums;
  model.forward_loss(batch, &sums);
  for (double& x : sums) x = -x;
  return sums;
}

std::vector<int64_t> identity(int64_t n) {
  std::vector<int64_t> order((size_t)n);
  for (int64_t i = 0; i < n; i++) order[(size_t)i] = i;
  return order;
}

struct Reference {
  std::vector<double> chosen, rejected;
};

Reference score(TrainableModel& model, const PairSet& set, int batch_size) {
  Reference r;
  r.chosen.resize((size_t)set.n), r.rejected.resize((size_t)set.n);
  const std::vector<int64_t> order = identity(set.n);
  for (int64_t b = 0; b < set.n; b += batch_size) {
    const int64_t e = std::min(set.n, b + batch_size), P = e - b;
    const std::vector<double> lp = sequence_logps(model, pair_batch(set, order, b, e).batch);
    for (int64_t k = 0; k < P; k++) r.chosen[(size_t)(b + k)] = lp[(size_t)k], r.rejected[(size_t)(b + k)] = lp[(size_t)(P + k)];
  }
  return r;
}

class DpoObjective final : public Objective {
 public:
  DpoObjective(PairRows train, PairRows validation, double beta, int batch_size)
      : train_(flatten(std::move(train))), valid_(flatten(std::move(validation))), beta_(beta), batch_size_(batch_size) {}

  int64_t units() const override { return train_.n; }
  bool has_validation() const override { return valid_.n > 0; }

  void prepare(TrainableModel& model, bool resuming) override {
    train_ref_ = score(model, train_, batch_size_);
    valid_ref_ = score(model, valid_, batch_size_);
    at_reference_ = !resuming;
  }

  // Per micro-batch of P pairs: one forward+backward over its 2P rows. Between the loss and its gradient the pass
  // hands over each row's log-probability (RowScaler), and each row's gradient is scaled by its pair's term: + for
  // the chosen answer, - for the rejected one. z thus comes from the pass it trains, dropout included, as in TRL.
  StepFigures step(TrainableModel& model, const std::vector<int64_t>& order, int64_t begin, int64_t end,
                   int batch_size, bool dropout_on, Rng& rng, bool checkpointing) override {
    StepFigures f;
    f.has_rewards = true;
    const double pairs = (double)(end - begin);
    int64_t correct = 0;
    for (int64_t b = begin; b < end; b += batch_size) {
      const int64_t e = std::min(end, b + (int64_t)batch_size), P = e - b;
      const MicroBatch mb = pair_batch(train_, order, b, e);
      auto weigh = [&](const std::vector<double>& row_loss_sums) {
        std::vector<float> scales((size_t)(2 * P));
        for (int64_t k = 0; k < P; k++) {
          const size_t i = (size_t)order[(size_t)(b + k)];
          // Until the first update the policy is the reference (LoRA B = 0, dropout or not): its log-probabilities
          // are the reference's, exactly. (As computed, a GPU's GEMMs may round a row differently in another
          // batch's company, and step 1 would show noise margins.)
          const double w = at_reference_ ? train_ref_.chosen[i] : -row_loss_sums[(size_t)k];
          const double l = at_reference_ ? train_ref_.rejected[i] : -row_loss_sums[(size_t)(P + k)];
          const PairTerms t = pair_terms(w, train_ref_.chosen[i], l, train_ref_.rejected[i], beta_);
          scales[(size_t)k] = (float)(t.weight / pairs);
          scales[(size_t)(P + k)] = -(float)(t.weight / pairs);
          f.loss += t.loss / pairs;
          f.reward_margin += t.margin / pairs;
          correct += t.margin > 0;
        }
        return scales;
      };
      model.forward_backward(mb.batch, 1.f, dropout_on, rng, checkpointing, weigh);
      f.tokens += mb.n_tokens;
      f.rows_per_pass = std::max(f.rows_per_pass, mb.batch.B);
      f.max_t = std::max(f.max_t, mb.batch.T);
    }
    f.reward_accuracy = (double)correct / pairs;
    at_reference_ = false;  // the caller's update follows
    return f;
  }

  ValidFigures validate(TrainableModel& model, int batch_size) override {
    ValidFigures v;
    v.has_rewards = true;
    const int64_t n = valid_.n;
    const std::vector<int64_t> order = identity(n);
    int64_t correct = 0;
    for (int64_t b = 0; b < n; b += batch_size) {
      const int64_t e = std::min(n, b + (int64_t)batch_size), P = e - b;
      const std::vector<double> lp = sequence_logps(model, pair_batch(valid_, order, b, e).batch);
      for (int64_t k = 0; k < P; k++) {
        const size_t i = (size_t)(b + k);
        const PairTerms t = pair_terms(lp[(size_t)k], valid_ref_.chosen[i], lp[(size_t)(P + k)], valid_ref_.rejected[i], beta_);
        v.loss += t.loss / (double)n;
        v.reward_margin += t.margin / (double)n;
        correct += t.margin > 0;
      }
    }
    v.reward_accuracy = n ? (double)correct / (double)n : 0.0;
    return v;
  }

 private:
  PairSet train_, valid_;
  double beta_;
  int batch_size_;  // pairs per scoring pass of the reference
  Reference train_ref_, valid_ref_;
  bool at_reference_ = false;  // no update yet since the adapter was initialized
};

}  // namespace

std::unique_ptr<Objective> make_dpo_objective(const std::vector<api::Example>& train,
                                              const std::vector<api::Example>& validation, int seq_len,
                                              int vocab_size, double beta, int batch_size) {
  PairRows train_pairs = build_pairs(train, seq_len, vocab_size, "training");
  TF_CHECK(!train_pairs.chosen.empty(),
           "no training pair keeps a target in both answers within the first " + std::to_string(seq_len) +
               " tokens; check the loss masks (the answers) or raise max_seq_len");
  PairRows valid_pairs = build_pairs(validation, seq_len, vocab_size, "validation");
  return std::make_unique<DpoObjective>(std::move(train_pairs), std::move(valid_pairs), beta, batch_size);
}

}  // namespace tf::train
