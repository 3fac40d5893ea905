#pragma once
// One NF4 weight on the device, exactly as the CPU's nf4_dequantize_rows computes it: absmax = dyn[q8] * absmax2 +
// offset (double quant) or the stored absmax, value = code * absmax, each product and sum rounded separately
// (__fmul_rn/__fadd_rn keep nvcc from fusing them into an FMA, which would differ from the CPU in the last bit).
// Shared by nf4_dequant.cu (into bf16 buffers) and nf4_gemv.cu (straight into a matrix-vector product).
#include "api.h"
#include "common.cuh"
#include "quant/nf4.h"

namespace tf::cuda {

namespace {
// The NF4 code table, spelled from the same literals as tf::kNf4Code (one copy per .cu file that includes this:
// constant memory is per translation unit without relocatable device code).
__constant__ float kNf4CodeDevice[16] = TF_NF4_CODE_VALUES;
}  // namespace

// Element i of the flattened [rows, cols] tensor, in fp32 (the caller rounds it to bf16).
__device__ __forceinline__ float nf4_value(const Nf4DeviceView& t, int64_t i) {
  const int64_t block = i / kNf4BlockSize;
  const float a = t.double_quant ? __fadd_rn(__fmul_rn(t.dyn_map[t.absmax_q8[block]],
                                                       t.absmax2[block / kNf4DoubleQuantBlockSize]),
                                             t.absmax_offset)
                                 : t.absmax[block];
  const uint8_t byte = t.packed[i >> 1];
  const int q = (i & 1) ? (byte & 0xF) : (byte >> 4);  // first element in the high nibble
  return __fmul_rn(kNf4CodeDevice[q], a);
}

}  // namespace tf::cuda
