// Elementwise and row kernels: forward against plain double references, backward by finite differences.
#include <algorithm>
#include <cmath>
#include <vector>

#include "harness.h"
#include "kernels/attention.h"
#include "kernels/cross_entropy.h"
#include "kernels/embedding.h"
#include "kernels/fast_tanh.h"
#include "kernels/rmsnorm.h"
#include "kernels/rope.h"
#include "kernels/swiglu.h"
#include "test_kernels_util.h"

using namespace tf;
using namespace tf::kernels;
using namespace tf_test;

TEST(rmsnorm_forward_and_backward) {
  ThreadPool pool(2);
  const int64_t N = 5, C = 24;
  auto x = randv(N * C, 20), w = randv(C, 21), r = randv(N * C, 22);
  std::vector<float> y(N * C), rstd(N), dx(N * C);
  for (int64_t i = 0; i < N; ++i) {  // reference
    double ss = 0;
    for (int64_t c = 0; c < C; ++c) ss += double(x[i * C + c]) * x[i * C + c];
    const double rs = 1 / std::sqrt(ss / C + 1e-5);
    rmsnorm_forward(&pool, x.data(), w.data(), y.data(), rstd.data(), N, C, 1e-5f);
    for (int64_t c = 0; c < C; ++c) CHECK_NEAR(y[i * C + c], x[i * C + c] * rs * w[c], 1e-6);
  }
  auto loss = [&] {
    rmsnorm_forward(&pool, x.data(), w.data(), y.data(), rstd.data(), N, C, 1e-5f);
    return dot(r, y);
  };
  loss();
  rmsnorm_backward(&pool, r.data(), x.data(), w.data(), rstd.data(), dx.data(), false, N, C);
  check_grad("rmsnorm dx", x, dx, loss, 1e-3f, 1e-3, 1e-2);
}

TEST(rope_matches_rotate_half_and_backward_inverts) {
  ThreadPool pool(2);
  const int64_t N = 4, heads = 3, D = 8;
  const auto inv = rope_inv_freq(D, 10000.0, RopeScaling{});
  for (int i = 0; i < D / 2; ++i) CHECK_NEAR(inv[i], std::pow(10000.0, -2.0 * i / D), 1e-6 * inv[i]);
  auto x = randv(N * heads * D, 30), r = randv(N * heads * D, 31);
  std::vector<int32_t> pos = {0, 3, 17, 1000};
  std::vector<float> y = x;
  rope_forward(&pool, y.data(), pos.data(), inv.data(), N, heads, D);
  for (int64_t i = 0; i < N; ++i)
    for (int64_t h = 0; h < heads; ++h)
      for (int64_t d = 0; d < D; ++d) {
        const float* v = x.data() + (i * heads + h) * D;
        const double ang = double(float(pos[i]) * inv[d % (D / 2)]);
        const double rot = d < D / 2 ? -v[d + D / 2] : v[d - D / 2];
        CHECK_NEAR(y[(i * heads + h) * D + d], v[d] * std::cos(ang) + rot * std::sin(ang), 1e-5);
      }
  auto loss = [&] {
    std::vector<float> t = x;
    rope_forward(&pool, t.data(), pos.data(), inv.data(), N, heads, D);
    return dot(r, t);
  };
  std::vector<float> dx = r;
  rope_backward(&pool, dx.data(), pos.data(), inv.data(), N, heads, D);
  check_grad("rope dx", x, dx, loss, 1e-2f, 1e-3, 1e-3);
}

