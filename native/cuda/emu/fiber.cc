#include "fiber.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <new>
#include <stdexcept>

#if !defined(__x86_64__)
#include <ucontext.h>
#endif

namespace tf_emu {

FiberStack::FiberStack(size_t bytes, size_t color) : color_(color % 4096) {
  const size_t page = size_t(sysconf(_SC_PAGESIZE));
  bytes_ = (bytes + page - 1) / page * page + kGuardBytes;
  base_ = mmap(nullptr, bytes_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (base_ == MAP_FAILED) throw std::bad_alloc();
  mprotect(base_, kGuardBytes, PROT_NONE);
}

FiberStack::~FiberStack() { munmap(base_, bytes_); }

#if defined(__x86_64__)

// tf_emu_switch(void** save_sp, void* load_sp): pushes the callee-saved general registers, stores rsp, loads the
// other fiber's rsp and pops its registers. tf_emu_trampoline starts a new fiber: r12 holds the argument and r13 the
// entry function (placed there by make_context).
// The SSE and x87 control words (rounding mode, exception masks) are not switched, unlike a general-purpose context
// switch: all fibers share the process's, since no emulated kernel changes them (the emulator has only the
// round-to-nearest intrinsics). Saving and loading them was 90 % of a switch's time (ldmxcsr and fldcw wait for the
// FP pipeline to drain) and a quarter of an emulated model run's; run_grid checks that a kernel left them as it
// found them.
asm(R"(
  .text
  .globl tf_emu_switch
  .type tf_emu_switch, @function
tf_emu_switch:
  pushq %rbp
  pushq %rbx
  pushq %r12
  pushq %r13
  pushq %r14
  pushq %r15
  movq %rsp, (%rdi)
  movq %rsi, %rsp
  popq %r15
  popq %r14
  popq %r13
  popq %r12
  popq %rbx
  popq %rbp
  ret
  .size tf_emu_switch, .-tf_emu_switch

  .globl tf_emu_trampoline
  .type tf_emu_trampoline, @function
tf_emu_trampoline:
  movq %r12, %rdi
  callq *%r13
  ud2
  .size tf_emu_trampoline, .-tf_emu_trampoline
  .section .note.GNU-stack,"",@progbits
  .text
)");

extern "C" void tf_emu_switch(void** save_sp, void* load_sp);
extern "C" void tf_emu_trampoline();

Context::~Context() = default;

void make_context(Context& ctx, FiberStack& stack, void (*entry)(void*), void* arg) {
  // After tf_emu_switch's final `ret` pops the trampoline's address, rsp must be 16-byte aligned so that the
  // trampoline's `call` gives the entry function the ABI's alignment.
  auto top = reinterpret_cast<uintptr_t>(stack.top()) & ~uintptr_t(15);
  auto* s = reinterpret_cast<uint64_t*>(top - 16);  // rsp after ret
  *--s = reinterpret_cast<uint64_t>(&tf_emu_trampoline);  // ret address
  *--s = 0;                                          // rbp
  *--s = 0;                                          // rbx
  *--s = reinterpret_cast<uint64_t>(arg);            // r12
  *--s = reinterpret_cast<uint64_t>(entry);          // r13
  *--s = 0;                                          // r14
  *--s = 0;                                          // r15
  ctx.sp = s;
}

void switch_context(Context& from, Context& to) { tf_emu_switch(&from.sp, to.sp); }

#else  // ucontext fallback

Context::~Context() { delete static_cast<ucontext_t*>(uc); }

namespace {
struct Start {
  void (*entry)(void*);
  void* arg;
};
void start_thunk(unsigned hi_e, unsigned lo_e, unsigned hi_a, unsigned lo_a) {
  auto e = reinterpret_cast<void (*)(void*)>((uintptr_t(hi_e) << 32) | lo_e);
  auto a = reinterpret_cast<void*>((uintptr_t(hi_a) << 32) | lo_a);
  e(a);
  std::abort();  // entry must not return
}
ucontext_t* uctx(Context& c) {
  if (!c.uc) c.uc = new ucontext_t();
  return static_cast<ucontext_t*>(c.uc);
}
}  // namespace

void make_context(Context& ctx, FiberStack& stack, void (*entry)(void*), void* arg) {
  ucontext_t* u = uctx(ctx);
  getcontext(u);
  u->uc_stack.ss_sp = static_cast<char*>(stack.base()) + kGuardBytes;
  u->uc_stack.ss_size = stack.bytes() - kGuardBytes - 4096;
  u->uc_link = nullptr;
  const auto e = reinterpret_cast<uintptr_t>(entry), a = reinterpret_cast<uintptr_t>(arg);
  makecontext(u, reinterpret_cast<void (*)()>(&start_thunk), 4, unsigned(e >> 32), unsigned(e), unsigned(a >> 32),
              unsigned(a));
}

void switch_context(Context& from, Context& to) { swapcontext(uctx(from), uctx(to)); }

#endif

}  // namespace tf_emu
