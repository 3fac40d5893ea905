// The LoRA dropout mask of the CUDA kernels (native/cuda/lora_math.h, the very functions lora.cu calls) against
// the CPU's tf::hash_u64 and kernels::lora_keep, bit for bit, on many random keys, element indices and p; plus
// the scratch layout lora.cu uses.
#include <cstdint>

#include "common/rng.h"
#include "harness.h"
#include "kernels/lora.h"
#include "lora_math.h"

using namespace tf::cuda;

TEST(device_hash_equals_cpu_hash_u64) {
  tf::Rng rng(7);
  int mismatches = 0;
  for (int i = 0; i < 200000; ++i) {
    const uint64_t key = rng.next_u64(), counter = i < 1000 ? uint64_t(i) : rng.next_u64();
    mismatches += lora_hash_u64(key, counter) != tf::hash_u64(key, counter);
  }
  CHECK_EQ(mismatches, 0);
  CHECK_EQ(lora_hash_u64(0, 0), tf::hash_u64(0, 0));
  CHECK_EQ(lora_hash_u64(~0ull, ~0ull), tf::hash_u64(~0ull, ~0ull));
}

TEST(device_keep_equals_cpu_lora_keep) {
  tf::Rng rng(11);
  const float ps[] = {0.f, 1.f / 65536, 0.05f, 0.1f, 0.25f, 0.5f, 0.9f, 0.999f};
  int mismatches = 0, kept = 0, total = 0;
  for (float p : ps) {
    CHECK_EQ(lora_drop_threshold_hd(p), tf::kernels::lora_drop_threshold(p));
    const uint32_t thr = tf::kernels::lora_drop_threshold(p);
    for (int i = 0; i < 40000; ++i) {
      const uint64_t key = rng.next_u64();
      // Small indices (every lane of a hash) and huge ones (N*in of a long micro-batch).
      const uint64_t e = i % 2 ? uint64_t(i) : rng.next_u64() >> 20;
      const bool k = lora_keep_hd(key, e, thr);
      mismatches += k != tf::kernels::lora_keep(key, e, thr);
      if (p == 0.1f) {
        kept += k;
        ++total;
      }
    }
  }
  CHECK_EQ(mismatches, 0);
  // A sanity bound on the mask's rate, so a constant function could not pass by matching a constant CPU.
  CHECK_NEAR(double(kept) / total, 0.9, 0.01);
}

TEST(random_p_thresholds_match) {
  tf::Rng rng(13);
  for (int i = 0; i < 100000; ++i) {
    const float p = rng.uniform();
    CHECK_EQ(lora_drop_threshold_hd(p), tf::kernels::lora_drop_threshold(p));
  }
  CHECK_EQ(lora_keep_scale(0.1f), 1.f / (1.f - 0.1f));
}