// GLM-4's RoPE: transformers' rotate_half over x[0::2], x[1::2] with cos and sin repeat_interleave'd, on the first
// R = 4 of 8 values (partial_rotary_factor 0.5): value 2j pairs with 2j + 1 at frequency j; the rest pass through.
TEST(rope_interleaved_partial_matches_glm4_and_backward_inverts) {
  ThreadPool pool(2);
  const int64_t N = 3, heads = 2, D = 8, R = 4;
  const auto inv = rope_inv_freq(int(D), 10000.0, RopeScaling{}, int(R));
  auto x = randv(N * heads * D, 32), r = randv(N * heads * D, 33);
  std::vector<int32_t> pos = {0, 5, 700};
  std::vector<float> y = x;
  rope_forward(&pool, y.data(), pos.data(), inv.data(), N, heads, D, R, 1.f, true);
  for (int64_t i = 0; i < N; ++i)
    for (int64_t h = 0; h < heads; ++h) {
      const float* v = x.data() + (i * heads + h) * D;
      const float* got = y.data() + (i * heads + h) * D;
      for (int64_t d = 0; d < D; ++d) {
        if (d >= R) {
          CHECK(got[d] == v[d]);
          continue;
        }
        const double ang = double(float(pos[i]) * inv[d / 2]);  // cos[..., :R/2].repeat_interleave(2)
        const double rot = d % 2 == 0 ? -v[d + 1] : v[d - 1];   // stack((-x[1::2], x[0::2]), -1).flatten(-2)
        CHECK_NEAR(got[d], v[d] * std::cos(ang) + rot * std::sin(ang), 1e-5);
      }
    }
  // Not rotate-half: the same input rotated as (j, j + R/2) pairs differs past position 0.
  std::vector<float> half = x;
  rope_forward(&pool, half.data(), pos.data(), inv.data(), N, heads, D, R);
  double gap = 0;
  for (size_t e = 0; e < y.size(); ++e) gap = std::max(gap, std::fabs(double(y[e]) - half[e]));
  CHECK(gap > 0.1);
  auto loss = [&] {
    std::vector<float> t = x;
    rope_forward(&pool, t.data(), pos.data(), inv.data(), N, heads, D, R, 1.f, true);
    return dot(r, t);
  };
  std::vector<float> dx = r;
  rope_backward(&pool, dx.data(), pos.data(), inv.data(), N, heads, D, R, 1.f, true);
  check_grad("interleaved rope dx", x, dx, loss, 1e-2f, 1e-3, 1e-3);
}

TEST(rope_llama3_scaling_bands) {
  RopeScaling s;
  s.type = "llama3", s.factor = 8, s.low_freq_factor = 1, s.high_freq_factor = 4, s.original_max_position_embeddings = 8192;
  const int D = 128;
  const auto plain = rope_inv_freq(D, 500000.0, RopeScaling{});
  const auto scaled = rope_inv_freq(D, 500000.0, s);
  for (int i = 0; i < D / 2; ++i) {
    const double f = plain[i], wl = 2 * M_PI / f;
    double want = f;  // wavelength below 8192/4: unchanged
    if (wl > 8192.0) want = f / 8;
    else if (wl >= 2048.0) {
      const double sm = (8192.0 / wl - 1) / 3;
      want = (1 - sm) * f / 8 + sm * f;
    }
    CHECK_NEAR(scaled[i], want, 1e-6 * want);
  }
  CHECK_EQ(scaled[0], plain[0]);
  CHECK_NEAR(scaled[D / 2 - 1], plain[D / 2 - 1] / 8, 1e-6 * plain[D / 2 - 1]);
  RopeScaling bad;
  bad.type = "dynamic";
  CHECK_THROWS(rope_inv_freq(D, 1e4, bad), "unsupported rope_scaling type 'dynamic'");
}

// longrope's two tables: each frequency over its short factor, or over its long one (the table a pass reaching the
// original context takes); only longrope has the second.
TEST(rope_longrope_short_and_long_tables) {
  RopeScaling s;
  s.type = "longrope";
  for (int i = 0; i < 4; ++i) s.short_factor.push_back(1 + 0.5 * i), s.long_factor.push_back(2 + i);
  const auto plain = rope_inv_freq(8, 1e4, RopeScaling{});
  const auto shorter = rope_inv_freq(8, 1e4, s), longer = rope_inv_freq_long(8, 1e4, s);
  for (int i = 0; i < 4; ++i) {
    CHECK_NEAR(shorter[i], plain[i] / (1 + 0.5 * i), 1e-6 * plain[i]);
    CHECK_NEAR(longer[i], plain[i] / (2 + i), 1e-6 * plain[i]);
  }
  CHECK_EQ(rope_inv_freq_long(12, 1e4, s, 8).size(), size_t(4));  // partial rotary: the rotated dimensions' pairs
  CHECK_THROWS(rope_inv_freq_long(8, 1e4, RopeScaling{}), "only longrope has long factors");
  s.long_factor.pop_back();
  CHECK_THROWS(rope_inv_freq_long(8, 1e4, s), "longrope: the factors need 4 values, got 3");
}

