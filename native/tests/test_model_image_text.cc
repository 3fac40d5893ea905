// Image-text checkpoints whose decoder the trainer reads as a text model: Gemma 3 from 4B up
// (Gemma3ForConditionalGeneration) and Ministral 3 / Mistral Small 3.x (Mistral3ForConditionalGeneration), as published:
// the decoder under language_model.model. (transformers 4.50's layout, an untied lm_head at language_model.lm_head) or
// model.language_model. (4.52+, lm_head at the top), a vision tower beside it. The text model computes what the same
// weights give as a …ForCausalLM, its PEFT modules carry the checkpoint's names, and a merge writes them there and copies
// the vision tower.
#include <algorithm>
#include <cmath>

#include "harness.h"
#include "io/safetensors.h"
#include "merge.h"
#include "test_model_util.h"

using namespace tf;
using namespace tf_test;

namespace {

// `plain`'s weights rewritten in each layout, with `config` (its text_config the same model's) as config.json.
void check_image_text_layouts(Loaded& plain, const std::string& arch, const std::string& config, ThreadPool& pool) {
  const std::vector<int32_t> toks = {3, 17, 0, 36, 5, 5, 21, 9, 30};
  const auto want = plain.m->logits(toks);
  for (const std::string prefix : {"language_model.model.", "model.language_model."}) {
    TempDir dir("tf-image-text");
    std::vector<TensorToWrite> out;
    std::vector<std::string> names;
    names.reserve(plain.tm.w.size() + 1);
    for (auto& [name, v] : plain.tm.w) {
      const bool head = name == "lm_head.weight";
      names.push_back(head ? (prefix == "language_model.model." ? "language_model.lm_head.weight" : name)
                           : prefix + name.substr(std::string("model.").size()));
      out.push_back({names.back(), DType::F32, plain.tm.shape.at(name), v.data()});
    }
    const std::vector<float> vision(12, 0.25f);
    out.push_back({"vision_tower.patch_conv.weight", DType::F32, {3, 4}, vision.data()});
    write_safetensors(dir.file("model.safetensors"), out);
    write_file(dir.file("config.json"), config);
    auto mm = LlamaModel::load(dir.path(), Quant::None, false, pool);
    CHECK_EQ(mm->config().architecture, arch);
    CHECK(mm->logits(toks) == want);
    CHECK_EQ(mm->num_parameters(), plain.m->num_parameters());  // the vision tower is not part of the text model
    LoraSpec ls;
    ls.targets = {"q_proj", "down_proj"};
    mm->init_lora(ls, 3);
    randomize_b(*mm, 4);
    const PeftAdapter a = mm->export_lora("image-text");
    CHECK_EQ(a.modules[0].module, prefix + "layers.0.self_attn.q_proj");
    const auto tuned = mm->logits(toks);
    TempDir merged("tf-image-text-merged");
    merge_adapter_into_base(dir.path(), a, merged.path(), pool);
    auto back = LlamaModel::load(merged.path(), Quant::None, false, pool);
    const auto got = back->logits(toks);
    double md = 0;
    for (size_t i = 0; i < got.size(); ++i) md = std::max(md, std::fabs(double(got[i]) - tuned[i]));
    CHECK(md < 0.05);  // bf16 weights in the merged folder
    WeightStore ws(merged.path());
    CHECK(ws.has("vision_tower.patch_conv.weight"));
  }
}

}  // namespace

TEST(image_text_gemma3_trains_its_text_model_under_the_checkpoints_names) {
  ThreadPool pool(2);
  TinySpec s;
  s.gemma = true, s.tie = true, s.hd = 16, s.nkv = 1;
  auto plain = load_tiny(s, pool, 13);
  check_image_text_layouts(plain, "Gemma3ForConditionalGeneration",
                           R"({"architectures": ["Gemma3ForConditionalGeneration"], "model_type": "gemma3",
        "eos_token_id": [1, 106], "torch_dtype": "float32", "text_config": {"vocab_size": 37, "hidden_size": 32,
        "intermediate_size": 48, "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 1, "head_dim": 16,
        "max_position_embeddings": 64, "rms_norm_eps": 1e-05, "rope_theta": 10000, "rope_local_base_freq": 1000,
        "sliding_window": 4, "sliding_window_pattern": 2, "query_pre_attn_scalar": 16}})",
                           pool);
}

// Ministral 3 (untied, as the 8B and 14B): the lm_head read where each layout keeps it, and the query temperature of
// its text_config's rope_parameters.
TEST(image_text_ministral3_trains_its_text_model_under_the_checkpoints_names) {
  ThreadPool pool(2);
  TinySpec s;
  s.ministral3 = true;
  auto plain = load_tiny(s, pool, 61);
  check_image_text_layouts(plain, "Mistral3ForConditionalGeneration",
                           R"({"architectures": ["Mistral3ForConditionalGeneration"], "model_type": "mistral3",
        "eos_token_id": 2, "torch_dtype": "float32", "vision_config": {"model_type": "pixtral"},
        "text_config": {"model_type": "ministral3", "vocab_size": 37, "hidden_size": 32, "intermediate_size": 48,
        "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2, "head_dim": 8,
        "max_position_embeddings": 64, "rms_norm_eps": 1e-05, "tie_word_embeddings": false, "sliding_window": null,
        "rope_parameters": {"rope_type": "yarn", "rope_theta": 10000.0, "factor": 4.0, "original_max_position_embeddings": 4,
        "mscale": 1.0, "mscale_all_dim": 1.0, "beta_fast": 32.0, "beta_slow": 1.0, "llama_4_scaling_beta": 0.5}}})",
                           pool);
}
