#pragma once
// Seeded random numbers for LoRA init, dropout and sampling. xoshiro256** for the sequential stream (state
// saved in checkpoints so a resumed run draws the same numbers), plus a stateless counter hash so that a
// dropout mask can be regenerated from (key, index) in backward or recompute without storing it, and
// without depending on which thread draws which element.
#include <array>
#include <cstdint>

namespace tf {

class Rng {
 public:
  explicit Rng(uint64_t seed = 0) { seed_with(seed); }
  void seed_with(uint64_t seed);

  uint64_t next_u64();
  float uniform();                       // [0, 1), 24 random bits
  double uniform_double();               // [0, 1), 53 random bits
  float uniform(float lo, float hi);     // [lo, hi)
  float normal();                        // standard normal (Box-Muller, both values used in turn)

  using State = std::array<uint64_t, 6>;  // 4 xoshiro words + cached normal flag/value bits
  State state() const;
  void set_state(const State& s);

 private:
  uint64_t s_[4];
  bool has_spare_ = false;
  float spare_ = 0.f;
};

// splitmix64's step: advances x by the golden gamma and returns its mix (the seeding of Rng and hash_u64's core).
inline uint64_t splitmix64(uint64_t& x) {
  uint64_t z = (x += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// Stateless: a well-mixed 64-bit hash of (key, counter) (splitmix64 finalizer on key + counter * golden). Inline:
// LoRA dropout draws one per four elements of every adapted projection's input, forward and backward.
inline uint64_t hash_u64(uint64_t key, uint64_t counter) {
  uint64_t x = key ^ (counter * 0xD1B54A32D192ED03ull);
  return splitmix64(x);
}
// Uniform in [0, 1) from hash_u64 (24 bits).
inline float hash_uniform(uint64_t key, uint64_t counter) {
  return static_cast<float>(hash_u64(key, counter) >> 40) * (1.0f / 16777216.0f);
}

}  // namespace tf
