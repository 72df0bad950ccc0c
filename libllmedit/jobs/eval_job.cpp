#include "libllmedit/jobs/eval_job.h"

#include <torch/torch.h>

#include "libllmedit/core/config.h"
#include "libllmedit/core/error.h"
#include "libllmedit/eval/encoder_scorers.h"
#include "libllmedit/jobs/model_setup.h"
#include "libllmedit/jobs/qa_data.h"
#include "libllmedit/model/loader.h"
#include "libllmedit/report/summary.h"

namespace llmedit {

void declare_answer_options(ConfigSchema& s, const std::string& p) {
  s.option(p + ".max_new_tokens", 48, "tokens generated per answer at most");
  s.option(p + ".batch_size", 32, "questions answered together");
  s.option(p + ".greedy", true, "greedy decoding; false samples with temperature/top_p/top_k");
  s.option(p + ".temperature", 0.7, "sampling temperature (when greedy is false)");
  s.option(p + ".top_p", 0.9, "nucleus sampling threshold (when greedy is false)");
  s.option(p + ".top_k", 5, "top-k sampling, 0 = off (when greedy is false)");
  s.option(p + ".max_items", 0, "answer only the first N items of each split (0: all)");
}

AnswerOptions read_answer_options(const nlohmann::json& c, const std::string& p, uint64_t seed) {
  AnswerOptions o;
  o.max_new_tokens = config_get<int64_t>(c, p + ".max_new_tokens");
  o.batch_size = config_get<int64_t>(c, p + ".batch_size");
  o.sampling.greedy = config_get<bool>(c, p + ".greedy");
  o.sampling.temperature = config_get<double>(c, p + ".temperature");
  o.sampling.top_p = config_get<double>(c, p + ".top_p");
  o.sampling.top_k = config_get<int64_t>(c, p + ".top_k");
  o.sampling.seed = seed;
  return o;
}

namespace {

std::vector<KnowledgeItem> first_per_split(std::vector<KnowledgeItem> items, int64_t max_items) {
  if (max_items <= 0) return items;
  std::map<std::string, int64_t> seen;
  std::vector<KnowledgeItem> kept;
  for (KnowledgeItem& item : items)
    if (seen[item.split]++ < max_items) kept.push_back(std::move(item));
  return kept;
}

JobOutcome run_knowledge_eval(JobContext& context) {
  const nlohmann::json& c = context.config;
  const std::string source = context.run.path("config.resolved.json");
  const auto files = config_get<std::vector<std::string>>(c, "data.qa");
  if (files.empty()) throw config_error(source + ": missing required key 'data.qa'");
  const std::vector<QAItem> qa = read_qa_files(files, config_get<std::vector<std::string>>(c, "data.splits"), "data.qa");
  TokenizerSetup tokenizer = load_tokenizer_from_config(c, source);
  std::shared_ptr<CausalLM> model = load_model_from_config(c, source);
  model->eval();
  QACollator collator(*tokenizer.tokenizer, *tokenizer.chat_template);
  const AnswerOptions options = read_answer_options(c, "eval", config_get<uint64_t>(c, "seed"));
  JobOutcome outcome;
  outcome.metrics = evaluate_knowledge_into(*model, collator, to_knowledge_items(qa), options,
                                            config_get<int64_t>(c, "eval.max_items"), context.run);
  context.run.write_metrics(outcome.metrics);
  context.run.write_summary(summary_markdown("eval", c, outcome.metrics, {}));
  return outcome;
}

// ---- eval.unlearning ----

const std::string kU = "eval.unlearning.";

// Runs `load`, prefixing the config key to the message of a user error it throws ("key: model
// folder 'x' does not exist").
template <typename Load>
auto loading(const std::string& key, Load load) -> decltype(load()) {
  try {
    return load();
  } catch (const Error& e) {
    if (e.kind() == ErrorKind::Internal) throw;
    throw Error(e.kind(), key + ": " + e.what());
  }
}

// A causal LM loaded beside the evaluated one (scorer, llm extractor), with its own prompt format.
struct SideModel {
  std::shared_ptr<CausalLM> model;
  std::shared_ptr<Tokenizer> tokenizer;
  std::shared_ptr<QACollator> collator;
};

SideModel load_side_model(const nlohmann::json& c, const std::string& path) {
  SideModel side;
  LoadOptions options;
  options.dtype = parse_dtype(config_get<std::string>(c, "model.dtype"));
  options.device = resolve_device(config_get<std::string>(c, "device"));
  side.model = load_causal_lm(path, options);
  side.model->eval();
  side.tokenizer = load_tokenizer(path);
  side.collator = std::make_shared<QACollator>(*side.tokenizer, ChatTemplate::for_tokenizer(path));
  return side;
}

std::vector<QAItem> first_items(std::vector<QAItem> items, int64_t max_items) {
  if (max_items > 0 && static_cast<int64_t>(items.size()) > max_items) items.resize(static_cast<size_t>(max_items));
  return items;
}

// The forget or retain set: its own files when listed, else data.qa's items of its splits.
std::vector<QAItem> unlearning_set(const nlohmann::json& c, const std::string& source, const std::vector<std::string>& files,
                                   const std::vector<std::string>& splits, const std::string& key, int64_t max_items) {
  if (!files.empty()) return first_items(read_qa_files(files, {}, key), max_items);
  const auto qa = config_get<std::vector<std::string>>(c, "data.qa");
  if (qa.empty()) throw config_error(source + ": " + key + " is empty and so is data.qa; list the " + key.substr(kU.size()) +
                                     " set's QA files in one of them");
  return first_items(read_qa_files(qa, splits, "data.qa"), max_items);
}

std::unique_ptr<EntityExtractor> make_extractor(const UnlearningJobOptions& o, const nlohmann::json& c) {
  if (o.extractor == "keyfacts") return std::make_unique<KeyFactsExtractor>();
  if (o.extractor == "heuristic") return std::make_unique<HeuristicExtractor>();
  const SideModel side = loading(kU + "llm_model", [&] { return load_side_model(c, o.llm_model); });  // kept by the completer
  AnswerOptions answer;
  answer.max_new_tokens = o.llm_max_new_tokens;
  answer.batch_size = o.eval.score_batch_size;
  answer.progress = false;
  TextCompleter complete = [side, answer](const std::vector<std::string>& prompts) {
    return answer_questions(*side.model, *side.collator, prompts, answer);
  };
  return std::make_unique<LlmExtractor>(o.llm_model, complete);
}

EncoderScorerOptions encoder_options(const UnlearningJobOptions& o, const nlohmann::json& c) {
  EncoderScorerOptions options;
  options.batch_size = o.eval.score_batch_size;
  options.device = resolve_device(config_get<std::string>(c, "device"));
  return options;
}

std::unique_ptr<Embedder> make_embedder(const UnlearningJobOptions& o, const nlohmann::json& c) {
  if (o.embedder == "ngram") return std::make_unique<NgramEmbedder>();
  return loading(kU + "embedder_path", [&] { return load_sentence_encoder(o.embedder_path, encoder_options(o, c)); });
}

std::unique_ptr<NliModel> make_nli(const UnlearningJobOptions& o, const nlohmann::json& c) {
  if (o.nli_model.empty()) return nullptr;
  return loading(kU + "nli_model", [&] { return load_nli_model(o.nli_model, encoder_options(o, c)); });
}

nlohmann::json unlearning_job_metrics(const nlohmann::json& unlearning) {
  nlohmann::json accuracy = nlohmann::json::object(), items = nlohmann::json::object();
  for (const char* set : {"forget", "retain"}) {
    items[set] = unlearning[set]["items"];
    if (unlearning[set].contains("knowledge_accuracy")) accuracy[set] = unlearning[set]["knowledge_accuracy"];
  }
  return {{"unlearning", unlearning}, {"knowledge_accuracy", accuracy}, {"items", items},
          {"decoding", unlearning["settings"]["decoding"]["greedy"].get<bool>() ? "greedy" : "sampled"}};
}

JobOutcome run_unlearning_eval(JobContext& context) {
  const nlohmann::json& c = context.config;
  const std::string source = context.run.path("config.resolved.json");
  const UnlearningJobOptions o = read_unlearning_options(c, source, config_get<uint64_t>(c, "seed"));
  const std::vector<QAItem> forget = unlearning_set(c, source, o.forget_files, o.forget_splits, kU + "forget", o.max_items);
  const std::vector<QAItem> retain = unlearning_set(c, source, o.retain_files, o.retain_splits, kU + "retain", o.max_items);
  std::unique_ptr<Embedder> embedder = make_embedder(o, c);
  std::unique_ptr<NliModel> nli = make_nli(o, c);
  TokenizerSetup tokenizer = load_tokenizer_from_config(c, source);
  std::shared_ptr<CausalLM> model = load_model_from_config(c, source);
  model->eval();
  QACollator collator(*tokenizer.tokenizer, *tokenizer.chat_template);
  std::unique_ptr<EntityExtractor> extractor = make_extractor(o, c);
  const SideModel scorer =
      o.scorer_model.empty() ? SideModel{} : loading(kU + "scorer_model", [&] { return load_side_model(c, o.scorer_model); });

  UnlearningScorers scorers;
  scorers.model = model.get();
  scorers.collator = &collator;
  scorers.scorer = scorer.model ? scorer.model.get() : model.get();
  scorers.scorer_collator = scorer.model ? scorer.collator.get() : &collator;
  scorers.extractor = extractor.get();
  scorers.embedder = embedder.get();
  scorers.nli = nli.get();
  const UnlearningReport report = evaluate_unlearning(scorers, forget, retain, o.eval);
  context.run.write_predictions(report.rows);
  JobOutcome outcome;
  outcome.metrics = unlearning_job_metrics(report.metrics);
  outcome.metrics["unlearning"]["settings"]["scorer"] = o.scorer_model.empty() ? "the evaluated model" : o.scorer_model;
  context.run.write_metrics(outcome.metrics);
  context.run.write_summary(summary_markdown("eval", c, outcome.metrics, {}));
  return outcome;
}

JobOutcome run_eval(JobContext& context) {
  if (config_get<bool>(context.config, "eval.unlearning.enabled")) return run_unlearning_eval(context);
  return run_knowledge_eval(context);
}

}  // namespace

nlohmann::json evaluate_knowledge_into(CausalLM& model, const QACollator& collator, std::vector<KnowledgeItem> items,
                                       const AnswerOptions& options, int64_t max_items, const RunFolder& run) {
  items = first_per_split(std::move(items), max_items);
  const KnowledgeReport report = evaluate_knowledge(model, collator, items, options);
  std::vector<nlohmann::json> rows;
  for (size_t i = 0; i < items.size(); ++i)
    rows.push_back({{"id", items[i].id},
                    {"split", items[i].split},
                    {"question", items[i].question},
                    {"answer", items[i].answer},
                    {"key_facts", items[i].key_facts},
                    {"generated", report.generated[i]},
                    {"known", static_cast<bool>(report.known[i])}});
  run.write_predictions(rows);
  nlohmann::json metrics = report.metrics;
  metrics["decoding"] = options.sampling.greedy ? "greedy" : "sampled";
  return metrics;
}

void declare_unlearning_options(ConfigSchema& s) {
  s.option(kU + "enabled", false, "run the unlearning evaluation (KFR, KRR, LS, ROUGE, TOFU, entropy) instead of knowledge accuracy");
  s.option(kU + "forget", nlohmann::json::array(), "QA files of the forget set (empty: data.qa items of forget_splits)");
  s.option(kU + "retain", nlohmann::json::array(), "QA files of the retain set (empty: data.qa items of retain_splits)");
  s.option(kU + "forget_splits", nlohmann::json::array({"forget"}), "splits of data.qa that form the forget set");
  s.option(kU + "retain_splits", nlohmann::json::array({"retain"}), "splits of data.qa that form the retain set");
  s.option(kU + "max_items", 0, "evaluate only the first N items of each set (0: all)");
  s.option(kU + "extractor", "keyfacts", "entities: the items' key facts, offline heuristic spans, or a local LLM",
           {"keyfacts", "heuristic", "llm"});
  s.option(kU + "llm_model", "", "HF folder of the chat model the llm extractor prompts");
  s.option(kU + "llm_max_new_tokens", 64, "tokens the llm extractor generates per answer at most");
  s.option(kU + "embedder", "ngram", "entity embeddings: offline character n-grams, or an HF BERT sentence encoder",
           {"ngram", "bert"});
  s.option(kU + "embedder_path", "", "HF folder of the sentence encoder (embedder bert), e.g. all-MiniLM-L12-v2");
  s.option(kU + "nli_model", "", "HF folder of an NLI sequence classifier; empty drops the NLI clause of KFR/KRR");
  s.option(kU + "scorer_model", "", "HF folder of the model that scores PPL for LS (empty: the evaluated model)");
  s.option(kU + "similarity_threshold", 0.8, "cosine at which two entities match (S)");
  s.option(kU + "query_filter", "subset",
           "drop generated entities whose words all occur in the question (subset), that share any word with it "
           "(any: the reference's rule), or none",
           {"subset", "any", "none"});
  s.option(kU + "theta_few", 0.5, "KFR: forgotten when S <= this, for ground truths with at most few_entities entities");
  s.option(kU + "theta_many", 0.3, "KFR: forgotten when S <= this, for ground truths with more entities");
  s.option(kU + "few_entities", 3, "KFR: entity count up to which theta_few applies");
  s.option(kU + "retain_threshold", 0.3, "KRR: retained when S >= this (and NLI is not contradiction)");
  s.option(kU + "greedy", false, "greedy decoding instead of ReLearn's sampling");
  s.option(kU + "temperature", 0.7, "sampling temperature");
  s.option(kU + "top_p", 0.9, "nucleus sampling threshold");
  s.option(kU + "top_k", 5, "top-k sampling, 0 = off");
  s.option(kU + "max_new_tokens", 128, "tokens generated per answer at most");
  s.option(kU + "batch_size", 32, "questions answered together");
  s.option(kU + "score_batch_size", 16, "sequences per forward pass when scoring likelihoods");
}

namespace {

void require_in(double value, double low, double high, const std::string& key, const std::string& source) {
  if (value < low || value > high)
    throw config_error(source + ": " + key + " must be in [" + nlohmann::json(low).dump() + ", " + nlohmann::json(high).dump() +
                       "], got " + nlohmann::json(value).dump());
}

}  // namespace

UnlearningJobOptions read_unlearning_options(const nlohmann::json& c, const std::string& source, uint64_t seed) {
  UnlearningJobOptions o;
  auto str = [&](const std::string& key) { return config_get<std::string>(c, kU + key); };
  auto num = [&](const std::string& key) { return config_get<double>(c, kU + key); };
  auto list = [&](const std::string& key) { return config_get<std::vector<std::string>>(c, kU + key); };
  o.enabled = config_get<bool>(c, kU + "enabled");
  o.forget_files = list("forget");
  o.retain_files = list("retain");
  o.forget_splits = list("forget_splits");
  o.retain_splits = list("retain_splits");
  o.max_items = config_get<int64_t>(c, kU + "max_items");
  o.extractor = str("extractor");
  o.llm_model = str("llm_model");
  o.llm_max_new_tokens = config_get<int64_t>(c, kU + "llm_max_new_tokens");
  o.embedder = str("embedder");
  o.embedder_path = str("embedder_path");
  o.nli_model = str("nli_model");
  o.scorer_model = str("scorer_model");
  o.eval.generation = relearn_generation_defaults(seed);
  o.eval.generation.sampling.greedy = config_get<bool>(c, kU + "greedy");
  o.eval.generation.sampling.temperature = num("temperature");
  o.eval.generation.sampling.top_p = num("top_p");
  o.eval.generation.sampling.top_k = config_get<int64_t>(c, kU + "top_k");
  o.eval.generation.max_new_tokens = config_get<int64_t>(c, kU + "max_new_tokens");
  o.eval.generation.batch_size = config_get<int64_t>(c, kU + "batch_size");
  o.eval.score_batch_size = config_get<int64_t>(c, kU + "score_batch_size");
  o.eval.similarity.threshold = num("similarity_threshold");
  o.eval.similarity.query_filter = parse_query_filter(str("query_filter"));
  o.eval.forgetting = {num("theta_few"), num("theta_many"), config_get<int64_t>(c, kU + "few_entities"), num("retain_threshold")};

  if (o.extractor == "llm" && o.llm_model.empty())
    throw config_error(source + ": " + kU + "extractor is \"llm\" but " + kU + "llm_model is empty; name a local model folder");
  if (o.embedder == "bert" && o.embedder_path.empty())
    throw config_error(source + ": " + kU + "embedder is \"bert\" but " + kU + "embedder_path is empty; name a sentence-encoder folder");
  require_in(o.eval.similarity.threshold, -1.0, 1.0, kU + "similarity_threshold", source);
  require_in(o.eval.generation.sampling.top_p, 0.0, 1.0, kU + "top_p", source);
  if (o.eval.generation.max_new_tokens < 1)
    throw config_error(source + ": " + kU + "max_new_tokens must be at least 1, got " + std::to_string(o.eval.generation.max_new_tokens));
  return o;
}

JobKind eval_job_kind() {
  JobKind kind;
  kind.name = "eval";
  kind.help = "answer QA questions and report knowledge accuracy per split, or (eval.unlearning) KFR/KRR/LS and more";
  kind.declare = [](ConfigSchema& s) {
    s.option("data.qa", nlohmann::json::array(),
             "QA files (world JSONL, TOFU JSONL or KnowUnDo JSON); required unless eval.unlearning lists its own files");
    s.option("data.splits", nlohmann::json::array(), "keep only items of these splits (empty: all)");
    declare_answer_options(s, "eval");
    declare_unlearning_options(s);
  };
  kind.run = run_eval;
  return kind;
}

}  // namespace llmedit