// yarn on Qwen3-8B's heads (head_dim 128, rope_theta 1e6, factor 4 over 32768 positions): the correction range is
// pairs 23..40 (floor 23.6, ceil 39.65): below it each frequency is the plain one exactly, above it the plain one / 4,
// between them the linear blend (i - 23) / 17 of the two; without truncation the range is [23.596, 39.651].
TEST(rope_yarn_correction_range) {
  RopeScaling s;
  s.type = "yarn", s.factor = 4, s.original_max_position_embeddings = 32768;
  const int D = 128;
  const auto plain = rope_inv_freq(D, 1e6, RopeScaling{});
  auto check = [&](const std::vector<float>& got, double low, double high) {
    for (int i = 0; i < D / 2; ++i) {
      const double ramp = std::clamp((i - low) / (high - low), 0.0, 1.0);
      const double want = plain[i] / 4 * ramp + plain[i] * (1 - ramp);
      CHECK_NEAR(got[i], want, 2e-7 * want);
    }
  };
  const auto yarn = rope_inv_freq(D, 1e6, s);
  check(yarn, 23, 40);
  for (int i = 0; i <= 23; ++i) CHECK_EQ(yarn[i], plain[i]);
  CHECK_NEAR(yarn[40], plain[40] / 4, 1e-7 * plain[40]);
  CHECK(yarn[30] < plain[30] && yarn[30] > plain[30] / 4);
  auto correction = [](double turns) { return 128 * std::log(32768 / (turns * 2 * M_PI)) / (2 * std::log(1e6)); };
  s.truncate = false;
  check(rope_inv_freq(D, 1e6, s), correction(32), correction(1));
  // Equal betas, not truncated: an empty range, which transformers widens by 0.001 into a step between two pairs.
  s.beta_fast = s.beta_slow = 4;
  const auto step = rope_inv_freq(D, 1e6, s);
  const int at = int(std::floor(correction(4)));
  CHECK_EQ(step[at - 1], plain[at - 1]);
  CHECK_NEAR(step[at + 1], plain[at + 1] / 4, 1e-7 * plain[at + 1]);
  // Partial rotary: the range is counted in the rotated dimensions (GLM-4 with yarn: 64 of 128).
  s.truncate = true, s.beta_fast = 32, s.beta_slow = 1;
  const auto half = rope_inv_freq(D, 1e6, s, 64);
  CHECK_EQ(int(half.size()), 32);
  auto correction64 = [](double turns) { return 64 * std::log(32768 / (turns * 2 * M_PI)) / (2 * std::log(1e6)); };
  const int lo = int(std::floor(correction64(32)));
  CHECK_EQ(half[lo], rope_inv_freq(D, 1e6, RopeScaling{}, 64)[lo]);
  CHECK(half[lo + 1] < rope_inv_freq(D, 1e6, RopeScaling{}, 64)[lo + 1]);
}

// fast_tanh replaces tanhf in the soft caps: within 6 ulp (relative) of double tanh everywhere, exactly ±1 far out,
// odd, and continuous across its series/exp switch at 0.0625.
// Ministral 3's query temperature folded into RoPE: each row rotated as without it, then times 1 + beta·ln(1 +
// floor(p / interval)) (1 below the interval, exactly); its backward is the same factor on the inverse rotation;
// it refuses a partial rotation, whose pass-through values it would miss.
TEST(rope_query_temperature_scales_rows_by_position) {
  ThreadPool pool(2);
  const int64_t N = 5, heads = 2, D = 8;
  const auto inv = rope_inv_freq(D, 10000.0, RopeScaling{});
  const QueryTemperature temp{0.1f, 16384};
  CHECK_EQ(temp.at(0), 1.f);
  CHECK_EQ(temp.at(16383), 1.f);
  CHECK_NEAR(temp.at(16384), 1 + 0.1 * std::log(2.0), 1e-7);
  CHECK_NEAR(temp.at(40000), 1 + 0.1 * std::log(3.0), 1e-7);  // floor(40000 / 16384) = 2
  CHECK_EQ(QueryTemperature{}.at(40000), 1.f);
  auto x = randv(N * heads * D, 32), r = randv(N * heads * D, 33);
  const std::vector<int32_t> pos = {0, 16383, 16384, 40000, 100000};
  std::vector<float> plain = x, hot = x;
  rope_forward(&pool, plain.data(), pos.data(), inv.data(), N, heads, D, 0, 1.25f);
  rope_forward(&pool, hot.data(), pos.data(), inv.data(), N, heads, D, 0, 1.25f, false, {}, temp);
  for (int64_t i = 0; i < N; ++i) {
    const double t = 1 + 0.1 * std::log(1 + std::floor(pos[i] / 16384.0));
    for (int64_t c = 0; c < heads * D; ++c) CHECK_NEAR(hot[i * heads * D + c], plain[i * heads * D + c] * t, 1e-5);
  }
  auto loss = [&] {
    std::vector<float> t = x;
    rope_forward(&pool, t.data(), pos.data(), inv.data(), N, heads, D, 0, 1.25f, false, {}, temp);
    return dot(r, t);
  };
  std::vector<float> dx = r;
  rope_backward(&pool, dx.data(), pos.data(), inv.data(), N, heads, D, 0, 1.25f, false, temp);
  check_grad("rope temperature dx", x, dx, loss, 1e-2f, 1e-3, 1e-3);
  CHECK_THROWS(rope_forward(&pool, hot.data(), pos.data(), inv.data(), N, heads, D, 6, 1.f, false, {}, temp),
               "a query temperature needs every dimension rotated");
}

