// PEFT adapter folders: the exact files PEFT writes for a plain LoRA (key names, shapes, fp32, metadata,
// adapter_config.json), a lossless round trip, adapters written by PEFT with extra config fields, and the
// malformed or unsupported folders that must be refused with a message naming the file and key.
#include "io/peft.h"

#include <cmath>
#include <string>

#include "common/json.h"
#include "harness.h"
#include "io/safetensors.h"

using namespace tf;

namespace {

LoraTensors make_module(const std::string& name, int r, int in, int out, float seed) {
  LoraTensors m;
  m.module = name;
  m.rank = r, m.in = in, m.out = out;
  for (int i = 0; i < r * in; ++i) m.A.push_back(std::sin(seed + 0.37f * float(i)));
  for (int i = 0; i < out * r; ++i) m.B.push_back(std::cos(seed - 0.11f * float(i)) * 0.01f);
  return m;
}

PeftAdapter make_adapter() {
  PeftAdapter a;
  a.r = 4;
  a.alpha = 8;
  a.dropout = 0.05f;
  a.target_modules = {"q_proj", "v_proj", "gate_proj"};
  a.base_model = "HuggingFaceTB/SmolLM2-135M";
  // Deliberately out of order (layer 10 before layer 2) to check the sorted read-back.
  a.modules.push_back(make_module("model.layers.10.self_attn.q_proj", 4, 16, 16, 1));
  a.modules.push_back(make_module("model.layers.2.mlp.gate_proj", 4, 16, 40, 2));
  a.modules.push_back(make_module("model.layers.2.self_attn.v_proj", 4, 16, 8, 3));
  return a;
}

}  // namespace

TEST(peft_write_exact_keys_shapes_and_config) {
  tf_test::TempDir dir("tf-peft");
  const std::string out = dir.file("adapter/nested");  // created by the writer
  write_peft_adapter(out, make_adapter());
  SafetensorsFile st(out + "/adapter_model.safetensors");
  CHECK_EQ(st.metadata().size(), size_t(1));
  CHECK_EQ(st.metadata().at("format"), std::string("pt"));
  CHECK_EQ(st.tensors().size(), size_t(6));
  const TensorInfo& qa = st.info("base_model.model.model.layers.10.self_attn.q_proj.lora_A.weight");
  const TensorInfo& gb = st.info("base_model.model.model.layers.2.mlp.gate_proj.lora_B.weight");
  CHECK(qa.shape == std::vector<int64_t>({4, 16}));  // A [r, in]
  CHECK(gb.shape == std::vector<int64_t>({40, 4}));  // B [out, r]
  CHECK_EQ(qa.dtype, DType::F32);
  CHECK(st.has("base_model.model.model.layers.2.self_attn.v_proj.lora_A.weight"));
  CHECK(st.info("base_model.model.model.layers.2.self_attn.v_proj.lora_B.weight").shape == std::vector<int64_t>({8, 4}));

  // The config, byte for byte (keys sorted; the values PEFT itself writes for a plain LoRA).
  std::string cfg = tf_test::read_file(out + "/adapter_config.json");
  CHECK_EQ(cfg, std::string(
      R"({"base_model_name_or_path":"HuggingFaceTB/SmolLM2-135M","bias":"none","fan_in_fan_out":false,)"
      R"("inference_mode":true,"init_lora_weights":true,"lora_alpha":8,"lora_dropout":0.05,"modules_to_save":null,)"
      R"("peft_type":"LORA","r":4,"target_modules":["q_proj","v_proj","gate_proj"],"task_type":"CAUSAL_LM",)"
      R"("use_dora":false,"use_rslora":false})" "\n"));
  CHECK(!std::ifstream(out + "/adapter_config.json.tmp").good());
}

TEST(peft_round_trip_is_lossless_and_sorted) {
  tf_test::TempDir dir("tf-peft");
  PeftAdapter a = make_adapter();
  a.rslora = true;
  write_peft_adapter(dir.path(), a);
  PeftAdapter b = read_peft_adapter(dir.path());
  CHECK_EQ(b.r, 4);
  CHECK_EQ(b.alpha, 8.0f);
  CHECK_EQ(b.dropout, 0.05f);
  CHECK(b.rslora);
  CHECK(b.target_modules == a.target_modules);
  CHECK_EQ(b.base_model, a.base_model);
  REQUIRE(b.modules.size() == 3);
  // Sorted by layer index (2 before 10), then by module path.
  CHECK_EQ(b.modules[0].module, std::string("model.layers.2.mlp.gate_proj"));
  CHECK_EQ(b.modules[1].module, std::string("model.layers.2.self_attn.v_proj"));
  CHECK_EQ(b.modules[2].module, std::string("model.layers.10.self_attn.q_proj"));
  for (const LoraTensors& m : b.modules) {
    const LoraTensors* src = nullptr;
    for (const LoraTensors& s : a.modules)
      if (s.module == m.module) src = &s;
    REQUIRE(src);
    CHECK_EQ(m.rank, 4);
    CHECK_EQ(m.in, src->in);
    CHECK_EQ(m.out, src->out);
    CHECK(m.A == src->A);  // fp32 on disk: bit-exact
    CHECK(m.B == src->B);
  }
  CHECK_NEAR(peft_scaling(b), 8.0 / 2.0, 1e-7);  // rsLoRA: alpha / sqrt(r)
  b.rslora = false;
  CHECK_NEAR(peft_scaling(b), 8.0 / 4.0, 1e-7);
}

