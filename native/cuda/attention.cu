// Causal grouped-query attention, flash-style (FlashAttention-2): the forward pass (backward in
// attention_backward.cu, the pieces both use in attention_tiles.cuh), bf16 in/out with fp32 softmax statistics and
// fp32 accumulation on tensor cores. No T x T matrix is ever stored: forward keeps one log-sum-exp per query.
//
// Forward (attention_forward_kernel): a block per (query tile, query head, batch row); each warp owns one or two
//   16-row blocks of the tile (two up to hd 64, so each K/V operand it loads feeds two products). K/V tiles are
//   double-buffered in shared memory with cp.async (the next tile loads while this one is used); per tile, S = Q Kᵀ, the masking (causal + packed segments), the online softmax and
//   O = O·α + P V all stay in registers (mma.sync m16n8k16 on ldmatrix-loaded operands, ptx.cuh: the score
//   accumulators' layout is exactly the A operand's, so P never goes through shared memory). Key tiles beyond
//   the diagonal or before every row's segment are never visited (attention_math.h attn_key_tiles); query tiles
//   are scheduled last-first, since causal work grows with the tile index.
// Backward (attention_backward.cu) recomputes P a tile at a time from the log-sum-exp the forward keeps.
// Head dims: hd is zero-padded to a multiple of 16 in shared memory, so every multiple of 8 up to 256 runs on
// tensor cores; 64 and 128 are the tuned shapes.
#include <cstdint>

#include "attention_tiles.cuh"
#include "host/launch_plan.h"

