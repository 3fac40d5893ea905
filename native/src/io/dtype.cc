// dtype names/sizes of safetensors and the fp32 <-> bf16/f16 conversions used when reading checkpoints and
// writing merged models. Conversions are bit-level so they do not depend on compiler flags or the FPU's
// half-precision support, and they round to nearest even like PyTorch's .to(torch.bfloat16).
#include <cstring>

#include "io/safetensors.h"

// safetensors data is little-endian and the reader/writer copy it as host memory.
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "tuneforge's safetensors I/O assumes a little-endian host"
#endif

namespace tf {

const char* dtype_name(DType d) {
  switch (d) {
    case DType::F32: return "F32";
    case DType::F16: return "F16";
    case DType::BF16: return "BF16";
    case DType::I64: return "I64";
    case DType::I32: return "I32";
    case DType::U8: return "U8";
    case DType::I8: return "I8";
    case DType::BOOL: return "BOOL";
    case DType::F64: return "F64";
    case DType::I16: return "I16";
  }
  return "?";
}

size_t dtype_size(DType d) {
  switch (d) {
    case DType::F32: case DType::I32: return 4;
    case DType::F16: case DType::BF16: case DType::I16: return 2;
    case DType::I64: case DType::F64: return 8;
    case DType::U8: case DType::I8: case DType::BOOL: return 1;
  }
  return 0;
}

static uint32_t bits_of(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  return u;
}

static float float_of(uint32_t u) {
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

uint16_t f32_to_bf16(float f) {
  uint32_t u = bits_of(f);
  // NaN must stay NaN: plain rounding could carry a NaN with a low payload into infinity. Keep the sign
  // and the top payload bits, and set the quiet bit.
  if ((u & 0x7FFFFFFFu) > 0x7F800000u) return static_cast<uint16_t>((u >> 16) | 0x0040u);
  // Round to nearest, ties to even: add 0x7FFF plus the lowest kept bit, then truncate.
  u += 0x7FFFu + ((u >> 16) & 1u);
  return static_cast<uint16_t>(u >> 16);
}

float bf16_to_f32(uint16_t h) { return float_of(static_cast<uint32_t>(h) << 16); }

// After F. Giesen's float/half conversions (public domain), round to nearest even.
float f16_to_f32(uint16_t h) {
  const uint32_t shifted_exp = 0x7C00u << 13;
  uint32_t u = (static_cast<uint32_t>(h) & 0x7FFFu) << 13;
  uint32_t exp = shifted_exp & u;
  u += (127u - 15u) << 23;
  if (exp == shifted_exp) {
    u += (128u - 16u) << 23;  // Inf/NaN: exponent all ones
  } else if (exp == 0) {
    u += 1u << 23;  // subnormal: renormalize through an exact float subtraction
    u = bits_of(float_of(u) - float_of(113u << 23));
  }
  u |= (static_cast<uint32_t>(h) & 0x8000u) << 16;
  return float_of(u);
}

uint16_t f32_to_f16(float f) {
  uint32_t u = bits_of(f);
  const uint32_t sign = (u >> 16) & 0x8000u;
  u &= 0x7FFFFFFFu;
  uint16_t o;
  if (u >= (127u + 16u) << 23) {
    o = u > 0x7F800000u ? 0x7E00 : 0x7C00;  // NaN stays (quiet) NaN; 65536 and up overflow to Inf
  } else if (u < (113u << 23)) {
    // Result is subnormal or zero: let the FPU's round-to-nearest-even place the bits by adding 0.5f.
    const float magic = float_of(126u << 23);
    o = static_cast<uint16_t>(bits_of(float_of(u) + magic) - (126u << 23));
  } else {
    uint32_t odd = (u >> 13) & 1u;
    u += ((15u - 127u) << 23) + 0xFFFu + odd;  // rebias and round; a carry into the exponent is correct
    o = static_cast<uint16_t>(u >> 13);      // (65520..65535 round to 0x7C00 = Inf)
  }
  return static_cast<uint16_t>(o | sign);
}

}  // namespace tf
