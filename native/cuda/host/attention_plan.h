#pragma once
// Launch shapes of the flash-style attention kernels (attention.cu, attention_backward.cu): tile sizes per head dim, grids, the shared
// memory layout of each block (byte offsets, so the kernel and the host agree on one layout), its check against
// the per-block shared-memory limits, and the fp32 scratch of backward. Plain C++ without CUDA headers, unit-tested
// on the CPU by tests/test_cuda_attention_plan.cc (and driving test_cuda_attention_host.cc's tiled simulation).
//
// Forward: one block per (query tile, query head, batch row); warps * rows_per_warp query rows,
//   key tiles double-buffered in shared memory (cp.async), scores and P·V on tensor cores (mma.sync m16n8k16
//   bf16, fp32 accumulate) with the scores, probabilities and output kept in registers. hd is padded to a
//   multiple of 16 with zeros in shared memory (zero columns change no dot product), so every multiple of 8 up to
//   256 takes the tensor-core path.
// Backward: D = rowsum(dout ∘ out) is precomputed; then one block per (key tile, query head, batch row) loops
//   over the query tiles that see its keys, accumulating that head's share of dK/dV in registers (mma.sync, as
//   the forward) and adding each tile's dQ into an fp32 scratch with atomics. The per-head dK/dV shares go to fp32
//   scratch and a last kernel sums each GQA group in a fixed order (deterministic) and casts dK, dV and dQ to
//   bf16. One block per query head rather than per kv head (looping the group inside) gives nh/nkv times more
//   blocks: with causal masking the first key tiles carry most of the work, and per-kv-head blocks would leave
//   them as a long serial tail.
#include <cstdint>
#include <vector>

#include "attention_math.h"
#include "common/threadpool.h"
#include "launch_plan.h"

