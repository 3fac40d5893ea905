#include "attention_plan.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "common/error.h"

namespace tf::cuda {

namespace {

std::string dims_text(const AttnPlanDims& d) {
  return " (B=" + std::to_string(d.B) + ", T=" + std::to_string(d.T) + ", nh=" + std::to_string(d.nh) +
         ", nkv=" + std::to_string(d.nkv) + ", hd=" + std::to_string(d.hd) + ")";
}

int64_t align128(int64_t x) { return (x + 127) / 128 * 128; }

// Appends a region of `bytes` at the next 128-byte boundary; returns its offset.
int64_t take(int64_t* cursor, int64_t bytes) {
  const int64_t off = align128(*cursor);
  *cursor = off + bytes;
  return off;
}

int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

}  // namespace

void attention_validate(const AttnPlanDims& d) {
  const std::string s = dims_text(d);
  TF_CHECK(d.B > 0 && d.T > 0, "attention: batch rows B and sequence length T must be > 0" + s);
  TF_CHECK(d.nh > 0 && d.nkv > 0 && d.nh % d.nkv == 0,
           "attention: query heads nh must be a positive multiple of the kv heads nkv" + s);
  TF_CHECK(d.hd > 0 && d.hd % 8 == 0 && d.hd <= kAttnMaxHeadDim,
           "attention: head dim hd must be a multiple of 8 in [8, 256]" + s);
  // grid.y and grid.z are limited to 65535; grid.x (tiles of T) to 2^31 - 1.
  TF_CHECK(d.nh <= 65535 && d.B <= 65535, "attention: nh and B must be <= 65535 (CUDA grid limit)" + s);
  TF_CHECK(d.T <= (int64_t(1) << 30), "attention: T must be <= 2^30" + s);
  // Backward's dK/dV reduction runs a block per token row (grid.x).
  TF_CHECK(d.B * d.T <= 0x7fffffff, "attention: B*T must be < 2^31 tokens" + s);
}

int64_t attn_hd_padded(int64_t hd) { return ceil_div(hd, 16) * 16; }

int attn_max_frags(int64_t hd) {
  const int64_t frags = attn_hd_padded(hd) / 16;
  return frags <= 4 ? 4 : frags <= 8 ? 8 : 16;
}

AttnForwardPlan attention_forward_plan(const AttnPlanDims& d) {
  attention_validate(d);
  AttnForwardPlan p;
  // Four warps. Up to hd 64 each owns 32 query rows (two 16-row blocks sharing every K/V operand it loads: half
  // the shared-memory traffic per product) and a block 128; above, 16 rows (the output accumulators' registers
  // limit the warp) and a block 64.
  p.warps = 4;
  p.threads = p.warps * 32;
  p.rows_per_warp = attn_forward_rows_per_warp(attn_max_frags(d.hd));
  p.q_tile = p.warps * p.rows_per_warp;
  p.key_tile = attn_forward_key_tile(attn_max_frags(d.hd));
  p.hd_pad = int(attn_hd_padded(d.hd));
  p.max_frags = attn_max_frags(d.hd);
  p.row_stride = p.hd_pad + kAttnRowPad;
  p.grid_x = ceil_div(d.T, p.q_tile);
  p.grid_y = d.nh;
  p.grid_z = d.B;
  int64_t cur = 0;
  const int64_t kv_bytes = int64_t(p.key_tile) * p.row_stride * 2;
  p.off_q = take(&cur, int64_t(p.q_tile) * p.row_stride * 2);
  for (int buf = 0; buf < 2; ++buf) {
    p.off_k[buf] = take(&cur, kv_bytes);
    p.off_v[buf] = take(&cur, kv_bytes);
  }
  p.off_seg = take(&cur, int64_t(p.q_tile) * 4);
  p.smem_bytes = align128(cur);
  return p;
}

AttnBackwardPlan attention_backward_plan(const AttnPlanDims& d) {
  attention_validate(d);
  AttnBackwardPlan p;
  // 64 keys and 64 queries per step up to hd 128; 32 above, so that four hd-256 tiles still fit an A100 block.
  p.warps = attn_backward_tile(attn_max_frags(d.hd)) / 16;
  p.threads = p.warps * 32;
  p.tile = p.warps * 16;
  p.hd_pad = int(attn_hd_padded(d.hd));
  p.max_frags = attn_max_frags(d.hd);
  p.row_stride = p.hd_pad + kAttnRowPad;
  p.prob_stride = p.tile + kAttnProbPad;
  p.grid_x = ceil_div(d.T, p.tile);
  p.grid_y = d.nh;
  p.grid_z = d.B;
  int64_t cur = 0;
  const int64_t tile_bytes = int64_t(p.tile) * p.row_stride * 2;
  p.off_k = take(&cur, tile_bytes);
  p.off_v = take(&cur, tile_bytes);
  p.off_q = take(&cur, tile_bytes);
  p.off_do = take(&cur, tile_bytes);
  p.off_dst = take(&cur, int64_t(p.tile) * p.prob_stride * 2);
  p.off_lse = take(&cur, int64_t(p.tile) * 4);
  p.off_d = take(&cur, int64_t(p.tile) * 4);
  p.off_seg = take(&cur, int64_t(p.tile) * 4);
  p.smem_bytes = align128(cur);
  p.scratch_d_offset = 0;
  p.scratch_dq_offset = d.B * d.nh * d.T;
  p.scratch_dk_offset = p.scratch_dq_offset + d.B * d.T * d.nh * d.hd;
  p.scratch_dv_offset = p.scratch_dk_offset + d.B * d.T * d.nh * d.hd;
  p.scratch_floats = attention_scratch_floats(d);
  p.d_threads = 256;
  // A grid-stride loop covers the rest beyond 2^20 blocks.
  p.d_blocks = std::min<int64_t>(ceil_div(d.B * d.T * d.nh, p.d_threads / 32), int64_t(1) << 20);
  return p;
}

int64_t attention_scratch_floats(const AttnPlanDims& d) {
  attention_validate(d);
  return d.B * d.nh * d.T + 3 * d.B * d.T * d.nh * d.hd;
}

bool attention_smem_check(const char* kernel, int64_t smem_bytes, int64_t limit_bytes) {
  TF_CHECK(smem_bytes <= limit_bytes,
           std::string("attention: ") + kernel + " needs " + std::to_string(smem_bytes) +
               " bytes of shared memory per block but the device allows " + std::to_string(limit_bytes) +
               " (an sm_80 or newer GPU is required)");
  return smem_bytes > kSmemDefaultLimit;
}

AttnTermScales attention_term_scales(ThreadPool* pool, const AttnPlanDims& d, const float* q, const float* k,
                                     const float* v, const float* out, const float* dout, const float* lse,
                                     const int32_t* seg_start, float softcap) {
  attention_validate(d);
  const int64_t qs = d.nh * d.hd, ks = d.nkv * d.hd, group = d.nh / d.nkv, hd = d.hd;
  const double scale = 1.0 / std::sqrt(double(hd));
  AttnTermScales s;
  s.out.assign(size_t(d.B * d.T * qs), 0.0);
  s.dq.assign(s.out.size(), 0.0);
  s.lse.assign(size_t(d.B * d.nh * d.T), 0.0);
  s.dk.assign(size_t(d.B * d.T * ks), 0.0);
  s.dv.assign(s.dk.size(), 0.0);
  // One task per (batch row, kv head): it owns dk/dv of that head and everything of its query heads.
  auto task = [&](int64_t t0, int64_t t1, int) {
    for (int64_t t = t0; t < t1; ++t) {
      const int64_t b = t / d.nkv, g = t % d.nkv;
      for (int64_t h = g * group; h < (g + 1) * group; ++h)
        for (int64_t i = 0; i < d.T; ++i) {
          const size_t qo = size_t((b * d.T + i) * qs + h * hd), lo = size_t((b * d.nh + h) * d.T + i);
          const int64_t first = seg_start ? std::max<int64_t>(0, std::min<int64_t>(seg_start[b * d.T + i], i)) : 0;
          double A = 0;
          for (int64_t c = 0; c < hd; ++c) A += std::fabs(double(dout[qo + c]) * out[qo + c]);
          double max_abs_score = 0;
          for (int64_t j = first; j <= i; ++j) {
            const size_t ko = size_t((b * d.T + j) * ks + g * hd);
            double sc = 0, sabs = 0, dp = 0;
            for (int64_t c = 0; c < hd; ++c) {
              sc += double(q[qo + c]) * k[ko + c];
              sabs += std::fabs(double(q[qo + c]) * k[ko + c]);
              dp += double(dout[qo + c]) * v[ko + c];
            }
            max_abs_score = std::max(max_abs_score, sabs * scale);
            const double capped = softcap > 0 ? softcap * std::tanh(sc * scale / softcap) : sc * scale;
            const double p = std::exp(capped - double(lse[lo]));
            const double tij = p * (std::fabs(dp) + A);
            for (int64_t c = 0; c < hd; ++c) {
              s.out[qo + c] += p * std::fabs(v[ko + c]);
              s.dv[ko + c] += p * std::fabs(dout[qo + c]);
              s.dk[ko + c] += scale * tij * std::fabs(q[qo + c]);
              s.dq[qo + c] += scale * tij * std::fabs(k[ko + c]);
            }
          }
          s.lse[lo] = 1 + max_abs_score;
        }
    }
  };
  if (pool) pool->parallel_for(d.B * d.nkv, task);
  else task(0, d.B * d.nkv, 0);
  return s;
}

namespace {
double max_of(const std::vector<double>& v) {
  double m = 0;
  for (double x : v) m = std::max(m, std::fabs(x));
  return m;
}
}  // namespace

namespace {
// bf16_output_tolerance plus `roundings` intermediate bf16 roundings, each moving a term by at most half an ulp
// (2^-8 relative): P before P·V and Pᵀ·dO (1), dS before dSᵀQ and dS·K plus D from the bf16 out (2).
Tolerance with_intermediate_roundings(int64_t len, double max_scale, int roundings) {
  Tolerance t = bf16_output_tolerance(len, max_scale);
  t.rtol += roundings * kBf16Ulp / 2;
  t.atol = t.rtol * 1e-3 * max_scale;
  return t;
}
}  // namespace

AttnTolerances attention_tolerances(const AttnPlanDims& d, const AttnTermScales& s) {
  // Terms per output: the visible keys (<= T) for out/lse/dq, the group's queries (<= T nh/nkv) for dk/dv, plus
  // the hd-long dot products inside each term.
  const int64_t keys = d.T, group_queries = d.T * (d.nh / d.nkv);
  AttnTolerances t;
  t.out = with_intermediate_roundings(keys, max_of(s.out), 1);
  t.lse = fp32_output_tolerance(keys + d.hd, max_of(s.lse));
  t.dq = with_intermediate_roundings(keys + d.hd, max_of(s.dq), 2);
  t.dk = with_intermediate_roundings(group_queries + d.hd, max_of(s.dk), 2);
  t.dv = with_intermediate_roundings(group_queries + d.hd, max_of(s.dv), 1);
  return t;
}

}  // namespace tf::cuda
