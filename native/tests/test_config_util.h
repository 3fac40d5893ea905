#pragma once
// What the config.json tests share: a config with only the keys every architecture needs, plus `extra`.
#include <string>

inline std::string minimal(const std::string& extra, const std::string& arch = "LlamaForCausalLM") {
  return R"({"architectures": [")" + arch + R"("], "vocab_size": 100, "hidden_size": 64, "intermediate_size": 128,
             "num_hidden_layers": 2, "num_attention_heads": 4)" + (extra.empty() ? "" : ", " + extra) + "}";
}
