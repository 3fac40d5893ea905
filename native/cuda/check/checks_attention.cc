// Flash-style causal GQA attention (attention.cu) against the CPU's kernels::attention_forward / _backward, run
// in fp32 on the same bf16-rounded inputs. Backward gets the CPU forward's out (rounded to bf16) and lse, so each
// row checks one kernel. Tolerances: one bf16 ulp of the magnitude of the terms each output combines
// (host/attention_plan.h attention_term_scales explains them; tests/test_cuda_attention_host.cc checks that a
// CPU simulation with the kernels' bf16 roundings stays within them).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>

#include "../api.h"
#include "check_util.h"
#include "common/threadpool.h"
#include "host/attention_plan.h"
#include "kernels/attention.h"

namespace tf::cuda::check {

namespace {

struct Case {
  AttnDims d;
  bool packed;
  const char* what;
};

std::string shape_text(const AttnDims& d, bool packed) {
  char buf[96];
  std::snprintf(buf, sizeof buf, "B%lld T%lld h%lld/%lld d%lld%s%s", (long long)d.B, (long long)d.T, (long long)d.nh,
                (long long)d.nkv, (long long)d.hd, packed ? " packed" : "", d.softcap > 0 ? " capped" : "");
  return buf;
}

// Segments of random lengths (3..200 tokens) per batch row: each query's first visible key.
std::vector<int32_t> packed_segments(const AttnDims& d, uint64_t seed) {
  Rng r(seed);
  std::vector<int32_t> seg(static_cast<size_t>(d.B * d.T));
  for (int64_t b = 0; b < d.B; ++b) {
    int64_t start = 0, next = 3 + int64_t(r.next_u64() % 198);
    for (int64_t t = 0; t < d.T; ++t) {
      if (t == next) {
        start = t;
        next = t + 3 + int64_t(r.next_u64() % 198);
      }
      seg[static_cast<size_t>(b * d.T + t)] = int32_t(start);
    }
  }
  return seg;
}

// (query, key) pairs one head attends over: causal, within each query's packed segment when seg is given.
int64_t visible_pairs(const AttnDims& d, const int32_t* seg) {
  int64_t n = 0;
  for (int64_t b = 0; b < d.B; ++b)
    for (int64_t i = 0; i < d.T; ++i) n += i + 1 - (seg ? std::min<int64_t>(std::max(seg[b * d.T + i], 0), i) : 0);
  return n;
}

// "steady X ms, Y TFLOP/s" for a table row's note.
std::string speed_note(double ms, double flops) {
  char buf[96];
  std::snprintf(buf, sizeof buf, "steady %.3f ms, %.1f TFLOP/s", ms, flops / (ms * 1e-3) / 1e12);
  return buf;
}

void attention_case(std::vector<Row>& rows, ThreadPool& pool, const Case& cs, uint64_t seed) {
  const AttnDims& d = cs.d;
  const size_t nq = static_cast<size_t>(d.B * d.T * d.nh * d.hd), nk = static_cast<size_t>(d.B * d.T * d.nkv * d.hd);
  const auto q = randn_bf16(nq, seed, 1.5f), k = randn_bf16(nk, seed + 1), v = randn_bf16(nk, seed + 2),
             dout = randn_bf16(nq, seed + 3);
  const std::vector<int32_t> seg = cs.packed ? packed_segments(d, seed + 4) : std::vector<int32_t>();
  const int32_t* segp = cs.packed ? seg.data() : nullptr;

  kernels::AttnShape s;
  s.B = d.B;
  s.Tq = s.Tk = d.T;
  s.nh = d.nh;
  s.nkv = d.nkv;
  s.hd = d.hd;
  s.softcap = d.softcap;
  std::vector<float> out(nq), lse(static_cast<size_t>(d.B * d.nh * d.T));
  kernels::attention_forward(&pool, s, q.data(), k.data(), v.data(), segp, lse.data(), out.data());
  // Backward runs on the forward's out as the GPU trainer would store it (bf16); the CPU needs no out.
  const std::vector<float> out_bf = from_bf16(to_bf16(out));
  std::vector<float> dq(nq), dk(nk), dv(nk);
  kernels::attention_backward(&pool, s, q.data(), k.data(), v.data(), segp, lse.data(), dout.data(), dq.data(),
                              dk.data(), dv.data());
  AttnPlanDims pd;
  pd.B = d.B, pd.T = d.T, pd.nh = d.nh, pd.nkv = d.nkv, pd.hd = d.hd;
  const AttnTermScales sc =
      attention_term_scales(&pool, pd, q.data(), k.data(), v.data(), out_bf.data(), dout.data(), lse.data(), segp,
                            d.softcap);
  const AttnTolerances tol = attention_tolerances(pd, sc);

  DeviceBuf<uint16_t> dQ(to_bf16(q)), dK(to_bf16(k)), dV(to_bf16(v)), dOut(nq), dOutRef(to_bf16(out_bf)),
      dDout(to_bf16(dout)), dDq(nq), dDk(nk), dDv(nk);
  DeviceBuf<float> dLse(lse.size()), dLseRef(lse), dScratch(static_cast<size_t>(attention_backward_scratch_floats(d)));
  DeviceBuf<int32_t> dSeg(seg);
  const int32_t* dsegp = cs.packed ? dSeg.p : nullptr;

  const double ms_f = time_ms([&] { attention_forward(d, dQ.bf(), dK.bf(), dV.bf(), dsegp, dLse.p, dOut.bf(), nullptr); });
  const double ms_b = time_ms([&] {
    attention_backward(d, dQ.bf(), dK.bf(), dV.bf(), dOutRef.bf(), dDout.bf(), dsegp, dLseRef.p, dScratch.p,
                       dDq.bf(), dDk.bf(), dDv.bf(), nullptr);
  });

  // Steady-state speed (the times above are first calls, with the launch set-up): the mean of a few repeated
  // calls, as tensor-core FLOP/s of the visible (query, key) pairs — 4·hd per pair forward (S = QKᵀ and PV), 10·hd
  // backward (Sᵀ again, dPᵀ, dV, dK, dQ).
  const int reps = kEmulated ? 1 : 20;
  const double pairs = double(visible_pairs(d, segp)) * double(d.nh);
  const double rep_f = time_ms([&] {
    for (int r = 0; r < reps; ++r) attention_forward(d, dQ.bf(), dK.bf(), dV.bf(), dsegp, dLse.p, dOut.bf(), nullptr);
  }) / reps;
  const double rep_b = time_ms([&] {
    for (int r = 0; r < reps; ++r)
      attention_backward(d, dQ.bf(), dK.bf(), dV.bf(), dOutRef.bf(), dDout.bf(), dsegp, dLseRef.p, dScratch.p,
                         dDq.bf(), dDk.bf(), dDv.bf(), nullptr);
  }) / reps;

  const std::string shape = shape_text(d, cs.packed);
  const std::string tag = std::string(" (") + cs.what + ")";
  rows.push_back(make_row("attention_forward out" + tag, shape, from_bf16(dOut.download()), to_double(out), sc.out,
                          tol.out, ms_f));
  if (rows.back().note.empty()) rows.back().note = speed_note(rep_f, 4.0 * d.hd * pairs);
  rows.push_back(make_row("attention_forward lse" + tag, shape, dLse.download(), to_double(lse), sc.lse, tol.lse,
                          ms_f));
  rows.push_back(make_row("attention_backward dq" + tag, shape, from_bf16(dDq.download()), to_double(dq), sc.dq,
                          tol.dq, ms_b));
  if (rows.back().note.empty()) rows.back().note = speed_note(rep_b, 10.0 * d.hd * pairs);
  rows.push_back(make_row("attention_backward dk" + tag, shape, from_bf16(dDk.download()), to_double(dk), sc.dk,
                          tol.dk, ms_b));
  rows.push_back(make_row("attention_backward dv" + tag, shape, from_bf16(dDv.download()), to_double(dv), sc.dv,
                          tol.dv, ms_b));
}

AttnDims dims(int64_t B, int64_t T, int64_t nh, int64_t nkv, int64_t hd, float softcap = 0.f) {
  AttnDims d;
  d.softcap = softcap;
  d.B = B;
  d.T = T;
  d.nh = nh;
  d.nkv = nkv;
  d.hd = hd;
  return d;
}

// Attention in double for query rows that each see their own keys: row i (q [rows, nh*hd]) over keys
// j < visible(i), from the `window` last of them when window > 0 (a sliding layer), whose K and V rows (head g) are
// key(i, j, g) and value(i, j, g); scores capped at softcap·tanh(s / softcap) when softcap > 0 (Gemma 2). ref gets the
// outputs, scale per output Σ p |v| (the terms the output sums), whose bf16 ulp is the tolerance.
template <class Visible, class Rows>
void attention_reference(int64_t rows, int64_t nh, int64_t nkv, int64_t hd, const std::vector<float>& q, Visible visible,
                         Rows key, Rows value, std::vector<double>& ref, std::vector<double>& scale, int64_t window = 0,
                         double softcap = 0) {
  ref.assign(q.size(), 0.0), scale.assign(q.size(), 0.0);
  const double sc = 1.0 / std::sqrt(double(hd));
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t h = 0; h < nh; ++h) {
      const int64_t g = h / (nh / nkv), seen = visible(i), first = window > 0 ? std::max<int64_t>(0, seen - window) : 0;
      std::vector<double> p(static_cast<size_t>(seen), -INFINITY);
      double mx = -1e300, sum = 0;
      for (int64_t j = first; j < seen; ++j) {
        const float* kr = key(i, j, g);
        double dot = 0;
        for (int64_t d = 0; d < hd; ++d) dot += double(q[size_t((i * nh + h) * hd + d)]) * kr[d];
        p[size_t(j)] = softcap > 0 ? softcap * std::tanh(dot * sc / softcap) : dot * sc;
        mx = std::max(mx, p[size_t(j)]);
      }
      for (double& x : p) sum += (x = std::exp(x - mx));
      for (int64_t d = 0; d < hd; ++d) {
        double o = 0, a = 0;
        for (int64_t j = first; j < seen; ++j) {
          const double vv = value(i, j, g)[d];
          o += p[size_t(j)] / sum * vv;
          a += p[size_t(j)] / sum * std::fabs(vv);
        }
        ref[size_t((i * nh + h) * hd + d)] = o;
        scale[size_t((i * nh + h) * hd + d)] = a;
      }
    }
}

// attention_decode.cu against attention in double over the same bf16 inputs: n rows at positions len0 .., each
// over the cache's keys [0, len0 + i] (its last `window` when window > 0: Gemma 2 and 3's sliding layers; scores
// soft-capped when softcap > 0: Gemma 2).
void decode_case(std::vector<Row>& rows, int64_t n, int64_t len0, int64_t nh, int64_t nkv, int64_t hd, uint64_t seed,
                 int64_t window = 0, float softcap = 0.f) {
  const int64_t keys = len0 + n;
  const auto q = randn_bf16(size_t(n * nh * hd), seed), k = randn_bf16(size_t(keys * nkv * hd), seed + 1),
             v = randn_bf16(size_t(keys * nkv * hd), seed + 2);
  std::vector<double> ref, scale;
  auto row_of = [&](const std::vector<float>& m) {
    return [&m, nkv, hd](int64_t, int64_t j, int64_t g) { return m.data() + (j * nkv + g) * hd; };
  };
  attention_reference(n, nh, nkv, hd, q, [&](int64_t i) { return len0 + i + 1; }, row_of(k), row_of(v), ref, scale,
                      window, softcap);
  DeviceBuf<uint16_t> dq(to_bf16(q)), dk(to_bf16(k)), dv(to_bf16(v)), dout(q.size());
  const double ms = time_ms([&] {
    attention_decode({n, len0, nh, nkv, hd, window, softcap}, dq.bf(), dk.bf(), dv.bf(), dout.bf(), nullptr);
  });
  char shape[96];
  std::snprintf(shape, sizeof shape, "n%lld at %lld h%lld/%lld d%lld%s%s", (long long)n, (long long)len0,
                (long long)nh, (long long)nkv, (long long)hd, window > 0 ? (" w" + std::to_string(window)).c_str() : "",
                softcap > 0 ? " capped" : "");
  rows.push_back(make_row("attention_decode out", shape, from_bf16(dout.download()), ref, scale,
                          bf16_output_tolerance(keys, max_abs(scale)), ms));
}

// attention_decode_step: sequences with caches of different lengths (layers of 2, checked on layer 1), one new
// token each. Its output against the double reference over each sequence's cached keys plus its new one, and each
// cache's position len0 of that layer must then hold the new key and value rows exactly.
void decode_step_case(std::vector<Row>& rows, const std::vector<int64_t>& lens, int64_t nh, int64_t nkv, int64_t hd,
                      uint64_t seed, int64_t window = 0, float softcap = 0.f) {
  const int64_t n = int64_t(lens.size()), kvd = nkv * hd, layer = 1, layers = 2;
  const auto q = randn_bf16(size_t(n * nh * hd), seed), k_new = randn_bf16(size_t(n * kvd), seed + 1),
             v_new = randn_bf16(size_t(n * kvd), seed + 2);
  std::vector<std::vector<float>> k_cache, v_cache;  // per sequence: [layers][max_len][kvd], max_len = len0 + 3
  std::vector<std::unique_ptr<DeviceBuf<uint16_t>>> dk, dv;
  std::vector<DecodeSeq> seqs;
  int64_t longest = 0;
  for (int64_t i = 0; i < n; ++i) {
    const int64_t max_len = lens[size_t(i)] + 3, stride = max_len * kvd;
    k_cache.push_back(randn_bf16(size_t(layers * stride), seed + 10 + 2 * uint64_t(i)));
    v_cache.push_back(randn_bf16(size_t(layers * stride), seed + 11 + 2 * uint64_t(i)));
    dk.push_back(std::make_unique<DeviceBuf<uint16_t>>(to_bf16(k_cache.back())));
    dv.push_back(std::make_unique<DeviceBuf<uint16_t>>(to_bf16(v_cache.back())));
    seqs.push_back({dk.back()->bf(), dv.back()->bf(), stride, lens[size_t(i)]});
    longest = std::max(longest, lens[size_t(i)] + 1);
  }
  auto rows_of = [&](const std::vector<std::vector<float>>& cache, const std::vector<float>& fresh) {
    return [&cache, &fresh, &lens, kvd, hd, layer](int64_t i, int64_t j, int64_t g) {
      if (j == lens[size_t(i)]) return fresh.data() + i * kvd + g * hd;
      const int64_t stride = (lens[size_t(i)] + 3) * kvd;
      return cache[size_t(i)].data() + layer * stride + j * kvd + g * hd;
    };
  };
  std::vector<double> ref, scale;
  attention_reference(n, nh, nkv, hd, q, [&](int64_t i) { return lens[size_t(i)] + 1; }, rows_of(k_cache, k_new),
                      rows_of(v_cache, v_new), ref, scale, window, softcap);
  DeviceBuf<uint16_t> dq(to_bf16(q)), dkn(to_bf16(k_new)), dvn(to_bf16(v_new)), dout(q.size());
  DeviceBuf<DecodeSeq> dseqs(seqs);
  const double ms = time_ms([&] {
    attention_decode_step({n, nh, nkv, hd, layer, window, softcap}, dq.bf(), dkn.bf(), dvn.bf(), dseqs.p, dout.bf(), nullptr);
  });
  char shape[96];
  std::snprintf(shape, sizeof shape, "%lld seqs to %lld h%lld/%lld d%lld%s%s", (long long)n, (long long)longest,
                (long long)nh, (long long)nkv, (long long)hd, window > 0 ? (" w" + std::to_string(window)).c_str() : "",
                softcap > 0 ? " capped" : "");
  rows.push_back(make_row("attention_decode_step out", shape, from_bf16(dout.download()), ref, scale,
                          bf16_output_tolerance(longest, max_abs(scale)), ms));
  // The append: position len0 of layer 1 now holds the new rows; the same position of layer 0 is untouched.
  std::vector<float> got, want;
  for (int64_t i = 0; i < n; ++i) {
    const int64_t stride = (lens[size_t(i)] + 3) * kvd, at = lens[size_t(i)] * kvd;
    const auto kc = from_bf16(dk[size_t(i)]->download()), vc = from_bf16(dv[size_t(i)]->download());
    for (int64_t e = 0; e < kvd; ++e) {
      got.push_back(kc[size_t(layer * stride + at + e)]), want.push_back(k_new[size_t(i * kvd + e)]);
      got.push_back(vc[size_t(layer * stride + at + e)]), want.push_back(v_new[size_t(i * kvd + e)]);
      got.push_back(kc[size_t(at + e)]), want.push_back(k_cache[size_t(i)][size_t(at + e)]);
    }
  }
  rows.push_back(make_row("attention_decode_step cache append", shape, got, to_double(want),
                          std::vector<double>(want.size(), 1.0), Tolerance{}, 0));
}

}  // namespace

