#include "libllmedit/train/lr_schedule.h"

#include <algorithm>
#include <cmath>

#include "libllmedit/core/error.h"

namespace llmedit {

ScheduleKind parse_schedule(const std::string& name) {
  if (name == "constant") return ScheduleKind::Constant;
  if (name == "linear") return ScheduleKind::Linear;
  if (name == "cosine") return ScheduleKind::Cosine;
  throw config_error("train.schedule must be one of constant, linear, cosine; got '" + name + "'");
}

// Formulas of transformers.optimization: get_{constant,linear,cosine}_schedule_with_warmup.
double LrSchedule::at(int64_t step) const {
  if (step < warmup_steps) return peak_lr * static_cast<double>(step) / static_cast<double>(std::max<int64_t>(1, warmup_steps));
  if (kind == ScheduleKind::Constant) return peak_lr;
  const double progress = static_cast<double>(step - warmup_steps) /
                          static_cast<double>(std::max<int64_t>(1, total_steps - warmup_steps));
  if (kind == ScheduleKind::Linear) return peak_lr * std::max(0.0, 1.0 - progress);
  constexpr double kPi = 3.14159265358979323846;
  return peak_lr * std::max(0.0, 0.5 * (1.0 + std::cos(kPi * progress)));
}

}  // namespace llmedit
