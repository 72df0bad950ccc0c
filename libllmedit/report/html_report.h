// report.html: a run folder as one self-contained page (inline CSS and SVG, no scripts, nothing
// fetched) — the run's identity, its metric tables, charts drawn here (training loss and learning
// rate over steps, KFR vs KRR across a pipeline's steps, per-layer probe curves, AToKe bars) and
// the resolved config. Every number in a metric table is metrics.json's own text.
#pragma once
#include <nlohmann/json.hpp>

#include <string>

#include "libllmedit/report/run_folder.h"

namespace llmedit {

std::string run_report_html(const RunFolder& run, const nlohmann::json& metrics);

// Writes <run>/report.html atomically.
void write_run_report(const RunFolder& run, const nlohmann::json& metrics);

}  // namespace llmedit
