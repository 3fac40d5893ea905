#include <algorithm>

#include "common/error.h"
#include "train/batching.h"
#include "train/objective.h"
#include "train/trainer.h"

namespace tf::train {

namespace {

class SftObjective final : public Objective {
 public:
  SftObjective(RowSet train, RowSet validation) : train_(std::move(train)), valid_(std::move(validation)) {}

  int64_t units() const override { return (int64_t)train_.rows.size(); }
  bool has_validation() const override { return !valid_.rows.empty(); }

  StepFigures step(TrainableModel& model, const std::vector<int64_t>& order, int64_t begin, int64_t end,
                   int batch_size, bool dropout_on, Rng& rng, bool checkpointing) override {
    std::vector<MicroBatch> micro;
    StepFigures f;
    int64_t targets = 0;
    for (int64_t b = begin; b < end; b += batch_size) {
      micro.push_back(make_batch(train_.rows, order, b, std::min<int64_t>(b + batch_size, end)));
      targets += micro.back().n_targets;
      f.tokens += micro.back().n_tokens;
      f.max_t = std::max(f.max_t, micro.back().batch.T);
      f.rows_per_pass = std::max(f.rows_per_pass, micro.back().batch.B);
    }
    // Every row has a target, so targets > 0; the step's loss is the mean over all of them.
    const float scale = 1.f / (float)targets;
    double loss_sum = 0;
    for (const MicroBatch& mb : micro) loss_sum += model.forward_backward(mb.batch, scale, dropout_on, rng, checkpointing).sum;
    f.loss = loss_sum / (double)targets;
    return f;
  }

  ValidFigures validate(TrainableModel& model, int batch_size) override {
    ValidFigures v;
    v.loss = mean_loss(model, valid_.rows, batch_size);
    return v;
  }

 private:
  RowSet train_, valid_;
};

}  // namespace

std::unique_ptr<Objective> make_sft_objective(const std::vector<api::Example>& train,
                                              const std::vector<api::Example>& validation, int seq_len,
                                              int vocab_size, bool packing, uint64_t seed) {
  RowSet train_rows = build_rows(train, seq_len, vocab_size, packing, seed, "training");
  TF_CHECK(!train_rows.rows.empty(),
           "no training example has a loss target within the first " + std::to_string(seq_len) +
               " tokens; check the loss masks (assistant turns) or raise max_seq_len");
  RowSet valid_rows = build_rows(validation, seq_len, vocab_size, false, seed, "validation");
  return std::make_unique<SftObjective>(std::move(train_rows), std::move(valid_rows));
}

}  // namespace tf::train
