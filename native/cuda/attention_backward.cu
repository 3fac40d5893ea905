// Causal grouped-query attention, flash-style (FlashAttention-2): the backward pass (the forward and the shared
// pieces: attention.cu, attention_tiles.cuh), bf16 in/out with fp32 accumulation on tensor cores (mma.sync
// m16n8k16 on ldmatrix-loaded operands, ptx.cuh).
// Backward: (1) D = rowsum(dout ∘ out) per (query, head); (2) a block per (key tile, query head, batch row) holds
//   that head's share of dK and dV for its keys in registers and loops over the query tiles that see its keys
//   (attn_first_query_tile / attn_tiles_interact); each step recomputes Sᵀ and dPᵀ for the warp's 16 keys, forms
//   P = exp(S - lse) and dS = P ∘ (dP - D) in registers, adds Pᵀ dO to dV and dSᵀ Q to dK, then (dSᵀ through
//   shared memory) every warp computes 16 rows of the step's dQ = dS K and adds them to an fp32 scratch with
//   atomics (dQ gets contributions from every key tile; the atomic order makes its last bits run-to-run
//   nondeterministic); the block ends by writing its fp32 dK/dV shares to scratch; (3) dQ is scaled and cast to
//   bf16, and each GQA group's dK/dV shares are summed in head order (deterministic) and cast. Blocks per query
//   head rather than per kv head: nh/nkv times more blocks, which matters because causal masking gives the first
//   key tiles most of the work (host/attention_plan.h).
// Head dims: hd is zero-padded to a multiple of 16 in shared memory, so every multiple of 8 up to 256 runs on
// tensor cores; 64 and 128 are the tuned shapes (above 128 the backward's dK and dV accumulators, 256 floats per
// lane, spill registers: correct, not tuned).
#include <cstdint>

#include "attention_tiles.cuh"
#include "host/launch_plan.h"

