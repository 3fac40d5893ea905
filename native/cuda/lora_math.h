#pragma once
// The LoRA dropout mask as the device computes it. It must equal the CPU's bit for bit (kernels/lora.h:
// lora_keep over common/rng.cc's hash_u64), because backward and checkpoint recompute regenerate the mask
// instead of storing it, and a CPU-trained adapter resumed on the GPU must see the same masks. The functions
// are TF_HD so tests/test_cuda_lora_host.cc runs these very functions against tf::hash_u64 / lora_keep.
#include <cstdint>

#include "hd.h"

namespace tf::cuda {

// splitmix64's finalizer applied to key ^ counter * 0xD1B54A32D192ED03 (hash_u64: splitmix64 first adds the
// golden-ratio increment to its state, then mixes).
TF_HD uint64_t lora_hash_u64(uint64_t key, uint64_t counter) {
  uint64_t z = (key ^ (counter * 0xD1B54A32D192ED03ull)) + 0x9E3779B97F4A7C15ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// p resolved to 1/65536: element kept iff its 16-bit uniform >= threshold (kernels::lora_drop_threshold).
TF_HD uint32_t lora_drop_threshold_hd(float p) { return static_cast<uint32_t>(p * 65536.f + 0.5f); }

// Element e uses bits [16*(e%4), 16*(e%4)+16) of hash(key, e/4): one hash serves four consecutive elements.
TF_HD bool lora_keep_hd(uint64_t key, uint64_t e, uint32_t threshold) {
  return ((lora_hash_u64(key, e >> 2) >> ((e & 3) * 16)) & 0xFFFFu) >= threshold;
}

// The kept value's factor 1 / (1 - p), computed in fp32 exactly as the CPU's apply_dropout does.
TF_HD float lora_keep_scale(float p) { return 1.f / (1.f - p); }

}  // namespace tf::cuda
