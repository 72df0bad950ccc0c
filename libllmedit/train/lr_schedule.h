// Learning-rate schedules as transformers' get_scheduler computes them (per optimizer step).
#pragma once
#include <cstdint>
#include <string>

namespace llmedit {

enum class ScheduleKind { Constant, Linear, Cosine };

// "constant", "linear", "cosine"; throws a config error naming the key otherwise.
ScheduleKind parse_schedule(const std::string& name);

struct LrSchedule {
  ScheduleKind kind = ScheduleKind::Linear;
  double peak_lr = 1e-4;
  int64_t warmup_steps = 0;
  int64_t total_steps = 1;

  // The rate for optimizer step `step` (0-based): linear warm-up from 0 to the peak over
  // warmup_steps (for every kind, as transformers' *_with_warmup), then constant, linear decay
  // to 0 at total_steps, or half a cosine to 0.
  double at(int64_t step) const;
};

}  // namespace llmedit
