#include "libllmedit/jobs/unlearning_section.h"

#include <torch/torch.h>

#include "libllmedit/core/error.h"
#include "libllmedit/eval/encoder_scorers.h"
#include "libllmedit/jobs/chat_model_setup.h"
#include "libllmedit/jobs/model_setup.h"
#include "libllmedit/jobs/qa_data.h"
#include "libllmedit/model/loader.h"

namespace llmedit {

namespace {

const std::string kU = "eval.unlearning.";
const std::string kLlm = "eval.unlearning.llm";  // the llm extractor's chat model options

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

std::unique_ptr<EntityExtractor> make_extractor(const UnlearningJobOptions& o, const nlohmann::json& c, const std::string& source) {
  if (o.extractor == "keyfacts") return std::make_unique<KeyFactsExtractor>();
  if (o.extractor == "heuristic") return std::make_unique<HeuristicExtractor>();
  std::shared_ptr<ChatModel> chat = make_chat_model(o.llm_provider, c, kLlm, source);  // kept by the completer
  ChatSampling sampling;  // greedy: the same entities every run
  sampling.temperature = 0.0;
  sampling.max_tokens = o.llm_max_new_tokens;
  TextCompleter complete = [chat, sampling](const std::vector<std::string>& prompts) {
    std::vector<ChatRequest> requests;
    for (const std::string& prompt : prompts) requests.push_back({{{"user", prompt}}, sampling});
    return chat->complete(requests);
  };
  return std::make_unique<LlmExtractor>(chat->name(), complete);
}

EncoderScorerOptions encoder_options(const UnlearningJobOptions& o, const nlohmann::json& c) {
  EncoderScorerOptions options;
  options.batch_size = o.eval.score_batch_size;
  options.device = resolve_device(config_get<std::string>(c, "device"));
  return options;
}

std::unique_ptr<Embedder> make_embedder(const UnlearningJobOptions& o, const nlohmann::json& c) {
  if (o.embedder == "ngram") return std::make_unique<NgramEmbedder>();
  return with_config_key(kU + "embedder_path", [&] { return load_sentence_encoder(o.embedder_path, encoder_options(o, c)); });
}

std::unique_ptr<NliModel> make_nli(const UnlearningJobOptions& o, const nlohmann::json& c) {
  if (o.nli_model.empty()) return nullptr;
  return with_config_key(kU + "nli_model", [&] { return load_nli_model(o.nli_model, encoder_options(o, c)); });
}

}  // namespace

void declare_unlearning_options(ConfigSchema& s) {
  s.option(kU + "enabled", false, "run the unlearning evaluation (KFR, KRR, LS, ROUGE, TOFU, entropy) instead of knowledge accuracy");
  s.option(kU + "forget", nlohmann::json::array(), "QA files of the forget set (empty: the job's own: data.qa's forget_splits in eval, data.forget in unlearn)");
  s.option(kU + "retain", nlohmann::json::array(), "QA files of the retain set (empty: the job's own: data.qa's retain_splits in eval, data.retain in unlearn)");
  s.option(kU + "forget_splits", nlohmann::json::array({"forget"}), "splits of data.qa that form the forget set");
  s.option(kU + "retain_splits", nlohmann::json::array({"retain"}), "splits of data.qa that form the retain set");
  s.option(kU + "max_items", 0, "evaluate only the first N items of each set (0: all)");
  s.option(kU + "extractor", "keyfacts", "entities: the items' key facts, offline heuristic spans, or a chat model (llm)",
           {"keyfacts", "heuristic", "llm"});
  s.option(kU + "llm_provider", "local", "the llm extractor's chat model: local (llm.model is a folder) or openai (an endpoint)",
           {"local", "openai"});
  declare_chat_model_options(s, kLlm);
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
  o.llm_provider = str("llm_provider");
  o.llm_model = config_get<std::string>(c, kLlm + ".model");
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
    throw config_error(source + ": " + kU + "extractor is \"llm\" but " + kLlm + ".model is empty; name a model folder (local) or an endpoint's model id (openai)");
  if (o.embedder == "bert" && o.embedder_path.empty())
    throw config_error(source + ": " + kU + "embedder is \"bert\" but " + kU + "embedder_path is empty; name a sentence-encoder folder");
  require_in(o.eval.similarity.threshold, -1.0, 1.0, kU + "similarity_threshold", source);
  require_in(o.eval.generation.sampling.top_p, 0.0, 1.0, kU + "top_p", source);
  if (o.eval.generation.max_new_tokens < 1)
    throw config_error(source + ": " + kU + "max_new_tokens must be at least 1, got " + std::to_string(o.eval.generation.max_new_tokens));
  return o;
}


std::vector<QAItem> qa_items_of_splits(const nlohmann::json& c, const std::string& source,
                                       const std::vector<std::string>& splits, const std::string& key) {
  const auto qa = config_get<std::vector<std::string>>(c, "data.qa");
  if (qa.empty()) throw config_error(source + ": " + key + " is empty and so is data.qa; list the set's QA files in one of them");
  return read_qa_files(qa, splits, "data.qa");
}

struct UnlearningEvaluator::Scorers {
  std::unique_ptr<EntityExtractor> extractor;
  std::unique_ptr<Embedder> embedder;
  std::unique_ptr<NliModel> nli;
  SideModel scorer;  // empty: the evaluated model scores its own perplexity
};

UnlearningEvaluator::UnlearningEvaluator(const nlohmann::json& c, const std::string& source,
                                         std::vector<QAItem> default_forget, std::vector<QAItem> default_retain)
    : options_(read_unlearning_options(c, source, config_get<uint64_t>(c, "seed"))), scorers_(std::make_unique<Scorers>()) {
  const UnlearningJobOptions& o = options_;
  forget_ = first_items(o.forget_files.empty() ? std::move(default_forget) : read_qa_files(o.forget_files, {}, kU + "forget"),
                        o.max_items);
  retain_ = first_items(o.retain_files.empty() ? std::move(default_retain) : read_qa_files(o.retain_files, {}, kU + "retain"),
                        o.max_items);
  if (forget_.empty() && retain_.empty())
    throw config_error(source + ": " + kU + "forget and " + kU + "retain select no items");
  scorers_->embedder = make_embedder(o, c);
  scorers_->nli = make_nli(o, c);
  scorers_->extractor = make_extractor(o, c, source);
  if (!o.scorer_model.empty())
    scorers_->scorer = with_config_key(kU + "scorer_model", [&] { return load_side_model(c, o.scorer_model); });
}

UnlearningEvaluator::~UnlearningEvaluator() = default;

UnlearningReport UnlearningEvaluator::evaluate(CausalLM& model, const QACollator& collator) const {
  UnlearningScorers s;
  s.model = &model;
  s.collator = &collator;
  s.scorer = scorers_->scorer.model ? scorers_->scorer.model.get() : &model;
  s.scorer_collator = scorers_->scorer.model ? scorers_->scorer.collator.get() : &collator;
  s.extractor = scorers_->extractor.get();
  s.embedder = scorers_->embedder.get();
  s.nli = scorers_->nli.get();
  return evaluate_unlearning(s, forget_, retain_, options_.eval);
}

nlohmann::json UnlearningEvaluator::job_metrics(const UnlearningReport& report) const {
  const nlohmann::json& unlearning = report.metrics;
  nlohmann::json accuracy = nlohmann::json::object(), items = nlohmann::json::object();
  for (const char* set : {"forget", "retain"}) {
    if (!unlearning.contains(set)) continue;
    items[set] = unlearning[set]["items"];
    if (unlearning[set].contains("knowledge_accuracy")) accuracy[set] = unlearning[set]["knowledge_accuracy"];
  }
  nlohmann::json out = {{"unlearning", unlearning}, {"knowledge_accuracy", accuracy}, {"items", items},
                        {"decoding", unlearning["settings"]["decoding"]["greedy"].get<bool>() ? "greedy" : "sampled"}};
  out["unlearning"]["settings"]["scorer"] = options_.scorer_model.empty() ? "the evaluated model" : options_.scorer_model;
  return out;
}

}  // namespace llmedit
