// LoRA branch, NF4 linear, thread pool and RNG.
#include <algorithm>
#include <atomic>
#include <cmath>
#include <vector>

#include "common/rng.h"
#include "common/threadpool.h"
#include "harness.h"
#include "kernels/isa.h"
#include "kernels/lora.h"
#include "kernels/matmul.h"
#include "kernels/nf4_linear.h"
#include "test_kernels_util.h"

using namespace tf;
using namespace tf::kernels;
using namespace tf_test;

TEST(lora_forward_matches_naive_and_grads_match_finite_differences) {
  ThreadPool pool(2);
  LoraDims d{6, 20, 12, 4};
  auto x = randv(d.N * d.in, 90), A = randv(d.r * d.in, 91, 0.3f), B = randv(d.out * d.r, 92, 0.3f);
  auto r = randv(d.N * d.out, 93);
  const float s = 2.f;
  for (float p : {0.f, 0.3f}) {
    LoraDropout drop{p, 12345};
    std::vector<float> y(d.N * d.out, 0.f), u(d.N * d.r);
    lora_forward(&pool, d, x.data(), A.data(), B.data(), s, drop, u.data(), y.data());
    for (int64_t i = 0; i < d.N; ++i)
      for (int64_t o = 0; o < d.out; ++o) {
        double acc = 0;
        for (int64_t k = 0; k < d.r; ++k) {
          double a = 0;
          for (int64_t c = 0; c < d.in; ++c) {
            const bool keep = lora_keep(drop.key, uint64_t(i * d.in + c), lora_drop_threshold(p));
            a += double(A[k * d.in + c]) * (keep ? x[i * d.in + c] / (1 - p) : 0.0);
          }
          acc += double(B[o * d.r + k]) * a;
        }
        CHECK_NEAR(y[i * d.out + o], s * acc, 1e-5);
      }
    auto loss = [&] {
      std::fill(y.begin(), y.end(), 0.f);
      lora_forward(&pool, d, x.data(), A.data(), B.data(), s, drop, u.data(), y.data());
      return dot(r, y);
    };
    loss();
    std::vector<float> dA(A.size(), 0.f), dB(B.size(), 0.f), dx(x.size(), 0.f);
    lora_backward(&pool, d, x.data(), A.data(), B.data(), s, drop, u.data(), r.data(), dA.data(), dB.data(), dx.data());
    check_grad("lora dA", A, dA, loss, 1e-2f, 1e-3, 2e-3);
    check_grad("lora dB", B, dB, loss, 1e-2f, 1e-3, 2e-3);
    check_grad("lora dx", x, dx, loss, 1e-2f, 1e-3, 2e-3);
  }
}

TEST(lora_dropout_mask_keeps_one_minus_p) {
  for (float p : {0.05f, 0.3f}) {
    int64_t kept = 0;
    const int64_t n = 400000;
    for (int64_t e = 0; e < n; ++e) kept += lora_keep(99, uint64_t(e), lora_drop_threshold(p));
    CHECK_NEAR(double(kept) / n, 1.0 - p, 0.003);
  }
}

TEST(nf4_linear_equals_dense_linear_on_dequantized_weight) {
  ThreadPool pool(2);
  for (bool dq : {false, true}) {
    // 600 rows > one 256-row K block, so the backward crosses GEMM K blocks; cols odd-sized for partial tiles.
    // N above kNf4RowsMaxInputs: the forward takes the dequantize + GEMM path on every ISA.
    const int64_t N = kNf4RowsMaxInputs + 1, in = 72, out = 600;
    auto W = randv(out * in, 100, 0.2f), x = randv(N * in, 101), dy = randv(N * out, 102), b = randv(out, 103);
    const Nf4Tensor q = nf4_quantize(W.data(), out, in, dq);
    const std::vector<float> deq = nf4_dequantize(q);
    std::vector<float> y1(N * out), y2(N * out), dx1(N * in), dx2(N * in);
    nf4_linear_forward(&pool, x.data(), q, b.data(), y1.data(), N);
    linear_forward(&pool, x.data(), deq.data(), b.data(), y2.data(), N, in, out);
    CHECK(y1 == y2);  // same GEMM on the same numbers: bit-identical
    nf4_linear_backward(&pool, dy.data(), q, dx1.data(), false, N);
    linear_backward(&pool, dy.data(), nullptr, deq.data(), dx2.data(), false, nullptr, nullptr, N, in, out);
    CHECK(dx1 == dx2);
    // and the dequantized weight is close to the original (NF4 step <= ~0.16 * absmax)
    CHECK(max_abs_diff(deq, W) < 0.2 * 0.2);
  }
}

