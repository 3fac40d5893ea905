// Times the frozen NF4 linear layer's forward at small batches, where decoding lives:
//   bench_nf4_linear [--threads N] [--in K] [--out M] [--reps R]
// Batches up to kNf4RowsMaxInputs take the AVX-512 rows path (4-bit weights read directly); above it, each
// panel is dequantized to fp32 and multiplied by the GEMM. The printed table shows where one hands over to the other.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <vector>

#include "kernels/isa.h"
#include "kernels/nf4_linear.h"
#include "quant/nf4.h"

using namespace tf;
using namespace tf::kernels;

int main(int argc, char** argv) {
  int threads = 2, reps = 20;
  int64_t in = 2048, out = 8192;  // Llama-3.2-1B's gate/up projection
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--threads")) threads = std::atoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--in")) in = std::atoll(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--out")) out = std::atoll(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--reps")) reps = std::atoi(argv[i + 1]);
    else { std::fprintf(stderr, "unknown option %s\n", argv[i]); return 2; }
  }
  std::mt19937 gen(1);
  std::normal_distribution<float> dist(0.f, 0.02f);
  std::vector<float> w(size_t(out * in));
  for (auto& v : w) v = dist(gen);
  const Nf4Tensor q = nf4_quantize(w.data(), out, in, true);
  ThreadPool pool(threads);
  std::printf("nf4_linear_forward %lld x %lld (double quant), %d threads, isa %s\n", (long long)out, (long long)in,
              threads, isa_name(active_isa()));
  std::printf("%6s %10s %12s  %s\n", "batch", "ms", "ms/input", "path");
  for (int64_t n : {1, 2, 4, 5, 8, 12, 16, 24, 32, 33, 48, 64}) {
    std::vector<float> x(size_t(n * in)), y(size_t(n * out));
    for (auto& v : x) v = dist(gen);
    nf4_linear_forward(&pool, x.data(), q, nullptr, y.data(), n);  // warm-up
    const auto t0 = std::chrono::steady_clock::now();
    for (int r = 0; r < reps; ++r) nf4_linear_forward(&pool, x.data(), q, nullptr, y.data(), n);
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count() / reps;
    const bool rows = n <= kNf4RowsMaxInputs && active_isa() == Isa::Avx512;
    std::printf("%6lld %10.3f %12.3f  %s\n", (long long)n, ms, ms / double(n), rows ? "rows (4-bit)" : "dequantize + GEMM");
  }
}
