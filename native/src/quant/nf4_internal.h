#pragma once
// Helpers shared by the NF4 quantizer and its tests; not part of the trainer's API.
#include <cstdint>

namespace tf {

// Index into the sorted 256-entry dynamic map nearest to x, exactly as bitsandbytes' dQuantize searches.
uint8_t dynamic_map_quantize(const float* code, float x);

// The midpoints between neighbouring NF4 codes, ascending: bitsandbytes' dQuantizeNF4 tree tests exactly these.
inline constexpr float kNf4Midpoints[15] = {
    -0.8480964004993439f, -0.6106329262256622f, -0.4599952697753906f, -0.33967943489551544f, -0.23460740596055984f,
    -0.13791173323988914f, -0.045525018125772476f, 0.03979014977812767f, 0.1202552504837513f, 0.2035212516784668f,
    0.2920137718319893f, 0.3893125355243683f, 0.5016634166240692f, 0.6427869200706482f, 0.8614784181118011f};

// nf4_nearest_code without branches: the tree is a binary search with strict '>' over these sorted midpoints, so
// its code is the number of midpoints below x (a NaN passes none: code 0, as in the tree). Random weights made
// the tree's branches unpredictable; this form vectorizes over a block.
inline uint8_t nf4_code_by_count(float x) {
  int c = 0;
  for (float m : kNf4Midpoints) c += x > m;
  return static_cast<uint8_t>(c);
}

}  // namespace tf
