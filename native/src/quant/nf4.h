#pragma once
// NF4 exactly as bitsandbytes (reference/trainer.md): blocks of 64 over the row-major flattened weight,
// fp32 absmax per block, nearest of the 16 NF4 codes, two codes per byte with the FIRST element in the
// HIGH nibble. Double quantization: offset = mean(absmax); (absmax - offset) quantized in blocks of 256 with
// the signed 8-bit dynamic map; one fp32 absmax2 per 256 blocks.
#include <cstddef>
#include <cstdint>
#include <vector>

namespace tf {

// bitsandbytes' NF4 code values as an initializer list, so the CPU's kNf4Code and the CUDA kernel's __constant__
// copy (native/cuda/nf4_device.cuh) are spelled from one place.
#define TF_NF4_CODE_VALUES \
  {-1.0f,                  \
   -0.6961928009986877f,    \
   -0.5250730514526367f,    \
   -0.39491748809814453f,   \
   -0.28444138169288635f,   \
   -0.18477343022823334f,   \
   -0.09105003625154495f,   \
   0.0f,                    \
   0.07958029955625534f,    \
   0.16093020141124725f,    \
   0.24611230194568634f,    \
   0.33791524171829224f,    \
   0.44070982933044434f,    \
   0.5626170039176941f,     \
   0.7229568362236023f,     \
   1.0f}
extern const float kNf4Code[16];
constexpr int kNf4BlockSize = 64;
constexpr int kNf4DoubleQuantBlockSize = 256;

// The 256-value signed dynamic map (create_dynamic_map(signed=True, max_exponent_bits=7, total_bits=8)), sorted.
const std::vector<float>& dynamic_map_signed();

// bitsandbytes' decision tree, kept as the reference: nf4_quantize picks codes with nf4_code_by_count
// (nf4_internal.h), which test_nf4 holds equal to this.
uint8_t nf4_nearest_code(float x_normalized);  // x already divided by absmax, in [-1, 1]

struct Nf4Tensor {
  int64_t rows = 0, cols = 0;       // [out, in]
  std::vector<uint8_t> packed;      // numel/2 bytes (numel rounded up to even)
  bool double_quant = false;
  std::vector<float> absmax;        // per block, when !double_quant
  std::vector<uint8_t> absmax_q8;   // per block, when double_quant: index into dynamic_map_signed()
  std::vector<float> absmax2;       // per 256 blocks, when double_quant
  float absmax_offset = 0.f;        // mean(absmax), when double_quant

  int64_t numel() const { return rows * cols; }
  int64_t num_blocks() const { return (numel() + kNf4BlockSize - 1) / kNf4BlockSize; }
  float block_absmax(int64_t block) const;  // recovers absmax (dequantizing the double quant if used)
  size_t bytes() const;                     // memory used by this representation
};

class ThreadPool;

// With a pool, the blocks are quantized in parallel (the result is the same bits: each block is its own); loading
// a model quantizes every frozen weight, about 7 G values for an 8B model, which took minutes on one core.
Nf4Tensor nf4_quantize(const float* w, int64_t rows, int64_t cols, bool double_quant, ThreadPool* pool = nullptr);
// Dequantizes rows [row_begin, row_end) into out (row-major, (row_end-row_begin)*cols floats).
void nf4_dequantize_rows(const Nf4Tensor& t, int64_t row_begin, int64_t row_end, float* out);
std::vector<float> nf4_dequantize(const Nf4Tensor& t);

}  // namespace tf
