// report.html and its pieces: SVG charts, flattened metric tables, the pages of a quickstart-like
// pipeline (numbers equal metrics.json), and a run's report rendered by headless Chromium.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>

#include "libllmedit/core/atomic_file.h"
#include "libllmedit/report/chart_axes.h"
#include "libllmedit/report/flat_json.h"
#include "libllmedit/report/headline_metrics.h"
#include "libllmedit/report/svg_chart.h"
#include "tests/cli_runner.h"
#include "tests/fixtures.h"
#include "tests/png_pixels.h"

using namespace llmedit;
using namespace llmedit::svg;
using namespace llmedit::test;
namespace fs = std::filesystem;

namespace {

nlohmann::json read_json(const std::string& path) { return nlohmann::json::parse(read_text_file(path)); }

size_t count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// The first `n` lines of a world QA file, as a smaller file.
std::string head_lines(const std::string& from, size_t n, const std::string& to) {
  std::ifstream in(from);
  std::ofstream out(to);
  std::string line;
  for (size_t i = 0; i < n && std::getline(in, line); ++i) out << line << "\n";
  return to;
}

// The quickstart in miniature: the shipped model evaluated, then unlearned with ga_gdr for one
// step on 8 forget items and evaluated the same way (4 forget and 4 retain items).
nlohmann::json mini_quickstart(const std::string& dir) {
  const std::string forget = head_lines(kRoot + "/data/world/qa/forget.jsonl", 8, dir + "/forget.jsonl");
  const std::string retain = head_lines(kRoot + "/data/world/qa/retain.jsonl", 8, dir + "/retain.jsonl");
  const nlohmann::json evaluation = {
      {"unlearning", {{"enabled", true}, {"forget", {forget}}, {"retain", {retain}}, {"max_items", 4}, {"greedy", true}, {"max_new_tokens", 24}}},
      {"max_new_tokens", 24}};
  nlohmann::json unlearn_evaluation = evaluation;
  unlearn_evaluation["enabled"] = false;  // knowledge accuracy comes from the unlearning section, as in the quickstart
  const nlohmann::json model = {{"path", kRoot + "/data/models/world-tiny"}};
  const nlohmann::json base = {{"job", "eval"}, {"threads", 1}, {"model", model}, {"eval", evaluation}};
  const nlohmann::json unlearn = {{"job", "unlearn"},
                                  {"threads", 1},
                                  {"seed", 1},
                                  {"model", model},
                                  {"data", {{"forget", {forget}}, {"retain", {retain}}, {"max_length", 96}}},
                                  {"method", {{"name", "ga_gdr"}, {"learning_rate", 3e-3}, {"num_train_epochs", 2}, {"per_device_train_batch_size", 4}}},
                                  {"eval", unlearn_evaluation}};
  return {{"job", "pipeline"},
          {"name", "mini-quickstart"},
          {"steps", {{{"name", "base"}, {"config", base}}, {{"name", "ga_gdr"}, {"config", unlearn}}}},
          {"compare",
           {{"columns", nlohmann::json::array({{{"title", "KFR ↑"}, {"key", "unlearning.KFR"}}, {{"title", "KRR ↑"}, {"key", "unlearning.KRR"}}})}}},
          {"output", {{"dir", dir + "/run"}, {"index", dir + "/index.sqlite"}}}};
}

CommandResult run_pipeline(const std::string& dir) {
  write_text_atomic(dir + "/pipeline.json", mini_quickstart(dir).dump(2));
  return run_cli("run " + shell_quote(dir + "/pipeline.json"));
}

std::string run_command_output(const std::string& command) {
  std::string output;
  if (FILE* pipe = ::popen(command.c_str(), "r")) {
    char buffer[4096];
    for (size_t n; (n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0;) output.append(buffer, n);
    ::pclose(pipe);
  }
  return output;
}

std::string find_chromium() {
  if (const char* env = std::getenv("LLMEDIT_CHROMIUM")) return env;
  for (const char* name : {"chromium", "chromium-browser", "google-chrome"})
    for (const char* folder : {"/usr/bin/", "/usr/local/bin/", "/snap/bin/"})
      if (fs::exists(std::string(folder) + name)) return std::string(folder) + name;
  return "";
}

std::string chromium_command(const std::string& chromium, const std::string& profile) {
  return "timeout 180 " + shell_quote(chromium) +
         " --headless --no-sandbox --disable-gpu --no-first-run --disable-background-networking"
         " --disable-component-update --disable-sync --user-data-dir=" +
         shell_quote(profile);
}

}  // namespace

TEST_CASE("nice axis ranges cover the data in whole ticks", "[report]") {
  const AxisRange unit = nice_range(0.03, 0.97);
  CHECK(unit.lo == Approx(0));
  CHECK(unit.hi == Approx(1));
  CHECK(unit.step == Approx(0.2));
  const AxisRange steps = nice_range(1, 30);
  CHECK(steps.lo <= 1);
  CHECK(steps.hi >= 30);
  CHECK(steps.step == Approx(10));
  const AxisRange flat = nice_range(2, 2);  // one value: widened, not divided by zero
  CHECK(flat.lo < 2);
  CHECK(flat.hi > 2);
}

TEST_CASE("SVG charts draw every finite point and escape labels", "[report]") {
  const std::string line = line_chart_svg({"loss", "step", "loss"}, {{"loss", {{1, 2.5, ""}, {2, 1.5, ""}, {3, NAN, ""}, {4, 0.5, ""}}}});
  CHECK(line.rfind("<svg", 0) == 0);
  CHECK(line.find("</svg>") == line.size() - 6);
  const size_t points = line.find("points=\"");
  REQUIRE(points != std::string::npos);
  const std::string list = line.substr(points + 8, line.find('"', points + 8) - points - 8);
  CHECK(count(list, ",") == 3);  // the NaN is left out
  const std::string scatter = scatter_chart_svg({"KFR vs KRR", "KFR", "KRR"}, {{0.2, 0.9, "<ga>"}, {0.7, 0.8, "npo & co"}});
  CHECK(count(scatter, "<circle") == 2);
  CHECK_THAT(scatter, Catch::Contains("&lt;ga&gt;") && Catch::Contains("npo &amp; co") && !Catch::Contains("<ga>"));
  const std::string bars = bar_chart_svg({"AToKe", "", "score"}, {{"with METO", {{"CES", 0.5}, {"HES", 0.25}}}, {"without", {{"CES", 0.1}}}});
  CHECK(count(bars, "<rect class=\"bar\"") == 3);
  CHECK_THAT(bars, Catch::Contains("with METO") && Catch::Contains("HES"));
  CHECK_THAT(line_chart_svg({"empty", "x", "y"}, {}), Catch::Contains("no data"));
}

TEST_CASE("metrics flatten to dotted keys, per-layer arrays by index", "[report]") {
  const nlohmann::json m = {{"unlearning", {{"KFR", 0.5}, {"forget", {{"items", 4}}}}},
                            {"notes", {"a", "b"}},
                            {"layers", {{{"layer", 0}, {"ls_svr", {{"r2", 0.1}}}}, {{"layer", 1}, {"ls_svr", {{"r2", 0.4}}}}}},
                            {"flag", true}};
  const nlohmann::json flat = dotted_leaves(m);
  CHECK(flat["unlearning.KFR"] == 0.5);
  CHECK(flat["unlearning.forget.items"] == 4);
  CHECK(flat["notes"] == nlohmann::json({"a", "b"}));
  CHECK(flat["layers.1.ls_svr.r2"] == 0.4);
  const nlohmann::json numbers = numeric_leaves(m);
  CHECK_FALSE(numbers.contains("flag"));
  CHECK_FALSE(numbers.contains("notes"));
  CHECK(numbers.size() == 6);
  const std::vector<ComparisonColumn> headline = headline_columns({m});
  REQUIRE(headline.size() == 1);
  CHECK(headline[0].key == "unlearning.KFR");
}

TEST_CASE("a quickstart-like pipeline writes report.html in every run folder, numbers as in metrics.json", "[report][cli]") {
  TempDir dir("report-pipeline");
  const CommandResult ran = run_pipeline(dir.path);
  INFO(ran.error);
  REQUIRE(ran.exit_code == 0);
  const std::string run = dir.path + "/run";
  for (const std::string& folder : {run, run + "/steps/base", run + "/steps/ga_gdr"}) {
    INFO(folder);
    REQUIRE(fs::exists(folder + "/report.html"));
    const std::string html = read_text_file(folder + "/report.html");
    CHECK(html.rfind("<!DOCTYPE html>", 0) == 0);
    // Self-contained: no scripts, nothing that loads a resource (configs may quote URLs as text).
    for (const char* loads : {"<script", "<link", " src=", "url(", "@import", "href=\"http"}) CHECK(html.find(loads) == std::string::npos);
    // Every numeric value of metrics.json appears as metrics.json writes it.
    const nlohmann::json numbers = numeric_leaves(read_json(folder + "/metrics.json"));
    for (const auto& [key, value] : numbers.items()) {
      INFO(key);
      CHECK(html.find(">" + value.dump() + "<") != std::string::npos);
    }
  }
  const std::string unlearn = read_text_file(run + "/steps/ga_gdr/report.html");
  CHECK_THAT(unlearn, Catch::Contains("training loss") && Catch::Contains("learning rate") && Catch::Contains("<polyline"));
  const std::string pipeline = read_text_file(run + "/report.html");
  CHECK_THAT(pipeline, Catch::Contains("forgetting vs retention") && Catch::Contains("steps/ga_gdr/report.html") &&
                           Catch::Contains("KFR ↑"));
  CHECK(count(pipeline, "<circle") == 2);  // base and ga_gdr in the KFR vs KRR chart
  // The pipeline and its steps are in the pipeline's index, done, with their key metrics.
  const CommandResult listed = run_cli("runs list --index " + shell_quote(dir.path + "/index.sqlite") + " --metric unlearning.KFR");
  REQUIRE(listed.exit_code == 0);
  CHECK(count(listed.output, " done ") == 3);
  CHECK_THAT(listed.output, Catch::Contains("pipeline") && Catch::Contains("unlearn") && Catch::Contains("eval"));
}

TEST_CASE("headless Chromium renders a run's report: a non-blank PNG and the table's numbers in the DOM", "[report][cli]") {
  const std::string chromium = find_chromium();
  if (chromium.empty()) {
    std::cerr << "SKIPPED: no chromium found (apt-get install chromium, or set LLMEDIT_CHROMIUM to a Chrome binary)" << std::endl;
    std::exit(77);
  }
  TempDir dir("report-chromium");
  const CommandResult ran = run_pipeline(dir.path);
  INFO(ran.error);
  REQUIRE(ran.exit_code == 0);
  for (const std::string& folder : {dir.path + "/run", dir.path + "/run/steps/ga_gdr"}) {
    INFO(folder);
    const std::string page = "file://" + folder + "/report.html", png = folder + "/report.png";
    const std::string command = chromium_command(chromium, dir.path + "/profile");
    REQUIRE(std::system((command + " --window-size=1280,1600 --screenshot=" + shell_quote(png) + " " + shell_quote(page) +
                         " >/dev/null 2>&1")
                            .c_str()) == 0);
    const PngSummary shot = summarize_png(png);
    REQUIRE(shot.valid);
    CHECK(shot.width == 1280);
    CHECK(fs::file_size(png) > 20000);  // a blank 1280x1600 page compresses to a few kB
    if (shot.decoded) CHECK(shot.non_background > 0.01);
    const std::string dom = run_command_output(command + " --dump-dom " + shell_quote(page) + " 2>/dev/null");
    CHECK_THAT(dom, Catch::Contains("<table") && Catch::Contains("<svg"));
    const nlohmann::json metrics = read_json(folder + "/metrics.json");
    for (const ComparisonColumn& column : headline_columns({metrics})) {
      const nlohmann::json value = json_at_dotted(metrics, column.key);
      INFO(column.key);
      CHECK(dom.find(">" + value.dump() + "<") != std::string::npos);
    }
    if (folder == dir.path + "/run") {
      const nlohmann::json kfr = metrics["steps"]["ga_gdr"]["unlearning"]["KFR"];
      CHECK(dom.find("data-value=\"" + kfr.dump() + "\"") != std::string::npos);  // the comparison table
    }
  }
}
