// NF4 (+ double-quant absmax) -> bf16, into a scratch buffer the caller reuses for every layer (the Unsloth
// path: the frozen base weight exists in bf16 only for the GEMM that uses it). Bit-for-bit the CPU's
// nf4_dequantize_rows followed by bf16 rounding (nf4_device.cuh's nf4_value).
#include <string>

#include "api.h"
#include "common.cuh"
#include "host/launch_plan.h"
#include "nf4_device.cuh"
#include "quant/nf4.h"

namespace tf::cuda {

namespace {

// Eight weights per thread for the first 8·groups (host/launch_plan.h nf4_bf16x8_groups): one 32-bit load of
// their codes, one absmax, the code table from shared memory, one 16-byte store; then the rest one at a time. The
// kernel is bound by its bf16 writes (2 bytes out per 0.5 byte in) once the per-weight work is this small.
__global__ void nf4_dequant_kernel(Nf4DeviceView t, int64_t i0, int64_t n, int64_t groups, bf16* out) {
  __shared__ float code[16];
  stage_nf4_code(code);
  const int64_t first = blockIdx.x * int64_t(blockDim.x) + threadIdx.x, stride = int64_t(gridDim.x) * blockDim.x;
  for (int64_t v = first; v < groups; v += stride) {
    float w[8];
    nf4_values8(t, i0 + 8 * v, code, w);
    store_bf16s(out + 8 * v, w);
  }
  for (int64_t k = 8 * groups + first; k < n; k += stride) out[k] = to_bf(nf4_value(t, i0 + k));
}

}  // namespace

void nf4_dequantize_rows_bf16(const Nf4DeviceView& t, int64_t row_begin, int64_t row_end, bf16* out,
                              cudaStream_t stream) {
  TF_CHECK(row_begin >= 0 && row_begin <= row_end && row_end <= t.rows,
           "nf4_dequantize_rows_bf16: rows [" + std::to_string(row_begin) + ", " + std::to_string(row_end) +
               ") outside a tensor of " + std::to_string(t.rows) + " rows");
  TF_CHECK(t.packed && (t.double_quant ? (t.absmax_q8 && t.absmax2 && t.dyn_map) : t.absmax != nullptr),
           "nf4_dequantize_rows_bf16: the device view is missing its packed codes or absmax arrays");
  const int64_t n = (row_end - row_begin) * t.cols, i0 = row_begin * t.cols;
  const int64_t groups = nf4_bf16x8_groups(i0, n, t.packed, out);
  const Grid1D g = bf16x8_grid(n, groups);
  if (g.blocks == 0) return;
  nf4_dequant_kernel<<<unsigned(g.blocks), g.threads, 0, stream>>>(t, i0, n, groups, out);
  CUDA_CHECK_LAUNCH();
}

}  // namespace tf::cuda
