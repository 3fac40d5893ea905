// LFM2's conv layers: the gated short convolution that takes attention's place (kernels/short_conv.h), between
// in_proj (N × H → N × 3H: B, C, x) and out_proj, the operator's output projection (kConvOut, applied by
// layer_forward as o_proj is on the attention layers).
#include "kernels/short_conv.h"
#include "model/llama_impl.h"

namespace tf {

using namespace kernels;

void LlamaModel::Impl::conv_forward(int l, const float* xn, int B, int T, const int32_t* seg_start, LayerActs& a,
                                    bool recompute) const {
  const Layer& ly = layers[l];
  const int64_t N = int64_t(B) * T;
  a.bcx.resize(N * 3 * H), a.conv.resize(N * H);
  proj_forward(ly.proj[kConvIn], xn, a.bcx.data(), N, drop[l][kConvIn], &a.lora_u[kConvIn]);
  if (!recompute) a.att.resize(N * H);
  short_conv_forward(pool, {B, T, H, cfg.conv_kernel}, a.bcx.data(), ly.conv_w.data(), seg_start, a.conv.data(),
                     recompute ? nullptr : a.att.data());
  mark(StepPhase::Elementwise);
}

void LlamaModel::Impl::conv_backward(int l, const float* xn, const float* datt, float* dxn, int B, int T,
                                     const int32_t* seg_start, LayerActs& a) {
  Layer& ly = layers[l];
  const int64_t N = int64_t(B) * T;
  ws.dbcx.resize(N * 3 * H);
  short_conv_backward(pool, {B, T, H, cfg.conv_kernel}, datt, a.bcx.data(), a.conv.data(), ly.conv_w.data(), seg_start,
                      ws.dbcx.data());
  mark(StepPhase::Elementwise);
  proj_backward(ly.proj[kConvIn], xn, ws.dbcx.data(), dxn, false, N, drop[l][kConvIn], a.lora_u[kConvIn]);
}

}  // namespace tf
