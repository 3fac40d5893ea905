// The CUDA model's NF4 dequantization schedule (native/cuda/host/dequant_schedule.h), on the CPU: which buffer each
// weight lands in, when the side stream expands the next weight ahead of the main stream, and what it must not
// overwrite.
#include <vector>

#include "harness.h"
#include "host/dequant_schedule.h"

using tf::cuda::DequantSchedule;

namespace {

// Weights are identified by address only.
const int kW[8] = {};
const void* w(int i) { return &kW[i]; }

}  // namespace

TEST(a_first_pass_expands_on_the_main_stream_and_alternates_buffers) {
  DequantSchedule s;
  s.begin_pass(0);
  int previous = -1;
  for (int i = 0; i < 4; ++i) {
    const auto r = s.request(w(i));
    CHECK(!r.filled_ahead && !r.cached);
    CHECK(r.prefetch == nullptr);  // nothing recorded for this kind yet
    CHECK(r.slot != previous);     // never the buffer the previous matmul reads
    previous = r.slot;
  }
  CHECK_EQ(s.counts().misses, 4);
}

TEST(a_repeated_pass_expands_each_next_weight_ahead_into_the_other_buffer) {
  DequantSchedule s;
  const std::vector<int> order = {0, 1, 2, 3, 4, 5, 6, 6, 5};  // ends like a recompute then backward
  s.begin_pass(1);
  for (int i : order) s.request(w(i));
  CHECK_EQ(s.counts().misses, 7);  // the repeats were still in a buffer
  s.begin_pass(1);
  // What the second pass gets at each request: M a miss (expanded on the main stream), A expanded ahead on the side
  // stream, C still in a buffer; and which weight it expands ahead next (-1: none, the next one is held already).
  const char kind[] = "MAAAAAACC";
  const int next[] = {1, 2, 3, 4, 5, 6, -1, -1, -1};
  int ahead_slot = -1;
  for (size_t i = 0; i < order.size(); ++i) {
    const auto r = s.request(w(order[i]));
    CHECK_EQ(r.filled_ahead ? 'A' : r.cached ? 'C' : 'M', kind[i]);
    if (r.filled_ahead) CHECK_EQ(r.slot, ahead_slot);  // where the previous request put it
    CHECK(r.prefetch == (next[i] < 0 ? nullptr : w(next[i])));
    if (r.prefetch) {
      CHECK(r.prefetch_slot != r.slot);  // never the buffer this request's matmul reads
      ahead_slot = r.prefetch_slot;
    }
  }
  CHECK_EQ(s.counts().misses, 8);
  CHECK_EQ(s.counts().filled_ahead, 6);
  CHECK_EQ(s.counts().prefetches, 6);
}

TEST(a_pass_that_leaves_the_recorded_order_falls_back_and_records_the_new_one) {
  DequantSchedule s;
  s.begin_pass(0);
  for (int i : {0, 1, 2, 3}) s.request(w(i));
  s.begin_pass(0);
  CHECK(s.request(w(0)).prefetch == w(1));
  const auto wrong = s.request(w(7));  // w(1) was expanded ahead, w(7) comes instead
  CHECK(!wrong.filled_ahead && !wrong.cached);
  CHECK(wrong.prefetch == nullptr);  // off the recorded order: nothing is known about what follows
  const auto back = s.request(w(2));  // position 2 matches again
  CHECK(!back.filled_ahead);
  CHECK(back.prefetch == w(3));
  s.request(w(3));
  // The next pass of this kind follows the order just seen.
  s.begin_pass(0);
  CHECK(s.request(w(0)).prefetch == w(7));
  CHECK(s.request(w(7)).filled_ahead);
}

TEST(kinds_keep_their_own_order_and_a_new_pass_trusts_no_buffer) {
  DequantSchedule s;
  s.begin_pass(0);
  for (int i : {0, 1, 2}) s.request(w(i));
  s.begin_pass(1);
  for (int i : {2, 1, 0}) s.request(w(i));
  s.begin_pass(0);
  const auto r = s.request(w(0));
  CHECK(!r.cached);  // w(0) was in a buffer at the end of the kind-1 pass, but the arena may have moved since
  CHECK(r.prefetch == w(1));
  s.begin_pass(1);
  CHECK(s.request(w(2)).prefetch == w(1));
  s.request(w(1)), s.request(w(0));
  // A pass that asks for nothing (a decode step of a few rows reads NF4 codes directly) keeps its kind's order.
  s.begin_pass(1);
  s.begin_pass(1);
  CHECK(s.request(w(2)).prefetch == w(1));
  // A shorter pass ends its kind's order: kind 0's was cut to one weight by the one-request pass above.
  s.begin_pass(0);
  CHECK(s.request(w(0)).prefetch == nullptr);
}

TEST(a_miss_takes_the_buffer_of_the_weight_expanded_ahead_in_vain) {
  DequantSchedule s;
  s.begin_pass(0);
  for (int i : {0, 1, 2}) s.request(w(i));
  s.begin_pass(0);
  const auto first = s.request(w(0));
  REQUIRE(first.prefetch == w(1));
  // w(5) instead of w(1): the buffer w(1) is being expanded into is the one not read by w(0)'s matmul, so the miss
  // expands there (the pipeline first waits for that expansion, which still writes it).
  const auto miss = s.request(w(5));
  CHECK(!miss.filled_ahead && !miss.cached);
  CHECK_EQ(miss.slot, first.prefetch_slot);
  CHECK(s.request(w(0)).cached);  // w(0) is still in the other buffer
}

TEST(without_expanding_ahead_a_repeated_pass_expands_on_the_main_stream_again) {
  DequantSchedule s(false);
  for (int pass = 0; pass < 2; ++pass) {
    s.begin_pass(0);
    for (int i : {0, 1, 2, 2}) {
      const auto r = s.request(w(i));
      CHECK(r.prefetch == nullptr);
      CHECK(!r.filled_ahead);
    }
  }
  CHECK_EQ(s.counts().misses, 6);
  CHECK_EQ(s.counts().cached, 2);  // a weight still in its buffer is not expanded again either way
}
