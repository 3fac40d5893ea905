#include "backend/dequant_pipeline.h"

#include <cstdlib>
#include <cstring>

#include "common.cuh"
#include "common/error.h"

namespace tf::cuda {

namespace {

bool expand_ahead_from_env() {
  const char* v = std::getenv("TF_CUDA_DEQUANT_AHEAD");
  return !(v && std::strcmp(v, "0") == 0);
}

}  // namespace

DequantPipeline::DequantPipeline() : schedule_(expand_ahead_from_env()) {
  // The lowest priority: the expansions fill the SMs the main stream's kernels leave idle (the small LoRA, norm and
  // elementwise kernels between GEMMs, a GEMM's last wave) rather than compete with its GEMMs.
  int least = 0, greatest = 0;
  CUDA_CHECK(cudaDeviceGetStreamPriorityRange(&least, &greatest));
  CUDA_CHECK(cudaStreamCreateWithPriority(&side_, cudaStreamNonBlocking, least));
  // Ordering only: events without timing are the cheap kind to record and wait on.
  for (auto* set : {&filled_, &released_})
    for (cudaEvent_t& e : *set) {
      const cudaError_t status = cudaEventCreateWithFlags(&e, cudaEventDisableTiming);
      if (status != cudaSuccess) {
        destroy();  // what was created so far (a constructor that throws gets no destructor call)
        CUDA_CHECK(status);
      }
    }
}

DequantPipeline::~DequantPipeline() { destroy(); }

void DequantPipeline::destroy() {
  // No throw: the side stream's last expansions finish before the buffers they write can be freed.
  if (side_) cudaStreamSynchronize(side_), cudaStreamDestroy(side_), side_ = nullptr;
  for (auto* set : {&filled_, &released_})
    for (cudaEvent_t& e : *set)
      if (e) cudaEventDestroy(e), e = nullptr;
}

void DequantPipeline::begin_pass(cudaStream_t main, int kind) {
  // Whatever the side stream still has in flight (a weight expanded ahead for a request that never came) finishes
  // before anything after this point on the main stream, which is where the arena may be reallocated.
  for (cudaEvent_t e : filled_) CUDA_CHECK(cudaStreamWaitEvent(main, e, 0));
  // And the new pass's first expansions ahead wait for this point of the main stream, whatever the last pass left:
  // the arena's offsets may change between passes without a host sync in between.
  for (cudaEvent_t e : released_) CUDA_CHECK(cudaEventRecord(e, main));
  pass_start_ = schedule_.counts();
  schedule_.begin_pass(kind);
  reading_ = -1;
}

const bf16* DequantPipeline::acquire(const Nf4DeviceView& w, const std::array<bf16*, 2>& buffers,
                                     cudaStream_t main) {
  const DequantSchedule::Request r = schedule_.request(&w);
  bf16* out = buffers[size_t(r.slot)];
  if (!r.cached) {
    // Expanded ahead: wait for the side stream to finish it. A miss: the side stream may still be writing this
    // buffer (a weight expanded ahead that was not asked for), so wait for that too before expanding here.
    CUDA_CHECK(cudaStreamWaitEvent(main, filled_[size_t(r.slot)], 0));
    if (!r.filled_ahead) nf4_dequantize_rows_bf16(w, 0, w.rows, out, main);
  }
  if (r.prefetch) {
    const auto& next = *static_cast<const Nf4DeviceView*>(r.prefetch);
    const size_t s = size_t(r.prefetch_slot);
    // After the last matmul that read this buffer (released), never before.
    CUDA_CHECK(cudaStreamWaitEvent(side_, released_[s], 0));
    nf4_dequantize_rows_bf16(next, 0, next.rows, buffers[s], side_);
    CUDA_CHECK(cudaEventRecord(filled_[s], side_));
  }
  reading_ = r.slot;
  return out;
}

int64_t DequantPipeline::pass_weights() const {
  const DequantSchedule::Counts& now = schedule_.counts();
  return (now.misses + now.filled_ahead + now.cached) -
         (pass_start_.misses + pass_start_.filled_ahead + pass_start_.cached);
}
int64_t DequantPipeline::pass_expanded_ahead() const {
  return schedule_.counts().filled_ahead - pass_start_.filled_ahead;
}

void DequantPipeline::release(cudaStream_t main) {
  TF_CHECK(reading_ >= 0, "internal: DequantPipeline::release without an acquired weight");
  CUDA_CHECK(cudaEventRecord(released_[size_t(reading_)], main));
}

}  // namespace tf::cuda
