#include "train/batching.h"

#include <algorithm>

#include "common/error.h"
#include "common/rng.h"

namespace tf::train {

namespace {

void append_sequence(Row& row, const api::Example& ex, size_t n, int32_t segment) {
  for (size_t i = 0; i < n; i++) {
    row.tokens.push_back(ex.tokens[i]);
    // Position i predicts token i+1 when token i+1 is a loss target (Example.loss_mask semantics).
    const bool is_target = i + 1 < n && ex.loss_mask[i + 1] != 0;
    row.targets.push_back(is_target ? ex.tokens[i + 1] : -1);
    row.positions.push_back((int32_t)i);
    row.segments.push_back(segment);
    if (is_target) row.n_targets++;
  }
}

}  // namespace

void check_example(const api::Example& ex, int vocab_size, const std::string& where) {
  TF_CHECK(ex.tokens.size() == ex.loss_mask.size(),
           where + ": tokens (" + std::to_string(ex.tokens.size()) + ") and loss_mask (" +
               std::to_string(ex.loss_mask.size()) + ") differ in length");
  for (size_t i = 0; i < ex.tokens.size(); i++)
    TF_CHECK(ex.tokens[i] >= 0 && ex.tokens[i] < vocab_size,
             where + ": token id " + std::to_string(ex.tokens[i]) + " at position " + std::to_string(i) +
                 " is outside the model's vocabulary [0, " + std::to_string(vocab_size) +
                 "); was it tokenized with this model's tokenizer?");
}

bool has_target_within(const api::Example& ex, int max_seq_len) {
  const size_t n = std::min(ex.tokens.size(), (size_t)max_seq_len);
  for (size_t i = 1; i < n; i++)
    if (ex.loss_mask[i] != 0) return true;
  return false;
}

Row sequence_row(const api::Example& ex, int max_seq_len) {
  Row row;
  append_sequence(row, ex, std::min(ex.tokens.size(), (size_t)max_seq_len), 0);
  return row;
}

RowSet build_rows(const std::vector<api::Example>& examples, int max_seq_len, int vocab_size, bool packing,
                  uint64_t seed, const std::string& which) {
  TF_CHECK(max_seq_len >= 2, "max_seq_len must be at least 2 (got " + std::to_string(max_seq_len) + ")");
  RowSet out;
  std::vector<size_t> usable;  // example index, kept only if it has a target within max_seq_len
  for (size_t e = 0; e < examples.size(); e++) {
    check_example(examples[e], vocab_size, which + " example " + std::to_string(e));
    if (has_target_within(examples[e], max_seq_len))
      usable.push_back(e);
    else
      out.examples_without_targets++;
  }
  out.examples_used = (int64_t)usable.size();

  if (!packing) {
    for (size_t e : usable) {
      out.rows.push_back(sequence_row(examples[e], max_seq_len));
    }
    return out;
  }
  // Packing: a seeded order so that rows mix examples regardless of how the file was sorted; each example
  // stays whole within one row (never split across rows).
  std::vector<int64_t> order = epoch_order((int64_t)usable.size(), seed, -1);
  Row row;
  int32_t segment = 0;
  for (int64_t k : order) {
    const auto& ex = examples[usable[(size_t)k]];
    const size_t n = std::min(ex.tokens.size(), (size_t)max_seq_len);
    if (!row.tokens.empty() && row.tokens.size() + n > (size_t)max_seq_len) {
      out.rows.push_back(std::move(row));
      row = Row();
      segment = 0;
    }
    append_sequence(row, ex, n, segment++);
  }
  if (!row.tokens.empty()) out.rows.push_back(std::move(row));
  return out;
}

std::vector<int64_t> epoch_order(int64_t n_rows, uint64_t seed, int epoch) {
  std::vector<int64_t> order((size_t)n_rows);
  for (int64_t i = 0; i < n_rows; i++) order[(size_t)i] = i;
  Rng rng(hash_u64(seed, 0x9e3779b97f4a7c15ull + (uint64_t)(int64_t)epoch));
  for (int64_t i = n_rows - 1; i > 0; i--) {
    const int64_t j = (int64_t)(rng.next_u64() % (uint64_t)(i + 1));
    std::swap(order[(size_t)i], order[(size_t)j]);
  }
  return order;
}

static MicroBatch batch_of(const std::vector<const Row*>& rows) {
  MicroBatch mb;
  Batch& b = mb.batch;
  b.B = (int)rows.size();
  b.T = 0;
  for (const Row* r : rows) b.T = std::max(b.T, (int)r->tokens.size());
  const size_t total = (size_t)b.B * (size_t)b.T;
  b.tokens.assign(total, 0);
  b.targets.assign(total, -1);
  b.positions.assign(total, 0);
  b.segments.assign(total, 0);
  for (int i = 0; i < b.B; i++) {
    const Row& r = *rows[(size_t)i];
    const size_t off = (size_t)i * (size_t)b.T;
    std::copy(r.tokens.begin(), r.tokens.end(), b.tokens.begin() + (long)off);
    std::copy(r.targets.begin(), r.targets.end(), b.targets.begin() + (long)off);
    std::copy(r.positions.begin(), r.positions.end(), b.positions.begin() + (long)off);
    std::copy(r.segments.begin(), r.segments.end(), b.segments.begin() + (long)off);
    // Padding is one more segment (label after the row's last) with positions from 0, so it is an ordinary
    // sequence to the model and real tokens never attend to it.
    const int32_t pad_segment = r.segments.empty() ? 0 : r.segments.back() + 1;
    for (size_t t = r.tokens.size(); t < (size_t)b.T; t++) {
      b.positions[off + t] = (int32_t)(t - r.tokens.size());
      b.segments[off + t] = pad_segment;
    }
    mb.n_tokens += (int64_t)r.tokens.size();
    mb.n_targets += r.n_targets;
  }
  return mb;
}

MicroBatch make_batch(const std::vector<Row>& rows, const std::vector<int64_t>& order, int64_t begin, int64_t end) {
  std::vector<const Row*> picked;
  for (int64_t i = begin; i < end; i++) picked.push_back(&rows[(size_t)order[(size_t)i]]);
  return batch_of(picked);
}

MicroBatch make_batch_in_order(const std::vector<Row>& rows, int64_t begin, int64_t end) {
  std::vector<const Row*> picked;
  for (int64_t i = begin; i < end; i++) picked.push_back(&rows[(size_t)i]);
  return batch_of(picked);
}

}  // namespace tf::train
