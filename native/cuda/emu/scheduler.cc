#include "scheduler.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <memory>
#include <unordered_map>
#include <vector>

#include "fiber.h"
#include "limits.h"
#include "state.h"

namespace tf_emu {

namespace {

enum class ThreadState { Ready, Running, AtBarrier, AtWarp, Done };

struct AsyncCopy {
  void* dst = nullptr;
  const void* src = nullptr;  // nullptr: zero fill
  size_t bytes = 0;
};

struct Thread {
  Context ctx;
  KernelThread k;
  int warp = 0, lane = 0;
  ThreadState state = ThreadState::Ready;
  const char* waiting_in = nullptr;
  std::vector<AsyncCopy> open_copies;               // cp.async issued since the last commit
  // Committed, oldest first. A vector, not a deque: a deque allocates on construction, and every emulated thread of
  // every block is constructed, which made malloc a tenth of a GEMM-heavy run's time. Kernels keep 2-3 groups.
  std::vector<std::vector<AsyncCopy>> copy_groups;
};

void land(const std::vector<AsyncCopy>& copies) {
  for (const AsyncCopy& c : copies) {
    if (c.src) std::memcpy(c.dst, c.src, c.bytes);
    else std::memset(c.dst, 0, c.bytes);
  }
}

// One collective in progress in a warp (disjoint masks may be in progress at once, as on Volta and later).
struct Pending {
  const char* op = nullptr;
  unsigned mask = 0, arrived = 0;
  Combine combine = nullptr;
  void* args[32] = {};
};

struct Warp {
  unsigned exited = 0;  // lanes that returned from the kernel
  unsigned lanes = 0;   // lanes that exist (the last warp of a block may be partial)
  std::vector<Pending> pending;
};

struct FaultUnwind {};  // thrown by kernel_fault, caught at the bottom of the fiber

struct Block {
  std::vector<Thread> threads;
  std::vector<Warp> warps;
  std::deque<Thread*> ready;
  int live = 0, at_barrier = 0;
  bool reverse = false;  // threads start, and rejoin after each barrier, in reverse order
  bool greedy = false;   // released threads go to the front of the line: one warp runs ahead until it blocks
  std::string fault;
  Context scheduler;
  uint3 idx{0, 0, 0};
};

struct GridRun {
  const char* name = "";
  dim3 grid, block;
  KernelBody body{};
  void* smem = nullptr;  // dynamic shared memory: exactly the bytes asked for, then a guard page
  size_t smem_bytes = 0, shared_limit = 0;
  size_t static_shared = 0;  // bytes of static __shared__ arrays the kernel declared (counted once per launch)
  std::unordered_map<void*, size_t> static_arrays;
};

thread_local Block* g_block = nullptr;
thread_local Thread* g_cur = nullptr;
thread_local GridRun* g_launch = nullptr;
thread_local std::vector<std::unique_ptr<FiberStack>> g_stacks;
thread_local uint64_t g_block_epoch = 0;
// TF_CUDA_EMU_ORDER, read once: -1 rotates per block, else 0 forward, 1 reverse, 2 greedy, 3 greedy-reverse.
const int g_fixed_order = [] {
  const char* v = std::getenv("TF_CUDA_EMU_ORDER");
  if (!v || !*v) return -1;
  const std::string s = v;
  if (s == "forward") return 0;
  if (s == "reverse") return 1;
  if (s == "greedy") return 2;
  if (s == "greedy-reverse") return 3;
  std::fprintf(stderr, "tf_emu: TF_CUDA_EMU_ORDER=%s is not forward, reverse, greedy or greedy-reverse; rotating\n", v);
  return -1;
}();  // increases with every block run on this OS thread
thread_local std::unordered_map<void*, uint64_t> g_poisoned;  // static shared array -> epoch it was last filled

// Large enough for the kernels' local arrays (fragments, index tables) with room to spare; mmap'd lazily.
constexpr size_t kStackBytes = 256 * 1024;

std::string where(const Thread& t) {
  char buf[160];
  std::snprintf(buf, sizeof buf, "block (%u,%u,%u), thread (%u,%u,%u) (warp %d, lane %d)", g_block->idx.x,
                g_block->idx.y, g_block->idx.z, t.k.idx.x, t.k.idx.y, t.k.idx.z, t.warp, t.lane);
  return buf;
}

// Starts loading the saved registers of the thread that will run after the one about to: a block's fibers' stacks
// do not fit in the cache together, and the switch to a fiber otherwise waits on that load (most of a switch's time,
// and a quarter of a GEMM-heavy emulated run's). By the time that thread's turn comes, its line is in.
inline void prefetch_next_stack(const Block& b) {
  if (!b.ready.empty()) {
    const char* sp = static_cast<const char*>(b.ready.front()->ctx.sp);
    __builtin_prefetch(sp);
    __builtin_prefetch(sp + 63);
  }
}

// Hands the OS thread to the next ready thread directly (one switch instead of two through the scheduler), or back
// to the scheduler when none is ready (the block is done, deadlocked or faulted).
void yield_to_scheduler() {
  Thread* t = g_cur;
  Block& b = *g_block;
  if (b.fault.empty() && !b.ready.empty()) {
    Thread* next = b.ready.front();
    b.ready.pop_front();
    if (next == t) {  // released itself and is first in line: keep running
      t->state = ThreadState::Running;
      return;
    }
    next->state = ThreadState::Running;
    g_cur = next;
    prefetch_next_stack(b);
    switch_context(t->ctx, next->ctx);
    return;
  }
  switch_context(t->ctx, b.scheduler);
}

void make_ready(Thread* t) {
  t->state = ThreadState::Ready;
  t->waiting_in = nullptr;
  g_block->ready.push_back(t);
}

void make_ready_front(Thread* t) {
  t->state = ThreadState::Ready;
  t->waiting_in = nullptr;
  g_block->ready.push_front(t);
}

// Makes threads [first, first + count) that satisfy `waiting` ready, in this block's order: at the back of the
// line (every warp advances in turn), or in a greedy block at the front (the released threads run ahead of
// every other warp until they block, so a warp that needs a barrier it does not have overtakes the others).
template <typename Pred>
void make_ready_range(Thread* first, size_t count, Pred waiting) {
  const bool backwards = g_block->reverse != g_block->greedy;  // front insertion reverses the order once more
  void (*put)(Thread*) = g_block->greedy ? &make_ready_front : &make_ready;
  if (backwards) {
    for (size_t i = count; i-- > 0;)
      if (waiting(first[i])) put(&first[i]);
  } else {
    for (size_t i = 0; i < count; ++i)
      if (waiting(first[i])) put(&first[i]);
  }
}

void release_barrier_if_complete() {
  Block& b = *g_block;
  if (b.at_barrier == 0 || b.at_barrier < b.live) return;
  b.at_barrier = 0;
  make_ready_range(b.threads.data(), b.threads.size(), [](const Thread& t) { return t.state == ThreadState::AtBarrier; });
}

std::string hex(unsigned v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08x", v);
  return buf;
}

void fiber_entry(void* arg) {
  Thread* t = static_cast<Thread*>(arg);
  try {
    g_launch->body.fn(g_launch->body.ctx);
    for (const auto& group : t->copy_groups) land(group);
    land(t->open_copies);
  } catch (const FaultUnwind&) {
    // g_block->fault already says what happened.
  } catch (const std::exception& e) {
    if (g_block->fault.empty()) g_block->fault = where(*t) + ": exception in kernel: " + e.what();
  }
  t->state = ThreadState::Done;
  Block& b = *g_block;
  b.live -= 1;
  Warp& w = b.warps[t->warp];
  w.exited |= 1u << t->lane;
  for (const Pending& p : w.pending)
    if ((p.mask & (1u << t->lane)) && b.fault.empty())
      b.fault = where(*t) + ": exited while lanes " + hex(p.arrived) + " of its warp wait for it in " + p.op +
                " (mask " + hex(p.mask) + ")";
  release_barrier_if_complete();
  switch_context(t->ctx, b.scheduler);
  std::abort();  // a finished fiber is never resumed
}

std::string describe_deadlock(const Block& b) {
  // Consecutive threads in the same wait are listed as one range.
  std::string out;
  size_t i = 0;
  while (i < b.threads.size()) {
    const Thread& t = b.threads[i];
    size_t j = i;
    while (j + 1 < b.threads.size() && b.threads[j + 1].state == t.state &&
           b.threads[j + 1].waiting_in == t.waiting_in)
      ++j;
    if (t.state != ThreadState::Done) {
      if (!out.empty()) out += "; ";
      out += "threads " + std::to_string(i) + "-" + std::to_string(j) + " wait in " +
             (t.waiting_in ? t.waiting_in : "?");
    }
    i = j + 1;
  }
  return out;
}

void run_block(GridRun& L, uint3 idx, uint64_t linear) {
  ++g_block_epoch;
  Block b;
  b.idx = idx;
  // Blocks rotate through the four orders (forward / reverse, fair / greedy), so every launch of more than a few
  // blocks runs its threads in each of them. TF_CUDA_EMU_ORDER=forward|reverse|greedy|greedy-reverse fixes one.
  const int order = g_fixed_order >= 0 ? g_fixed_order : int(linear % 4);
  b.reverse = order == 1 || order == 3;
  b.greedy = order >= 2;
  const unsigned n = L.block.x * L.block.y * L.block.z;
  b.threads.resize(n);
  b.warps.resize((n + 31) / 32);
  for (unsigned w = 0; w < b.warps.size(); ++w) {
    const unsigned in_warp = std::min(32u, n - w * 32);
    b.warps[w].lanes = in_warp == 32 ? 0xffffffffu : ((1u << in_warp) - 1);
  }
  while (g_stacks.size() < n) g_stacks.push_back(std::make_unique<FiberStack>(kStackBytes, g_stacks.size() * 320));
  g_block = &b;
  for (unsigned i = 0; i < n; ++i) {
    Thread& t = b.threads[i];
    t.k.linear = int(i);
    t.k.idx = {i % L.block.x, (i / L.block.x) % L.block.y, i / (L.block.x * L.block.y)};
    t.warp = int(i / 32);
    t.lane = int(i % 32);
    make_context(t.ctx, *g_stacks[i], &fiber_entry, &t);
  }
  b.live = int(n);
  make_ready_range(b.threads.data(), b.threads.size(), [](const Thread&) { return true; });
  if (L.smem) std::memset(L.smem, 0xff, L.smem_bytes);
  while (!b.ready.empty() && b.fault.empty()) {
    Thread* t = b.ready.front();
    b.ready.pop_front();
    t->state = ThreadState::Running;
    g_cur = t;
    prefetch_next_stack(b);
    switch_context(b.scheduler, t->ctx);
  }
  g_cur = nullptr;
  if (b.fault.empty() && b.live > 0) {
    char buf[80];
    std::snprintf(buf, sizeof buf, "block (%u,%u,%u): ", idx.x, idx.y, idx.z);
    b.fault = std::string(buf) + "deadlock: " + describe_deadlock(b);
  }
  g_block = nullptr;
  if (!b.fault.empty()) throw std::string(b.fault);
}

}  // namespace

KernelThread& current_thread() {
  if (!g_cur) {
    std::fprintf(stderr, "tf_emu: threadIdx used outside a kernel\n");
    std::abort();
  }
  return g_cur->k;
}
const uint3& current_block_idx() { return g_block->idx; }
const dim3& current_block_dim() { return g_launch->block; }
const dim3& current_grid_dim() { return g_launch->grid; }
int lane_id() { return g_cur->lane; }
void* dynamic_shared_memory() { return g_launch->smem; }

void poison_shared(void* p, size_t bytes) {
  if (g_launch->static_arrays.emplace(p, bytes).second) {
    g_launch->static_shared += bytes;
    const size_t total = g_launch->static_shared + g_launch->smem_bytes;
    if (g_launch->static_shared > limits::kDefaultSharedBytes || total > g_launch->shared_limit)
      kernel_fault("uses " + std::to_string(g_launch->static_shared) + " bytes of static and " +
                   std::to_string(g_launch->smem_bytes) + " of dynamic shared memory, more than the " +
                   std::to_string(g_launch->static_shared > limits::kDefaultSharedBytes ? limits::kDefaultSharedBytes
                                                                                        : g_launch->shared_limit) +
                   " a block may have (a device refuses the launch)");
  }
  uint64_t& epoch = g_poisoned[p];
  if (epoch == g_block_epoch) return;
  std::memset(p, 0xff, bytes);
  epoch = g_block_epoch;
}

bool in_shared_memory(const void* p, size_t bytes) {
  const auto* c = static_cast<const unsigned char*>(p);
  const auto* dyn = static_cast<const unsigned char*>(g_launch->smem);
  if (dyn && c >= dyn && c + bytes <= dyn + g_launch->smem_bytes) return true;
  for (const auto& [array, size] : g_launch->static_arrays) {
    const auto* a = static_cast<const unsigned char*>(array);
    if (c >= a && c + bytes <= a + size) return true;
  }
  return false;
}

void async_copy(void* shared_dst, const void* src, size_t bytes, bool zero_fill) {
  if (!in_shared_memory(shared_dst, bytes))
    kernel_fault("cp.async to an address outside the block's shared memory");
  if (reinterpret_cast<uintptr_t>(shared_dst) % bytes != 0 || reinterpret_cast<uintptr_t>(src) % bytes != 0)
    kernel_fault("cp.async of " + std::to_string(bytes) + " bytes from or to an address not aligned to them");
  std::memset(shared_dst, 0xff, bytes);
  g_cur->open_copies.push_back({shared_dst, zero_fill ? nullptr : src, bytes});
}

void async_commit() {
  Thread* t = g_cur;
  t->copy_groups.push_back(std::move(t->open_copies));
  t->open_copies.clear();
}

void async_wait(int newest_groups_pending) {
  Thread* t = g_cur;
  while (int(t->copy_groups.size()) > newest_groups_pending) {
    land(t->copy_groups.front());
    t->copy_groups.erase(t->copy_groups.begin());
  }
}

void kernel_fault(const std::string& what) {
  if (g_block->fault.empty()) g_block->fault = where(*g_cur) + ": " + what;
  throw FaultUnwind{};
}

void block_barrier() {
  Block& b = *g_block;
  Thread* t = g_cur;
  t->state = ThreadState::AtBarrier;
  t->waiting_in = "__syncthreads";
  b.at_barrier += 1;
  release_barrier_if_complete();
  yield_to_scheduler();
}

void warp_collective(const char* op, unsigned mask, void* my_args, Combine combine) {
  Block& b = *g_block;
  Thread* t = g_cur;
  Warp& w = b.warps[t->warp];
  const unsigned bit = 1u << t->lane;
  if (!(mask & bit)) kernel_fault(std::string(op) + " with mask " + hex(mask) + ", which leaves out the calling lane");
  if (mask & ~w.lanes) kernel_fault(std::string(op) + " with mask " + hex(mask) + " naming lanes that do not exist");
  if (mask & w.exited)
    kernel_fault(std::string(op) + " with mask " + hex(mask) + " naming lanes that already exited (" + hex(mask & w.exited) + ")");
  Pending* p = nullptr;
  for (Pending& q : w.pending) {
    if (!(q.mask & bit) && !(q.mask & mask)) continue;
    if (q.mask != mask || (q.op != op && std::strcmp(q.op, op) != 0))
      kernel_fault("calls " + std::string(op) + " (mask " + hex(mask) + ") while lanes " + hex(q.arrived) +
                   " of its warp wait in " + q.op + " (mask " + hex(q.mask) + "): the warp's lanes diverged");
    if (q.arrived & bit) kernel_fault(std::string(op) + " entered twice by one lane");
    p = &q;
    break;
  }
  if (!p) {
    w.pending.emplace_back();
    p = &w.pending.back();
    p->op = op;
    p->mask = mask;
    p->combine = combine;
  }
  p->args[t->lane] = my_args;
  p->arrived |= bit;
  t->state = ThreadState::AtWarp;
  t->waiting_in = op;
  if (p->arrived == p->mask) {
    p->combine(p->args, p->mask);
    const unsigned done = p->mask;
    w.pending.erase(w.pending.begin() + (p - w.pending.data()));
    make_ready_range(&b.threads[size_t(t->warp) * 32], size_t(std::min(32, int(b.threads.size()) - t->warp * 32)),
                     [&](const Thread& x) { return (done >> x.lane) & 1u; });
  }
  yield_to_scheduler();
}

bool describe_running_thread(char* out, size_t n) {
  if (!g_cur || !g_block || !g_launch) return false;
  std::snprintf(out, n, "kernel %s, %s", g_launch->name, where(*g_cur).c_str());
  return true;
}

namespace {

// The floating-point control state every fiber shares (fiber.cc does not switch it): the SSE control bits (rounding,
// flush-to-zero, exception masks; not the sticky exception flags, bits 0-5, which any arithmetic sets) and the x87
// control word.
struct FpControl {
  uint32_t mxcsr = 0;
  uint16_t x87 = 0;
  bool operator==(const FpControl& o) const { return mxcsr == o.mxcsr && x87 == o.x87; }
};
FpControl fp_control() {
  FpControl c;
#if defined(__x86_64__)
  asm volatile("stmxcsr %0" : "=m"(c.mxcsr));
  asm volatile("fnstcw %0" : "=m"(c.x87));
  c.mxcsr &= ~0x3fu;
#endif
  return c;
}
void set_fp_control(const FpControl& c) {
#if defined(__x86_64__)
  uint32_t mxcsr = 0;
  asm volatile("stmxcsr %0" : "=m"(mxcsr));
  mxcsr = (mxcsr & 0x3fu) | c.mxcsr;
  asm volatile("ldmxcsr %0" : : "m"(mxcsr));
  asm volatile("fldcw %0" : : "m"(c.x87));
#else
  (void)c;
#endif
}

}  // namespace

LaunchResult run_grid(const char* name, dim3 grid, dim3 block, size_t dynamic_smem, size_t shared_limit,
                      KernelBody body) {
  install_fault_reporting();
  LaunchResult r;
  GridRun L;
  L.name = name;
  L.grid = grid;
  L.block = block;
  L.body = body;
  L.smem_bytes = dynamic_smem;
  L.shared_limit = shared_limit;
  GuardedRegion smem;
  if (dynamic_smem > 0) {
    smem = map_guarded(dynamic_smem, 128);
    if (!smem.start) {
      r.error = 2;  // cudaErrorMemoryAllocation
      r.message = std::string("kernel ") + name + ": no host memory for its dynamic shared memory";
      return r;
    }
    L.smem = smem.start;
  }
  struct Unmap {
    GuardedRegion& g;
    ~Unmap() { unmap_guarded(g.mapping, g.mapping_bytes); }
  } unmap{smem};
  GridRun* outer = g_launch;
  if (outer) {
    r.error = 1;
    r.message = std::string("kernel ") + name + " launched from inside a kernel (dynamic parallelism is not emulated)";
    return r;
  }
  g_launch = &L;
  const FpControl fp_before = fp_control();
  uint64_t linear = 0;
  try {
    for (unsigned z = 0; z < grid.z; ++z)
      for (unsigned y = 0; y < grid.y; ++y)
        for (unsigned x = 0; x < grid.x; ++x, ++linear) run_block(L, {x, y, z}, linear);
  } catch (const std::string& fault) {
    r.error = 719;  // cudaErrorLaunchFailure
    r.message = std::string("kernel ") + name + ", " + fault;
  }
  g_launch = nullptr;
  // A kernel that changed them would have changed them for every other emulated thread too (the fibers share them),
  // and for the host code after it: the launch fails, and the host gets its own state back.
  if (!(fp_control() == fp_before)) {
    set_fp_control(fp_before);
    if (r.error == 0) {
      r.error = 719;
      r.message = std::string("kernel ") + name + " changed the floating-point control registers (rounding mode, "
                  "flush-to-zero or exception masks); the emulator runs every thread with the host's and does not "
                  "emulate per-thread modes";
    }
  }
  return r;
}

}  // namespace tf_emu
