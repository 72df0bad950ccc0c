// The public C++ API's own pieces (libllmedit/llmedit.h): load_pretrained, answer_logprobs,
// trainable_tensors and building registered methods from an options object.
#include <torch/torch.h>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <cmath>

#include "libllmedit/llmedit.h"
#include "methods/register.h"
#include "tests/fixtures.h"

using namespace llmedit;
using llmedit::test::kWorldModel;

namespace {

std::vector<std::pair<std::string, std::string>> world_pairs() {
  std::vector<std::pair<std::string, std::string>> pairs;
  for (const QAItem& item : read_qa_file(std::string(LLMEDIT_SOURCE_DIR) + "/data/world/qa/forget.jsonl")) {
    pairs.emplace_back(item.question, item.answer);
    if (pairs.size() == 5) break;
  }
  pairs.emplace_back(pairs[0].first, "Somebody else entirely.");
  return pairs;
}

}  // namespace

TEST_CASE("load_pretrained gives the model in eval mode, its tokenizer and its prompt format", "[api]") {
  const Pretrained lm = load_pretrained(kWorldModel);
  CHECK_FALSE(lm.model->is_training());
  CHECK(lm.model->spec().num_layers == 4);
  CHECK(lm.tokenizer->vocab_size() == 1024);
  CHECK(lm.chat_template.format() == ChatTemplate::Format::QA);
  CHECK_THROWS_WITH(load_pretrained(kWorldModel + "-missing"), Catch::Contains("world-tiny-missing"));
}

TEST_CASE("answer_logprobs: per-token log-probabilities that sum to answer_nll, batched or not", "[api]") {
  const Pretrained lm = load_pretrained(kWorldModel);
  const QACollator collator(*lm.tokenizer, lm.chat_template);
  const auto pairs = world_pairs();
  AnswerNllOptions one_by_one;
  one_by_one.batch_size = 1;
  const std::vector<AnswerLogprobs> scored = answer_logprobs(*lm.model, collator, pairs);
  const std::vector<AnswerLogprobs> alone = answer_logprobs(*lm.model, collator, pairs, one_by_one);
  const std::vector<AnswerNll> nll = answer_nll(*lm.model, collator, pairs, {});
  REQUIRE(scored.size() == pairs.size());
  for (size_t i = 0; i < pairs.size(); ++i) {
    CHECK(scored[i].token_ids == collator.answer_ids(pairs[i].second));  // EOS included
    REQUIRE(scored[i].logprobs.size() == scored[i].token_ids.size());
    CHECK(static_cast<int64_t>(scored[i].logprobs.size()) == nll[i].tokens);
    CHECK(scored[i].total() == Approx(-nll[i].sum).epsilon(1e-4).margin(1e-4));  // float32 sums
    for (size_t t = 0; t < scored[i].logprobs.size(); ++t) {
      CHECK(scored[i].logprobs[t] <= 0.0);
      CHECK(scored[i].logprobs[t] == Approx(alone[i].logprobs[t]).margin(1e-4));
    }
  }
  // The model was trained on its world: the true answer is likelier than a made-up one.
  CHECK(scored[0].total() / scored[0].logprobs.size() > scored.back().total() / scored.back().logprobs.size());
  AnswerNllOptions no_eos;
  no_eos.with_eos = false;
  const AnswerLogprobs without = answer_logprobs(*lm.model, collator, {pairs[0]}, no_eos)[0];
  CHECK(without.token_ids.size() + 1 == scored[0].token_ids.size());
  CHECK(without.token_ids.back() != lm.tokenizer->eos_id());
}

TEST_CASE("trainable_tensors: the adapter's A and B, or every weight until released", "[api]") {
  const Pretrained lm = load_pretrained(kWorldModel);
  const NamedTensors full = trainable_tensors(*lm.model, nullptr);
  CHECK(full.size() == lm.model->named_weights().size());
  for (const auto& [name, weight] : full) CHECK(weight.requires_grad());
  release_trainable_tensors(full, nullptr);
  for (const auto& [name, weight] : lm.model->named_weights()) CHECK_FALSE(weight.requires_grad());

  LoraOptions options;
  options.r = 4;
  options.target_modules = {"q_proj", "v_proj"};
  LoraAdapter adapter = LoraAdapter::attach(*lm.model, options);
  const NamedTensors lora = trainable_tensors(*lm.model, &adapter);
  CHECK(lora.size() == 2 * 2 * 4);  // A and B of two modules in four layers
  CHECK(lora[0].first == "base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight");
  for (const auto& [name, tensor] : lora) CHECK(tensor.requires_grad());
  release_trainable_tensors(lora, &adapter);
  CHECK(lora[0].second.requires_grad());
  for (const auto& [name, weight] : lm.model->named_weights()) CHECK_FALSE(weight.requires_grad());
  adapter.detach();
}

TEST_CASE("make_unlearner and make_editor build registered methods from an options object", "[api]") {
  MethodRegistry methods;
  register_builtin_methods(methods);
  const auto npo = make_unlearner(methods, "npo_gdr", {{"beta", 0.2}, {"learning_rate", 1e-4}}, 7);
  CHECK(npo->options_json()["beta"] == 0.2);
  CHECK(npo->options_json()["learning_rate"] == 1e-4);
  CHECK(npo->options_json()["num_train_epochs"] == 5);  // the method's default
  CHECK(npo->options_json()["seed"] == 7);
  const auto rome = make_editor(methods, "rome", {{"layers", {1}}, {"mom2_adjustment", false}});
  CHECK(rome->options_json()["layers"] == nlohmann::json::array({1}));

  auto error_of = [&](auto make) -> std::string {
    try {
      make();
    } catch (const Error& e) {
      CHECK(e.exit_code() == 2);
      return e.what();
    }
    FAIL("expected a config error");
    return "";
  };
  CHECK_THAT(error_of([&] { make_unlearner(methods, "npo", {{"betta", 0.2}}); }),
             Catch::Contains("unlearner 'npo'") && Catch::Contains("method.betta") && Catch::Contains("method.beta"));
  CHECK_THAT(error_of([&] { make_unlearner(methods, "rome"); }), Catch::Contains("ga_gdr") && Catch::Contains("\"rome\""));
  CHECK_THAT(error_of([&] { make_editor(methods, "rome", {{"name", "rome"}}); }), Catch::Contains("'name'"));
  CHECK_THAT(error_of([&] { make_editor(methods, "rome", {{"layers", "one"}}); }), Catch::Contains("method.layers"));
}
