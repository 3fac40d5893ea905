#pragma once
// __nv_bfloat16 for the emulator: 16 bits of storage with the toolkit's conversions (round to nearest even; NaN
// stays NaN), and the implicit float conversions the toolkit header gives host and device code.
#include <cstdint>
#include <cstring>

namespace tf_emu {
inline unsigned short float_to_bf16_bits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  if ((u & 0x7fffffffu) > 0x7f800000u) return static_cast<unsigned short>((u >> 16) | 0x40u);  // quiet NaN
  u += 0x7fffu + ((u >> 16) & 1u);
  return static_cast<unsigned short>(u >> 16);
}
inline float bf16_bits_to_float(unsigned short b) {
  const uint32_t u = uint32_t(b) << 16;
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}
}  // namespace tf_emu

struct __nv_bfloat16 {
  unsigned short __x;
  __nv_bfloat16() = default;
  __nv_bfloat16(float f) : __x(::tf_emu::float_to_bf16_bits(f)) {}
  operator float() const { return ::tf_emu::bf16_bits_to_float(__x); }
};
static_assert(sizeof(__nv_bfloat16) == 2, "bf16 is two bytes");

inline __nv_bfloat16 __float2bfloat16_rn(float f) { return __nv_bfloat16(f); }
inline __nv_bfloat16 __float2bfloat16(float f) { return __nv_bfloat16(f); }
inline float __bfloat162float(__nv_bfloat16 b) { return ::tf_emu::bf16_bits_to_float(b.__x); }
