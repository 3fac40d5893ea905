// NF4 dequantization: must equal bf16(nf4_dequantize_rows) exactly (tolerance 0): both sides compute the same
// two or three correctly rounded fp32 operations per value, then round to bf16 the same way.
#include <cmath>

#include "../api.h"
#include "check_util.h"
#include "quant/nf4.h"

namespace tf::cuda::check {

namespace {

// A host Nf4Tensor's arrays copied to the device, and the view the launchers take.
struct DeviceNf4 {
  DeviceBuf<uint8_t> packed, q8;
  DeviceBuf<float> absmax, absmax2, dyn;
  Nf4DeviceView view;
  explicit DeviceNf4(const Nf4Tensor& t)
      : packed(t.packed), q8(t.absmax_q8), absmax(t.absmax), absmax2(t.absmax2), dyn(dynamic_map_signed()) {
    view.rows = t.rows;
    view.cols = t.cols;
    view.packed = packed.p;
    view.double_quant = t.double_quant;
    view.absmax = absmax.p;
    view.absmax_q8 = q8.p;
    view.absmax2 = absmax2.p;
    view.absmax_offset = t.absmax_offset;
    view.dyn_map = dyn.p;
  }
};

Row check_one(bool double_quant, int64_t rows, int64_t cols, int64_t r0, int64_t r1, uint64_t seed) {
  const std::vector<float> w = randn_bf16(static_cast<size_t>(rows * cols), seed, 0.05f);
  const Nf4Tensor t = nf4_quantize(w.data(), rows, cols, double_quant);
  std::vector<float> cpu(static_cast<size_t>((r1 - r0) * cols));
  nf4_dequantize_rows(t, r0, r1, cpu.data());
  std::vector<double> ref(cpu.size());
  for (size_t i = 0; i < cpu.size(); ++i) ref[i] = bf16_round(cpu[i]);

  const DeviceNf4 dev(t);
  DeviceBuf<uint16_t> out(cpu.size());
  const double ms = time_ms([&] { nf4_dequantize_rows_bf16(dev.view, r0, r1, out.bf(), nullptr); });
  const std::string shape = "[" + std::to_string(rows) + "," + std::to_string(cols) + "] rows " +
                            std::to_string(r0) + ".." + std::to_string(r1);
  return make_row(double_quant ? "nf4_dequant (double quant)" : "nf4_dequant", shape, from_bf16(out.download()), ref,
                  {}, Tolerance{}, ms);
}

// nf4_gemv_bf16 (decoding's y = x Wᵀ straight from the codes) against double sums over the CPU's dequantized,
// bf16-rounded weights: a GEMM's tolerance for K = cols, bf16 output.
Row check_gemv(bool double_quant, int64_t out_features, int64_t in_features, int64_t n, uint64_t seed) {
  const std::vector<float> w = randn_bf16(static_cast<size_t>(out_features * in_features), seed, 0.05f);
  const Nf4Tensor t = nf4_quantize(w.data(), out_features, in_features, double_quant);
  std::vector<float> deq(w.size());
  nf4_dequantize_rows(t, 0, out_features, deq.data());
  const std::vector<float> x = randn_bf16(static_cast<size_t>(n * in_features), seed + 1);
  std::vector<double> ref(static_cast<size_t>(n * out_features)), scale(ref.size());
  for (int64_t r = 0; r < n; ++r)
    for (int64_t o = 0; o < out_features; ++o) {
      double acc = 0, mag = 0;
      for (int64_t k = 0; k < in_features; ++k) {
        const double p = double(bf16_round(deq[size_t(o * in_features + k)])) * x[size_t(r * in_features + k)];
        acc += p;
        mag += std::fabs(p);
      }
      ref[size_t(r * out_features + o)] = acc;
      scale[size_t(r * out_features + o)] = mag;
    }
  const DeviceNf4 dev(t);
  DeviceBuf<uint16_t> dx(to_bf16(x)), dy(ref.size());
  const double ms = time_ms([&] { nf4_gemv_bf16(dev.view, dx.bf(), dy.bf(), n, nullptr); });
  const std::string shape = std::to_string(n) + "x" + std::to_string(out_features) + "x" + std::to_string(in_features);
  return make_row(double_quant ? "nf4_gemv (double quant)" : "nf4_gemv", shape, from_bf16(dy.download()), ref, scale,
                  gemm_tolerance(in_features, max_abs(scale), true), ms);
}

}  // namespace

void run_nf4_checks(std::vector<Row>& rows) {
  rows.push_back(check_gemv(false, gpu_or_emu(2048, 256), gpu_or_emu(2048, 512), 1, 111));
  rows.push_back(check_gemv(true, gpu_or_emu(8192, 384), gpu_or_emu(2048, 256), kNf4GemvMaxRows, 112));
  rows.push_back(check_gemv(true, 77, 333, 3, 113));  // odd sizes: blocks straddle rows, rows start mid-byte
  rows.push_back(check_one(false, gpu_or_emu(2048, 256), 2048, 0, gpu_or_emu(2048, 256), 101));
  rows.push_back(check_one(true, gpu_or_emu(2048, 256), 2048, 0, gpu_or_emu(2048, 256), 102));
  // Odd column count: a row range that starts on a low nibble and ends mid-block.
  rows.push_back(check_one(true, 257, 333, 5, 130, 103));
}

}  // namespace tf::cuda::check
