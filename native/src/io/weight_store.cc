// A model folder's weights: one model.safetensors, or shards listed by model.safetensors.index.json
// (weight_map: tensor name -> shard file). Missing or inconsistent shards are reported all at once, because
// a user fixing a partial download wants the whole list, not one file per attempt.
#include <algorithm>

#include <dirent.h>
#include <sys/stat.h>

#include "common/error.h"
#include "common/json.h"
#include "io/safetensors.h"

namespace tf {

namespace {

bool is_file(const std::string& p) {
  struct stat st;
  return ::stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

bool is_dir(const std::string& p) {
  struct stat st;
  return ::stat(p.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

std::vector<std::string> safetensors_in(const std::string& dir) {
  std::vector<std::string> found;
  if (DIR* d = ::opendir(dir.c_str())) {
    while (dirent* e = ::readdir(d)) {
      std::string n = e->d_name;
      if (n.size() > 12 && n.compare(n.size() - 12, 12, ".safetensors") == 0) found.push_back(n);
    }
    ::closedir(d);
  }
  std::sort(found.begin(), found.end());
  return found;
}

std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + v[i];
  return s;
}

}  // namespace

WeightStore::WeightStore(const std::string& model_dir) {
  TF_CHECK(is_dir(model_dir), "model folder " + model_dir + " does not exist (or is not a folder)");
  const std::string index_path = model_dir + "/model.safetensors.index.json";
  const std::string single_path = model_dir + "/model.safetensors";

  if (!is_file(index_path)) {
    if (!is_file(single_path)) {
      std::vector<std::string> found = safetensors_in(model_dir);
      throw Error(model_dir + " has neither model.safetensors nor model.safetensors.index.json" +
                  (found.empty() ? std::string(" (no .safetensors files at all; is this a Hugging Face model folder?)")
                                 : " (found " + join(found) + ")"));
    }
    files_.push_back(std::make_unique<SafetensorsFile>(single_path));
    for (const auto& kv : files_[0]->tensors()) where_[kv.first] = 0;
    return;
  }

  const Json index = parse_json_file(index_path);
  const Json* map = index.find("weight_map");
  TF_CHECK(map && map->is_object(), index_path + ": no \"weight_map\" object");

  // Open each shard once, in name order, and report every missing one together.
  std::map<std::string, size_t> shard_of_file;
  std::vector<std::string> missing;
  for (const auto& kv : map->as_object()) {
    const std::string& shard = kv.second.as_string(index_path + ": weight_map[\"" + kv.first + "\"]");
    TF_CHECK(!shard.empty() && shard.find('/') == std::string::npos && shard != "." && shard != "..",
             index_path + ": weight_map[\"" + kv.first + "\"] = \"" + shard + "\" is not a file name in the folder");
    if (shard_of_file.count(shard)) continue;
    shard_of_file[shard] = 0;
    if (!is_file(model_dir + "/" + shard)) missing.push_back(shard);
  }
  TF_CHECK(!shard_of_file.empty(), index_path + ": weight_map is empty");
  std::sort(missing.begin(), missing.end());
  TF_CHECK(missing.empty(), model_dir + ": model.safetensors.index.json lists shard(s) that are missing: " +
                                join(missing) + " (incomplete download?)");
  for (auto& kv : shard_of_file) {
    kv.second = files_.size();
    files_.push_back(std::make_unique<SafetensorsFile>(model_dir + "/" + kv.first));
  }

  std::vector<std::string> absent;
  for (const auto& kv : map->as_object()) {
    size_t f = shard_of_file.at(kv.second.as_string());
    if (!files_[f]->has(kv.first)) {
      absent.push_back(kv.first + " (in " + kv.second.as_string() + ")");
      continue;
    }
    where_[kv.first] = f;
  }
  if (!absent.empty()) {
    if (absent.size() > 5) absent.resize(5), absent.push_back("...");
    throw Error(index_path + " maps tensors to shards that do not contain them: " + join(absent));
  }
  // Tensors present in a shard but missing from the index are still usable (the first shard by name wins).
  for (size_t f = 0; f < files_.size(); ++f) {
    for (const auto& kv : files_[f]->tensors()) {
      if (where_.count(kv.first)) continue;
      where_[kv.first] = f;
    }
  }
}

bool WeightStore::has(const std::string& name) const { return where_.count(name) != 0; }

const TensorInfo& WeightStore::info(const std::string& name) const {
  auto it = where_.find(name);
  if (it == where_.end()) {
    throw Error("the model has no tensor named " + name + " (looked in " + std::to_string(files_.size()) +
                " safetensors file(s), first " + (files_.empty() ? std::string("none") : files_[0]->path()) + ")");
  }
  return files_[it->second]->info(name);
}

std::vector<float> WeightStore::read_f32(const std::string& name, const std::vector<int64_t>& expected_shape) const {
  info(name);  // the error for an unknown name
  return files_[where_.at(name)]->read_f32(name, expected_shape);
}

void WeightStore::read_f32_into(const std::string& name, const std::vector<int64_t>& expected_shape,
                                std::vector<float>& out, ThreadPool* pool) const {
  info(name);  // the error for an unknown name
  files_[where_.at(name)]->read_f32_into(name, expected_shape, out, pool);
}

std::vector<std::string> WeightStore::names() const {
  std::vector<std::string> out;
  for (const auto& kv : where_) out.push_back(kv.first);
  return out;
}

}  // namespace tf
