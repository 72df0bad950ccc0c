// Ctrl-C during long work: the first SIGINT asks the work to stop at its next safe point (a
// training step saves a checkpoint and returns); a second one exits at once.
#pragma once
#include <csignal>

namespace llmedit {

// Installs the SIGINT handler while alive and restores the previous one on destruction.
class InterruptGuard {
 public:
  InterruptGuard();
  ~InterruptGuard();
  InterruptGuard(const InterruptGuard&) = delete;
  InterruptGuard& operator=(const InterruptGuard&) = delete;

  // True once SIGINT arrived (or request() was called) since this guard was made.
  bool requested() const;
  // Lets tests and callers simulate an interrupt.
  void request();

 private:
  void (*previous_)(int) = nullptr;
};

}  // namespace llmedit
