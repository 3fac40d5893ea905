// Generation on the device (model/decoder.h): a bf16 KV cache per layer and a forward over only the new tokens,
// line for line the CPU's LlamaModel::decode (model/llama_decode.cc): prompt tokens in one call (prefill), then one
// token per call. The layers are the training forward's (cuda_llama_layer.cc); a prompt into an empty cache uses the
// training's flash attention within itself, every later call attention over the cache (attention_decode.cu). Only
// the last row's logits are computed, in fp32, and copied to the host. decode_step advances several sequences by one
// token each in one forward (batched generation): the projections read each weight once for all of them, attention
// runs per sequence over its own cache. Its kernels replay as a CUDA graph per batch size (backend/decode_graphs.h).
#include <algorithm>
#include <vector>

#include "backend/cuda_llama.h"
#include "common.cuh"
#include "model_kernels.h"

namespace tf::cuda {

namespace {

class CudaDecodeCache final : public DecodeCache {
 public:
  CudaDecodeCache(const CudaLlama* owner, int max_len, DeviceBuffer k, DeviceBuffer v, DeviceBuffer conv)
      : owner(owner), max_len_(max_len), k(std::move(k)), v(std::move(v)), conv(std::move(conv)) {}
  int len() const override { return len_; }
  int max_len() const override { return max_len_; }

