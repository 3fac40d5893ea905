// y = x Wᵀ for a few rows of x straight from the NF4 weight (decoding: one token per step). The general path,
// nf4_dequantize_rows_bf16 then a GEMM, writes and reads the whole weight in bf16 (4.5 bytes of traffic per weight);
// decoding is bound by exactly that traffic, so this kernel reads the packed codes (0.5 byte per weight) once and
// applies them to every row. Same arithmetic as that path: each weight is bf16(nf4_value) (nf4_device.cuh), products
// and sums in fp32, y rounded to bf16.
#include <string>

#include "api.h"
#include "common.cuh"
#include "host/launch_plan.h"
#include "nf4_device.cuh"

namespace tf::cuda {

namespace {

constexpr int kWarps = 8;

// One warp per output feature o; lanes stride over the input features, every row of x shares each weight. With
// kVec = 8 (host/launch_plan.h nf4_bf16x8_groups for a row: cols % 8 == 0, aligned codes and x) a lane takes eight
// consecutive features per step: one 32-bit load of codes, one absmax, 16-byte loads of x; else one.
template <int kVec>
__global__ void __launch_bounds__(kWarps * 32)
    nf4_gemv_kernel(Nf4DeviceView t, const bf16* __restrict__ x, bf16* __restrict__ y, int n) {
  __shared__ float code[16];
  stage_nf4_code(code);  // before any warp leaves: it holds a barrier
  const int lane = threadIdx.x & 31;
  const int64_t o = int64_t(blockIdx.x) * kWarps + (threadIdx.x >> 5);
  if (o >= t.rows) return;  // whole warps only: rows is the same for every lane of a warp
  const int64_t in = t.cols;
  float acc[kNf4GemvMaxRows];
#pragma unroll
  for (int r = 0; r < kNf4GemvMaxRows; ++r) acc[r] = 0.f;
  for (int64_t k = int64_t(lane) * kVec; k < in; k += 32 * kVec) {
    float w[kVec];
    if constexpr (kVec == 8) nf4_values8(t, o * in + k, code, w);
    else w[0] = nf4_value(t, o * in + k);
#pragma unroll
    for (int e = 0; e < kVec; ++e) w[e] = to_f(to_bf(w[e]));  // the bf16 weight the dequantize + GEMM path uses
#pragma unroll
    for (int r = 0; r < kNf4GemvMaxRows; ++r)
      if (r < n) {
        float xv[kVec];
        load_bf16s(x + r * in + k, xv);
#pragma unroll
        for (int e = 0; e < kVec; ++e) acc[r] += w[e] * xv[e];
      }
  }
#pragma unroll
  for (int r = 0; r < kNf4GemvMaxRows; ++r) {
    const float sum = warp_sum(acc[r]);
    if (r < n && lane == 0) y[r * t.rows + o] = to_bf(sum);
  }
}

}  // namespace

void nf4_gemv_bf16(const Nf4DeviceView& t, const bf16* x, bf16* y, int64_t n, cudaStream_t stream) {
  TF_CHECK(n >= 1 && n <= kNf4GemvMaxRows, "nf4_gemv_bf16: " + std::to_string(n) + " rows; it takes 1 to " +
                                               std::to_string(kNf4GemvMaxRows) + " (use the dequantize + GEMM path)");
  TF_CHECK(t.packed && (t.double_quant ? (t.absmax_q8 && t.absmax2 && t.dyn_map) : t.absmax != nullptr),
           "nf4_gemv_bf16: the device view is missing its packed codes or absmax arrays");
  if (t.rows == 0) return;
  const unsigned blocks = unsigned((t.rows + kWarps - 1) / kWarps);
  // Every row of W and of x starts a group of 8 when cols % 8 == 0.
  if (t.cols % 8 == 0 && nf4_bf16x8_groups(0, t.cols, t.packed, x) > 0)
    nf4_gemv_kernel<8><<<blocks, kWarps * 32, 0, stream>>>(t, x, y, int(n));
  else
    nf4_gemv_kernel<1><<<blocks, kWarps * 32, 0, stream>>>(t, x, y, int(n));
  CUDA_CHECK_LAUNCH();
}

}  // namespace tf::cuda