namespace tf::cuda {

namespace {

using namespace attention_detail;

// FlashAttention-2's forward with everything a warp computes in registers. Warp w owns kRowBlocks blocks of 16
// query rows (rows 16·(w·kRowBlocks + rb) ..), so each K and V operand it loads from shared memory feeds
// kRowBlocks mma (two at hd <= 64: half the shared-memory traffic per product, the limit of this loop). Per key
// tile (double-buffered: the next tile's cp.async runs while this one is used), for each row block:
//   S = Q Kᵀ: key_tile/8 accumulators of 16x8 (mma m16n8k16), K's rows read by ldmatrix as the B operand;
//   Gemma 2's soft cap on each score (attention_math.h AttnSoftcap) when on;
//   masking (only in tiles that cut through some row's visible keys), then the online softmax per row on the
//   raw scores, the scale folded into each exp2 (attention_math.h OnlineSoftmax): lane (g, t) holds columns 2t,
//   2t+1 of every 8-key block for rows g and g+8, so a row's max and sum are reduced over the 4 lanes of a quad
//   (shuffles with xor 1 and 2); each lane keeps a partial l (the quad-uniform rescale applies to it alike)
//   summed over the quad at the end; the reference max moves, and O is rescaled, only when a tile's max is far
//   above it (lazy rescaling);
//   O = O·α + P V: the probabilities, rounded to bf16 pairs, are the A operand as they lie (ptx.cuh), V's rows
//   read transposed by ldmatrix.trans as the B operand.
// The output goes through the warp's own Q rows in shared memory (no longer read by then) to leave in 16-byte
// stores.
template <int kMaxFrags>
__global__ void __launch_bounds__(128) attention_forward_kernel(const AttnForwardPlan p, const bf16* __restrict__ q,
                                                                const bf16* __restrict__ k,
                                                                const bf16* __restrict__ v,
                                                                const int32_t* __restrict__ seg, float* __restrict__ lse,
                                                                bf16* __restrict__ out, int64_t T, int64_t nh,
                                                                int64_t nkv, int hd, float scale,
                                                                AttnSoftcap cap) {
  constexpr int kKeyTile = attn_forward_key_tile(kMaxFrags);
  constexpr int kRows = attn_forward_rows_per_warp(kMaxFrags) / 16;  // 16-row blocks per warp
  constexpr int kKeyBlocks = kKeyTile / 8;             // 16x8 score accumulators per row block
  constexpr bool kQInRegisters = kMaxFrags <= 8;       // hd <= 128; above, Q's fragments are reloaded per tile
  extern __shared__ __align__(128) unsigned char smem[];
  bf16* sq = reinterpret_cast<bf16*>(smem + p.off_q);
  int* sseg = reinterpret_cast<int*>(smem + p.off_seg);

  const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
  const int g = lane >> 2, t = lane & 3;  // the quad (row) and the lane's column pair in each 8-column block
  const int rs = p.row_stride, nk16 = p.hd_pad / 16;

  const int64_t qt = int64_t(gridDim.x) - 1 - blockIdx.x;  // heaviest (last) query tiles first
  const int64_t h = blockIdx.y, b = blockIdx.z, kvh = attn_kv_head(h, nh, nkv);
  const int64_t qs = nh * hd, ks = nkv * hd;
  const int64_t q0 = qt * p.q_tile;
  const int rows = int(min(int64_t(p.q_tile), T - q0));

  load_tile_async(sq, rs, p.q_tile, q + attn_offset(b, q0, h, T, nh, hd), qs, rows, hd, p.hd_pad);
  load_segments(sseg, p.q_tile, seg, b, T, q0, rows);
  __syncthreads();
  const AttnTileRange tiles = attn_key_tiles(warp_seg_bounds(sseg, p.q_tile).lo, q0 + rows - 1, kKeyTile);
  auto load_kv = [&](int64_t kt, int buf) {
    const int64_t k0 = kt * kKeyTile;
    const int krows = int(min(int64_t(kKeyTile), T - k0));
    load_tile_async(reinterpret_cast<bf16*>(smem + (buf ? p.off_k[1] : p.off_k[0])), rs, kKeyTile,
                    k + attn_offset(b, k0, kvh, T, nkv, hd), ks, krows, hd, p.hd_pad);
    load_tile_async(reinterpret_cast<bf16*>(smem + (buf ? p.off_v[1] : p.off_v[0])), rs, kKeyTile,
                    v + attn_offset(b, k0, kvh, T, nkv, hd), ks, krows, hd, p.hd_pad);
  };
  load_kv(tiles.begin, 0);
  ptx::cp_async_commit();  // group 0: Q and the first K/V tile

  // This lane's rows (g and g+8 of each of the warp's 16-row blocks) and where their visible keys start.
  const int warp_row0 = warp * 16 * kRows;  // the warp's first row in the tile
  int seg_lo[kRows], seg_hi[kRows];
  int warp_seg_max = INT_MIN;
#pragma unroll
  for (int rb = 0; rb < kRows; ++rb) {
    seg_lo[rb] = sseg[warp_row0 + rb * 16 + g];
    seg_hi[rb] = sseg[warp_row0 + rb * 16 + g + 8];
    warp_seg_max = max(warp_seg_max, max(seg_lo[rb], seg_hi[rb]));
  }
  // A key tile every row of the warp sees whole (below the diagonal of its first row, after every row's segment
  // start; rows past T have INT_MAX) needs no masking: the test is warp-uniform, so only diagonal and segment-edge
  // tiles pay for the per-element one.
#pragma unroll
  for (int x = 4; x <= 16; x <<= 1) warp_seg_max = max(warp_seg_max, __shfl_xor_sync(kFullMask, warp_seg_max, x));
  const int warp_first_row = int(q0) + warp_row0;
  const float c = attn_scale_log2(scale);  // raw scores to log2 units (OnlineSoftmax)

  float o[kRows][2 * kMaxFrags][4];
#pragma unroll
  for (int rb = 0; rb < kRows; ++rb)
#pragma unroll
    for (int f = 0; f < 2 * kMaxFrags; ++f) o[rb][f][0] = o[rb][f][1] = o[rb][f][2] = o[rb][f][3] = 0.f;
  uint32_t qf[kRows][kQInRegisters ? kMaxFrags : 1][4];
  // Q's A operand for row block rb, dims 16kk..16kk+15.
  auto load_q = [&](int rb, int kk, uint32_t (&frag)[4]) { load_a(sq, rs, warp_row0 + rb * 16, kk, frag); };
  OnlineSoftmax st_lo[kRows], st_hi[kRows];

  int buf = 0;
  for (int64_t kt = tiles.begin; kt < tiles.end; ++kt, buf ^= 1) {
    if (kt + 1 < tiles.end) {
      load_kv(kt + 1, buf ^ 1);  // into the buffer the previous iteration finished with (barrier at its end)
      ptx::cp_async_commit();
      ptx::cp_async_wait<1>();  // everything but that newest group has landed
    } else {
      ptx::cp_async_wait<0>();
    }
    __syncthreads();  // every thread's copies of this tile are visible
    const bf16* sk = reinterpret_cast<const bf16*>(smem + (buf ? p.off_k[1] : p.off_k[0]));
    const bf16* sv = reinterpret_cast<const bf16*>(smem + (buf ? p.off_v[1] : p.off_v[0]));
    if (kQInRegisters && kt == tiles.begin) {
#pragma unroll
      for (int rb = 0; rb < kRows; ++rb)
#pragma unroll
        for (int kk = 0; kk < kMaxFrags; ++kk)
          if (kk < nk16) load_q(rb, kk, qf[rb][kQInRegisters ? kk : 0]);
    }

    // S = Q Kᵀ: B[dim][key] = K[key][dim], K's rows as n.
    float s[kRows][kKeyBlocks][4];
#pragma unroll
    for (int rb = 0; rb < kRows; ++rb)
#pragma unroll
      for (int n = 0; n < kKeyBlocks; ++n) s[rb][n][0] = s[rb][n][1] = s[rb][n][2] = s[rb][n][3] = 0.f;
#pragma unroll
    for (int kk = 0; kk < kMaxFrags; ++kk)
      if (kk < nk16) {
        uint32_t a_reload[kRows][4];
        if (!kQInRegisters)
#pragma unroll
          for (int rb = 0; rb < kRows; ++rb) load_q(rb, kk, a_reload[rb]);
#pragma unroll
        for (int n2 = 0; n2 < kKeyBlocks / 2; ++n2) {
          uint32_t b0[2], b1[2];
          load_b_rows_as_n(sk, rs, n2, kk, b0, b1);
#pragma unroll
          for (int rb = 0; rb < kRows; ++rb) {
            const uint32_t(&a)[4] = kQInRegisters ? qf[rb][kQInRegisters ? kk : 0] : a_reload[rb];
            ptx::mma_bf16_16816(s[rb][2 * n2], a, b0);
            ptx::mma_bf16_16816(s[rb][2 * n2 + 1], a, b1);
          }
        }
      }

    // Gemma 2's soft cap, before the mask (block-uniform branch).
    if (cap.on()) {
#pragma unroll
      for (int rb = 0; rb < kRows; ++rb)
#pragma unroll
        for (int n = 0; n < kKeyBlocks; ++n)
#pragma unroll
          for (int e = 0; e < 4; ++e) {
            float th;
            s[rb][n][e] = cap.apply(s[rb][n][e], th);
          }
    }
    // Mask (causal, segments, keys past T, rows past T: -inf) on the raw scores, only in tiles where some row of
    // the warp may not see some key (the test is warp-uniform, so the branch does not diverge); then the online
    // softmax per row, on raw scores (OnlineSoftmax folds the scale into the exponent: an FFMA and an exp2 per
    // score). Positions fit an int: segment starts are int32.
    const int k0 = int(kt * kKeyTile);
    const bool whole = k0 + kKeyTile - 1 <= warp_first_row && k0 >= warp_seg_max;
    if (!whole) {
#pragma unroll
      for (int rb = 0; rb < kRows; ++rb) {
        const int i_lo = warp_first_row + rb * 16 + g, i_hi = i_lo + 8;
#pragma unroll
        for (int n = 0; n < kKeyBlocks; ++n)
#pragma unroll
          for (int e = 0; e < 2; ++e) {
            const int j = k0 + n * 8 + 2 * t + e;
            if (!attn_visible(i_lo, j, seg_lo[rb])) s[rb][n][e] = -INFINITY;
            if (!attn_visible(i_hi, j, seg_hi[rb])) s[rb][n][2 + e] = -INFINITY;
          }
      }
    }
#pragma unroll
    for (int rb = 0; rb < kRows; ++rb) {
      float max_lo = -INFINITY, max_hi = -INFINITY;
#pragma unroll
      for (int n = 0; n < kKeyBlocks; ++n)
#pragma unroll
        for (int e = 0; e < 2; ++e) {
          max_lo = fmaxf(max_lo, s[rb][n][e]);
          max_hi = fmaxf(max_hi, s[rb][n][2 + e]);
        }
#pragma unroll
      for (int x = 1; x <= 2; x <<= 1) {
        max_lo = fmaxf(max_lo, __shfl_xor_sync(kFullMask, max_lo, x));
        max_hi = fmaxf(max_hi, __shfl_xor_sync(kFullMask, max_hi, x));
      }
      // Lazy rescaling (attention_math.h): the block's rows move their references, and the output accumulators
      // are rescaled, only when some row's tile max is far above its reference; the vote keeps it warp-uniform.
      if (__any_sync(kFullMask, attn_reference_stale(st_lo[rb].m, max_lo, c) ||
                                    attn_reference_stale(st_hi[rb].m, max_hi, c))) {
        const float alpha_lo = st_lo[rb].advance(max_lo, c), alpha_hi = st_hi[rb].advance(max_hi, c);
#pragma unroll
        for (int f = 0; f < 2 * kMaxFrags; ++f) {
          o[rb][f][0] *= alpha_lo, o[rb][f][1] *= alpha_lo;
          o[rb][f][2] *= alpha_hi, o[rb][f][3] *= alpha_hi;
        }
      }
#pragma unroll
      for (int n = 0; n < kKeyBlocks; ++n)
#pragma unroll
        for (int e = 0; e < 2; ++e) {
          s[rb][n][e] = st_lo[rb].prob(s[rb][n][e], c);
          s[rb][n][2 + e] = st_hi[rb].prob(s[rb][n][2 + e], c);
          st_lo[rb].l += s[rb][n][e];  // this lane's share of the row sum; the quad's shares are added at the end
          st_hi[rb].l += s[rb][n][2 + e];
        }
    }

    // O += P V over the tile's keys, 16 at a time. A = P: score blocks 2kk and 2kk+1 (keys +0..7, +8..15) packed
    // to bf16. B[key][dim] = V[key][dim], V's rows as k.
#pragma unroll
    for (int kk = 0; kk < kKeyBlocks / 2; ++kk) {
      uint32_t a[kRows][4];
#pragma unroll
      for (int rb = 0; rb < kRows; ++rb) {
        ptx::accumulators_to_a(s[rb][2 * kk], s[rb][2 * kk + 1], a[rb]);
      }
#pragma unroll
      for (int f = 0; f < kMaxFrags; ++f)
        if (f < nk16) {
          uint32_t b0[2], b1[2];
          load_b_rows_as_k(sv, rs, kk, f, b0, b1);
#pragma unroll
          for (int rb = 0; rb < kRows; ++rb) {
            ptx::mma_bf16_16816(o[rb][2 * f], a[rb], b0);
            ptx::mma_bf16_16816(o[rb][2 * f + 1], a[rb], b1);
          }
        }
    }
    __syncthreads();  // every warp is done with this buffer before the next iteration loads into it
  }

  // l over the quad; out = O / l, lse = m + log l. The output goes through the warp's own Q rows.
  bf16* stage = sq + warp_row0 * rs;
#pragma unroll
  for (int rb = 0; rb < kRows; ++rb) {
#pragma unroll
    for (int x = 1; x <= 2; x <<= 1) {
      st_lo[rb].l += __shfl_xor_sync(kFullMask, st_lo[rb].l, x);
      st_hi[rb].l += __shfl_xor_sync(kFullMask, st_hi[rb].l, x);
    }
    const int row_lo = warp_row0 + rb * 16 + g, row_hi = row_lo + 8;
    if (t == 0) {
      if (row_lo < rows) lse[attn_stat_index(b, h, q0 + row_lo, nh, T)] = st_lo[rb].lse(scale);
      if (row_hi < rows) lse[attn_stat_index(b, h, q0 + row_hi, nh, T)] = st_hi[rb].lse(scale);
    }
    const float inv_lo = st_lo[rb].inv_l(), inv_hi = st_hi[rb].inv_l();
#pragma unroll
    for (int f = 0; f < 2 * kMaxFrags; ++f)
      if (f < 2 * nk16) {
        const int col = f * 8 + 2 * t;
        *reinterpret_cast<uint32_t*>(stage + (rb * 16 + g) * rs + col) =
            ptx::pack_bf16x2(o[rb][f][0] * inv_lo, o[rb][f][1] * inv_lo);
        *reinterpret_cast<uint32_t*>(stage + (rb * 16 + g + 8) * rs + col) =
            ptx::pack_bf16x2(o[rb][f][2] * inv_hi, o[rb][f][3] * inv_hi);
      }
  }
  __syncwarp();
  const int chunks = hd / 8;
  for (int idx = lane; idx < 16 * kRows * chunks; idx += 32) {
    const int r = idx / chunks, c = (idx % chunks) * 8;
    if (warp_row0 + r < rows)
      *reinterpret_cast<uint4*>(out + attn_offset(b, q0 + warp_row0 + r, h, T, nh, hd) + c) =
          *reinterpret_cast<const uint4*>(stage + r * rs + c);
  }
}

template <int kMaxFrags>
void launch_forward(const AttnForwardPlan& p, const AttnDims& d, const bf16* q, const bf16* k, const bf16* v,
                    const int32_t* seg, float* lse, bf16* out, cudaStream_t stream) {
  auto kernel = attention_forward_kernel<kMaxFrags>;
  prepare_smem(kernel, "forward", p.smem_bytes);
  const dim3 grid(unsigned(p.grid_x), unsigned(p.grid_y), unsigned(p.grid_z));
  const float scale = attn_scale(d.hd);
  kernel<<<grid, p.threads, size_t(p.smem_bytes), stream>>>(p, q, k, v, seg, lse, out, d.T, d.nh, d.nkv, int(d.hd),
                                                             scale, AttnSoftcap::of(d.softcap, scale));
  CUDA_CHECK_LAUNCH();
}

}  // namespace

void attention_forward(const AttnDims& d, const bf16* q, const bf16* k, const bf16* v, const int32_t* seg_start,
                       float* lse, bf16* out, cudaStream_t stream) {
  const AttnForwardPlan p = attention_forward_plan(plan_dims(d));
  check_tensor(q, "q");
  check_tensor(k, "k");
  check_tensor(v, "v");
  check_tensor(out, "out");
  TF_CHECK(lse != nullptr, "attention: lse is null (backward needs each query's log-sum-exp)");
  switch (p.max_frags) {
    case 4: launch_forward<4>(p, d, q, k, v, seg_start, lse, out, stream); break;
    case 8: launch_forward<8>(p, d, q, k, v, seg_start, lse, out, stream); break;
    default: launch_forward<16>(p, d, q, k, v, seg_start, lse, out, stream); break;
  }
}

}  // namespace tf::cuda
