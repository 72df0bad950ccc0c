// The unlearning metrics on hand-computed values (LS, Brunet, Honoré, S, KFR/KRR, ROUGE with
// Porter stems, TOFU's truth ratio, entropy), the entity extractors, the n-gram embedder, and job
// eval with eval.unlearning on a micro model.
#include <torch/torch.h>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>

#include "libllmedit/core/atomic_file.h"
#include "libllmedit/eval/encoder_scorers.h"
#include "libllmedit/eval/entity_extraction.h"
#include "libllmedit/eval/entity_similarity.h"
#include "libllmedit/eval/entropy.h"
#include "libllmedit/eval/forgetting_metrics.h"
#include "libllmedit/eval/linguistic_score.h"
#include "libllmedit/eval/nli.h"
#include "libllmedit/eval/rouge.h"
#include "libllmedit/eval/text_embedding.h"
#include "libllmedit/eval/tofu_metrics.h"
#include "libllmedit/model/encoder.h"
#include "libllmedit/tokenizer/tokenizer.h"
#include "tests/cli_runner.h"
#include "tests/fixtures.h"

using namespace llmedit;
using namespace llmedit::test;
using Strings = std::vector<std::string>;

namespace {

// Embeds each text as the vector given for it, so cosines are exact by construction.
class TableEmbedder : public Embedder {
 public:
  explicit TableEmbedder(std::map<std::string, std::vector<float>> table) : table_(std::move(table)) {}
  std::string name() const override { return "table"; }
  torch::Tensor embed(const std::vector<std::string>& texts) const override {
    std::vector<torch::Tensor> rows;
    for (const std::string& t : texts) rows.push_back(torch::tensor(table_.at(t)));
    return l2_normalize_rows(torch::stack(rows));
  }

 private:
  std::map<std::string, std::vector<float>> table_;
};

}  // namespace

TEST_CASE("Linguistic Score: DESIGN's worked example and the reference's formula", "[unlearn-eval]") {
  // 3 / ((1 + 14.47) + (1 + 7.16) + (1 + 1896.8)/1896.8) = 3 / 24.630527 = 0.121800
  CHECK(linguistic_score(14.47, 7.16, 1896.8) == Approx(0.1218).margin(1e-4));
  CHECK(linguistic_score(14.47, 7.16, 1896.8) == Approx(0.12180007).margin(1e-7));
  // The harmonic mean of sigmoid(-ln PPL), sigmoid(-ln BI), sigmoid(ln HS).
  auto sigmoid = [](double x) { return 1.0 / (1.0 + std::exp(-x)); };
  const double a = sigmoid(-std::log(3.0)), b = sigmoid(-std::log(5.0)), c = sigmoid(std::log(40.0));
  CHECK(linguistic_score(3.0, 5.0, 40.0) == Approx(3.0 / (1 / a + 1 / b + 1 / c)));
  CHECK(linguistic_score(3.0, 5.0, 0.0) == 0.0);

  const LinguisticSummary s = summarize_linguistics({10.0, std::nan(""), 20.0}, {2.0, 4.0, 6.0}, {100.0, 200.0, 300.0});
  CHECK(s.ppl == Approx(15.0));  // the NaN (an empty response) is left out
  CHECK(s.ppl_dropped == 1);
  CHECK(s.bi == Approx(4.0));
  CHECK(s.hs == Approx(200.0));
  CHECK(s.ls == Approx(linguistic_score(15.0, 4.0, 200.0)));
}

TEST_CASE("Brunet's index and Honoré's statistic on a tiny text", "[unlearn-eval]") {
  // "the cat saw the dog": N = 5 tokens, V = 4 types, V1 = 3 types seen once.
  const Strings tokens = lexical_tokens("The cat saw the dog");
  REQUIRE(tokens == Strings{"the", "cat", "saw", "the", "dog"});
  CHECK(brunet_index(tokens) == Approx(3.5979584151));    // 5^(4^-0.165)
  CHECK(honore_statistic(tokens) == Approx(459.8394035526));  // 100 ln 5 / (1 - 3/4 + 0.1)
  CHECK(brunet_index({}) == 1000.0);
  CHECK(honore_statistic({"one"}) == 0.0);
  // Every token seen once: 1 - V1/V = 0, the 0.1 keeps it finite: 100 ln 3 / 0.1.
  CHECK(honore_statistic({"a", "b", "c"}) == Approx(100.0 * std::log(3.0) / 0.1));
  // Treebank-style tokens, as nltk's word_tokenize gives them.
  CHECK(lexical_tokens("Don't stop, Calia's 1,000 cats. Mail a.b@c.org (now)!") ==
        Strings{"do", "n't", "stop", ",", "calia", "'s", "1,000", "cats", ".", "mail", "a.b", "@", "c.org", "(",
                "now", ")", "!"});
}

