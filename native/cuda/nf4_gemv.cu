// y = x Wᵀ for a few rows of x straight from the NF4 weight (decoding: one token per step). The general path,
// nf4_dequantize_rows_bf16 then a GEMM, writes and reads the whole weight in bf16 (4.5 bytes of traffic per weight);
// decoding is bound by exactly that traffic, so this kernel reads the packed codes (0.5 byte per weight) once and
// applies them to every row. Same arithmetic as that path: each weight is bf16(nf4_value) (nf4_device.cuh), products
// and sums in fp32, y rounded to bf16.
#include <string>

#include "api.h"
#include "common.cuh"
#include "nf4_device.cuh"

namespace tf::cuda {

namespace {

constexpr int kWarps = 8;

// One warp per output feature o; lanes stride over the input features, every row of x shares each weight.
__global__ void __launch_bounds__(kWarps * 32)
    nf4_gemv_kernel(Nf4DeviceView t, const bf16* __restrict__ x, bf16* __restrict__ y, int n) {
  const int lane = threadIdx.x & 31;
  const int64_t o = int64_t(blockIdx.x) * kWarps + (threadIdx.x >> 5);
  if (o >= t.rows) return;  // whole warps only: rows is the same for every lane of a warp
  const int64_t in = t.cols;
  float acc[kNf4GemvMaxRows];
#pragma unroll
  for (int r = 0; r < kNf4GemvMaxRows; ++r) acc[r] = 0.f;
  for (int64_t k = lane; k < in; k += 32) {
    const float w = to_f(to_bf(nf4_value(t, o * in + k)));
#pragma unroll
    for (int r = 0; r < kNf4GemvMaxRows; ++r)
      if (r < n) acc[r] += w * to_f(x[r * in + k]);
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
  nf4_gemv_kernel<<<blocks, kWarps * 32, 0, stream>>>(t, x, y, int(n));
  CUDA_CHECK_LAUNCH();
}

}  // namespace tf::cuda
