// The matmul dispatcher's host logic (native/cuda/host/gemm_map.h, native/cuda/cublaslt/loader.h) on the CPU:
// the row-major → column-major mapping is executed by a column-major reference GEMM and must equal the CPU's
// row-major sgemm_reference for every transpose and padded leading dimension; TF_CUDA_GEMM parsing; the dlopen
// failure path (these machines have no libcublasLt, so it is the real path here) reports why and leaves the
// dispatcher on WMMA.
#include <cmath>
#include <cstdint>
#include <string>
#include <unordered_set>
#include <vector>

#include "common/rng.h"
#include "cublaslt/loader.h"
#include "harness.h"
#include "host/gemm_map.h"
#include "kernels/gemm.h"

using namespace tf::cuda;

namespace {

// What cublasLtMatmul computes (alpha 1, beta 0) for column-major operands: D[m,n] = op(a)[m,k] op(b)[k,n].
std::vector<float> colmajor_gemm(const LtGemmMap& g, const float* a, const float* b) {
  std::vector<float> d(g.c.ld * g.c.cols, 0.f);
  for (uint64_t j = 0; j < g.n; ++j)
    for (uint64_t i = 0; i < g.m; ++i) {
      double s = 0;
      for (uint64_t p = 0; p < g.k; ++p) {
        const float av = g.op_a_t ? a[p + i * g.a.ld] : a[i + p * g.a.ld];
        const float bv = g.op_b_t ? b[j + p * g.b.ld] : b[p + j * g.b.ld];
        s += double(av) * bv;
      }
      d[i + j * g.c.ld] = float(s);
    }
  return d;
}

// The stored matrix each layout describes must be exactly what op() reads: op(a) is m x k, op(b) k x n, c m x n.
bool layouts_consistent(const LtGemmMap& g) {
  const bool a_ok = g.op_a_t ? (g.a.rows == g.k && g.a.cols == g.m) : (g.a.rows == g.m && g.a.cols == g.k);
  const bool b_ok = g.op_b_t ? (g.b.rows == g.n && g.b.cols == g.k) : (g.b.rows == g.k && g.b.cols == g.n);
  const bool c_ok = g.c.rows == g.m && g.c.cols == g.n;
  const bool ld_ok = g.a.ld >= int64_t(g.a.rows) && g.b.ld >= int64_t(g.b.rows) && g.c.ld >= int64_t(g.c.rows);
  return a_ok && b_ok && c_ok && ld_ok;
}

}  // namespace

TEST(row_major_gemm_maps_to_column_major_cublaslt_call) {
  tf::Rng rng(42);
  struct Shape {
    int64_t M, N, K, pad;
  };
  const Shape shapes[] = {{1, 1, 1, 0}, {5, 7, 3, 0}, {8, 16, 4, 3}, {13, 2, 9, 1}, {3, 11, 17, 5}};
  for (const Shape& s : shapes)
    for (int ta = 0; ta < 2; ++ta)
      for (int tb = 0; tb < 2; ++tb) {
        const int64_t lda = (ta ? s.M : s.K) + s.pad, ldb = (tb ? s.K : s.N) + s.pad, ldc = s.N + s.pad;
        std::vector<float> A((ta ? s.K : s.M) * lda), B((tb ? s.N : s.K) * ldb), C(s.M * ldc, 0.f);
        for (auto& v : A) v = rng.uniform(-1.f, 1.f);
        for (auto& v : B) v = rng.uniform(-1.f, 1.f);
        tf::kernels::GemmArgs g;
        g.trans_a = ta, g.trans_b = tb, g.M = s.M, g.N = s.N, g.K = s.K;
        g.A = A.data(), g.lda = lda, g.B = B.data(), g.ldb = ldb, g.C = C.data(), g.ldc = ldc;
        tf::kernels::sgemm_reference(g);

        const LtGemmMap m = map_row_major_gemm(ta, tb, s.M, s.N, s.K, lda, ldb, ldc);
        CHECK(layouts_consistent(m));
        CHECK_EQ(m.m, uint64_t(s.N));
        CHECK_EQ(m.n, uint64_t(s.M));
        // cuBLASLt's A is our B and its B our A: Cᵀ = op(B)ᵀ op(A)ᵀ.
        const std::vector<float> D = colmajor_gemm(m, B.data(), A.data());
        double worst = 0;
        for (int64_t i = 0; i < s.M; ++i)
          for (int64_t j = 0; j < s.N; ++j) worst = std::fmax(worst, std::fabs(D[i * ldc + j] - C[i * ldc + j]));
        CHECK(worst < 1e-5);
      }
}

