// NF4 quantization, bit-exact with bitsandbytes' CUDA kernels (kQuantizeBlockwise / dQuantizeNF4):
//  - absmax per block of 64 over the row-major flattened weight; values are multiplied by the float
//    reciprocal 1/absmax (not divided), as bitsandbytes does, because the two can differ in the last bit;
//  - the code is chosen by bitsandbytes' decision tree on the float midpoints between neighbouring codes,
//    with strict '>' so a value exactly on a midpoint takes the lower code;
//  - two codes per byte, the first element in the high nibble; an odd tail is padded with 0.0;
//  - an all-zero block has absmax 0, so 0 * (1/0) = NaN, every comparison fails and the code is 0 (-1.0);
//    it dequantizes to -1.0 * 0 = 0 all the same. We keep that rather than "fix" it, to stay bit-exact.
// Double quantization follows bitsandbytes.functional.quantize_4bit(compress_statistics=True).
#include "quant/nf4.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "common/error.h"
#include "common/threadpool.h"
#include "quant/nf4_internal.h"

namespace tf {

const float kNf4Code[16] = TF_NF4_CODE_VALUES;

uint8_t nf4_nearest_code(float x) {
  // bitsandbytes' dQuantizeNF4 tree; each constant is the midpoint of two neighbouring codes.
  if (x > 0.03979014977812767f) {
    if (x > 0.3893125355243683f) {
      if (x > 0.6427869200706482f) return x > 0.8614784181118011f ? 0b1111 : 0b1110;
      return x > 0.5016634166240692f ? 0b1101 : 0b1100;
    }
    if (x > 0.2035212516784668f) return x > 0.2920137718319893f ? 0b1011 : 0b1010;
    return x > 0.1202552504837513f ? 0b1001 : 0b1000;
  }
  if (x > -0.33967943489551544f) {
    if (x > -0.13791173323988914f) return x > -0.045525018125772476f ? 0b0111 : 0b0110;
    return x > -0.23460740596055984f ? 0b0101 : 0b0100;
  }
  if (x > -0.6106329262256622f) return x > -0.4599952697753906f ? 0b0011 : 0b0010;
  return x > -0.8480964004993439f ? 0b0001 : 0b0000;
}

float Nf4Tensor::block_absmax(int64_t block) const {
  if (!double_quant) return absmax[size_t(block)];
  // dequantize_blockwise gives code * absmax2 (rounded to float), then bitsandbytes adds the offset.
  float v = dynamic_map_signed()[absmax_q8[size_t(block)]] * absmax2[size_t(block / kNf4DoubleQuantBlockSize)];
  return v + absmax_offset;
}

size_t Nf4Tensor::bytes() const {
  size_t b = packed.size();
  if (double_quant) b += absmax_q8.size() + absmax2.size() * sizeof(float) + sizeof(float);
  else b += absmax.size() * sizeof(float);
  return b;
}

namespace {

// Blocks [b0, b1) of the n values at w into absmax and packed (each block writes only its own entries). Returns the
// index of the first non-finite value met, or -1.
int64_t quantize_blocks(const float* w, int64_t n, int64_t b0, int64_t b1, float* absmax, uint8_t* packed) {
  for (int64_t b = b0; b < b1; ++b) {
    const int64_t i0 = b * kNf4BlockSize, i1 = std::min(n, i0 + kNf4BlockSize);
    float m = 0.0f;
    for (int64_t i = i0; i < i1; ++i) {
      if (!std::isfinite(w[i])) return i;
      m = std::fmax(m, std::fabs(w[i]));
    }
    absmax[b] = m;
    const float inv = 1.0f / m;
    // The block's codes in one loop the compiler vectorizes, then packed in pairs; an odd tail is padded with
    // 0.0, as the kernel's load does.
    uint8_t codes[kNf4BlockSize + 1];
    const int64_t len = i1 - i0;
    for (int64_t k = 0; k < len; ++k) codes[k] = nf4_code_by_count(w[i0 + k] * inv);
    codes[len] = nf4_code_by_count(0.0f * inv);
    for (int64_t k = 0; k < len; k += 2) packed[(i0 + k) / 2] = uint8_t(codes[k] << 4 | codes[k + 1]);
  }
  return -1;
}

// Below this many blocks (1 M values) handing work to the pool costs more than it saves.
constexpr int64_t kParallelMinBlocks = 1 << 14;

}  // namespace

Nf4Tensor nf4_quantize(const float* w, int64_t rows, int64_t cols, bool double_quant, ThreadPool* pool) {
  TF_CHECK(rows >= 0 && cols >= 0, "nf4_quantize: invalid shape [" + std::to_string(rows) + ", " + std::to_string(cols) + "]");
  Nf4Tensor t;
  t.rows = rows;
  t.cols = cols;
  t.double_quant = double_quant;
  const int64_t n = t.numel();
  TF_CHECK(n == 0 || w, "nf4_quantize: no weight data");
  const int64_t nb = t.num_blocks();
  t.packed.assign(size_t((n + 1) / 2), 0);
  std::vector<float> absmax(static_cast<size_t>(nb));

  int64_t bad = -1;
  if (pool && pool->size() > 1 && nb >= kParallelMinBlocks) {
    // Each chunk stops at its own first non-finite value; the smallest of those is the first in the weight, as
    // one thread would report it.
    std::vector<int64_t> first_bad(size_t(pool->size()), -1);
    pool->parallel_for(nb, [&](int64_t b0, int64_t b1, int worker) {
      first_bad[size_t(worker)] = quantize_blocks(w, n, b0, b1, absmax.data(), t.packed.data());
    });
    for (int64_t i : first_bad)
      if (i >= 0 && (bad < 0 || i < bad)) bad = i;
  } else {
    bad = quantize_blocks(w, n, 0, nb, absmax.data(), t.packed.data());
  }
  // A NaN/Inf weight would silently poison a whole block; the caller wraps this with the tensor name.
  if (bad >= 0)
    throw Error("nf4_quantize: weight [" + std::to_string(rows) + ", " + std::to_string(cols) +
                "] has a non-finite value at element " + std::to_string(bad));

  if (!double_quant) {
    t.absmax = std::move(absmax);
    return t;
  }
  // offset = absmax.mean(); (absmax - offset) blockwise-quantized in blocks of 256 with the dynamic map.
  double sum = 0;
  for (float a : absmax) sum += a;
  t.absmax_offset = nb ? float(sum / double(nb)) : 0.0f;
  const float* code = dynamic_map_signed().data();
  const int64_t nb2 = (nb + kNf4DoubleQuantBlockSize - 1) / kNf4DoubleQuantBlockSize;
  t.absmax_q8.resize(size_t(nb));
  t.absmax2.resize(size_t(nb2));
  for (int64_t b2 = 0; b2 < nb2; ++b2) {
    const int64_t j0 = b2 * kNf4DoubleQuantBlockSize, j1 = std::min(nb, j0 + kNf4DoubleQuantBlockSize);
    float m = 0.0f;
    for (int64_t j = j0; j < j1; ++j) m = std::fmax(m, std::fabs(absmax[size_t(j)] - t.absmax_offset));
    t.absmax2[size_t(b2)] = m;
    const float inv = 1.0f / m;
    for (int64_t j = j0; j < j1; ++j)
      t.absmax_q8[size_t(j)] = dynamic_map_quantize(code, (absmax[size_t(j)] - t.absmax_offset) * inv);
  }
  return t;
}

void nf4_dequantize_rows(const Nf4Tensor& t, int64_t row_begin, int64_t row_end, float* out) {
  TF_CHECK(row_begin >= 0 && row_begin <= row_end && row_end <= t.rows,
           "nf4_dequantize_rows: rows [" + std::to_string(row_begin) + ", " + std::to_string(row_end) +
               ") outside a tensor of " + std::to_string(t.rows) + " rows");
  const int64_t i0 = row_begin * t.cols, i1 = row_end * t.cols;
  int64_t i = i0;
  while (i < i1) {
    // One block (or the part of it inside the range) at a time, through a 16-entry table of code * absmax.
    const int64_t block = i / kNf4BlockSize;
    const int64_t end = std::min(i1, (block + 1) * kNf4BlockSize);
    const float a = t.block_absmax(block);
    float lut[16];
    for (int k = 0; k < 16; ++k) lut[k] = kNf4Code[k] * a;
    float* o = out + (i - i0);
    if (i & 1) {  // range starts on a low nibble (odd column count)
      *o++ = lut[t.packed[size_t(i / 2)] & 0xF];
      ++i;
    }
    const uint8_t* p = t.packed.data() + i / 2;
    for (; i + 1 < end; i += 2, ++p) {
      o[0] = lut[*p >> 4];
      o[1] = lut[*p & 0xF];
      o += 2;
    }
    if (i < end) {
      *o = lut[*p >> 4];
      ++i;
    }
  }
}

std::vector<float> nf4_dequantize(const Nf4Tensor& t) {
  std::vector<float> out(size_t(t.numel()));
  nf4_dequantize_rows(t, 0, t.rows, out.data());
  return out;
}

}  // namespace tf