TEST(fast_tanh_within_six_ulp_of_tanh) {
  double worst = 0;
  for (float x = -20.f; x < 20.f; x += 1.1e-4f) {
    const double want = std::tanh(double(x));
    if (want != 0) worst = std::max(worst, std::fabs(fast_tanh(x) - want) / std::fabs(want));
    CHECK(fast_tanh(-x) == -fast_tanh(x));
  }
  for (float x : {1e-30f, 1e-8f, 0.0624999f, 0.0625f, 0.0625001f})
    CHECK_NEAR(fast_tanh(x), std::tanh(double(x)), 6 * 5.97e-8 * x);
  CHECK(worst < 6 * 5.97e-8);
  CHECK(fast_tanh(0.f) == 0.f && fast_tanh(1e4f) == 1.f && fast_tanh(-1e30f) == -1.f);
  CHECK(fast_tanh(INFINITY) == 1.f && fast_tanh(-INFINITY) == -1.f);
}

TEST(swiglu_forward_and_backward) {
  ThreadPool pool(2);
  const int64_t n = 50;
  auto g = randv(n, 40, 3.f), u = randv(n, 41, 2.f), r = randv(n, 42);
  std::vector<float> h(n), dg(n), du(n);
  swiglu_forward(&pool, g.data(), u.data(), h.data(), n);
  for (int64_t i = 0; i < n; ++i) CHECK_NEAR(h[i], g[i] / (1 + std::exp(-double(g[i]))) * u[i], 1e-6);
  auto loss = [&] {
    swiglu_forward(&pool, g.data(), u.data(), h.data(), n);
    return dot(r, h);
  };
  swiglu_backward(&pool, r.data(), g.data(), u.data(), dg.data(), du.data(), n);
  check_grad("swiglu dg", g, dg, loss, 1e-3f, 1e-4, 1e-3);
  check_grad("swiglu du", u, du, loss, 1e-3f, 1e-4, 1e-3);
}

TEST(embedding_lookup_scatter_and_bad_ids) {
  ThreadPool pool(2);
  const int64_t V = 7, C = 5;
  auto table = randv(V * C, 50);
  std::vector<int32_t> ids = {3, 0, 3, 6};
  std::vector<float> out(ids.size() * C), dt(V * C, 0.f);
  embedding_forward(&pool, ids.data(), table.data(), out.data(), 4, V, C);
  for (int i = 0; i < 4; ++i)
    for (int c = 0; c < C; ++c) CHECK_EQ(out[i * C + c], table[ids[i] * C + c]);
  auto r = randv(ids.size() * C, 51);
  embedding_backward(ids.data(), r.data(), dt.data(), 4, V, C);
  auto loss = [&] {
    embedding_forward(&pool, ids.data(), table.data(), out.data(), 4, V, C);
    return dot(r, out);
  };
  check_grad("embedding dtable", table, dt, loss, 1e-2f, 1e-5, 1e-4);
  std::vector<int32_t> bad = {1, 7};
  CHECK_THROWS(embedding_forward(&pool, bad.data(), table.data(), out.data(), 2, V, C), "token id 7 at position 1");
}