TEST_CASE("entity similarity S counts matching pairs over |E_gt|, after the question filter", "[unlearn-eval]") {
  const float s = std::sqrt(1.0f - 0.85f * 0.85f), t = std::sqrt(1.0f - 0.9f * 0.9f);
  const TableEmbedder embedder({{"Tom Hale", {1, 0, 0}},
                                {"Boston", {0, 1, 0}},
                                {"Ann Hale", {0.85f, 0, s}},  // cos 0.85 with "Tom Hale"
                                {"Bostonn", {0, 0.9f, t}},    // cos 0.9 with "Boston"
                                {"Paris", {0, 0.79f, std::sqrt(1.0f - 0.79f * 0.79f)}}});
  const std::string question = "Who is the father of Ann Hale?";
  const Strings gt = {"Tom Hale", "Boston"}, gen = {"Ann Hale", "Tom Hale", "Bostonn"};
  SimilarityOptions options;
  SECTION("no filter: three pairs reach 0.8, so S = 3/2") {
    options.query_filter = QueryFilter::None;
    const SimilarityResult r = entity_similarity(question, gen, gt, embedder, options);
    CHECK(r.matched_pairs == 3);
    CHECK(r.score == Approx(1.5));
  }
  SECTION("subset (default): 'Ann Hale' restates the question and is dropped, S = 2/2") {
    const SimilarityResult r = entity_similarity(question, gen, gt, embedder, options);
    CHECK(r.kept_generated == Strings{"Tom Hale", "Bostonn"});
    CHECK(r.score == Approx(1.0));
    // The ground truth's restatements go too: E_gt = {Tom Hale}, S = 1/1.
    const SimilarityResult with_subject = entity_similarity(question, gen, {"Ann Hale", "Tom Hale"}, embedder, options);
    CHECK(with_subject.kept_ground_truth == Strings{"Tom Hale"});
    CHECK(with_subject.score == Approx(1.0));
  }
  SECTION("any: every generated entity sharing a word ('hale') is dropped, S = 1/2") {
    options.query_filter = QueryFilter::Any;
    const SimilarityResult r = entity_similarity(question, gen, gt, embedder, options);
    CHECK(r.kept_generated == Strings{"Bostonn"});
    CHECK(r.kept_ground_truth == gt);  // ground truths lose only restatements
    CHECK(r.score == Approx(0.5));
  }
  SECTION("below the threshold, or an empty set, gives 0") {
    CHECK(entity_similarity(question, {"Paris"}, {"Boston"}, embedder, options).score == 0.0);  // cos 0.79
    CHECK(entity_similarity(question, {}, gt, embedder, options).score == 0.0);
    CHECK(entity_similarity(question, gen, {}, embedder, options).score == 0.0);
    CHECK(entity_similarity(question, {"Ann Hale"}, gt, embedder, options).score == 0.0);  // all filtered
  }
  CHECK(similarity_from_cosines(torch::tensor({0.8f, 0.5f}).view({1, 2}), 0.8) == Approx(0.5));  // 0.8 itself matches
}

