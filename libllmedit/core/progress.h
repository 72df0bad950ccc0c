// A progress bar on stderr: done/total, rate, ETA. On a terminal it redraws one line; in a log
// file it writes a line every 10% or 30 seconds, so CI logs stay short.
#pragma once
#include <chrono>
#include <cstdint>
#include <string>

namespace llmedit {

class ProgressBar {
 public:
  // `unit` names what is counted ("step", "item"). `enabled` false prints nothing.
  ProgressBar(std::string label, int64_t total, std::string unit = "it", bool enabled = true);
  ~ProgressBar();

  // Sets the count to `done` (absolute), with an optional status such as "loss 1.23".
  void update(int64_t done, const std::string& status = "");
  void finish();

 private:
  void draw(bool final_line);

  std::string label_, unit_, status_;
  int64_t total_, done_ = 0, start_done_ = -1, last_logged_done_ = 0;
  bool enabled_, tty_, finished_ = false;
  std::chrono::steady_clock::time_point start_, last_draw_;
};

// "1h02m", "3m05s", "12s"
std::string format_duration(double seconds);

}  // namespace llmedit