namespace tf::cuda {

namespace {

using namespace attention_detail;

// D[b, h, t] = Σ_c dout·out over the head's hd values: one warp per (token, head), 8 bf16 per lane (hd <= 256).
__global__ void attention_row_dot_kernel(const bf16* __restrict__ out, const bf16* __restrict__ dout,
                                         float* __restrict__ D, int64_t B, int64_t T, int64_t nh, int hd) {
  const int lane = threadIdx.x & 31;
  const int64_t total = B * T * nh, warps = int64_t(gridDim.x) * (blockDim.x >> 5);
  for (int64_t w = int64_t(blockIdx.x) * (blockDim.x >> 5) + (threadIdx.x >> 5); w < total; w += warps) {
    const int64_t token = w / nh, h = w % nh, b = token / T, t = token % T;  // memory order: token = b*T + t
    float acc = 0.f;
    if (lane * 8 < hd) {
      const int64_t off = attn_offset(b, t, h, T, nh, hd) + lane * 8;
      const uint4 ov = *reinterpret_cast<const uint4*>(out + off), dv = *reinterpret_cast<const uint4*>(dout + off);
      const bf16* o8 = reinterpret_cast<const bf16*>(&ov);
      const bf16* d8 = reinterpret_cast<const bf16*>(&dv);
#pragma unroll
      for (int e = 0; e < 8; ++e) acc += to_f(o8[e]) * to_f(d8[e]);
    }
    acc = warp_sum(acc);
    if (lane == 0) D[attn_stat_index(b, h, t, nh, T)] = acc;
  }
}

// FlashAttention-2's backward for one block's keys, with the per-warp products in registers (mma.sync m16n8k16,
// ptx.cuh). Warp w owns keys 16w..16w+15 of the block's key tile and accumulates that query head's share of their
// dK and dV over every query tile that sees them. Per query tile (Q, dO, lse, D and the rows' segment starts
// staged in shared memory):
//   Sᵀ = K_w Qᵀ and dPᵀ = V_w dOᵀ: A = the warp's K (or V) rows by ldmatrix, B = Q's (dO's) rows read
//     non-transposed (B[dim][query] = Q[query][dim]); tile/8 accumulators of 16 keys x 8 queries each;
//   Pᵀ = exp(S·scale - lse) where visible, dSᵀ = Pᵀ ∘ (dPᵀ - D) (Gemma 2: of the capped S, dS times the cap's slope),
//     element by element on the accumulators (lane (g, t)
//     holds keys g and g+8, queries 2t, 2t+1 of each 8-query block); the exp as one FFMA and an exp2 on the raw
//     score (attention_math.h attn_bwd_prob), the mask only where the tile cuts through some query's visible keys;
//   dV_w += Pᵀ dO and dK_w += dSᵀ Q: Pᵀ and dSᵀ, rounded to bf16 pairs, are A operands as they lie; dO and Q are
//     read transposed (B[query][dim] = their rows) by ldmatrix.trans;
//   dSᵀ goes to shared memory (bf16), and after a barrier warp w computes dQ rows 16w..16w+15 of the query tile
//     over all the block's keys: A[query][key] = dSᵀ[key][query] by ldmatrix.trans, B = K's rows transposed; the
//     rows are added to the fp32 dQ scratch with atomics (dQ gets contributions from every key tile; their order
//     makes its last bits run-to-run nondeterministic).
// At the end the warp writes its fp32 dK (times scale) and dV shares to scratch; attention_dkv_reduce_kernel sums
// each GQA group's shares in head order.
template <int kMaxFrags>
__global__ void __launch_bounds__(128) attention_backward_kernel(
    const AttnBackwardPlan p, const bf16* __restrict__ q, const bf16* __restrict__ k, const bf16* __restrict__ v,
    const bf16* __restrict__ dout, const int32_t* __restrict__ seg, const float* __restrict__ lse,
    const float* __restrict__ Dg, float* __restrict__ dq_acc, float* __restrict__ dk_part,
    float* __restrict__ dv_part, int64_t T, int64_t nh, int64_t nkv, int hd, float scale, AttnSoftcap cap) {
  constexpr int kTile = attn_backward_tile(kMaxFrags);  // keys per block = queries per step (4 warps, or 2 above hd 128)
  constexpr int kQueryBlocks = kTile / 8;          // 16x8 accumulators of Sᵀ and dPᵀ per warp
  extern __shared__ __align__(128) unsigned char smem[];
  bf16* sk = reinterpret_cast<bf16*>(smem + p.off_k);
  bf16* sv = reinterpret_cast<bf16*>(smem + p.off_v);
  bf16* sq = reinterpret_cast<bf16*>(smem + p.off_q);
  bf16* sdo = reinterpret_cast<bf16*>(smem + p.off_do);
  bf16* sdst = reinterpret_cast<bf16*>(smem + p.off_dst);  // dSᵀ [tile keys][tile queries]
  float* sneg_lse2 = reinterpret_cast<float*>(smem + p.off_lse);  // -lse·log2 e per query (attn_bwd_prob)
  float* sd = reinterpret_cast<float*>(smem + p.off_d);
  int* sseg = reinterpret_cast<int*>(smem + p.off_seg);

  const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
  const int g = lane >> 2, t = lane & 3, mrow = lane & 7, mat = lane >> 3;
  const int rs = p.row_stride, ps = p.prob_stride, nk16 = p.hd_pad / 16;

  const int64_t kt = blockIdx.x, h = blockIdx.y, b = blockIdx.z, kvh = attn_kv_head(h, nh, nkv);
  const int64_t qs = nh * hd, ks = nkv * hd;
  const int64_t k0 = kt * kTile;
  const int krows = int(min(int64_t(kTile), T - k0));
  const int64_t k_last = k0 + krows - 1;
  const int warp_k0 = int(k0) + warp * 16;  // the warp's first key (positions fit an int: segments are int32)
  const int j_lo = warp_k0 + g, j_hi = j_lo + 8;  // this lane's two keys
  const float c = attn_scale_log2(scale);       // raw scores to log2 units (attn_bwd_prob)

  // cp.async, so the loads of a tile are in flight together rather than one global round trip per chunk; the
  // first step's wait covers these too.
  load_tile_async(sk, rs, kTile, k + attn_offset(b, k0, kvh, T, nkv, hd), ks, krows, hd, p.hd_pad);
  load_tile_async(sv, rs, kTile, v + attn_offset(b, k0, kvh, T, nkv, hd), ks, krows, hd, p.hd_pad);
  ptx::cp_async_commit();

  float dk[2 * kMaxFrags][4], dv[2 * kMaxFrags][4];
#pragma unroll
  for (int f = 0; f < 2 * kMaxFrags; ++f)
#pragma unroll
    for (int e = 0; e < 4; ++e) dk[f][e] = dv[f][e] = 0.f;

  // acc[n] (16 keys x 8 queries) = rows_w · tileᵀ over the dims: A = the warp's 16 rows of K or V, B[dim][query] =
  // tile[query][dim], the tile's rows as n.
  auto rows_times_tile_t = [&](const bf16* rows_w, const bf16* tile, float (&acc)[kQueryBlocks][4]) {
#pragma unroll
    for (int n = 0; n < kQueryBlocks; ++n) acc[n][0] = acc[n][1] = acc[n][2] = acc[n][3] = 0.f;
#pragma unroll
    for (int kk = 0; kk < kMaxFrags; ++kk)
      if (kk < nk16) {
        uint32_t a[4];
        load_a(rows_w, rs, warp * 16, kk, a);
#pragma unroll
        for (int n2 = 0; n2 < kQueryBlocks / 2; ++n2) {
          uint32_t b0[2], b1[2];
          load_b_rows_as_n(tile, rs, n2, kk, b0, b1);
          ptx::mma_bf16_16816(acc[2 * n2], a, b0);
          ptx::mma_bf16_16816(acc[2 * n2 + 1], a, b1);
        }
      }
  };
  // acc[f] (16 rows x 8 dims) += a_ops (16 rows x kTile queries, as kTile/16 A operands) · tile, B[query][dim] =
  // tile[query][dim], the tile's rows as k.
  auto ops_times_tile = [&](const uint32_t (&a_ops)[kQueryBlocks / 2][4], const bf16* tile,
                            float (&acc)[2 * kMaxFrags][4]) {
#pragma unroll
    for (int kk = 0; kk < kQueryBlocks / 2; ++kk)
#pragma unroll
      for (int f = 0; f < kMaxFrags; ++f)
        if (f < nk16) {
          uint32_t b0[2], b1[2];
          load_b_rows_as_k(tile, rs, kk, f, b0, b1);
          ptx::mma_bf16_16816(acc[2 * f], a_ops[kk], b0);
          ptx::mma_bf16_16816(acc[2 * f + 1], a_ops[kk], b1);
        }
  };

  const int64_t n_qtiles = (T + kTile - 1) / kTile;
  for (int64_t qt = attn_first_query_tile(k0, kTile); qt < n_qtiles; ++qt) {
    const int64_t q0 = qt * kTile;
    const int rows = int(min(int64_t(kTile), T - q0));
    __syncthreads();  // the previous step's readers of the query-side tiles and of dSᵀ are done
    // Q and dO go out with the statistics, one round trip for the step; a step whose queries see none of the
    // block's keys (packed segments) waits for its copies and moves on.
    load_tile_async(sq, rs, kTile, q + attn_offset(b, q0, h, T, nh, hd), qs, rows, hd, p.hd_pad);
    load_tile_async(sdo, rs, kTile, dout + attn_offset(b, q0, h, T, nh, hd), qs, rows, hd, p.hd_pad);
    ptx::cp_async_commit();
    load_segments(sseg, kTile, seg, b, T, q0, rows);
    for (int r = threadIdx.x; r < kTile; r += blockDim.x) {
      sneg_lse2[r] = r < rows ? attn_bwd_neg_lse2(lse[attn_stat_index(b, h, q0 + r, nh, T)]) : 0.f;
      sd[r] = r < rows ? Dg[attn_stat_index(b, h, q0 + r, nh, T)] : 0.f;
    }
    ptx::cp_async_wait<0>();  // this thread's copies (and, on the first step, K and V) have landed
    __syncthreads();          // and everyone's, with the statistics
    const SegBounds segs = warp_seg_bounds(sseg, kTile);  // the same in every warp
    if (!attn_tiles_interact(q0 + rows - 1, segs.lo, k0, k_last)) continue;  // block-uniform
    // Whether every query of the tile sees every key of this warp (warp-uniform): the keys lie below the tile's
    // first query and at or after every query's segment start, and no query row is past T (those hold INT_MAX).
    // Tiles away from the diagonal and from segment edges skip the per-element mask.
    const bool whole = warp_k0 + 15 <= int(q0) && segs.hi <= warp_k0;

    // Sᵀ and dPᵀ, then per element Pᵀ = exp(Sᵀ·scale - lse) and dSᵀ = Pᵀ ∘ (dPᵀ - D) (with Gemma 2's soft cap: P of
    // the capped score, dS times the cap's slope 1 − tanh², so no second array holds the slopes); both zeroed where
    // query i does not see key j. Query columns 2t, 2t+1 of each 8-query block: their statistics are read as pairs.
    float pt[kQueryBlocks][4], dst[kQueryBlocks][4];
    rows_times_tile_t(sk, sq, pt);
    rows_times_tile_t(sv, sdo, dst);
#pragma unroll
    for (int n = 0; n < kQueryBlocks; ++n) {
      const float2 nl = *reinterpret_cast<const float2*>(sneg_lse2 + n * 8 + 2 * t);
      const float2 dd = *reinterpret_cast<const float2*>(sd + n * 8 + 2 * t);
#pragma unroll
      for (int e = 0; e < 4; ++e) {
        const float neg_lse2 = e % 2 ? nl.y : nl.x, D = e % 2 ? dd.y : dd.x;
        float slope = 1.f;
        if (cap.on()) {  // block-uniform
          float th;
          pt[n][e] = cap.apply(pt[n][e], th);
          slope = 1.f - th * th;
        }
        pt[n][e] = attn_bwd_prob(pt[n][e], c, neg_lse2);
        dst[n][e] = attn_dscore(pt[n][e], dst[n][e], D) * slope;
      }
    }
    if (!whole) {
#pragma unroll
      for (int n = 0; n < kQueryBlocks; ++n)
#pragma unroll
        for (int e = 0; e < 2; ++e) {
          const int col = n * 8 + 2 * t + e, i = int(q0) + col;
          if (!attn_visible(i, j_lo, sseg[col])) pt[n][e] = dst[n][e] = 0.f;
          if (!attn_visible(i, j_hi, sseg[col])) pt[n][2 + e] = dst[n][2 + e] = 0.f;
        }
    }

    // Both as bf16 A operands (16 keys x 16 queries each), and dSᵀ into shared memory for dQ.
    uint32_t pa[kQueryBlocks / 2][4], da[kQueryBlocks / 2][4];
#pragma unroll
    for (int kk = 0; kk < kQueryBlocks / 2; ++kk) {
      ptx::accumulators_to_a(pt[2 * kk], pt[2 * kk + 1], pa[kk]);
      ptx::accumulators_to_a(dst[2 * kk], dst[2 * kk + 1], da[kk]);
      // A operand registers 0-3 are (key g, queries 16kk+2t..), (key g+8, ..), (key g, queries +8), (key g+8, +8).
      bf16* lo = sdst + (warp * 16 + g) * ps + kk * 16 + 2 * t;
      bf16* hi = lo + 8 * ps;
      *reinterpret_cast<uint32_t*>(lo) = da[kk][0];
      *reinterpret_cast<uint32_t*>(hi) = da[kk][1];
      *reinterpret_cast<uint32_t*>(lo + 8) = da[kk][2];
      *reinterpret_cast<uint32_t*>(hi + 8) = da[kk][3];
    }

    // dV_w += Pᵀ dO, dK_w += dSᵀ Q (scaled at the end).
    ops_times_tile(pa, sdo, dv);
    ops_times_tile(da, sq, dk);
    __syncthreads();  // every warp's dSᵀ rows are in place

    // dQ rows 16w..16w+15 of the tile += dS K over the block's keys. A[query][key] = dSᵀ[key][query], read
    // transposed: matrices (keys +0, queries +0), (keys +0, queries +8), (keys +8, queries +0), (keys +8,
    // queries +8). B[key][dim] = K's rows, read transposed.
    uint32_t dsa[kQueryBlocks / 2][4];
#pragma unroll
    for (int kk = 0; kk < kQueryBlocks / 2; ++kk)
      ptx::ldmatrix_x4_trans(dsa[kk], sdst + (kk * 16 + (mat >> 1) * 8 + mrow) * ps + warp * 16 + (mat & 1) * 8);
    const int qrow_lo = warp * 16 + g, qrow_hi = qrow_lo + 8;
#pragma unroll
    for (int f = 0; f < kMaxFrags; ++f)
      if (f < nk16) {
        float acc[2][4] = {{0.f, 0.f, 0.f, 0.f}, {0.f, 0.f, 0.f, 0.f}};
#pragma unroll
        for (int kk = 0; kk < kQueryBlocks / 2; ++kk) {
          uint32_t b0[2], b1[2];
          load_b_rows_as_k(sk, rs, kk, f, b0, b1);
          ptx::mma_bf16_16816(acc[0], dsa[kk], b0);
          ptx::mma_bf16_16816(acc[1], dsa[kk], b1);
        }
#pragma unroll
        for (int half = 0; half < 2; ++half) {
          const int col = f * 16 + half * 8 + 2 * t;
          if (col >= hd) continue;
          if (qrow_lo < rows) {
            float* dst_row = dq_acc + attn_offset(b, q0 + qrow_lo, h, T, nh, hd) + col;
            atomicAdd(dst_row, acc[half][0]);
            atomicAdd(dst_row + 1, acc[half][1]);
          }
          if (qrow_hi < rows) {
            float* dst_row = dq_acc + attn_offset(b, q0 + qrow_hi, h, T, nh, hd) + col;
            atomicAdd(dst_row, acc[half][2]);
            atomicAdd(dst_row + 1, acc[half][3]);
          }
        }
      }
  }

  // This head's shares dK = scale · Σ dSᵀ Q and dV = Σ Pᵀ dO for the warp's 16 keys (fp32; summed per group by
  // attention_dkv_reduce_kernel).
  const int krow_lo = warp * 16 + g, krow_hi = krow_lo + 8;
#pragma unroll
  for (int f = 0; f < 2 * kMaxFrags; ++f) {
    const int col = f * 8 + 2 * t;
    if (col >= hd) continue;
    // Scalar stores: the scratch regions start at B·nh·T floats, which may be odd (no 8-byte alignment).
#pragma unroll
    for (int half = 0; half < 2; ++half) {
      if ((half ? krow_hi : krow_lo) >= krows) continue;
      const int64_t off = attn_offset(b, k0 + (half ? krow_hi : krow_lo), h, T, nh, hd) + col;
      dk_part[off] = scale * dk[f][2 * half];
      dk_part[off + 1] = scale * dk[f][2 * half + 1];
      dv_part[off] = dv[f][2 * half];
      dv_part[off + 1] = dv[f][2 * half + 1];
    }
  }
}

// dq = bf16(scale · accumulated dS K).
__global__ void attention_dq_cast_kernel(const float* __restrict__ acc, bf16* __restrict__ dq, int64_t n,
                                         float scale) {
  for (int64_t idx = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; idx < n; idx += int64_t(gridDim.x) * blockDim.x)
    dq[idx] = to_bf(scale * acc[idx]);
}

// dk, dv [B*T, nkv*hd] = bf16 of the sum of the group's per-query-head shares [B*T, nh*hd], in head order. A block
// per token row, its threads over the row's nkv*hd elements.
__global__ void attention_dkv_reduce_kernel(const float* __restrict__ dk_part, const float* __restrict__ dv_part,
                                            bf16* __restrict__ dk, bf16* __restrict__ dv, int nh, int nkv, int hd) {
  const int64_t token = blockIdx.x;
  const int group = nh / nkv, row = nkv * hd;
  for (int e = threadIdx.x; e < row; e += blockDim.x) {
    const int64_t base = attn_dkv_share_base(token, e, nh, nkv, hd);
    float sk = 0.f, sv = 0.f;
    for (int hh = 0; hh < group; ++hh) {
      sk += dk_part[base + hh * hd];
      sv += dv_part[base + hh * hd];
    }
    dk[token * row + e] = to_bf(sk);
    dv[token * row + e] = to_bf(sv);
  }
}

template <int kMaxFrags>
void launch_backward(const AttnBackwardPlan& p, const AttnDims& d, const bf16* q, const bf16* k, const bf16* v,
                     const bf16* dout, const int32_t* seg, const float* lse, float* scratch, cudaStream_t stream) {
  auto kernel = attention_backward_kernel<kMaxFrags>;
  prepare_smem(kernel, "backward", p.smem_bytes);
  const dim3 grid(unsigned(p.grid_x), unsigned(p.grid_y), unsigned(p.grid_z));
  kernel<<<grid, p.threads, size_t(p.smem_bytes), stream>>>(p, q, k, v, dout, seg, lse, scratch + p.scratch_d_offset,
                                                             scratch + p.scratch_dq_offset, scratch + p.scratch_dk_offset,
                                                             scratch + p.scratch_dv_offset, d.T, d.nh, d.nkv,
                                                             int(d.hd), attn_scale(d.hd),
                                                             AttnSoftcap::of(d.softcap, attn_scale(d.hd)));
  CUDA_CHECK_LAUNCH();
}

}  // namespace

int64_t attention_backward_scratch_floats(const AttnDims& d) { return attention_scratch_floats(plan_dims(d)); }

void attention_backward(const AttnDims& d, const bf16* q, const bf16* k, const bf16* v, const bf16* out,
                        const bf16* dout, const int32_t* seg_start, const float* lse, float* scratch, bf16* dq,
                        bf16* dk, bf16* dv, cudaStream_t stream) {
  const AttnBackwardPlan p = attention_backward_plan(plan_dims(d));
  check_tensor(q, "q");
  check_tensor(k, "k");
  check_tensor(v, "v");
  check_tensor(out, "out");
  check_tensor(dout, "dout");
  check_tensor(dq, "dq");
  check_tensor(dk, "dk");
  check_tensor(dv, "dv");
  TF_CHECK(lse != nullptr, "attention_backward: lse is null (pass the forward's)");
  TF_CHECK(scratch != nullptr, "attention_backward: scratch is null (attention_backward_scratch_floats(d) floats)");

  const int64_t dq_elems = d.B * d.T * d.nh * d.hd;
  float* dq_acc = scratch + p.scratch_dq_offset;
  CUDA_CHECK(cudaMemsetAsync(dq_acc, 0, size_t(dq_elems) * sizeof(float), stream));
  attention_row_dot_kernel<<<unsigned(p.d_blocks), p.d_threads, 0, stream>>>(out, dout, scratch + p.scratch_d_offset,
                                                                             d.B, d.T, d.nh, int(d.hd));
  CUDA_CHECK_LAUNCH();
  switch (p.max_frags) {
    case 4: launch_backward<4>(p, d, q, k, v, dout, seg_start, lse, scratch, stream); break;
    case 8: launch_backward<8>(p, d, q, k, v, dout, seg_start, lse, scratch, stream); break;
    default: launch_backward<16>(p, d, q, k, v, dout, seg_start, lse, scratch, stream); break;
  }
  const Grid1D cast = elementwise_grid(dq_elems);
  attention_dq_cast_kernel<<<unsigned(cast.blocks), cast.threads, 0, stream>>>(dq_acc, dq, dq_elems,
                                                                                attn_scale(d.hd));
  CUDA_CHECK_LAUNCH();
  // A block per token row (B*T < 2^31: attention_backward_plan checks the dimensions).
  const int reduce_threads = int(std::min<int64_t>(256, (d.nkv * d.hd + 31) / 32 * 32));
  attention_dkv_reduce_kernel<<<unsigned(d.B * d.T), reduce_threads, 0, stream>>>(
      scratch + p.scratch_dk_offset, scratch + p.scratch_dv_offset, dk, dv, int(d.nh), int(d.nkv), int(d.hd));
  CUDA_CHECK_LAUNCH();
}

}  // namespace tf::cuda
