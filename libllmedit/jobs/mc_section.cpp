#include "libllmedit/jobs/mc_section.h"

#include <torch/torch.h>

#include <cstdio>

#include "libllmedit/core/error.h"
#include "libllmedit/core/logging.h"
#include "libllmedit/data/mc_csv.h"

namespace llmedit {

namespace {

// eval.mc.template.<field>: the pieces of a custom format (docs/multiple_choice.md).
const std::string kMC = "eval.mc.";

const char* const kTemplateFields[] = {"header", "question", "choice", "choice_separator", "answer", "shot_separator"};

std::string* template_field(MCPromptFormat& f, const std::string& field) {
  if (field == "header") return &f.header;
  if (field == "question") return &f.question;
  if (field == "choice") return &f.choice;
  if (field == "choice_separator") return &f.choice_separator;
  if (field == "answer") return &f.answer;
  return &f.shot_separator;
}

// "custom" starts from the mmlu format and takes every eval.mc.template.* key that is set;
// the built-in formats refuse them, so a template is never silently ignored.
MCPromptFormat read_format(const nlohmann::json& c, const std::string& source) {
  const std::string name = config_get<std::string>(c, kMC + "format");
  const bool custom = name == "custom";
  MCPromptFormat f = custom ? mmlu_format() : builtin_mc_format(name, source + ": eval.mc.format");
  if (custom) f.name = "custom";
  for (const char* field : kTemplateFields) {
    const nlohmann::json& value = config_value(c, std::string(kMC + "template.") + field);
    if (value.is_null()) continue;
    if (!custom)
      throw config_error(source + ": eval.mc.template." + field + " applies only when eval.mc.format is \"custom\" (it is \"" +
                         name + "\")");
    *template_field(f, field) = value.get<std::string>();
  }
  const nlohmann::json& strip = config_value(c, kMC + "template.strip_question");
  if (!strip.is_null()) {
    if (!custom) throw config_error(source + ": eval.mc.template.strip_question applies only when eval.mc.format is \"custom\"");
    f.strip_question = strip.get<bool>();
  }
  for (const auto& [subject, display] : config_value(c, kMC + "subject_names").items()) {
    if (!display.is_string())
      throw config_error(source + ": eval.mc.subject_names." + subject + " must be a string, got " + display.dump());
    f.subject_names[subject] = display.get<std::string>();
  }
  validate_mc_format(f, source);
  return f;
}

int64_t read_bounded(const nlohmann::json& c, const std::string& key, int64_t low, int64_t high,
                     const std::string& source) {
  const auto value = config_get<int64_t>(c, key);
  if (value < low || value > high)
    throw config_error(source + ": key '" + key + "' must be between " + std::to_string(low) + " and " +
                       std::to_string(high) + ", got " + std::to_string(value));
  return value;
}

std::string throughput_markdown(const MCEvaluation& e) {
  char line[160];
  const double rate = e.seconds > 0 ? static_cast<double>(e.items.size()) / e.seconds : 0.0;
  std::snprintf(line, sizeof line, "\n## Throughput\n\n%zu questions in %.1f s: %.2f questions/s\n", e.items.size(),
                e.seconds, rate);
  return line;
}

}  // namespace

void declare_mc_options(ConfigSchema& s) {
  s.option(kMC + "data", "", "multiple choice: benchmark folder with dev/ and test/ CSVs, one file per subject (empty: off)");
  s.option(kMC + "subjects", nlohmann::json::array(), "evaluate only these subjects (file stems; empty: every test file)");
  s.option(kMC + "format", "mmlu", "prompt format: arcmmlu, mmlu, or custom (eval.mc.template.*)",
           {"arcmmlu", "mmlu", "custom"});
  s.option(kMC + "shots", 0, "k: the first k dev rows of the subject as examples (0-5)");
  s.option(kMC + "max_length", 0, "prompt tokens at most; longest shots are dropped to fit (0: max_position_embeddings)");
  s.option(kMC + "batch_size", 8, "prompts per forward pass (left-padded)");
  s.option(kMC + "max_items", 0, "evaluate only the first N test rows of each subject (0: all)");
  s.option(kMC + "subject_names", nlohmann::json::object(),
           "subject (file stem) -> name written in the header, over the format's own table");
  s.optional(kMC + "template.header", OptionType::String, "custom format: text before the shots; {subject}");
  s.optional(kMC + "template.question", OptionType::String,
             "custom format: a question up to the answer cue; {subject} {question} {choices}");
  s.optional(kMC + "template.choice", OptionType::String, "custom format: one option; {letter} {choice}");
  s.optional(kMC + "template.choice_separator", OptionType::String, "custom format: between options");
  s.optional(kMC + "template.answer", OptionType::String,
             "custom format: the scored continuation and shot answer; {letter}");
  s.optional(kMC + "template.shot_separator", OptionType::String, "custom format: after each shot's answer");
  s.optional(kMC + "template.strip_question", OptionType::Bool, "custom format: trim whitespace around questions");
}

MCOptions read_mc_options(const nlohmann::json& c, const std::string& source) {
  MCOptions o;
  o.format = read_format(c, source);
  o.shots = read_bounded(c, kMC + "shots", 0, 5, source);
  o.max_length = read_bounded(c, kMC + "max_length", 0, int64_t{1} << 40, source);
  o.batch_size = read_bounded(c, kMC + "batch_size", 1, int64_t{1} << 20, source);
  o.max_items = read_bounded(c, kMC + "max_items", 0, int64_t{1} << 40, source);
  for (const nlohmann::json& subject : config_value(c, kMC + "subjects")) {
    if (!subject.is_string()) throw config_error(source + ": eval.mc.subjects must hold strings, got " + subject.dump());
    o.subjects.push_back(subject.get<std::string>());
  }
  return o;
}

MCSectionResult run_mc_section(CausalLM& model, const Tokenizer& tokenizer, const nlohmann::json& c,
                               const std::string& source) {
  const MCOptions options = read_mc_options(c, source);
  const MCBenchmark benchmark = read_mc_benchmark(config_get<std::string>(c, kMC + "data"));
  const MCEvaluation evaluation = evaluate_mc(model, tokenizer, benchmark, options);
  MCSectionResult result;
  for (const MCItemResult& item : evaluation.items) result.rows.push_back(mc_prediction_json(item));
  result.metrics = mc_metrics_json(evaluation, options);
  result.summary = throughput_markdown(evaluation);
  spdlog::info("multiple choice: macro accuracy {:.4f}, micro {:.4f} over {} questions ({:.2f} questions/s)",
               evaluation.summary.macro_accuracy, evaluation.summary.micro_accuracy, evaluation.summary.items,
               evaluation.seconds > 0 ? static_cast<double>(evaluation.items.size()) / evaluation.seconds : 0.0);
  return result;
}

}  // namespace llmedit
