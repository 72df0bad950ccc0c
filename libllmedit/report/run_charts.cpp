#include "libllmedit/report/run_charts.h"

#include "libllmedit/report/comparison_table.h"
#include "libllmedit/report/flat_json.h"
#include "libllmedit/report/svg_chart.h"

namespace llmedit {

using svg::BarGroup;
using svg::ChartPoint;
using svg::ChartSeries;
using svg::bar_chart_svg;
using svg::line_chart_svg;
using svg::scatter_chart_svg;

namespace {

ChartSeries log_series(const std::vector<nlohmann::json>& log, const std::string& key) {
  ChartSeries series{key, {}};
  for (const nlohmann::json& row : log)
    if (row.contains("step") && row["step"].is_number() && row.contains(key) && row[key].is_number())
      series.points.push_back({row["step"].get<double>(), row[key].get<double>(), ""});
  return series;
}

// The value the probe job reports per layer: R² for regression, accuracy for classification.
std::string probe_measure(const nlohmann::json& layer) {
  for (const auto& [name, result] : layer.items())
    if (result.is_object()) return result.contains("r2") ? "r2" : result.contains("accuracy") ? "accuracy" : "rmse";
  return "";
}

}  // namespace

std::string training_charts_svg(const std::vector<nlohmann::json>& train_log) {
  std::string out;
  const ChartSeries loss = log_series(train_log, "loss"), lr = log_series(train_log, "lr");
  if (!loss.points.empty()) out += line_chart_svg({"training loss", "step", "loss"}, {loss});
  if (!lr.points.empty()) out += line_chart_svg({"learning rate", "step", "lr"}, {lr});
  return out;
}

std::string kfr_krr_chart_svg(const std::vector<std::pair<std::string, nlohmann::json>>& runs) {
  std::vector<ChartPoint> points;
  for (const auto& [name, metrics] : runs) {
    const nlohmann::json kfr = json_at_dotted(metrics, "unlearning.KFR"), krr = json_at_dotted(metrics, "unlearning.KRR");
    if (kfr.is_number() && krr.is_number()) points.push_back({kfr.get<double>(), krr.get<double>(), name});
  }
  if (points.empty()) return "";
  return scatter_chart_svg({"forgetting vs retention", "KFR (forget items forgotten) →", "KRR (retain items kept) →", 560, 380},
                           points);
}

std::string probe_layers_chart_svg(const nlohmann::json& metrics) {
  if (!metrics.contains("layers") || !metrics["layers"].is_array() || metrics["layers"].empty()) return "";
  const nlohmann::json& layers = metrics["layers"];
  const std::string measure = probe_measure(layers[0]);
  if (measure.empty()) return "";
  std::vector<ChartSeries> series;
  for (const auto& [name, result] : layers[0].items()) {
    if (!result.is_object()) continue;
    ChartSeries s{name, {}};
    for (size_t i = 0; i < layers.size(); ++i) {
      const nlohmann::json value = json_at_dotted(layers[i], name + "." + measure);
      const double layer = layers[i].value("layer", static_cast<double>(i));
      if (value.is_number()) s.points.push_back({layer, value.get<double>(), ""});
    }
    series.push_back(std::move(s));
  }
  return line_chart_svg({"probe " + measure + " per layer", "layer", measure, 640, 340}, series);
}

std::string atoke_chart_svg(const nlohmann::json& metrics) {
  if (!metrics.contains("atoke") || !metrics["atoke"].is_object()) return "";
  std::vector<BarGroup> groups;
  for (const auto& [group, values] : metrics["atoke"].items()) {
    BarGroup bars{group, {}};
    const nlohmann::json leaves = numeric_leaves(values);  // items() refers to it: keep it alive
    for (const auto& [key, value] : leaves.items()) bars.bars.emplace_back(key, value.get<double>());
    if (!bars.bars.empty()) groups.push_back(std::move(bars));
  }
  if (groups.empty()) return "";
  return bar_chart_svg({"AToKe", "", "score", 640, 340}, groups);
}

}  // namespace llmedit
