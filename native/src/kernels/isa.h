#pragma once
// Run-time instruction-set dispatch. Kernels are compiled for several ISAs with __attribute__((target)),
// never with -march=native, so one build runs on any x86-64 and uses AVX-512 or AVX2+FMA when present.
namespace tf::kernels {

enum class Isa { Scalar = 0, Avx2 = 1, Avx512 = 2 };

Isa detected_isa();           // best the CPU supports (cached)
Isa active_isa();             // what kernels use now
// Tests force a path to compare it with the scalar one; a request above detected_isa() is clamped to it.
// Returns the ISA actually set. Not thread-safe with running kernels.
Isa set_active_isa(Isa isa);
const char* isa_name(Isa isa);

}  // namespace tf::kernels
