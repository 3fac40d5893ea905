// tf::api::Session: one LlamaModel on the host and its thread pool, plus (backend cuda) the CUDA model over the
// same weights. Training, log-probabilities and generation run on the chosen backend (the CUDA model decodes with
// its own KV cache on the device); merging runs on the host model. The adapter a call asks for is attached
// for that call ("" = the base model); training leaves its trained adapter attached until the next call that
// names one.
#include <algorithm>
#include <cmath>
#include <memory>
#include <thread>

#include "api.h"
#include "backend/cuda_entry.h"
#include "common/error.h"
#include "common/threadpool.h"
#include "generate/generate.h"
#include "io/peft.h"
#include "merge.h"
#include "model/llama.h"
#include "train/batching.h"
#include "train/trainer.h"

namespace tf::api {

namespace {

Quant parse_quant(const LoadOptions& o) {
  if (o.quant == "none") {
    TF_CHECK(!o.double_quant, "double_quant applies to quant \"nf4\" only; pass quant nf4 or drop double_quant");
    return Quant::None;
  }
  if (o.quant == "nf4") return Quant::NF4;
  throw Error("quant \"" + o.quant + "\" is not supported; use \"none\" or \"nf4\"");
}

// "cpu" or "cuda" for the requested backend: auto takes CUDA when it is built and a device answers.
std::string resolve_backend(const std::string& backend) {
  if (backend == "cpu") return "cpu";
  if (backend != "auto" && backend != "cuda")
    throw Error("backend \"" + backend + "\" is not supported; use auto, cpu or cuda");
  if (!backend::cuda_built()) {
    if (backend == "cuda")
      throw Error("backend \"cuda\": this build has no CUDA backend (built without nvcc); use cpu or auto");
    return "cpu";
  }
  std::string why;
  const std::vector<backend::CudaDevice> devices = backend::cuda_devices(&why);
  // The CUDA model runs on device 0 of the visible ones (CUDA_VISIBLE_DEVICES picks which GPU that is, as the GPU
  // worker does), so only device 0 counts: another usable GPU would not be the one trained on.
  for (const backend::CudaDevice& d : devices)
    if (d.index == 0) return "cuda";
  if (!devices.empty())
    why = "device 0 is below sm_80; set CUDA_VISIBLE_DEVICES (TUNEFORGE_GPU_DEVICE for the GPU worker) to a usable GPU";
  if (backend == "cuda") throw Error("backend \"cuda\": no usable CUDA device (" + why + "); use cpu or auto");
  return "cpu";
}

class LocalSession final : public Session {
 public:
  LocalSession(const LoadOptions& o, Quant quant, const std::string& backend)
      : model_dir_(o.model_dir), pool_(o.threads) {
    model_ = LlamaModel::load(o.model_dir, quant, o.double_quant, pool_);
    if (backend == "cuda") cuda_ = backend::make_cuda_model(*model_, 0);
  }

  ModelInfo info() const override {
    const ModelConfig& c = model_->config();
    ModelInfo i;
    i.architecture = c.architecture;
    i.model_type = c.model_type;
    i.backend = trainer_model().backend_name();
    i.vocab_size = c.vocab_size;
    i.hidden_size = c.hidden_size;
    i.intermediate_size = c.intermediate_size;
    i.num_layers = c.num_hidden_layers;
    i.num_heads = c.num_attention_heads;
    i.num_kv_heads = c.num_key_value_heads;
    i.head_dim = c.head_dim;
    i.max_position_embeddings = c.max_position_embeddings;
    i.tie_word_embeddings = c.tie_word_embeddings;
    i.qk_norm = c.qk_norm;
    i.sandwich_norms = c.sandwich_norms;
    i.fused_qkv = c.fused.qkv;
    i.fused_gate_up = c.fused.gate_up;
    i.qk_norm_whole = c.qk_norm_whole;
    i.conv_layers = c.conv_layer_count();
    i.conv_kernel = i.conv_layers ? c.conv_kernel : 0;
    i.input_norms = c.input_norms;
    i.attn_softcap = c.attn_logit_softcapping;
    i.logit_softcap = c.final_logit_softcapping;
    i.eos_token_ids = c.eos_token_ids;
    i.num_parameters = model_->num_parameters();
    i.matmul_parameters = model_->matmul_parameters();
    i.weight_bytes = trainer_model().weight_bytes();
    return i;
  }

  TrainResult train(const std::vector<Example>& train, const std::vector<Example>& validation,
                    const TrainOptions& options, const ProgressFn& progress,
                    const std::atomic<bool>& cancel) override {
    TrainOptions o = options;
    if (o.base_model_name.empty()) o.base_model_name = model_dir_;
    return tf::train::run_training(trainer_model(), train, validation, o, progress, cancel);
  }