TEST(peft_reads_an_adapter_as_peft_writes_it) {
  // PEFT's save_pretrained writes many more config fields, a bf16 adapter when trained in bf16, and
  // target_modules as a set (any order). All of that must load.
  tf_test::TempDir dir("tf-peft");
  std::vector<float> A(2 * 8, 0.5f), B(6 * 2, -0.25f);
  write_safetensors(dir.file("adapter_model.safetensors"),
                    {{"base_model.model.model.layers.0.self_attn.k_proj.lora_A.weight", DType::BF16, {2, 8}, A.data()},
                     {"base_model.model.model.layers.0.self_attn.k_proj.lora_B.weight", DType::BF16, {6, 2}, B.data()}},
                    {{"format", "pt"}});
  tf_test::write_file(dir.file("adapter_config.json"), R"({
    "alpha_pattern": {}, "auto_mapping": null, "base_model_name_or_path": null, "bias": "none",
    "eva_config": null, "exclude_modules": null, "fan_in_fan_out": false, "inference_mode": true,
    "init_lora_weights": true, "layer_replication": null, "layers_pattern": null, "layers_to_transform": null,
    "loftq_config": {}, "lora_alpha": 16, "lora_bias": false, "lora_dropout": 0.1, "megatron_config": null,
    "megatron_core": "megatron.core", "modules_to_save": null, "peft_type": "LORA", "r": 2, "rank_pattern": {},
    "revision": null, "target_modules": ["k_proj"], "task_type": "CAUSAL_LM", "use_dora": false, "use_rslora": false})");
  PeftAdapter a = read_peft_adapter(dir.path());
  CHECK_EQ(a.r, 2);
  CHECK_EQ(a.alpha, 16.0f);
  CHECK_NEAR(a.dropout, 0.1, 1e-7);
  CHECK(a.base_model.empty());
  REQUIRE(a.modules.size() == 1);
  CHECK_EQ(a.modules[0].module, std::string("model.layers.0.self_attn.k_proj"));
  CHECK_EQ(a.modules[0].in, 8);
  CHECK_EQ(a.modules[0].out, 6);
  CHECK(a.modules[0].A == A);
  CHECK(a.modules[0].B == B);
}

