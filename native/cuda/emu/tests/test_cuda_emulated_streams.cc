// The CUDA model's second stream and its decode graphs on the emulated device: NF4 weights expanded ahead on the
// side stream (backend/dequant_pipeline.h) under both of the emulator's drain orders, and the batched decode step as
// CUDA graphs (backend/decode_graphs.h), replayed and, when a capture fails, switched off.
#include <cuda_runtime.h>  // the emulator's: tf_emu::launch_count, tf_emu::set_stream_order

#include <algorithm>
#include <functional>
#include <string>
#include <vector>

#include "backend/cuda_entry.h"
#include "backend/decode_graphs.h"
#include "emulated_session.h"
#include "model/llama.h"

using namespace tf_emu_test;

namespace {

// What DecodeGraphs::run promises, on a body of one memset: eager the first time, captured the second (the memset's
// value is fixed in the graph), replayed after; a body that a capture cannot take (an allocation) switches graphs off
// and runs eagerly, then and from then on.
TEST(decode_graphs_replay_the_captured_step_and_fall_back_when_capture_fails) {
  cudaStream_t s = nullptr;
  REQUIRE(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking) == cudaSuccess);
  unsigned char* buf = nullptr;
  REQUIRE(cudaMalloc(&buf, 64) == cudaSuccess);
  auto byte = [&] {
    unsigned char h = 0;
    REQUIRE(cudaMemcpyAsync(&h, buf, 1, cudaMemcpyDeviceToHost, s) == cudaSuccess);
    return int(h);
  };
  const tf::cuda::DecodeGraphs::Key key{1, buf, 64, nullptr, 0};
  {
    tf::cuda::DecodeGraphs graphs;
    int runs = 0, value = 0;
    auto body = [&] {
      ++runs;
      REQUIRE(cudaMemsetAsync(buf, value, 64, s) == cudaSuccess);
    };
    for (int call = 1; call <= 4; ++call) {
      value = call;
      graphs.run(key, s, body);
      // Calls 1 and 2 ran the body (eager, then under capture); calls 3 and 4 replayed call 2's memset.
      const int expected = call < 2 ? call : 2;
      CHECK_EQ(runs, expected);
      CHECK_EQ(byte(), expected);
    }
  }
  {
    tf::cuda::DecodeGraphs graphs;
    int runs = 0, value = 0;
    auto body = [&] {
      ++runs;
      void* p = nullptr;  // refused while capturing: the capture fails
      if (cudaMalloc(&p, 256) == cudaSuccess) cudaFree(p);
      REQUIRE(cudaMemsetAsync(buf, value, 64, s) == cudaSuccess);
    };
    for (int call = 1; call <= 4; ++call) {
      value = 10 + call;
      graphs.run(key, s, body);
      const int expected = 10 + call;  // every call's own value: eager throughout
      CHECK_EQ(byte(), expected);
    }
    CHECK_EQ(runs, 5);  // once more for call 2, whose capture failed before its eager run
  }
  {
    // A first eager run that throws (an error the caller reports) has not made what the body allocates lazily (on
    // a GPU, cuBLASLt's workspace): the next run is eager again, not a capture that the allocation would break and
    // that would switch graphs off for the model's life.
    tf::cuda::DecodeGraphs graphs;
    int runs = 0, value = 0;
    void* lazy = nullptr;
    auto body = [&] {
      ++runs;
      if (runs == 1) throw tf::Error("the first eager run failed");
      if (!lazy && cudaMalloc(&lazy, 256) != cudaSuccess) throw tf::Error("lazy allocation refused");
      REQUIRE(cudaMemsetAsync(buf, value, 64, s) == cudaSuccess);
    };
    bool threw = false;
    try {
      graphs.run(key, s, body);
    } catch (const tf::Error&) {
      threw = true;
    }
    CHECK(threw);
    for (int call = 2; call <= 4; ++call) {
      value = 20 + call;
      graphs.run(key, s, body);
      const int expected = 20 + (call < 3 ? call : 3);  // call 2 eager, call 3 captured, call 4 replays call 3
      CHECK_EQ(byte(), expected);
    }
    CHECK_EQ(runs, 3);
    CHECK(cudaFree(lazy) == cudaSuccess);
  }
  cudaGetLastError();
  CHECK(cudaFree(buf) == cudaSuccess);
  CHECK(cudaStreamDestroy(s) == cudaSuccess);
}

