// LFM2's conv layers on the device, line for line the CPU's model/llama_conv.cc: the gated short convolution in
// attention's place, between in_proj (N × H → N × 3H: B, C, x) and out_proj, which layer_forward applies as it does
// o_proj. Training convolves within each packed segment (plan_.seg_start); decoding carries each conv layer's last
// K − 1 values of B·x in the cache (KvLayerView::conv, DecodeSeq::conv).
#include "backend/cuda_llama.h"
#include "common.cuh"

namespace tf::cuda {

void CudaLlama::conv_forward(int l, const bf16* xn1, int B, int T, const LayerSlots& a, bool kept_output,
                             bool skip_inputs, const KvLayerView* kv, const DecodeSeq* step) {
  const int64_t N = int64_t(B) * T, H = hm_.H;
  const int K = config().conv_kernel;
  bf16* bcx = buf<bf16>(a.bcx);
  // A checkpoint recompute with in_proj's output kept computes only its LoRA intermediate.
  proj_forward(l, kConvIn, xn1, skip_inputs ? nullptr : bcx, N, buf<bf16>(a.lora_u[kConvIn]));
  const float* w = layers_[l].conv_w;
  const int64_t conv_layer = hm_.cache_index[size_t(l)];
  if (step)
    short_conv_decode_step(bcx, w, N, H, K, step, conv_layer, buf<bf16>(a.att), stream_);
  else if (kv)
    short_conv_decode(bcx, w, N, H, K, kv->conv, buf<bf16>(a.att), stream_);
  else
    // A recompute whose gated output was kept rebuilds only the convolution (a few FLOPs per value), as the CPU's.
    short_conv_forward({B, T, H, K}, bcx, w, buf<int32_t>(plan_.seg_start), buf<bf16>(a.conv),
                       kept_output ? nullptr : buf<bf16>(a.att), stream_);
  mark(StepPhase::Elementwise);
}

void CudaLlama::conv_backward(int l, const bf16* xn1, const bf16* datt, bf16* dxn, int B, int T, const LayerSlots& a) {
  const int64_t N = int64_t(B) * T, H = hm_.H;
  bf16* dbcx = buf<bf16>(plan_.dbcx);
  short_conv_backward({B, T, H, config().conv_kernel}, datt, buf<bf16>(a.bcx), buf<bf16>(a.conv), layers_[l].conv_w,
                      buf<int32_t>(plan_.seg_start), dbcx, stream_);
  mark(StepPhase::Elementwise);
  proj_backward(l, kConvIn, xn1, dbcx, dxn, false, N, buf<bf16>(a.lora_u[kConvIn]));
}

}  // namespace tf::cuda
