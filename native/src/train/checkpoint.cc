#include "train/checkpoint.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "common/error.h"
#include "common/json.h"
#include "io/safetensors.h"

namespace fs = std::filesystem;

namespace tf::train {

namespace {

// RNG words are full 64-bit values; JSON numbers are doubles, so they travel as hex strings.
std::string to_hex(uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", (unsigned long long)v);
  return buf;
}

uint64_t from_hex(const std::string& s, const std::string& where) {
  TF_CHECK(s.size() == 16 && s.find_first_not_of("0123456789abcdef") == std::string::npos,
           where + ": rng word \"" + s + "\" is not 16 hex digits");
  return std::stoull(s, nullptr, 16);
}

void write_text(const std::string& path, const std::string& text) {
  std::ofstream f(path, std::ios::binary);
  f << text;
  f.close();
  TF_CHECK(f.good(), "cannot write " + path + " (is the disk full or the folder read-only?)");
}

int step_of(const fs::path& p) {
  const std::string name = p.filename().string();
  if (name.rfind("step-", 0) != 0 || name.size() == 5) return -1;
  for (size_t i = 5; i < name.size(); i++)
    if (name[i] < '0' || name[i] > '9') return -1;
  return std::stoi(name.substr(5));
}

void prune(const fs::path& root, int keep) {
  std::vector<std::pair<int, fs::path>> steps;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(root)) {
    const std::string name = e.path().filename().string();
    if (e.is_directory() && step_of(e.path()) >= 0) steps.push_back({step_of(e.path()), e.path()});
    // Half-written folders of a crashed run: never resumable, only taking space.
    if (name.rfind(".step-", 0) == 0 && name.size() > 4 && name.compare(name.size() - 4, 4, ".tmp") == 0)
      fs::remove_all(e.path(), ec);
  }
  std::sort(steps.begin(), steps.end());
  for (size_t i = 0; i + (size_t)keep < steps.size(); i++) {
    fs::remove_all(steps[i].second, ec);  // best effort: an old checkpoint left behind is harmless
  }
}

}  // namespace

std::string write_checkpoint(const std::string& checkpoints_dir, const Checkpoint& c, int keep) {
  TF_CHECK(c.names.size() == c.exp_avg.size() && c.names.size() == c.exp_avg_sq.size(),
           "checkpoint: optimizer state is inconsistent (names vs moments)");
  const fs::path root(checkpoints_dir);
  const fs::path final_dir = root / ("step-" + std::to_string(c.state.step));
  const fs::path tmp = root / (".step-" + std::to_string(c.state.step) + ".tmp");
  std::error_code ec;
  fs::create_directories(root, ec);
  TF_CHECK(!ec, "cannot create the checkpoint folder " + root.string() + ": " + ec.message());
  fs::remove_all(tmp, ec);
  fs::create_directories(tmp, ec);
  TF_CHECK(!ec, "cannot create " + tmp.string() + ": " + ec.message());

  write_peft_adapter(tmp.string(), c.adapter);

  std::vector<TensorToWrite> tensors;
  for (size_t i = 0; i < c.names.size(); i++) {
    tensors.push_back({c.names[i] + ".exp_avg", DType::F32, {(int64_t)c.exp_avg[i].size()}, c.exp_avg[i].data()});
    tensors.push_back(
        {c.names[i] + ".exp_avg_sq", DType::F32, {(int64_t)c.exp_avg_sq[i].size()}, c.exp_avg_sq[i].data()});
  }
  write_safetensors((tmp / "optimizer.safetensors").string(), tensors);

  const TrainerState& s = c.state;
  Json j = Json::object();
  j.set("format", Json::integer(1));
  j.set("step", Json::integer(s.step));
  j.set("total_steps", Json::integer(s.total_steps));
  j.set("epoch", Json::integer(s.epoch));
  j.set("next_micro_batch", Json::integer(s.next_micro_batch));
  j.set("rows", Json::integer(s.rows));
  j.set("seed", Json::string(to_hex(s.seed)));
  j.set("optimizer_steps", Json::integer(s.optimizer_steps));
  j.set("method", Json::string(s.method));
  if (s.method == "dpo") j.set("dpo_beta", Json::number(s.dpo_beta));
  Json rng = Json::array();
  for (uint64_t w : s.rng) rng.push(Json::string(to_hex(w)));
  j.set("rng", rng);
  Json order = Json::array();
  for (const auto& n : c.names) order.push(Json::string(n));
  j.set("params", order);
  Json log = Json::array();
  for (const LoggedStep& l : c.log_history) {
    Json e = Json::object();
    e.set("step", Json::integer(l.step));
    e.set("loss", Json::number(l.loss));
    e.set("learning_rate", Json::number(l.learning_rate));
    e.set("grad_norm", Json::number(l.grad_norm));
    e.set("tokens_per_second", Json::number(l.tokens_per_second));
    e.set("memory_bytes", Json::integer(l.memory_bytes));
    // A validation loss can be NaN (validation runs after the step's update); JSON has no NaN, so it is left out.
    if (l.has_eval_loss && std::isfinite(l.eval_loss)) e.set("eval_loss", Json::number(l.eval_loss));
    if (l.has_rewards) {
      e.set("rewards/accuracies", Json::number(l.reward_accuracy));
      if (std::isfinite(l.reward_margin)) e.set("rewards/margins", Json::number(l.reward_margin));
      if (l.has_eval_loss && std::isfinite(l.eval_loss)) {
        e.set("eval_rewards/accuracies", Json::number(l.eval_reward_accuracy));
        e.set("eval_rewards/margins", Json::number(l.eval_reward_margin));
      }
    }
    log.push(std::move(e));
  }
  j.set("log_history", std::move(log));
  write_text((tmp / "trainer_state.json").string(), j.dump() + "\n");

  // Replace an existing step-N (a rerun of the same step) and move the complete folder into place.
  fs::remove_all(final_dir, ec);
  fs::rename(tmp, final_dir, ec);
  TF_CHECK(!ec, "cannot move checkpoint " + tmp.string() + " to " + final_dir.string() + ": " + ec.message());
  if (keep > 0) prune(root, keep);
  return final_dir.string();
}

