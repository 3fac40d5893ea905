#pragma once
// From tokenized examples to the model's micro-batches. An example becomes a sequence whose targets are the
// next token where the loss mask says so (-1 elsewhere); sequences become rows, one per row (padding) or
// several per row (packing, each its own segment with positions restarting at 0); B rows make a micro-batch,
// padded to its longest row with a target -1 segment. The rows are fixed before training and only their order
// changes per epoch, so the number of micro-batches per epoch, and with it total_steps, is known up front.
#include <cstdint>
#include <string>
#include <vector>

#include "api.h"
#include "model/llama.h"

namespace tf::train {

struct Row {
  std::vector<int32_t> tokens, targets, positions, segments;
  int64_t n_targets = 0;
};

struct RowSet {
  std::vector<Row> rows;
  int64_t examples_used = 0;
  int64_t examples_without_targets = 0;  // dropped: no loss target left after truncation
};

// Throws naming `where` when the example's mask length differs from its tokens or an id is outside [0, vocab).
void check_example(const api::Example& ex, int vocab_size, const std::string& where);
// Whether the example keeps a loss target once truncated to max_seq_len tokens.
bool has_target_within(const api::Example& ex, int max_seq_len);
// The example, truncated to max_seq_len tokens, as a row of its own (one segment, positions from 0).
Row sequence_row(const api::Example& ex, int max_seq_len);

// Validates each example (mask length, ids in [0, vocab)), truncates to max_seq_len tokens and builds rows.
// Packing fills rows of up to max_seq_len tokens greedily in an order shuffled once from the seed.
// `which` ("training" / "validation") names the set in errors.
RowSet build_rows(const std::vector<api::Example>& examples, int max_seq_len, int vocab_size, bool packing,
                  uint64_t seed, const std::string& which);

// The row order of an epoch: a Fisher-Yates permutation drawn from (seed, epoch) alone, so a resumed run
// recomputes it without saved state.
std::vector<int64_t> epoch_order(int64_t n_rows, uint64_t seed, int epoch);

struct MicroBatch {
  Batch batch;
  int64_t n_tokens = 0;   // real tokens (padding excluded), for tokens/s
  int64_t n_targets = 0;  // targets != -1
};

// Rows order[begin, end) as one micro-batch, padded to the longest row.
MicroBatch make_batch(const std::vector<Row>& rows, const std::vector<int64_t>& order, int64_t begin, int64_t end);

// Rows [begin, end) in their stored order (validation).
MicroBatch make_batch_in_order(const std::vector<Row>& rows, int64_t begin, int64_t end);

}  // namespace tf::train
