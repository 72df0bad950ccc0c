// Temporal editing (eval/temporal_scores, methods/temporal/meto, job temporal): each AToKe
// measure on a stub whose greedy continuations and NLLs are known; METO's requests for the
// README's chain (Manchester United 1937–1947 → Southampton 1947–1948 → Arsenal 1948–1953);
// one shared value per subject in ROME and MEMIT; the job end to end, with HES* asked only after
// a case's last step and every case starting from the unedited model.
#include <torch/torch.h>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <map>

#include "libllmedit/core/atomic_file.h"
#include "libllmedit/core/error.h"
#include "libllmedit/data/atoke.h"
#include "libllmedit/eval/temporal_scores.h"
#include "libllmedit/jobs/temporal_job.h"
#include "libllmedit/model/causal_lm.h"
#include "libllmedit/model/loader.h"
#include "libllmedit/tokenizer/tokenizer.h"
#include "methods/edit/memit/memit.h"
#include "methods/edit/rome/rome.h"
#include "methods/temporal/meto/meto.h"
#include "tests/cli_runner.h"
#include "tests/fixtures.h"

using namespace llmedit;
using namespace llmedit::test;
namespace fs = std::filesystem;

namespace {

// Answers from tables: a prompt's continuation, and the NLL of (prompt, answer).
class StubAnswerer : public TemporalAnswerer {
 public:
  std::map<std::string, std::string> text;
  std::map<std::pair<std::string, std::string>, double> nll;
  std::vector<std::string> continuations(const std::vector<std::string>& prompts) override {
    std::vector<std::string> out;
    for (const std::string& p : prompts) out.push_back(text.count(p) ? text.at(p) : "");
    return out;
  }
  std::vector<double> mean_nll(const std::vector<std::pair<std::string, std::string>>& pairs) override {
    std::vector<double> out;
    for (const auto& p : pairs) out.push_back(nll.at(p));
    return out;
  }
};

AtokeEvaluation evaluation(const std::string& span, const std::string& tense) {
  AtokeEvaluation e;
  e.completion = (tense == "is" ? "The coach of Oxley is" : "The former coach of Oxley was");
  e.paraphrase_completion = "The person coaching Oxley " + tense;
  e.time_completion = "From " + span + ", the coach of Oxley " + tense;
  e.paraphrase_time_completion = "From " + span + ", the person coaching Oxley " + tense;
  return e;
}

// A two-step chain: Ann (model time, 2000–2010) → Bob (2010–2015) → Cy (2015–2020).
AtokeCase two_step_case() {
  AtokeCase c;
  c.case_id = 7;
  const std::vector<std::string> holders = {"Ann Moss", "Bob Reed", "Cy Lund"};
  const std::vector<std::string> spans = {"2000 to 2010", "2010 to 2015", "2015 to 2020"};
  for (size_t k = 0; k < 2; ++k) {
    AtokeStep s;
    s.prompt = "The coach of {} is";
    s.time_prompt = "From " + spans[k + 1] + ", the coach of {} is";
    s.subject = "Oxley";
    s.target_new = {holders[k + 1], ""};
    s.target_true = {holders[k], ""};
    s.time_true = {k == 0 ? 2000 : 2010, k == 0 ? 2010 : 2015, std::nullopt};
    s.time_new = {k == 0 ? 2010 : 2015, k == 0 ? 2015 : 2020, std::nullopt};
    s.evaluation = evaluation(spans[k + 1], "is");
    c.requested_rewrite.push_back(s);
    c.history_evaluation.push_back(evaluation(spans[k], "was"));
    c.answer.push_back({holders[k]});
    c.answer_alias.push_back({holders[k].substr(holders[k].find(' ') + 1)});
    c.new_answer.push_back({holders[k + 1]});
    c.new_answer_alias.push_back({});
  }
  return c;
}

nlohmann::json score_of(const std::vector<QueryResult>& results) {
  TemporalScoreTable table;
  table.add_case(results);
  CHECK(table.cases() == 1);
  return table.to_json();
}

std::vector<nlohmann::json> read_jsonl(const std::string& path) {
  std::vector<nlohmann::json> rows;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) rows.push_back(nlohmann::json::parse(line));
  return rows;
}

}  // namespace

TEST_CASE("temporal: answers are normalized and matched as whole words, aliases included", "[temporal]") {
  CHECK(normalize_answer("  The Arsenal, F.C.!  ") == "arsenal fc");
  CHECK(continuation_matches(" Arsenal F.C. from 1948 to 1953.", {"Arsenal F.C."}));
  CHECK(continuation_matches(" the Gunners, of course", {"Arsenal F.C.", "The Gunners"}));
  CHECK_FALSE(continuation_matches(" Arsenalistas", {"Arsenal"}));  // not a whole word
  CHECK_FALSE(continuation_matches(" Southampton", {"Arsenal F.C."}));
  CHECK_FALSE(continuation_matches("", {""}));  // an empty gold matches nothing
}

