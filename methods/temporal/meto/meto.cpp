#include "methods/temporal/meto/meto.h"

#include <cctype>

#include "libllmedit/core/error.h"

namespace llmedit::temporal {

namespace {

// One fact of the chain: its object, interval and the prompt body in its tense, with "{}" for
// the subject and without the time ("the president of {} was", "{} is a player of").
struct Fact {
  std::string object;
  int64_t since = 0, until = 0;
  std::string body;
};

std::string case_field(const AtokeCase& c, const std::string& field) {
  return "AToKe case " + std::to_string(c.case_id) + ": " + field;
}

// "From 1937 to 1947, Billy's team was" -> "Billy's team was"; text without that prefix as is.
std::string without_time(const std::string& text) {
  if (text.rfind("From ", 0) != 0) return text;
  const size_t comma = text.find(", ");
  return comma == std::string::npos ? text : text.substr(comma + 2);
}

// The body with "{}" in place of the subject's first occurrence.
std::string subject_template(const AtokeCase& c, const std::string& text, const std::string& subject,
                             const std::string& field) {
  std::string body = without_time(text);
  if (body.find("{}") != std::string::npos) return body;
  const size_t at = body.find(subject);
  if (at == std::string::npos)
    throw data_error(case_field(c, field) + " \"" + text + "\" does not contain the subject \"" + subject + "\"");
  return body.replace(at, subject.size(), "{}");
}

// A prompt that starts a sentence: "the president of {} was" -> "The president of {} was".
std::string sentence_case(std::string text) {
  if (!text.empty() && std::islower(static_cast<unsigned char>(text[0]))) text[0] = static_cast<char>(std::toupper(text[0]));
  return text;
}

std::vector<Fact> chain_up_to(const AtokeCase& c, size_t step, const std::string& model_time_object) {
  const std::string& subject = c.requested_rewrite.at(0).subject;
  // Fact k (k ≤ step) is the one history_evaluation[k] asks about: in the past after step k.
  auto past_body = [&](size_t k) {
    if (k < c.history_evaluation.size())
      return subject_template(c, c.history_evaluation[k].time_completion, subject,
                              "history_evaluation[" + std::to_string(k) + "].time_completion");
    // EE cases have no history: the step's own (present-tense) prompt is all there is.
    return subject_template(c, c.requested_rewrite[k].time_prompt, subject,
                            "requested_rewrite[" + std::to_string(k) + "].time_prompt");
  };
  const AtokeInterval& first = c.requested_rewrite[0].time_true;
  std::vector<Fact> facts = {{model_time_object, first.since, first.until, past_body(0)}};
  for (size_t k = 0; k <= step; ++k) {
    const AtokeStep& s = c.requested_rewrite[k];
    const std::string body = k == step ? subject_template(c, s.time_prompt, subject,
                                                          "requested_rewrite[" + std::to_string(k) + "].time_prompt")
                                       : past_body(k + 1);
    facts.push_back({s.target_new.str, s.time_new.since, s.time_new.until, body});
  }
  return facts;
}

}  // namespace

nlohmann::json MetoOptions::to_json() const {
  return {{"per_target_delta", per_target_delta}, {"time_objective", time_objective}};
}

std::vector<EditRequest> meto_requests(const AtokeCase& c, size_t step, const std::string& model_time_object,
                                       const MetoOptions& options) {
  if (step >= c.requested_rewrite.size())
    throw usage_error(case_field(c, "step " + std::to_string(step) + " is past its " +
                                        std::to_string(c.requested_rewrite.size()) + " requested_rewrite steps"));
  const std::string& subject = c.requested_rewrite[0].subject;
  const std::vector<Fact> facts = chain_up_to(c, step, model_time_object.empty() ? c.answer.at(0).at(0) : model_time_object);
  const std::string& newest = facts.back().object;
  std::vector<EditRequest> out;
  for (size_t k = 0; k < facts.size(); ++k) {
    const Fact& f = facts[k];
    const std::string span = std::to_string(f.since) + " to " + std::to_string(f.until);
    // The competitor (target_true, for the editor's own diagnostics): the fact that replaced this
    // one, or for the newest the one it replaced.
    const std::string& other = k + 1 < facts.size() ? newest : facts[k - 1].object;
    const std::string& relation = c.requested_rewrite[0].relation_id;
    out.push_back({"From " + span + ", " + f.body, subject, f.object, other, relation, "", ""});
    if (options.time_objective)
      out.push_back({sentence_case(f.body) + " " + f.object + " from", subject, span, "", relation, "", ""});
  }
  return out;
}

EditOutcome Meto::edit(const TemporalEditInputs& inputs) {
  if (!inputs.editor || !inputs.atoke_case) throw Error(ErrorKind::Internal, "meto: no editor or case given");
  const std::vector<EditRequest> requests =
      meto_requests(*inputs.atoke_case, inputs.step, inputs.model_time_object, options_);
  EditInputs edit = inputs.edit;
  edit.requests = &requests;
  edit.share_subject_value = !options_.per_target_delta;
  EditOutcome outcome = inputs.editor->edit(edit);
  outcome.log.insert(outcome.log.begin(), nlohmann::json{{"meto_requests", requests.size()}, {"step", inputs.step}});
  return outcome;
}

void register_meto(MethodRegistry& registry) {
  TemporalEditorSpec spec;
  spec.name = "meto";
  spec.help = "METO: edit the model-time fact and every newer fact with their intervals at once, plus time "
              "objectives (Yin et al. 2024)";
  spec.declare = [](ConfigSchema& s) {
    s.option("temporal.per_target_delta", false,
             "ROME/MEMIT: one value per METO target instead of one per subject (ablation)");
    s.option("temporal.time_objective", true, "add the time objective \"... {object} from\" → \"{since} to {until}\"");
  };
  spec.create = [](const nlohmann::json& c) -> std::unique_ptr<TemporalEditor> {
    MetoOptions o;
    o.per_target_delta = config_get<bool>(c, "temporal.per_target_delta");
    o.time_objective = config_get<bool>(c, "temporal.time_objective");
    return std::make_unique<Meto>(o);
  };
  registry.add(std::move(spec));
}

}  // namespace llmedit::temporal