void run_attention_checks(std::vector<Row>& rows) {
  decode_case(rows, 1, 0, 4, 2, 64, 951);                          // the first generated token after nothing
  decode_case(rows, 1, gpu_or_emu(4095, 300), 32, 8, 128, 961);   // one token against a long cache (8B-like)
  decode_case(rows, gpu_or_emu(200, 40), 17, 6, 3, 40, 971);      // prefill after a few tokens, hd 40
  decode_case(rows, 3, 250, 8, 1, 256, 981);                      // hd 256, one kv head
  decode_case(rows, 3, 100, 4, 1, 16, 983);                       // hd 16: two lanes per key, 16 keys per warp step
  decode_case(rows, 2, 70, 4, 2, 36, 985);                        // hd 36 (not whole 16-byte groups): lane per dim
  decode_step_case(rows, {0, 5, gpu_or_emu(1500, 120), 33}, 4, 2, 64, 991);         // first token to a long cache
  decode_step_case(rows, {gpu_or_emu(4095, 200), 7, 64}, 32, 8, 128, 995);          // 8B-like heads
  decode_step_case(rows, {9, 30}, 4, 2, 20, 997);                                     // hd 20: lane per dim
  // Gemma 3's sliding layers (head_dim 256, one kv head): windows shorter and longer than the cache.
  decode_case(rows, 5, gpu_or_emu(1000, 90), 4, 1, 256, 987, 64);
  decode_case(rows, 2, 40, 4, 1, 36, 989, 13);                    // lane per dim, a window that starts mid-group
  decode_step_case(rows, {3, gpu_or_emu(1500, 120), 70}, 4, 1, 256, 999, 64);
  // Gemma 2's soft-capped scores (a cap of 2 that bends most of them; the models' 50 barely would), full and sliding.
  decode_case(rows, 3, gpu_or_emu(600, 80), 8, 4, 256, 1001, 0, 2.f);
  decode_case(rows, 2, 50, 4, 2, 36, 1003, 17, 2.f);
  decode_step_case(rows, {4, gpu_or_emu(900, 100), 33}, 8, 4, 256, 1005, 40, 2.f);
  ThreadPool pool;
  const Case cases[] = {
      {dims(2, 37, 4, 2, 16), false, "tiny model"},
      {dims(1, gpu_or_emu(2048, 320), gpu_or_emu(32, 4), gpu_or_emu(8, 1), 64), false, "Llama-1B-like"},
      {dims(1, gpu_or_emu(1024, 200), gpu_or_emu(32, 4), gpu_or_emu(8, 1), 128), false, "8B-like"},
      {dims(2, gpu_or_emu(700, 260), gpu_or_emu(8, 4), 2, 64), true, "packed segments"},
      {dims(1, gpu_or_emu(300, 150), 6, 3, 40), true, "packed, hd 40 padded"},
      // Above hd 128 the forward takes 32-key tiles and reloads Q per tile (attention_plan.h).
      {dims(1, gpu_or_emu(512, 100), gpu_or_emu(8, 2), gpu_or_emu(2, 1), 256), false, "hd 256"},
      {dims(1, gpu_or_emu(400, 90), 4, 2, 96), true, "packed, hd 96 (8-fragment kernel, 6 used)"},
      {dims(2, gpu_or_emu(300, 70), 4, 2, 136), true, "packed, hd 136 padded"},
      // Gemma 2's soft cap through forward and backward (2 bends most scores: q is 1.5 randn).
      {dims(1, gpu_or_emu(512, 100), gpu_or_emu(8, 4), gpu_or_emu(4, 2), 256, 2.f), false, "Gemma-2-like, capped"},
      {dims(2, gpu_or_emu(300, 80), 4, 2, 64, 2.f), true, "packed, capped"},
  };
  uint64_t seed = 901;
  for (const Case& c : cases) {
    attention_case(rows, pool, c, seed);
    seed += 10;
  }
}

}  // namespace tf::cuda::check
