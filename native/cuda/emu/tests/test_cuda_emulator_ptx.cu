// The emulator's inline-PTX primitives (emu/ptx.h behind native/cuda/ptx.cuh): ldmatrix and mma.sync m16n8k16
// follow the PTX ISA's register layouts, checked here element by element against the layout tables (written out
// again in this file, independently of the emulator's code) and by their composition into a plain matrix product;
// cp.async lands only at its wait, so a kernel that reads too early or overwrites a tile in use sees NaN.
#include <cuda_bf16.h>
#include <cuda_runtime.h>

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "emulator_test_util.h"
#include "harness.h"
#include "ptx.cuh"

using namespace tf_emu_test;
namespace ptx = tf::cuda::ptx;
using bf16 = __nv_bfloat16;

namespace {

constexpr int kStride = 24;  // bf16 per shared-memory row: 16 used + 8 padding (48 bytes, 16-byte aligned)

// The two bf16 halves of a register (the low half holds the lower column).
float lo_of(uint32_t r) { return tf_emu::bf16_bits_to_float(uint16_t(r & 0xffffu)); }
float hi_of(uint32_t r) { return tf_emu::bf16_bits_to_float(uint16_t(r >> 16)); }

// Copies a 16x16 bf16 tile to shared memory and loads it with one ldmatrix x4: lane l names row l % 8 of matrix
// l / 8, the matrices being the quadrants (rows +0, cols +0), (rows +8, cols +0), (rows +0, cols +8),
// (rows +8, cols +8). Writes each lane's four registers.
__global__ void ldmatrix_tile(const bf16* tile, uint32_t* regs, int trans) {
  __shared__ __align__(16) bf16 s[16 * kStride];
  const int lane = threadIdx.x;
  for (int e = lane; e < 256; e += 32) s[(e / 16) * kStride + e % 16] = tile[e];
  __syncwarp();
  const int m = lane >> 3;
  const bf16* row = s + ((m & 1) * 8 + (lane & 7)) * kStride + (m >> 1) * 8;
  uint32_t r[4];
  if (trans) ptx::ldmatrix_x4_trans(r, row);
  else ptx::ldmatrix_x4(r, row);
  for (int i = 0; i < 4; ++i) regs[lane * 4 + i] = r[i];
}

std::vector<bf16> counting_tile() {
  std::vector<bf16> t(256);
  for (int e = 0; e < 256; ++e) t[e] = __float2bfloat16_rn(float(e));  // exact in bf16 up to 256
  return t;
}

TEST(ldmatrix_x4_gives_each_lane_the_documented_elements) {
  const auto tile = counting_tile();
  Dev<bf16> dt(256);
  Dev<uint32_t> dr(32 * 4);
  dt.put(tile);
  for (int trans = 0; trans < 2; ++trans) {
    ldmatrix_tile<<<1, 32>>>(dt.p, dr.p, trans);
    CHECK(launch_outcome() == "ok");
    const auto regs = dr.get();
    for (int l = 0; l < 32; ++l)
      for (int m = 0; m < 4; ++m) {
        const int r0 = (m & 1) * 8, c0 = (m >> 1) * 8;  // the quadrant matrix m covers
        // Plain: row l/4, columns 2(l%4) and +1. Transposed: rows 2(l%4) and +1 of column l/4.
        const int lo_r = trans ? 2 * (l % 4) : l / 4, lo_c = trans ? l / 4 : 2 * (l % 4);
        const int hi_r = trans ? lo_r + 1 : lo_r, hi_c = trans ? lo_c : lo_c + 1;
        const float lo = lo_of(regs[l * 4 + m]), hi = hi_of(regs[l * 4 + m]);
        CHECK_EQ(lo, float((r0 + lo_r) * 16 + c0 + lo_c));
        CHECK_EQ(hi, float((r0 + hi_r) * 16 + c0 + hi_c));
      }
  }
}

// One mma m16n8k16 with its operands built straight from the layout table: a (16x16), b (16x8, k x n), c (16x8).
__global__ void mma_from_table(const bf16* a, const bf16* b, const float* c, float* d) {
  const int lane = threadIdx.x, g = lane / 4, t = lane % 4;
  auto pair = [](bf16 lo, bf16 hi) { return ptx::pack_bf16x2(float(lo), float(hi)); };
  const uint32_t fa[4] = {pair(a[g * 16 + 2 * t], a[g * 16 + 2 * t + 1]),
                          pair(a[(g + 8) * 16 + 2 * t], a[(g + 8) * 16 + 2 * t + 1]),
                          pair(a[g * 16 + 2 * t + 8], a[g * 16 + 2 * t + 9]),
                          pair(a[(g + 8) * 16 + 2 * t + 8], a[(g + 8) * 16 + 2 * t + 9])};
  const uint32_t fb[2] = {pair(b[(2 * t) * 8 + g], b[(2 * t + 1) * 8 + g]),
                          pair(b[(2 * t + 8) * 8 + g], b[(2 * t + 9) * 8 + g])};
  float acc[4] = {c[g * 8 + 2 * t], c[g * 8 + 2 * t + 1], c[(g + 8) * 8 + 2 * t], c[(g + 8) * 8 + 2 * t + 1]};
  ptx::mma_bf16_16816(acc, fa, fb);
  d[g * 8 + 2 * t] = acc[0];
  d[g * 8 + 2 * t + 1] = acc[1];
  d[(g + 8) * 8 + 2 * t] = acc[2];
  d[(g + 8) * 8 + 2 * t + 1] = acc[3];
}

TEST(mma_m16n8k16_multiplies_operands_laid_out_as_documented) {
  std::vector<bf16> a(256), b(128);
  std::vector<float> c(128);
  for (int i = 0; i < 256; ++i) a[i] = __float2bfloat16_rn(float((i * 7) % 13) - 6.f);
  for (int i = 0; i < 128; ++i) b[i] = __float2bfloat16_rn(float((i * 5) % 11) * 0.25f - 1.f);
  for (int i = 0; i < 128; ++i) c[i] = float(i % 9) - 4.f;
  Dev<bf16> da(256), db(128);
  Dev<float> dc(128), dd(128);
  da.put(a);
  db.put(b);
  dc.put(c);
  mma_from_table<<<1, 32>>>(da.p, db.p, dc.p, dd.p);
  CHECK(launch_outcome() == "ok");
  const auto d = dd.get();
  for (int i = 0; i < 16; ++i)
    for (int j = 0; j < 8; ++j) {
      double ref = c[i * 8 + j];
      for (int k = 0; k < 16; ++k) ref += double(float(a[i * 16 + k])) * double(float(b[k * 8 + j]));
      CHECK_EQ(d[i * 8 + j], float(ref));  // small integers and quarters: exact in fp32
    }
}

// Two neighbouring 16x8 accumulators (columns 0-7, 8-15) into a row-major 16x16 tile, per the C layout.
__device__ void store_16x16(const float (&acc)[2][4], float* out) {
  const int g = threadIdx.x / 4, t = threadIdx.x % 4;
  for (int n = 0; n < 2; ++n) {
    out[g * 16 + n * 8 + 2 * t] = acc[n][0];
    out[g * 16 + n * 8 + 2 * t + 1] = acc[n][1];
    out[(g + 8) * 16 + n * 8 + 2 * t] = acc[n][2];
    out[(g + 8) * 16 + n * 8 + 2 * t + 1] = acc[n][3];
  }
}

// Q Kᵀ and P V the way attention.cu's forward computes them: Q (16x16) and K (16 keys x 16 dims) from shared memory
// with ldmatrix (K's rows as the B operand, matrices (keys +0, dims +0), (keys +0, dims +8), (keys +8, dims +0),
// (keys +8, dims +8)); then the two score accumulators, packed to bf16 pairs, as the A operand of P V with V
// (16 keys x 16 dims) read by ldmatrix.trans. Writes S (16x16) and O = S V (16x16) row-major.
__global__ void scores_then_values(const bf16* q, const bf16* k, const bf16* v, float* s_out, float* o_out) {
  __shared__ __align__(16) bf16 sq[16 * kStride], sk[16 * kStride], sv[16 * kStride];
  const int lane = threadIdx.x, m = lane >> 3, r = lane & 7;
  for (int e = lane; e < 256; e += 32) {
    sq[(e / 16) * kStride + e % 16] = q[e];
    sk[(e / 16) * kStride + e % 16] = k[e];
    sv[(e / 16) * kStride + e % 16] = v[e];
  }
  __syncwarp();
  uint32_t qa[4], kb[4], vb[4];
  ptx::ldmatrix_x4(qa, sq + ((m & 1) * 8 + r) * kStride + (m >> 1) * 8);
  ptx::ldmatrix_x4(kb, sk + ((m >> 1) * 8 + r) * kStride + (m & 1) * 8);
  float s[2][4] = {};
  const uint32_t k0[2] = {kb[0], kb[1]}, k1[2] = {kb[2], kb[3]};
  ptx::mma_bf16_16816(s[0], qa, k0);
  ptx::mma_bf16_16816(s[1], qa, k1);
  store_16x16(s, s_out);
  uint32_t pa[4];
  ptx::accumulators_to_a(s[0], s[1], pa);
  ptx::ldmatrix_x4_trans(vb, sv + ((m & 1) * 8 + r) * kStride + (m >> 1) * 8);
  float o[2][4] = {};
  const uint32_t v0[2] = {vb[0], vb[1]}, v1[2] = {vb[2], vb[3]};
  ptx::mma_bf16_16816(o[0], pa, v0);
  ptx::mma_bf16_16816(o[1], pa, v1);
  store_16x16(o, o_out);
}

TEST(ldmatrix_operands_compose_into_the_attention_products) {
  std::vector<bf16> q(256), k(256), v(256);
  for (int i = 0; i < 256; ++i) {
    q[i] = __float2bfloat16_rn(float((i * 3) % 7) - 3.f);
    k[i] = __float2bfloat16_rn(float((i * 5) % 9) * 0.125f - 0.5f);
    v[i] = __float2bfloat16_rn(float((i * 11) % 5) - 2.f);
  }
  Dev<bf16> dq(256), dk(256), dv(256);
  Dev<float> ds(256), dout(256);
  dq.put(q);
  dk.put(k);
  dv.put(v);
  scores_then_values<<<1, 32>>>(dq.p, dk.p, dv.p, ds.p, dout.p);
  CHECK(launch_outcome() == "ok");
  const auto s = ds.get(), o = dout.get();
  for (int i = 0; i < 16; ++i)
    for (int j = 0; j < 16; ++j) {
      double sij = 0, oij = 0;
      for (int c = 0; c < 16; ++c) sij += double(float(q[i * 16 + c])) * double(float(k[j * 16 + c]));
      for (int key = 0; key < 16; ++key) {
        double sik = 0;
        for (int c = 0; c < 16; ++c) sik += double(float(q[i * 16 + c])) * double(float(k[key * 16 + c]));
        oij += double(float(__float2bfloat16_rn(float(sik)))) * double(float(v[key * 16 + j]));
      }
      CHECK_EQ(s[i * 16 + j], float(sij));  // S = Q Kᵀ exactly (small multiples of 1/8)
      CHECK(std::fabs(o[i * 16 + j] - oij) <= 1e-5 * (1 + std::fabs(oij)));  // O = bf16(S) V
    }
}

// Thread t copies 16 bytes (8 bf16) of src into a shared tile with cp.async in two groups (chunks 0 and 1), waits
// as told, then after a barrier every thread reads chunk `read` of its neighbour.
__global__ void async_copy_then_read(const bf16* src, float* out, int wait_newest, int barrier, int read) {
  __shared__ __align__(16) bf16 s[2][32 * 8];
  const int t = threadIdx.x;
  ptx::cp_async_16(&s[0][t * 8], src + t * 8, true);
  ptx::cp_async_commit();
  ptx::cp_async_16(&s[1][t * 8], src + 256 + t * 8, t % 2 == 0);  // odd threads zero-fill
  ptx::cp_async_commit();
  if (wait_newest == 0) ptx::cp_async_wait<0>();
  else ptx::cp_async_wait<1>();
  if (barrier) __syncthreads();
  out[t] = float(s[read][((t + 1) % 32) * 8]);
}

TEST(cp_async_lands_at_its_wait_and_zero_fills) {
  std::vector<bf16> src(512);
  for (int i = 0; i < 512; ++i) src[i] = __float2bfloat16_rn(float(i));  // even numbers up to 512: exact
  Dev<bf16> ds(512);
  Dev<float> out(32);
  ds.put(src);
  // Both groups waited for: chunk 1 holds src for even threads and zeros for odd ones.
  async_copy_then_read<<<1, 32>>>(ds.p, out.p, 0, 1, 1);
  CHECK(launch_outcome() == "ok");
  auto o = out.get();
  for (int t = 0; t < 32; ++t) {
    const int n = (t + 1) % 32;
    CHECK_EQ(o[t], n % 2 == 0 ? float(256 + n * 8) : 0.f);
  }
  // wait_group 1 leaves the newest group in flight: chunk 0 has landed, chunk 1 still reads NaN.
  async_copy_then_read<<<1, 32>>>(ds.p, out.p, 1, 1, 0);
  CHECK(launch_outcome() == "ok");
  o = out.get();
  for (int t = 0; t < 32; ++t) CHECK_EQ(o[t], float(((t + 1) % 32) * 8));
  async_copy_then_read<<<1, 32>>>(ds.p, out.p, 1, 1, 1);
  CHECK(launch_outcome() == "ok");
  // (Thread 31 reads thread 0's chunk, which landed when thread 0 exited: a thread's pending copies land then.)
  o = out.get();
  for (int t = 0; t < 31; ++t) CHECK(std::isnan(o[t]));
  CHECK_EQ(o[31], 256.f);  // thread 0 is even: its chunk 1 is src[256]
  // Waiting without a barrier: the neighbour's copy is not visible (thread t runs before thread t + 1 waits).
  async_copy_then_read<<<1, 32>>>(ds.p, out.p, 0, 0, 0);
  CHECK(launch_outcome() == "ok");
  CHECK(std::isnan(out.get()[0]));
}

__global__ void async_copy_to(bf16* dst, const bf16* src) {
  ptx::cp_async_16(dst, src, true);
  ptx::cp_async_wait<0>();
}

__global__ void ldmatrix_from(const bf16* row) {
  uint32_t r[4];
  ptx::ldmatrix_x4(r, row);
}

TEST(cp_async_and_ldmatrix_fault_outside_shared_memory_or_misaligned) {
  bf16* g = nullptr;
  REQUIRE(cudaMalloc(&g, 64 * sizeof(bf16)) == cudaSuccess);
  async_copy_to<<<1, 1>>>(g + 8, g);
  CHECK(fault_outcome().find("outside the block's shared memory") != std::string::npos);
  REQUIRE(cudaMalloc(&g, 64 * sizeof(bf16)) == cudaSuccess);
  ldmatrix_from<<<1, 32>>>(g);
  CHECK(fault_outcome().find("not in shared memory") != std::string::npos);
}

__global__ void misaligned_shared(const bf16* src, int which) {
  __shared__ __align__(16) bf16 s[64];
  if (which == 0) {
    ptx::cp_async_16(s + 4, src, true);  // 8 bytes past a 16-byte boundary
  } else {
    uint32_t r[4];
    ptx::ldmatrix_x4(r, s + 4);
  }
}

TEST(cp_async_and_ldmatrix_need_16_byte_alignment) {
  bf16* g = nullptr;
  REQUIRE(cudaMalloc(&g, 64 * sizeof(bf16)) == cudaSuccess);
  misaligned_shared<<<1, 32>>>(g, 0);
  CHECK(fault_outcome().find("not aligned") != std::string::npos);
  REQUIRE(cudaMalloc(&g, 64 * sizeof(bf16)) == cudaSuccess);
  misaligned_shared<<<1, 32>>>(g, 1);
  CHECK(fault_outcome().find("not 16-byte aligned") != std::string::npos);
}

}  // namespace
