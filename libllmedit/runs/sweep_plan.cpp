#include "libllmedit/runs/sweep_plan.h"

#include <filesystem>

#include "libllmedit/core/atomic_file.h"
#include "libllmedit/core/config.h"
#include "libllmedit/core/error.h"
#include "libllmedit/report/run_folder.h"
#include "libllmedit/runs/sweep_expansion.h"

namespace llmedit {

namespace fs = std::filesystem;

namespace {

std::string string_at(const nlohmann::json& raw, const std::string& section, const std::string& key) {
  if (!raw.contains(section) || !raw[section].is_object() || !raw[section].contains(key)) return "";
  const nlohmann::json& value = raw[section][key];
  return value.is_string() ? value.get<std::string>() : "";
}

std::string base_name(const nlohmann::json& raw) {
  if (raw.contains("name") && raw["name"].is_string() && !raw["name"].get<std::string>().empty()) return raw["name"];
  return raw.contains("job") && raw["job"].is_string() ? raw["job"].get<std::string>() : "run";
}

std::string sweep_dir_of(const nlohmann::json& raw) {
  const std::string dir = string_at(raw, "output", "dir");
  if (!dir.empty()) return dir;
  std::string root = string_at(raw, "output", "root");
  return RunFolder::default_dir(root.empty() ? "runs" : root, base_name(raw) + "-sweep");
}

SweepRun make_run(size_t index, const SweepPoint& point, const nlohmann::json& base, const std::string& name,
                  const std::string& dir) {
  SweepRun run;
  run.index = index;
  run.label = sweep_point_label(index, point);
  run.dir = dir + "/runs/" + run.label;
  run.set = nlohmann::json::object();
  run.config = base;
  for (const auto& [key, value] : point.values) {
    run.set[key] = value;
    apply_override(run.config, key + "=" + value.dump());
  }
  run.config["name"] = name + "-" + run.label;
  run.config["output"]["dir"] = run.dir;
  return run;
}

}  // namespace

bool has_sweep(const nlohmann::json& raw) { return raw.is_object() && raw.contains("sweep"); }

SweepPlan plan_sweep(const nlohmann::json& raw, const std::string& source, const std::string& dir) {
  SweepPlan plan;
  plan.source = source;
  plan.config = raw;
  plan.spec = read_sweep_spec(raw.at("sweep"), source);
  plan.dir = dir.empty() ? sweep_dir_of(raw) : dir;
  nlohmann::json base = raw;
  base.erase("sweep");
  const std::vector<SweepPoint> points = expand_sweep(plan.spec);
  for (size_t i = 0; i < points.size(); ++i) plan.runs.push_back(make_run(i, points[i], base, base_name(raw), plan.dir));
  return plan;
}

bool is_sweep_dir(const std::string& dir) { return fs::exists(fs::path(dir) / "sweep.json"); }

void save_sweep_plan(const SweepPlan& plan) {
  const std::string file = plan.dir + "/sweep.json";
  if (fs::exists(plan.dir + "/config.resolved.json"))
    throw usage_error("output.dir '" + plan.dir + "' holds a run, not a sweep; choose another folder");
  if (is_sweep_dir(plan.dir)) {
    if (load_sweep_plan(plan.dir).config != plan.config)
      throw usage_error("output.dir '" + plan.dir + "' holds another sweep (its sweep.json has a different config); choose another folder");
    return;
  }
  std::error_code ec;
  fs::create_directories(plan.dir, ec);
  if (ec) throw usage_error("output.dir '" + plan.dir + "': cannot create the sweep folder (" + ec.message() + ")");
  nlohmann::json runs = nlohmann::json::array();
  for (const SweepRun& run : plan.runs) runs.push_back({{"label", run.label}, {"dir", run.dir}, {"set", run.set}});
  const nlohmann::json saved = {{"source", plan.source}, {"config", plan.config}, {"runs", runs}};
  write_text_atomic(file, saved.dump(2) + "\n");
}

SweepPlan load_sweep_plan(const std::string& dir) {
  const std::string file = dir + "/sweep.json";
  if (!fs::exists(file)) throw usage_error(dir + ": not a sweep folder (no sweep.json)");
  const nlohmann::json saved = nlohmann::json::parse(read_text_file(file), nullptr, false);
  if (saved.is_discarded() || !saved.contains("config") || !has_sweep(saved["config"]))
    throw data_error(file + ": not a sweep plan (expected {\"source\", \"config\" with a sweep, \"runs\"})");
  // The folder it is in now, not the one it was made in: sweep folders may be moved.
  return plan_sweep(saved["config"], saved.value("source", file), dir);
}

}  // namespace llmedit
