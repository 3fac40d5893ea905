#pragma once
// An emulated cuBLASLt for the CUDA emulator (cublaslt.cu): the thirteen entry points matmul.cu binds
// (cublaslt/loader.h), with the semantics cuBLASLt documents, running its GEMMs as emulated kernels on the caller's
// stream. It exists so the dispatcher's cuBLASLt path (plans, per-stream workspaces, the row-major → column-major
// call, its fallbacks and errors) runs on machines without a GPU, where libcublasLt cannot be used: the emulator's
// device memory is host memory, which a real cuBLASLt could not take.
//
// Off unless TF_CUDA_EMU_CUBLASLT=1 (read once per process, like the real library's dlopen), so the emulated model
// and kernel checks keep running our WMMA kernels; test_cuda_emulated_cublaslt turns it on. It is as strict as the
// documentation allows, so a mistake in our calls fails here rather than on a GPU:
//   - a layout's ld below its rows, operands whose shapes disagree with op(A) m×k, op(B) k×n, C and D m×n,
//     or types other than bf16 A and B with bf16 or fp32 C = D under COMPUTE_32F / R_32F scale: rejected;
//   - an algorithm is chosen for the preference's minimum alignments, and Matmul refuses pointers less aligned;
//   - with K ≥ 32 and room in the workspace the algorithm splits K in two through the workspace (as split-K
//     kernels do), so two streams sharing one workspace race visibly (the emulator's stream orders);
//   - C is not read when beta is 0 (cuBLAS's rule: it may hold anything, here the emulator's NaN);
//   - a handle serves the device that was current when it was created (cuBLAS's rule for its handles);
//   - every operand and the workspace must lie inside one device allocation.
// Failures are reported on stderr, prefixed "emulated cuBLASLt:", with the status a real library returns.
#include <cstdint>
#include <string>

#include "cublaslt/loader.h"

namespace tf_emu::cublaslt {

// The function table dlopen + dlsym would give for a real library (name, version and entry points), or one whose
// why_not says the emulated library is off or TF_CUDA_GEMM=wmma asked for none (the real loader's wording).
// Throws tf::Error for a malformed TF_CUDA_GEMM, as lt::library() does.
const tf::cuda::lt::Library& library();
// TF_CUDA_GEMM as parsed by library() (lt::backend_choice() would dlopen the real library to answer).
tf::cuda::GemmBackendChoice backend_choice();

// Test control: the next `count` calls of `call` ("Create", "MatmulAlgoGetHeuristic" or "Matmul") on `device`
// return `status` without doing anything; kNoAlgorithm makes the heuristic succeed with no result.
constexpr int kNoAlgorithm = -1;
void fail_next(const std::string& call, int status, int device, int count = 1);

// What the library was asked to do on one device, for tests that must see which path a GEMM took.
struct Counts {
  uint64_t creates = 0, heuristics = 0, matmuls = 0, split_k = 0;
};
Counts counts(int device);
// The workspace the last split-K matmul on `stream` used (null if none has run there).
const void* last_split_k_workspace(const void* stream);

}  // namespace tf_emu::cublaslt