TEST(cross_entropy_forward_backward_with_ignored_targets) {
  ThreadPool pool(2);
  const int64_t N = 4, V = 9;
  auto z = randv(N * V, 60, 4.f);
  std::vector<int32_t> t = {2, -1, 8, 0};
  double want = 0;
  for (int64_t i = 0; i < N; ++i) {
    if (t[i] < 0) continue;
    double s = 0;
    for (int64_t j = 0; j < V; ++j) s += std::exp(double(z[i * V + j]));
    want += std::log(s) - z[i * V + t[i]];
  }
  std::vector<float> losses(N);
  const CeSum f = cross_entropy_forward(&pool, z.data(), t.data(), losses.data(), N, V);
  CHECK_NEAR(f.sum, want, 1e-5);
  CHECK_EQ(f.count, int64_t(3));
  CHECK_EQ(losses[1], 0.f);
  std::vector<float> d = z;
  const CeSum fb = cross_entropy_forward_backward(&pool, d.data(), t.data(), 0.5f, N, V);
  CHECK_NEAR(fb.sum, want, 1e-5);
  for (int64_t j = 0; j < V; ++j) CHECK_EQ(d[1 * V + j], 0.f);
  auto loss = [&] { return 0.5 * cross_entropy_forward(&pool, z.data(), t.data(), nullptr, N, V).sum; };
  check_grad("ce dlogits", z, d, loss, 1e-2f, 2e-4, 2e-3);
  std::vector<int32_t> bad = {2, 9, 0, 0};
  CHECK_THROWS(cross_entropy_forward(&pool, z.data(), bad.data(), nullptr, N, V), "target id 9");
}

TEST(cross_entropy_soft_cap_loss_gradient_and_logits) {
  ThreadPool pool(2);
  const int64_t N = 4, V = 9;
  const float cap = 2.f;  // the 4-sigma logits are bent well into tanh's curve
  auto z = randv(N * V, 61, 4.f);
  std::vector<int32_t> t = {2, -1, 8, 0};
  auto capped = [&](int64_t e) { return cap * std::tanh(double(z[e]) / cap); };
  double want = 0;
  for (int64_t i = 0; i < N; ++i) {
    if (t[i] < 0) continue;
    double s = 0;
    for (int64_t j = 0; j < V; ++j) s += std::exp(capped(i * V + j));
    want += std::log(s) - capped(i * V + t[i]);
  }
  const CeSum f = cross_entropy_forward(&pool, z.data(), t.data(), nullptr, N, V, cap);
  CHECK_NEAR(f.sum, want, 1e-5);
  CHECK(std::fabs(cross_entropy_forward(&pool, z.data(), t.data(), nullptr, N, V).sum - want) > 0.1);  // the cap bites
  std::vector<float> d = z;
  const CeSum fb = cross_entropy_forward_backward(&pool, d.data(), t.data(), 0.5f, N, V, nullptr, cap);
  CHECK_NEAR(fb.sum, want, 1e-5);
  for (int64_t j = 0; j < V; ++j) CHECK_EQ(d[1 * V + j], 0.f);
  // The gradient is with respect to the logits before the cap (what lm_head produced).
  auto loss = [&] { return 0.5 * cross_entropy_forward(&pool, z.data(), t.data(), nullptr, N, V, cap).sum; };
  check_grad("capped ce dlogits", z, d, loss, 1e-2f, 2e-4, 2e-3);
  // The logits a model reports: capped in place; a cap of 0 leaves them as they are.
  std::vector<float> y = z;
  softcap_logits(&pool, y.data(), N * V, cap);
  for (int64_t e = 0; e < N * V; ++e) CHECK_NEAR(y[e], capped(e), 1e-6);
  y = z;
  softcap_logits(&pool, y.data(), N * V, 0.f);
  CHECK(y == z);
}

