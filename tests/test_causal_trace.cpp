// Causal tracing (libllmedit/edit/causal_trace, `llmedit trace`): token groups follow ROME's
// buckets; restoring the last layer's output at the last token gives back the clean prediction's
// probability exactly, and tokens after the prediction cannot matter; the CLI writes the table
// and JSON.
#include <torch/torch.h>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "libllmedit/core/error.h"
#include "libllmedit/core/remove_tree.h"
#include "libllmedit/edit/causal_trace.h"
#include "libllmedit/model/causal_lm.h"
#include "libllmedit/model/loader.h"
#include "libllmedit/tokenizer/tokenizer.h"
#include "tests/cli_runner.h"
#include "tests/fixtures.h"

using namespace llmedit;
using namespace llmedit::test;
namespace fs = std::filesystem;

namespace {

EditRequest request(const std::string& prompt, const std::string& subject) {
  EditRequest r;
  r.prompt = prompt;
  r.subject = subject;
  r.target_new = "x";
  r.target_true = "y";
  return r;
}

}  // namespace

TEST_CASE("trace token groups: ROME's buckets around a three-token subject", "[trace]") {
  auto names = [](int64_t T, int64_t first, int64_t last) {
    std::vector<std::string> out;
    for (TraceTokenGroup g : trace_token_groups(T, first, last)) out.push_back(trace_token_group_name(g));
    return out;
  };
  // BOS, "The", subject (2..4), "is", "a", last
  CHECK(names(8, 2, 4) == std::vector<std::string>{"further tokens", "further tokens", "first subject token",
                                                   "middle subject tokens", "last subject token",
                                                   "first subsequent token", "further tokens", "last token"});
  // A one-token subject right before the prediction: the last token wins.
  CHECK(names(3, 2, 2) == std::vector<std::string>{"further tokens", "further tokens", "last token"});
}

TEST_CASE("causal trace: restoring the final residual at the last token restores the clean probability", "[trace]") {
  auto model = load_causal_lm(kWorldModel);
  auto tokenizer = load_tokenizer(kWorldModel);
  const std::vector<EditRequest> requests = {request("{} was born in", "Beven Yarerstrom"),
                                             request("The profession of {} is", "Rara Morawick")};
  CausalTraceOptions o;
  o.samples = 3;
  o.progress = false;
  const CausalTraceResult r = causal_trace(*model, *tokenizer, requests, o);
  const int64_t L = model->spec().num_layers;
  REQUIRE(r.requests == 2);
  REQUIRE(r.effect[static_cast<size_t>(TraceTokenGroup::Last)].size() == static_cast<size_t>(L));
  CHECK(r.clean_probability > r.corrupt_probability);
  // The last layer's output at the last token is all the logits see.
  CHECK(r.effect[static_cast<size_t>(TraceTokenGroup::Last)][static_cast<size_t>(L - 1)] ==
        Approx(r.clean_probability - r.corrupt_probability).margin(1e-5));
  // The subject's last token and the tokens after it all exist in these prompts; "middle" does not
  // (two-token subjects).
  for (TraceTokenGroup g : {TraceTokenGroup::SubjectFirst, TraceTokenGroup::SubjectLast, TraceTokenGroup::FirstAfterSubject})
    CHECK_FALSE(std::isnan(r.effect[static_cast<size_t>(g)][0]));
  CHECK(std::isnan(r.effect[static_cast<size_t>(TraceTokenGroup::SubjectMiddle)][0]));
  // The same seed gives the same noise.
  const CausalTraceResult again = causal_trace(*model, *tokenizer, requests, o);
  CHECK(again.corrupt_probability == r.corrupt_probability);

  o.site = "mlp.input";
  CHECK_THROWS_WITH(causal_trace(*model, *tokenizer, requests, o), Catch::Contains("mlp.input"));
}

TEST_CASE("llmedit trace prints the table and writes JSON", "[trace]") {
  const fs::path dir = fs::temp_directory_path() / "llmedit_trace_cli";
  remove_tree(dir);
  fs::create_directories(dir);
  const std::string out = (dir / "trace.json").string();
  const CommandResult r = run_cli("trace --model " + shell_quote(kWorldModel) + " --requests " +
                                  shell_quote(kRoot + "/data/world/counterfact.json") +
                                  " --max-requests 2 --samples 2 --site mlp.output --threads 1 --out " + shell_quote(out));
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.output, Catch::Contains("| last subject token |"));
  std::ifstream in(out);
  const nlohmann::json j = nlohmann::json::parse(in);
  CHECK(j["requests"] == 2);
  CHECK(j["site"] == "mlp.output");
  CHECK(j["indirect_effect"]["last token"].size() == 4);

  const CommandResult bad = run_cli("trace --model " + shell_quote(kWorldModel) + " --requests " +
                                    shell_quote((dir / "missing.json").string()));
  CHECK(bad.exit_code == 2);
  CHECK_THAT(bad.error, Catch::Contains("missing.json"));
  remove_tree(dir);
}
