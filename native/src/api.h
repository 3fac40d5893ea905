#pragma once
// The trainer's public C++ surface: everything the node-addon-api binding (binding/addon.cc) calls, and
// nothing else. The binding copies JS options into these plain structs on the main thread; all methods
// here run on worker threads and report failures as tf::Error (see common/error.h).
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace tf::api {

struct LoadOptions {
  std::string model_dir;         // HF folder: config.json + *.safetensors (tokenizer files are read in TS)
  std::string quant = "none";    // "none" | "nf4"
  bool double_quant = false;     // nf4 only
  std::string backend = "auto";  // "auto" | "cpu" | "cuda"
  int threads = 0;               // 0 = all cores
};

struct ModelInfo {
  std::string architecture, model_type, backend;
  int vocab_size, hidden_size, intermediate_size, num_layers, num_heads, num_kv_heads, head_dim;
  int max_position_embeddings;
  bool tie_word_embeddings;
  bool qk_norm;  // Qwen3, Gemma 3: each head of q and k is RMS-normalized before RoPE
  bool sandwich_norms;  // Gemma 3: each sublayer's output is normalized before its residual add
  bool fused_qkv;          // Phi-3 / Phi-4: one qkv_proj (the LoRA module too)
  bool fused_gate_up;      // Phi-3 / Phi-4 and GLM-4: one gate_up_proj
  bool qk_norm_whole;      // OLMo 2: q_norm / k_norm normalize all of q and of k, not each head
  bool input_norms;        // false on OLMo 2: no sublayer input norms (its output norms are sandwich_norms)
  double attn_softcap;     // Gemma 2: scores capped at softcap·tanh(s / softcap) (0 = none)
  double logit_softcap;    // Gemma 2: logits capped likewise (0 = none)
  int conv_layers;         // LFM2: layers whose operator is a gated short convolution, not attention (0 elsewhere)
  int conv_kernel;         // LFM2: the positions each convolution spans (conv_L_cache; 0 without conv layers)
  std::vector<int> eos_token_ids;
  int64_t num_parameters;        // all parameters, embedding included
  int64_t matmul_parameters;     // N_frozen of the FLOP accounting
  int64_t weight_bytes;          // memory of the frozen weights as loaded (NF4 ≈ 0.52 B/param)
};

struct LoraOptions {
  int rank = 16;
  float alpha = 32.f;
  float dropout = 0.05f;
  bool rslora = false;  // scaling = alpha / sqrt(rank) instead of alpha / rank
  std::vector<std::string> targets{"q_proj", "k_proj", "v_proj", "o_proj"};
};

// One tokenized example. loss_mask[i] == 1 means token i is a training target (predicted from tokens < i).
// With TrainOptions.method "dpo" the examples come in pairs: 2k is the prompt with the preferred answer, 2k+1 the
// same prompt with the rejected one, their masks on the answers only.
struct Example {
  std::vector<int32_t> tokens;
  std::vector<uint8_t> loss_mask;
};

struct TrainOptions {
  LoraOptions lora;
  // "sft": mean -ln p over the masked targets. "dpo": Direct Preference Optimization on pairs of examples (see
  // Example), the sigmoid loss -ln sigmoid(beta * (log-ratio of chosen - log-ratio of rejected)) against the base
  // model as the frozen reference (train/preference.h); batch_size then counts pairs.
  std::string method = "sft";
  double dpo_beta = 0.1;
  int epochs = 3;
  int batch_size = 4;     // sequences per micro-batch
  int grad_accum = 4;     // micro-batches per optimizer step
  double lr = 2e-4;
  double weight_decay = 0.01;
  double beta1 = 0.9, beta2 = 0.999, eps = 1e-8;
  std::string schedule = "cosine";  // "cosine" | "linear" | "constant"
  double warmup_ratio = 0.03;
  double max_grad_norm = 1.0;       // <= 0 disables clipping
  int max_seq_len = 2048;           // longer examples are truncated (TS reports it; C++ enforces it)
  bool packing = false;             // concatenate examples into max_seq_len rows (attention stays per example)
  bool gradient_checkpointing = false;
  bool profile = false;             // StepReport.profile_ms: where each step's time went (model/step_timeline.h)
  int profile_step = 0;             // also profile this one step of the run, counted from where it starts or
                                    // resumes (1 = its first; 0 = none): a job's log says once where its time
                                    // goes, without marking every step
  uint64_t seed = 0;
  int eval_every = 0;               // optimizer steps between validation passes; 0 = at each epoch end only
  int checkpoint_every = 0;         // optimizer steps between checkpoints; 0 = at each epoch end only
  // Early stopping (train/best.h, as HF's EarlyStoppingCallback on eval_loss): training stops once this many
  // validation passes in a row have not lowered the best validation loss by more than early_stopping_threshold;
  // 0 = never. Needs validation examples.
  int early_stopping_patience = 0;
  double early_stopping_threshold = 0;
  // The adapter written at the end is the one with the lowest validation loss (HF's load_best_model_at_end),
  // kept under out_dir/best/ while training; false = the last step's. Needs validation examples.
  bool keep_best = false;
  std::string out_dir;              // adapter written here; checkpoints under out_dir/checkpoints/step-N
  std::string resume_from;          // a checkpoint dir to resume from ("" = fresh start)
  std::string base_model_name;      // written into adapter_config.json
};

struct StepReport {
  int step = 0, total_steps = 0, epoch = 0;
  double loss = 0, lr = 0, grad_norm = 0;
  double tokens_per_sec = 0, elapsed_ms = 0;
  bool has_valid_loss = false;
  double valid_loss = 0;
  // DPO only (method "dpo"): the implicit rewards beta * (ln p_policy - ln p_reference) of the step's pairs, as
  // TRL logs them: the share of pairs whose chosen answer out-rewards the rejected one, and the mean margin; and
  // the same over the validation pairs whenever has_valid_loss (valid_loss is then their mean DPO loss).
  bool has_rewards = false;
  double reward_accuracy = 0, reward_margin = 0;
  double valid_reward_accuracy = 0, valid_reward_margin = 0;
  int64_t memory_bytes = 0;
  std::string checkpoint_dir;  // non-empty when a checkpoint was written at this step
  std::string memory_report;   // the first step of a run only: where the memory goes, by category
  // With TrainOptions.profile (or on its profile_step): milliseconds of this step by phase (model/step_timeline.h's
  // names, in its order), then "step", the step's wall time until its last device work finished (tokens_per_sec
  // divides by the time until that work was queued). The difference is time in no phase: host work between
  // passes, waits.
  std::vector<std::pair<std::string, double>> profile_ms;
};

struct TrainResult {
  int steps = 0;
  std::string adapter_dir;
  double final_loss = 0;
  bool has_valid_loss = false;
  double final_valid_loss = 0;
  bool cancelled = false;      // stopped at a step boundary on request; the last checkpoint is kept
  std::string last_checkpoint;
  bool stopped_early = false;  // early stopping ended the run at `steps`, before its planned total_steps
  int total_steps = 0;         // the planned steps
  // The lowest validation loss and its step (0 = no validation pass had a finite loss).
  int best_step = 0;
  double best_valid_loss = 0;
  int adapter_step = 0;        // the step whose weights adapter_dir holds (best_step with keep_best)
};

struct GenerateOptions {
  int max_tokens = 256;
  float temperature = 0.f;   // 0 = greedy
  float top_p = 1.f;
  uint64_t seed = 0;
  std::vector<int> stop_token_ids;  // eos ids; stop strings are handled in TS (it decodes the stream)
};

struct GenerateResult {
  std::vector<int32_t> tokens;     // generated tokens (without the prompt)
  std::string finish_reason;       // "stop" | "length" | "cancelled"
};

using ProgressFn = std::function<void(const StepReport&)>;
// Called for each generated token of prompt `index`; used to stream text in the playground.
using TokenFn = std::function<void(int index, int32_t token)>;

class Session {
 public:
  static std::unique_ptr<Session> load(const LoadOptions& options);
  virtual ~Session() = default;
  virtual ModelInfo info() const = 0;

  virtual TrainResult train(const std::vector<Example>& train, const std::vector<Example>& validation,
                            const TrainOptions& options, const ProgressFn& progress,
                            const std::atomic<bool>& cancel) = 0;

  // Natural-log p(t[i+1] | t[0..i]) for i = 0..n-2, with an optional PEFT adapter ("" = base model).
  virtual std::vector<double> logprobs(const std::vector<int32_t>& tokens, const std::string& adapter_dir) = 0;

  // The LoRA gradients of one example's mean masked loss (the trainer's loss; no dropout) at the adapter in
  // adapter_dir, on the training backend: what the GPU check compares tensor by tensor with HF + PEFT.
  struct LoraGradients {
    double loss = 0;                      // mean -ln p over the example's targets
    std::vector<std::string> names;       // "<module>.lora_A" / ".lora_B", the trainer's parameter order
    std::vector<std::vector<float>> grads;
  };
  virtual LoraGradients lora_gradients(const Example& example, const std::string& adapter_dir) = 0;

  virtual std::vector<GenerateResult> generate(const std::vector<std::vector<int32_t>>& prompts,
                                               const GenerateOptions& options, const std::string& adapter_dir,
                                               const TokenFn& on_token, const std::atomic<bool>& cancel) = 0;

  // Writes base + adapter as a complete HF folder (bf16 safetensors + config.json); tokenizer files are
  // copied by the caller (TS) since they are not read here.
  virtual void merge(const std::string& adapter_dir, const std::string& out_dir) = 0;
};

// Backends compiled into this build ("cpu", and "cuda" when built with nvcc).
std::vector<std::string> backends_built();

// CUDA devices the cuda backend can use (compute capability >= 8.0); empty with *reason saying why when there
// are none (not built, no driver, no device, too old). Never throws.
struct CudaDeviceInfo {
  int index = 0;
  std::string name;
  int64_t total_bytes = 0;
  int sm = 0;  // 80, 86, 90, ...
};
std::vector<CudaDeviceInfo> cuda_devices(std::string* reason);

// Where the cuda backend's GEMMs will run: "cublaslt <version> (<library>)", "wmma (<why cuBLASLt does not
// load>)", or "none (...)" without a CUDA build. Only loads the library (no device context). Never throws.
std::string cuda_gemm_library();

// Free and total bytes of CUDA device `device` (of the visible ones) right now, counting every process's use.
// Throws tf::Error when CUDA is not built or the device is not usable.
struct CudaMemoryInfo {
  int64_t free_bytes = 0;
  int64_t total_bytes = 0;
};
CudaMemoryInfo cuda_memory(int device);

}  // namespace tf::api
