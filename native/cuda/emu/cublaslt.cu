// The emulated cuBLASLt (cublaslt.h says what it is for and how strict it is). Only the CUDA emulator's build
// compiles it (emu.cmake), after translate.mjs like the kernels, so its GEMMs are emulated kernels queued on the
// caller's stream: captured by a capturing stream, ordered by events, racing when streams do not wait.
// Semantics from NVIDIA's cuBLASLt documentation: column-major operands, D = alpha op(A) op(B) + beta C with op(A)
// m×k, op(B) k×n and C, D m×n; alpha and beta read from host memory at the call (the default pointer mode);
// C not read when beta is 0; in-place (C == D) only with C's layout for D.
#include "emu/cublaslt.h"

#include <cuda_bf16.h>
#include <cuda_runtime.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <string>
#include <utility>

#include "cublaslt/cublaslt_types.h"
#include "host/gemm_map.h"
#include "emu/state.h"  // the emulator's allocations: operands must lie inside one

namespace tf_emu::cublaslt {

namespace {

namespace lt = tf::cuda::lt;
using lt::Status;
using bf16 = __nv_bfloat16;

// cublasStatus_t (cublas_api.h).
constexpr Status kSuccess = 0, kNotInitialized = 1, kInvalidValue = 7, kExecutionFailed = 13, kNotSupported = 15;
constexpr uint64_t kAlgoTag = 0x54464c54454d55ull;  // "TFLTEMU": an algorithm this library's heuristic returned
constexpr int kSplitKMin = 32;                       // K from which the algorithm splits K in two
constexpr int kTile = 16;                            // a block computes a kTile × kTile tile of D

enum class Kind { Handle, Desc, Layout, Pref };
struct HandleObj {
  int device;
};
struct DescObj {
  int32_t op_a = lt::kOpN, op_b = lt::kOpN;
};
struct LayoutObj {
  int type;
  uint64_t rows, cols;
  int64_t ld;
};
struct PrefObj {
  uint64_t max_workspace = 0;                    // cuBLASLt's default: no workspace
  uint32_t min_align[4] = {256, 256, 256, 256};  // A, B, C, D; cuBLASLt's default
};

// What one algorithm (MatmulAlgo::data) holds: chosen for these alignments, with K split `splits` ways through a
// workspace of `workspace` bytes.
struct AlgoFields {
  uint64_t splits, workspace;
  uint32_t align[4];
};

std::mutex g_mu;
std::map<const void*, Kind> g_live;  // every object created and not destroyed: a stale or foreign one is refused
std::map<std::pair<std::string, int>, std::pair<int, int>> g_failures;  // (call, device) -> (status, calls left)
std::map<int, Counts> g_counts;
std::map<const void*, const void*> g_split_k_workspace;  // stream -> the workspace its last split-K matmul used

Status refuse(Status s, const std::string& why) {
  std::fprintf(stderr, "emulated cuBLASLt: %s (%s)\n", why.c_str(), tf::cuda::cublas_status_name(s).c_str());
  return s;
}

template <typename T>
T* live(const void* p, Kind kind) {
  std::lock_guard<std::mutex> lock(g_mu);
  auto it = g_live.find(p);
  return it != g_live.end() && it->second == kind ? static_cast<T*>(const_cast<void*>(p)) : nullptr;
}

template <typename T>
void* make(Kind kind, T value) {
  T* p = new T(value);
  std::lock_guard<std::mutex> lock(g_mu);
  g_live[p] = kind;
  return p;
}

template <typename T>
Status destroy(void* p, Kind kind, const char* what) {
  if (p == nullptr) return kSuccess;  // destroying null is allowed, as in cuBLASLt
  if (!live<T>(p, kind)) return refuse(kInvalidValue, std::string(what) + " destroyed twice or never created");
  {
    std::lock_guard<std::mutex> lock(g_mu);
    g_live.erase(p);
  }
  delete static_cast<T*>(p);
  return kSuccess;
}

// An injected failure for this call on this device (fail_next), consumed; kSuccess when none.
Status injected(const char* call, int device, bool* no_algorithm = nullptr) {
  std::lock_guard<std::mutex> lock(g_mu);
  auto it = g_failures.find({call, device});
  if (it == g_failures.end()) return kSuccess;
  const int status = it->second.first;
  if (--it->second.second <= 0) g_failures.erase(it);
  if (status == kNoAlgorithm) {
    if (no_algorithm) *no_algorithm = true;
    return kSuccess;
  }
  return status;
}

int current_device() {
  int device = -1;
  return cudaGetDevice(&device) == cudaSuccess ? device : -1;
}

// cuBLAS: a handle's context "is tied to the current CUDA device" at its creation; one handle per device.
Status check_device(const HandleObj& h, const char* call) {
  const int device = current_device();
  if (device != h.device)
    return refuse(kInvalidValue, std::string(call) + " on device " + std::to_string(device) +
                                     " with a handle created on device " + std::to_string(h.device));
  return kSuccess;
}

size_t element_bytes(int type) { return type == lt::kCudaR32F ? 4 : 2; }

// The shapes cuBLASLt requires of one multiplication; on success, m, n and k.
Status check_problem(const DescObj& desc, const LayoutObj& a, const LayoutObj& b, const LayoutObj& c,
                     const LayoutObj& d, uint64_t* m, uint64_t* n, uint64_t* k) {
  if (a.type != lt::kCudaR16BF || b.type != lt::kCudaR16BF || c.type != d.type ||
      (c.type != lt::kCudaR16BF && c.type != lt::kCudaR32F))
    return refuse(kNotSupported, "emulated for bf16 A and B with C = D in bf16 or fp32 only");
  const bool ta = desc.op_a == lt::kOpT, tb = desc.op_b == lt::kOpT;
  *m = ta ? a.cols : a.rows;
  *k = ta ? a.rows : a.cols;
  const uint64_t kb = tb ? b.cols : b.rows;
  *n = tb ? b.rows : b.cols;
  if (kb != *k || c.rows != *m || c.cols != *n || d.rows != *m || d.cols != *n)
    return refuse(kInvalidValue, "op(A) is " + std::to_string(*m) + "x" + std::to_string(*k) + ", op(B) " +
                                     std::to_string(kb) + "x" + std::to_string(*n) + ", C " + std::to_string(c.rows) +
                                     "x" + std::to_string(c.cols) + ", D " + std::to_string(d.rows) + "x" +
                                     std::to_string(d.cols) + ": they must be m×k, k×n, m×n and m×n");
  return kSuccess;
}

// The bytes a column-major layout spans from its first element.
size_t extent_bytes(const LayoutObj& l) { return ((l.cols - 1) * uint64_t(l.ld) + l.rows) * element_bytes(l.type); }

// On a device a pointer into host memory, or past an allocation's end, faults inside the kernel; here it is refused
// at the call, naming the operand.
Status check_inside_allocation(const void* p, size_t bytes, const char* operand) {
  if (p != nullptr && device_range(p, bytes)) return kSuccess;
  return refuse(kInvalidValue, std::string(operand) + " (" + std::to_string(bytes) +
                                   " bytes) does not lie inside one device allocation");
}

__device__ inline float load(const float* p) { return *p; }
__device__ inline float load(const bf16* p) { return __bfloat162float(*p); }
__device__ inline void store(float* p, float v) { *p = v; }
__device__ inline void store(bf16* p, float v) { *p = __float2bfloat16(v); }

// Σ op(A)[i, p] op(B)[p, j] over p in [k0, k1), in fp32 as tensor cores accumulate.
__device__ float dot(int64_t i, int64_t j, int64_t k0, int64_t k1, bool ta, bool tb, const bf16* A, int64_t lda,
                     const bf16* B, int64_t ldb) {
  float acc = 0.f;
  for (int64_t p = k0; p < k1; ++p) {
    const float a = __bfloat162float(ta ? A[p + i * lda] : A[i + p * lda]);
    const float b = __bfloat162float(tb ? B[j + p * ldb] : B[p + j * ldb]);
    acc += a * b;
  }
  return acc;
}

template <typename OutT>
__global__ void lt_emu_gemm(int64_t m, int64_t n, int64_t k, bool ta, bool tb, const bf16* A, int64_t lda,
                            const bf16* B, int64_t ldb, float alpha, float beta, const OutT* C, int64_t ldc, OutT* D,
                            int64_t ldd) {
  const int64_t i = int64_t(blockIdx.x) * kTile + threadIdx.x, j = int64_t(blockIdx.y) * kTile + threadIdx.y;
  if (i >= m || j >= n) return;
  float v = alpha * dot(i, j, 0, k, ta, tb, A, lda, B, ldb);
  if (beta != 0.f) v += beta * load(&C[i + j * ldc]);
  store(&D[i + j * ldd], v);
}

// Split-K: blockIdx.z's half of K into the workspace (two m×n fp32 planes) ...
__global__ void lt_emu_split_k_partial(int64_t m, int64_t n, int64_t k, bool ta, bool tb, const bf16* A, int64_t lda,
                                       const bf16* B, int64_t ldb, float* workspace) {
  const int64_t i = int64_t(blockIdx.x) * kTile + threadIdx.x, j = int64_t(blockIdx.y) * kTile + threadIdx.y;
  if (i >= m || j >= n) return;
  const int64_t half = k / 2, k0 = blockIdx.z == 0 ? 0 : half, k1 = blockIdx.z == 0 ? half : k;
  workspace[blockIdx.z * m * n + i + j * m] = dot(i, j, k0, k1, ta, tb, A, lda, B, ldb);
}

// ... then the two planes summed into D.
template <typename OutT>
__global__ void lt_emu_split_k_reduce(int64_t m, int64_t n, const float* workspace, float alpha, float beta,
                                      const OutT* C, int64_t ldc, OutT* D, int64_t ldd) {
  const int64_t i = int64_t(blockIdx.x) * kTile + threadIdx.x, j = int64_t(blockIdx.y) * kTile + threadIdx.y;
  if (i >= m || j >= n) return;
  float v = alpha * (workspace[i + j * m] + workspace[m * n + i + j * m]);
  if (beta != 0.f) v += beta * load(&C[i + j * ldc]);
  store(&D[i + j * ldd], v);
}

template <typename OutT>
void launch(const AlgoFields& algo, uint64_t m, uint64_t n, uint64_t k, bool ta, bool tb, const void* A,
            int64_t lda, const void* B, int64_t ldb, float alpha, float beta, const void* C, int64_t ldc, void* D,
            int64_t ldd, void* workspace, cudaStream_t stream) {
  const dim3 block(kTile, kTile);
  const dim3 grid(unsigned((m + kTile - 1) / kTile), unsigned((n + kTile - 1) / kTile));
  const bf16* a = static_cast<const bf16*>(A);
  const bf16* b = static_cast<const bf16*>(B);
  const OutT* c = static_cast<const OutT*>(C);
  OutT* d = static_cast<OutT*>(D);
  if (algo.splits == 2) {
    float* ws = static_cast<float*>(workspace);
    lt_emu_split_k_partial<<<dim3(grid.x, grid.y, 2), block, 0, stream>>>(m, n, k, ta, tb, a, lda, b, ldb, ws);
    lt_emu_split_k_reduce<OutT><<<grid, block, 0, stream>>>(m, n, ws, alpha, beta, c, ldc, d, ldd);
  } else {
    lt_emu_gemm<OutT><<<grid, block, 0, stream>>>(m, n, k, ta, tb, a, lda, b, ldb, alpha, beta, c, ldc, d, ldd);
  }
}

// ---- the entry points (cublasLt.h's signatures, as cublaslt_types.h declares them) ----

Status create(lt::Handle* handle) {
  if (handle == nullptr) return refuse(kInvalidValue, "cublasLtCreate: null handle pointer");
  const int device = current_device();
  if (device < 0) return refuse(kNotInitialized, "cublasLtCreate: no CUDA device");
  if (const Status s = injected("Create", device)) return s;
  {
    std::lock_guard<std::mutex> lock(g_mu);
    ++g_counts[device].creates;
  }
  *handle = make(Kind::Handle, HandleObj{device});
  return kSuccess;
}

Status destroy_handle(lt::Handle h) { return destroy<HandleObj>(h, Kind::Handle, "handle"); }

size_t get_version() { return 130000; }  // 13.0.0, the CUDA our runtime is built against

Status desc_create(lt::MatmulDesc* desc, int compute_type, int scale_type) {
  if (desc == nullptr) return refuse(kInvalidValue, "cublasLtMatmulDescCreate: null descriptor pointer");
  if (compute_type != lt::kComputeType32F || scale_type != lt::kCudaR32F)
    return refuse(kInvalidValue, "emulated for CUBLAS_COMPUTE_32F with CUDA_R_32F scale only");
  *desc = make(Kind::Desc, DescObj{});
  return kSuccess;
}

Status desc_set(lt::MatmulDesc desc, int attr, const void* buf, size_t size) {
  DescObj* d = live<DescObj>(desc, Kind::Desc);
  if (d == nullptr) return refuse(kInvalidValue, "cublasLtMatmulDescSetAttribute: not a live descriptor");
  if (attr != lt::kDescTransA && attr != lt::kDescTransB)
    return refuse(kInvalidValue, "matmul descriptor attribute " + std::to_string(attr) + " is not emulated");
  int32_t op = 0;
  if (buf == nullptr || size != sizeof op) return refuse(kInvalidValue, "TRANSA/TRANSB take one int32_t");
  std::memcpy(&op, buf, sizeof op);
  if (op != lt::kOpN && op != lt::kOpT) return refuse(kInvalidValue, "TRANSA/TRANSB must be CUBLAS_OP_N or _T");
  (attr == lt::kDescTransA ? d->op_a : d->op_b) = op;
  return kSuccess;
}

Status desc_destroy(lt::MatmulDesc desc) { return destroy<DescObj>(desc, Kind::Desc, "matmul descriptor"); }

Status layout_create(lt::MatrixLayout* layout, int type, uint64_t rows, uint64_t cols, int64_t ld) {
  if (layout == nullptr) return refuse(kInvalidValue, "cublasLtMatrixLayoutCreate: null layout pointer");
  if (type != lt::kCudaR16BF && type != lt::kCudaR32F)
    return refuse(kNotSupported, "layout type " + std::to_string(type) + " is not emulated");
  if (rows == 0 || cols == 0 || ld < int64_t(rows))
    return refuse(kInvalidValue, "a " + std::to_string(rows) + "x" + std::to_string(cols) +
                                     " column-major layout needs ld >= rows > 0, got ld " + std::to_string(ld));
  *layout = make(Kind::Layout, LayoutObj{type, rows, cols, ld});
  return kSuccess;
}

Status layout_destroy(lt::MatrixLayout layout) { return destroy<LayoutObj>(layout, Kind::Layout, "matrix layout"); }

Status pref_create(lt::MatmulPreference* pref) {
  if (pref == nullptr) return refuse(kInvalidValue, "cublasLtMatmulPreferenceCreate: null preference pointer");
  *pref = make(Kind::Pref, PrefObj{});
  return kSuccess;
}

Status pref_set(lt::MatmulPreference pref, int attr, const void* buf, size_t size) {
  PrefObj* p = live<PrefObj>(pref, Kind::Pref);
  if (p == nullptr) return refuse(kInvalidValue, "cublasLtMatmulPreferenceSetAttribute: not a live preference");
  if (buf == nullptr) return refuse(kInvalidValue, "cublasLtMatmulPreferenceSetAttribute: null value");
  if (attr == lt::kPrefMaxWorkspaceBytes && size == sizeof(uint64_t)) {
    std::memcpy(&p->max_workspace, buf, size);
    return kSuccess;
  }
  if (attr >= lt::kPrefMinAlignmentA && attr < lt::kPrefMinAlignmentA + 4 && size == sizeof(uint32_t)) {
    uint32_t align = 0;
    std::memcpy(&align, buf, size);
    if (align == 0 || (align & (align - 1)) != 0) return refuse(kInvalidValue, "alignments are powers of two");
    p->min_align[attr - lt::kPrefMinAlignmentA] = align;
    return kSuccess;
  }
  return refuse(kInvalidValue, "preference attribute " + std::to_string(attr) + " of " + std::to_string(size) +
                                   " bytes is not emulated");
}

Status pref_destroy(lt::MatmulPreference pref) { return destroy<PrefObj>(pref, Kind::Pref, "preference"); }

Status get_heuristic(lt::Handle handle, lt::MatmulDesc desc, lt::MatrixLayout a, lt::MatrixLayout b,
                     lt::MatrixLayout c, lt::MatrixLayout d, lt::MatmulPreference pref, int requested,
                     lt::HeuristicResult* results, int* returned) {
  HandleObj* h = live<HandleObj>(handle, Kind::Handle);
  DescObj* de = live<DescObj>(desc, Kind::Desc);
  LayoutObj *la = live<LayoutObj>(a, Kind::Layout), *lb = live<LayoutObj>(b, Kind::Layout);
  LayoutObj *lc = live<LayoutObj>(c, Kind::Layout), *ld = live<LayoutObj>(d, Kind::Layout);
  PrefObj* p = live<PrefObj>(pref, Kind::Pref);
  if (!h || !de || !la || !lb || !lc || !ld || !p || requested < 1 || !results || !returned)
    return refuse(kInvalidValue, "cublasLtMatmulAlgoGetHeuristic: a handle, descriptor, layout or preference that is "
                                 "not live, or nowhere to put the results");
  if (const Status s = check_device(*h, "cublasLtMatmulAlgoGetHeuristic")) return s;
  bool no_algorithm = false;
  if (const Status s = injected("MatmulAlgoGetHeuristic", h->device, &no_algorithm)) return s;
  {
    std::lock_guard<std::mutex> lock(g_mu);
    ++g_counts[h->device].heuristics;
  }
  uint64_t m = 0, n = 0, k = 0;
  if (const Status s = check_problem(*de, *la, *lb, *lc, *ld, &m, &n, &k)) return s;
  *returned = 0;
  if (no_algorithm) return kSuccess;
  AlgoFields f{};
  const uint64_t split_bytes = 2 * m * n * sizeof(float);
  f.splits = k >= kSplitKMin && split_bytes <= p->max_workspace ? 2 : 1;
  f.workspace = f.splits == 2 ? split_bytes : 0;
  std::memcpy(f.align, p->min_align, sizeof f.align);
  lt::HeuristicResult r{};
  r.algo.data[0] = kAlgoTag;
  static_assert(sizeof(AlgoFields) <= sizeof(r.algo.data) - sizeof(uint64_t), "the algorithm's fields fit");
  std::memcpy(&r.algo.data[1], &f, sizeof f);
  r.workspaceSize = f.workspace;
  r.state = kSuccess;
  r.wavesCount = 1.f;
  results[0] = r;
  *returned = 1;
  return kSuccess;
}

Status matmul(lt::Handle handle, lt::MatmulDesc desc, const void* alpha, const void* A, lt::MatrixLayout a_desc,
              const void* B, lt::MatrixLayout b_desc, const void* beta, const void* C, lt::MatrixLayout c_desc,
              void* D, lt::MatrixLayout d_desc, const lt::MatmulAlgo* algo, void* workspace, size_t workspace_bytes,
              void* stream_ptr) {
  HandleObj* h = live<HandleObj>(handle, Kind::Handle);
  DescObj* de = live<DescObj>(desc, Kind::Desc);
  LayoutObj *la = live<LayoutObj>(a_desc, Kind::Layout), *lb = live<LayoutObj>(b_desc, Kind::Layout);
  LayoutObj *lc = live<LayoutObj>(c_desc, Kind::Layout), *ld = live<LayoutObj>(d_desc, Kind::Layout);
  if (!h || !de || !la || !lb || !lc || !ld || !alpha || !beta)
    return refuse(kInvalidValue, "cublasLtMatmul: a handle, descriptor or layout that is not live, or null alpha/beta");
  if (algo == nullptr || algo->data[0] != kAlgoTag)
    return refuse(kInvalidValue, "cublasLtMatmul: an algorithm this library's heuristic did not return");
  if (const Status s = check_device(*h, "cublasLtMatmul")) return s;
  if (const Status s = injected("Matmul", h->device)) return s;
  uint64_t m = 0, n = 0, k = 0;
  if (const Status s = check_problem(*de, *la, *lb, *lc, *ld, &m, &n, &k)) return s;
  AlgoFields f{};
  std::memcpy(&f, &algo->data[1], sizeof f);
  float alpha_v = 0.f, beta_v = 0.f;
  std::memcpy(&alpha_v, alpha, sizeof alpha_v);  // host pointer mode: read now, fixed in a captured graph
  std::memcpy(&beta_v, beta, sizeof beta_v);
  if (C == D && (lc->ld != ld->ld || lc->type != ld->type))
    return refuse(kInvalidValue, "in place (C == D) needs D's layout to be C's");
  const void* operands[4] = {A, B, C, D};
  const char* names[4] = {"A", "B", "C", "D"};
  const LayoutObj* layouts[4] = {la, lb, lc, ld};
  for (int i = 0; i < 4; ++i) {
    if (i == 2 && beta_v == 0.f) continue;  // C is not read
    const uintptr_t addr = reinterpret_cast<uintptr_t>(operands[i]);
    if (addr % f.align[i] != 0)
      return refuse(kInvalidValue, std::string(names[i]) + " is not " + std::to_string(f.align[i]) +
                                       "-byte aligned, as the preference promised the heuristic");
    if (const Status s = check_inside_allocation(operands[i], extent_bytes(*layouts[i]), names[i])) return s;
  }
  if (f.workspace > 0) {
    if (workspace == nullptr || workspace_bytes < f.workspace)
      return refuse(kInvalidValue, "the algorithm needs " + std::to_string(f.workspace) + " bytes of workspace, got " +
                                       std::to_string(workspace_bytes));
    if (const Status s = check_inside_allocation(workspace, f.workspace, "workspace")) return s;
  }
  const bool ta = de->op_a == lt::kOpT, tb = de->op_b == lt::kOpT;
  cudaStream_t stream = static_cast<cudaStream_t>(stream_ptr);
  if (lc->type == lt::kCudaR32F)
    launch<float>(f, m, n, k, ta, tb, A, la->ld, B, lb->ld, alpha_v, beta_v, C, lc->ld, D, ld->ld, workspace, stream);
  else
    launch<bf16>(f, m, n, k, ta, tb, A, la->ld, B, lb->ld, alpha_v, beta_v, C, lc->ld, D, ld->ld, workspace, stream);
  if (cudaGetLastError() != cudaSuccess) return refuse(kExecutionFailed, "cublasLtMatmul: the launch failed");
  std::lock_guard<std::mutex> lock(g_mu);
  Counts& counts = g_counts[h->device];
  ++counts.matmuls;
  if (f.splits == 2) {
    ++counts.split_k;
    g_split_k_workspace[stream_ptr] = workspace;
  }
  return kSuccess;
}

}  // namespace

// Read once, like lt::backend_choice() (matmul.cu asks on every GEMM). A throwing initializer leaves the static
// uninitialized, so a malformed value throws again next time.
tf::cuda::GemmBackendChoice backend_choice() {
  static const tf::cuda::GemmBackendChoice choice = tf::cuda::parse_gemm_backend(std::getenv("TF_CUDA_GEMM"));
  return choice;
}

const lt::Library& library() {
  // A throwing initializer leaves the static uninitialized, so a malformed TF_CUDA_GEMM throws again next time.
  static const lt::Library lib = [] {
    lt::Library l;
    if (backend_choice() == tf::cuda::GemmBackendChoice::Wmma) {
      l.why_not = "TF_CUDA_GEMM=wmma";
      return l;
    }
    const char* on = std::getenv("TF_CUDA_EMU_CUBLASLT");
    if (on == nullptr || std::strcmp(on, "1") != 0) {
      l.why_not = "the CUDA emulator's cuBLASLt is off; TF_CUDA_EMU_CUBLASLT=1 turns it on";
      return l;
    }
    // Loaded: `dl` only has to be non-null (Library::loaded); nothing ever dlcloses the library.
    static int loaded_marker = 0;
    l.dl = &loaded_marker;
    l.name = "the CUDA emulator's cuBLASLt";
    l.version = get_version();
    l.create = create;
    l.destroy = destroy_handle;
    l.get_version = get_version;
    l.desc_create = desc_create;
    l.desc_set = desc_set;
    l.desc_destroy = desc_destroy;
    l.layout_create = layout_create;
    l.layout_destroy = layout_destroy;
    l.pref_create = pref_create;
    l.pref_set = pref_set;
    l.pref_destroy = pref_destroy;
    l.get_heuristic = get_heuristic;
    l.matmul = matmul;
    return l;
  }();
  return lib;
}

void fail_next(const std::string& call, int status, int device, int count) {
  std::lock_guard<std::mutex> lock(g_mu);
  g_failures[{call, device}] = {status, count};
}

Counts counts(int device) {
  std::lock_guard<std::mutex> lock(g_mu);
  return g_counts[device];
}

const void* last_split_k_workspace(const void* stream) {
  std::lock_guard<std::mutex> lock(g_mu);
  auto it = g_split_k_workspace.find(stream);
  return it == g_split_k_workspace.end() ? nullptr : it->second;
}

}  // namespace tf_emu::cublaslt
