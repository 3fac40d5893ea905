// The LoRA dropout mask of the CUDA kernels (native/cuda/lora_math.h, the very functions lora.cu calls) against
// the CPU's tf::hash_u64 and kernels::lora_keep, bit for bit, on many random keys, element indices and p; and
// lora.cu's step lists (host/lora_plan.h: every GEMM's transposes, sizes, leading dimensions, alpha, beta and the
// scratch aliasing) run on the CPU with bf16 rounding wherever the GPU stores bf16, against kernels::lora_forward /
// lora_backward within the tolerances cuda_check applies to the GPU.
#include <cmath>
#include <cstdint>
#include <vector>

#include "common/rng.h"
#include "harness.h"
#include "kernels/lora.h"
#include "host/launch_plan.h"
#include "host/lora_plan.h"
#include "kernels/gemm.h"
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

// ---- lora.cu's step lists (host/lora_plan.h), run on the CPU the way the GPU runs them ----

namespace {

using tf::kernels::LoraDims;
using tf::kernels::LoraDropout;

std::vector<float> rand_bf16(size_t n, uint64_t seed, float scale) {
  tf::Rng r(seed);
  std::vector<float> v(n);
  for (auto& x : v) x = bf16_round(scale * r.normal());
  return v;
}

std::vector<float> abs_of(const std::vector<float>& v) {
  std::vector<float> a(v);
  for (auto& x : a) x = std::fabs(x);
  return a;
}

// The GPU's state for one call: the caller's tensors plus the one bf16 scratch buffer (XDrop / T / Du alias into it
// exactly as on the device, so a plan that overwrote live scratch would fail here).
struct CpuLora {
  LoraPlanDims d;
  float p = 0.f;
  uint64_t key = 0;
  std::vector<float> x, A, B, u, y, dy, dA, dB, dx, scratch;

  float* buf(LoraBuf b) {
    switch (b) {
      case LoraBuf::X: return x.data();
      case LoraBuf::A: return A.data();
      case LoraBuf::B: return B.data();
      case LoraBuf::U: return u.data();
      case LoraBuf::Y: return y.data();
      case LoraBuf::Dy: return dy.data();
      case LoraBuf::DA: return dA.data();
      case LoraBuf::DB: return dB.data();
      case LoraBuf::Dx: return dx.data();
      default: return scratch.data() + lora_scratch_offset(b, d);
    }
  }

