#include "libllmedit/core/progress.h"

#include <unistd.h>

#include <cmath>
#include <cstdio>

namespace llmedit {

std::string format_duration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "?";
  const auto s = static_cast<int64_t>(std::llround(seconds));
  char text[32];
  if (s >= 3600) std::snprintf(text, sizeof(text), "%lldh%02lldm", (long long)(s / 3600), (long long)(s % 3600 / 60));
  else if (s >= 60) std::snprintf(text, sizeof(text), "%lldm%02llds", (long long)(s / 60), (long long)(s % 60));
  else std::snprintf(text, sizeof(text), "%llds", (long long)s);
  return text;
}

ProgressBar::ProgressBar(std::string label, int64_t total, std::string unit, bool enabled)
    : label_(std::move(label)), unit_(std::move(unit)), total_(total), enabled_(enabled && total > 0),
      tty_(isatty(STDERR_FILENO) != 0), start_(std::chrono::steady_clock::now()), last_draw_(start_) {}

ProgressBar::~ProgressBar() { finish(); }

void ProgressBar::update(int64_t done, const std::string& status) {
  if (!enabled_ || finished_) return;
  // A resumed run starts part-way: the rate counts only what this process did.
  if (start_done_ < 0) {
    start_done_ = done;
    last_logged_done_ = done;
  }
  done_ = done;
  status_ = status;
  const auto now = std::chrono::steady_clock::now();
  const double since_draw = std::chrono::duration<double>(now - last_draw_).count();
  if (tty_) {
    if (since_draw >= 0.1 || done_ >= total_) draw(false);
    return;
  }
  const bool tenth = (done_ - last_logged_done_) * 10 >= total_;
  if (tenth || since_draw >= 30 || done_ >= total_) {
    last_logged_done_ = done_;
    draw(false);
  }
}

void ProgressBar::finish() {
  if (!enabled_ || finished_) return;
  finished_ = true;
  if (tty_) draw(true);
}

void ProgressBar::draw(bool final_line) {
  last_draw_ = std::chrono::steady_clock::now();
  const double elapsed = std::chrono::duration<double>(last_draw_ - start_).count();
  const double rate = elapsed > 0 ? static_cast<double>(done_ - std::max<int64_t>(start_done_, 0)) / elapsed : 0.0;
  const double eta = rate > 0 ? static_cast<double>(total_ - done_) / rate : NAN;
  constexpr int kWidth = 24;
  const int filled = static_cast<int>(kWidth * std::min<int64_t>(done_, total_) / total_);
  std::string bar(static_cast<size_t>(filled), '#');
  bar.resize(kWidth, '.');
  std::fprintf(stderr, "%s%s [%s] %lld/%lld %s, %.2f %s/s, ETA %s%s%s%s", tty_ ? "\r" : "", label_.c_str(),
               bar.c_str(), (long long)done_, (long long)total_, unit_.c_str(), rate, unit_.c_str(),
               format_duration(eta).c_str(), status_.empty() ? "" : ", ", status_.c_str(),
               tty_ ? "\033[K" : "\n");
  if (tty_ && final_line) std::fputc('\n', stderr);
  std::fflush(stderr);
}

}  // namespace llmedit