TEST_CASE("temporal: each measure on a stub with known continuations (match and nll scorers)", "[temporal]") {
  const AtokeCase c = two_step_case();
  const std::vector<TemporalQuery> step0 = step_queries(c, 0), step1 = step_queries(c, 1);
  REQUIRE(step0.size() == 5);
  CHECK(step0[0].prompt == "From 2010 to 2015, the coach of Oxley is");
  CHECK(step0[3].prompt == "From 2000 to 2010, the coach of Oxley was");
  CHECK(step0[3].golds == std::vector<std::string>{"Ann Moss", "Moss"});
  CHECK(step0[3].competitor == "Bob Reed");

  StubAnswerer stub;
  // After step 0: the current questions answer Bob (CRS only through the alias-free full name),
  // the history forgot Ann except under the relative prompt, where her alias appears.
  stub.text["From 2010 to 2015, the coach of Oxley is"] = " Bob Reed.";
  stub.text["From 2010 to 2015, the person coaching Oxley is"] = " Ann Moss.";
  stub.text["The coach of Oxley is"] = " bob reed";
  stub.text["From 2000 to 2010, the coach of Oxley was"] = " Bob Reed.";
  stub.text["The former coach of Oxley was"] = " Moss, before Bob.";
  const nlohmann::json s0 = score_of(score_queries(stub, step0, TemporalScorer::Match));
  CHECK(s0["CES"] == 1.0);
  CHECK(s0["CES-P"] == 0.0);
  CHECK(s0["CRS"] == 1.0);
  CHECK(s0["HES"] == 0.0);
  CHECK(s0["HRS"] == 1.0);
  CHECK(s0["HES*"].is_null());

  // A chain's score is the mean over its steps; HES* comes from the final history questions.
  const std::vector<QueryResult> r0 = score_queries(stub, step0, TemporalScorer::Match);
  stub.text["From 2015 to 2020, the coach of Oxley is"] = " Cy Lund";
  stub.text["From 2010 to 2015, the coach of Oxley was"] = " Bob Reed";
  std::vector<QueryResult> all = r0;
  for (const QueryResult& r : score_queries(stub, step1, TemporalScorer::Match)) all.push_back(r);
  const std::vector<TemporalQuery> star = final_history_queries(c);
  REQUIRE(star.size() == 2);
  CHECK(star[0].measure == TemporalMeasure::HESStar);
  for (const QueryResult& r : score_queries(stub, star, TemporalScorer::Match)) all.push_back(r);
  const nlohmann::json chain = score_of(all);
  CHECK(chain["CES"] == 1.0);     // both steps right
  CHECK(chain["CES-P"] == 0.0);   // neither
  CHECK(chain["CRS"] == 0.5);     // step 1's relative question still says Bob
  CHECK(chain["HES"] == 0.5);     // step 0 wrong, step 1 right
  CHECK(chain["HES*"] == 0.5);    // Ann forgotten, Bob remembered

  // nll: the gold is preferred when its NLL is below the competitor's.
  for (const TemporalQuery& q : step0) {
    stub.nll[{q.prompt, q.golds[0]}] = q.measure == TemporalMeasure::CES ? 1.0 : 3.0;
    stub.nll[{q.prompt, q.competitor}] = 2.0;
  }
  const nlohmann::json n0 = score_of(score_queries(stub, step0, TemporalScorer::Nll));
  CHECK(n0["CES"] == 1.0);
  CHECK(n0["CRS"] == 0.0);
  CHECK(n0["HES"] == 0.0);

  // EE: no history, so only the current-side measures exist.
  AtokeCase ee = two_step_case();
  ee.requested_rewrite.resize(1);
  ee.history_evaluation.clear();
  CHECK(step_queries(ee, 0).size() == 3);
  CHECK(final_history_queries(ee).empty());
  const nlohmann::json se = score_of(score_queries(stub, step_queries(ee, 0), TemporalScorer::Match));
  CHECK(se["HES"].is_null());
  CHECK(se["HRS"].is_null());
}

