// GEMM and dense linear: every ISA path against a double reference, transposes, partial tiles, bitwise
// determinism across thread counts and K splits, finite-difference gradients.
#include <vector>

#include "harness.h"
#include "kernels/gemm.h"
#include "kernels/matmul.h"
#include "test_kernels_util.h"

using namespace tf;
using namespace tf::kernels;
using namespace tf_test;

namespace {

std::vector<Isa> isas() {
  std::vector<Isa> v;
  for (int i = 0; i <= static_cast<int>(detected_isa()); ++i) v.push_back(static_cast<Isa>(i));
  return v;
}

struct IsaGuard {
  Isa saved = active_isa();
  ~IsaGuard() { set_active_isa(saved); }
};

GemmArgs make(bool ta, bool tb, int64_t M, int64_t N, int64_t K, const std::vector<float>& A,
              const std::vector<float>& B, std::vector<float>& C, float alpha, float beta) {
  GemmArgs g;
  g.trans_a = ta, g.trans_b = tb, g.M = M, g.N = N, g.K = K;
  g.A = A.data(), g.lda = ta ? M : K, g.B = B.data(), g.ldb = tb ? K : N, g.C = C.data(), g.ldc = N;
  g.alpha = alpha, g.beta = beta;
  return g;
}

}  // namespace

TEST(gemm_every_isa_matches_double_reference) {
  IsaGuard guard;
  ThreadPool pool(2);
  const int64_t shapes[][3] = {{1, 1, 1}, {3, 70, 517}, {4, 300, 33}, {5, 3, 7}, {13, 37, 300}, {100, 70, 513}, {29, 130, 64}, {256, 64, 260}};
  for (Isa isa : isas()) {
    set_active_isa(isa);
    for (auto& s : shapes)
      for (int ta = 0; ta < 2; ++ta)
        for (int tb = 0; tb < 2; ++tb)
          for (float beta : {0.f, 1.f, 0.5f}) {
            const int64_t M = s[0], N = s[1], K = s[2];
            auto A = randv(M * K, 1), B = randv(K * N, 2), C0 = randv(M * N, 3);
            std::vector<float> C = C0, R = C0;
            sgemm(make(ta, tb, M, N, K, A, B, C, 0.75f, beta), &pool);
            sgemm_reference(make(ta, tb, M, N, K, A, B, R, 0.75f, beta));
            // fp32 accumulation of K products of magnitude <= 1: error grows ~ sqrt(K) ulp, bounded by K ulp.
            const double tol = 2e-7 * K + 1e-6;
            if (max_abs_diff(C, R) > tol) {
              report(__FILE__, __LINE__, std::string(isa_name(isa)) + " M=" + std::to_string(M) + " N=" +
                                             std::to_string(N) + " K=" + std::to_string(K) + " ta=" +
                                             std::to_string(ta) + " tb=" + std::to_string(tb) + " diff " +
                                             show(max_abs_diff(C, R)));
            }
          }
  }
}

TEST(gemm_bitwise_identical_for_any_thread_count) {
  const int64_t M = 333, N = 517, K = 700;
  auto A = randv(M * K, 4), B = randv(N * K, 5);
  std::vector<float> ref(M * N);
  {
    ThreadPool one(1);
    sgemm(make(false, true, M, N, K, A, B, ref, 1.f, 0.f), &one);
  }
  for (int threads : {2, 3, 5}) {
    ThreadPool pool(threads);
    std::vector<float> C(M * N);
    sgemm(make(false, true, M, N, K, A, B, C, 1.f, 0.f), &pool);
    CHECK(C == ref);
    // Tall-skinny output: the split goes over M instead of N.
    std::vector<float> c1(M * 16), c2(M * 16);
    auto B16 = randv(16 * K, 6);
    sgemm(make(false, true, M, 16, K, A, B16, c1, 1.f, 0.f), &pool);
    sgemm(make(false, true, M, 16, K, A, B16, c2, 1.f, 0.f), nullptr);
    CHECK(c1 == c2);
    // Few rows (decoding): the dot-product path, split over N.
    std::vector<float> g1(2 * N), g2(2 * N);
    sgemm(make(false, true, 2, N, K, A, B, g1, 1.f, 0.f), &pool);
    sgemm(make(false, true, 2, N, K, A, B, g2, 1.f, 0.f), nullptr);
    CHECK(g1 == g2);
  }
}

TEST(gemm_split_at_kc_multiple_gives_same_bits) {
  ThreadPool pool(2);
  const int64_t M = 40, N = 96, K = 3 * kGemmKC + 17;
  auto A = randv(M * K, 7), B = randv(N * K, 8);
  std::vector<float> whole(M * N), split(M * N);
  sgemm(make(false, true, M, N, K, A, B, whole, 1.f, 0.f), &pool);
  GemmArgs g = make(false, true, M, N, kGemmKC, A, B, split, 1.f, 0.f);
  g.lda = K, g.ldb = K;
  sgemm(g, &pool);
  g.A = A.data() + kGemmKC, g.B = B.data() + kGemmKC, g.K = K - kGemmKC, g.beta = 1.f;
  sgemm(g, &pool);
  CHECK(whole == split);
}

TEST(gemm_beta_zero_ignores_garbage_in_c) {
  ThreadPool pool(2);
  std::vector<float> A(4 * 8, 1.f), B(8 * 40, 1.f), C(4 * 40, NAN);
  sgemm(make(false, false, 4, 40, 8, A, B, C, 1.f, 0.f), &pool);
  for (float c : C) CHECK_EQ(c, 8.f);
}

TEST(linear_backward_matches_finite_differences) {
  ThreadPool pool(2);
  const int64_t N = 6, in = 19, out = 11;
  auto x = randv(N * in, 10), W = randv(out * in, 11, 0.5f), b = randv(out, 12), r = randv(N * out, 13);
  std::vector<float> y(N * out), dx(N * in), dW(out * in, 0.f), db(out, 0.f);
  auto loss = [&] {
    linear_forward(&pool, x.data(), W.data(), b.data(), y.data(), N, in, out);
    return dot(r, y);
  };
  loss();
  linear_backward(&pool, r.data(), x.data(), W.data(), dx.data(), false, dW.data(), db.data(), N, in, out);
  check_grad("linear dx", x, dx, loss, 1e-2f, 2e-3, 1e-3);
  check_grad("linear dW", W, dW, loss, 1e-2f, 2e-3, 1e-3);
  check_grad("linear db", b, db, loss, 1e-2f, 2e-3, 1e-3);
  // accumulate adds onto what is there
  std::vector<float> dx2(N * in, 1.f);
  linear_backward(&pool, r.data(), x.data(), W.data(), dx2.data(), true, nullptr, nullptr, N, in, out);
  for (size_t i = 0; i < dx.size(); ++i) CHECK_NEAR(dx2[i], dx[i] + 1.f, 1e-5);
}

TEST(gemm_peak_reports_a_positive_rate) {
  ThreadPool pool(2);
  const double g = gemm_peak_gflops(pool, 0.05);
  CHECK(g > 0.5);
  std::printf("  gemm peak (%s, %d threads): %.1f GFLOP/s\n", isa_name(active_isa()), pool.size(), g);
}
