#pragma once
// Fibers for the CUDA emulator: each emulated GPU thread of a block runs on its own stack, and the scheduler
// (scheduler.cc) switches between them at barriers and warp collectives. Cooperative and single-OS-threaded,
// so a block's threads interleave only where real GPU threads must meet anyway (__syncthreads, __syncwarp,
// shuffles, WMMA), which is what lets the emulator detect code that relies on anything else.
//
// The switch is a few instructions of assembly on x86-64 (a block of 256 threads meets at a WMMA call
// thousands of times per kernel; ucontext's swapcontext makes a signal-mask system call per switch, ~50x slower);
// other architectures use ucontext.
#include <cstddef>

namespace tf_emu {

class FiberStack {
 public:
  // `color`: bytes left unused at the top. Stacks are page-aligned, so without it every fiber's hot frames would
  // share the same few cache sets; staggering them keeps 256 fibers' frames in cache at once.
  FiberStack(size_t bytes, size_t color);
  ~FiberStack();
  FiberStack(const FiberStack&) = delete;
  FiberStack& operator=(const FiberStack&) = delete;
  void* top() const { return static_cast<char*>(base_) + bytes_ - color_; }
  void* base() const { return base_; }
  size_t bytes() const { return bytes_; }

 private:
  // The lowest 64 KiB are PROT_NONE: an overflow faults instead of corrupting the next stack, even with a frame
  // larger than one page (the emulated kernels' frames are compiled with -fstack-clash-protection too).
  static constexpr size_t kGuardBytes = 64 * 1024;
  void* base_ = nullptr;
  size_t bytes_ = 0, color_ = 0;
};

// Opaque saved stack pointer (x86-64) or ucontext (elsewhere).
struct Context {
  void* sp = nullptr;
  void* uc = nullptr;  // ucontext_t*, owned, when the fallback is used
  ~Context();
};

// Prepares `ctx` so that the first switch to it runs entry(arg) on `stack`; entry must never return (it switches
// away for the last time instead).
void make_context(Context& ctx, FiberStack& stack, void (*entry)(void*), void* arg);
// Saves the current context into `from` and resumes `to`.
void switch_context(Context& from, Context& to);

}  // namespace tf_emu