Checkpoint read_checkpoint(const std::string& dir) {
  const fs::path root(dir);
  TF_CHECK(fs::is_directory(root), "resume_from: " + dir + " is not a folder; pass a checkpoints/step-N folder");
  const fs::path state_path = root / "trainer_state.json";
  TF_CHECK(fs::exists(state_path),
           "resume_from: " + dir + " has no trainer_state.json; pass a checkpoints/step-N folder written by training");
  Checkpoint c;
  const Json j = parse_json_file(state_path.string());
  const std::string where = state_path.string();
  TF_CHECK(j.at("format").as_int(where + " format") == 1, where + ": unknown checkpoint format");
  TrainerState& s = c.state;
  s.step = (int)j.at("step").as_int(where + " step");
  s.total_steps = (int)j.at("total_steps").as_int(where + " total_steps");
  s.epoch = (int)j.at("epoch").as_int(where + " epoch");
  s.next_micro_batch = j.at("next_micro_batch").as_int(where + " next_micro_batch");
  s.rows = j.at("rows").as_int(where + " rows");
  s.seed = from_hex(j.at("seed").as_string(where + " seed"), where);
  s.optimizer_steps = j.at("optimizer_steps").as_int(where + " optimizer_steps");
  if (const Json* m = j.find("method")) s.method = m->as_string(where + " method");
  if (const Json* b = j.find("dpo_beta")) s.dpo_beta = b->as_double(where + " dpo_beta");
  const auto& rng = j.at("rng").as_array(where + " rng");
  TF_CHECK(rng.size() == s.rng.size(), where + ": rng must have " + std::to_string(s.rng.size()) + " words");
  for (size_t i = 0; i < rng.size(); i++) s.rng[i] = from_hex(rng[i].as_string(where + " rng"), where);
  for (const auto& n : j.at("params").as_array(where + " params")) c.names.push_back(n.as_string(where + " params"));
  if (const Json* log = j.find("log_history")) {
    const std::string what = where + " log_history";
    for (const Json& e : log->as_array(what)) {
      LoggedStep l;
      l.step = (int)e.at("step").as_int(what + " step");
      l.loss = e.at("loss").as_double(what + " loss");
      l.learning_rate = e.at("learning_rate").as_double(what + " learning_rate");
      l.grad_norm = e.at("grad_norm").as_double(what + " grad_norm");
      l.tokens_per_second = e.at("tokens_per_second").as_double(what + " tokens_per_second");
      l.memory_bytes = e.at("memory_bytes").as_int(what + " memory_bytes");
      if (const Json* v = e.find("eval_loss"); v && !v->is_null()) l.has_eval_loss = true, l.eval_loss = v->as_double(what + " eval_loss");
      if (const Json* v = e.find("rewards/accuracies")) {
        l.has_rewards = true;
        l.reward_accuracy = v->as_double(what + " rewards/accuracies");
        if (const Json* m = e.find("rewards/margins")) l.reward_margin = m->as_double(what + " rewards/margins");
        if (const Json* a = e.find("eval_rewards/accuracies")) l.eval_reward_accuracy = a->as_double(what + " eval_rewards/accuracies");
        if (const Json* m = e.find("eval_rewards/margins")) l.eval_reward_margin = m->as_double(what + " eval_rewards/margins");
      }
      c.log_history.push_back(l);
    }
  }

  c.adapter = read_peft_adapter(dir);
  const std::string opt_path = (root / "optimizer.safetensors").string();
  TF_CHECK(fs::exists(opt_path), "resume_from: " + dir + " has no optimizer.safetensors");
  SafetensorsFile opt(opt_path);
  for (const auto& n : c.names) {
    c.exp_avg.push_back(opt.read_f32(n + ".exp_avg"));
    c.exp_avg_sq.push_back(opt.read_f32(n + ".exp_avg_sq"));
  }
  return c;
}

}  // namespace tf::train
