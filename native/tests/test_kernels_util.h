#pragma once
// Helpers for the kernel and model tests: seeded random tensors and finite-difference gradient checks.
#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "common/rng.h"
#include "harness.h"

namespace tf_test {

inline std::vector<float> randv(size_t n, uint64_t seed, float scale = 1.f) {
  tf::Rng r(seed);
  std::vector<float> v(n);
  for (auto& x : v) x = r.uniform(-scale, scale);
  return v;
}

// Σ r_i y_i in double: a scalar loss whose gradient with respect to y is r, so dL/dθ is the backward
// pass fed with dy = r.
inline double dot(const std::vector<float>& r, const std::vector<float>& y) {
  double s = 0;
  for (size_t i = 0; i < r.size(); ++i) s += static_cast<double>(r[i]) * y[i];
  return s;
}

// Compares analytic[i] with the central difference of f around x[i] for every `stride`-th index. The step is
// the one fp32 actually takes ((x+h) - (x-h) after rounding). Passes when |a - fd| <= atol + rtol * |fd|.
inline void check_grad(const std::string& what, std::vector<float>& x, const std::vector<float>& analytic,
                       const std::function<double()>& f, float h, double atol, double rtol, size_t stride = 1) {
  if (x.size() != analytic.size()) {
    report(__FILE__, __LINE__, what + ": gradient size mismatch");
    return;
  }
  int bad = 0;
  for (size_t i = 0; i < x.size(); i += stride) {
    const float old = x[i];
    const float up = old + h, dn = old - h;
    x[i] = up;
    const double fp = f();
    x[i] = dn;
    const double fm = f();
    x[i] = old;
    const double fd = (fp - fm) / (static_cast<double>(up) - static_cast<double>(dn));
    if (!(std::fabs(analytic[i] - fd) <= atol + rtol * std::fabs(fd))) {
      if (bad++ < 5)
        report(__FILE__, __LINE__, what + "[" + std::to_string(i) + "]: analytic " + show(analytic[i]) +
                                       " vs finite difference " + show(fd));
    }
  }
}

}  // namespace tf_test
