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

// The absmax of NF4 block `block` (kNf4BlockSize consecutive weights of the flattened tensor).
__device__ __forceinline__ float nf4_absmax(const Nf4DeviceView& t, int64_t block) {
  if (!t.double_quant) return t.absmax[block];
  return __fadd_rn(__fmul_rn(t.dyn_map[t.absmax_q8[block]], t.absmax2[block / kNf4DoubleQuantBlockSize]),
                   t.absmax_offset);
}

// Element i of the flattened [rows, cols] tensor, in fp32 (the caller rounds it to bf16).
__device__ __forceinline__ float nf4_value(const Nf4DeviceView& t, int64_t i) {
  const float a = nf4_absmax(t, i / kNf4BlockSize);
  const uint8_t byte = t.packed[i >> 1];
  const int q = (i & 1) ? (byte & 0xF) : (byte >> 4);  // first element in the high nibble
  return __fmul_rn(kNf4CodeDevice[q], a);
}

// The code table in shared memory (call with every thread of the block, at least 16 of them): a warp's lanes
// read their 16 different entries there in one access, where constant memory serves one address at a time.
__device__ __forceinline__ void stage_nf4_code(float* code) {
  if (threadIdx.x < 16) code[threadIdx.x] = kNf4CodeDevice[threadIdx.x];
  __syncthreads();
}

// Elements i..i+7, i a multiple of 8 (so one absmax, since 8 divides the block, and four whole bytes: one 32-bit
// load; the caller checks that the packed codes are 4-byte aligned), the same values as nf4_value.
__device__ __forceinline__ void nf4_values8(const Nf4DeviceView& t, int64_t i, const float* code, float (&w)[8]) {
  const float a = nf4_absmax(t, i / kNf4BlockSize);
  const uint32_t bytes = *reinterpret_cast<const uint32_t*>(t.packed + (i >> 1));  // byte b in bits 8b.. (little end)
#pragma unroll
  for (int b = 0; b < 4; ++b) {
    const uint32_t byte = (bytes >> (8 * b)) & 0xFFu;
    w[2 * b] = __fmul_rn(code[byte >> 4], a);
    w[2 * b + 1] = __fmul_rn(code[byte & 0xFu], a);
  }
}

}  // namespace tf::cuda
