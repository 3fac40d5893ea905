#pragma once
// PEFT LoRA adapters as PEFT, vLLM and friends read them (reference/trainer.md): adapter_model.safetensors
// (fp32, metadata {"format":"pt"}) with keys base_model.model.<module>.lora_A.weight [r, in] and
// .lora_B.weight [out, r], plus adapter_config.json. Whether an adapter fits a base model is checked by the
// model code against these shapes; here we only check that the folder is a well-formed LoRA adapter.
#include <string>
#include <vector>

namespace tf {

struct LoraTensors {
  std::string module;  // e.g. "model.layers.0.self_attn.q_proj"
  int rank = 0, in = 0, out = 0;
  std::vector<float> A, B;  // A [rank, in], B [out, rank], row-major
};

struct PeftAdapter {
  int r = 0;
  float alpha = 0;
  float dropout = 0;
  bool rslora = false;
  std::vector<std::string> target_modules;  // e.g. {"q_proj", "v_proj"}
  std::string base_model;                   // base_model_name_or_path
  std::vector<LoraTensors> modules;         // read back sorted by layer index, then module name
};

// Writes <dir>/adapter_model.safetensors and <dir>/adapter_config.json (creating dir). Throws tf::Error.
void write_peft_adapter(const std::string& dir, const PeftAdapter& adapter);

// Reads and validates an adapter folder written by us or by PEFT (F32/F16/BF16 tensors are converted to
// fp32). Throws tf::Error naming the file and key on anything malformed.
PeftAdapter read_peft_adapter(const std::string& dir);

// scaling = alpha / r, or alpha / sqrt(r) with rsLoRA.
float peft_scaling(const PeftAdapter& adapter);

}  // namespace tf
