#include "merge.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>

#include "common/error.h"
#include "common/json.h"
#include "io/safetensors.h"

namespace fs = std::filesystem;

namespace tf {

namespace {

std::string shape_str(const std::vector<int64_t>& s) {
  std::string out = "[";
  for (size_t i = 0; i < s.size(); i++) out += (i ? ", " : "") + std::to_string(s[i]);
  return out + "]";
}

// w [out, in] += scaling · B [out, r] @ A [r, in]; rows split over the pool (each row owned by one thread).
void add_lora_delta(float* w, const LoraTensors& t, float scaling, ThreadPool& pool) {
  pool.parallel_for(t.out, [&](int64_t begin, int64_t end, int) {
    std::vector<float> row((size_t)t.in);
    for (int64_t o = begin; o < end; o++) {
      std::fill(row.begin(), row.end(), 0.f);
      for (int k = 0; k < t.rank; k++) {
        const float b = t.B[(size_t)o * t.rank + k];
        const float* a = &t.A[(size_t)k * t.in];
        for (int i = 0; i < t.in; i++) row[(size_t)i] += b * a[i];
      }
      float* wr = w + (size_t)o * t.in;
      for (int i = 0; i < t.in; i++) wr[i] += scaling * row[(size_t)i];
    }
  });
}

void write_text(const std::string& path, const std::string& text) {
  std::ofstream f(path + ".tmp", std::ios::binary);
  f << text;
  f.close();
  TF_CHECK(f.good(), "merge: cannot write " + path + " (is the disk full or the folder read-only?)");
  fs::rename(path + ".tmp", path);
}

}  // namespace

void merge_adapter_into_base(const std::string& model_dir, const PeftAdapter& adapter, const std::string& out_dir,
                             ThreadPool& pool, int64_t shard_bytes) {
  TF_CHECK(!out_dir.empty(), "merge: out_dir is required");
  TF_CHECK(fs::absolute(out_dir).lexically_normal() != fs::absolute(model_dir).lexically_normal(),
           "merge: out_dir must differ from the model folder (it would overwrite the base weights)");
  const WeightStore store(model_dir);
  const float scaling = peft_scaling(adapter);

  // Which base tensor each adapter module changes; every module must exist with the adapter's shape.
  std::map<std::string, const LoraTensors*> delta;
  for (const LoraTensors& t : adapter.modules) {
    const std::string name = t.module + ".weight";
    TF_CHECK(store.has(name), "merge: the adapter changes " + t.module + " but the base model in " + model_dir +
                                  " has no tensor " + name + "; was the adapter made for another base model?");
    const auto& shape = store.info(name).shape;
    TF_CHECK(shape.size() == 2 && shape[0] == t.out && shape[1] == t.in,
             "merge: " + name + " has shape " + shape_str(shape) + " in the base model but the adapter expects [" +
                 std::to_string(t.out) + ", " + std::to_string(t.in) + "]; was it made for another base model?");
    delta[name] = &t;
  }

  // Plan shards by bf16 size, keeping the base's tensor order.
  const std::vector<std::string> names = store.names();
  std::vector<std::vector<std::string>> shards(1);
  int64_t in_shard = 0, total = 0;
  for (const auto& n : names) {
    const int64_t bytes = store.info(n).numel() * 2;
    if (in_shard > 0 && in_shard + bytes > shard_bytes) {
      shards.emplace_back();
      in_shard = 0;
    }
    shards.back().push_back(n);
    in_shard += bytes;
    total += bytes;
  }

  std::error_code ec;
  fs::create_directories(out_dir, ec);
  TF_CHECK(!ec, "merge: cannot create " + out_dir + ": " + ec.message());
  Json weight_map = Json::object();
  for (size_t s = 0; s < shards.size(); s++) {
    char file[64];
    if (shards.size() == 1)
      std::snprintf(file, sizeof file, "model.safetensors");
    else
      std::snprintf(file, sizeof file, "model-%05zu-of-%05zu.safetensors", s + 1, shards.size());
    std::vector<std::vector<float>> data;
    data.reserve(shards[s].size());
    std::vector<TensorToWrite> out;
    for (const auto& n : shards[s]) {
      data.push_back(store.read_f32(n));
      auto it = delta.find(n);
      if (it != delta.end()) add_lora_delta(data.back().data(), *it->second, scaling, pool);
      out.push_back({n, DType::BF16, store.info(n).shape, data.back().data()});
      weight_map.set(n, Json::string(file));
    }
    write_safetensors((fs::path(out_dir) / file).string(), out, {{"format", "pt"}});
  }
  const std::string index_path = (fs::path(out_dir) / "model.safetensors.index.json").string();
  if (shards.size() == 1) fs::remove(index_path, ec);  // a stale index from an earlier merge would win
  if (shards.size() > 1) {
    Json index = Json::object();
    Json meta = Json::object();
    meta.set("total_size", Json::integer(total));
    index.set("metadata", meta);
    index.set("weight_map", weight_map);
    write_text(index_path, index.dump() + "\n");
  }

  Json config = parse_json_file((fs::path(model_dir) / "config.json").string());
  TF_CHECK(config.is_object(), "merge: " + model_dir + "/config.json is not a JSON object");
  config.set("torch_dtype", Json::string("bfloat16"));
  write_text((fs::path(out_dir) / "config.json").string(), config.dump() + "\n");
}

}  // namespace tf