namespace {
// Straight-loop attention in double: the reference for the GEMM-based kernel.
std::vector<double> naive_attention(const AttnShape& s, const std::vector<float>& q, const std::vector<float>& k,
                                    const std::vector<float>& v, const std::vector<int32_t>& seg) {
  const int64_t qs = s.nh * s.hd, ks = s.nkv * s.hd;
  std::vector<double> out(s.B * s.Tq * qs, 0.0);
  for (int64_t b = 0; b < s.B; ++b)
    for (int64_t h = 0; h < s.nh; ++h) {
      const int64_t g = h / (s.nh / s.nkv);
      for (int64_t i = 0; i < s.Tq; ++i) {
        const int64_t lo = seg.empty() ? 0 : seg[b * s.Tq + i], hi = s.q_offset + i;
        std::vector<double> w(s.Tk, 0.0);
        double mx = -1e300, sum = 0;
        for (int64_t j = lo; j <= hi; ++j) {
          double d = 0;
          for (int64_t c = 0; c < s.hd; ++c)
            d += double(q[(b * s.Tq + i) * qs + h * s.hd + c]) * k[(b * s.Tk + j) * ks + g * s.hd + c];
          w[j] = d / std::sqrt(double(s.hd));
          if (s.softcap > 0) w[j] = s.softcap * std::tanh(w[j] / s.softcap);
          mx = std::max(mx, w[j]);
        }
        for (int64_t j = lo; j <= hi; ++j) sum += (w[j] = std::exp(w[j] - mx));
        for (int64_t j = lo; j <= hi; ++j)
          for (int64_t c = 0; c < s.hd; ++c)
            out[(b * s.Tq + i) * qs + h * s.hd + c] += w[j] / sum * v[(b * s.Tk + j) * ks + g * s.hd + c];
      }
    }
  return out;
}
}  // namespace

// attention_backward's dq, dk, dv against finite differences of r · attention_forward, every stride_q-th / stride_kv-th
// value (longer inputs are sampled).
void check_attention_grads(ThreadPool& pool, const AttnShape& s, std::vector<float>& q, std::vector<float>& k,
                           std::vector<float>& v, const std::vector<int32_t>& seg, const std::vector<float>& r,
                           const std::string& what, double atol, size_t stride_q = 1, size_t stride_kv = 1) {
  std::vector<float> lse(s.B * s.nh * s.Tq), out(s.B * s.Tq * s.nh * s.hd);
  auto loss = [&] {
    attention_forward(&pool, s, q.data(), k.data(), v.data(), seg.data(), lse.data(), out.data());
    return dot(r, out);
  };
  loss();
  std::vector<float> dq(q.size()), dk(k.size()), dv(v.size());
  attention_backward(&pool, s, q.data(), k.data(), v.data(), seg.data(), lse.data(), r.data(), dq.data(), dk.data(),
                     dv.data());
  check_grad(what + " dq", q, dq, loss, 1e-2f, atol, 2e-3, stride_q);
  check_grad(what + " dk", k, dk, loss, 1e-2f, atol, 2e-3, stride_kv);
  check_grad(what + " dv", v, dv, loss, 1e-2f, atol, 2e-3, stride_kv);
}

TEST(attention_gqa_segments_forward_and_backward) {
  ThreadPool pool(2);
  AttnShape s{2, 7, 7, 4, 2, 8, 0};
  const int64_t qs = s.nh * s.hd, ks = s.nkv * s.hd;
  auto q = randv(s.B * s.Tq * qs, 70), k = randv(s.B * s.Tk * ks, 71), v = randv(s.B * s.Tk * ks, 72);
  auto r = randv(s.B * s.Tq * qs, 73);
  // row 0: one sequence; row 1: segments [0,3) and [3,7)
  std::vector<int32_t> seg = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3, 3, 3, 3};
  std::vector<float> lse(s.B * s.nh * s.Tq), out(s.B * s.Tq * qs);
  attention_forward(&pool, s, q.data(), k.data(), v.data(), seg.data(), lse.data(), out.data());
  const auto want = naive_attention(s, q, k, v, seg);
  for (size_t i = 0; i < out.size(); ++i) CHECK_NEAR(out[i], want[i], 2e-6);
  check_attention_grads(pool, s, q, k, v, seg, r, "attention", 2e-4);
}

