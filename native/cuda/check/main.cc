// cuda_check: every CUDA kernel family against its CPU reference in native/src, on seeded random inputs, with
// bf16-aware tolerances (host/launch_plan.h explains them). One table row per checked output.
// Times are of the checked (first) call, so they include lazy module loading: a smoke signal, not a benchmark.
// Exit status: 0 all pass, 1 any fail, 2 no usable CUDA device (nothing was checked).
#include <cstdio>
#include <exception>
#include <functional>
#include <string>
#include <vector>

#include "../api.h"
#include "check_util.h"
#include "../host/test_summary.h"

using namespace tf::cuda::check;

namespace {

bool usable_device(std::string* why) {
  int count = 0;
  const cudaError_t e = cudaGetDeviceCount(&count);
  if (e != cudaSuccess) {
    *why = std::string("cudaGetDeviceCount: ") + cudaGetErrorName(e) + " (" + cudaGetErrorString(e) + ")";
    return false;
  }
  if (count == 0) {
    *why = "cudaGetDeviceCount found 0 devices";
    return false;
  }
  cudaDeviceProp prop{};
  const cudaError_t pe = cudaGetDeviceProperties(&prop, 0);
  if (pe != cudaSuccess) {
    *why = std::string("cudaGetDeviceProperties(0): ") + cudaGetErrorString(pe);
    return false;
  }
  if (prop.major < 8) {
    *why = std::string("device 0 (") + prop.name + ") is below sm_80; the kernels are built for sm_80 and sm_90a";
    return false;
  }
  std::printf("cuda_check: device 0: %s (sm_%d%d, %.1f GiB), matmul: %s\n", prop.name, prop.major, prop.minor,
              double(prop.totalGlobalMem) / (1 << 30), tf::cuda::matmul_backend_description());
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  (void)argc;
  std::string why;
  if (!usable_device(&why)) {
    std::printf("cuda_check: no CUDA device present (%s): nothing was checked. Run it on a GPU machine "
                "(native/gpu/check.sh).\n", why.c_str());
    return 2;
  }
  std::vector<Row> rows;
  const std::vector<std::pair<const char*, std::function<void(std::vector<Row>&)>>> families = {
      {"nf4_dequant", run_nf4_checks},         {"rmsnorm/rope/swiglu", run_norm_rope_swiglu_checks},
      {"cross_entropy", run_cross_entropy_checks}, {"adamw", run_adamw_checks},
      {"gemm", run_gemm_checks},
      {"matmul/lora", run_lora_matmul_checks},
      {"model_kernels", run_model_kernel_checks},
      {"attention", run_attention_checks},
      {"short_conv", run_short_conv_checks}};
  for (const auto& [name, run] : families) {
    try {
      run(rows);
    } catch (const std::exception& e) {
      // A thrown error (launch failure, bad argument) fails the family but the rest still runs.
      Row r;
      r.name = name;
      r.shape = "-";
      r.tolerance = "-";
      r.note = e.what();
      rows.push_back(r);
      // A launch-configuration error is cleared here; a kernel fault is sticky (on a device and in the emulator),
      // so every later family fails too and the table shows where it started.
      cudaGetLastError();
    }
  }
  int failed = 0;
  std::printf("%-34s %-22s %11s %-28s %-6s %9s  %s\n", "kernel", "shape", "max err", "tolerance", "result", "ms 1st",
              "note");
  for (const Row& r : rows) {
    failed += !r.pass;
    std::printf("%-34s %-22s %11.3e %-28s %-6s %9.3f  %s\n", r.name.c_str(), r.shape.c_str(), r.max_err,
                r.tolerance.c_str(), r.pass ? "PASS" : "FAIL", r.ms, r.note.c_str());
  }
  std::printf("cuda_check: %zu checks, %d failed\n", rows.size(), failed);
  write_test_summary(argv[0], int(rows.size()) - failed, failed);
  return failed ? 1 : 0;
}