TEST(mapping_of_llama_shapes_is_what_cublaslt_expects) {
  // y = x Wᵀ with x [8192,2048], W [2048,2048]: cuBLASLt A = W with OP_T (stored col-major [K,N]), B = x with OP_N.
  LtGemmMap m = map_row_major_gemm(false, true, 8192, 2048, 2048, 2048, 2048, 2048);
  CHECK(m.op_a_t);
  CHECK(!m.op_b_t);
  CHECK_EQ(m.a.rows, uint64_t(2048));
  CHECK_EQ(m.b.rows, uint64_t(2048));
  CHECK_EQ(m.b.cols, uint64_t(8192));
  CHECK_EQ(m.c.rows, uint64_t(2048));
  CHECK_EQ(m.c.cols, uint64_t(8192));
  // dW = dyᵀ x with dy, x [8192,2048]: A stored [K,M] → OP_T on cuBLASLt's B; k = 8192.
  m = map_row_major_gemm(true, false, 2048, 2048, 8192, 2048, 2048, 2048);
  CHECK(!m.op_a_t);
  CHECK(m.op_b_t);
  CHECK_EQ(m.k, uint64_t(8192));
  CHECK_EQ(m.b.rows, uint64_t(2048));
  CHECK_EQ(m.b.cols, uint64_t(8192));
}

TEST(mapping_rejects_bad_leading_dimensions_like_gemm_bf16) {
  CHECK_THROWS(map_row_major_gemm(false, false, 4, 8, 16, 15, 8, 8), "lda = 15");
  CHECK_THROWS(map_row_major_gemm(false, true, 4, 8, 16, 16, 8, 8), "ldb = 8");
  CHECK_THROWS(map_row_major_gemm(false, false, 4, 8, 16, 16, 8, 7), "ldc = 7");
}

TEST(gemm_backend_env_parsing) {
  CHECK(parse_gemm_backend(nullptr) == GemmBackendChoice::Auto);
  CHECK(parse_gemm_backend("") == GemmBackendChoice::Auto);
  CHECK(parse_gemm_backend("auto") == GemmBackendChoice::Auto);
  CHECK(parse_gemm_backend("wmma") == GemmBackendChoice::Wmma);
  CHECK(parse_gemm_backend("cublaslt") == GemmBackendChoice::Cublaslt);
  CHECK_THROWS(parse_gemm_backend("cublas"), "TF_CUDA_GEMM=cublas is not a GEMM backend");
  CHECK_THROWS(parse_gemm_backend("WMMA"), "'wmma'");
}

TEST(library_candidates_newest_first) {
  const auto c = cublaslt_library_candidates();
  REQUIRE(c.size() == 4);
  CHECK_EQ(c[0], std::string("libcublasLt.so.13"));
  CHECK_EQ(c[1], std::string("libcublasLt.so.12"));
  CHECK_EQ(c[2], std::string("libcublasLt.so.11"));
  CHECK_EQ(c[3], std::string("libcublasLt.so"));
}

TEST(loader_wmma_choice_never_loads) {
  const lt::Library lib = lt::load_library(GemmBackendChoice::Wmma, cublaslt_library_candidates());
  CHECK(!lib.loaded());
  CHECK_EQ(lib.why_not, std::string("TF_CUDA_GEMM=wmma"));
  CHECK(lib.matmul == nullptr);
}

