#pragma once
// Rotary position embedding, HF "rotate half" convention: x' = x cos + rotate_half(x) sin with
// rotate_half(x) = concat(-x[d/2:], x[:d/2]) and emb = concat(freqs, freqs); or GLM-4's interleaved pairs.
#include <cstdint>
#include <vector>

#include "common/threadpool.h"
#include "io/config.h"

namespace tf::kernels {

// inv_freq[i] = theta^(-2i/d) in fp32 as HF computes it (d: the rotated dimensions, rotary_dim when given, else
// head_dim; d/2 values), then rescaled by wavelength bands when rope_scaling.type == "llama3" (Llama 3.1+), divided by
// the factor when it is "linear", by short_factor[i] when it is "longrope" (Phi-3), or blended between themselves and
// themselves / factor by yarn's correction range when it is "yarn".
std::vector<float> rope_inv_freq(int head_dim, double theta, const RopeScaling& scaling, int rotary_dim = 0);
// longrope's other table: each frequency divided by long_factor[i], which transformers' Phi3RotaryEmbedding uses for
// the whole of any forward pass whose largest position is original_max_position_embeddings or more.
std::vector<float> rope_inv_freq_long(int head_dim, double theta, const RopeScaling& scaling, int rotary_dim = 0);

// x [N, heads, head_dim] rotated in place by angle positions[i] * inv_freq. rotary_dim (0 = head_dim): only the first
// rotary_dim values of each head rotate (pairs j, j + rotary_dim/2), the rest pass through (Phi-4-mini). scale: the
// rotated values are multiplied by it (longrope's or yarn's attention factor, by which transformers scales cos and sin).
// interleaved: pair j is values 2j and 2j + 1 instead (GLM-4's rotate_half over x[0::2], x[1::2], its cos and sin
// repeat_interleave'd), with the same frequency inv_freq[j].
// long_rows: longrope's per-row choice for a batched decoding step (a row per sequence, each deciding by its own
// position as it would decoding alone): rows whose position is `from` or more rotate with its inv_freq. The default
// leaves every row to the call's table.
struct RopeLongRows {
  const float* inv_freq = nullptr;
  int64_t from = INT64_MAX;
};
// temperature: the queries' factor by position (Ministral 3's llama_4_scaling_beta, transformers'
// _get_llama_4_attn_scale): a row at position p is also multiplied by 1 + beta · ln(1 + floor(p / interval)), 1 within
// the first interval, in fp32 as torch computes it. It needs every dimension rotated (rotary_dim 0 or head_dim), so
// that the factor reaches all of the row. beta 0: none.
struct QueryTemperature {
  float beta = 0.f;
  int32_t interval = 0;
  bool on() const { return beta != 0.f; }
  float at(int32_t position) const;
};
void rope_forward(ThreadPool* pool, float* x, const int32_t* positions, const float* inv_freq, int64_t N,
                  int64_t heads, int64_t head_dim, int64_t rotary_dim = 0, float scale = 1.f, bool interleaved = false,
                  RopeLongRows long_rows = {}, QueryTemperature temperature = {});
// The rotation is orthogonal, so the gradient is the inverse rotation (angle negated) times the same scale (and
// temperature), in place.
void rope_backward(ThreadPool* pool, float* dx, const int32_t* positions, const float* inv_freq, int64_t N,
                   int64_t heads, int64_t head_dim, int64_t rotary_dim = 0, float scale = 1.f, bool interleaved = false,
                   QueryTemperature temperature = {});

}  // namespace tf::kernels