// The NF4 expansions on the second stream (backend/dequant_pipeline.h). A pass that repeats an earlier one of its
// kind gets its weights expanded ahead by the side stream, and its gradients are bit for bit the first pass's, whose
// weights were all expanded on the main stream. Run in both of the emulator's drain orders: lag runs the main stream
// as far as it can first (a matmul that did not wait for its expansion reads the previous weight), lead the side
// stream (an expansion that did not wait for the matmul still reading its buffer overwrites it).
TEST(nf4_weights_expanded_ahead_on_a_second_stream_give_the_first_passes_gradients) {
  tf_test::TempDir dir("tf-emu-dequant-ahead");
  tf_test::write_tiny_model(dir.path(), tf_test::TinySpec{});
  tf::ThreadPool pool(1);
  auto host = tf::LlamaModel::load(dir.path(), tf::Quant::NF4, true, pool);
  const tf::Batch b = next_token_batch(2, 8, 5, 1);
  auto ahead_line = [](const std::string& report) {
    const size_t at = report.find("NF4 weights expanded ahead");
    return at == std::string::npos ? std::string() : report.substr(at, report.find('\n', at) - at);
  };
  struct Order {
    explicit Order(const char* o) { tf_emu::set_stream_order(o); }
    ~Order() { tf_emu::set_stream_order(nullptr); }
  };
  for (const char* order : {"lag", "lead"}) {
    Order fixed(order);
    auto gpu = tf::backend::make_cuda_model(*host, 0);
    tf::LoraSpec ls;
    ls.targets = {"q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"};
    ls.dropout = 0.1f;
    gpu->init_lora(ls, 3);
    for (bool ckpt : {false, true}) {
      auto grads = [&] {
        gpu->zero_lora_grads();
        tf::Rng rng(5);
        gpu->forward_backward(b, 1.f, true, rng, ckpt);
        return gpu->lora_grads_host();
      };
      const auto first = grads();
      // 2 layers: 14 weights forward, the recompute 4 (gate and up: the attention block's tensors are kept, and no
      // down projection), backward 7 + 4 (layer 0 needs no dx).
      const std::string n = ckpt ? "29" : "25";
      CHECK_EQ(ahead_line(gpu->memory_report()), "");  // the first pass of its kind says so instead
      CHECK(gpu->memory_report().find("NF4 weights: none expanded ahead in the last pass, the first of its kind (" + n + " asked for)") != std::string::npos);
      const auto second = grads(), third = grads();
      const std::string line = ahead_line(gpu->memory_report());
      std::printf("  %s, checkpointing %s: %s\n", order, ckpt ? "on" : "off", line.c_str());
      // All but the pass's first weight (nothing before it to overlap with), and without checkpointing down_proj of
      // the last layer, which backward asks for right after the forward did: still in its buffer.
      CHECK_EQ(line, std::string("NF4 weights expanded ahead on a second stream: ") + (ckpt ? "28" : "23") + " of " + n +
                         " in the last pass");
      CHECK(second == first);
      CHECK(third == first);
    }
  }
  // TF_CUDA_DEQUANT_AHEAD=0: every weight on the main stream, pass after pass, with the same gradients.
  ScopedEnv off("TF_CUDA_DEQUANT_AHEAD", "0");
  auto gpu = tf::backend::make_cuda_model(*host, 0);
  tf::LoraSpec ls;
  ls.targets = {"q_proj", "down_proj"};
  gpu->init_lora(ls, 3);
  std::vector<std::vector<float>> first;
  for (int pass = 0; pass < 2; ++pass) {
    gpu->zero_lora_grads();
    tf::Rng rng(5);
    gpu->forward_backward(b, 1.f, false, rng, true);
    if (pass == 0) first = gpu->lora_grads_host();
  }
  CHECK(gpu->lora_grads_host() == first);
  CHECK(gpu->memory_report().find("NF4 weights: none expanded ahead (TF_CUDA_DEQUANT_AHEAD=0), 29 asked for in the last pass") != std::string::npos);
  // TF_CUDA_KEEP_ATTENTION_INPUTS=0: the recompute asks for q, k, v and o again (12 weights instead of 4), with the
  // same gradients.
  ScopedEnv all_recomputed("TF_CUDA_KEEP_ATTENTION_INPUTS", "0");
  gpu->zero_lora_grads();
  tf::Rng rng(5);
  gpu->forward_backward(b, 1.f, false, rng, true);
  CHECK(gpu->lora_grads_host() == first);
  CHECK(gpu->memory_report().find("NF4 weights: none expanded ahead (TF_CUDA_DEQUANT_AHEAD=0), 37 asked for in the last pass") != std::string::npos);
  CHECK(gpu->memory_report().find("checkpointing: q, k, v and o projections recomputed in backward (TF_CUDA_KEEP_ATTENTION_INPUTS=0)") != std::string::npos);
}

