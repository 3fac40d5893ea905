#include "common/rng.h"

#include <cmath>
#include <cstring>

namespace tf {

static inline uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

void Rng::seed_with(uint64_t seed) {
  // splitmix64 expansion is the seeding the xoshiro authors recommend; it never yields the all-zero state.
  uint64_t x = seed;
  for (auto& w : s_) w = splitmix64(x);
  has_spare_ = false;
  spare_ = 0.f;
}

uint64_t Rng::next_u64() {
  const uint64_t result = rotl(s_[1] * 5, 7) * 9;
  const uint64_t t = s_[1] << 17;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = rotl(s_[3], 45);
  return result;
}

float Rng::uniform() { return static_cast<float>(next_u64() >> 40) * (1.0f / 16777216.0f); }
double Rng::uniform_double() { return static_cast<double>(next_u64() >> 11) * (1.0 / 9007199254740992.0); }
float Rng::uniform(float lo, float hi) { return lo + (hi - lo) * uniform(); }

float Rng::normal() {
  if (has_spare_) {
    has_spare_ = false;
    return spare_;
  }
  // 1 - u keeps the log argument in (0, 1].
  const double u1 = 1.0 - uniform_double(), u2 = uniform_double();
  const double r = std::sqrt(-2.0 * std::log(u1)), th = 6.283185307179586 * u2;
  spare_ = static_cast<float>(r * std::sin(th));
  has_spare_ = true;
  return static_cast<float>(r * std::cos(th));
}

Rng::State Rng::state() const {
  uint32_t bits;
  std::memcpy(&bits, &spare_, 4);
  return {s_[0], s_[1], s_[2], s_[3], has_spare_ ? 1ull : 0ull, bits};
}

void Rng::set_state(const State& s) {
  for (int i = 0; i < 4; ++i) s_[i] = s[i];
  has_spare_ = s[4] != 0;
  const uint32_t bits = static_cast<uint32_t>(s[5]);
  std::memcpy(&spare_, &bits, 4);
}

}  // namespace tf
