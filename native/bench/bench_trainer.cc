// Trainer speed on this machine: the fp32 GEMM peak of our kernels, then LoRA forward+backward steps on a
// ~20M-parameter Llama-shaped model (random weights written to a temp folder) at sequence length 256.
// Model FLOPs per token = 4·N_frozen + 6·N_lora + 6·L·(n_heads·head_dim)·T (reference/trainer.md).
//   bench_trainer [--quant none|nf4] [--threads N] [--steps N] [--batch B] [--seq T] [--checkpointing]
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "common/error.h"
#include "io/safetensors.h"
#include "kernels/gemm.h"
#include "model/llama.h"

using namespace tf;

namespace {

struct Shape {
  int V = 8192, H = 512, I = 1408, L = 4, nh = 8, nkv = 8, hd = 64, max_pos = 2048;
};

void write_model(const std::string& dir, const Shape& s) {
  Rng rng(1);
  std::vector<std::pair<std::string, std::vector<int64_t>>> specs;
  specs.push_back({"model.embed_tokens.weight", {s.V, s.H}});
  const char* proj[7] = {"self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.o_proj",
                         "mlp.gate_proj", "mlp.up_proj", "mlp.down_proj"};
  const int64_t qd = int64_t(s.nh) * s.hd, kvd = int64_t(s.nkv) * s.hd;
  const int64_t shp[7][2] = {{qd, s.H}, {kvd, s.H}, {kvd, s.H}, {s.H, qd}, {s.I, s.H}, {s.I, s.H}, {s.H, s.I}};
  for (int l = 0; l < s.L; ++l) {
    const std::string p = "model.layers." + std::to_string(l) + ".";
    specs.push_back({p + "input_layernorm.weight", {s.H}});
    specs.push_back({p + "post_attention_layernorm.weight", {s.H}});
    for (int j = 0; j < 7; ++j) specs.push_back({p + proj[j] + ".weight", {shp[j][0], shp[j][1]}});
  }
  specs.push_back({"model.norm.weight", {s.H}});
  specs.push_back({"lm_head.weight", {s.V, s.H}});
  std::vector<std::vector<float>> data;
  std::vector<TensorToWrite> out;
  for (auto& [name, shape] : specs) {
    int64_t n = 1;
    for (auto d : shape) n *= d;
    const bool norm = shape.size() == 1;
    std::vector<float> v(n);
    const float b = norm ? 0.f : 1.f / std::sqrt(static_cast<float>(shape[1]));
    for (auto& x : v) x = norm ? 1.f : rng.uniform(-b, b);
    data.push_back(std::move(v));
    out.push_back({name, DType::BF16, shape, data.back().data()});
  }
  write_safetensors(dir + "/model.safetensors", out);
  char cfg[1024];
  std::snprintf(cfg, sizeof cfg,
                "{\"architectures\":[\"LlamaForCausalLM\"],\"model_type\":\"llama\",\"vocab_size\":%d,"
                "\"hidden_size\":%d,\"intermediate_size\":%d,\"num_hidden_layers\":%d,\"num_attention_heads\":%d,"
                "\"num_key_value_heads\":%d,\"head_dim\":%d,\"max_position_embeddings\":%d,\"rms_norm_eps\":1e-5,"
                "\"rope_theta\":10000.0,\"tie_word_embeddings\":false,\"torch_dtype\":\"bfloat16\"}",
                s.V, s.H, s.I, s.L, s.nh, s.nkv, s.hd, s.max_pos);
  FILE* f = std::fopen((dir + "/config.json").c_str(), "w");
  if (!f) throw Error("cannot write " + dir + "/config.json");
  std::fputs(cfg, f);
  std::fclose(f);
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

int main(int argc, char** argv) {
  std::string quant = "none";
  int threads = 0, steps = 3, B = 4, T = 256;
  bool ckpt = false;
  try {
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> const char* {
      if (i + 1 >= argc) throw Error(a + " needs a value");
      return argv[++i];
    };
    if (a == "--quant") quant = next();
    else if (a == "--threads") threads = std::atoi(next());
    else if (a == "--steps") steps = std::atoi(next());
    else if (a == "--batch") B = std::atoi(next());
    else if (a == "--seq") T = std::atoi(next());
    else if (a == "--checkpointing") ckpt = true;
    else throw Error("unknown option " + a);
  }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 2;
  }
  try {
    ThreadPool pool(threads);
    char tmpl[] = "/tmp/tf-bench-XXXXXX";
    if (!mkdtemp(tmpl)) throw Error("cannot create a temp dir");
    const std::string dir = tmpl;
    Shape s;
    write_model(dir, s);
    auto m = LlamaModel::load(dir, quant == "nf4" ? Quant::NF4 : Quant::None, quant == "nf4", pool);
    std::system(("rm -rf '" + dir + "'").c_str());
    LoraSpec ls;  // r=16, alpha 32, dropout 0.05, q,k,v,o
    m->init_lora(ls, 0);
    const double peak = kernels::gemm_peak_gflops(pool, 2.0);

    Batch b;
    b.B = B, b.T = T;
    Rng rng(3);
    for (int i = 0; i < B * T; ++i) b.tokens.push_back(static_cast<int32_t>(rng.next_u64() % s.V));
    for (int i = 0; i < B * T; ++i) b.targets.push_back(i % T == T - 1 ? -1 : b.tokens[i + 1]);
    const double n_frozen = static_cast<double>(m->matmul_parameters());
    const double n_lora = static_cast<double>(m->lora_parameters());
    const double flops_tok = 4 * n_frozen + 6 * n_lora + 6.0 * s.L * s.nh * s.hd * T;
    m->zero_lora_grads();
    m->forward_backward(b, 1.f / (B * T), true, rng, ckpt);  // warm-up: allocations, page faults
    double best = 1e30, total = 0;
    for (int i = 0; i < steps; ++i) {
      const auto t0 = std::chrono::steady_clock::now();
      m->zero_lora_grads();
      m->forward_backward(b, 1.f / (B * T), true, rng, ckpt);
      const double dt = seconds_since(t0);
      best = std::min(best, dt), total += dt;
    }
    const double tokens = static_cast<double>(B) * T;
    const double gf_best = flops_tok * tokens / best / 1e9, gf_mean = flops_tok * tokens / (total / steps) / 1e9;
    std::printf("isa %s, threads %d\n", kernels::isa_name(kernels::active_isa()), pool.size());
    std::printf("model: %lld params (%lld in matmuls), LoRA r=16 on q,k,v,o: %lld params, quant %s\n",
                static_cast<long long>(m->num_parameters()), static_cast<long long>(n_frozen),
                static_cast<long long>(n_lora), quant.c_str());
    std::printf("frozen weights: %.1f MB (%.3f bytes/param); activations %.1f MB\n", m->weight_bytes() / 1e6,
                static_cast<double>(m->weight_bytes()) / m->num_parameters(), m->activation_bytes(B, T, ckpt) / 1e6);
    // Embedding, lm_head and norms stay fp32 (as transformers keeps them out of bitsandbytes); the seven
    // projections are what NF4 shrinks, and they dominate real models.
    const double proj_params = n_frozen - static_cast<double>(s.V) * s.H;
    const double proj_bytes = m->weight_bytes() - 4.0 * (m->num_parameters() - proj_params);
    std::printf("projections: %.3f bytes/param\n", proj_bytes / proj_params);
    std::printf("gemm peak: %.1f GFLOP/s\n", peak);
    std::printf("step B=%d T=%d%s: best %.3f s, mean %.3f s, %.0f tokens/s\n", B, T, ckpt ? " (checkpointing)" : "",
                best, total / steps, tokens / best);
    std::printf("model FLOPs/token %.1f M; achieved %.1f GFLOP/s best (%.1f mean) = %.1f%% of the GEMM peak\n",
                flops_tok / 1e6, gf_best, gf_mean, 100 * gf_best / peak);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench failed: %s\n", e.what());
    return 1;
  }
  return 0;
}
