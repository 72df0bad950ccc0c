#include "libllmedit/runs/sweep_spec.h"

#include <cmath>

#include "libllmedit/core/error.h"

namespace llmedit {

namespace {

bool is_reserved(const std::string& key) { return key == "mode" || key == "n" || key == "random_seed" || key == "columns"; }

SweepRange read_range(const nlohmann::json& value, const std::string& where) {
  for (const auto& [key, item] : value.items())
    if (key != "low" && key != "high" && key != "log" && key != "int")
      throw config_error(where + ": unknown key '" + key + "' (a range has low, high, log, int)");
  if (!value.contains("low") || !value.contains("high") || !value["low"].is_number() || !value["high"].is_number())
    throw config_error(where + ": a range needs numbers low and high, got " + value.dump());
  SweepRange range;
  range.low = value["low"].get<double>();
  range.high = value["high"].get<double>();
  range.log = value.value("log", false);
  range.integer = value.value("int", false);
  if (!(range.low <= range.high)) throw config_error(where + ": low must not exceed high, got " + value.dump());
  if (range.log && !(range.low > 0)) throw config_error(where + ": a log range needs low > 0, got " + value.dump());
  return range;
}

SweepAxis read_axis(const std::string& key, const nlohmann::json& value, SweepMode mode, const std::string& source) {
  const std::string where = source + ": sweep." + key;
  SweepAxis axis;
  axis.key = key;
  if (value.is_array()) {
    if (value.empty()) throw config_error(where + " is an empty list; give at least one value");
    axis.values.assign(value.begin(), value.end());
  } else if (value.is_object() && mode == SweepMode::Random) {
    axis.range = read_range(value, where);
  } else {
    throw config_error(where + " must be a list of values" +
                       std::string(mode == SweepMode::Random ? " or a range {\"low\", \"high\", \"log\"}" : "") +
                       ", got " + value.dump());
  }
  return axis;
}

std::vector<ComparisonColumn> read_columns(const nlohmann::json& value, const std::string& source) {
  std::vector<ComparisonColumn> columns;
  if (!value.is_array()) throw config_error(source + ": sweep.columns must be a list of {\"title\", \"key\"}, got " + value.dump());
  for (const nlohmann::json& column : value) {
    if (!column.is_object() || !column.contains("title") || !column.contains("key") || !column["title"].is_string() ||
        !column["key"].is_string())
      throw config_error(source + ": sweep.columns entries must be {\"title\": ..., \"key\": ...}, got " + column.dump());
    columns.push_back({column["title"], column["key"]});
  }
  return columns;
}

SweepMode read_mode(const nlohmann::json& sweep, const std::string& source) {
  const nlohmann::json mode = sweep.value("mode", nlohmann::json("grid"));
  if (mode == "grid") return SweepMode::Grid;
  if (mode == "random") return SweepMode::Random;
  throw config_error(source + ": sweep.mode must be \"grid\" or \"random\", got " + mode.dump());
}

int64_t read_count(const nlohmann::json& sweep, SweepMode mode, const std::string& source) {
  if (mode == SweepMode::Grid) {
    if (sweep.contains("n")) throw config_error(source + ": sweep.n is for random sweeps (\"mode\": \"random\"); a grid runs every combination");
    return 0;
  }
  if (!sweep.contains("n") || !sweep["n"].is_number_integer() || sweep["n"].get<int64_t>() < 1)
    throw config_error(source + ": a random sweep needs sweep.n, a positive integer, got " + sweep.value("n", nlohmann::json()).dump());
  return sweep["n"].get<int64_t>();
}

}  // namespace

SweepSpec read_sweep_spec(const nlohmann::json& sweep, const std::string& source) {
  if (!sweep.is_object()) throw config_error(source + ": key 'sweep' must be an object of key -> values, got " + sweep.dump());
  SweepSpec spec;
  spec.mode = read_mode(sweep, source);
  spec.n = read_count(sweep, spec.mode, source);
  if (sweep.contains("random_seed")) {
    const nlohmann::json& seed = sweep["random_seed"];
    if (!seed.is_number_integer() || seed.get<int64_t>() < 0)
      throw config_error(source + ": sweep.random_seed must be a non-negative integer, got " + sweep["random_seed"].dump());
    spec.random_seed = sweep["random_seed"].get<uint64_t>();
  }
  if (sweep.contains("columns")) spec.columns = read_columns(sweep["columns"], source);
  for (const auto& [key, value] : sweep.items())
    if (!is_reserved(key)) spec.axes.push_back(read_axis(key, value, spec.mode, source));
  if (spec.axes.empty()) throw config_error(source + ": sweep names no key to vary (e.g. \"sweep\": {\"method.name\": [\"ga_gdr\", \"npo_gdr\"]})");
  for (const SweepAxis& axis : spec.axes)
    if (axis.key == "output.dir" || axis.key == "output" || axis.key == "name" || axis.key == "sweep")
      throw config_error(source + ": sweep." + axis.key + ": a sweep sets each run's name and folder itself");
  return spec;
}

}  // namespace llmedit
