// RMSNorm, RoPE and SwiGLU forward/backward against the CPU kernels (run on the same bf16-rounded inputs).
// bf16 outputs: one bf16 ulp of the magnitude of the terms that were combined (host/launch_plan.h).
#include "../api.h"
#include "check_util.h"
#include "kernels/rmsnorm.h"
#include "kernels/rope.h"
#include "kernels/swiglu.h"

namespace tf::cuda::check {

namespace {


// The magnitude of the terms each dx_c of RMSNorm's backward combines: r w_c dy_c and x_c r^3/C Σ|w dy x|.
std::vector<double> rmsnorm_dx_scale(const std::vector<float>& x, const std::vector<float>& w, const std::vector<float>& dy,
                                     const std::vector<float>& rstd, int64_t N, int64_t C) {
  std::vector<double> scale(x.size());
  for (int64_t i = 0; i < N; ++i) {
    double sabs = 0;
    for (int64_t c = 0; c < C; ++c) sabs += std::fabs(double(dy[i * C + c]) * w[c] * x[i * C + c]);
    const double r = rstd[i];
    for (int64_t c = 0; c < C; ++c) {
      const size_t k = static_cast<size_t>(i * C + c);
      scale[k] = std::fabs(r * w[c] * dy[k]) + std::fabs(x[k]) * r * r * r * sabs / C;
    }
  }
  return scale;
}

void rmsnorm_checks(std::vector<Row>& rows, int64_t N, int64_t C) {
  const float eps = 1e-5f;
  auto x = randn_bf16(static_cast<size_t>(N * C), 201), w = randn_bf16(static_cast<size_t>(C), 202, 0.1f, 1.f),
       dy = randn_bf16(static_cast<size_t>(N * C), 203), dx0 = randn_bf16(static_cast<size_t>(N * C), 204);
  std::vector<float> y(x.size()), rstd(static_cast<size_t>(N)), dx(x.size()), dxa = dx0;
  kernels::rmsnorm_forward(nullptr, x.data(), w.data(), y.data(), rstd.data(), N, C, eps);
  kernels::rmsnorm_backward(nullptr, dy.data(), x.data(), w.data(), rstd.data(), dx.data(), false, N, C);
  kernels::rmsnorm_backward(nullptr, dy.data(), x.data(), w.data(), rstd.data(), dxa.data(), true, N, C);

  DeviceBuf<uint16_t> dX(to_bf16(x)), dW(to_bf16(w)), dY(x.size()), dDy(to_bf16(dy)), dDx(x.size()),
      dDxa(to_bf16(dx0));
  DeviceBuf<float> dR(static_cast<size_t>(N));
  const double ms_f = time_ms([&] { rmsnorm_forward(dX.bf(), dW.bf(), dY.bf(), dR.p, N, C, eps, nullptr); });
  const auto yref = to_double(y);
  rows.push_back(make_row("rmsnorm_forward y", shape2(N, C), from_bf16(dY.download()), yref, {},
                          bf16_output_tolerance(C, max_abs(yref)), ms_f));
  const auto rref = to_double(rstd);
  rows.push_back(make_row("rmsnorm_forward rstd", shape2(N, 1), dR.download(), rref, {},
                          fp32_output_tolerance(C, max_abs(rref)), ms_f));

  // The backward runs on the GPU's own rstd (as the trainer would); its tiny fp32 difference is inside the bound.
  const double ms_b = time_ms([&] { rmsnorm_backward(dDy.bf(), dX.bf(), dW.bf(), dR.p, dDx.bf(), false, N, C, nullptr); });
  const double ms_a = time_ms([&] { rmsnorm_backward(dDy.bf(), dX.bf(), dW.bf(), dR.p, dDxa.bf(), true, N, C, nullptr); });
  // Plus the accumulated value.
  const std::vector<double> scale = rmsnorm_dx_scale(x, w, dy, rstd, N, C);
  std::vector<double> scale_a(scale);
  for (size_t k = 0; k < scale_a.size(); ++k) scale_a[k] += std::fabs(dx0[k]);
  rows.push_back(make_row("rmsnorm_backward dx", shape2(N, C), from_bf16(dDx.download()), to_double(dx), scale,
                          bf16_output_tolerance(C, max_abs(scale)), ms_b));
  rows.push_back(make_row("rmsnorm_backward dx (accumulate)", shape2(N, C), from_bf16(dDxa.download()),
                          to_double(dxa), scale_a, bf16_output_tolerance(C, max_abs(scale_a)), ms_a));
}

// Qwen3's q/k norms: one row per head (C = head_dim), run in place as the model runs them: y over x, dx over dy.
void rmsnorm_in_place_checks(std::vector<Row>& rows, int64_t N, int64_t C) {
  const float eps = 1e-6f;
  auto x = randn_bf16(static_cast<size_t>(N * C), 211), w = randn_bf16(static_cast<size_t>(C), 212, 0.1f, 1.f),
       dy = randn_bf16(static_cast<size_t>(N * C), 213);
  std::vector<float> y(x.size()), rstd(static_cast<size_t>(N)), dx(x.size());
  kernels::rmsnorm_forward(nullptr, x.data(), w.data(), y.data(), rstd.data(), N, C, eps);
  kernels::rmsnorm_backward(nullptr, dy.data(), x.data(), w.data(), rstd.data(), dx.data(), false, N, C);
  DeviceBuf<uint16_t> dX(to_bf16(x)), dXy(to_bf16(x)), dW(to_bf16(w)), dDy(to_bf16(dy));
  DeviceBuf<float> dR(static_cast<size_t>(N));
  const double ms_f = time_ms([&] { rmsnorm_forward(dXy.bf(), dW.bf(), dXy.bf(), dR.p, N, C, eps, nullptr); });
  const auto yref = to_double(y);
  rows.push_back(make_row("rmsnorm_forward per head, in place", shape2(N, C), from_bf16(dXy.download()), yref, {},
                          bf16_output_tolerance(C, max_abs(yref)), ms_f));
  const double ms_b =
      time_ms([&] { rmsnorm_backward(dDy.bf(), dX.bf(), dW.bf(), dR.p, dDy.bf(), false, N, C, nullptr); });
  const std::vector<double> scale = rmsnorm_dx_scale(x, w, dy, rstd, N, C);
  rows.push_back(make_row("rmsnorm_backward per head, in place", shape2(N, C), from_bf16(dDy.download()), to_double(dx),
                          scale, bf16_output_tolerance(C, max_abs(scale)), ms_b));
}

// R < D: only the first R values of each head rotate (Phi-4-mini's partial rotary); rs: the rotated values' scale
// (longrope's attention factor); interleaved: pairs (2j, 2j + 1), GLM-4's.
void rope_checks(std::vector<Row>& rows, int64_t N, int64_t H, int64_t D, int64_t R = 0, float rs = 1.f,
                 bool interleaved = false) {
  if (R == 0) R = D;
  RopeScaling llama3;
  llama3.type = "llama3";
  llama3.factor = 32;
  const std::vector<float> inv = kernels::rope_inv_freq(int(D), 500000.0, llama3, int(R));
  Rng rng(301);
  std::vector<int32_t> pos(static_cast<size_t>(N));
  for (auto& p : pos) p = int32_t(rng.next_u64() % 131072);  // up to Llama 3.2's 128k context
  auto x = randn_bf16(static_cast<size_t>(N * H * D), 302);
  for (float sign : {1.f, -1.f}) {
    std::vector<float> cpu = x;
    if (sign > 0) kernels::rope_forward(nullptr, cpu.data(), pos.data(), inv.data(), N, H, D, R, rs, interleaved);
    else kernels::rope_backward(nullptr, cpu.data(), pos.data(), inv.data(), N, H, D, R, rs, interleaved);
    DeviceBuf<uint16_t> dX(to_bf16(x));
    DeviceBuf<int32_t> dP(pos);
    DeviceBuf<float> dInv(inv);
    const double ms = time_ms([&] {
      if (sign > 0) rope_forward(dX.bf(), dP.p, dInv.p, N, H, D, nullptr, R, rs, interleaved);
      else rope_backward(dX.bf(), dP.p, dInv.p, N, H, D, nullptr, R, rs, interleaved);
    });
    // Each rotated output combines the pair (x_j, x_{j+R/2}); rs·(|x_j| + |x_{j+R/2}|) bounds both terms. The values
    // past R pass through.
    std::vector<double> scale(x.size());
    for (int64_t rh = 0; rh < N * H; ++rh) {
      for (int64_t j = 0; j < R / 2; ++j) {
        const size_t a = static_cast<size_t>(rh * D + (interleaved ? 2 * j : j));
        const size_t b = a + static_cast<size_t>(interleaved ? 1 : R / 2);
        scale[a] = scale[b] = rs * (std::fabs(x[a]) + std::fabs(x[b]));
      }
      for (int64_t j = R; j < D; ++j) scale[size_t(rh * D + j)] = std::fabs(x[size_t(rh * D + j)]);
    }
    rows.push_back(make_row(sign > 0 ? "rope_forward" : "rope_backward",
                            "[" + std::to_string(N) + "," + std::to_string(H) + "," + std::to_string(D) + "]" +
                                (R < D ? " rotary " + std::to_string(R) : "") + (rs != 1.f ? " scaled" : "") +
                                (interleaved ? " interleaved" : ""),
                            from_bf16(dX.download()), to_double(cpu), scale, bf16_output_tolerance(2, max_abs(scale)),
                            ms));
  }
}

// longrope's per-row table in a batched decoding step (RopeLongRows): rows at position 65536 or more rotate with the
// long table (here the short one halved), the others with the short one; against the CPU kernel's same choice.
void rope_long_rows_checks(std::vector<Row>& rows, int64_t N, int64_t H, int64_t D) {
  const std::vector<float> inv = kernels::rope_inv_freq(int(D), 10000.0, RopeScaling{});
  std::vector<float> long_inv = inv;
  for (float& f : long_inv) f *= 0.5f;
  Rng rng(303);
  std::vector<int32_t> pos(static_cast<size_t>(N));
  for (auto& p : pos) p = int32_t(rng.next_u64() % 131072);  // about half the rows on each side
  auto x = randn_bf16(static_cast<size_t>(N * H * D), 304);
  std::vector<float> cpu = x;
  kernels::rope_forward(nullptr, cpu.data(), pos.data(), inv.data(), N, H, D, 0, 1.19f, false, {long_inv.data(), 65536});
  DeviceBuf<uint16_t> dX(to_bf16(x));
  DeviceBuf<int32_t> dP(pos);
  DeviceBuf<float> dInv(inv), dLong(long_inv);
  const double ms = time_ms([&] { rope_forward(dX.bf(), dP.p, dInv.p, N, H, D, nullptr, 0, 1.19f, false, {dLong.p, 65536}); });
  std::vector<double> scale(x.size());
  for (int64_t rh = 0; rh < N * H; ++rh)
    for (int64_t j = 0; j < D / 2; ++j) {
      const size_t a = static_cast<size_t>(rh * D + j), b = a + static_cast<size_t>(D / 2);
      scale[a] = scale[b] = 1.19 * (std::fabs(x[a]) + std::fabs(x[b]));
    }
  rows.push_back(make_row("rope_forward", "[" + std::to_string(N) + "," + std::to_string(H) + "," + std::to_string(D) +
                                              "] long rows", from_bf16(dX.download()), to_double(cpu), scale,
                          bf16_output_tolerance(2, max_abs(scale)), ms));
}

// Ministral 3's query temperature (RopeTemperature): each row's rotation times 1 + 0.1·ln(1 + floor(p / 16384)), up to
// 1.21 over Llama-sized positions; forward and backward against the CPU kernel's.
void rope_temperature_checks(std::vector<Row>& rows, int64_t N, int64_t H, int64_t D) {
  const std::vector<float> inv = kernels::rope_inv_freq(int(D), 1000000.0, RopeScaling{});
  Rng rng(305);
  std::vector<int32_t> pos(static_cast<size_t>(N));
  for (auto& p : pos) p = int32_t(rng.next_u64() % 131072);
  auto x = randn_bf16(static_cast<size_t>(N * H * D), 306);
  const kernels::QueryTemperature host{0.1f, 16384};
  for (float sign : {1.f, -1.f}) {
    std::vector<float> cpu = x;
    if (sign > 0) kernels::rope_forward(nullptr, cpu.data(), pos.data(), inv.data(), N, H, D, 0, 1.f, false, {}, host);
    else kernels::rope_backward(nullptr, cpu.data(), pos.data(), inv.data(), N, H, D, 0, 1.f, false, host);
    DeviceBuf<uint16_t> dX(to_bf16(x));
    DeviceBuf<int32_t> dP(pos);
    DeviceBuf<float> dInv(inv);
    const RopeTemperature temp{host.beta, host.interval};
    const double ms = time_ms([&] {
      if (sign > 0) rope_forward(dX.bf(), dP.p, dInv.p, N, H, D, nullptr, 0, 1.f, false, {}, temp);
      else rope_backward(dX.bf(), dP.p, dInv.p, N, H, D, nullptr, 0, 1.f, false, temp);
    });
    std::vector<double> scale(x.size());
    for (int64_t rh = 0; rh < N * H; ++rh)
      for (int64_t j = 0; j < D / 2; ++j) {
        const size_t a = static_cast<size_t>(rh * D + j), b = a + static_cast<size_t>(D / 2);
        scale[a] = scale[b] = host.at(pos[size_t(rh / H)]) * (std::fabs(x[a]) + std::fabs(x[b]));
      }
    rows.push_back(make_row(sign > 0 ? "rope_forward" : "rope_backward",
                            "[" + std::to_string(N) + "," + std::to_string(H) + "," + std::to_string(D) + "] temperature",
                            from_bf16(dX.download()), to_double(cpu), scale, bf16_output_tolerance(2, max_abs(scale)), ms));
  }
}

// `offset` leading elements before each array: at 1 every pointer is off its 16-byte boundary, so the launchers
// take the element-by-element path instead of 16-byte groups (host/launch_plan.h bf16x8_groups).
std::vector<uint16_t> with_lead(const std::vector<float>& v, int offset) {
  std::vector<uint16_t> out(size_t(offset), 0);
  const auto bits = to_bf16(v);
  out.insert(out.end(), bits.begin(), bits.end());
  return out;
}
std::vector<float> past_lead(const DeviceBuf<uint16_t>& b, int offset) {
  auto v = from_bf16(b.download());
  v.erase(v.begin(), v.begin() + offset);
  return v;
}

// The MLP's gate: SwiGLU, or Gemma 3's tanh-GELU GeGLU (gelu).
void swiglu_checks(std::vector<Row>& rows, int offset, bool gelu = false) {
  const int64_t n = gpu_or_emu(int64_t(1) << 22, int64_t(1) << 16) + 3;  // ragged tail
  auto g = randn_bf16(static_cast<size_t>(n), 401, 2.f), u = randn_bf16(static_cast<size_t>(n), 402), dh = randn_bf16(static_cast<size_t>(n), 403);
  std::vector<float> h(static_cast<size_t>(n)), dg(static_cast<size_t>(n)), du(static_cast<size_t>(n));
  const auto forward = gelu ? geglu_tanh_forward : swiglu_forward;
  const auto backward = gelu ? geglu_tanh_backward : swiglu_backward;
  (gelu ? kernels::geglu_tanh_forward : kernels::swiglu_forward)(nullptr, g.data(), u.data(), h.data(), n);
  (gelu ? kernels::geglu_tanh_backward : kernels::swiglu_backward)(nullptr, dh.data(), g.data(), u.data(), dg.data(),
                                                                  du.data(), n);
  const std::vector<float> zeros(static_cast<size_t>(n), 0.f);
  DeviceBuf<uint16_t> dG(with_lead(g, offset)), dU(with_lead(u, offset)), dH(with_lead(zeros, offset)),
      dDh(with_lead(dh, offset)), dDg(with_lead(zeros, offset)), dDu(with_lead(zeros, offset));
  const double ms_f =
      time_ms([&] { forward(dG.bf() + offset, dU.bf() + offset, dH.bf() + offset, n, nullptr); });
  const double ms_b = time_ms([&] {
    backward(dDh.bf() + offset, dG.bf() + offset, dU.bf() + offset, dDg.bf() + offset, dDu.bf() + offset, n, nullptr);
  });
  const std::string shape = "[" + std::to_string(n) + "]" + (offset ? " at +" + std::to_string(offset) : "");
  const std::string name = gelu ? "geglu_tanh" : "swiglu";
  const auto href = to_double(h), duref = to_double(du);
  rows.push_back(make_row(name + "_forward h", shape, past_lead(dH, offset), href, {},
                          bf16_output_tolerance(1, max_abs(href)), ms_f));
  // The derivative's terms, whose sum cancels where it crosses 0 (g near -1.28 for silu, -0.75 for gelu):
  // silu' = s (1 + g (1 - s)): s and s |g| (1 - s); gelu' = (1 + t)/2 + g/2 (1 - t²) √(2/π) (1 + 3·0.044715 g²).
  std::vector<double> scale(static_cast<size_t>(n));
  for (size_t i = 0; i < scale.size(); ++i) {
    const double x = g[i];
    double terms;
    if (gelu) {
      const double t = std::tanh(0.7978845608028654 * (x + 0.044715 * x * x * x));
      terms = 0.5 * (1 + t) + 0.5 * std::fabs(x) * (1 - t * t) * 0.7978845608028654 * (1 + 3 * 0.044715 * x * x);
    } else {
      const double s = 1 / (1 + std::exp(-x));
      terms = s * (1 + std::fabs(x) * (1 - s));
    }
    scale[i] = std::fabs(double(dh[i]) * u[i]) * terms;
  }
  rows.push_back(make_row(name + "_backward dg", shape, past_lead(dDg, offset), to_double(dg), scale,
                          bf16_output_tolerance(1, max_abs(scale)), ms_b));
  rows.push_back(make_row(name + "_backward du", shape, past_lead(dDu, offset), duref, {},
                          bf16_output_tolerance(1, max_abs(duref)), ms_b));
}

}  // namespace

void run_norm_rope_swiglu_checks(std::vector<Row>& rows) {
  rmsnorm_checks(rows, gpu_or_emu(512, 64), 2048);
  rmsnorm_checks(rows, 7, 333);  // short ragged rows: fewer elements than threads
  rmsnorm_in_place_checks(rows, gpu_or_emu(2048 * 16, 64 * 4), 128);  // Qwen3 heads: 16 per token, head_dim 128
  rope_checks(rows, gpu_or_emu(512, 64), gpu_or_emu(32, 8), 64);
  rope_checks(rows, 37, 3, 40);  // fewer pairs than a warp, heads not a multiple of the block's head lanes
  rope_checks(rows, 9, 2, 288);  // more pairs than the block's 128 lanes
  rope_checks(rows, gpu_or_emu(512, 64), gpu_or_emu(24, 6), 128, 96, 1.19f);  // Phi-4-mini: 96 of 128 rotated, longrope
  rope_checks(rows, gpu_or_emu(512, 64), gpu_or_emu(32, 8), 128, 64, 1.f, true);  // GLM-4: 64 of 128, interleaved
  rope_long_rows_checks(rows, gpu_or_emu(64, 16), gpu_or_emu(24, 6), 96);  // Phi-3.5-mini's batched decoding
  rope_temperature_checks(rows, gpu_or_emu(512, 64), gpu_or_emu(32, 8), 128);  // Ministral 3's queries
  swiglu_checks(rows, 0);  // 16-byte groups, and the 3 left over one at a time
  swiglu_checks(rows, 1);  // element by element
  swiglu_checks(rows, 0, true);  // Gemma 3's GeGLU
  swiglu_checks(rows, 1, true);
}

}  // namespace tf::cuda::check
