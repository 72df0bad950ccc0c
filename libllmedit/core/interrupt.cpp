#include "libllmedit/core/interrupt.h"

#include <unistd.h>

namespace llmedit {

namespace {

// A signal handler can only talk through a lock-free flag; this is the one place it lives.
volatile std::sig_atomic_t interrupt_flag = 0;

void on_sigint(int) {
  if (interrupt_flag) _exit(130);  // second Ctrl-C: the user really wants out
  interrupt_flag = 1;
  const char message[] = "\nllmedit: interrupt received, stopping at the next checkpoint (Ctrl-C again to abort)\n";
  (void)!write(STDERR_FILENO, message, sizeof(message) - 1);
}

}  // namespace

InterruptGuard::InterruptGuard() {
  interrupt_flag = 0;
  previous_ = std::signal(SIGINT, on_sigint);
}

InterruptGuard::~InterruptGuard() {
  std::signal(SIGINT, previous_ == SIG_ERR ? SIG_DFL : previous_);
  interrupt_flag = 0;
}

bool InterruptGuard::requested() const { return interrupt_flag != 0; }

void InterruptGuard::request() { interrupt_flag = 1; }

}  // namespace llmedit