// The batched decode step as CUDA graphs (backend/decode_graphs.h): a batch size's first step runs eagerly, its
// second is captured and launched, the rest replay the graph (no kernel launches at all). The logits are those of
// the eager steps (TF_CUDA_GRAPHS=0) bit for bit, with dense and NF4 weights, and after the adapter changes (its
// buffers move, so the old graphs must not be replayed).
TEST(decode_steps_replay_as_cuda_graphs_with_the_eager_steps_logits) {
  tf_test::TempDir dir("tf-emu-graphs");
  tf_test::write_tiny_model(dir.path(), tf_test::TinySpec{});
  tf::ThreadPool pool(1);
  const auto launches = [] { return tf_emu::launch_count("attention_decode_step_kernel"); };
  for (tf::Quant quant : {tf::Quant::None, tf::Quant::NF4}) {
    auto host = tf::LlamaModel::load(dir.path(), quant, true, pool);
    const int64_t L = host->config().num_hidden_layers, V = host->config().vocab_size;
    // Logits of 2 sequences over 8 steps. An adapter with random B (so it changes the logits) arrives before step 3,
    // which grows the arena; another one of the same shape before step 5, which does not.
    auto run = [&](bool graphs, std::vector<uint64_t>* step_launches) {
      ScopedEnv env("TF_CUDA_GRAPHS", graphs ? "1" : "0");
      auto gpu = tf::backend::make_cuda_model(*host, 0);
      tf::Decoder& dec = *gpu->decoder();
      auto a = dec.new_decode_cache(32), b = dec.new_decode_cache(32);
      std::vector<float> last(size_t(V), 0.f);
      const std::vector<int32_t> pa = {3, 9, 4, 17}, pb = {5, 5, 21};
      dec.decode(*a, pa.data(), int(pa.size()), last.data());
      dec.decode(*b, pb.data(), int(pb.size()), last.data());
      std::vector<float> all;
      std::vector<float> logits(size_t(2 * V));
      tf::DecodeCache* caches[2] = {a.get(), b.get()};
      int32_t next[2] = {7, 11};
      for (int step = 0; step < 8; ++step) {
        if (step == 3 || step == 5) {
          tf::LoraSpec ls;
          ls.targets = {"q_proj", "v_proj", "down_proj"};
          if (step == 3) gpu->init_lora(ls, 5);
          tf::PeftAdapter adapter = gpu->export_lora("tiny");
          tf::Rng rng(13 + step);
          for (tf::LoraTensors& m : adapter.modules)
            for (float& x : m.B) x = 0.5f * rng.normal();
          gpu->load_lora(adapter);
        }
        const uint64_t before = launches();
        dec.decode_step(caches, next, 2, logits.data());
        if (step_launches) step_launches->push_back(launches() - before);
        all.insert(all.end(), logits.begin(), logits.end());
        for (int i = 0; i < 2; ++i)  // greedy, so the sequences go where the logits lead
          next[i] = int32_t(std::max_element(logits.begin() + i * V, logits.begin() + (i + 1) * V) - (logits.begin() + i * V));
      }
      return all;
    };
    std::vector<uint64_t> counted;
    const std::vector<float> with_graphs = run(true, &counted), eager = run(false, nullptr);
    CHECK(with_graphs == eager);
    // Eager, captured (its launches happen while capturing), replayed; each adapter change starts over.
    const uint64_t l = uint64_t(L);
    CHECK((counted == std::vector<uint64_t>{l, l, 0, l, l, l, l, 0}));
  }
}

}  // namespace
