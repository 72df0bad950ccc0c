// Ctrl-C (SIGINT) or a scheduler's SIGTERM during long work: the first signal asks the work to
// stop at its next safe point (a training step saves a checkpoint and returns, augmentation keeps
// its finished replies); a second one exits at once. The program then exits 128 + the signal's
// number (130 for SIGINT, 143 for SIGTERM), as a shell reports a process killed by it.
#pragma once
#include <csignal>
#include <stdexcept>
#include <string>

namespace llmedit {

// Installs the SIGINT and SIGTERM handlers while alive and restores the previous ones on
// destruction.
class InterruptGuard {
 public:
  InterruptGuard();
  ~InterruptGuard();
  InterruptGuard(const InterruptGuard&) = delete;
  InterruptGuard& operator=(const InterruptGuard&) = delete;

  // True once SIGINT or SIGTERM arrived (or request() was called) since this guard was made.
  bool requested() const;
  // Lets tests and callers simulate an interrupt by `signal`.
  void request(int signal = SIGINT);
  // The signal that asked to stop (SIGINT or SIGTERM); 0 when none did.
  int signal() const;
  // 128 + signal(): the exit code of a program that stopped for it (130 when none arrived).
  int exit_code() const;

 private:
  struct sigaction previous_int_ {};
  struct sigaction previous_term_ {};
};

// Thrown by work that has no result to return when it stops at a safe point (its progress is
// saved); the job turns it into an interrupted outcome.
class Interrupted : public std::runtime_error {
 public:
  explicit Interrupted(const std::string& what) : std::runtime_error(what) {}
};

}  // namespace llmedit
