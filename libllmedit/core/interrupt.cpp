#include "libllmedit/core/interrupt.h"

#include <unistd.h>

namespace llmedit {

namespace {

// A signal handler can only talk through a lock-free flag; this is the one place it lives. It
// holds the signal's number, 0 while none arrived.
volatile std::sig_atomic_t interrupt_signal = 0;

void on_signal(int signal) {
  if (interrupt_signal) _exit(128 + signal);  // the second signal: the user really wants out
  interrupt_signal = signal;
  // Only async-signal-safe calls here: write() of a fixed text.
  static const char on_int[] = "\nllmedit: SIGINT received, stopping at the next checkpoint (Ctrl-C again to abort)\n";
  static const char on_term[] = "\nllmedit: SIGTERM received, stopping at the next checkpoint (send it again to abort)\n";
  if (signal == SIGTERM) (void)!write(STDERR_FILENO, on_term, sizeof(on_term) - 1);
  else (void)!write(STDERR_FILENO, on_int, sizeof(on_int) - 1);
}

void install(int signal, struct sigaction* previous) {
  struct sigaction action {};
  action.sa_handler = on_signal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;  // reads and writes in progress finish instead of failing with EINTR
  sigaction(signal, &action, previous);
}

}  // namespace

InterruptGuard::InterruptGuard() {
  interrupt_signal = 0;
  install(SIGINT, &previous_int_);
  install(SIGTERM, &previous_term_);
}

InterruptGuard::~InterruptGuard() {
  sigaction(SIGINT, &previous_int_, nullptr);
  sigaction(SIGTERM, &previous_term_, nullptr);
  interrupt_signal = 0;
}

bool InterruptGuard::requested() const { return interrupt_signal != 0; }

void InterruptGuard::request(int signal) { interrupt_signal = signal; }

int InterruptGuard::signal() const { return interrupt_signal; }

int InterruptGuard::exit_code() const { return 128 + (interrupt_signal ? interrupt_signal : SIGINT); }

}  // namespace llmedit
