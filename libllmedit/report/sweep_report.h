// sweep_report.html: a sweep's runs side by side — what each run set, its status, its metrics
// (the sweep's columns, default the headline metrics), KFR vs KRR across runs, and links to
// each run's own report.html.
#pragma once
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "libllmedit/report/comparison_table.h"

namespace llmedit {

struct SweepReportRun {
  std::string label;   // "003-npo_gdr-3e-05"
  std::string folder;  // relative to the sweep folder, e.g. runs/003-npo_gdr-3e-05
  std::string status;  // done, not started, unfinished
  nlohmann::json set;      // swept key -> value
  nlohmann::json metrics;  // metrics.json, or null
};

struct SweepReport {
  std::string title;
  std::vector<std::string> keys;  // the swept keys, in order
  std::vector<ComparisonColumn> columns;
  std::vector<SweepReportRun> runs;
  nlohmann::json config;  // the sweep's config as given
};

std::string sweep_report_html(const SweepReport& report);

}  // namespace llmedit