  void run(const std::vector<LoraStep>& plan) {
    const int64_t n = d.N * d.in;
    const uint32_t thr = lora_drop_threshold_hd(p);
    const float ks = lora_keep_scale(p);
    for (const LoraStep& s : plan) {
      if (s.kind == LoraStepKind::Dropout) {
        float* out = buf(LoraBuf::XDrop);
        for (int64_t e = 0; e < n; ++e) out[e] = lora_keep_hd(key, uint64_t(e), thr) ? bf16_round(x[e] * ks) : 0.f;
      } else if (s.kind == LoraStepKind::DropoutAdd) {
        const float* t = buf(LoraBuf::T);
        for (int64_t e = 0; e < n; ++e)
          if (lora_keep_hd(key, uint64_t(e), thr)) dx[e] = bf16_round(dx[e] + t[e] * ks);
      } else {
        tf::kernels::GemmArgs g;
        g.trans_a = s.ta, g.trans_b = s.tb, g.M = s.M, g.N = s.N, g.K = s.K, g.alpha = s.alpha, g.beta = s.beta;
        g.A = buf(s.a), g.lda = s.lda, g.B = buf(s.b), g.ldb = s.ldb, g.C = buf(s.c), g.ldc = s.ldc;
        tf::kernels::sgemm_reference(g);
        if (!s.f32_out())  // the device stores bf16
          for (int64_t i = 0; i < s.M; ++i)
            for (int64_t j = 0; j < s.N; ++j) g.C[i * s.ldc + j] = bf16_round(g.C[i * s.ldc + j]);
      }
    }
  }
};

double max_of(const std::vector<float>& v) {
  double m = 0;
  for (float x : v) m = std::fmax(m, std::fabs(x));
  return m;
}

bool within(const std::vector<float>& got, const std::vector<float>& ref, const std::vector<float>& scale,
            const Tolerance& tol, double* ratio) {
  const Comparison c = compare(got, std::vector<double>(ref.begin(), ref.end()),
                               std::vector<double>(scale.begin(), scale.end()), tol);
  *ratio = c.max_ratio;
  return c.pass();
}

void check_plan_against_cpu_lora(int64_t N, int64_t in, int64_t out, int64_t r, float scale, float p, bool has_dx) {
  const LoraPlanDims d{N, in, out, r};
  const LoraDims cd{N, in, out, r};
  const LoraDropout drop{p, 0xABCDEF12345ull + uint64_t(N)};
  const size_t nx = size_t(N * in), ny = size_t(N * out), nu = size_t(N * r);
  CpuLora g;
  g.d = d, g.p = p, g.key = drop.key;
  g.x = rand_bf16(nx, 1, 1.f), g.A = rand_bf16(size_t(r * in), 2, 0.05f), g.B = rand_bf16(size_t(out * r), 3, 0.05f);
  g.y = rand_bf16(ny, 4, 1.f), g.dy = rand_bf16(ny, 5, 1.f), g.dx = rand_bf16(nx, 6, 1.f);
  g.dA = rand_bf16(size_t(r * in), 7, 0.1f), g.dB = rand_bf16(size_t(out * r), 8, 0.1f);
  g.u.assign(nu, 0.f);
  g.scratch.assign(size_t(N * in + N * r), 0.f);

  // Reference: the CPU trainer's fp32 LoRA; scale: the same on absolute values.
  std::vector<float> u(nu), y = g.y, dA = g.dA, dB = g.dB, dx = g.dx;
  tf::kernels::lora_forward(nullptr, cd, g.x.data(), g.A.data(), g.B.data(), scale, drop, u.data(), y.data());
  tf::kernels::lora_backward(nullptr, cd, g.x.data(), g.A.data(), g.B.data(), scale, drop, u.data(), g.dy.data(),
                             dA.data(), dB.data(), has_dx ? dx.data() : nullptr);
  const auto xa = abs_of(g.x), Aa = abs_of(g.A), Ba = abs_of(g.B), dya = abs_of(g.dy);
  std::vector<float> ua(nu), ya = abs_of(g.y), dAa = abs_of(g.dA), dBa = abs_of(g.dB), dxa = abs_of(g.dx);
  tf::kernels::lora_forward(nullptr, cd, xa.data(), Aa.data(), Ba.data(), scale, drop, ua.data(), ya.data());
  tf::kernels::lora_backward(nullptr, cd, xa.data(), Aa.data(), Ba.data(), scale, drop, ua.data(), dya.data(),
                             dAa.data(), dBa.data(), dxa.data());

  const std::vector<float> dx0 = g.dx;
  // u alone (a checkpoint recompute): the same u, and y untouched.
  CpuLora u_only = g;
  u_only.run(lora_forward_plan(d, scale, p > 0.f, false));
  CHECK(u_only.y == g.y);
  g.run(lora_forward_plan(d, scale, p > 0.f, true));
  CHECK(u_only.u == g.u);
  g.run(lora_backward_plan(d, scale, p > 0.f, has_dx));

  // The same tolerances cuda_check applies to the GPU's results (checks_lora.cc).
  const int dr = p > 0.f ? 1 : 0;
  double ratio = 0;
  CHECK(within(g.u, u, ua, lora_chain_tolerance(1 + dr, in, max_of(ua), false), &ratio));
  CHECK(ratio > 0);  // the rounding model is exercised, not trivially exact
  CHECK(within(g.y, y, ya, lora_chain_tolerance(2 + dr, in + r, max_of(ya), false), &ratio));
  CHECK(within(g.dB, dB, dBa, lora_chain_tolerance(1 + dr, in + N, max_of(dBa), true), &ratio));
  CHECK(within(g.dA, dA, dAa, lora_chain_tolerance(1 + dr, out + N, max_of(dAa), true), &ratio));
  if (has_dx) {
    CHECK(within(g.dx, dx, dxa, lora_chain_tolerance(2 + dr, out + r, max_of(dxa), false), &ratio));
  } else {
    CHECK(g.dx == dx0);  // no dx step ran
  }
  // A wrong plan (e.g. alpha missing) must not pass: y without the scale is far outside the tolerance.
  CpuLora wrong = g;
  wrong.y = rand_bf16(ny, 4, 1.f);
  wrong.run(lora_forward_plan(d, scale == 1.f ? 2.f : 1.f, p > 0.f, true));
  CHECK(!within(wrong.y, y, ya, lora_chain_tolerance(2 + dr, in + r, max_of(ya), false), &ratio));
}

}  // namespace

TEST(lora_plans_match_cpu_lora_without_dropout) {
  check_plan_against_cpu_lora(64, 96, 80, 8, 2.f, 0.f, true);
  check_plan_against_cpu_lora(33, 50, 20, 4, 0.5f, 0.f, false);
}

TEST(lora_plans_match_cpu_lora_with_dropout) {
  check_plan_against_cpu_lora(64, 96, 80, 8, 2.f, 0.1f, true);
  check_plan_against_cpu_lora(37, 101, 76, 8, 0.5f, 0.25f, true);  // groups of four straddle rows
  check_plan_against_cpu_lora(16, 64, 64, 16, 1.f, 0.5f, false);
}

TEST(lora_plan_shapes) {
  const LoraPlanDims d{10, 20, 30, 4};
  const auto f = lora_forward_plan(d, 2.f, true, true);
  REQUIRE(f.size() == 3);
  CHECK(f[0].kind == LoraStepKind::Dropout);
  CHECK(f[1].a == LoraBuf::XDrop);
  CHECK_EQ(f[2].alpha, 2.f);
  CHECK_EQ(f[2].beta, 1.f);  // y accumulates
  const auto b = lora_backward_plan(d, 2.f, false, true);
  for (const LoraStep& s : b) {
    if (s.c == LoraBuf::DA || s.c == LoraBuf::DB) CHECK_EQ(s.beta, 1.f);  // gradients accumulate in fp32
    if (s.kind == LoraStepKind::Gemm) gemm_validate(s.ta, s.tb, s.M, s.N, s.K, s.lda, s.ldb, s.ldc);
  }
  CHECK_EQ(lora_scratch_offset(LoraBuf::Du, d), int64_t(200));
  CHECK_EQ(lora_scratch_offset(LoraBuf::T, d), int64_t(0));
  CHECK_THROWS(lora_scratch_offset(LoraBuf::Y, d), "does not live in the scratch");
}