  std::vector<double> logprobs(const std::vector<int32_t>& tokens, const std::string& adapter_dir) override {
    TF_CHECK(!tokens.empty(), "logprobs: tokens is empty; pass at least one token id");
    const ModelConfig& c = model_->config();
    TF_CHECK((int64_t)tokens.size() <= c.max_position_embeddings,
             "logprobs: " + std::to_string(tokens.size()) + " tokens exceed the model's max_position_embeddings (" +
                 std::to_string(c.max_position_embeddings) + ")");
    for (size_t i = 0; i < tokens.size(); i++)
      TF_CHECK(tokens[i] >= 0 && tokens[i] < c.vocab_size,
               "logprobs: token id " + std::to_string(tokens[i]) + " at position " + std::to_string(i) +
                   " is outside the vocabulary [0, " + std::to_string(c.vocab_size) + ")");
    attach(trainer_model(), adapter_dir);
    std::vector<double> out;
    if (tokens.size() < 2) return out;
    const std::vector<float> logits = trainer_model().logits(tokens);
    const size_t V = (size_t)c.vocab_size;
    for (size_t i = 0; i + 1 < tokens.size(); i++) {
      // log_softmax in double with the max subtracted: exact enough to compare adapters and merges.
      const float* row = &logits[i * V];
      double mx = row[0];
      for (size_t v = 1; v < V; v++) mx = std::max(mx, (double)row[v]);
      double z = 0;
      for (size_t v = 0; v < V; v++) z += std::exp((double)row[v] - mx);
      out.push_back((double)row[(size_t)tokens[i + 1]] - mx - std::log(z));
    }
    return out;
  }

  LoraGradients lora_gradients(const Example& ex, const std::string& adapter_dir) override {
    TF_CHECK(!adapter_dir.empty(), "lora_gradients: adapterDir is required (the adapter to take the gradients at)");
    const int max_len = model_->config().max_position_embeddings;
    TF_CHECK((int64_t)ex.tokens.size() <= max_len, "lora_gradients: " + std::to_string(ex.tokens.size()) +
                                                       " tokens exceed the model's max_position_embeddings (" +
                                                       std::to_string(max_len) + ")");
    // The trainer's own row and batch building: the same mask convention, validation and messages.
    const train::RowSet rows = train::build_rows({ex}, max_len, model_->config().vocab_size, false, 0, "lora_gradients");
    TF_CHECK(!rows.rows.empty(), "lora_gradients: the loss mask selects no target after the first token");
    const train::MicroBatch mb = train::make_batch_in_order(rows.rows, 0, 1);
    TrainableModel& m = trainer_model();
    attach(m, adapter_dir);
    m.zero_lora_grads();
    Rng unused(0);  // dropout is off: no key is drawn
    const LossSum l = m.forward_backward(mb.batch, 1.f / static_cast<float>(mb.n_targets), false, unused, false);
    LoraGradients out;
    out.loss = l.sum / static_cast<double>(l.count);
    out.names = m.lora_param_names();
    out.grads = m.lora_grads_host();
    return out;
  }

  std::vector<GenerateResult> generate(const std::vector<std::vector<int32_t>>& prompts,
                                       const GenerateOptions& options, const std::string& adapter_dir,
                                       const TokenFn& on_token, const std::atomic<bool>& cancel) override {
    // On the CUDA backend the device decodes with its own KV cache; the CPU backend decodes on the host model.
    if (Decoder* device = cuda_ ? cuda_->decoder() : nullptr) {
      attach(*cuda_, adapter_dir);
      return tf::generate::generate_batch(*device, prompts, options, on_token, cancel);
    }
    attach(*model_, adapter_dir);
    const std::unique_ptr<Decoder> host = host_decoder(*model_);
    return tf::generate::generate_batch(*host, prompts, options, on_token, cancel);
  }

  void merge(const std::string& adapter_dir, const std::string& out_dir) override {
    TF_CHECK(!adapter_dir.empty(), "merge: adapter_dir is required");
    const PeftAdapter adapter = read_peft_adapter(adapter_dir);
    merge_adapter_into_base(model_dir_, adapter, out_dir, pool_);
  }

 private:
  // Where training and log-probabilities run: the CUDA model when the session has one, else the host model.
  TrainableModel& trainer_model() const { return cuda_ ? *cuda_ : *model_; }

  static void attach(TrainableModel& model, const std::string& adapter_dir) {
    if (adapter_dir.empty()) {
      model.clear_lora();
      return;
    }
    // Read every call: adapters are small, and a folder rewritten by a training run must not be served stale.
    model.load_lora(read_peft_adapter(adapter_dir));
  }

  std::string model_dir_;
  ThreadPool pool_;
  std::unique_ptr<LlamaModel> model_;        // host weights: generation, merging, and the CPU backend
  std::unique_ptr<TrainableModel> cuda_;     // backend cuda only
};

}  // namespace

std::unique_ptr<Session> Session::load(const LoadOptions& options) {
  TF_CHECK(!options.model_dir.empty(), "model_dir is required: a folder with config.json and *.safetensors");
  TF_CHECK(options.threads >= 0, "threads must be >= 0 (0 = all cores), got " + std::to_string(options.threads));
  const std::string backend = resolve_backend(options.backend);
  const Quant quant = parse_quant(options);
  return std::make_unique<LocalSession>(options, quant, backend);
}

std::vector<CudaDeviceInfo> cuda_devices(std::string* reason) {
  std::vector<CudaDeviceInfo> out;
  for (const backend::CudaDevice& d : backend::cuda_devices(reason)) out.push_back({d.index, d.name, d.total_bytes, d.sm});
  return out;
}

std::string cuda_gemm_library() { return backend::cuda_gemm_library(); }

CudaMemoryInfo cuda_memory(int device) {
  const backend::CudaMemory m = backend::cuda_memory(device);
  return {m.free_bytes, m.total_bytes};
}

std::vector<std::string> backends_built() {
  if (backend::cuda_built()) return {"cpu", "cuda"};
  return {"cpu"};
}

}  // namespace tf::api
