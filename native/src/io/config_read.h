#pragma once
// What config.cc, config_gemma.cc and config_families.cc share while reading config.json: the typed key readers (null counts as
// absent, as transformers treats it) and the per-family readers parse_model_config calls. Not part of the public API
// (io/config.h).
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "common/json.h"
#include "io/config.h"

namespace tf::config_read {

const Json* present(const Json& j, const char* key);  // the value, or null when absent or null
int get_int(const Json& j, const char* key, int def, const std::string& src);
double get_double(const Json& j, const char* key, double def, const std::string& src);
std::string num(double x);  // a number as config.json writes it: 0.1, not 0.100000

// config.cc: RoPE as transformers reads it (4.x's rope_theta / rope_scaling, 5.x's rope_parameters).
RopeScaling parse_rope_scaling_object(const Json& rs, const std::string& what, bool type_required, bool phi3 = false);
std::string describe_theta(double theta);
void parse_rope(const Json& j, const std::string& src, ModelConfig& c);
RopeScaling parse_yarn(const Json& rs, const std::string& what);
void finish_yarn(ModelConfig& c);  // after max_position_embeddings and the RoPE are read

// config_gemma.cc
void parse_gemma(const Json& j, const std::string& src, ModelConfig& c);  // Gemma 2 and Gemma 3
ModelConfig parse_gemma3_text_config(const Json& j, const std::string& source);

// config_mistral.cc
void parse_ministral3_rope(const Json& j, const std::string& src, ModelConfig& c);  // in place of parse_rope
ModelConfig parse_mistral3_text_config(const Json& j, const std::string& source);

// config_lfm2.cc
ModelConfig parse_lfm2_config(const Json& j, const std::string& source);
ModelConfig parse_lfm2_vl_text_config(const Json& j, const std::string& source);  // LFM2-VL's decoder

// config_families.cc
void refuse_dropout(const Json& j, const std::string& src, const char* key, const char* family);
void refuse_phi3_differences(const Json& j, const std::string& src);
int parse_partial_rotary(const Json& j, const std::string& src, ModelConfig& c);  // the rotated dimensions
void parse_phi3_rope(const Json& j, const std::string& src, ModelConfig& c);
void parse_glm4(const Json& j, const std::string& src, ModelConfig& c);
void parse_windows(const Json& j, const std::string& src, ModelConfig& c);
void parse_smollm3(const Json& j, const std::string& src, ModelConfig& c);
void parse_exaone4(const Json& j, const std::string& src, ModelConfig& c);  // before parse_windows
std::vector<char> read_layer_types(const Json& j, const std::string& src, int layers);  // empty when absent
void parse_granite(const Json& j, const std::string& src, ModelConfig& c);
// An image-text checkpoint's decoder config (Gemma 3's, Mistral 3's): its text_config as a config.json of `arch`.
Json decoder_config(const Json& j, const std::string& source, const std::string& outer,
                    const std::vector<std::pair<const char*, int64_t>>& defaults, const std::string& arch,
                    const std::string& model_type);

}  // namespace tf::config_read