TEST_CASE("METO: the README's chain yields the expected fact and time targets", "[temporal]") {
  require_shared_or_skip("data/atoke-example");
  const AtokeCase c = read_atoke_file(shared_path("data/atoke-example/AToKe-ME.example.json")).at(0);
  temporal::MetoOptions options;
  const std::vector<EditRequest> step0 = temporal::meto_requests(c, 0, "Manchester United F.C.", options);
  REQUIRE(step0.size() == 4);
  const std::vector<EditRequest> r = temporal::meto_requests(c, 1, "Manchester United F.C.", options);
  REQUIRE(r.size() == 6);
  const std::vector<std::pair<std::string, std::string>> expected = {
      {"From 1937 to 1947, {}'s team was", "Manchester United F.C."},
      {"{}'s team was Manchester United F.C. from", "1937 to 1947"},
      {"From 1947 to 1948, {}'s team was", "Southampton F.C."},
      {"{}'s team was Southampton F.C. from", "1947 to 1948"},
      {"From 1948 to 1953, {} is a player of", "Arsenal F.C."},
      {"{} is a player of Arsenal F.C. from", "1948 to 1953"}};
  for (size_t i = 0; i < r.size(); ++i) {
    INFO(i);
    CHECK(r[i].prompt == expected[i].first);
    CHECK(r[i].target_new == expected[i].second);
    CHECK(r[i].subject == "Billy Wrigglesworth");
  }
  // Step 0: the model-time fact in the past, Southampton in the present.
  CHECK(step0[0].prompt == expected[0].first);
  CHECK(step0[2].prompt == "From 1947 to 1948, {} is a player of");
  CHECK(step0[3].prompt == "{} is a player of Southampton F.C. from");

  // The model-time object is what the model answered, not the file's gold.
  CHECK(temporal::meto_requests(c, 0, "Leeds United", options)[0].target_new == "Leeds United");
  options.time_objective = false;
  CHECK(temporal::meto_requests(c, 1, "Manchester United F.C.", options).size() == 3);
  CHECK_THROWS_WITH(temporal::meto_requests(c, 2, "x", options), Catch::Contains("case 3"));
  AtokeCase broken = c;
  broken.history_evaluation[0].time_completion = "From 1937 to 1947, his team was";
  CHECK_THROWS_WITH(temporal::meto_requests(broken, 1, "x", options),
                    Catch::Contains("history_evaluation[0].time_completion") && Catch::Contains("Billy Wrigglesworth"));
}

TEST_CASE("ROME and MEMIT: requests sharing a subject get one value when asked to", "[temporal]") {
  auto model = load_causal_lm(kWorldModel);
  auto tokenizer = load_tokenizer(kWorldModel);
  model->eval();
  auto request = [](const std::string& prompt, const std::string& subject, const std::string& target) {
    EditRequest r;
    r.prompt = prompt;
    r.subject = subject;
    r.target_new = target;
    return r;
  };
  const std::vector<EditRequest> requests = {request("From 2001 to 2005, the chief of {} was", "Vorwick Records", "Tara Farroway"),
                                             request("The chief of {} was Tara Farroway from", "Vorwick Records", "2001 to 2005"),
                                             request("The chief of {} is", "Peleidge Optics", "Salda Yaravik")};
  auto count_values = [&](Editor& editor, bool share) {
    EditInputs inputs;
    inputs.model = model.get();
    inputs.tokenizer = tokenizer.get();
    inputs.requests = &requests;
    inputs.progress = false;
    inputs.share_subject_value = share;
    const auto saved = model->named_weights();
    std::map<std::string, torch::Tensor> before;
    for (const auto& [name, w] : saved) before[name] = w.detach().clone();
    const EditOutcome outcome = editor.edit(inputs);
    torch::NoGradGuard no_grad;
    for (const auto& [name, delta] : outcome.deltas) model->weight(name).copy_(before.at(name));
    int values = 0, shared = 0;
    for (const nlohmann::json& record : outcome.log)
      if (record.contains("first_loss")) ++values, shared += record.value("shared_with", 1);
    return std::make_pair(values, shared);
  };
  edit::RomeOptions rome_options;
  rome_options.layers = {1};
  rome_options.stats.mom2_adjustment = false;
  rome_options.value.v_num_grad_steps = 3;
  rome_options.context.lengths = {};
  edit::Rome rome(rome_options);
  CHECK(count_values(rome, false) == std::make_pair(3, 3));
  CHECK(count_values(rome, true) == std::make_pair(2, 3));
  edit::MemitOptions memit_options;
  memit_options.layers = {0, 1};
  memit_options.stats.mom2_adjustment = false;
  memit_options.value.v_num_grad_steps = 3;
  memit_options.context.lengths = {};
  edit::Memit memit(memit_options);
  CHECK(count_values(memit, true) == std::make_pair(2, 3));
}

