#pragma once
// The Llama-family decoder (Llama, Mistral, Qwen2, SmolLM2) on the CPU backend: frozen base weights (fp32
// or NF4), LoRA adapters with gradients, and a KV cache for decoding. HF transformers semantics (see
// reference/trainer.md). Only LoRA parameters ever get gradients.
//
// Threading: every method uses the pool given to load(); results are bitwise identical for any pool size.
// A LlamaModel is not safe to call from two threads at once (it owns scratch buffers).
#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/rng.h"
#include "common/threadpool.h"
#include "io/config.h"
#include "io/peft.h"
#include "model/trainable.h"

namespace tf {

enum class Quant { None, NF4 };

// One LoRA tensor and its gradient. Order is stable (layer, then q,k,v,o,gate,up,down, A before B), so an
// optimizer can keep its state in the same order; name is "<module>.lora_A" / "<module>.lora_B" with module
// like "model.layers.0.self_attn.q_proj".
struct ParamRef {
  float* w;
  float* g;
  size_t n;
  std::string name;
};

class LlamaModel final : public TrainableModel {
 public:
  // Reads <dir>/config.json and the safetensors weights (single file or sharded). F32/F16/BF16 sources are
  // converted to fp32; with Quant::NF4 the seven per-layer projections are quantized (+ double quant), while
  // embeddings, lm_head, norms and biases stay fp32 (transformers keeps lm_head out of bitsandbytes too).
  // Errors name the tensor and file.
  static std::unique_ptr<LlamaModel> load(const std::string& dir, Quant quant, bool double_quant,
                                          ThreadPool& pool);
  ~LlamaModel();

  const ModelConfig& config() const override;
  Quant quant() const;
  int64_t weight_bytes() const override;  // memory of the frozen weights as held (NF4 ≈ 0.52 B/param)
  int64_t num_parameters() const;    // all frozen parameters, embedding included
  int64_t matmul_parameters() const; // N_frozen of the FLOP accounting (lm_head counted, embedding not)

  // --- LoRA ---
  // PEFT init: A ~ U(±1/sqrt(in)) (kaiming-uniform a=sqrt(5)), B = 0; throws on an unknown target name or
  // rank < 1.
  void init_lora(const LoraSpec& spec, uint64_t seed) override;
  bool has_lora() const;
  const LoraSpec& lora_spec() const;
  float lora_scaling() const;
  int64_t lora_parameters() const override;  // N_lora
  void clear_lora() override;
  // Validates every module name and shape against this base ("adapter made for another base" errors).
  void load_lora(const PeftAdapter& adapter) override;
  PeftAdapter export_lora(const std::string& base_name) const override;
  std::vector<ParamRef> lora_params();
  void zero_lora_grads() override;
  std::vector<std::vector<float>> lora_grads_host() const override;
  std::vector<std::string> lora_param_names() const override;
  // AdamW on the host vectors of lora_params() (train/adamw.h), re-reading them at every call.
  std::unique_ptr<LoraOptimizer> make_optimizer(const train::AdamWHyper& hyper) override;
  std::string backend_name() const override { return "cpu"; }

  // --- training ---
  // Accumulates d(grad_scale * sum of losses)/dθ into the LoRA gradients (call zero_lora_grads() per optimizer
  // step) and returns the loss sum. dropout_on applies LoRA dropout with masks drawn from rng. With
  // checkpointing each layer keeps its input and attention output, and the rest is recomputed in backward (same
  // gradients). row_scaler (trainable.h) weighs each row by its own loss.
  // Throws if no LoRA is attached.
  LossSum forward_backward(const Batch& batch, float grad_scale, bool dropout_on, Rng& rng,
                           bool checkpointing, const RowScaler& row_scaler = nullptr) override;
  // Loss only (validation), no dropout.
  LossSum forward_loss(const Batch& batch, std::vector<double>* row_sums = nullptr) override;
  // Logits [T, V] for one sequence (positions 0..T-1), with the LoRA adapter if one is attached.
  std::vector<float> logits(const std::vector<int32_t>& tokens) override;

  // Bytes of activations forward_backward keeps for a B x T batch (plus logits), for memory reports.
  int64_t activation_bytes(int B, int T, bool checkpointing) const override;
  StepTimeline& step_timeline() override;
  // Training keeps its activation buffers between steps (no per-step allocation); this frees them, e.g.
  // before generating with a model that is done training.
  void release_workspace();

  // --- decoding ---
  struct KVCache {
    int max_len = 0;
    int len = 0;              // tokens already in the cache (next position)
    int kv_dim = 0;           // num_key_value_heads * head_dim
    std::vector<float> k, v;  // [attention layers][max_len][kv_dim]
    // LFM2's conv layers: each one's last conv_kernel − 1 values of B·x [conv layers][conv_kernel − 1][hidden_size],
    // zeros before the sequence's start; empty without conv layers.
    std::vector<float> conv;
    void reset() {
      len = 0;
      std::fill(conv.begin(), conv.end(), 0.f);
    }
  };
  // max_len <= max_position_embeddings.
  std::unique_ptr<KVCache> new_cache(int max_len) const;
  // Appends n tokens (positions cache.len ..) and writes the logits of the last one into last_logits [V].
  // Throws when the cache would overflow or a token id is out of the vocabulary.
  void decode(KVCache& cache, const int32_t* tokens, int n, float* last_logits);
  // One token for each of n independent sequences (tokens[i] joins caches[i] at its own position) in one pass, so
  // every weight is read once for all of them; logits [n, V]. Row i equals decode(*caches[i], &tokens[i], 1, ...)
  // up to float rounding. The caches must be distinct and have room; nothing is written when a check fails.
  void decode_step(KVCache* const* caches, const int32_t* tokens, int n, float* logits);

  struct Impl;  // defined in model/*.cc
  // Read-only access to the loaded weights, for a backend that uploads them to a device (native/cuda/backend).
  const Impl& internals() const { return *impl_; }

 private:
  explicit LlamaModel(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace tf
