// One decoder layer on the device, forward and backward, line for line the CPU's model/llama_layer.cc:
//   x2 = x + o_proj(attn(rope(q_proj(n1)), rope(k_proj(n1)), v_proj(n1))),  n1 = rmsnorm(x)
//   y  = x2 + down_proj(silu(gate_proj(n2)) * up_proj(n2)),                  n2 = rmsnorm(x2)
// Qwen3 normalizes each head of q and k (q_norm, k_norm) between the projection and RoPE. Gemma 3 does too, and
// normalizes o_proj's and down_proj's outputs before their residual adds, gates with GELU, and windows the
// attention of its sliding layers, with their own RoPE table. Phi-3 computes q, k, v with one qkv_proj and gate, up
// with one gate_up_proj: the fused output's columns are copied apart (fused_forward), the gradients joined. Granite
// scales each sublayer's output before its residual add (residual_scale) and q through its RoPE (q_rope_scale).
// SmolLM3's NoPE layers skip RoPE; OLMo 2 has Gemma's output norms without input norms, and whole-row q/k norms.
#include "backend/cuda_llama.h"
#include "common.cuh"
#include "model_kernels.h"

namespace tf::cuda {

const bf16* CudaLlama::weight_for(const DeviceLinear& lin) {
  if (!lin.nf4) return lin.w;
  // QLoRA: the frozen weight stays NF4 and is expanded into one of two reused buffers for its matmul. The mark's
  // interval is what the main stream spent on it: the expansion itself on a miss, else the wait for the side stream.
  const std::array<bf16*, 2> buffers{buf<bf16>(plan_.dequant[0]), buf<bf16>(plan_.dequant[1])};
  TF_CHECK(buffers[0] && buffers[1] && dequant_, "internal: an NF4 projection but no dequant buffers");
  const bf16* w = dequant_->acquire(lin.q, buffers, stream_);
  mark(StepPhase::Nf4Dequant);
  return w;
}

void CudaLlama::weight_read(const DeviceLinear& lin) {
  if (lin.nf4) dequant_->release(stream_);
}

void CudaLlama::embed_tokens(int64_t N) {
  embedding_gather_bf16(buf<int32_t>(plan_.tokens), embed_, buf<bf16>(plan_.xs[0]), N, hm_.H, stream_, hm_.embed_scale);
}

const bf16* CudaLlama::normed_input(const bf16* w, const bf16* x, bf16* n, float* rstd, int64_t N) {
  if (!w) return x;  // OLMo 2 and 3: the sublayer reads its input as is, where it is kept (no xn1 / xn2 slots)
  rmsnorm_forward(x, w, n, rstd, N, hm_.H, static_cast<float>(config().rms_norm_eps), stream_);
  return n;
}

void CudaLlama::input_norm_backward(const bf16* w, const bf16* dn, const bf16* x, const float* rstd, bf16* dx,
                                    int64_t N) {
  if (w)
    rmsnorm_backward(dn, x, w, rstd, dx, true, N, hm_.H, stream_);
  else
    add_inplace_bf16(dx, dn, N * hm_.H, stream_);
}

void CudaLlama::gate_forward(const bf16* g, const bf16* u, bf16* h, int64_t n) {
  if (config().hidden_act == "gelu_pytorch_tanh")
    geglu_tanh_forward(g, u, h, n, stream_);
  else
    swiglu_forward(g, u, h, n, stream_);
}

void CudaLlama::gate_backward(const bf16* dh, const bf16* g, const bf16* u, bf16* dg, bf16* du, int64_t n) {
  if (config().hidden_act == "gelu_pytorch_tanh")
    geglu_tanh_backward(dh, g, u, dg, du, n, stream_);
  else
    swiglu_backward(dh, g, u, dg, du, n, stream_);
}

void CudaLlama::proj_forward(int l, int p, const bf16* x, bf16* y, int64_t N, bf16* lora_u) {
  const DeviceLinear& lin = layers_[l].proj[p];
  // y = x Wᵀ: W is stored [out, in], so B is transposed. A few rows (decoding) read an NF4 weight directly.
  // y null (a checkpoint recompute): only the LoRA intermediate, so neither the dequant nor the GEMM runs.
  if (!y) {
  } else if (lin.nf4 && N <= kNf4GemvMaxRows) {
    nf4_gemv_bf16(lin.q, x, y, N, stream_);
  } else {
    const bf16* w = weight_for(lin);
    matmul_bf16(false, true, N, lin.out, lin.in, 1.f, x, lin.in, w, lin.in, 0.f, y, lin.out, stream_);
    weight_read(lin);
  }
  if (y && lin.bias) add_bias_bf16(y, lin.bias, N, lin.out, stream_);
  if (y) mark(StepPhase::FrozenMatmul);
  const LoraSlot& s = slots_.empty() ? LoraSlot{} : slots_[l][p];
  if (s.a < 0) return;
  const bf16* lw = lora_bf_.as<bf16>();
  const auto& d = drop_[l][p];
  lora_forward({N, lin.in, lin.out, spec_.rank}, x, lw + s.a, lw + s.b, scaling_, d.first, d.second, lora_u, y,
               buf<bf16>(plan_.lora_scratch), stream_);
  mark(StepPhase::Lora);
}

void CudaLlama::proj_backward(int l, int p, const bf16* x, const bf16* dy, bf16* dx, bool accumulate, int64_t N,
                              const bf16* lora_u) {
  const DeviceLinear& lin = layers_[l].proj[p];
  // dx = dy W (W [out, in] as stored), written or accumulated (beta 1).
  if (dx) {
    const bf16* w = weight_for(lin);
    matmul_bf16(false, false, N, lin.in, lin.out, 1.f, dy, lin.out, w, lin.in, accumulate ? 1.f : 0.f, dx, lin.in,
                stream_);
    weight_read(lin);
    mark(StepPhase::FrozenMatmul);
  }
  const LoraSlot& s = slots_.empty() ? LoraSlot{} : slots_[l][p];
  if (s.a < 0) return;
  const bf16* lw = lora_bf_.as<bf16>();
  float* g = lora_g_.as<float>();
  const auto& d = drop_[l][p];
  lora_backward({N, lin.in, lin.out, spec_.rank}, x, lw + s.a, lw + s.b, scaling_, d.first, d.second, lora_u, dy,
                g + s.a, g + s.b, dx, buf<bf16>(plan_.lora_scratch), stream_);
  mark(StepPhase::Lora);
}

namespace {
// Columns [col, col + width) of a row-major [N, ld] bf16 matrix to or from a dense [N, width] one.
void copy_columns(bf16* dst, int64_t dst_ld, const bf16* src, int64_t src_ld, int64_t N, int64_t width,
                  cudaStream_t stream) {
  CUDA_CHECK(cudaMemcpy2DAsync(dst, size_t(dst_ld) * 2, src, size_t(src_ld) * 2, size_t(width) * 2, size_t(N),
                               cudaMemcpyDeviceToDevice, stream));
}
}  // namespace

void CudaLlama::fused_forward(int l, int first, int parts, const bf16* x, bf16* const* outs, int64_t N,
                              const LayerSlots& a) {
  if (!fused_slot(first)) {
    for (int i = 0; i < parts; ++i) proj_forward(l, first + i, x, outs[i], N, buf<bf16>(a.lora_u[first + i]));
    return;
  }
  bf16* fused = outs[0] ? buf<bf16>(plan_.fused) : nullptr;
  proj_forward(l, first, x, fused, N, buf<bf16>(a.lora_u[first]));
  if (!fused) return;
  const int64_t F = layers_[l].proj[first].out;
  int64_t col = 0;
  for (int i = 0; i < parts; ++i) {
    const int64_t w = fused_part_width(first, i);
    copy_columns(outs[i], w, fused + col, F, N, w, stream_);
    col += w;
  }
  mark(StepPhase::Elementwise);
}

void CudaLlama::fused_backward(int l, int first, int parts, const bf16* x, const bf16* const* douts, bf16* dx,
                               int64_t N, const LayerSlots& a) {
  if (!fused_slot(first)) {
    for (int i = 0; i < parts; ++i)
      proj_backward(l, first + i, x, douts[i], dx, i > 0, N, buf<bf16>(a.lora_u[first + i]));
    return;
  }
  bf16* fused = buf<bf16>(plan_.fused);
  const int64_t F = layers_[l].proj[first].out;
  int64_t col = 0;
  for (int i = 0; i < parts; ++i) {
    const int64_t w = fused_part_width(first, i);
    copy_columns(fused + col, F, douts[i], w, N, w, stream_);
    col += w;
  }
  mark(StepPhase::Elementwise);
  proj_backward(l, first, x, fused, dx, false, N, buf<bf16>(a.lora_u[first]));
}

void CudaLlama::layer_forward(int l, const bf16* x_in, bf16* x_out, int B, int T, const LayerSlots& a,
                              const KvLayerView* kv, const DecodeSeq* step) {
  const DeviceLayer& ly = layers_[l];
  const int64_t N = int64_t(B) * T, H = hm_.H, I = hm_.I, nh = hm_.nh, nkv = hm_.nkv, hd = hm_.hd;
  const float eps = static_cast<float>(config().rms_norm_eps);
  const int32_t* pos = buf<int32_t>(plan_.positions);
  auto u = [&](int p) { return buf<bf16>(a.lora_u[p]); };
  bf16 *q = buf<bf16>(a.q), *k = buf<bf16>(a.k), *v = buf<bf16>(a.v);
  bf16 *att = buf<bf16>(a.att), *x2 = buf<bf16>(a.x2);
  bf16 *g = buf<bf16>(a.g), *up = buf<bf16>(a.u), *h = buf<bf16>(a.h);
  // x_out null: a checkpoint recompute. It skips the attention when the forward pass kept this layer's output and
  // lse, and the q/k/v/o projections, RoPE and the residual add when it kept q, k, v and x2 too: those projections
  // then compute only their LoRA intermediates (proj_forward with no output), which backward reads.
  const bool recompute = !step && !kv && !x_out;
  const bool skip_attention = recompute && plan_.kept_attention;
  const bool skip_inputs = recompute && plan_.kept_attention_inputs;
  const bf16* xn1 = normed_input(ly.input_norm, x_in, buf<bf16>(a.xn1), buf<float>(a.rstd1), N);
  mark(StepPhase::Elementwise);
  if (hm_.convolves(l)) {
    conv_forward(l, xn1, B, T, a, skip_attention, skip_inputs, kv, step);  // a.att: the operator's output
  } else {
    // Qwen3: the projections write q and k before the norm, which the norm's backward reads; the norm writes q and k.
    const bool qk_norm = ly.q_norm != nullptr;
    bf16* q_proj_out = qk_norm ? buf<bf16>(a.q_raw) : q;
    bf16* k_proj_out = qk_norm ? buf<bf16>(a.k_raw) : k;
    bf16* const qkv_out[3] = {skip_inputs ? nullptr : q_proj_out, skip_inputs ? nullptr : k_proj_out,
                              skip_inputs ? nullptr : v};
    fused_forward(l, kQ, 3, xn1, qkv_out, N, a);
    if (!skip_inputs) {
      if (qk_norm) {
        // Rows are heads: [N, nh*hd] is [N*nh, hd]; OLMo 2's rows are whole (qk_norm_width).
        const int64_t qw = qk_norm_width(nh), kw = qk_norm_width(nkv);
        rmsnorm_forward(q_proj_out, ly.q_norm, q, buf<float>(a.rstd_q), N * nh * hd / qw, qw, eps, stream_);
        rmsnorm_forward(k_proj_out, ly.k_norm, k, buf<float>(a.rstd_k), N * nkv * hd / kw, kw, eps, stream_);
      }
      if (hm_.rotates(l)) {  // SmolLM3's NoPE layers do not
        // A batched decoding step's rows are separate sequences: longrope's table per row (step_long_rows).
        const float* freqs = step ? step_rope_freqs(l) : rope_freqs(l);
        const RopeLongRows long_rows = step ? step_long_rows(l) : RopeLongRows{};
        rope_forward(q, pos, freqs, N, nh, hd, stream_, hm_.rope_dim, hm_.q_rope_scale_of(l), hm_.cfg.rope_interleaved, long_rows,
                     q_temperature());
        rope_forward(k, pos, freqs, N, nkv, hd, stream_, hm_.rope_dim, hm_.k_rope_scale_of(l), hm_.cfg.rope_interleaved, long_rows);
      }
      mark(StepPhase::Elementwise);
    }
    if (step) {
      // A batched decode step: row i is sequence i's next token; one launch appends every row to its own cache and
      // attends over it.
      attention_decode_step({N, nh, nkv, hd, hm_.cache_index[size_t(l)], decode_window(l), hm_.attn_softcap()}, q, k, v,
                            step, att, stream_);
    } else if (kv) {
      // Decoding: this call's rotated keys and values join the cache at rows len0 .., then the rows attend over it.
      const size_t row_bytes = size_t(nkv * hd) * sizeof(bf16);
      CUDA_CHECK(cudaMemcpyAsync(kv->k + kv->len0 * nkv * hd, k, size_t(N) * row_bytes, cudaMemcpyDeviceToDevice, stream_));
      CUDA_CHECK(cudaMemcpyAsync(kv->v + kv->len0 * nkv * hd, v, size_t(N) * row_bytes, cudaMemcpyDeviceToDevice, stream_));
      if (kv->len0 == 0 && N > 1)  // a prompt into an empty cache: causal attention within it, on tensor cores
        attention_forward({1, N, nh, nkv, hd, hm_.attn_softcap()}, q, k, v, attention_starts(l), buf<float>(a.lse), att,
                          stream_);
      else
        attention_decode({N, kv->len0, nh, nkv, hd, decode_window(l), hm_.attn_softcap()}, q, kv->k, kv->v, att, stream_);
    } else if (!skip_attention) {
      attention_forward({B, T, nh, nkv, hd, hm_.attn_softcap()}, q, k, v, attention_starts(l), buf<float>(a.lse), att,
                        stream_);
    }
    if (!skip_attention) mark(StepPhase::Attention);
  }
  // Gemma 3: x2 = x + norm(o_proj(att)); o_proj's output (ao) and the norm's rstd are what its backward reads.
  const bool sandwich = ly.mlp_out_norm != nullptr;
  bf16* ao = sandwich ? buf<bf16>(a.ao) : nullptr;
  const int o = hm_.out_slot(l);  // o_proj, or a conv layer's out_proj
  proj_forward(l, o, att, skip_inputs ? nullptr : sandwich ? ao : x2, N, u(o));
  if (!skip_inputs) {
    if (sandwich) rmsnorm_forward(ao, ly.attn_out_norm, x2, buf<float>(a.rstd_ao), N, H, eps, stream_);
    add_inplace_bf16(x2, x_in, N * H, stream_, hm_.residual_scale);
  }
  const bf16* xn2 = normed_input(ly.post_norm, x2, buf<bf16>(a.xn2), buf<float>(a.rstd2), N);
  mark(StepPhase::Elementwise);
  bf16* const gate_up_out[2] = {g, up};
  fused_forward(l, kGate, 2, xn2, gate_up_out, N, a);
  // A checkpoint recompute: backward reads g and u, and h only for down's adapter; the layer's output is the next
  // layer's input, kept already, so the down projection (a third of the MLP) does not run again, unless its output
  // norm (Gemma 3) needs its output and rstd.
  const bool down_adapted = !slots_.empty() && slots_[l][kDown].a >= 0;
  if (recompute && !down_adapted && !sandwich) return;
  gate_forward(g, up, h, N * I);
  mark(StepPhase::Elementwise);
  if (sandwich) {
    bf16* mo = buf<bf16>(a.mo);
    proj_forward(l, kDown, h, mo, N, u(kDown));
    // A recompute wants only the rstd: the normalized rows go to dxn, which backward writes before it reads.
    bf16* y = recompute ? buf<bf16>(plan_.dxn) : x_out;
    rmsnorm_forward(mo, ly.mlp_out_norm, y, buf<float>(a.rstd_mo), N, H, eps, stream_);
  } else {
    proj_forward(l, kDown, h, x_out, N, u(kDown));
  }
  if (recompute) return;
  add_inplace_bf16(x_out, x2, N * H, stream_, hm_.residual_scale);
  mark(StepPhase::Elementwise);
}

void CudaLlama::layer_backward(int l, const bf16* x_in, const bf16* dx_out, bf16* dx_in, bool need_dx, int B, int T,
                               const LayerSlots& a) {
  const DeviceLayer& ly = layers_[l];
  const int64_t N = int64_t(B) * T, H = hm_.H, I = hm_.I;
  auto u = [&](int p) { return buf<bf16>(a.lora_u[p]); };
  bf16 *dh = buf<bf16>(plan_.dh), *dg = buf<bf16>(plan_.dg), *du = buf<bf16>(plan_.du);
  bf16 *dxn = buf<bf16>(plan_.dxn), *dx2 = buf<bf16>(plan_.dx2), *datt = buf<bf16>(plan_.datt);
  const bf16* att = buf<bf16>(a.att);
  // The sublayers' inputs as the forward read them: their norms' outputs, or (OLMo 2 and 3) x_in and x2 themselves.
  const bf16* xn1 = ly.input_norm ? buf<bf16>(a.xn1) : x_in;
  const bf16* xn2 = ly.post_norm ? buf<bf16>(a.xn2) : buf<bf16>(a.x2);
  // MLP (through Gemma's output norm first: dxn is free until the gate and up projections write it)
  const bool sandwich = ly.mlp_out_norm != nullptr;
  const bf16* d_mlp_out = dx_out;
  if (sandwich) {
    rmsnorm_backward(dx_out, buf<bf16>(a.mo), ly.mlp_out_norm, buf<float>(a.rstd_mo), dxn, false, N, H, stream_);
    d_mlp_out = dxn;
  } else if (hm_.residual_scale != 1.f) {
    scale_bf16(dxn, dx_out, hm_.residual_scale, N * H, stream_);  // dxn: free as above
    d_mlp_out = dxn;
  }
  proj_backward(l, kDown, buf<bf16>(a.h), d_mlp_out, dh, false, N, u(kDown));
  gate_backward(dh, buf<bf16>(a.g), buf<bf16>(a.u), dg, du, N * I);
  mark(StepPhase::Elementwise);
  const bf16* const d_gate_up[2] = {dg, du};
  fused_backward(l, kGate, 2, xn2, d_gate_up, dxn, N, a);
  CUDA_CHECK(cudaMemcpyAsync(dx2, dx_out, size_t(N * H) * 2, cudaMemcpyDeviceToDevice, stream_));  // residual
  input_norm_backward(ly.post_norm, dxn, buf<bf16>(a.x2), buf<float>(a.rstd2), dx2, N);
  mark(StepPhase::Elementwise);
  // Attention (through Gemma's output norm first; dxn is free again until the q/k/v projections write it)
  const bf16* d_attn_out = dx2;
  if (sandwich) {
    rmsnorm_backward(dx2, buf<bf16>(a.ao), ly.attn_out_norm, buf<float>(a.rstd_ao), dxn, false, N, H, stream_);
    d_attn_out = dxn;
  } else if (hm_.residual_scale != 1.f) {
    scale_bf16(dxn, dx2, hm_.residual_scale, N * H, stream_);
    d_attn_out = dxn;
  }
  const int o = hm_.out_slot(l);
  proj_backward(l, o, att, d_attn_out, datt, false, N, u(o));
  // The first layer's input is the frozen embedding: only the LoRA gradients are needed there.
  bf16* dxn_or_null = need_dx ? dxn : nullptr;
  if (hm_.convolves(l)) {
    conv_backward(l, xn1, datt, dxn_or_null, B, T, a);
  } else {
    attention_q_k_v_backward(l, xn1, datt, dxn_or_null, B, T, a);
  }
  if (!need_dx) return;
  CUDA_CHECK(cudaMemcpyAsync(dx_in, dx2, size_t(N * H) * 2, cudaMemcpyDeviceToDevice, stream_));
  input_norm_backward(ly.input_norm, dxn, x_in, buf<float>(a.rstd1), dx_in, N);
  mark(StepPhase::Elementwise);
}

void CudaLlama::attention_q_k_v_backward(int l, const bf16* xn1, const bf16* datt, bf16* dxn_or_null, int B, int T,
                                         const LayerSlots& a) {
  const DeviceLayer& ly = layers_[l];
  const int64_t N = int64_t(B) * T, nh = hm_.nh, nkv = hm_.nkv, hd = hm_.hd;
  const int32_t* pos = buf<int32_t>(plan_.positions);
  bf16 *dq = buf<bf16>(plan_.dq), *dk = buf<bf16>(plan_.dk), *dv = buf<bf16>(plan_.dv);
  const bf16* att = buf<bf16>(a.att);
  attention_backward({B, T, nh, nkv, hd, hm_.attn_softcap()}, buf<bf16>(a.q), buf<bf16>(a.k), buf<bf16>(a.v), att, datt,
                     attention_starts(l), buf<float>(a.lse), buf<float>(plan_.attn_scratch), dq, dk, dv, stream_);
  mark(StepPhase::AttentionBackward);
  if (hm_.rotates(l)) {
    rope_backward(dq, pos, rope_freqs(l), N, nh, hd, stream_, hm_.rope_dim, hm_.q_rope_scale_of(l), hm_.cfg.rope_interleaved,
                  q_temperature());
    rope_backward(dk, pos, rope_freqs(l), N, nkv, hd, stream_, hm_.rope_dim, hm_.k_rope_scale_of(l), hm_.cfg.rope_interleaved);
  }
  if (ly.q_norm) {
    // In place: each row's dot product is taken before any of it is written (rmsnorm.cu).
    const int64_t qw = qk_norm_width(nh), kw = qk_norm_width(nkv);
    rmsnorm_backward(dq, buf<bf16>(a.q_raw), ly.q_norm, buf<float>(a.rstd_q), dq, false, N * nh * hd / qw, qw, stream_);
    rmsnorm_backward(dk, buf<bf16>(a.k_raw), ly.k_norm, buf<float>(a.rstd_k), dk, false, N * nkv * hd / kw, kw, stream_);
  }
  mark(StepPhase::Elementwise);
  const bf16* const d_qkv[3] = {dq, dk, dv};
  fused_backward(l, kQ, 3, xn1, d_qkv, dxn_or_null, N, a);
}

}  // namespace tf::cuda