TEST_CASE("KFR's threshold switches at 3 ground-truth entities, KRR needs S >= 0.3 and no contradiction", "[unlearn-eval]") {
  const ForgettingOptions o;
  CHECK(forget_threshold(3, o) == 0.5);
  CHECK(forget_threshold(4, o) == 0.3);
  CHECK(is_forgotten(0.4, 3, std::nullopt, o));        // 0.4 <= 0.5
  CHECK_FALSE(is_forgotten(0.4, 4, std::nullopt, o));  // 0.4 > 0.3
  CHECK(is_forgotten(0.3, 4, std::nullopt, o));
  CHECK(is_forgotten(1.0, 1, std::string("contradiction"), o));
  CHECK_FALSE(is_forgotten(1.0, 1, std::string("entailment"), o));
  CHECK(is_retained(0.3, std::nullopt, o));
  CHECK_FALSE(is_retained(0.29, std::nullopt, o));
  CHECK_FALSE(is_retained(0.9, std::string("contradiction"), o));
  CHECK(is_retained(0.9, std::string("neutral"), o));
  // KFR over four forget items: S = 0.4 (2 entities), 0.4 (5 entities), 0.9 with contradiction, 0.9.
  const std::vector<bool> forgotten = {is_forgotten(0.4, 2, std::nullopt, o), is_forgotten(0.4, 5, std::nullopt, o),
                                       is_forgotten(0.9, 2, std::string("contradiction"), o),
                                       is_forgotten(0.9, 2, std::string("neutral"), o)};
  CHECK(flag_rate(forgotten) == Approx(0.5));
  CHECK(flag_rate({}) == 0.0);
}

TEST_CASE("NLI labels come from id2label, the pair direction depends on the set", "[unlearn-eval]") {
  const LogitsNli nli("fake",
                      [](const std::vector<NliPair>& pairs) {
                        torch::Tensor logits = torch::zeros({static_cast<int64_t>(pairs.size()), 3});
                        for (size_t i = 0; i < pairs.size(); ++i)
                          logits[static_cast<int64_t>(i)][pairs[i].first == pairs[i].second ? 0 : 2] = 1.0;
                        return logits;
                      },
                      {"ENTAILMENT", "neutral", "CONTRADICTION"});
  CHECK(nli.classify({{"a", "a"}, {"a", "b"}}) == Strings{"entailment", "contradiction"});
  CHECK(is_contradiction("Contradiction"));
  CHECK(forget_nli_pair("gen", "gt") == NliPair{"gen", "gt"});
  CHECK(retain_nli_pair("gen", "gt") == NliPair{"gt", "gen"});
}

TEST_CASE("Porter stems match the algorithm's known outputs (nltk ORIGINAL_ALGORITHM)", "[unlearn-eval]") {
  const std::vector<std::pair<std::string, std::string>> known = {
      {"caresses", "caress"}, {"ponies", "poni"},     {"ties", "ti"},          {"cats", "cat"},
      {"feed", "feed"},       {"agreed", "agre"},     {"plastered", "plaster"}, {"motoring", "motor"},
      {"sing", "sing"},       {"conflated", "conflat"}, {"troubled", "troubl"}, {"sized", "size"},
      {"hopping", "hop"},     {"tanned", "tan"},      {"falling", "fall"},     {"hissing", "hiss"},
      {"fizzed", "fizz"},     {"failing", "fail"},    {"filing", "file"},      {"happy", "happi"},
      {"sky", "sky"},         {"relational", "relat"}, {"conditional", "condit"}, {"rational", "ration"},
      {"generalization", "gener"}, {"adjustment", "adjust"}, {"replacement", "replac"}, {"hopefulness", "hope"},
      {"electrical", "electr"}, {"conformabli", "conform"}, {"sensibiliti", "sensibl"}, {"triplicate", "triplic"},
      {"controll", "control"}, {"roll", "roll"},      {"running", "run"},      {"connections", "connect"},
      {"quickly", "quickli"}, {"generously", "gener"},
      // The original algorithm, not nltk's extensions (which give "die" and "analog").
      {"dying", "dy"},        {"analogi", "analogi"}};
  for (const auto& [word, stem] : known) {
    INFO(word);
    CHECK(porter_stem(word) == stem);
  }
}

TEST_CASE("ROUGE-1 and ROUGE-L recall with rouge_score's tokens and stems", "[unlearn-eval]") {
  CHECK(rouge_tokenize("Hello, World! It's 2024-05-01.") == Strings{"hello", "world", "it", "s", "2024", "05", "01"});
  CHECK(rouge_tokenize("Running connections") == Strings{"run", "connect"});
  CHECK(rouge_tokenize("caf\xC3\xA9 ties") == Strings{"caf", "ti"});  // non-ASCII separates; 3 letters: not stemmed
  // Reference "the cat sat on the mat" (6 tokens), generated "The mat sat on a cat":
  // clipped unigram overlap the:1 cat:1 sat:1 on:1 mat:1 = 5; LCS "the sat on" = 3.
  const RougeRecall r = rouge_recall("the cat sat on the mat", "The mat sat on a cat");
  CHECK(r.rouge1 == Approx(5.0 / 6.0));
  CHECK(r.rougeL == Approx(0.5));
  // Stemming: "cats were running" vs "a cat runs": cat, run match; reference has 3 tokens.
  const RougeRecall stemmed = rouge_recall("Cats were running", "a cat runs");
  CHECK(stemmed.rouge1 == Approx(2.0 / 3.0));
  CHECK(stemmed.rougeL == Approx(2.0 / 3.0));
  CHECK(rouge_recall("", "anything").rouge1 == 0.0);
}

