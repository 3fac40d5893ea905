// The matmul dispatcher (cuBLASLt or WMMA, whichever matmul_backend_description names) on the Llama-3.2-1B
// training shapes against the CPU's double-precision product (sampled rows: the full reference would take
// minutes) and against the WMMA kernels on every element; the LoRA branch forward/backward against
// kernels::lora_forward / lora_backward (fp32 CPU) on the same bf16 inputs, with and without dropout; the dropout
// mask bit-exact; the casts and the residual add bit-exact.
#include <cstring>

#include "../api.h"
#include "check_util.h"
#include "host/lora_plan.h"
#include "kernels/lora.h"

namespace tf::cuda::check {

namespace {

std::vector<float> abs_of(const std::vector<float>& v) {
  std::vector<float> a(v.size());
  for (size_t i = 0; i < v.size(); ++i) a[i] = std::fabs(v[i]);
  return a;
}

std::string dims3(int64_t a, int64_t b, int64_t c) {
  return std::to_string(a) + "x" + std::to_string(b) + "x" + std::to_string(c);
}

// ---- matmul ----

struct MatmulCase {
  bool ta, tb;
  int64_t M, N, K;
  float alpha, beta;
  bool f32_out;
  int64_t offset;  // elements: A, B, C start this far into their buffers (misaligned views)
  const char* what;
};

template <typename T>
std::vector<T> slice(const std::vector<T>& v, size_t from) {
  return std::vector<T>(v.begin() + from, v.end());
}

void run_matmul_case(const MatmulCase& c, uint64_t seed, std::vector<Row>& rows) {
  const int64_t lda = c.ta ? c.M : c.K, ldb = c.tb ? c.K : c.N, ldc = c.N, off = c.offset;
  const size_t na = size_t(c.M * c.K), nb = size_t(c.K * c.N), nc = size_t(c.M * c.N);
  const auto A = randn_bf16(na + off, seed), B = randn_bf16(nb + off, seed + 1), C0 = randn_bf16(nc + off, seed + 2);
  const float* a = A.data() + off;
  const float* b = B.data() + off;
  auto opA = [&](int64_t i, int64_t k) { return double(c.ta ? a[k * lda + i] : a[i * lda + k]); };
  auto opB = [&](int64_t k, int64_t j) { return double(c.tb ? b[j * ldb + k] : b[k * ldb + j]); };

  DeviceBuf<uint16_t> dA(to_bf16(A)), dB(to_bf16(B)), dAabs(to_bf16(abs_of(A))), dBabs(to_bf16(abs_of(B)));
  // Σ|a||b| + |beta C0| per element, on the GPU (the WMMA kernel in fp32: its own error is ~K·2^-24 relative).
  DeviceBuf<float> dScale(abs_of(C0));
  gemm_bf16_f32out(c.ta, c.tb, c.M, c.N, c.K, std::fabs(c.alpha), dAabs.bf() + off, lda, dBabs.bf() + off, ldb,
                   std::fabs(c.beta), dScale.p + off, ldc, nullptr);
  const std::vector<double> scale = to_double(slice(dScale.download(), off));

  std::vector<float> got, wmma;
  double ms = 0, ms_warm = 0, ms_wmma = 0;
  if (c.f32_out) {
    DeviceBuf<float> dC(C0), dW(C0);
    ms = time_ms([&] {
      matmul_bf16_f32out(c.ta, c.tb, c.M, c.N, c.K, c.alpha, dA.bf() + off, lda, dB.bf() + off, ldb, c.beta,
                         dC.p + off, ldc, nullptr);
    });
    ms_wmma = time_ms([&] {
      gemm_bf16_f32out(c.ta, c.tb, c.M, c.N, c.K, c.alpha, dA.bf() + off, lda, dB.bf() + off, ldb, c.beta,
                       dW.p + off, ldc, nullptr);
    });
    got = slice(dC.download(), off);
    wmma = slice(dW.download(), off);
    ms_warm = time_ms([&] {  // second call: the cached plan, what training sees (C is overwritten, not checked)
      matmul_bf16_f32out(c.ta, c.tb, c.M, c.N, c.K, c.alpha, dA.bf() + off, lda, dB.bf() + off, ldb, c.beta,
                         dC.p + off, ldc, nullptr);
    });
  } else {
    DeviceBuf<uint16_t> dC(to_bf16(C0)), dW(to_bf16(C0));
    ms = time_ms([&] {
      matmul_bf16(c.ta, c.tb, c.M, c.N, c.K, c.alpha, dA.bf() + off, lda, dB.bf() + off, ldb, c.beta, dC.bf() + off,
                  ldc, nullptr);
    });
    ms_wmma = time_ms([&] {
      gemm_bf16(c.ta, c.tb, c.M, c.N, c.K, c.alpha, dA.bf() + off, lda, dB.bf() + off, ldb, c.beta, dW.bf() + off,
                ldc, nullptr);
    });
    got = slice(from_bf16(dC.download()), off);
    wmma = slice(from_bf16(dW.download()), off);
    ms_warm = time_ms([&] {
      matmul_bf16(c.ta, c.tb, c.M, c.N, c.K, c.alpha, dA.bf() + off, lda, dB.bf() + off, ldb, c.beta, dC.bf() + off,
                  ldc, nullptr);
    });
  }
  const std::string name = std::string("matmul ") + (c.ta ? "T" : "N") + (c.tb ? "T" : "N") +
                           (c.f32_out ? " f32 " : " ") + c.what;
  const std::string shape = dims3(c.M, c.N, c.K);
  const Tolerance tol = gemm_tolerance(c.K, max_abs(scale), !c.f32_out);

  // Against the CPU in double on up to 64 evenly spaced rows.
  const int64_t sample = std::min<int64_t>(c.M, 64);
  std::vector<float> got_s, ref_rows_f;
  std::vector<double> ref_s, scale_s;
  std::vector<double> acc(size_t(c.N));
  for (int64_t s = 0; s < sample; ++s) {
    const int64_t i = s * c.M / sample;
    std::fill(acc.begin(), acc.end(), 0.0);
    if (c.tb) {
      for (int64_t j = 0; j < c.N; ++j) {
        double t = 0;
        for (int64_t k = 0; k < c.K; ++k) t += opA(i, k) * opB(k, j);
        acc[size_t(j)] = t;
      }
    } else {
      for (int64_t k = 0; k < c.K; ++k) {
        const double aik = opA(i, k);
        const float* brow = b + k * ldb;
        for (int64_t j = 0; j < c.N; ++j) acc[size_t(j)] += aik * brow[j];
      }
    }
    for (int64_t j = 0; j < c.N; ++j) {
      const size_t e = size_t(i * ldc + j);
      ref_s.push_back(c.alpha * acc[size_t(j)] + (c.beta != 0.f ? double(c.beta) * C0[off + e] : 0.0));
      got_s.push_back(got[e]);
      scale_s.push_back(scale[e]);
    }
  }
  Row r = make_row(name + " vs cpu", shape + " (" + std::to_string(sample) + " rows)", got_s, ref_s, scale_s, tol, ms);
  if (r.pass && ms_warm > 0 && !kEmulated) {  // an emulated rate says nothing about the kernel
    char buf[96];
    std::snprintf(buf, sizeof buf, "%.1f TFLOP/s warm (wmma %.1f)", 2.0 * c.M * c.N * c.K / (ms_warm * 1e-3) / 1e12,
                  2.0 * c.M * c.N * c.K / (ms_wmma * 1e-3) / 1e12);
    r.note = buf;
  }
  rows.push_back(r);

  // Against the WMMA kernel everywhere: each is within `tol` of the exact product, so they are within 2 tol.
  Tolerance both = tol;
  both.rtol *= 2;
  both.atol *= 2;
  rows.push_back(make_row(name + " vs wmma", shape, got, to_double(wmma), scale, both, ms_wmma));
}

void run_matmul_checks(std::vector<Row>& rows) {
  // Llama 3.2 1B, a micro-batch of 8192 tokens: hidden 2048, MLP 8192, LoRA rank 16 (emulated: 384 tokens, hidden
  // 256, MLP 640).
  const int64_t tok = gpu_or_emu(8192, 384), hid = gpu_or_emu(2048, 256), mlp = gpu_or_emu(8192, 640);
  const MatmulCase cases[] = {
      {false, true, tok, hid, hid, 1.f, 0.f, false, 0, "q/o proj y=xW^T"},
      {false, true, tok, mlp, hid, 1.f, 0.f, false, 0, "gate/up y=xW^T"},
      {false, false, tok, hid, mlp, 1.f, 0.f, false, 0, "down dx=dyW"},
      {false, false, tok, hid, hid, 1.f, 1.f, false, 0, "dx+=dyW"},
      {true, false, hid, hid, tok, 1.f, 1.f, true, 0, "dW+=dy^Tx"},
      {false, true, tok, 16, hid, 1.f, 0.f, false, 0, "lora u=xA^T"},
      {false, true, tok, hid, 16, 2.f, 1.f, false, 0, "lora y+=s uB^T"},
      {true, false, 16, hid, tok, 1.f, 1.f, true, 0, "lora dA+=du^Tx"},
      {true, true, 256, 384, 320, 1.f, 0.f, false, 0, "A^T B^T"},
      {false, true, 77, 130, 45, 0.5f, 0.5f, false, 1, "ragged misaligned"},
      {true, false, 333, 97, 200, 1.f, 0.f, true, 3, "ragged misaligned"},
  };
  uint64_t seed = 3000;
  for (const MatmulCase& c : cases) run_matmul_case(c, seed += 10, rows);
}

// ---- LoRA ----

struct LoraCase {
  int64_t N, in, out, r;
  float scale, p;
};

void run_lora_case(const LoraCase& c, uint64_t seed, std::vector<Row>& rows) {
  const LoraDeviceDims d{c.N, c.in, c.out, c.r};
  const kernels::LoraDims cd{c.N, c.in, c.out, c.r};
  const kernels::LoraDropout drop{c.p, 0x5EED0000ull + seed};
  const size_t nx = size_t(c.N * c.in), ny = size_t(c.N * c.out), nu = size_t(c.N * c.r);
  const auto x = randn_bf16(nx, seed), A = randn_bf16(size_t(c.r * c.in), seed + 1, 0.02f),
             B = randn_bf16(size_t(c.out * c.r), seed + 2, 0.02f), y0 = randn_bf16(ny, seed + 3),
             dy = randn_bf16(ny, seed + 4), dx0 = randn_bf16(nx, seed + 5);
  const auto dA0 = randn_bf16(size_t(c.r * c.in), seed + 6, 0.1f), dB0 = randn_bf16(size_t(c.out * c.r), seed + 7, 0.1f);

  // CPU reference (fp32) and the same computation on absolute values: the scale of every output.
  std::vector<float> u(nu), y = y0, dA = dA0, dB = dB0, dx = dx0;
  kernels::lora_forward(nullptr, cd, x.data(), A.data(), B.data(), c.scale, drop, u.data(), y.data());
  kernels::lora_backward(nullptr, cd, x.data(), A.data(), B.data(), c.scale, drop, u.data(), dy.data(), dA.data(),
                         dB.data(), dx.data());
  const auto xa = abs_of(x), Aa = abs_of(A), Ba = abs_of(B), dya = abs_of(dy);
  std::vector<float> ua(nu), ya = abs_of(y0), dAa = abs_of(dA0), dBa = abs_of(dB0), dxa = abs_of(dx0);
  kernels::lora_forward(nullptr, cd, xa.data(), Aa.data(), Ba.data(), c.scale, drop, ua.data(), ya.data());
  kernels::lora_backward(nullptr, cd, xa.data(), Aa.data(), Ba.data(), c.scale, drop, ua.data(), dya.data(),
                         dAa.data(), dBa.data(), dxa.data());

  DeviceBuf<uint16_t> gx(to_bf16(x)), gA(to_bf16(A)), gB(to_bf16(B)), gy(to_bf16(y0)), gdy(to_bf16(dy)),
      gdx(to_bf16(dx0)), gu(nu), scratch(size_t(lora_scratch_elems(d)));
  DeviceBuf<float> gdA(dA0), gdB(dB0);
  const double ms_f = time_ms([&] {
    lora_forward(d, gx.bf(), gA.bf(), gB.bf(), c.scale, c.p, drop.key, gu.bf(), gy.bf(), scratch.bf(), nullptr);
  });
  const double ms_b = time_ms([&] {
    lora_backward(d, gx.bf(), gA.bf(), gB.bf(), c.scale, c.p, drop.key, gu.bf(), gdy.bf(), gdA.p, gdB.p, gdx.bf(),
                  scratch.bf(), nullptr);
  });

  const int dr = c.p > 0.f ? 1 : 0;  // dropout(x) is rounded to bf16 on the GPU
  char tag[48];
  std::snprintf(tag, sizeof tag, " p=%.2f", double(c.p));
  const std::string shape = "N" + std::to_string(c.N) + " " + std::to_string(c.in) + "->" + std::to_string(c.out) +
                            " r" + std::to_string(c.r);
  auto row = [&](const char* what, const std::vector<float>& got, const std::vector<float>& ref,
                 const std::vector<float>& scale, const Tolerance& tol, double ms) {
    rows.push_back(make_row(std::string("lora ") + what + tag, shape, got, to_double(ref), to_double(scale), tol, ms));
  };
  auto mx = [](const std::vector<float>& v) { return max_abs(to_double(v)); };
  row("fwd u", from_bf16(gu.download()), u, ua, lora_chain_tolerance(1 + dr, c.in, mx(ua), false), ms_f);
  row("fwd y", from_bf16(gy.download()), y, ya, lora_chain_tolerance(2 + dr, c.in + c.r, mx(ya), false), ms_f);
  // dB uses the GPU's bf16 u; dA the bf16 du = s dy B (and bf16 dropout(x)); dx du and, with dropout, bf16 du A.
  row("bwd dB", gdB.download(), dB, dBa, lora_chain_tolerance(1 + dr, c.in + c.N, mx(dBa), true), ms_b);
  row("bwd dA", gdA.download(), dA, dAa, lora_chain_tolerance(1 + dr, c.out + c.N, mx(dAa), true), ms_b);
  row("bwd dx", from_bf16(gdx.download()), dx, dxa, lora_chain_tolerance(2 + dr, c.out + c.r, mx(dxa), false), ms_b);
}

// u = dropout(x) Aᵀ with A = I (in == r): every u is one kept-and-scaled x or an exact 0, so the GPU's u must equal
// bf16(CPU u) bit for bit; any mask difference shows up as a whole element.
void run_lora_mask_check(std::vector<Row>& rows) {
  const int64_t N = gpu_or_emu(4096, 1024), n = 16;
  const float p = 0.3f;
  const LoraDeviceDims d{N, n, n, n};
  const kernels::LoraDropout drop{p, 0xD20D0D20ull};
  const auto x = randn_bf16(size_t(N * n), 77), B = randn_bf16(size_t(n * n), 78);
  std::vector<float> I(size_t(n * n), 0.f), u(size_t(N * n)), y(size_t(N * n), 0.f);
  for (int64_t i = 0; i < n; ++i) I[size_t(i * n + i)] = 1.f;
  kernels::lora_forward(nullptr, kernels::LoraDims{N, n, n, n}, x.data(), I.data(), B.data(), 1.f, drop, u.data(),
                        y.data());
  std::vector<double> ref(u.size());
  int64_t kept = 0;
  for (size_t i = 0; i < u.size(); ++i) {
    ref[i] = bf16_round(u[i]);
    kept += u[i] != 0.f || x[i] == 0.f;
  }
  DeviceBuf<uint16_t> gx(to_bf16(x)), gA(to_bf16(I)), gB(to_bf16(B)), gy(size_t(N * n)), gu(size_t(N * n)),
      scratch(size_t(lora_scratch_elems(d)));
  CUDA_CHECK(cudaMemset(gy.p, 0, gy.n * sizeof(uint16_t)));
  const double ms = time_ms([&] {
    lora_forward(d, gx.bf(), gA.bf(), gB.bf(), 1.f, p, drop.key, gu.bf(), gy.bf(), scratch.bf(), nullptr);
  });
  Row r = make_row("lora dropout mask (u, A=I)", dims3(N, n, n), from_bf16(gu.download()), ref, {}, Tolerance{}, ms);
  if (r.pass) r.note = "kept " + std::to_string(kept) + "/" + std::to_string(u.size()) + ", p=0.3";
  rows.push_back(r);
}

// ---- casts and the residual add: one correctly rounded operation each, so bit-exact ----

void run_elementwise_checks(std::vector<Row>& rows) {
  const size_t n = (size_t(1) << 20) + 3;
  Rng rng(99);
  std::vector<float> f(n);
  for (auto& v : f) v = rng.normal() * std::exp2(float(int(rng.uniform() * 40.f) - 20));
  f[0] = 0.f, f[1] = -0.f, f[2] = INFINITY, f[3] = -INFINITY, f[4] = 1.f + 1.f / 256, f[5] = 1.f + 3.f / 256;  // ties
  DeviceBuf<float> gf(f);
  DeviceBuf<uint16_t> gb(n);
  double ms = time_ms([&] { cast_f32_to_bf16(gf.p, gb.bf(), int64_t(n), nullptr); });
  const auto bits = gb.download();
  const auto want = to_bf16(f);
  int64_t diff = 0;
  for (size_t i = 0; i < n; ++i) diff += bits[i] != want[i];
  Row r;
  r.name = "cast f32->bf16";
  r.shape = std::to_string(n);
  r.max_err = double(diff);
  r.tolerance = "bits equal";
  r.pass = diff == 0;
  r.ms = ms;
  if (!r.pass) r.note = std::to_string(diff) + " elements differ";
  rows.push_back(r);

  DeviceBuf<float> back(n);
  ms = time_ms([&] { cast_bf16_to_f32(gb.bf(), back.p, int64_t(n), nullptr); });
  rows.push_back(make_row("cast bf16->f32", std::to_string(n), back.download(), to_double(from_bf16(want)), {},
                          Tolerance{}, ms));

  const auto y0 = randn_bf16(n, 101), x = randn_bf16(n, 102, 0.01f);
  std::vector<double> ref(n);
  for (size_t i = 0; i < n; ++i) ref[i] = bf16_round(y0[i] + x[i]);
  // In 16-byte groups (aligned, the 3 left over one at a time), then element by element: x one element past its
  // 16-byte boundary (host/launch_plan.h bf16x8_groups).
  for (const int x_offset : {0, 1}) {
    auto x_bits = to_bf16(x);
    x_bits.insert(x_bits.begin(), size_t(x_offset), uint16_t(0));
    DeviceBuf<uint16_t> gy(to_bf16(y0)), gx(x_bits);
    ms = time_ms([&] { add_inplace_bf16(gy.bf(), gx.bf() + x_offset, int64_t(n), nullptr); });
    rows.push_back(make_row(x_offset ? "add_inplace bf16 (x at +1)" : "add_inplace bf16", std::to_string(n),
                            from_bf16(gy.download()), ref, {}, Tolerance{}, ms));
  }
  // Granite's residual add (the sublayer's output y scaled by residual_multiplier 0.22) and the scaled gradient copy,
  // aligned and one element off.
  std::vector<double> ref_scaled(n), ref_copy(n);
  for (size_t i = 0; i < n; ++i) {
    ref_scaled[i] = bf16_round(double(std::fmaf(float(y0[i]), 0.22f, float(x[i]))));
    ref_copy[i] = bf16_round(double(float(y0[i]) * 0.22f));
  }
  for (const int offset : {0, 1}) {
    auto x_bits = to_bf16(x), y_bits = to_bf16(y0);
    x_bits.insert(x_bits.begin(), size_t(offset), uint16_t(0));
    DeviceBuf<uint16_t> gy(y_bits), gx(x_bits), gout(std::vector<uint16_t>(n + 1, 0));
    ms = time_ms([&] { add_inplace_bf16(gy.bf(), gx.bf() + offset, int64_t(n), nullptr, 0.22f); });
    rows.push_back(make_row(offset ? "add_inplace bf16 y*0.22 (x at +1)" : "add_inplace bf16 y*0.22", std::to_string(n),
                            from_bf16(gy.download()), ref_scaled, {}, Tolerance{}, ms));
    DeviceBuf<uint16_t> gy0(y_bits);
    ms = time_ms([&] { scale_bf16(gout.bf() + offset, gy0.bf(), 0.22f, int64_t(n), nullptr); });
    auto out = from_bf16(gout.download());
    out.erase(out.begin(), out.begin() + offset), out.resize(n);
    rows.push_back(make_row(offset ? "scale bf16 x0.22 (out at +1)" : "scale bf16 x0.22", std::to_string(n), out,
                            ref_copy, {}, Tolerance{}, ms));
  }
  // Gemma 2's logit cap in place (fp32 logits, as decoding reports them), against the double formula: tanhf's few
  // ulps of the cap.
  const float cap = 30.f;
  std::vector<float> z(n);
  for (auto& v : z) v = rng.normal() * 40.f;
  std::vector<double> capped(n);
  for (size_t i = 0; i < n; ++i) capped[i] = cap * std::tanh(double(z[i]) / cap);
  DeviceBuf<float> gz(z);
  ms = time_ms([&] { softcap_f32(gz.p, int64_t(n), cap, nullptr); });
  rows.push_back(make_row("softcap f32 (cap 30)", std::to_string(n), gz.download(), capped, {},
                          fp32_output_tolerance(2, cap), ms));
}

}  // namespace

void run_lora_matmul_checks(std::vector<Row>& rows) {
  run_matmul_checks(rows);
  const LoraCase cases[] = {
      {gpu_or_emu(2048, 384), gpu_or_emu(2048, 256), gpu_or_emu(2048, 256), 16, 2.f, 0.f},  // q/o proj of the 1B model, rank 16, alpha 32
      {gpu_or_emu(2048, 384), gpu_or_emu(2048, 256), gpu_or_emu(8192, 640), 16, 2.f, 0.1f},  // up proj with dropout
      {37, 100, 76, 8, 0.5f, 0.25f},      // ragged: groups of four straddle rows
  };
  uint64_t seed = 5000;
  for (const LoraCase& c : cases) run_lora_case(c, seed += 10, rows);
  run_lora_mask_check(rows);
  run_elementwise_checks(rows);
}

}  // namespace tf::cuda::check