TEST(attention_with_query_offset_matches_reference) {
  ThreadPool pool(2);
  AttnShape s{1, 3, 10, 4, 1, 16, 7};  // 3 new queries after 7 cached keys, MQA
  auto q = randv(s.Tq * s.nh * s.hd, 80), k = randv(s.Tk * s.hd, 81), v = randv(s.Tk * s.hd, 82);
  std::vector<float> out(q.size());
  attention_forward(&pool, s, q.data(), k.data(), v.data(), nullptr, nullptr, out.data());
  const auto want = naive_attention(s, q, k, v, {});
  for (size_t i = 0; i < out.size(); ++i) CHECK_NEAR(out[i], want[i], 2e-6);
}

TEST(attention_multi_block_with_segments_crossing_blocks) {
  ThreadPool pool(2);
  AttnShape s{2, 150, 150, 4, 2, 8, 0};  // three query blocks; segments [0,70) [70,131) [131,150) in row 1
  const int64_t qs = s.nh * s.hd, ks = s.nkv * s.hd;
  auto q = randv(s.B * s.Tq * qs, 74), k = randv(s.B * s.Tk * ks, 75), v = randv(s.B * s.Tk * ks, 76);
  auto r = randv(s.B * s.Tq * qs, 77);
  std::vector<int32_t> seg(s.B * s.Tq, 0);
  for (int64_t i = 0; i < s.Tq; ++i) seg[s.Tq + i] = i < 70 ? 0 : i < 131 ? 70 : 131;
  std::vector<float> lse(s.B * s.nh * s.Tq), out(s.B * s.Tq * qs);
  attention_forward(&pool, s, q.data(), k.data(), v.data(), seg.data(), lse.data(), out.data());
  const auto want = naive_attention(s, q, k, v, seg);
  for (size_t i = 0; i < out.size(); ++i) CHECK_NEAR(out[i], want[i], 2e-6);
  std::vector<float> out_nop(out.size());  // without lse (inference): same numbers
  attention_forward(&pool, s, q.data(), k.data(), v.data(), seg.data(), nullptr, out_nop.data());
  CHECK(out_nop == out);
  for (int64_t h = 0; h < s.nh; ++h) {  // lse of row 1, query 100 (segment [70, 131)) by hand
    const int64_t i = 100, g = h / 2;
    double mx = -1e300, sum = 0;
    std::vector<double> sc;
    for (int64_t j = 70; j <= i; ++j) {
      double d = 0;
      for (int64_t c = 0; c < s.hd; ++c) d += double(q[(s.Tq + i) * qs + h * s.hd + c]) * k[(s.Tk + j) * ks + g * s.hd + c];
      sc.push_back(d / std::sqrt(double(s.hd)));
      mx = std::max(mx, sc.back());
    }
    for (double x : sc) sum += std::exp(x - mx);
    CHECK_NEAR(lse[(s.nh + h) * s.Tq + i], mx + std::log(sum), 1e-5);
  }
  check_attention_grads(pool, s, q, k, v, seg, r, "multi-block attention", 5e-4, 97, 53);
}

TEST(attention_soft_cap_forward_and_backward_across_blocks) {
  ThreadPool pool(2);
  AttnShape s{1, 150, 150, 4, 2, 8, 0};  // three query blocks, one segment boundary at 90
  s.softcap = 0.6f;                      // below the scores' spread: most are bent
  const int64_t qs = s.nh * s.hd, ks = s.nkv * s.hd;
  auto q = randv(s.Tq * qs, 84, 2.f), k = randv(s.Tk * ks, 85), v = randv(s.Tk * ks, 86), r = randv(s.Tq * qs, 87);
  std::vector<int32_t> seg(s.Tq, 0);
  for (int64_t i = 90; i < s.Tq; ++i) seg[i] = 90;
  std::vector<float> lse(s.nh * s.Tq), out(s.Tq * qs);
  attention_forward(&pool, s, q.data(), k.data(), v.data(), seg.data(), lse.data(), out.data());
  const auto want = naive_attention(s, q, k, v, seg);
  double moved = 0;
  AttnShape plain = s;
  plain.softcap = 0.f;
  const auto uncapped = naive_attention(plain, q, k, v, seg);
  for (size_t i = 0; i < out.size(); ++i) {
    CHECK_NEAR(out[i], want[i], 2e-6);
    moved = std::max(moved, std::fabs(want[i] - uncapped[i]));
  }
  CHECK(moved > 0.05);
  check_attention_grads(pool, s, q, k, v, seg, r, "capped attention", 5e-4, 97, 53);
}