  const CudaLlama* owner;
  int max_len_, len_ = 0;
  DeviceBuffer k, v;  // [attention layers][max_len][nkv*hd] bf16
  DeviceBuffer conv;  // LFM2: [conv layers][K−1][H] fp32, the last K − 1 values of B·x (zeros before the start)
};

}  // namespace

std::unique_ptr<DecodeCache> CudaLlama::new_decode_cache(int max_len) {
  activate();
  TF_CHECK(max_len >= 1 && max_len <= config().max_position_embeddings,
           "KV cache length " + std::to_string(max_len) + " must be in [1, max_position_embeddings = " +
               std::to_string(config().max_position_embeddings) + "]");
  // Keys and values for the layers that attend (LFM2's conv layers keep their convolution's last inputs instead).
  const int64_t bytes = int64_t(hm_.attention_layers) * max_len * hm_.nkv * hm_.hd * int64_t(sizeof(bf16));
  // Generation's memory is decided by its prompts and max tokens, not by the trainer's options.
  const char* advice = "Generate for fewer prompts at once or fewer max tokens, or wait until the device is free.";
  DeviceBuffer k(bytes, "the KV cache (keys)", advice), v(bytes, "the KV cache (values)", advice);
  const int64_t conv_bytes = int64_t(hm_.conv_layers) * conv_state_elems() * int64_t(sizeof(float));
  DeviceBuffer conv(conv_bytes, "the conv layers' decoding state", advice);
  if (conv_bytes > 0) CUDA_CHECK(cudaMemsetAsync(conv.get(), 0, size_t(conv_bytes), stream_));
  return std::make_unique<CudaDecodeCache>(this, max_len, std::move(k), std::move(v), std::move(conv));
}

void CudaLlama::decode(DecodeCache& c, const int32_t* tokens, int n, float* last_logits) {
  auto* cache = dynamic_cast<CudaDecodeCache*>(&c);
  TF_CHECK(cache && cache->owner == this, "decode: the cache belongs to another model or backend");
  TF_CHECK(n >= 1, "decode: at least one token per call");
  TF_CHECK(int64_t(cache->len_) + n <= cache->max_len_, "decode: " + std::to_string(n) + " more tokens overflow the KV cache (" +
                                                    std::to_string(cache->len_) + " of " +
                                                    std::to_string(cache->max_len_) + " used)");
  Batch b;
  b.B = 1, b.T = n;
  b.tokens.assign(tokens, tokens + n);
  for (int i = 0; i < n; ++i) b.positions.push_back(cache->len_ + i);
  begin_step(b, StepMode::Logits, false, false);  // validates the ids before anything is written to the cache
  const int64_t H = hm_.H, V = hm_.V, per_layer = int64_t(cache->max_len_) * hm_.nkv * hm_.hd;
  embed_tokens(n);
  for (int l = 0; l < hm_.L; ++l) {
    const int64_t at = hm_.cache_index[size_t(l)];  // among the layers of its kind
    const KvLayerView kv = hm_.convolves(l)
                               ? KvLayerView{nullptr, nullptr, cache->len_, cache->conv.as<float>() + at * conv_state_elems()}
                               : KvLayerView{cache->k.as<bf16>() + at * per_layer, cache->v.as<bf16>() + at * per_layer, cache->len_};
    layer_forward(l, buf<bf16>(plan_.xs[l]), buf<bf16>(plan_.xs[l + 1]), 1, n, plan_.layers[0], &kv);
  }
  final_norm(n);
  float* dev = buf<float>(plan_.logits_f32);
  matmul_bf16_f32out(false, true, 1, V, H, 1.f, buf<bf16>(plan_.xf) + (n - 1) * H, H, lm_head_, H, 0.f, dev, V,
                     stream_);
  softcap_f32(dev, V, hm_.logit_softcap(), stream_);  // Gemma 2's final soft cap (nothing elsewhere)
  CUDA_CHECK(cudaMemcpyAsync(last_logits, dev, size_t(V) * sizeof(float), cudaMemcpyDeviceToHost, stream_));
  CUDA_CHECK(cudaStreamSynchronize(stream_));
  cache->len_ += n;
}

void CudaLlama::decode_step(DecodeCache* const* caches, const int32_t* tokens, int n, float* logits) {
  TF_CHECK(n >= 1, "decode step: at least one sequence");
  std::vector<CudaDecodeCache*> cs(size_t(n), nullptr);
  Batch b;
  b.B = n, b.T = 1;  // n sequences of one new token each
  for (int i = 0; i < n; ++i) {
    auto* c = dynamic_cast<CudaDecodeCache*>(caches[i]);
    TF_CHECK(c && c->owner == this, "decode step: cache " + std::to_string(i) + " belongs to another model or backend");
    TF_CHECK(c->len_ + 1 <= c->max_len_, "decode step: KV cache " + std::to_string(i) + " is full (" + std::to_string(c->max_len_) + " positions)");
    // Two rows writing one cache slot would corrupt it.
    for (int j = 0; j < i; ++j) TF_CHECK(cs[size_t(j)] != c, "decode step: sequences " + std::to_string(j) + " and " + std::to_string(i) + " share one KV cache");
    cs[size_t(i)] = c;
    b.tokens.push_back(tokens[i]);
    b.positions.push_back(c->len_);
  }
  begin_step(b, StepMode::Logits, false, false);  // validates the ids before anything is written to a cache
  const int64_t H = hm_.H, V = hm_.V;
  // Where each sequence's cache is; the kernel finds every layer's from it.
  std::vector<DecodeSeq> seqs(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) {
    CudaDecodeCache& c = *cs[size_t(i)];
    seqs[size_t(i)] = {c.k.as<bf16>(), c.v.as<bf16>(), int64_t(c.max_len_) * hm_.nkv * hm_.hd, c.len_,
                       c.conv.as<float>(), conv_state_elems()};
  }
  const int64_t seq_bytes = int64_t(seqs.size() * sizeof(DecodeSeq));
  if (step_seqs_.bytes() < seq_bytes) step_seqs_ = DeviceBuffer(seq_bytes, "the decode step's sequence table");
  // From pageable memory the call returns once `seqs` has been staged, so it may be freed afterwards; the kernels
  // that read the table are ordered after the copy on the stream.
  CUDA_CHECK(cudaMemcpyAsync(step_seqs_.get(), seqs.data(), size_t(seq_bytes), cudaMemcpyHostToDevice, stream_));
  const DecodeSeq* step = static_cast<const DecodeSeq*>(step_seqs_.get());
  float* dev = buf<float>(plan_.logits_f32);
  StepShape shape;
  shape.B = n, shape.T = 1;
  const int64_t R = shape.chunk_rows();
  // The step's kernels, from the embedding to the first chunk of logits: everything that changes per token is in
  // device memory (ids, positions, the sequence table), so they can run as one CUDA graph (backend/decode_graphs.h).
  auto kernels = [&] {
    embed_tokens(n);
    for (int l = 0; l < hm_.L; ++l)
      // One pass over each layer's weights for all n rows.
      layer_forward(l, buf<bf16>(plan_.xs[l]), buf<bf16>(plan_.xs[l + 1]), n, 1, plan_.layers[0], nullptr, step);
    final_norm(n);
    matmul_bf16_f32out(false, true, std::min<int64_t>(R, n), V, H, 1.f, buf<bf16>(plan_.xf), H, lm_head_, H, 0.f, dev,
                       V, stream_);
  };
  // Not as a graph: rows past one logits chunk (copied out between chunks), NF4 rows past the GEMV path (their
  // expansions run on the second stream), or a profiled step (its marks are events on the host's clock).
  const bool as_graph = n <= R && (!dequant_ || n <= kNf4GemvMaxRows) && !timeline_->enabled();
  if (as_graph)
    graphs_.run({n, arena_.at<char>(0), arena_.capacity(), step_seqs_.get(), lora_version_}, stream_, kernels);
  else
    kernels();
  // The lm_head in chunks of the plan's logits rows, each copied out in fp32.
  for (int64_t r0 = 0; r0 < n; r0 += R) {
    const int64_t rows = std::min<int64_t>(R, n - r0);
    if (r0 > 0)
      matmul_bf16_f32out(false, true, rows, V, H, 1.f, buf<bf16>(plan_.xf) + r0 * H, H, lm_head_, H, 0.f, dev, V, stream_);
    softcap_f32(dev, rows * V, hm_.logit_softcap(), stream_);  // outside the graph: one launch, Gemma 2 only
    CUDA_CHECK(cudaMemcpyAsync(logits + r0 * V, dev, size_t(rows * V) * sizeof(float), cudaMemcpyDeviceToHost, stream_));
  }
  CUDA_CHECK(cudaStreamSynchronize(stream_));
  for (CudaDecodeCache* c : cs) c->len_ += 1;
}

}  // namespace tf::cuda
