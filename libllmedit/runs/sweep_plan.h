// A sweep as runs on disk: one folder for the sweep (output.dir of the config, else
// <output.root>/<name>-sweep-<time>) holding sweep.json (the config it came from and its runs)
// and runs/<label>/, one run folder per point. The plan is recomputed from sweep.json when a
// sweep resumes, so a resumed sweep runs exactly the runs it started with.
#pragma once
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "libllmedit/runs/sweep_spec.h"

namespace llmedit {

struct SweepRun {
  size_t index = 0;
  std::string label;      // "003-npo_gdr-3e-05"
  std::string dir;        // <sweep>/runs/<label>
  nlohmann::json set;     // the swept keys' values: dotted key -> value
  nlohmann::json config;  // the run's raw config: the base with `set`, its name and output.dir
};

struct SweepPlan {
  std::string dir, source;
  nlohmann::json config;  // as given, with its "sweep" key
  SweepSpec spec;
  std::vector<SweepRun> runs;
};

// True when `raw` (a loaded config, --set applied) has a "sweep" key.
bool has_sweep(const nlohmann::json& raw);

// Expands `raw` into its runs. `dir` empty: output.dir of the config, else a new
// <output.root>/<name>-sweep-<time> folder.
SweepPlan plan_sweep(const nlohmann::json& raw, const std::string& source, const std::string& dir = "");

// Creates the sweep folder with sweep.json; a folder whose sweep.json holds the same config
// is kept (the sweep continues there), one holding another sweep or a run is a usage error.
void save_sweep_plan(const SweepPlan& plan);

bool is_sweep_dir(const std::string& dir);
// The plan saved in <dir>/sweep.json.
SweepPlan load_sweep_plan(const std::string& dir);

}  // namespace llmedit
