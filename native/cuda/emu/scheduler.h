#pragma once
// The emulator's execution model. A launch runs its blocks one after another on the calling OS thread; a block's
// threads are fibers that run until they must meet other threads:
//   - __syncthreads(): until every live thread of the block has arrived;
//   - a warp collective (__syncwarp, __shfl_*_sync, every WMMA call): until every lane in its mask has arrived,
//     then one `combine` computes all lanes' results at once.
// Everything a real GPU leaves undefined here is made to fail loudly instead of working by luck: lanes of one
// warp meeting in different collectives or masks, a lane exiting while its warp waits for it, a barrier some
// threads never reach (deadlock), a mask without the caller's own lane. Threads run in forward order in even
// Blocks rotate through four orders: threads start (and rejoin after each barrier) forward or in reverse, and
// released threads either queue behind every other warp or jump the line so their warp runs ahead until it
// blocks. Code that reads another thread's shared-memory write without a barrier between them, or a warp that
// overwrites a tile others still read, then sees the missing value in some of the blocks.
// Dynamic shared memory is filled with 0xFF bytes (NaN as float and bf16) before each block.
#include <cstddef>
#include <cstdint>
#include <string>

#include "vector_types.h"

namespace tf_emu {

// Inside a kernel: the calling thread's indices and the launch's geometry.
struct KernelThread {
  uint3 idx{0, 0, 0};
  int linear = 0;  // x + y * bx + z * bx * by
};
KernelThread& current_thread();
const uint3& current_block_idx();
const dim3& current_block_dim();
const dim3& current_grid_dim();

// Lane arguments of a warp collective: lane_args[l] is what lane l passed (nullptr for lanes not in mask).
using Combine = void (*)(void* const* lane_args, unsigned mask);
void warp_collective(const char* op, unsigned mask, void* my_args, Combine combine);
void block_barrier();
// Aborts the running kernel with a message (the launch then fails with cudaErrorLaunchFailure).
[[noreturn]] void kernel_fault(const std::string& what);
void* dynamic_shared_memory();
// Called (by translate.mjs's code) where a kernel declares static shared memory: the first thread of each block to
// get there fills it with 0xFF bytes (NaN), before any thread of the block can have written it.
void poison_shared(void* p, size_t bytes);
int lane_id();
// Whether [p, p + bytes) lies in the running block's shared memory (dynamic, or a static __shared__ array).
bool in_shared_memory(const void* p, size_t bytes);

// cp.async (sm_80) for ptx.h. Each thread's copies wait in its own queue: async_commit closes the open ones into a
// group, async_wait(n) lands every group but the n newest, in order (cp.async.wait_group n). Until its copy lands,
// the destination holds 0xFF bytes (NaN), so a tile read before the wait and the barrier that publish it reads
// NaN, and a copy issued into a buffer other threads still read spoils what they read. zero_fill writes zeros
// and reads nothing (a src-size of 0). A thread's copies still pending when it exits land then.
void async_copy(void* shared_dst, const void* src, size_t bytes, bool zero_fill);
void async_commit();
void async_wait(int newest_groups_pending);

struct KernelBody {
  void (*fn)(void*);
  void* ctx;
};

// Runs a whole grid. Returns "" on success, else why the launch failed (the caller maps it to a cudaError).
// name is for messages; shared_limit bounds static + dynamic shared memory (48 KiB,
// or the device's opt-in maximum when the kernel raised its dynamic limit).
struct LaunchResult {
  int error = 0;  // a cudaError_t value; 0 = success
  std::string message;
};
LaunchResult run_grid(const char* name, dim3 grid, dim3 block, size_t dynamic_smem,
                      size_t shared_limit, KernelBody body);
// "kernel K, block (x,y,z), thread (x,y,z) (warp w, lane l)" when called on an emulated GPU thread (fault.cc's
// signal handler); false elsewhere.
bool describe_running_thread(char* out, size_t n);

}  // namespace tf_emu
