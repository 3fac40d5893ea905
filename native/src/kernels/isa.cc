#include "kernels/isa.h"

namespace tf::kernels {

static Isa detect() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_cpu_init();
  // AVX-512 kernels use F + VL + BW (masked ops); DQ is not needed.
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512bw"))
    return Isa::Avx512;
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return Isa::Avx2;
#endif
  return Isa::Scalar;
}

Isa detected_isa() {
  static const Isa isa = detect();
  return isa;
}

static Isa g_active = detected_isa();

Isa active_isa() { return g_active; }

Isa set_active_isa(Isa isa) {
  g_active = static_cast<int>(isa) > static_cast<int>(detected_isa()) ? detected_isa() : isa;
  return g_active;
}

const char* isa_name(Isa isa) {
  switch (isa) {
    case Isa::Avx512: return "avx512";
    case Isa::Avx2: return "avx2+fma";
    default: return "scalar";
  }
}

}  // namespace tf::kernels
