#include "libllmedit/runs/metric_filter.h"

#include <cstdlib>

#include "libllmedit/core/error.h"

namespace llmedit {

MetricFilter parse_metric_filter(const std::string& text) {
  const size_t at = text.find_first_of("<>=!");
  const auto fail = [&](const std::string& why) {
    return usage_error("--where '" + text + "': " + why + " (expected KEY OP NUMBER, OP one of > >= < <= = !=, e.g. unlearning.KFR>0.5)");
  };
  if (at == std::string::npos || at == 0) throw fail("no comparison");
  MetricFilter filter;
  filter.key = text.substr(0, at);
  size_t end = at + 1;
  if (end < text.size() && text[end] == '=') ++end;
  filter.op = text.substr(at, end - at);
  if (filter.op == "==") filter.op = "=";
  if (filter.op == "!") throw fail("'!' must be '!='");
  const std::string number = text.substr(end);
  char* stop = nullptr;
  filter.value = std::strtod(number.c_str(), &stop);
  if (number.empty() || *stop != '\0') throw fail("'" + number + "' is not a number");
  return filter;
}

bool metric_filter_matches(const MetricFilter& f, const nlohmann::json& flat_metrics) {
  auto it = flat_metrics.find(f.key);
  if (it == flat_metrics.end() || !it->is_number()) return false;
  const double v = it->get<double>();
  if (f.op == ">") return v > f.value;
  if (f.op == ">=") return v >= f.value;
  if (f.op == "<") return v < f.value;
  if (f.op == "<=") return v <= f.value;
  if (f.op == "=") return v == f.value;
  return v != f.value;
}

}  // namespace llmedit
