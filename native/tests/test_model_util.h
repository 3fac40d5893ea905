#pragma once
// Loading a tiny model into LlamaModel, packed batches, and the reference's view of its LoRA.
#include <memory>

#include "model/llama.h"
#include "test_model_ref.h"

namespace tf_test {

struct Loaded {
  std::unique_ptr<TempDir> dir;
  TinyModel tm;
  std::unique_ptr<tf::LlamaModel> m;
};

inline Loaded load_tiny(const TinySpec& s, tf::ThreadPool& pool, uint64_t seed = 1) {
  Loaded r;
  r.dir = std::make_unique<TempDir>("tf-model");
  r.tm = write_tiny_model(r.dir->path(), s, seed);
  r.m = tf::LlamaModel::load(r.dir->path(), s.nf4 ? tf::Quant::NF4 : tf::Quant::None, s.double_quant, pool);
  return r;
}

// Two rows of T=6: row 0 one sequence (one target masked), row 1 two packed segments of 3 whose positions
// restart. Targets are the next token inside a segment, -1 at segment ends.
inline tf::Batch packed_batch(int V, uint64_t seed) {
  tf::Rng rng(seed);
  tf::Batch b;
  b.B = 2, b.T = 6;
  for (int i = 0; i < 12; ++i) b.tokens.push_back(static_cast<int32_t>(rng.next_u64() % V));
  b.positions = {0, 1, 2, 3, 4, 5, 0, 1, 2, 0, 1, 2};
  b.segments = {0, 0, 0, 0, 0, 0, 4, 4, 4, 5, 5, 5};
  for (int i = 0; i < 12; ++i) {
    const bool last = i % 6 == 5 || (i >= 6 && b.segments[i + 1 < 12 ? i + 1 : i] != b.segments[i]);
    b.targets.push_back(last ? -1 : b.tokens[i + 1]);
  }
  b.targets[1] = -1;
  return b;
}

inline RefLora ref_lora(tf::LlamaModel& m) {
  RefLora r;
  r.r = m.lora_spec().rank;
  r.scaling = m.lora_scaling();
  auto ps = m.lora_params();
  for (size_t i = 0; i + 1 < ps.size(); i += 2) {
    const std::string mod = ps[i].name.substr(0, ps[i].name.size() - std::string(".lora_A").size());
    r.ab[mod] = {ps[i].w, ps[i + 1].w};
  }
  return r;
}

// PEFT starts B at zero; tests want a non-trivial adapter, so B gets random values too.
inline void randomize_b(tf::LlamaModel& m, uint64_t seed, float scale = 0.3f) {
  tf::Rng rng(seed);
  for (auto& p : m.lora_params())
    if (p.name.size() > 7 && p.name.substr(p.name.size() - 7) == ".lora_B")
      for (size_t i = 0; i < p.n; ++i) p.w[i] = rng.uniform(-scale, scale);
}

}  // namespace tf_test
