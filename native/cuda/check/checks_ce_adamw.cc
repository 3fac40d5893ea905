// Fused cross-entropy (kernels/cross_entropy.h) and AdamW + global grad norm/clip (train/adamw.h).
#include <memory>
#include <tuple>

#include "../api.h"
#include "check_util.h"
#include "kernels/cross_entropy.h"
#include "train/adamw.h"

namespace tf::cuda::check {

namespace {

// softcap > 0: Gemma 2's capped logits (the CPU kernels' softcap against the device's).
void ce_check(std::vector<Row>& rows, int64_t N, int64_t V, uint64_t seed, float softcap = 0.f) {
  auto logits = randn_bf16(static_cast<size_t>(N * V), seed, 3.f);
  Rng rng(seed + 1);
  std::vector<int32_t> targets(static_cast<size_t>(N));
  for (auto& t : targets) t = rng.uniform() < 0.25f ? -1 : int32_t(rng.next_u64() % uint64_t(V));  // ~25% masked
  int64_t counted = 0;
  for (int32_t t : targets) counted += t >= 0;
  const float grad_scale = counted ? 1.f / float(counted) : 0.f;

  std::vector<float> losses(static_cast<size_t>(N)), grad = logits;
  kernels::cross_entropy_forward(nullptr, logits.data(), targets.data(), losses.data(), N, V, softcap);
  const kernels::CeSum cpu = kernels::cross_entropy_forward_backward(nullptr, grad.data(), targets.data(), grad_scale,
                                                                     N, V, nullptr, softcap);

  DeviceBuf<uint16_t> dZ(to_bf16(logits));
  DeviceBuf<int32_t> dT(targets);
  DeviceBuf<float> dLoss(static_cast<size_t>(N)), dScratch(static_cast<size_t>(cross_entropy_scratch_floats(N, V)));
  DeviceBuf<CeSumDevice> dSum(1);
  const double ms = time_ms([&] {
    cross_entropy_forward_backward(dZ.bf(), dT.p, grad_scale, dLoss.p, dSum.p, dScratch.p, N, V, nullptr, nullptr,
                                   softcap);
  });
  const CeSumDevice gpu = dSum.download()[0];
  const std::string shape = "[" + std::to_string(N) + "," + std::to_string(V) + "] " +
                            std::to_string(ce_chunks(V).count) + " chunks" + (softcap > 0 ? " capped" : "");
  // Losses stay fp32 (the CPU sums in double). The kernel's Σexp is a sequential sum of <= chunk/256 terms per
  // thread (with a rescaling each time a group raises the thread's max, at most one per term), then trees (block,
  // chunk merge) of depth < 32: 64 terms bound the fp32 accumulation, not V.
  const int64_t acc_len = ce_chunks(V).chunk / 256 + 32;
  // loss = lse - z_t: its terms are |lse| and |z_t| (a confident row cancels most of lse).
  const auto lref = to_double(losses);
  std::vector<double> lscale(lref.size(), 0.0);
  for (int64_t i = 0; i < N; ++i)
    if (targets[static_cast<size_t>(i)] >= 0) {
      const double z = logits[static_cast<size_t>(i * V + targets[static_cast<size_t>(i)])],
                   zt = softcap > 0 ? softcap * std::tanh(z / softcap) : z;
      lscale[static_cast<size_t>(i)] = std::fabs(lref[static_cast<size_t>(i)] + zt) + std::fabs(zt);
    }
  rows.push_back(make_row("cross_entropy loss/row", shape, dLoss.download(), lref, lscale,
                          fp32_output_tolerance(acc_len, max_abs(lscale)), ms));
  Row sum = make_row("cross_entropy loss sum", shape, {float(gpu.sum)}, {cpu.sum}, {},
                     fp32_output_tolerance(acc_len, std::fabs(cpu.sum)), ms);
  if (gpu.count != cpu.count || gpu.invalid != 0) {
    sum.pass = false;
    sum.note = "count " + std::to_string(gpu.count) + " (cpu " + std::to_string(cpu.count) + "), invalid " +
               std::to_string(gpu.invalid);
  }
  rows.push_back(sum);
  // dlogits = grad_scale (p - onehot): |ref| as the scale, floor relative to the largest gradient.
  const auto gref = to_double(grad);
  rows.push_back(make_row("cross_entropy dlogits", shape, from_bf16(dZ.download()), gref, {},
                          bf16_output_tolerance(acc_len, max_abs(gref)), ms));

  // Per-row scales (DPO: +/- beta sigma(-z) / P per answer, some zero), against the CPU kernel's.
  std::vector<float> scales(static_cast<size_t>(N));
  for (size_t i = 0; i < scales.size(); ++i) scales[i] = i % 5 == 4 ? 0.f : rng.uniform(-1.f, 1.f);
  std::vector<float> sgrad = logits;
  kernels::cross_entropy_forward_backward(nullptr, sgrad.data(), targets.data(), grad_scale, N, V, scales.data(),
                                          softcap);
  dZ.upload(to_bf16(logits));
  DeviceBuf<float> dScales(scales);
  const double sms = time_ms([&] {
    cross_entropy_forward_backward(dZ.bf(), dT.p, grad_scale, nullptr, dSum.p, dScratch.p, N, V, nullptr, dScales.p,
                                   softcap);
  });
  const auto sref = to_double(sgrad);
  rows.push_back(make_row("cross_entropy dlogits, row scales", shape, from_bf16(dZ.download()), sref, {},
                          bf16_output_tolerance(acc_len, max_abs(sref)), sms));

  // The loss alone: the same kernels up to the loss, so the same bits as the fused call, and no logit written.
  const std::vector<uint16_t> input = to_bf16(logits);
  dZ.upload(input);
  DeviceBuf<float> dLossOnly(static_cast<size_t>(N));
  DeviceBuf<CeSumDevice> dSumOnly(1);
  const double lms = time_ms([&] {
    cross_entropy_forward(dZ.bf(), dT.p, dLossOnly.p, dSumOnly.p, dScratch.p, N, V, nullptr, softcap);
  });
  const CeSumDevice only = dSumOnly.download()[0];
  const std::vector<float> fused_losses = dLoss.download(), only_losses = dLossOnly.download();
  Row lo;
  lo.name = "cross_entropy loss only";
  lo.shape = shape;
  lo.tolerance = "exact, logits untouched";
  lo.ms = lms;
  lo.pass = only_losses == fused_losses && only.sum == gpu.sum && only.count == gpu.count &&
            dZ.download() == input;
  if (!lo.pass) lo.note = "differs from the fused call's losses or wrote the logits";
  rows.push_back(lo);
}

// Out-of-range targets cannot throw on the device: they are counted, and contribute neither loss nor gradient.
void ce_invalid_target_check(std::vector<Row>& rows) {
  const int64_t N = 4, V = 100;
  const std::vector<int32_t> targets = {1, -1, 100, -2};
  DeviceBuf<uint16_t> dZ(to_bf16(randn_bf16(static_cast<size_t>(N * V), 501)));
  DeviceBuf<int32_t> dT(targets);
  DeviceBuf<float> dScratch(static_cast<size_t>(cross_entropy_scratch_floats(N, V)));
  DeviceBuf<CeSumDevice> dSum(1);
  const double ms = time_ms([&] {
    cross_entropy_forward_backward(dZ.bf(), dT.p, 1.f, nullptr, dSum.p, dScratch.p, N, V, nullptr);
  });
  const CeSumDevice r = dSum.download()[0];
  Row row;
  row.name = "cross_entropy invalid targets";
  row.shape = "[4,100]";
  row.tolerance = "invalid==2, count==1";
  row.pass = r.invalid == 2 && r.count == 1;
  row.ms = ms;
  row.note = "invalid " + std::to_string(r.invalid) + ", count " + std::to_string(r.count);
  rows.push_back(row);
}

void adamw_check(std::vector<Row>& rows) {
  const int64_t n = (int64_t(1) << 20) + 5;
  auto w = randn_bf16(static_cast<size_t>(n), 601), g = randn_bf16(static_cast<size_t>(n), 602, 1e-2f), m = randn_bf16(static_cast<size_t>(n), 603, 1e-3f),
       v = randn_bf16(static_cast<size_t>(n), 604, 1e-5f);
  for (auto& x : v) x = std::fabs(x);
  train::AdamWHyper h;
  h.weight_decay = 0.01;
  const int64_t t = 7;
  const double lr = 2e-4;
  DeviceBuf<float> dW(w), dG(g), dM(m), dV(v);
  train::adamw_update(w.data(), g.data(), m.data(), v.data(), static_cast<size_t>(n), h, t, lr);
  const double ms = time_ms([&] {
    adamw_update(dW.p, dG.p, dM.p, dV.p, n, h.beta1, h.beta2, h.eps, h.weight_decay, t, lr, nullptr);
  });
  const std::string shape = "[" + std::to_string(n) + "] t=7";
  // Same rounded scalars and the same correctly rounded operations in the same order: expected bit-exact; the
  // bound allows 2 fp32 ulps so a compiler change shows up as a number, not a mystery.
  for (auto [name, got, ref] : {std::make_tuple("adamw w", dW.download(), w), std::make_tuple("adamw m", dM.download(), m),
                                std::make_tuple("adamw v", dV.download(), v)}) {
    const auto r = to_double(ref);
    rows.push_back(make_row(name, shape, got, r, {}, fp32_output_tolerance(0, 0, 2), ms));
  }
}

void grad_norm_clip_check(std::vector<Row>& rows) {
  const std::vector<int64_t> sizes = {1000, gpu_or_emu(int64_t(1) << 18, int64_t(1) << 14), 12345};
  std::vector<std::vector<float>> grads;
  std::vector<train::ParamView> params;
  std::vector<std::vector<float>> dummy_w;
  for (size_t i = 0; i < sizes.size(); ++i) {
    grads.push_back(randn_bf16(static_cast<size_t>(sizes[i]), 701 + i, 0.01f));
    dummy_w.emplace_back(static_cast<size_t>(sizes[i]), 0.f);
  }
  std::vector<std::unique_ptr<DeviceBuf<float>>> dev;
  for (auto& gv : grads) dev.push_back(std::make_unique<DeviceBuf<float>>(gv));
  for (size_t i = 0; i < grads.size(); ++i)
    params.push_back({dummy_w[i].data(), grads[i].data(), grads[i].size(), "p" + std::to_string(i)});
  const double norm0 = train::global_grad_norm(params);
  const double max_norm = 0.5 * norm0;  // forces clipping
  const double cpu_norm = train::clip_grad_norm(params, max_norm);

  DeviceBuf<double> sq(1);
  const double ms = time_ms([&] {
    grad_sq_sum_zero(sq.p, nullptr);
    for (auto& d : dev) grad_sq_sum_accumulate(d->p, int64_t(d->n), sq.p, nullptr);
    for (auto& d : dev) grad_clip(d->p, int64_t(d->n), sq.p, max_norm, nullptr);
  });
  const double gpu_norm = std::sqrt(sq.download()[0]);
  int64_t total = 0;
  for (auto s : sizes) total += s;
  rows.push_back(make_row("grad_norm", "3 tensors, " + std::to_string(total), {float(gpu_norm)}, {cpu_norm}, {},
                          fp32_output_tolerance(0, 0, 1), ms));
  std::vector<float> got;
  std::vector<double> ref;
  for (size_t i = 0; i < grads.size(); ++i) {
    const auto d = dev[i]->download();
    got.insert(got.end(), d.begin(), d.end());
    ref.insert(ref.end(), grads[i].begin(), grads[i].end());
  }
  rows.push_back(make_row("grad_clip", "3 tensors, " + std::to_string(total), got, ref, {},
                          fp32_output_tolerance(0, 0, 2), ms));
}

}  // namespace

void run_cross_entropy_checks(std::vector<Row>& rows) {
  ce_check(rows, gpu_or_emu(64, 8), 32003, 801);  // ragged last chunk
  ce_check(rows, 4, 128256, 802);   // Llama 3 vocabulary, a short batch
  ce_check(rows, 4, 256000, 803, 5.f);  // Gemma's vocabulary, capped at 5 so the cap bends the 3-sigma logits
  ce_invalid_target_check(rows);
}

void run_adamw_checks(std::vector<Row>& rows) {
  adamw_check(rows);
  grad_norm_clip_check(rows);
}

}  // namespace tf::cuda::check