TEST(loader_reports_every_failed_candidate) {
  const lt::Library lib =
      lt::load_library(GemmBackendChoice::Auto, {"libtf_no_such_cublaslt.so.99", "libtf_no_such_either.so"});
  CHECK(!lib.loaded());
  CHECK(lib.why_not.find("libcublasLt could not be loaded") != std::string::npos);
  CHECK(lib.why_not.find("libtf_no_such_cublaslt.so.99") != std::string::npos);
  CHECK(lib.why_not.find("libtf_no_such_either.so") != std::string::npos);
  CHECK(lib.why_not.find("LD_LIBRARY_PATH") != std::string::npos);
  CHECK(lib.create == nullptr && lib.get_heuristic == nullptr);
}

TEST(loader_rejects_a_library_without_the_entry_points) {
  // libm loads everywhere and has none of cuBLASLt's symbols: reported as lacking them, then unloaded.
  const lt::Library lib = lt::load_library(GemmBackendChoice::Auto, {"libm.so.6"});
  CHECK(!lib.loaded());
  CHECK(lib.why_not.find("libm.so.6 lacks cublasLtCreate") != std::string::npos);
  CHECK(lib.why_not.find("cublasLtMatmul") != std::string::npos);
}

TEST(process_library_falls_back_on_this_machine) {
  // Build and CI machines have no libcublasLt: the process-wide loader must say why, and never throw for it.
  const lt::Library& lib = lt::library();
  if (lib.loaded()) {
    // A machine that has cuBLASLt: then it must be complete and versioned.
    CHECK(lib.matmul != nullptr);
    CHECK(lib.version > 0);
  } else {
    CHECK(!lib.why_not.empty());
    CHECK(lib.matmul == nullptr);
  }
}

TEST(versions_and_status_names) {
  CHECK_EQ(format_cublaslt_version(120903), std::string("12.9.3"));
  CHECK_EQ(format_cublaslt_version(130001), std::string("13.0.1"));
  CHECK_EQ(format_cublaslt_version(11801), std::string("11801"));
  CHECK_EQ(cublas_status_name(kCublasStatusNotSupported), std::string("CUBLAS_STATUS_NOT_SUPPORTED"));
  CHECK_EQ(cublas_status_name(kCublasStatusSuccess), std::string("CUBLAS_STATUS_SUCCESS"));
  CHECK_EQ(cublas_status_name(7), std::string("CUBLAS_STATUS_INVALID_VALUE"));
  CHECK_EQ(cublas_status_name(99), std::string("cublasStatus 99"));
}

TEST(workspace_and_alignment) {
  CHECK_EQ(cublaslt_workspace_bytes(9), size_t(32) << 20);
  CHECK_EQ(cublaslt_workspace_bytes(8), size_t(4) << 20);
  CHECK_EQ(pointer_alignment(0x1000), 256u);
  CHECK_EQ(pointer_alignment(0x1002), 2u);
  CHECK_EQ(pointer_alignment(0x1010), 16u);
  CHECK_EQ(pointer_alignment(0x1080), 128u);
  CHECK_EQ(pointer_alignment(0x1001), 1u);
}

TEST(shape_keys_hash_and_compare_every_field) {
  GemmShapeKey base;
  base.M = 8192, base.N = 2048, base.K = 2048, base.lda = 2048, base.ldb = 2048, base.ldc = 2048;
  base.trans_b = true, base.align_a = base.align_b = base.align_c = 256;
  std::vector<GemmShapeKey> keys{base};
  auto vary = [&](auto f) {
    GemmShapeKey k = base;
    f(k);
    keys.push_back(k);
  };
  vary([](GemmShapeKey& k) { k.device = 1; });
  vary([](GemmShapeKey& k) { k.trans_a = true; });
  vary([](GemmShapeKey& k) { k.trans_b = false; });
  vary([](GemmShapeKey& k) { k.f32_out = true; });
  vary([](GemmShapeKey& k) { k.M = 4096; });
  vary([](GemmShapeKey& k) { k.N = 4096; });
  vary([](GemmShapeKey& k) { k.K = 4096; });
  vary([](GemmShapeKey& k) { k.lda = 4096; });
  vary([](GemmShapeKey& k) { k.ldb = 4096; });
  vary([](GemmShapeKey& k) { k.ldc = 4096; });
  vary([](GemmShapeKey& k) { k.align_a = 2; });
  vary([](GemmShapeKey& k) { k.align_b = 2; });
  vary([](GemmShapeKey& k) { k.align_c = 2; });
  std::unordered_set<size_t> hashes;
  for (size_t i = 0; i < keys.size(); ++i) {
    hashes.insert(GemmShapeKeyHash{}(keys[i]));
    for (size_t j = 0; j < keys.size(); ++j) CHECK_EQ(keys[i] == keys[j], i == j);
  }
  CHECK_EQ(hashes.size(), keys.size());
  CHECK_EQ(describe_gemm(base), std::string("NT 8192x2048x2048 bf16 out"));
}

