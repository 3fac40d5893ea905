#pragma once
// nvcuda::wmma for the emulator (16x16x16 tiles, bf16 inputs, fp32 accumulators — what native/cuda uses).
// Every call is a warp collective, as on the device: all 32 lanes must make it with the same pointer, ldm and
// layout, or the kernel faults. Loads and stores move each lane's own elements after the rendezvous, when that
// lane runs on, so reading another lane's stored elements needs a __syncwarp as on the device. Loads and stores check the documented requirements (a 256-bit aligned pointer,
// ldm a multiple of 16 bytes). A fragment's elements are spread over the lanes in a deliberately scrambled order
// (element e of lane l holds tile position (l * n + e) * k mod 256, k per fragment type): the register layout is opaque on the device
// and differs between GPU generations, so a kernel may only rely on every fragment of one type sharing it (e.g.
// an "index" fragment loaded to learn which tile position each element holds). Anything more would show up as
// wrong results here. Kernels that need a known layout use mma.sync instead (../ptx.cuh, emulated in ptx.h).
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <type_traits>

#include "bf16.h"
#include "scheduler.h"

namespace nvcuda::wmma {

struct matrix_a {};
struct matrix_b {};
struct accumulator {};
struct row_major {};
struct col_major {};
enum layout_t { mem_row_major, mem_col_major };

namespace detail {
template <typename Use, int M, int N, int K>
struct Dims;
template <int M, int N, int K>
struct Dims<matrix_a, M, N, K> {
  static constexpr int rows = M, cols = K;
};
template <int M, int N, int K>
struct Dims<matrix_b, M, N, K> {
  static constexpr int rows = K, cols = N;
};
template <int M, int N, int K>
struct Dims<accumulator, M, N, K> {
  static constexpr int rows = M, cols = N;
};
// Odd, so i -> i * k mod 256 is a permutation of the tile; a different one per fragment type, so copying elements
// between fragments of different types (which the API does not define) gives wrong results here.
template <typename Use, typename Layout>
constexpr int scramble() {
  if constexpr (std::is_same_v<Use, accumulator>) return 97;
  else if constexpr (std::is_same_v<Use, matrix_a>) return std::is_same_v<Layout, col_major> ? 45 : 89;
  else return std::is_same_v<Layout, col_major> ? 57 : 113;
}
}  // namespace detail

template <typename Use, int M, int N, int K, typename T, typename Layout = void>
class fragment {
 public:
  static_assert(M == 16 && N == 16 && K == 16, "the emulator implements the 16x16x16 WMMA shape");
  static constexpr int rows = detail::Dims<Use, M, N, K>::rows, cols = detail::Dims<Use, M, N, K>::cols;
  static constexpr int num_elements = rows * cols / 32;
  using element_type = T;
  T x[num_elements];
  // Tile position (row-major index) of element e of `lane`.
  static int position(int lane, int e) {
    return ((lane * num_elements + e) * detail::scramble<Use, Layout>()) % (rows * cols);
  }
};

namespace detail {

inline std::string hexptr(const void* p) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%p", p);
  return buf;
}

template <typename T>
void check_operand(const char* op, const T* p, unsigned ldm) {
  if (reinterpret_cast<uintptr_t>(p) % 32 != 0)
    ::tf_emu::kernel_fault(std::string(op) + ": pointer " + hexptr(p) + " is not 256-bit aligned");
  if ((ldm * sizeof(T)) % 16 != 0)
    ::tf_emu::kernel_fault(std::string(op) + ": ldm " + std::to_string(ldm) + " is not a multiple of 16 bytes");
}

template <typename Frag, typename T>
struct LoadArgs {
  static constexpr const char* kOp = "wmma::load_matrix_sync";
  Frag* f;
  const T* p;
  unsigned ldm;
  bool col;  // element (r, c) at p[c * ldm + r]
};

// The rendezvous only checks that every lane names the same tile; each lane then moves its own elements when it
// runs on (load_lane / store_lane). So, as on the device, a lane that reads elements another lane stores, without
// a __syncwarp between, may see them before that lane has written them.
template <typename Args>
void combine_same_tile(void* const* lane_args, unsigned mask) {
  const auto* first = static_cast<Args*>(lane_args[0]);
  for (int l = 1; l < 32; ++l) {
    const auto* a = static_cast<Args*>(lane_args[l]);
    if (a->p != first->p || a->ldm != first->ldm || a->col != first->col)
      ::tf_emu::kernel_fault(std::string(Args::kOp) + ": lanes 0 and " + std::to_string(l) +
                             " pass different pointers, ldm or layout");
  }
}

template <typename Frag, typename T>
void load_lane(const LoadArgs<Frag, T>& a) {
  const int l = ::tf_emu::lane_id();
  for (int e = 0; e < Frag::num_elements; ++e) {
    const int pos = Frag::position(l, e), r = pos / Frag::cols, c = pos % Frag::cols;
    a.f->x[e] = a.p[a.col ? size_t(c) * a.ldm + r : size_t(r) * a.ldm + c];
  }
}

template <typename Frag, typename T>
struct StoreArgs {
  static constexpr const char* kOp = "wmma::store_matrix_sync";
  const Frag* f;
  T* p;
  unsigned ldm;
  bool col;
};

template <typename Frag, typename T>
void store_lane(const StoreArgs<Frag, T>& a) {
  const int l = ::tf_emu::lane_id();
  for (int e = 0; e < Frag::num_elements; ++e) {
    const int pos = Frag::position(l, e), r = pos / Frag::cols, c = pos % Frag::cols;
    a.p[a.col ? size_t(c) * a.ldm + r : size_t(r) * a.ldm + c] = a.f->x[e];
  }
}

template <typename FD, typename FA, typename FB, typename FC>
struct MmaArgs {
  FD* d;
  const FA* a;
  const FB* b;
  const FC* c;
};

template <typename FD, typename FA, typename FB, typename FC>
void combine_mma(void* const* lane_args, unsigned mask) {
  float A[16 * 16], B[16 * 16], C[16 * 16], D[16 * 16];
  for (int l = 0; l < 32; ++l) {
    auto* m = static_cast<MmaArgs<FD, FA, FB, FC>*>(lane_args[l]);
    for (int e = 0; e < FA::num_elements; ++e) A[FA::position(l, e)] = float(m->a->x[e]);
    for (int e = 0; e < FB::num_elements; ++e) B[FB::position(l, e)] = float(m->b->x[e]);
    for (int e = 0; e < FC::num_elements; ++e) C[FC::position(l, e)] = float(m->c->x[e]);
  }
  // Products of bf16 values are exact in fp32; sums accumulate in fp32 as the tensor cores do (k in order). A row
  // of D is four 4-float vectors held in registers across the k loop: each element still adds its products in k
  // order, one rounding each, so the results are those of the plain loop. (The plain loop stored and reloaded the
  // row for every k, and this function was a fifth of a GEMM-heavy emulated run.)
  typedef float Vec4 __attribute__((vector_size(16)));
  auto load4 = [](const float* p) {
    Vec4 v;
    std::memcpy(&v, p, sizeof v);
    return v;
  };
  for (int i = 0; i < 16; ++i) {
    Vec4 d0 = load4(C + i * 16), d1 = load4(C + i * 16 + 4), d2 = load4(C + i * 16 + 8), d3 = load4(C + i * 16 + 12);
    for (int k = 0; k < 16; ++k) {
      const float a = A[i * 16 + k];
      const float* b = B + k * 16;
      d0 += a * load4(b), d1 += a * load4(b + 4), d2 += a * load4(b + 8), d3 += a * load4(b + 12);
    }
    std::memcpy(D + i * 16, &d0, sizeof d0), std::memcpy(D + i * 16 + 4, &d1, sizeof d1);
    std::memcpy(D + i * 16 + 8, &d2, sizeof d2), std::memcpy(D + i * 16 + 12, &d3, sizeof d3);
  }
  // Every lane's inputs were read above, so d may be the same fragment as c (or a lane's a/b) without harm.
  for (int l = 0; l < 32; ++l) {
    auto* m = static_cast<MmaArgs<FD, FA, FB, FC>*>(lane_args[l]);
    for (int e = 0; e < FD::num_elements; ++e) m->d->x[e] = D[FD::position(l, e)];
  }
}

}  // namespace detail

