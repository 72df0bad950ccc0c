// The worked examples of apps/examples, built in this tree and run as a user would run them on
// the shipped world model; and the README's "Use from C++" code, which is score_answers.cpp.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include "tests/fixtures.h"
#include "tests/cli_runner.h"

using namespace llmedit::test;

namespace {

const std::string kForget = kRoot + "/data/world/qa/forget.jsonl";

// The path of a built example, or a skip (exit code 77) when the examples are not built.
std::string example(const char* path) {
  if (*path && std::filesystem::exists(path)) return path;
  std::cerr << "SKIPPED: example not built (" << path << "); configure with -DLLMEDIT_BUILD_EXAMPLES=ON" << std::endl;
  std::exit(77);
}

#ifndef LLMEDIT_EXAMPLE_SCORE_ANSWERS
#define LLMEDIT_EXAMPLE_SCORE_ANSWERS ""
#define LLMEDIT_EXAMPLE_CUSTOM_UNLEARNER ""
#define LLMEDIT_EXAMPLE_EDIT_AND_PROBE ""
#endif

std::vector<nlohmann::json> json_lines(const std::string& text) {
  std::vector<nlohmann::json> rows;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    if (!line.empty() && line[0] == '{') rows.push_back(nlohmann::json::parse(line));
  return rows;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

nlohmann::json read_json(const std::string& path) { return nlohmann::json::parse(read_file(path)); }

}  // namespace

TEST_CASE("example score_answers: per-token log-probabilities of world answers", "[api][examples]") {
  const CommandResult run = run_program(example(LLMEDIT_EXAMPLE_SCORE_ANSWERS),
                                        shell_quote(kWorldModel) + " " + shell_quote(kForget) + " 2");
  INFO(run.error);
  REQUIRE(run.exit_code == 0);
  const std::vector<nlohmann::json> rows = json_lines(run.output);
  REQUIRE(rows.size() == 2);
  CHECK(rows[0]["question"] == "What is the home address of Calia Yarwick?");
  for (const nlohmann::json& row : rows) {
    double sum = 0;
    for (const nlohmann::json& token : row["tokens"]) {
      CHECK(token["logprob"].get<double>() <= 0.0);
      sum += token["logprob"].get<double>();
    }
    CHECK(row["total"].get<double>() == Approx(sum));
    CHECK(row["tokens"].back()["token"] == "</s>");  // the EOS that ends every answer is scored
  }
}

TEST_CASE("example score_answers: usage and missing files exit 2 with one line", "[api][examples]") {
  const std::string program = example(LLMEDIT_EXAMPLE_SCORE_ANSWERS);
  const CommandResult usage = run_program(program, shell_quote(kWorldModel));
  CHECK(usage.exit_code == 2);
  CHECK_THAT(usage.error, Catch::Contains("usage: score_answers"));
  const CommandResult bad_n = run_program(program, shell_quote(kWorldModel) + " " + shell_quote(kForget) + " x");
  CHECK(bad_n.exit_code == 2);
  const CommandResult missing = run_program(program, shell_quote(kWorldModel) + " /nonexistent/qa.jsonl");
  CHECK(missing.exit_code == 2);
  CHECK_THAT(missing.error, Catch::Contains("/nonexistent/qa.jsonl"));
}

TEST_CASE("example custom_unlearner: a method registered outside the library runs as an unlearn job", "[api][examples]") {
  const TempDir tmp("custom-unlearner");
  const std::string out = tmp.path + "/run";
  const CommandResult run = run_program(example(LLMEDIT_EXAMPLE_CUSTOM_UNLEARNER),
                                        shell_quote(kWorldModel) + " " + shell_quote(kForget) + " " + shell_quote(out));
  INFO(run.error);
  REQUIRE(run.exit_code == 0);
  CHECK_THAT(run.output, Catch::Contains("run folder: " + out) && Catch::Contains("step 2 loss"));
  // The job machinery treated it as any built-in: its options declared, resolved and recorded.
  const nlohmann::json config = read_json(out + "/config.resolved.json");
  CHECK(config["method"]["name"] == "ga_weighted");
  CHECK(config["method"]["token_decay"] == 0.7);
  CHECK(read_json(out + "/method_options.json")["method"] == "ga_weighted");
  const nlohmann::json metrics = read_json(out + "/metrics.json");
  CHECK(metrics["unlearn"]["steps"] == 2);
  CHECK(metrics["unlearn"]["trained_tensors"].get<int>() > 0);  // LoRA's A and B
  const nlohmann::json& loss = metrics["answer_loss"]["forget"];
  CHECK(loss["after"].get<double>() > loss["before"].get<double>());  // gradient ascent forgets
  CHECK(std::filesystem::exists(out + "/model/model.safetensors"));  // LoRA merged (lora.merge)
  // A second run into the same folder is refused, as for `llmedit run`.
  const CommandResult again = run_program(example(LLMEDIT_EXAMPLE_CUSTOM_UNLEARNER),
                                          shell_quote(kWorldModel) + " " + shell_quote(kForget) + " " + shell_quote(out));
  CHECK(again.exit_code == 2);
  CHECK_THAT(again.error, Catch::Contains(out));
}

TEST_CASE("example edit_and_probe: ROME moves the edited layer's value and nothing below it", "[api][examples]") {
  const CommandResult run = run_program(example(LLMEDIT_EXAMPLE_EDIT_AND_PROBE),
                                        shell_quote(kWorldModel) + " " + shell_quote(kRoot + "/data/world/counterfact.json") + " 0 1");
  INFO(run.error);
  REQUIRE(run.exit_code == 0);
  CHECK_THAT(run.output, Catch::Contains("works as a watchmaker -> geologist"));
  const std::vector<nlohmann::json> rows = json_lines(run.output);
  REQUIRE(rows.size() == 1);
  const nlohmann::json& result = rows[0];
  CHECK(result["edited_layer"] == 1);
  const nlohmann::json& changes = result["changes"];
  REQUIRE(changes.size() == 4);
  CHECK(changes[0]["change"].get<double>() == 0.0);  // below the edit: untouched
  CHECK(changes[1]["change"].get<double>() > 0.1 * changes[1]["norm_before"].get<double>());
  REQUIRE(result["edited_weights"].size() == 1);
  CHECK(result["edited_weights"][0]["name"] == "model.layers.1.mlp.down_proj.weight");
  // The edit reaches the output. Its direction is not checked: the shipped model keeps its facts
  // elsewhere than the subject's last token, and ROME barely moves them (README, "Fact editing").
  const nlohmann::json& new_target = result["target_new_logprob"];
  CHECK(new_target["after"].get<double>() != new_target["before"].get<double>());

  const CommandResult bad_case = run_program(example(LLMEDIT_EXAMPLE_EDIT_AND_PROBE),
                                             shell_quote(kWorldModel) + " " + shell_quote(kRoot + "/data/world/counterfact.json") + " 999");
  CHECK(bad_case.exit_code == 2);
  CHECK_THAT(bad_case.error, Catch::Contains("no case 999"));
}

TEST_CASE("README's Use from C++ code is apps/examples/score_answers.cpp, verbatim", "[api][examples]") {
  const std::string readme = read_file(kRoot + "/README.md");
  const std::string source = read_file(kRoot + "/apps/examples/score_answers.cpp");
  REQUIRE_FALSE(source.empty());
  CHECK_THAT(readme, Catch::Contains("## Use from C++"));
  CHECK_THAT(readme, Catch::Contains("```cpp\n" + source + "```\n"));
}