TEST(dispatcher_routes_to_wmma_when_cublaslt_is_unavailable) {
  // The real reason on this machine (no libcublasLt) drives the same decision matmul.cu makes.
  const lt::Library lib = lt::load_library(GemmBackendChoice::Auto, {"libtf_no_such_cublaslt.so.99"});
  REQUIRE(!lib.loaded());
  CHECK(route_gemm(GemmBackendChoice::Auto, lib.why_not, 2048) == GemmRoute::Wmma);
  CHECK(route_gemm(GemmBackendChoice::Wmma, "", 2048) == GemmRoute::Wmma);
  CHECK(route_gemm(GemmBackendChoice::Auto, "", 2048) == GemmRoute::Cublaslt);
  CHECK(route_gemm(GemmBackendChoice::Cublaslt, "", 2048) == GemmRoute::Cublaslt);
  CHECK(route_gemm(GemmBackendChoice::Auto, "", 0) == GemmRoute::Wmma);  // C = beta C stays on our kernel
  CHECK_THROWS(route_gemm(GemmBackendChoice::Cublaslt, lib.why_not, 2048),
               "TF_CUDA_GEMM=cublaslt, but libcublasLt could not be loaded");
  CHECK_THROWS(route_gemm(GemmBackendChoice::Cublaslt, "cublasLtCreate on device 0: CUBLAS_STATUS_NOT_INITIALIZED", 64),
               "cublasLtCreate on device 0");
}

// A cuBLASLt failure: NOT_SUPPORTED sends that shape to WMMA under either choice; a library that cannot serve the
// device (ARCH_MISMATCH, NOT_INITIALIZED) is set aside on it under auto rather than failing the run, and is an error
// under TF_CUDA_GEMM=cublaslt, which asked for cuBLASLt; anything else (transient, or our bug) is an error always.
TEST(cublaslt_failures_fall_back_under_auto_and_throw_when_cublaslt_was_asked_for) {
  CHECK(classify_lt_failure(GemmBackendChoice::Auto, kCublasStatusNotSupported) == LtFailure::ShapeOnWmma);
  CHECK(classify_lt_failure(GemmBackendChoice::Cublaslt, kCublasStatusNotSupported) == LtFailure::ShapeOnWmma);
  for (int status : {kCublasStatusArchMismatch, kCublasStatusNotInitialized}) {
    CHECK(classify_lt_failure(GemmBackendChoice::Auto, status) == LtFailure::DeviceOnWmma);
    CHECK(classify_lt_failure(GemmBackendChoice::Cublaslt, status) == LtFailure::Throw);
  }
  CHECK_EQ(cublas_status_name(kCublasStatusArchMismatch), std::string("CUBLAS_STATUS_ARCH_MISMATCH"));
  CHECK_EQ(cublas_status_name(kCublasStatusNotInitialized), std::string("CUBLAS_STATUS_NOT_INITIALIZED"));
  for (int status : {3, 7, 13, 14, 99}) {  // ALLOC_FAILED, INVALID_VALUE, EXECUTION_FAILED, INTERNAL_ERROR, unnamed
    CHECK(classify_lt_failure(GemmBackendChoice::Auto, status) == LtFailure::Throw);
    CHECK(classify_lt_failure(GemmBackendChoice::Cublaslt, status) == LtFailure::Throw);
  }
}