TEST(peft_malformed_adapters_are_refused) {
  tf_test::TempDir dir("tf-peft");
  const std::string d = dir.path();
  CHECK_THROWS(read_peft_adapter(dir.file("none")), "adapter folder " + dir.file("none") + " does not exist");
  CHECK_THROWS(read_peft_adapter(d), "has no adapter_config.json");
  write_peft_adapter(d, make_adapter());
  const std::string good_cfg = tf_test::read_file(dir.file("adapter_config.json"));
  auto with_cfg = [&](const std::string& edit_from, const std::string& edit_to) {
    std::string c = good_cfg;
    size_t p = c.find(edit_from);
    if (p == std::string::npos) throw Error("test setup: " + edit_from + " not in config");
    tf_test::write_file(dir.file("adapter_config.json"), c.replace(p, edit_from.size(), edit_to));
  };
  with_cfg("\"r\":4", "\"r\":8");
  CHECK_THROWS(read_peft_adapter(d), "has rank 4/4 in lora_A/lora_B but adapter_config.json says r = 8");
  with_cfg("\"peft_type\":\"LORA\"", "\"peft_type\":\"IA3\"");
  CHECK_THROWS(read_peft_adapter(d), "peft_type IA3 is not supported (only LORA)");
  with_cfg("\"use_dora\":false", "\"use_dora\":true");
  CHECK_THROWS(read_peft_adapter(d), "use_dora = true (DoRA) is not supported");
  with_cfg("\"bias\":\"none\"", "\"bias\":\"all\"");
  CHECK_THROWS(read_peft_adapter(d), "bias \"all\" is not supported");
  with_cfg("\"modules_to_save\":null", "\"modules_to_save\":[\"lm_head\"]");
  CHECK_THROWS(read_peft_adapter(d), "modules_to_save is not supported");
  with_cfg("\"r\":4", "\"r\":4,\"rank_pattern\":{\"q_proj\":8}");
  CHECK_THROWS(read_peft_adapter(d), "rank_pattern (per-module ranks) is not supported");
  with_cfg("\"lora_alpha\":8", "\"lora_alpha\":\"8\"");
  CHECK_THROWS(read_peft_adapter(d), "adapter_config.json: lora_alpha: expected a number, got a string");
  with_cfg("\"r\":4", "\"r\":0");
  CHECK_THROWS(read_peft_adapter(d), "r must be positive");
  tf_test::write_file(dir.file("adapter_config.json"), "{\"r\": 4,");
  CHECK_THROWS(read_peft_adapter(d), "invalid JSON in " + dir.file("adapter_config.json"));
  tf_test::write_file(dir.file("adapter_config.json"), good_cfg);

  std::vector<float> v(64, 0.0f);
  auto with_tensors = [&](const std::vector<TensorToWrite>& ts) {
    write_safetensors(dir.file("adapter_model.safetensors"), ts, {{"format", "pt"}});
  };
  const std::string k = "base_model.model.model.layers.0.self_attn.q_proj";
  with_tensors({{k + ".lora_A.weight", DType::F32, {4, 8}, v.data()}});
  CHECK_THROWS(read_peft_adapter(d), k + ".lora_A.weight has no matching " + k + ".lora_B.weight");
  with_tensors({{k + ".lora_B.weight", DType::F32, {8, 4}, v.data()}});
  CHECK_THROWS(read_peft_adapter(d), k + ".lora_B.weight has no matching " + k + ".lora_A.weight");
  with_tensors({{k + ".lora_A.weight", DType::F32, {4, 8}, v.data()}, {k + ".lora_B.weight", DType::F32, {8, 2}, v.data()}});
  CHECK_THROWS(read_peft_adapter(d), "has rank 4/2 in lora_A/lora_B");
  with_tensors({{k + ".lora_A.weight", DType::F32, {32}, v.data()}, {k + ".lora_B.weight", DType::F32, {8, 4}, v.data()}});
  CHECK_THROWS(read_peft_adapter(d), "lora_A/lora_B must be 2-D");
  with_tensors({{"base_model.model.lm_head.weight", DType::F32, {4, 8}, v.data()}});
  CHECK_THROWS(read_peft_adapter(d), "unexpected tensor base_model.model.lm_head.weight");
  with_tensors({{"model.layers.0.self_attn.q_proj.lora_A.weight", DType::F32, {4, 8}, v.data()}});
  CHECK_THROWS(read_peft_adapter(d), "unexpected tensor model.layers.0.self_attn.q_proj.lora_A.weight");
  with_tensors({});
  CHECK_THROWS(read_peft_adapter(d), "holds no LoRA tensors");
  v[3] = NAN;
  with_tensors({{k + ".lora_A.weight", DType::F32, {4, 8}, v.data()}, {k + ".lora_B.weight", DType::F32, {8, 4}, v.data()}});
  CHECK_THROWS(read_peft_adapter(d), "model.layers.0.self_attn.q_proj has a NaN or infinite weight");
  tf_test::write_file(dir.file("adapter_model.safetensors"), "garbage!!");
  CHECK_THROWS(read_peft_adapter(d), "adapter_model.safetensors: header length");
  std::remove(dir.file("adapter_model.safetensors").c_str());
  CHECK_THROWS(read_peft_adapter(d), "has no adapter_model.safetensors");
  tf_test::write_file(dir.file("adapter_model.bin"), "pickle");
  CHECK_THROWS(read_peft_adapter(d), "holds adapter_model.bin (a pickle)");
}

TEST(peft_write_validates_its_input) {
  tf_test::TempDir dir("tf-peft");
  PeftAdapter a = make_adapter();
  a.modules[1].B.pop_back();
  CHECK_THROWS(write_peft_adapter(dir.path(), a), "module model.layers.2.mlp.gate_proj: B must hold out*rank = 160 floats");
  a = make_adapter();
  a.modules[0].rank = 2;
  CHECK_THROWS(write_peft_adapter(dir.path(), a), "has rank 2 but the adapter's r is 4");
  a = make_adapter();
  a.modules.push_back(a.modules[0]);
  CHECK_THROWS(write_peft_adapter(dir.path(), a), "module model.layers.10.self_attn.q_proj appears twice");
  a = make_adapter();
  a.modules.clear();
  CHECK_THROWS(write_peft_adapter(dir.path(), a), "has no LoRA modules");
  tf_test::write_file(dir.file("file"), "x");
  CHECK_THROWS(write_peft_adapter(dir.file("file"), make_adapter()), "exists and is not a folder");
  // Nothing half-written was left behind by the refusals.
  CHECK(!std::ifstream(dir.file("adapter_model.safetensors")).good());
}