template <typename Use, int M, int N, int K, typename T, typename Layout, typename V>
void fill_fragment(fragment<Use, M, N, K, T, Layout>& f, const V& v) {
  for (int e = 0; e < f.num_elements; ++e) f.x[e] = T(v);
}

// matrix_a / matrix_b: the layout is part of the fragment's type.
template <typename Use, int M, int N, int K, typename T, typename Layout>
void load_matrix_sync(fragment<Use, M, N, K, T, Layout>& f, const T* p, unsigned ldm) {
  static_assert(std::is_same_v<Layout, row_major> || std::is_same_v<Layout, col_major>, "matrix fragments have a layout");
  using Frag = fragment<Use, M, N, K, T, Layout>;
  detail::check_operand("wmma::load_matrix_sync", p, ldm);
  detail::LoadArgs<Frag, T> a{&f, p, ldm, std::is_same_v<Layout, col_major>};
  ::tf_emu::warp_collective("wmma::load_matrix_sync", 0xffffffffu, &a, &detail::combine_same_tile<decltype(a)>);
  detail::load_lane(a);
}

// accumulator: the layout is an argument.
template <int M, int N, int K>
void load_matrix_sync(fragment<accumulator, M, N, K, float>& f, const float* p, unsigned ldm, layout_t layout) {
  using Frag = fragment<accumulator, M, N, K, float>;
  detail::check_operand("wmma::load_matrix_sync", p, ldm);
  detail::LoadArgs<Frag, float> a{&f, p, ldm, layout == mem_col_major};
  ::tf_emu::warp_collective("wmma::load_matrix_sync", 0xffffffffu, &a, &detail::combine_same_tile<decltype(a)>);
  detail::load_lane(a);
}

template <int M, int N, int K>
void store_matrix_sync(float* p, const fragment<accumulator, M, N, K, float>& f, unsigned ldm, layout_t layout) {
  using Frag = fragment<accumulator, M, N, K, float>;
  detail::check_operand("wmma::store_matrix_sync", p, ldm);
  detail::StoreArgs<Frag, float> a{&f, p, ldm, layout == mem_col_major};
  ::tf_emu::warp_collective("wmma::store_matrix_sync", 0xffffffffu, &a, &detail::combine_same_tile<decltype(a)>);
  detail::store_lane(a);
}

template <typename FD, typename FA, typename FB, typename FC>
void mma_sync(FD& d, const FA& a, const FB& b, const FC& c) {
  detail::MmaArgs<FD, FA, FB, FC> m{&d, &a, &b, &c};
  ::tf_emu::warp_collective("wmma::mma_sync", 0xffffffffu, &m, &detail::combine_mma<FD, FA, FB, FC>);
}

}  // namespace nvcuda::wmma
