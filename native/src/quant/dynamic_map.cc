// bitsandbytes' signed 8-bit dynamic map, used to quantize the NF4 absmax values (double quantization),
// and its nearest-value search. Both follow bitsandbytes so our quantized statistics match theirs.
#include <algorithm>
#include <cmath>
#include <vector>

#include "quant/nf4.h"
#include "quant/nf4_internal.h"

namespace tf {

namespace {

// torch.linspace(start, end, steps) in float32 as PyTorch's scalar CPU kernel computes it: the first half
// from the start, the second half back from the end. (Its vectorized path can differ by one ulp on some
// entries, which is a property of the PyTorch build, not of the map.)
std::vector<float> linspace_f32(float start, float end, int steps) {
  const float step = (end - start) / float(steps - 1);
  const int halfway = steps / 2;
  std::vector<float> v(steps);
  for (int i = 0; i < steps; ++i) v[i] = i < halfway ? start + step * float(i) : end - step * float(steps - i - 1);
  return v;
}

std::vector<float> build_dynamic_map_signed() {
  // create_dynamic_map(signed=True, max_exponent_bits=7, total_bits=8): for i in 0..6, the means of
  // linspace(0.1, 1, 2^i + 1) scaled by 10^(i-6), with both signs; then 0 and 1.0; sorted.
  std::vector<float> data;
  for (int i = 0; i < 7; ++i) {
    std::vector<float> b = linspace_f32(0.1f, 1.0f, (1 << i) + 1);
    const float scale = float(std::pow(10.0, i - 6));  // the Python float, cast to the tensor's float32
    for (size_t j = 0; j + 1 < b.size(); ++j) {
      float mean = (b[j] + b[j + 1]) / 2.0f;
      data.push_back(scale * mean);
      data.push_back(-scale * mean);
    }
  }
  data.push_back(0.0f);
  data.push_back(1.0f);
  std::sort(data.begin(), data.end());
  return data;
}

}  // namespace

const std::vector<float>& dynamic_map_signed() {
  static const std::vector<float> map = build_dynamic_map_signed();
  return map;
}

// bitsandbytes' dQuantize (non-stochastic): a 7-step binary search from the middle of the sorted 256-entry
// code, then a comparison with the neighbouring pivots' midpoint. Reproduced step by step (rather than a
// generic nearest search) so that ties and the ends of the map resolve as they do in bitsandbytes.
uint8_t dynamic_map_quantize(const float* code, float x) {
  int pivot = 127, upper_pivot = 255, lower_pivot = 0;
  float lower = -1.0f, upper = 1.0f;
  float val = code[pivot];
  for (int i = 64; i > 0; i >>= 1) {
    if (x > val) {
      lower_pivot = pivot;
      lower = val;
      pivot += i;
    } else {
      upper_pivot = pivot;
      upper = val;
      pivot -= i;
    }
    val = code[pivot];
  }
  if (upper_pivot == 255) upper = code[upper_pivot];
  if (lower_pivot == 0) lower = code[lower_pivot];
  if (x > val) {
    float midpoint = (upper + val) * 0.5f;
    return uint8_t(x > midpoint ? upper_pivot : pivot);
  }
  float midpoint = (lower + val) * 0.5f;
  return uint8_t(x < midpoint ? lower_pivot : pivot);
}

}  // namespace tf
