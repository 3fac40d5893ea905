#pragma once
// Helpers shared by the NF4 quantizer and its tests; not part of the trainer's API.
#include <cstdint>

namespace tf {

// Index into the sorted 256-entry dynamic map nearest to x, exactly as bitsandbytes' dQuantize searches.
uint8_t dynamic_map_quantize(const float* code, float x);

}  // namespace tf