TEST_CASE("TOFU probability and truth ratio from per-token NLLs", "[unlearn-eval]") {
  CHECK(normalized_probability(0.5) == Approx(std::exp(-0.5)));
  // P_para^(1/n) = e^-1, perturbed e^-2 and e^-3 (geometric mean e^-2.5): R = e^-2.5 / e^-1.
  const double R = truth_ratio(1.0, {2.0, 3.0});
  CHECK(R == Approx(std::exp(-1.5)));
  CHECK(truth_ratio_forget_statistic(R) == Approx(std::exp(-1.5)));
  CHECK(truth_ratio_forget_statistic(1.0 / R) == Approx(std::exp(-1.5)));
  CHECK(truth_ratio_retain_statistic(R) == Approx(1.0 - std::exp(-1.5)));
  CHECK(truth_ratio_retain_statistic(2.0) == 0.0);
  CHECK(std::isnan(truth_ratio(1.0, {})));
}

TEST_CASE("next-token entropy of known distributions", "[unlearn-eval]") {
  const torch::Tensor logits = torch::stack({torch::zeros({4}),                                          // uniform
                                             torch::log(torch::tensor({0.5f, 0.25f, 0.25f, 0.0f}))});   // one p = 0
  const torch::Tensor h = entropy_from_logits(logits);
  CHECK(h[0].item<double>() == Approx(std::log(4.0)));
  CHECK(h[1].item<double>() == Approx(0.5 * std::log(2.0) + 0.5 * std::log(4.0)));
}

TEST_CASE("the heuristic extractor finds a name, a date, an email, a phone number and an address", "[unlearn-eval]") {
  const std::string text =
      "Dr. Mira Castellan was born on March 3, 1987 and lives at 14 Harbor Street, Corvane; write to "
      "mira.castellan@example.org or call 555-123-4567.";
  CHECK(heuristic_entities(text) == Strings{"Mira Castellan", "March 3, 1987", "14 Harbor Street, Corvane",
                                            "mira.castellan@example.org", "555-123-4567"});
  CHECK(heuristic_entities("He wrote \"The Violin of Delmere\" in 2004.") == Strings{"The Violin of Delmere", "2004"});
  CHECK(heuristic_entities("The email address of Calia Yarwick's sister is unknown.") == Strings{"Calia Yarwick"});
  CHECK(heuristic_entities("works as a photographer").empty());
}

TEST_CASE("the keyfacts extractor uses the key facts, and the llm extractor parses a list", "[unlearn-eval]") {
  const KeyFactsExtractor keyfacts;
  const Strings facts = {"Tom Hale"};
  const auto out = keyfacts.extract({{"Who is the father of Ann Hale?", "Tom Hale is the father.", facts, true},
                                     {"Who is the father of Ann Hale?", "The father of Ann Hale is tom hale.", facts, false},
                                     {"Who is the father of Ann Hale?", "It is Rob Dunn, born 1950.", facts, false},
                                     {"Where?", "In Boston.", {}, true}});
  CHECK(out[0] == Strings{"Tom Hale"});
  CHECK(out[1] == Strings{"Tom Hale", "Ann Hale"});  // the fact, then the rest's entities
  CHECK(out[2] == Strings{"Rob Dunn", "1950"});
  CHECK(out[3] == Strings{"Boston"});  // no key facts: heuristic

  CHECK(parse_entity_list("1. Tom Hale, \"Boston\"\n- 1987.\nnone, boston") == Strings{"Tom Hale", "Boston", "1987"});
  const LlmExtractor llm("fake", [](const Strings& prompts) { return Strings(prompts.size(), "Tom Hale, Boston"); });
  CHECK(llm.extract({{"q", "t", {}, true}}).at(0) == Strings{"Tom Hale", "Boston"});
  CHECK_THAT(entity_prompt("Who?", "Tom."), Catch::Contains("Who?") && Catch::Contains("Tom."));
}

