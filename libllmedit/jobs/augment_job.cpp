#include "libllmedit/jobs/augment_job.h"

#include <algorithm>
#include <filesystem>
#include <memory>
#include <set>
#include <sstream>

#include "libllmedit/augment/chat_provider.h"
#include "libllmedit/augment/pipeline.h"
#include "libllmedit/augment/prompt_templates.h"
#include "libllmedit/augment/template_provider.h"
#include "libllmedit/core/atomic_file.h"
#include "libllmedit/core/error.h"
#include "libllmedit/core/interrupt.h"
#include "libllmedit/core/logging.h"
#include "libllmedit/jobs/chat_model_setup.h"
#include "libllmedit/jobs/qa_data.h"
#include "libllmedit/report/summary.h"

namespace llmedit {

namespace {

using augment::AugmentedItem;
using augment::AugmentOptions;

void declare_augment_options(ConfigSchema& s) {
  s.option("data.forget", nlohmann::json::array(), "QA files with the items to augment (world JSONL, TOFU JSONL, KnowUnDo JSON)");
  s.option("data.forget_splits", nlohmann::json::array(), "keep only forget items of these splits (empty: all)");
  s.option("augment.provider", "template", "who writes the variants: template (offline rules), local (a model folder), openai (an endpoint)",
           {"template", "local", "openai"});
  s.option("augment.kinds", augment::question_variant_kinds(), "question variants per forget question");
  s.option("augment.variants_per_kind", 1, "variants of each kind per question");
  s.option("augment.chunk_chars", 800, "answers are rewritten in chunks of at most this many characters (ReLearn: 800)");
  s.option("augment.max_judge_rounds", 3, "generations of a vague answer before the judge's 'Yes' drops it (ReLearn: 3)");
  s.option("augment.completion_fraction", 0.25, "share of the augmented pairs that also give a sentence-completion item");
  s.option("augment.completion_split", 0.25, "share of an answer's words that becomes the completion prompt (ReLearn: 25%)");
  s.option("augment.include_original", false, "also keep each original (sensitive) question-answer pair");
  s.option("augment.general_qa_file", "", "QA file mixed in as general knowledge (empty: no mix)");
  s.option("augment.general_qa_ratio", 1.2, "general items per augmented forget item (ReLearn mixes WikiQA at 1.2x)");
  s.option("augment.script_filter", true, "drop pairs with letters in scripts the forget items do not use");
  s.option("augment.prompts", "data/prompts/relearn_augment.json", "local/openai: the prompt templates (one entry per task kind)");
  s.option("augment.temperature", 0.8, "local/openai: sampling temperature (a template's own value wins)");
  s.option("augment.top_p", 1.0, "local/openai: nucleus sampling mass");
  s.option("augment.max_new_tokens", 256, "local/openai: reply length at most (a template's max_tokens wins)");
  s.option("augment.cache_dir", "runs/.cache/augment", "stage outputs cached here by input hash (empty: no cache)");
  s.option("augment.export", "", "also write the augmented items to this file (e.g. for a relearn config's data.forget)");
  declare_chat_model_options(s, "augment");
}

void require(bool ok, const std::string& source, const std::string& key, const std::string& what, const nlohmann::json& value) {
  if (!ok) throw config_error(source + ": " + key + " must be " + what + ", got " + value.dump());
}

void validate_augment(const nlohmann::json& c, const SchemaContext& context) {
  const std::string& src = context.source;
  const auto get = [&](const std::string& key) { return config_value(c, key); };
  require(!get("data.forget").empty(), src, "data.forget", "a non-empty list of QA files", get("data.forget"));
  const auto& known = augment::question_variant_kinds();
  std::set<std::string> seen;
  for (const nlohmann::json& kind : get("augment.kinds")) {
    const bool ok = kind.is_string() && std::find(known.begin(), known.end(), kind.get<std::string>()) != known.end();
    require(ok, src, "augment.kinds", "a list of rephrase, add_context, add_noise, reverse_relation", kind);
    require(seen.insert(kind.get<std::string>()).second, src, "augment.kinds", "a list without repeats", kind);
  }
  require(get("augment.variants_per_kind").get<int64_t>() >= 1, src, "augment.variants_per_kind", ">= 1", get("augment.variants_per_kind"));
  require(get("augment.chunk_chars").get<int64_t>() >= 1, src, "augment.chunk_chars", ">= 1", get("augment.chunk_chars"));
  require(get("augment.max_judge_rounds").get<int64_t>() >= 1, src, "augment.max_judge_rounds", ">= 1", get("augment.max_judge_rounds"));
  const double fraction = get("augment.completion_fraction").get<double>();
  require(fraction >= 0 && fraction <= 1, src, "augment.completion_fraction", "in [0, 1]", get("augment.completion_fraction"));
  const double split = get("augment.completion_split").get<double>();
  require(split > 0 && split < 1, src, "augment.completion_split", "in (0, 1)", get("augment.completion_split"));
  require(get("augment.general_qa_ratio").get<double>() >= 0, src, "augment.general_qa_ratio", ">= 0", get("augment.general_qa_ratio"));
  require(get("augment.temperature").get<double>() >= 0, src, "augment.temperature", ">= 0", get("augment.temperature"));
  const double top_p = get("augment.top_p").get<double>();
  require(top_p > 0 && top_p <= 1, src, "augment.top_p", "in (0, 1]", get("augment.top_p"));
  require(get("augment.max_new_tokens").get<int64_t>() >= 1, src, "augment.max_new_tokens", ">= 1", get("augment.max_new_tokens"));
  require(get("augment.batch_size").get<int64_t>() >= 1, src, "augment.batch_size", ">= 1", get("augment.batch_size"));
  if (get("augment.provider") != "template")
    require(!get("augment.model").get<std::string>().empty(), src, "augment.model",
            "set for provider " + get("augment.provider").get<std::string>() + " (a model folder or an endpoint's model id)",
            get("augment.model"));
}

AugmentOptions read_options(const nlohmann::json& c) {
  AugmentOptions o;
  o.kinds = config_get<std::vector<std::string>>(c, "augment.kinds");
  o.variants_per_kind = config_get<int64_t>(c, "augment.variants_per_kind");
  o.chunk_chars = config_get<int64_t>(c, "augment.chunk_chars");
  o.max_judge_rounds = config_get<int64_t>(c, "augment.max_judge_rounds");
  o.completion_fraction = config_get<double>(c, "augment.completion_fraction");
  o.completion_split = config_get<double>(c, "augment.completion_split");
  o.include_original = config_get<bool>(c, "augment.include_original");
  o.general_qa_ratio = config_get<double>(c, "augment.general_qa_ratio");
  o.script_filter = config_get<bool>(c, "augment.script_filter");
  o.seed = config_get<uint64_t>(c, "seed");
  o.batch_size = config_get<int64_t>(c, "augment.batch_size");
  return o;
}

// The world's QA JSONL with the augmentation's own fields beside it (read_qa_file ignores them).
std::string augmented_jsonl(const std::vector<AugmentedItem>& items) {
  std::ostringstream out;
  for (const AugmentedItem& item : items) {
    nlohmann::ordered_json row;
    row["id"] = item.id;
    row["question"] = item.question;
    row["answer"] = item.answer;
    row["split"] = "forget";
    row["kind"] = item.kind;
    row["source_id"] = item.source_id;
    if (!item.subject.empty()) row["subject"] = item.subject;
    try {
      out << row.dump() << '\n';
    } catch (const nlohmann::json::type_error&) {
      throw data_error("augmented item " + item.id + ": a generated text is not valid UTF-8");
    }
  }
  return out.str();
}

// A few pairs per kind, for the reader of summary.md.
std::string examples_markdown(const std::vector<AugmentedItem>& items) {
  std::ostringstream md;
  md << "\n## Examples\n\n| kind | question | answer |\n| --- | --- | --- |\n";
  std::map<std::string, int> shown;
  const auto cell = [](std::string text) {
    for (char& ch : text)
      if (ch == '|' || ch == '\n') ch = ' ';
    return text;
  };
  for (const AugmentedItem& item : items)
    if (shown[item.kind]++ < 2) md << "| " << item.kind << " | " << cell(item.question) << " | " << cell(item.answer) << " |\n";
  return md.str();
}

JobOutcome run_augment(JobContext& context) {
  const nlohmann::json& c = context.config;
  const std::string source = context.run.path("config.resolved.json");
  const std::vector<QAItem> forget = read_qa_files(config_get<std::vector<std::string>>(c, "data.forget"),
                                                   config_get<std::vector<std::string>>(c, "data.forget_splits"), "data.forget");
  std::vector<QAItem> general;
  const auto general_file = config_get<std::string>(c, "augment.general_qa_file");
  if (!general_file.empty()) general = read_qa_file(general_file);

  const auto provider_name = config_get<std::string>(c, "augment.provider");
  std::unique_ptr<ChatModel> chat_model;
  std::unique_ptr<augment::AugmentProvider> provider;
  nlohmann::json prompts;  // null for the template provider, whose rules are in its identity
  if (provider_name == "template") {
    provider = std::make_unique<augment::TemplateProvider>();
  } else {
    augment::PromptTemplates templates = augment::read_prompt_templates(config_get<std::string>(c, "augment.prompts"));
    prompts = templates.raw;
    chat_model = make_chat_model(provider_name, c, "augment", source);
    augment::ChatProviderOptions options;
    options.provider = provider_name;
    options.temperature = config_get<double>(c, "augment.temperature");
    options.top_p = config_get<double>(c, "augment.top_p");
    options.max_tokens = config_get<int64_t>(c, "augment.max_new_tokens");
    provider = std::make_unique<augment::ChatProvider>(*chat_model, std::move(templates), options);
  }
  spdlog::info("augment: {} forget items, provider {}", forget.size(), provider->identity());

  augment::StageCache cache(config_get<std::string>(c, "augment.cache_dir"));
  AugmentOptions options = read_options(c);
  options.interrupt = context.interrupt;
  options.journal_dir = context.run.path("checkpoints/augment");
  augment::AugmentResult result;
  try {
    result = augment::run_augment_pipeline(forget, general, *provider, cache, options, prompts);
  } catch (const Interrupted& stop) {
    spdlog::warn("{}; the replies so far are kept in {}", stop.what(), options.journal_dir);
    JobOutcome outcome;
    outcome.interrupted = true;
    return outcome;
  }

  if (result.stats["pairs"]["pairs"].get<int64_t>() == 0)
    spdlog::warn("augment: no pair passed the judge ({} dropped; a model too small to follow the prompts "
                 "rarely answers \"No\"): augmented.jsonl has no forget pairs",
                 result.stats["pairs"]["dropped_by_judge"].get<int64_t>());
  const std::string jsonl = augmented_jsonl(result.items);
  write_text_atomic(context.run.path("augmented.jsonl"), jsonl);
  const auto export_path = config_get<std::string>(c, "augment.export");
  if (!export_path.empty()) {
    const std::filesystem::path parent = std::filesystem::path(export_path).parent_path();
    std::error_code error;
    if (!parent.empty()) std::filesystem::create_directories(parent, error);
    if (error) throw config_error(source + ": augment.export: cannot create '" + parent.string() + "': " + error.message());
    write_text_atomic(export_path, jsonl);
    spdlog::info("augment: also written to {}", export_path);
  }
  JobOutcome outcome;
  outcome.metrics["augment"] = result.stats;
  context.run.write_metrics(outcome.metrics);
  context.run.write_summary(summary_markdown("augment", c, outcome.metrics, {}) + examples_markdown(result.items));
  return outcome;
}

}  // namespace

JobKind augment_job_kind() {
  JobKind kind;
  kind.name = "augment";
  kind.help = "ReLearn data augmentation: vague, subject-keeping variants of the forget items (feed relearn's data.forget)";
  kind.declare = declare_augment_options;
  kind.validate = validate_augment;
  kind.run = run_augment;
  return kind;
}

}  // namespace llmedit
