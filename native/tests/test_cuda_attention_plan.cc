// The CUDA attention's launch plans (host/attention_plan.h), checked on the CPU: shared memory within the per-block
// limits of an A100 and an H100/H200 (two blocks per SM where the kernels count on it), ldmatrix's 16-byte alignment
// and bank rules for every tile row stride, the regions of a block's shared memory in order and apart, grids that
// cover every (batch, head, tile) with no empty tile, the backward scratch formula and layout, and the errors that
// name a bad dimension. The algorithm those plans drive is test_cuda_attention_host.cc's tiled simulation.
#include <cstdint>

#include "attention_math.h"
#include "harness.h"
#include "host/attention_plan.h"
#include "host/launch_plan.h"

using namespace tf::cuda;

namespace {

AttnPlanDims dims(int64_t B, int64_t T, int64_t nh, int64_t nkv, int64_t hd) {
  AttnPlanDims d;
  d.B = B, d.T = T, d.nh = nh, d.nkv = nkv, d.hd = hd;
  return d;
}

}  // namespace

TEST(plans_fit_shared_memory_and_ldmatrix_alignment) {
  for (int64_t hd = 8; hd <= kAttnMaxHeadDim; hd += 8) {
    const AttnPlanDims d = dims(1, 1000, 8, 2, hd);
    const AttnForwardPlan f = attention_forward_plan(d);
    const AttnBackwardPlan b = attention_backward_plan(d);
    // Every head dim fits an A100 block (and so an H100/H200 one).
    CHECK(f.smem_bytes <= kSmemOptinLimitSm80);
    CHECK(b.smem_bytes <= kSmemOptinLimitSm80);
    CHECK(!attention_smem_check("forward", f.smem_bytes, kSmemOptinLimitSm90) || f.smem_bytes > kSmemDefaultLimit);
    CHECK(f.hd_pad % 16 == 0 && f.hd_pad >= hd && f.hd_pad < hd + 16);
    CHECK(f.max_frags * 16 >= f.hd_pad && b.max_frags * 16 >= b.hd_pad);
    // Forward: ldmatrix rows and cp.async chunks of 16 bytes, and rows an odd number of 16-byte units apart, so
    // the 8 rows of one ldmatrix hit 8 different groups of banks.
    CHECK(f.row_stride % 8 == 0 && (f.row_stride / 8) % 2 == 1);
    CHECK_EQ(f.key_tile, attn_forward_key_tile(f.max_frags));
    CHECK(f.key_tile % 16 == 0);  // the P·V loop takes 16 keys per mma
    // Backward: the same for its tiles and its dSᵀ rows; the kernel's template derives its tile from max_frags.
    CHECK(b.row_stride % 8 == 0 && (b.row_stride / 8) % 2 == 1);
    CHECK(b.prob_stride % 8 == 0 && (b.prob_stride / 8) % 2 == 1);
    CHECK_EQ(b.tile, attn_backward_tile(b.max_frags));
    CHECK_EQ(b.tile, b.max_frags <= 8 ? 64 : 32);
    CHECK_EQ(f.q_tile, f.warps * f.rows_per_warp);
    CHECK_EQ(f.rows_per_warp, f.max_frags <= 4 ? 32 : 16);
    CHECK_EQ(b.tile, b.warps * 16);
    CHECK(f.threads <= 128 && b.threads <= 128);  // the kernels' __launch_bounds__
    // Up to hd 128, two backward blocks share an H100/H200 SM (228 KiB, 1 KiB reserved per block).
    if (hd <= 128) CHECK(2 * (b.smem_bytes + 1024) <= 228 * 1024);
    // Regions in order, 128-byte aligned, non-overlapping, inside the block's bytes.
    const int64_t fo[] = {f.off_q, f.off_k[0], f.off_v[0], f.off_k[1], f.off_v[1], f.off_seg, f.smem_bytes};
    const int64_t kv = int64_t(f.key_tile) * f.row_stride * 2;
    const int64_t fs[] = {int64_t(f.q_tile) * f.row_stride * 2, kv, kv, kv, kv, int64_t(f.q_tile) * 4};
    for (int r = 0; r < 6; ++r) {
      CHECK(fo[r] % 128 == 0);
      CHECK(fo[r] + fs[r] <= fo[r + 1]);
    }
    const int64_t bo[] = {b.off_k, b.off_v, b.off_q, b.off_do, b.off_dst, b.off_lse, b.off_d, b.off_seg, b.smem_bytes};
    const int64_t tb = int64_t(b.tile) * b.row_stride * 2, pb = int64_t(b.tile) * b.prob_stride * 2,
                  vb = int64_t(b.tile) * 4;
    const int64_t bs[] = {tb, tb, tb, tb, pb, vb, vb, vb};
    for (int r = 0; r < 8; ++r) {
      CHECK(bo[r] % 128 == 0);
      CHECK(bo[r] + bs[r] <= bo[r + 1]);
    }
  }
  // The tuned Llama shapes, concretely.
  const AttnForwardPlan f64 = attention_forward_plan(dims(1, 2048, 32, 8, 64));
  CHECK_EQ(f64.q_tile, 128);
  CHECK_EQ(f64.max_frags, 4);
  const AttnForwardPlan f128 = attention_forward_plan(dims(1, 1024, 32, 8, 128));
  CHECK_EQ(f128.q_tile, 64);
  CHECK_EQ(f128.max_frags, 8);
  CHECK_EQ(f128.key_tile, 64);
  CHECK(2 * (f128.smem_bytes + 1024) <= 228 * 1024);  // two hd-128 forward blocks share an H100/H200 SM
  CHECK_EQ(attention_forward_plan(dims(1, 1024, 8, 8, 256)).key_tile, 32);
  CHECK_EQ(attention_backward_plan(dims(1, 1024, 32, 8, 128)).tile, 64);
  CHECK_EQ(attention_backward_plan(dims(1, 1024, 32, 8, 256)).tile, 32);
}