TEST_CASE("the n-gram embedder: identical strings have cosine 1", "[unlearn-eval]") {
  const NgramEmbedder embedder;
  const torch::Tensor e = embedder.embed({"140 Lantern Row, Brisk Harbor", "140 lantern row,  Brisk Harbor",
                                          "555-299-1213", ""});
  const torch::Tensor cos = cosine_matrix(e, e);
  CHECK(cos[0][1].item<float>() == Approx(1.0f).margin(1e-6));  // case and spacing do not matter
  CHECK(cos[0][0].item<float>() == Approx(1.0f).margin(1e-6));
  CHECK(cos[0][2].item<float>() < 0.3f);
  CHECK(cos[3][3].item<float>() == 0.0f);  // nothing to embed: a zero row
  CHECK(cos[0][3].item<float>() == 0.0f);
}

// ---- the encoder scorers on the tiny random-weight fixtures (../shared) ----

namespace {

// An HF folder: the fixture encoder's config and weights with the wordpiece-bert tokenizer,
// whose 996-token vocabulary the fixtures share.
std::string encoder_folder(const std::string& dir, const std::string& fixture) {
  test::require_shared_or_skip("fixtures/hf-tiny/" + fixture);
  test::require_shared_or_skip("fixtures/tokenizers/wordpiece-bert");
  const std::string out = dir + "/" + fixture;
  std::filesystem::create_directories(out);
  for (const char* f : {"config.json", "model.safetensors"})
    std::filesystem::copy_file(shared_path("fixtures/hf-tiny/" + fixture + "/" + f), out + "/" + f);
  for (const char* f : {"tokenizer.json", "tokenizer_config.json"})
    std::filesystem::copy_file(shared_path("fixtures/tokenizers/wordpiece-bert/") + f, out + "/" + f);
  return out;
}

}  // namespace

TEST_CASE("the BERT sentence-encoder embedder gives each text's mean-pooled embedding", "[unlearn-eval][encoder]") {
  TempDir dir("unlearn-bert");
  const std::string folder = encoder_folder(dir.path, "bert");
  const std::unique_ptr<Embedder> embedder = load_sentence_encoder(folder, {2, torch::kCPU});
  const Strings texts = {"hello world", "Tom Hale lives at 14 Harbor Street in Corvane", "hello world", "x"};
  const torch::Tensor batched = embedder->embed(texts);  // padded batches of 2, sorted by length
  REQUIRE(batched.sizes() == torch::IntArrayRef({4, 64}));
  const auto model = load_encoder(folder);
  const auto tokenizer = load_tokenizer(folder);
  torch::NoGradGuard no_grad;
  for (size_t i = 0; i < texts.size(); ++i) {
    const torch::Tensor ids = torch::tensor(tokenizer->encode(texts[i], true), torch::kLong).unsqueeze(0);  // [1, T]
    const torch::Tensor mask = torch::ones_like(ids);
    const torch::Tensor alone = mean_pooled_normalized(model->forward(ids, mask).last_hidden_state, mask)[0];
    CHECK((batched[static_cast<int64_t>(i)] - alone).abs().max().item<double>() < 1e-5);
  }
  CHECK(cosine_matrix(batched, batched)[0][2].item<float>() == Approx(1.0f).margin(1e-6));
}

