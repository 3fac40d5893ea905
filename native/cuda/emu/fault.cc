// Invalid memory accesses inside emulated kernels (a guard page after an allocation or after dynamic shared memory,
// a fiber stack's guard, or a wild pointer): the process still dies with the signal, as a device would report
// cudaErrorIllegalAddress, but first says which kernel, block and thread made the access and where.
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>

#include "scheduler.h"
#include "state.h"

namespace tf_emu {

namespace {

// The handlers that were there before ours. In a Node process that is V8's: WebAssembly bounds checks are
// guard-page faults that V8 turns into exceptions, so a fault outside an emulated kernel goes to it untouched.
struct sigaction g_previous_segv {}, g_previous_bus {};

void pass_on(int sig, siginfo_t* info, void* context) {
  const struct sigaction& prev = sig == SIGBUS ? g_previous_bus : g_previous_segv;
  if ((prev.sa_flags & SA_SIGINFO) && prev.sa_sigaction != nullptr) {
    prev.sa_sigaction(sig, info, context);
    return;
  }
  if (prev.sa_handler != SIG_DFL && prev.sa_handler != SIG_IGN && prev.sa_handler != nullptr) {
    prev.sa_handler(sig);
    return;
  }
  signal(sig, SIG_DFL);
  raise(sig);
}

void report(int sig, siginfo_t* info, void* context) {
  char where[320];
  if (!describe_running_thread(where, sizeof where)) {
    pass_on(sig, info, context);
    return;
  }
  {
    char line[512];
    const int n = std::snprintf(line, sizeof line,
                                "tf_emu: %s: invalid memory access at %p (past the end of an allocation or of dynamic "
                                "shared memory, a stack overflow, or a pointer to nothing); a device would fail with "
                                "cudaErrorIllegalAddress\n",
                                where, info ? info->si_addr : nullptr);
    if (n > 0) (void)!write(STDERR_FILENO, line, size_t(n) < sizeof line ? size_t(n) : sizeof line - 1);
  }
  signal(sig, SIG_DFL);
  raise(sig);
}

}  // namespace

void install_fault_reporting() {
  // The handler runs on an alternate stack (the fiber's own may be the one that overflowed), one per OS thread.
  thread_local bool have_stack = false;
  if (!have_stack) {
    static thread_local char alt[64 * 1024];
    stack_t st{};
    st.ss_sp = alt;
    st.ss_size = sizeof alt;
    sigaltstack(&st, nullptr);
    have_stack = true;
  }
  static std::once_flag once;
  std::call_once(once, [] {
    struct sigaction sa {};
    sa.sa_sigaction = &report;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGSEGV, &sa, &g_previous_segv);
    sigaction(SIGBUS, &sa, &g_previous_bus);
  });
}

}  // namespace tf_emu
