// LFM2's gated short convolution (short_conv.cu) against the CPU's kernels/short_conv: forward and backward over
// packed rows (segments of several lengths, one of a single position, a row without segments), decoding a sequence
// in pieces against the whole forward, and the batched decoding step's outputs and states against the CPU's decode.
// Tolerances: each value is a K-term fp32 sum rounded once to bf16 (bf16_output_tolerance over its terms' sizes);
// dC is dy times the conv the device kept in bf16, so two roundings.
#include <cmath>

#include "check_util.h"
#include "kernels/short_conv.h"

namespace tf::cuda::check {

namespace {

// K, the kernel length, each check runs at: LFM2's conv_L_cache (3) and a longer one (7) so the decoding kernels'
// state window (kConvMaxKernel - 1 floats per thread) and its shift run past the published size.
std::vector<float> weights(int64_t H, int K, uint64_t seed) {
  return randn_bf16(static_cast<size_t>(H * K), seed, 0.5f);
}

std::string k_label(int K) { return " K=" + std::to_string(K); }

// Σ_j |w B x| over each output's window, as the forward sums it (seg_start as the kernels take it).
std::vector<double> conv_scale(const std::vector<float>& bcx, const std::vector<float>& w, const std::vector<int32_t>& seg,
                               int64_t N, int64_t T, int64_t H, int K) {
  std::vector<double> s(static_cast<size_t>(N * H), 0.0);
  for (int64_t i = 0; i < N; ++i) {
    const int64_t t = i % T, first = std::max<int64_t>(seg[size_t(i)], t - (K - 1));
    for (int64_t src = first; src <= t; ++src)
      for (int64_t c = 0; c < H; ++c) {
        const float* r = bcx.data() + (i - t + src) * 3 * H;
        s[size_t(i * H + c)] += std::fabs(double(w[size_t(c * K + src - t + K - 1)]) * r[c] * r[2 * H + c]);
      }
  }
  return s;
}

void forward_backward_checks(std::vector<Row>& rows, int K) {
  const int64_t B = 3, T = 37, H = gpu_or_emu(2048, 72) + 5, N = B * T;  // H ragged
  const auto bcx = randn_bf16(static_cast<size_t>(N * 3 * H), 1101), dy = randn_bf16(static_cast<size_t>(N * H), 1102);
  const auto w = weights(H, K, 1103);
  // Row 0 one segment; row 1 segments at 0, 5, 6 (one position long) and 20; row 2 one segment.
  std::vector<int32_t> seg(static_cast<size_t>(N), 0);
  for (int64_t t = 0; t < T; ++t) seg[size_t(T + t)] = t < 5 ? 0 : t < 6 ? 5 : t < 20 ? 6 : 20;
  std::vector<float> conv(static_cast<size_t>(N * H)), y(conv.size()), dbcx(bcx.size());
  const kernels::ConvShape s{int(B), int(T), H, K};
  kernels::short_conv_forward(nullptr, s, bcx.data(), w.data(), seg.data(), conv.data(), y.data());
  kernels::short_conv_backward(nullptr, s, dy.data(), bcx.data(), conv.data(), w.data(), seg.data(), dbcx.data());

  DeviceBuf<uint16_t> dBcx(to_bf16(bcx)), dDy(to_bf16(dy)), dConv(conv.size()), dY(y.size()), dDbcx(bcx.size());
  DeviceBuf<float> dW(w);
  DeviceBuf<int32_t> dSeg(seg);
  const ConvDims d{B, T, H, K};
  const double ms_f = time_ms([&] { short_conv_forward(d, dBcx.bf(), dW.p, dSeg.p, dConv.bf(), dY.bf(), nullptr); });
  const double ms_b = time_ms([&] {
    short_conv_backward(d, dDy.bf(), dBcx.bf(), dConv.bf(), dW.p, dSeg.p, dDbcx.bf(), nullptr);
  });
  const std::string shape = "[" + std::to_string(N) + "," + std::to_string(H) + "]" + k_label(K) + " packed";
  const auto cs = conv_scale(bcx, w, seg, N, T, H, K);
  std::vector<double> ys(cs.size());
  for (int64_t i = 0; i < N; ++i)
    for (int64_t c = 0; c < H; ++c) ys[size_t(i * H + c)] = cs[size_t(i * H + c)] * std::fabs(bcx[size_t(i * 3 * H + H + c)]);
  rows.push_back(make_row("short_conv_forward conv", shape, from_bf16(dConv.download()), to_double(conv), cs,
                          bf16_output_tolerance(K, max_abs(cs)), ms_f));
  rows.push_back(make_row("short_conv_forward y", shape, from_bf16(dY.download()), to_double(y), ys,
                          bf16_output_tolerance(K, max_abs(ys)), ms_f));
  // dB and dx: |x| or |B| times Σ|w dy C| over the outputs each position reaches; dC: |dy conv|, twice rounded.
  std::vector<double> ds(bcx.size(), 0.0);
  for (int64_t i = 0; i < N; ++i) {
    const int64_t t = i % T;
    for (int64_t c = 0; c < H; ++c) {
      double reach = 0;
      for (int64_t out = t; out < std::min(T, t + K); ++out) {
        const int64_t io = i - t + out;
        if (seg[size_t(io)] > t) break;
        reach += std::fabs(double(w[size_t(c * K + t - out + K - 1)]) * dy[size_t(io * H + c)] * bcx[size_t(io * 3 * H + H + c)]);
      }
      const float* r = bcx.data() + i * 3 * H;
      ds[size_t(i * 3 * H + c)] = reach * std::fabs(r[2 * H + c]);
      ds[size_t(i * 3 * H + H + c)] = 2 * std::fabs(double(dy[size_t(i * H + c)]) * conv[size_t(i * H + c)]);
      ds[size_t(i * 3 * H + 2 * H + c)] = reach * std::fabs(r[c]);
    }
  }
  const std::string dbcx_shape = "[" + std::to_string(N) + "," + std::to_string(3 * H) + "]" + k_label(K) + " packed";
  rows.push_back(make_row("short_conv_backward dbcx", dbcx_shape,
                          from_bf16(dDbcx.download()), to_double(dbcx), ds, bf16_output_tolerance(K, max_abs(ds)), ms_b));
}

// One sequence decoded in pieces of 5, 1, 1 and 2 positions from an empty state: each piece's outputs against the
// whole sequence's forward, and the state after it against the CPU decoder's.
void decode_checks(std::vector<Row>& rows, int K) {
  const int64_t H = gpu_or_emu(2048, 72) + 5, n = 9;
  const auto bcx = randn_bf16(static_cast<size_t>(n * 3 * H), 1111);
  const auto w = weights(H, K, 1112);
  std::vector<float> conv(static_cast<size_t>(n * H)), y(conv.size()), state(static_cast<size_t>((K - 1) * H), 0.f);
  const std::vector<int32_t> seg(static_cast<size_t>(n), 0);
  kernels::short_conv_forward(nullptr, {1, int(n), H, K}, bcx.data(), w.data(), nullptr, conv.data(), y.data());
  std::vector<float> scratch(conv.size());
  kernels::short_conv_decode(bcx.data(), w.data(), int(n), H, K, state.data(), scratch.data());  // the final state
  DeviceBuf<uint16_t> dBcx(to_bf16(bcx)), dY(y.size());
  DeviceBuf<float> dW(w), dState(std::vector<float>(state.size(), 0.f));
  double ms = 0;
  int64_t at = 0;
  for (int64_t piece : {5, 1, 1, 2}) {
    ms += time_ms([&] { short_conv_decode(dBcx.bf() + at * 3 * H, dW.p, piece, H, K, dState.p, dY.bf() + at * H, nullptr); });
    at += piece;
  }
  const auto cs = conv_scale(bcx, w, seg, n, n, H, K);
  std::vector<double> ys(cs.size());
  for (int64_t i = 0; i < n; ++i)
    for (int64_t c = 0; c < H; ++c) ys[size_t(i * H + c)] = cs[size_t(i * H + c)] * std::fabs(bcx[size_t(i * 3 * H + H + c)]);
  const std::string shape = "[" + std::to_string(n) + "," + std::to_string(H) + "]" + k_label(K) + " in 5+1+1+2";
  rows.push_back(make_row("short_conv_decode y", shape, from_bf16(dY.download()), to_double(y), ys,
                          bf16_output_tolerance(K, max_abs(ys)), ms));
  rows.push_back(make_row("short_conv_decode state", shape, dState.download(), to_double(state), {},
                          fp32_output_tolerance(1, max_abs(to_double(state))), 0));
}

// Five sequences one position each, every state its own (random: positions decoded earlier), conv layer 3 of each
// sequence's states as a model's cache holds it among its other conv layers'.
void decode_step_checks(std::vector<Row>& rows, int K) {
  const int64_t H = gpu_or_emu(2048, 72) + 5, n = 5, layer = 3, offset = layer * (K - 1) * H;
  const auto bcx = randn_bf16(static_cast<size_t>(n * 3 * H), 1121);
  const auto w = weights(H, K, 1122);
  const auto states0 = randn_bf16(static_cast<size_t>(n * (K - 1) * H), 1123);
  std::vector<float> y(static_cast<size_t>(n * H)), states = states0;
  for (int64_t i = 0; i < n; ++i)
    kernels::short_conv_decode(bcx.data() + i * 3 * H, w.data(), 1, H, K, states.data() + i * (K - 1) * H, y.data() + i * H);
  // Each sequence's buffer: offset elements of other layers' states, then this layer's.
  const int64_t per_seq = offset + (K - 1) * H;
  std::vector<float> buffers(static_cast<size_t>(n * per_seq), 0.f);
  for (int64_t i = 0; i < n; ++i)
    std::copy_n(states0.begin() + i * (K - 1) * H, (K - 1) * H, buffers.begin() + i * per_seq + offset);
  DeviceBuf<uint16_t> dBcx(to_bf16(bcx)), dY(y.size());
  DeviceBuf<float> dW(w), dBuffers(buffers);
  std::vector<DecodeSeq> seqs(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) seqs[size_t(i)].conv = dBuffers.p + i * per_seq, seqs[size_t(i)].conv_stride = (K - 1) * H;
  DeviceBuf<DecodeSeq> dSeqs(seqs);
  const double ms = time_ms([&] { short_conv_decode_step(dBcx.bf(), dW.p, n, H, K, dSeqs.p, layer, dY.bf(), nullptr); });
  std::vector<double> ys(y.size());
  for (int64_t i = 0; i < n; ++i)
    for (int64_t c = 0; c < H; ++c) {
      const float* r = bcx.data() + i * 3 * H;
      double s = std::fabs(double(w[size_t(c * K + K - 1)]) * r[c] * r[2 * H + c]);
      for (int j = 0; j + 1 < K; ++j) s += std::fabs(double(w[size_t(c * K + j)]) * states0[size_t(i * (K - 1) * H + j * H + c)]);
      ys[size_t(i * H + c)] = s * std::fabs(r[H + c]);
    }
  const std::string shape = std::to_string(n) + " seqs x [1," + std::to_string(H) + "]" + k_label(K);
  rows.push_back(make_row("short_conv_decode_step y", shape, from_bf16(dY.download()), to_double(y), ys,
                          bf16_output_tolerance(K, max_abs(ys)), ms));
  const auto got = dBuffers.download();
  std::vector<float> got_states;
  bool others_untouched = true;
  for (int64_t i = 0; i < n; ++i) {
    got_states.insert(got_states.end(), got.begin() + i * per_seq + offset, got.begin() + (i + 1) * per_seq);
    for (int64_t e = 0; e < offset; ++e) others_untouched &= got[size_t(i * per_seq + e)] == 0.f;
  }
  Row r = make_row("short_conv_decode_step states", shape, got_states, to_double(states), {},
                   fp32_output_tolerance(1, max_abs(to_double(states))), 0);
  if (!others_untouched) r.pass = false, r.note = "wrote outside its layer's state";
  rows.push_back(r);
}

}  // namespace

void run_short_conv_checks(std::vector<Row>& rows) {
  for (int K : {3, 7}) {
    forward_backward_checks(rows, K);
    decode_checks(rows, K);
    decode_step_checks(rows, K);
  }
}

}  // namespace tf::cuda::check