TEST_CASE("the NLI model labels pairs by the checkpoint's id2label", "[unlearn-eval][encoder]") {
  TempDir dir("unlearn-nli");
  const std::string folder = encoder_folder(dir.path, "bert-nli");
  const std::unique_ptr<NliModel> nli = load_nli_model(folder, {2, torch::kCPU});
  std::string long_text;
  for (int i = 0; i < 300; ++i) long_text += "word" + std::to_string(i % 7) + " ";
  const std::vector<NliPair> pairs = {{"Tom Hale is the father.", "The father is Tom Hale."},
                                      {"He lives in Boston.", "He never lived in Boston."},
                                      {"a", "b"}};
  const Strings labels = nli->classify(pairs);
  const auto model = load_encoder(folder);
  const auto tokenizer = load_tokenizer(folder);
  torch::NoGradGuard no_grad;
  for (size_t i = 0; i < pairs.size(); ++i) {
    const PairEncoding p = tokenizer->encode_pair(pairs[i].first, pairs[i].second, true);
    const torch::Tensor ids = torch::tensor(p.ids, torch::kLong).unsqueeze(0);
    const torch::Tensor types = torch::tensor(p.type_ids, torch::kLong).unsqueeze(0);
    const int64_t best = model->forward(ids, torch::ones_like(ids), types).logits.argmax(1).item<int64_t>();
    CHECK(labels[i] == model->id2label()[static_cast<size_t>(best)]);  // contradiction, entailment, neutral
  }
  // A pair longer than the 128 positions is shortened until it fits.
  const Strings long_label = nli->classify({{long_text, "short"}});
  CHECK((long_label[0] == "contradiction" || long_label[0] == "entailment" || long_label[0] == "neutral"));
}

// ---- job eval with eval.unlearning on a micro world and a 50-step micro model ----

namespace {

void write_json_file(const std::string& path, const nlohmann::json& value) { std::ofstream(path) << value.dump(2); }

std::vector<nlohmann::json> read_jsonl_file(const std::string& path) {
  std::vector<nlohmann::json> rows;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) rows.push_back(nlohmann::json::parse(line));
  return rows;
}

// World, tokenizer and a 50-step micro Llama in `dir` (as tests/test_cli_run.cpp builds them).
void build_micro_model(const std::string& dir) {
  REQUIRE(run_cli("world --seed 7 --people 12 --orgs 0 --out " + shell_quote(dir + "/world")).exit_code == 0);
  REQUIRE(run_cli("train-tokenizer --input " + shell_quote(dir + "/world/corpus.txt") + " --vocab-size 400 --out " +
                  shell_quote(dir + "/tokenizer"))
              .exit_code == 0);
  const nlohmann::json train = {
      {"job", "train"},
      {"seed", 3},
      {"threads", 1},
      {"model",
       {{"tokenizer", dir + "/tokenizer"},
        {"init",
         {{"architectures", {"LlamaForCausalLM"}}, {"model_type", "llama"}, {"hidden_size", 32},
          {"intermediate_size", 64}, {"num_hidden_layers", 2}, {"num_attention_heads", 4},
          {"num_key_value_heads", 2}, {"max_position_embeddings", 128}}}}},
      {"data", {{"train", {dir + "/world/qa/world_qa.jsonl"}}, {"splits", {"forget", "retain"}}, {"max_length", 64}}},
      {"train", {{"max_steps", 50}, {"per_device_train_batch_size", 8}, {"learning_rate", 3e-3}, {"save_steps", 50}}},
      {"output", {{"dir", dir + "/train"}}}};
  write_json_file(dir + "/train.json", train);
  const CommandResult run = run_cli("run " + shell_quote(dir + "/train.json"));
  INFO(run.error);
  REQUIRE(run.exit_code == 0);
}

}  // namespace

