// What carrying every step's figures in each checkpoint costs (train/checkpoint.h log_history): the size of
// trainer_state.json and the time to write and read a checkpoint whose log has N steps, for N = 1,000, 10,000 and
// 100,000. The trainer writes one at every checkpoint, on its own thread, so the write time is what a run pauses.
//   bench_checkpoint_log [--dir DIR]   (default: a folder under /tmp, removed afterwards)
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>

#include "common/rng.h"
#include "train/checkpoint.h"

using namespace tf::train;
namespace fs = std::filesystem;

namespace {

double ms_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

// A one-module adapter: the log, not the tensors, is what is measured.
Checkpoint checkpoint_with_log(int steps) {
  Checkpoint c;
  c.adapter.r = 2, c.adapter.alpha = 4, c.adapter.target_modules = {"q_proj"}, c.adapter.base_model = "bench";
  tf::LoraTensors t;
  t.module = "model.layers.0.self_attn.q_proj";
  t.rank = 2, t.in = 3, t.out = 4;
  t.A.assign(6, 0.1f), t.B.assign(8, 0.2f);
  c.adapter.modules.push_back(t);
  c.names = {t.module + ".lora_A", t.module + ".lora_B"};
  c.exp_avg = {std::vector<float>(6, 0.f), std::vector<float>(8, 0.f)};
  c.exp_avg_sq = c.exp_avg;
  c.state.step = c.state.total_steps = steps, c.state.rows = 10, c.state.optimizer_steps = steps;
  tf::Rng rng(1);  // figures with all their digits, as a run's are
  for (int s = 1; s <= steps; ++s)
    c.log_history.push_back({s, 2.0 + 0.1 * rng.normal(), 1e-4 * (1 - double(s) / steps), 0.5 + rng.uniform_double(),
                             12345.6 + rng.normal(), int64_t(8) << 30, s % 100 == 0, 1.9 + 0.01 * rng.normal()});
  return c;
}

}  // namespace

int main(int argc, char** argv) {
  std::string dir = (fs::temp_directory_path() / "tf-bench-checkpoint-log").string();
  for (int i = 1; i + 1 < argc; ++i)
    if (std::strcmp(argv[i], "--dir") == 0) dir = argv[i + 1];
  std::printf("%10s %16s %12s %10s %10s\n", "log steps", "state bytes", "bytes/step", "write ms", "read ms");
  for (int steps : {1000, 10000, 100000}) {
    const Checkpoint c = checkpoint_with_log(steps);
    fs::remove_all(dir);
    const auto t0 = std::chrono::steady_clock::now();
    const std::string path = write_checkpoint(dir, c, 3);
    const double write_ms = ms_since(t0);
    const auto t1 = std::chrono::steady_clock::now();
    const Checkpoint back = read_checkpoint(path);
    const double read_ms = ms_since(t1);
    const auto bytes = fs::file_size(fs::path(path) / "trainer_state.json");
    if (back.log_history.size() != c.log_history.size()) {
      std::fprintf(stderr, "bench_checkpoint_log: read back %zu of %zu steps\n", back.log_history.size(), c.log_history.size());
      return 1;
    }
    std::printf("%10d %16ju %12.0f %10.1f %10.1f\n", steps, uintmax_t(bytes), double(bytes) / steps, write_ms, read_ms);
  }
  fs::remove_all(dir);
  return 0;
}