TEST(grids_cover_every_batch_head_and_tile) {
  for (int64_t T : {1, 37, 63, 64, 65, 128, 129, 2048, 2049}) {
    const AttnPlanDims d = dims(3, T, 32, 8, 64);
    const AttnForwardPlan f = attention_forward_plan(d);
    CHECK(f.grid_x * f.q_tile >= T);
    CHECK((f.grid_x - 1) * f.q_tile < T);  // no empty query tile
    CHECK_EQ(f.grid_y, d.nh);
    CHECK_EQ(f.grid_z, d.B);
    const AttnBackwardPlan b = attention_backward_plan(d);
    CHECK(b.grid_x * b.tile >= T);
    CHECK((b.grid_x - 1) * b.tile < T);
    CHECK_EQ(b.grid_y, d.nh);  // one block per query head; the group's dK/dV shares are summed afterwards
    CHECK_EQ(b.grid_z, d.B);
    CHECK(b.d_blocks * (b.d_threads / 32) >= d.B * T * d.nh);  // one warp per (token, head)
  }
}

TEST(scratch_formula_and_layout) {
  const AttnPlanDims d = dims(2, 100, 6, 2, 40);
  const AttnBackwardPlan b = attention_backward_plan(d);
  const int64_t per_head = 2 * 100 * 6 * 40;  // one [B*T, nh*hd] fp32 array
  CHECK_EQ(attention_scratch_floats(d), int64_t(2 * 6 * 100 + 3 * per_head));
  CHECK_EQ(b.scratch_floats, attention_scratch_floats(d));
  // D first, then the dQ accumulator and the dK and dV shares, back to back.
  CHECK_EQ(b.scratch_d_offset, int64_t(0));
  CHECK_EQ(b.scratch_dq_offset, int64_t(2 * 6 * 100));
  CHECK_EQ(b.scratch_dk_offset, b.scratch_dq_offset + per_head);
  CHECK_EQ(b.scratch_dv_offset, b.scratch_dk_offset + per_head);
  CHECK_EQ(b.scratch_dv_offset + per_head, b.scratch_floats);
}

TEST(validate_names_the_bad_dimension) {
  CHECK_THROWS(attention_validate(dims(1, 10, 4, 2, 12)), "multiple of 8");
  CHECK_THROWS(attention_validate(dims(1, 10, 4, 2, 264)), "hd=264");
  CHECK_THROWS(attention_validate(dims(1, 10, 4, 3, 64)), "multiple of the kv heads");
  CHECK_THROWS(attention_validate(dims(1, 0, 4, 2, 64)), "T must be > 0");
  CHECK_THROWS(attention_validate(dims(70000, 8, 4, 2, 64)), "65535");
  CHECK_THROWS(attention_validate(dims(4, int64_t(1) << 30, 4, 2, 64)), "B*T must be < 2^31");
  CHECK_THROWS(attention_forward_plan(dims(1, 8, 0, 0, 64)), "nkv");
  CHECK_THROWS(attention_smem_check("backward", 300 * 1024, kSmemOptinLimitSm90), "backward needs 307200 bytes");
  CHECK(attention_smem_check("forward", 100 * 1024, kSmemOptinLimitSm90));   // must opt in
  CHECK(!attention_smem_check("forward", 40 * 1024, kSmemOptinLimitSm90));   // default is enough
}