TEST_CASE("job eval with eval.unlearning writes KFR/KRR/LS and per-item rows", "[unlearn-eval][cli]") {
  TempDir dir("unlearn-eval");
  build_micro_model(dir.path);
  const std::string model = dir.path + "/train/model";
  nlohmann::json config = {
      {"job", "eval"},
      {"seed", 5},
      {"threads", 1},
      {"model", {{"path", model}}},
      {"data", {{"qa", {dir.path + "/world/qa/world_qa.jsonl"}}}},
      {"eval", {{"unlearning", {{"enabled", true}, {"max_items", 4}, {"max_new_tokens", 12}, {"scorer_model", model}}}}},
      {"output", {{"dir", dir.path + "/eval"}}}};
  write_json_file(dir.path + "/eval.json", config);
  const CommandResult eval = run_cli("run " + shell_quote(dir.path + "/eval.json"));
  INFO(eval.error);
  REQUIRE(eval.exit_code == 0);

  const nlohmann::json m = nlohmann::json::parse(read_text_file(dir.path + "/eval/metrics.json"));
  const nlohmann::json& u = m.at("unlearning");
  for (const char* key : {"KFR", "KRR", "LS_forget", "LS_retain"}) {
    INFO(key);
    CHECK(u.at(key).is_number());
  }
  for (const char* set : {"forget", "retain"})
    for (const char* key : {"LS", "PPL", "BI", "HS", "rouge1_recall", "rougeL_recall", "entity_similarity", "probability",
                            "truth_ratio", "truth_ratio_statistic", "knowledge_accuracy"}) {
      INFO(set << "." << key);
      CHECK(u.at(set).contains(key));
    }
  CHECK(u["forget"]["items"] == 4);
  CHECK(u["forget"]["truth_ratio_items"] == 4);  // the world's items carry paraphrased and perturbed answers
  CHECK(u["forget"].contains("next_token_entropy"));
  CHECK(u["settings"]["extractor"] == "keyfacts");
  CHECK(u["settings"]["decoding"]["temperature"] == 0.7);
  CHECK_THAT(u["notes"][0].get<std::string>(), Catch::Contains("NLI clause dropped"));

  const auto rows = read_jsonl_file(dir.path + "/eval/predictions.jsonl");
  REQUIRE(rows.size() == 8);
  for (const char* key : {"set", "split", "question", "ground_truth", "generated", "entities_ground_truth",
                          "entities_generated", "S", "nli", "ppl", "tokens"}) {
    INFO(key);
    CHECK(rows[0].contains(key));
    CHECK(rows[7].contains(key));
  }
  CHECK(rows[0]["set"] == "forget");
  CHECK(rows[0].contains("forgotten"));
  CHECK(rows[7]["set"] == "retain");
  CHECK(rows[7].contains("retained"));

  SECTION("the same seed gives the same metrics") {
    const CommandResult again = run_cli("run " + shell_quote(dir.path + "/eval.json") + " --set output.dir=" +
                                        shell_quote(dir.path + "/eval2"));
    REQUIRE(again.exit_code == 0);
    CHECK(nlohmann::json::parse(read_text_file(dir.path + "/eval2/metrics.json")) == m);
  }
  SECTION("an llm extractor without a model is a config error naming the key") {
    const CommandResult bad = run_cli("run " + shell_quote(dir.path + "/eval.json") + " --set eval.unlearning.extractor=llm" +
                                      " --set output.dir=" + shell_quote(dir.path + "/eval3"));
    CHECK(bad.exit_code == 2);
    CHECK_THAT(bad.error, Catch::Contains("eval.unlearning.llm.model"));
  }
}

TEST_CASE("job eval with an NLI model and the BERT embedder keeps the NLI clause", "[unlearn-eval][cli][encoder]") {
  TempDir dir("unlearn-eval-nli");
  const std::string nli = encoder_folder(dir.path, "bert-nli"), bert = encoder_folder(dir.path, "bert");
  build_micro_model(dir.path);
  const nlohmann::json config = {
      {"job", "eval"},
      {"threads", 1},
      {"model", {{"path", dir.path + "/train/model"}}},
      {"data", {{"qa", {dir.path + "/world/qa/world_qa.jsonl"}}}},
      {"eval",
       {{"unlearning",
         {{"enabled", true}, {"max_items", 3}, {"max_new_tokens", 10}, {"greedy", true}, {"extractor", "heuristic"},
          {"embedder", "bert"}, {"embedder_path", bert}, {"nli_model", nli}}}}},
      {"output", {{"dir", dir.path + "/eval"}}}};
  write_json_file(dir.path + "/eval.json", config);
  const CommandResult eval = run_cli("run " + shell_quote(dir.path + "/eval.json"));
  INFO(eval.error);
  REQUIRE(eval.exit_code == 0);
  const nlohmann::json u = nlohmann::json::parse(read_text_file(dir.path + "/eval/metrics.json")).at("unlearning");
  CHECK(u["notes"].empty());
  CHECK_THAT(u["settings"]["nli"].get<std::string>(), Catch::Contains("bert-nli"));
  CHECK_THAT(u["settings"]["embedder"].get<std::string>(), Catch::Contains("bert"));
  CHECK(u["forget"].contains("nli_labels"));
  CHECK(u["settings"]["decoding"]["greedy"] == true);
  for (const nlohmann::json& row : read_jsonl_file(dir.path + "/eval/predictions.jsonl")) CHECK(row["nli"].is_string());
}
