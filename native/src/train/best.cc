#include "train/best.h"

#include <cmath>
#include <filesystem>
#include <fstream>

#include "common/error.h"
#include "common/json.h"

namespace tf::train {

namespace fs = std::filesystem;

namespace {
const char* const kAdapterFiles[] = {"adapter_config.json", "adapter_model.safetensors"};
}

bool BestTracker::observe(int step, double loss) {
  // A NaN loss (validation after a bad update) is never better; it counts toward the patience.
  const bool better = std::isfinite(loss) && loss < best_loss_;
  // HF compares against the best before this pass: a first pass (no best yet) always resets the count.
  const bool enough = better && (!std::isfinite(best_loss_) || best_loss_ - loss > threshold_);
  without_improvement_ = enough ? 0 : without_improvement_ + 1;
  if (better) {
    best_step_ = step;
    best_loss_ = loss;
  }
  return better;
}

void BestTracker::replay(const std::vector<LoggedStep>& history) {
  for (const LoggedStep& l : history)
    // The log leaves a NaN validation loss out (JSON has no NaN): such a pass has has_eval_loss false there,
    // and a pass with no loss is not counted, the one difference from the uninterrupted run.
    if (l.has_eval_loss) observe(l.step, l.eval_loss);
}

std::string best_adapter_dir(const std::string& out_dir) { return (fs::path(out_dir) / "best").string(); }

void write_best_adapter(const std::string& out_dir, const PeftAdapter& adapter, int step, double loss) {
  const fs::path final_dir = best_adapter_dir(out_dir);
  const fs::path tmp = fs::path(out_dir) / ".best.tmp";
  std::error_code ec;
  fs::remove_all(tmp, ec);
  fs::create_directories(tmp, ec);
  TF_CHECK(!ec, "cannot create " + tmp.string() + ": " + ec.message());
  write_peft_adapter(tmp.string(), adapter);
  Json j = Json::object();
  j.set("step", Json::integer(step));
  j.set("eval_loss", Json::number(loss));
  const std::string path = (tmp / "best.json").string();
  std::ofstream f(path, std::ios::binary);
  f << j.dump() << "\n";
  f.close();
  TF_CHECK(f.good(), "cannot write " + path + " (is the disk full or the folder read-only?)");
  fs::remove_all(final_dir, ec);
  fs::rename(tmp, final_dir, ec);
  TF_CHECK(!ec, "cannot move the best adapter " + tmp.string() + " to " + final_dir.string() + ": " + ec.message());
}

int best_adapter_step(const std::string& out_dir) {
  const fs::path path = fs::path(best_adapter_dir(out_dir)) / "best.json";
  if (!fs::exists(path)) return 0;
  try {
    return (int)parse_json_file(path.string()).at("step").as_int(path.string() + " step");
  } catch (const Error&) {
    return 0;
  }
}

void promote_best_adapter(const std::string& out_dir) {
  const fs::path from = best_adapter_dir(out_dir);
  for (const char* name : kAdapterFiles) {
    std::error_code ec;
    fs::copy_file(from / name, fs::path(out_dir) / name, fs::copy_options::overwrite_existing, ec);
    TF_CHECK(!ec, "cannot copy the best adapter's " + std::string(name) + " from " + from.string() + " to " +
                      out_dir + ": " + ec.message());
  }
}

}  // namespace tf::train