TEST_CASE("job temporal end to end: HES* after the last step only, every case from the unedited model", "[temporal][cli]") {
  TempDir dir("temporal-cli");
  const std::string me = kRoot + "/data/world/atoke/AToKe-ME.json";
  nlohmann::json config = {{"job", "temporal"},
                           {"seed", 1},
                           {"threads", 1},
                           {"model", {{"path", kWorldModel}}},
                           {"data", {{"atoke", {me}}, {"max_cases", 2}}},
                           {"method", {{"name", "ft_l"}, {"num_steps", 5}}},
                           {"temporal", {{"method", "meto"}}},
                           {"eval", {{"max_new_tokens", 8}}},
                           {"output", {{"dir", dir.path + "/both"}}}};
  write_text_atomic(dir.path + "/both.json", config.dump(2));
  const CommandResult both = run_cli("run " + shell_quote(dir.path + "/both.json"));
  INFO(both.error);
  REQUIRE(both.exit_code == 0);
  const nlohmann::json metrics = nlohmann::json::parse(read_text_file(dir.path + "/both/metrics.json"));
  for (const char* measure : {"CES", "CES-P", "CRS", "HES", "HRS", "HES*"}) {
    CHECK(metrics["atoke"]["ME"][measure].is_number());
    CHECK(metrics["atoke_unedited"]["ME"].contains(measure));
  }
  CHECK(metrics["atoke_unedited"]["ME"]["HES*"].is_null());
  CHECK(metrics["temporal"]["wrapper"] == "meto");
  CHECK(metrics["temporal"]["scorer"] == "match");
  CHECK_THAT(read_text_file(dir.path + "/both/summary.md"), Catch::Contains("| ME | edited | 2 |"));

  const std::vector<AtokeCase> cases = read_atoke_file(me);
  const std::vector<nlohmann::json> rows = read_jsonl(dir.path + "/both/predictions.jsonl");
  size_t row = 0;
  for (size_t k = 0; k < 2; ++k) {
    const size_t steps = cases[k].requested_rewrite.size();
    REQUIRE(rows.size() >= row + steps + 2);
    CHECK(rows[row]["stage"] == "unedited");
    for (size_t s = 0; s < steps; ++s) {
      const nlohmann::json& r = rows[row + 1 + s];
      CHECK(r["stage"] == "step");
      CHECK(r["step"] == s);
      for (const nlohmann::json& q : r["queries"]) CHECK(q["measure"] != "HES*");
    }
    const nlohmann::json& last = rows[row + 1 + steps];
    CHECK(last["stage"] == "after_last_step");
    CHECK(last["queries"].size() == steps);
    for (const nlohmann::json& q : last["queries"]) CHECK(q["measure"] == "HES*");
    row += steps + 2;
  }
  CHECK(rows.size() == row);

  // The second case alone, on a fresh model: its unedited answers are the same, so the job put
  // the weights back after the first case.
  const std::string second = dir.path + "/second.json";
  write_atoke_file(second, {cases[1]});
  config["data"] = {{"atoke", {second}}};
  config["output"]["dir"] = dir.path + "/alone";
  write_text_atomic(dir.path + "/alone.json", config.dump(2));
  REQUIRE(run_cli("run " + shell_quote(dir.path + "/alone.json")).exit_code == 0);
  const std::vector<nlohmann::json> alone = read_jsonl(dir.path + "/alone/predictions.jsonl");
  const size_t second_start = cases[0].requested_rewrite.size() + 2;
  CHECK(alone.at(0)["stage"] == "unedited");
  CHECK(alone.at(0)["queries"] == rows.at(second_start)["queries"]);
  CHECK(alone.at(0)["model_time_object"] == rows.at(second_start)["model_time_object"]);
}

TEST_CASE("job temporal: bad method names and files fail naming the key or case", "[temporal][cli]") {
  TempDir dir("temporal-bad");
  nlohmann::json config = {{"job", "temporal"},
                           {"model", {{"path", kWorldModel}}},
                           {"data", {{"atoke", {kRoot + "/data/world/atoke/AToKe-SE.json"}}}},
                           {"method", {{"name", "ft_l"}}},
                           {"temporal", {{"method", "meta"}}},
                           {"output", {{"dir", dir.path + "/run"}}}};
  write_text_atomic(dir.path + "/bad.json", config.dump(2));
  const CommandResult bad = run_cli("run " + shell_quote(dir.path + "/bad.json"));
  CHECK(bad.exit_code == 2);
  CHECK_THAT(bad.error, Catch::Contains("temporal.method") && Catch::Contains("meta"));

  write_text_atomic(dir.path + "/broken.json", R"([{"case_id": 4, "requested_rewrite": {"prompt": 3}}])");
  config["temporal"]["method"] = "meto";
  config["data"]["atoke"] = {dir.path + "/broken.json"};
  write_text_atomic(dir.path + "/broken_config.json", config.dump(2));
  const CommandResult broken = run_cli("run " + shell_quote(dir.path + "/broken_config.json"));
  CHECK(broken.exit_code == 2);
  CHECK_THAT(broken.error, Catch::Contains("broken.json") && Catch::Contains("4"));
  CHECK(atoke_file_label("/x/AToKe-SE.json") == "SE");
  CHECK(atoke_file_label("/x/mine.json") == "mine");
}
