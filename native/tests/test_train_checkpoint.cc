// The checkpoint folder format on its own: an exact round trip (64-bit RNG words, fp32 moments, adapter),
// pruning to the newest few, a stale temporary folder from a crash is not mistaken for a checkpoint, and a
// damaged trainer_state.json is a clear error.
#include <cmath>
#include <filesystem>

#include "harness.h"
#include "train/checkpoint.h"

using namespace tf::train;
namespace fs = std::filesystem;

namespace {

Checkpoint sample(int step) {
  Checkpoint c;
  c.adapter.r = 2;
  c.adapter.alpha = 4;
  c.adapter.target_modules = {"q_proj"};
  c.adapter.base_model = "tiny";
  tf::LoraTensors t;
  t.module = "model.layers.0.self_attn.q_proj";
  t.rank = 2, t.in = 3, t.out = 4;
  t.A = {0.1f, -0.2f, 0.3f, 0.4f, 0.5f, -0.6f};
  t.B = {1, 2, 3, 4, 5, 6, 7, 8};
  c.adapter.modules.push_back(t);
  c.names = {t.module + ".lora_A", t.module + ".lora_B"};
  c.exp_avg = {{1e-7f, 2, 3, 4, 5, 6}, std::vector<float>(8, -0.125f)};
  c.exp_avg_sq = {std::vector<float>(6, 3e-12f), std::vector<float>(8, 0.5f)};
  c.state.step = step;
  c.state.total_steps = 40;
  c.state.epoch = step / 10;
  c.state.next_micro_batch = (step % 10) * 2;
  c.state.rows = 77;
  c.state.seed = 0xfedcba9876543210ull;
  c.state.optimizer_steps = step;
  tf::Rng rng(5);
  rng.normal();  // leaves a cached spare normal in the state
  c.state.rng = rng.state();
  for (int s = 1; s <= step; ++s)
    c.log_history.push_back({s, 2.0 / s + 1e-17, 1e-4 * s / 3, 0.1 * s, 1234.5678, int64_t(1) << 33, s % 3 == 0, 1.0 / 3});
  return c;
}

}  // namespace

TEST(checkpoint_round_trip_is_exact) {
  tf_test::TempDir dir("tf-ckpt");
  const Checkpoint c = sample(7);
  const std::string path = write_checkpoint(dir.path(), c, 3);
  CHECK_EQ(path, dir.path() + "/step-7");
  const Checkpoint r = read_checkpoint(path);
  CHECK(r.state.rng == c.state.rng);
  CHECK_EQ(r.state.seed, c.state.seed);
  CHECK_EQ(r.state.step, 7);
  CHECK_EQ(r.state.next_micro_batch, (int64_t)14);
  CHECK_EQ(r.state.rows, (int64_t)77);
  CHECK(r.names == c.names);
  CHECK(r.exp_avg == c.exp_avg);
  CHECK(r.exp_avg_sq == c.exp_avg_sq);
  REQUIRE(r.adapter.modules.size() == 1);
  CHECK(r.adapter.modules[0].A == c.adapter.modules[0].A);
  CHECK(r.adapter.modules[0].B == c.adapter.modules[0].B);
  // The step log, every double exactly, the eval loss only where there was one.
  REQUIRE(r.log_history.size() == 7);
  for (size_t i = 0; i < 7; i++) {
    const LoggedStep &a = r.log_history[i], &b = c.log_history[i];
    CHECK_EQ(a.step, b.step);
    CHECK_EQ(a.loss, b.loss);
    CHECK_EQ(a.learning_rate, b.learning_rate);
    CHECK_EQ(a.grad_norm, b.grad_norm);
    CHECK_EQ(a.tokens_per_second, b.tokens_per_second);
    CHECK_EQ(a.memory_bytes, b.memory_bytes);
    CHECK_EQ(a.has_eval_loss, b.has_eval_loss);
    CHECK_EQ(a.eval_loss, b.has_eval_loss ? b.eval_loss : 0.0);
  }
  // A NaN validation loss (validation runs after the step's update) is left out, and the checkpoint still reads.
  Checkpoint nan = sample(3);
  nan.log_history[2].eval_loss = std::nan("");
  const Checkpoint back = read_checkpoint(write_checkpoint(dir.path(), nan, 3));
  REQUIRE(back.log_history.size() == 3);
  CHECK(!back.log_history[2].has_eval_loss);
  CHECK_EQ(back.log_history[2].loss, nan.log_history[2].loss);
  // A checkpoint written before the log existed reads with an empty one.
  std::string state = tf_test::read_file(path + "/trainer_state.json");
  const size_t at = state.find("\"log_history\":[");
  REQUIRE(at != std::string::npos);
  const size_t end = state.find(']', at) + 1;  // its entries hold no arrays
  state.erase(at, end - at + (state[end] == ',' ? 1 : 0));
  tf_test::write_file(path + "/trainer_state.json", state);
  CHECK(read_checkpoint(path).log_history.empty());
}

TEST(only_the_newest_checkpoints_are_kept_and_stale_temporaries_are_replaced) {
  tf_test::TempDir dir("tf-ckpt");
  fs::create_directories(dir.path() + "/.step-3.tmp/junk");  // what a crash mid-write leaves
  fs::create_directories(dir.path() + "/.step-99.tmp/junk");
  for (int s : {1, 2, 3, 10, 11}) write_checkpoint(dir.path(), sample(s), 3);
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir.path())) names.push_back(e.path().filename());
  std::sort(names.begin(), names.end());
  CHECK((names == std::vector<std::string>{"step-10", "step-11", "step-3"}));
  CHECK(!fs::exists(dir.path() + "/step-3/junk"));
}

TEST(damaged_checkpoints_are_clear_errors) {
  tf_test::TempDir dir("tf-ckpt");
  CHECK_THROWS(read_checkpoint(dir.path() + "/step-9"), "is not a folder");
  CHECK_THROWS(read_checkpoint(dir.path()), "has no trainer_state.json");
  const std::string path = write_checkpoint(dir.path(), sample(4), 3);
  std::string state = tf_test::read_file(path + "/trainer_state.json");
  const size_t at = state.find("\"rng\":[\"") + 8;
  state[at] = 'z';
  tf_test::write_file(path + "/trainer_state.json", state);
  CHECK_THROWS(read_checkpoint(path), "trainer_state.json: rng word");
  fs::remove(path + "/optimizer.safetensors");
  tf_test::write_file(path + "/trainer_state.json", tf_test::read_file(path + "/trainer_state.json").replace(at, 1, "0"));
  CHECK_THROWS(read_checkpoint(path), "has no optimizer.safetensors");
}
