#pragma once
// cuda_check plumbing: device buffers, seeded inputs, CUDA-event timing and the result table. Each kernel family
// has a run_*_checks function (checks_*.cc) that appends one Row per checked output.
#include <cuda_runtime.h>

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "../common.cuh"
#include "../host/launch_plan.h"
#include "common/rng.h"

namespace tf::cuda::check {

struct Row {
  std::string name, shape;
  double max_err = 0;
  std::string tolerance;
  bool pass = false;
  double ms = 0;  // kernel time (the launcher call, CUDA events)
  std::string note;
};

template <typename T>
struct DeviceBuf {
  T* p = nullptr;
  size_t n = 0;
  explicit DeviceBuf(size_t count) : n(count) {
    if (n) CUDA_CHECK(cudaMalloc(&p, n * sizeof(T)));
  }
  explicit DeviceBuf(const std::vector<T>& host) : DeviceBuf(host.size()) { upload(host); }
  ~DeviceBuf() {
    if (p) cudaFree(p);
  }
  DeviceBuf(const DeviceBuf&) = delete;
  DeviceBuf& operator=(const DeviceBuf&) = delete;
  void upload(const std::vector<T>& host) {
    TF_CHECK(host.size() == n, "DeviceBuf::upload: size mismatch");
    if (n) CUDA_CHECK(cudaMemcpy(p, host.data(), n * sizeof(T), cudaMemcpyHostToDevice));
  }
  std::vector<T> download() const {
    std::vector<T> h(n);
    if (n) CUDA_CHECK(cudaMemcpy(h.data(), p, n * sizeof(T), cudaMemcpyDeviceToHost));
    return h;
  }
  bf16* bf() const { return reinterpret_cast<bf16*>(p); }  // for DeviceBuf<uint16_t> holding bf16 bits
};

// Times fn() (which enqueues on the default stream) with CUDA events; synchronizes and surfaces kernel faults.
template <typename F>
double time_ms(F&& fn) {
  cudaEvent_t a, b;
  CUDA_CHECK(cudaEventCreate(&a));
  CUDA_CHECK(cudaEventCreate(&b));
  CUDA_CHECK(cudaEventRecord(a));
  fn();
  CUDA_CHECK(cudaEventRecord(b));
  CUDA_CHECK(cudaEventSynchronize(b));
  float ms = 0;
  CUDA_CHECK(cudaEventElapsedTime(&ms, a, b));
  cudaEventDestroy(a);
  cudaEventDestroy(b);
  return ms;
}

// Case sizes. On a GPU the checks use the models' own shapes; under the CPU emulator (native/cuda/emu) a large
// dimension is replaced by a smaller one that still spans several tiles and blocks and keeps every ragged edge,
// because one emulated thread costs about what a whole block costs on a GPU.
#ifdef TF_CUDA_EMULATOR
inline constexpr bool kEmulated = true;
#else
inline constexpr bool kEmulated = false;
#endif
constexpr int64_t gpu_or_emu(int64_t on_gpu, int64_t emulated) { return kEmulated ? emulated : on_gpu; }

// Seeded normal values already rounded to bf16 (so CPU and GPU see identical inputs).
inline std::vector<float> randn_bf16(size_t n, uint64_t seed, float scale = 1.f, float shift = 0.f) {
  Rng r(seed);
  std::vector<float> v(n);
  for (auto& x : v) x = bf16_round(shift + scale * r.normal());
  return v;
}

inline std::vector<double> to_double(const std::vector<float>& v) { return std::vector<double>(v.begin(), v.end()); }

inline double max_abs(const std::vector<double>& v) {
  double m = 0;
  for (double x : v) m = std::fmax(m, std::fabs(x));
  return m;
}

// A 2-D shape as the table's shape column prints it.
inline std::string shape2(int64_t a, int64_t b) { return "[" + std::to_string(a) + "," + std::to_string(b) + "]"; }

// One table row from a comparison.
inline Row make_row(const std::string& name, const std::string& shape, const std::vector<float>& got,
                    const std::vector<double>& ref, const std::vector<double>& scale, const Tolerance& tol,
                    double ms) {
  const Comparison c = compare(got, ref, scale, tol);
  Row r;
  r.name = name;
  r.shape = shape;
  r.max_err = c.max_abs_err;
  r.tolerance = tol.rtol == 0 && tol.atol == 0 ? "exact" : tol.describe();
  r.pass = c.pass();
  r.ms = ms;
  if (c.non_finite) r.note = std::to_string(c.non_finite) + " non-finite";
  else if (!r.pass) r.note = "worst at " + std::to_string(c.worst_index);
  return r;
}

void run_nf4_checks(std::vector<Row>& rows);
void run_norm_rope_swiglu_checks(std::vector<Row>& rows);
void run_cross_entropy_checks(std::vector<Row>& rows);
void run_adamw_checks(std::vector<Row>& rows);
void run_gemm_checks(std::vector<Row>& rows);
void run_lora_matmul_checks(std::vector<Row>& rows);  // checks_lora.cc: matmul dispatch, LoRA, casts
void run_model_kernel_checks(std::vector<Row>& rows);
void run_attention_checks(std::vector<Row>& rows);
void run_short_conv_checks(std::vector<Row>& rows);  // checks_short_conv.cc: LFM2's convolution

}  // namespace tf::cuda::check
