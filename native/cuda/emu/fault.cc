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

void report(int sig, siginfo_t* info, void*) {
  char where[320];
  if (describe_running_thread(where, sizeof where)) {
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
    sigaction(SIGSEGV, &sa, nullptr);
    sigaction(SIGBUS, &sa, nullptr);
  });
}

}  // namespace tf_emu