TEST(nf4_linear_decode_path_matches_dequantized_dense) {
  ThreadPool pool(2);
  for (bool dq : {false, true})
    for (int64_t in : {72, 128, 33})  // 72 and 33: quantization blocks straddle rows, odd nibble starts
      for (int64_t N : {int64_t(1), int64_t(3), int64_t(6), kNf4RowsMaxInputs}) {  // 6: a pass of 4 and one of 2
        const int64_t out = 300;
        auto W = randv(out * in, 110, 0.2f), x = randv(N * in, 111), b = randv(out, 112);
        const Nf4Tensor q = nf4_quantize(W.data(), out, in, dq);
        const std::vector<float> deq = nf4_dequantize(q);
        std::vector<float> y(N * out), ref(N * out), y1(N * out);
        nf4_linear_forward(&pool, x.data(), q, b.data(), y.data(), N);
        nf4_linear_forward(nullptr, x.data(), q, b.data(), y1.data(), N);
        CHECK(y == y1);  // any thread count, same bits
        for (int64_t i = 0; i < N; ++i)
          for (int64_t j = 0; j < out; ++j) {
            double s = b[j];
            for (int64_t c = 0; c < in; ++c) s += double(x[i * in + c]) * deq[j * in + c];
            ref[i * out + j] = float(s);
          }
        CHECK(max_abs_diff(y, ref) < 1e-5);
        // A sequence's logits must not depend on which others share its decode step: each input alone gives the
        // same bits as inside the batch (the AVX-512 rows path's promise; the GEMM fallback makes none).
        for (int64_t i = 0; i < N && active_isa() == Isa::Avx512; ++i) {
          std::vector<float> alone(out);
          nf4_linear_forward(&pool, x.data() + i * in, q, b.data(), alone.data(), 1);
          CHECK(std::equal(alone.begin(), alone.end(), y.begin() + i * out));
        }
      }
}

TEST(threadpool_partition_is_deterministic_and_exceptions_propagate) {
  for (int t : {1, 2, 3, 7}) {
    ThreadPool pool(t);
    CHECK_EQ(pool.size(), t);
    std::vector<int> owner(1000, -1);
    pool.parallel_for(1000, [&](int64_t b, int64_t e, int w) {
      for (int64_t i = b; i < e; ++i) owner[i] = w;
    });
    for (int w = 0; w < t; ++w)
      for (int64_t i = int64_t(1000) * w / t; i < int64_t(1000) * (w + 1) / t; ++i) CHECK_EQ(owner[i], w);
    std::atomic<int64_t> sum{0};
    pool.parallel_for_grain(1001, 64, [&](int64_t b, int64_t e, int) {
      CHECK(b % 64 == 0);
      for (int64_t i = b; i < e; ++i) sum += i;
    });
    CHECK_EQ(sum.load(), int64_t(1001) * 1000 / 2);
    CHECK_THROWS(pool.parallel_for(10, [](int64_t b, int64_t, int) {
      if (b == 0) throw Error("boom in chunk 0");
    }), "boom");
    // nested calls run inline instead of deadlocking
    std::atomic<int> inner{0};
    pool.parallel_for(4, [&](int64_t, int64_t, int) { pool.parallel_for(3, [&](int64_t b, int64_t e, int) { inner += int(e - b); }); });
    CHECK(inner.load() >= 3);
  }
  ThreadPool def(0);
  CHECK(def.size() >= 1);
}

TEST(rng_is_seeded_restorable_and_roughly_uniform_normal) {
  Rng a(42), b(42), c(43);
  CHECK_EQ(a.next_u64(), b.next_u64());
  CHECK(a.next_u64() != c.next_u64());
  a.normal();  // leaves a cached spare value: the state must carry it
  const Rng::State st = a.state();
  std::vector<float> first;
  for (int i = 0; i < 10; ++i) first.push_back(i % 2 ? a.normal() : a.uniform());
  Rng d(0);
  d.set_state(st);
  for (int i = 0; i < 10; ++i) CHECK_EQ(first[i], i % 2 ? d.normal() : d.uniform());
  double su = 0, sn = 0, sn2 = 0;
  const int n = 200000;
  Rng e(7);
  for (int i = 0; i < n; ++i) {
    const float u = e.uniform();
    CHECK(u >= 0.f && u < 1.f);
    su += u;
    const double z = e.normal();
    sn += z, sn2 += z * z;
  }
  CHECK_NEAR(su / n, 0.5, 0.005);
  CHECK_NEAR(sn / n, 0.0, 0.01);
  CHECK_NEAR(sn2 / n, 1.0, 0.02);
  CHECK_EQ(hash_u64(5, 9), hash_u64(5, 9));
  CHECK(hash_u64(5, 9) != hash_u64(5, 10));
}