namespace tf::cuda {

struct AttnPlanDims {
  int64_t B = 0, T = 0, nh = 0, nkv = 0, hd = 0;
};

constexpr int64_t kAttnMaxHeadDim = 256;
constexpr int kAttnRowPad = 8;            // bf16 row padding of Q/K/V/dO tiles (ldmatrix without bank conflicts)
constexpr int kAttnProbPad = 8;           // bf16 row padding of the backward's dSᵀ tile
constexpr int64_t kSmemDefaultLimit = 48 * 1024;    // usable without opting in
constexpr int64_t kSmemOptinLimitSm80 = 163 * 1024;  // A100: cudaDevAttrMaxSharedMemoryPerBlockOptin
constexpr int64_t kSmemOptinLimitSm90 = 227 * 1024;  // H100/H200

// Throws tf::Error naming the dimension when the shape is not one the kernels take: positive sizes, nh a multiple
// of nkv, hd a multiple of 8 up to 256, and grid dimensions within CUDA's limits.
void attention_validate(const AttnPlanDims& d);

// hd rounded up to the tensor-core K step (16).
int64_t attn_hd_padded(int64_t hd);
// Register-tile template of the kernels: output fragments of 16 columns, 4 (hd <= 64), 8 (<= 128) or 16 (<= 256).
int attn_max_frags(int64_t hd);

// Byte offsets of one block's shared-memory regions (each 128-byte aligned; ldmatrix and cp.async need 16).
struct AttnForwardPlan {
  int warps = 0, threads = 0;
  int rows_per_warp = 0;         // query rows each warp owns: 16 per block of mma rows
  int q_tile = 0, key_tile = 0;  // rows of queries per block, keys per tile
  int hd_pad = 0, max_frags = 0;
  // bf16 elements per Q/K/V row in shared memory: hd_pad + 8, an odd number of 16-byte units, so the 8 rows one
  // ldmatrix reads (and the 8 rows of 16 bytes a warp's cp.async writes) fall in 8 different groups of banks.
  int row_stride = 0;
  int64_t grid_x = 0, grid_y = 0, grid_z = 0;  // query tiles, query heads, batch rows
  // Q, then two buffers of K and of V (tile t in buffer t % 2, the next one loading while this one is used),
  // then each row's first visible key.
  int64_t off_q = 0, off_k[2] = {0, 0}, off_v[2] = {0, 0}, off_seg = 0;
  int64_t smem_bytes = 0;
};
AttnForwardPlan attention_forward_plan(const AttnPlanDims& d);

struct AttnBackwardPlan {
  int warps = 0, threads = 0;
  int tile = 0;  // keys per block and queries per step (equal: warp w owns keys 16w.. and dQ rows 16w..)
  int hd_pad = 0, max_frags = 0;
  int row_stride = 0;   // bf16 per K/V/Q/dO row, as the forward's
  int prob_stride = 0;  // bf16 per dSᵀ row: tile + 8, again an odd number of 16-byte units
  int64_t grid_x = 0, grid_y = 0, grid_z = 0;  // key tiles, query heads, batch rows
  int64_t off_k = 0, off_v = 0, off_q = 0, off_do = 0, off_dst = 0, off_lse = 0, off_d = 0, off_seg = 0;
  int64_t smem_bytes = 0;
  // fp32 scratch: D [B, nh, T] at 0, then the dQ accumulator and the per-query-head dK and dV shares, each
  // [B*T, nh*hd].
  int64_t scratch_d_offset = 0, scratch_dq_offset = 0, scratch_dk_offset = 0, scratch_dv_offset = 0,
          scratch_floats = 0;
  // The D = rowsum(dout ∘ out) kernel: one warp per (token, head).
  int d_threads = 0;
  int64_t d_blocks = 0;
};
AttnBackwardPlan attention_backward_plan(const AttnPlanDims& d);

// fp32 floats attention_backward needs: B*nh*T (D) + 3 * B*T*nh*hd (dQ accumulator, dK and dV shares).
int64_t attention_scratch_floats(const AttnPlanDims& d);

// Throws tf::Error when a block's shared memory exceeds what the device grants (limit_bytes: the device's
// opt-in maximum per block). Returns whether the launch must opt in (bytes above the 48 KiB default).
bool attention_smem_check(const char* kernel, int64_t smem_bytes, int64_t limit_bytes);

// ---- cuda_check tolerances (bf16-aware, host/launch_plan.h) ----
// Magnitudes of the terms each output combines, in double, given the (bf16-valued) inputs, the forward's out as
// backward reads it (bf16) and the reference lse. With t_ij = P_ij (|dP_ij| + Σ_c |dout_ic out_ic|), which bounds
// |dS_ij| = P_ij |dP_ij - D_i| and the error of a D computed from the bf16 out:
//   out[i] = Σ_j P_ij v_j         → Σ_j P_ij |v_j|        dv[j] = Σ_{h,i} P_ij dout_i → Σ P_ij |dout_i|
//   dk[j] = scale Σ_{h,i} dS_ij q_i → scale Σ t_ij |q_i|   dq[i] = scale Σ_j dS_ij k_j → scale Σ_j t_ij |k_j|
//   lse[i]: 1 + scale max_j Σ_c |q_ic k_jc| (the size of the scores whose fp32 sums it depends on).
// The kernels round P (and dS) to bf16 before the tensor-core products and each result once more; every rounding
// moves a term by at most half a bf16 ulp (2^-8 relative). The tolerances are one bf16 ulp (2^-7, the output's
// rounding plus the fp32 slack of bf16_output_tolerance) plus half an ulp per intermediate rounding: P for out
// and dv, dS and D (computed from the bf16 out) for dq and dk. tests/test_cuda_attention_host.cc measures the
// simulated roundings against them. softcap > 0 (AttnDims::softcap): P is of the capped scores; the cap's slope
// (<= 1) is left out of t_ij, which keeps it a bound.
struct AttnTermScales {
  std::vector<double> out, lse, dq, dk, dv;
};
AttnTermScales attention_term_scales(ThreadPool* pool, const AttnPlanDims& d, const float* q, const float* k,
                                     const float* v, const float* out, const float* dout, const float* lse,
                                     const int32_t* seg_start, float softcap = 0.f);
struct AttnTolerances {
  Tolerance out, lse, dq, dk, dv;
};
AttnTolerances attention_tolerances(const AttnPlanDims& d, const AttnTermScales& s);

}  // namespace tf::cuda
