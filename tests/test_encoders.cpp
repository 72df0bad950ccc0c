// Encoder models against Hugging Face transformers: BERT (with pooler and sentence-transformers
// mean pooling), and BERT / RoBERTa / DeBERTa-v2 sequence classifiers, on the padded batch of
// ../shared/fixtures/hf-tiny/<name>/reference.*.
#include <catch2/catch.hpp>

#include <torch/torch.h>

#include <nlohmann/json.hpp>

#include "libllmedit/core/atomic_file.h"
#include "libllmedit/core/error.h"
#include "libllmedit/io/checkpoint.h"
#include "libllmedit/model/encoder.h"
#include "tests/fixtures.h"

using namespace llmedit;

namespace {

constexpr double kTolerance = 1e-4;

struct EncoderReference {
  nlohmann::json json;
  SafetensorsReader tensors;
  explicit EncoderReference(const std::string& dir)
      : json(nlohmann::json::parse(read_text_file(dir + "/reference.json"))), tensors(dir + "/reference.safetensors") {}
  torch::Tensor tensor(const std::string& name) const { return tensors.load(name).to(torch::kFloat); }
  // [B, T] int64, or undefined when the reference passed None.
  torch::Tensor ids(const std::string& key) const {
    if (json.at(key).is_null()) return {};
    const auto rows = json.at(key).get<std::vector<std::vector<int64_t>>>();
    torch::Tensor out = torch::empty({static_cast<int64_t>(rows.size()), static_cast<int64_t>(rows.at(0).size())}, torch::kLong);
    for (size_t b = 0; b < rows.size(); ++b) out[static_cast<int64_t>(b)] = torch::tensor(rows[b], torch::kLong);
    return out;
  }
};

double max_abs_diff(const torch::Tensor& got, const torch::Tensor& want) {
  REQUIRE(got.defined());
  REQUIRE(got.sizes() == want.sizes());
  return (got.to(torch::kFloat) - want).abs().max().item<double>();
}

struct Run {
  std::shared_ptr<EncoderModel> model;
  EncoderReference ref;
  EncoderOutput out;
  torch::Tensor mask;
};

Run run_reference(const std::string& name) {
  const std::string relative = "fixtures/hf-tiny/" + name;
  test::require_shared_or_skip(relative);
  const std::string dir = test::shared_path(relative);
  Run run{load_encoder(dir), EncoderReference(dir), {}, {}};
  torch::NoGradGuard no_grad;
  run.mask = run.ref.ids("attention_mask");
  run.out = run.model->forward(run.ref.ids("input_ids"), run.mask, run.ref.ids("token_type_ids"));
  return run;
}

void check_labels(const EncoderModel& model, const EncoderReference& ref) {
  const auto& id2label = ref.json.at("id2label");
  REQUIRE(model.id2label().size() == id2label.size());
  for (size_t i = 0; i < model.id2label().size(); ++i) CHECK(model.id2label()[i] == id2label.at(std::to_string(i)).get<std::string>());
  CHECK(model.label_id("CONTRADICTION") == 0);
  CHECK(model.label_id("entailment") == 1);
  CHECK(model.label_id("no such label") == -1);
}

}  // namespace

TEST_CASE("BERT encoder: hidden states, pooler and mean-pooled embeddings match transformers", "[encoder]") {
  Run run = run_reference("bert");
  CHECK(run.model->has_pooler());
  CHECK_FALSE(run.model->has_classifier());
  CHECK_FALSE(run.out.logits.defined());
  const double hidden = max_abs_diff(run.out.last_hidden_state, run.ref.tensor("last_hidden_state"));
  const double pooler = max_abs_diff(run.out.pooler_output, run.ref.tensor("pooler_output"));
  const double pooled = max_abs_diff(mean_pooled_normalized(run.out.last_hidden_state, run.mask), run.ref.tensor("mean_pooled_normalized"));
  CHECK(hidden <= kTolerance);
  CHECK(pooler <= kTolerance);
  CHECK(pooled <= kTolerance);
}

TEST_CASE("BERT sequence classifier matches transformers", "[encoder]") {
  Run run = run_reference("bert-nli");
  CHECK(max_abs_diff(run.out.last_hidden_state, run.ref.tensor("last_hidden_state")) <= kTolerance);
  CHECK(max_abs_diff(run.out.logits, run.ref.tensor("logits")) <= kTolerance);
  check_labels(*run.model, run.ref);
}

TEST_CASE("RoBERTa sequence classifier matches transformers", "[encoder]") {
  Run run = run_reference("roberta-nli");
  CHECK_FALSE(run.model->has_pooler());
  CHECK(max_abs_diff(run.out.last_hidden_state, run.ref.tensor("last_hidden_state")) <= kTolerance);
  CHECK(max_abs_diff(run.out.logits, run.ref.tensor("logits")) <= kTolerance);
  check_labels(*run.model, run.ref);
}

TEST_CASE("DeBERTa-v2 sequence classifier with relative attention matches transformers", "[encoder]") {
  Run run = run_reference("deberta-v2-nli");
  CHECK(run.model->config().relative_attention);
  CHECK(max_abs_diff(run.out.last_hidden_state, run.ref.tensor("last_hidden_state")) <= kTolerance);
  CHECK(max_abs_diff(run.out.logits, run.ref.tensor("logits")) <= kTolerance);
  check_labels(*run.model, run.ref);
}

TEST_CASE("encoder outputs do not depend on the padding of other sequences", "[encoder]") {
  Run run = run_reference("deberta-v2-nli");
  torch::NoGradGuard no_grad;
  const torch::Tensor ids = run.ref.ids("input_ids");
  const int64_t length = run.mask[2].sum().item<int64_t>();
  const EncoderOutput alone = run.model->forward(ids.slice(0, 2, 3).slice(1, 0, length));
  CHECK(max_abs_diff(alone.logits, run.out.logits.slice(0, 2, 3)) <= kTolerance);
}

TEST_CASE("mean pooling averages over the mask, then normalizes", "[encoder]") {
  const torch::Tensor h = torch::tensor({3.0f, 0.0f, 1.0f, 4.0f, 100.0f, 100.0f}).view({1, 3, 2});
  const torch::Tensor mask = torch::tensor({1, 1, 0}).view({1, 3});
  const torch::Tensor pooled = mean_pooled_normalized(h, mask);  // mean (2, 2) -> (0.7071, 0.7071)
  CHECK(pooled[0][0].item<float>() == Approx(std::sqrt(0.5f)));
  CHECK(pooled[0][1].item<float>() == Approx(std::sqrt(0.5f)));
}

TEST_CASE("encoder checkpoints with missing or unsupported parts fail naming the file and key", "[encoder]") {
  test::require_shared_or_skip("fixtures/hf-tiny/bert-nli");
  const std::string dir = test::shared_path("fixtures/hf-tiny/bert-nli");
  CheckpointFiles files = read_hf_folder(dir);
  const EncoderConfig config = EncoderConfig::from_config(files.config, dir + "/config.json");

  SECTION("a missing weight") {
    NamedTensors weights;
    for (const auto& entry : files.weights)
      if (entry.first != "bert.pooler.dense.bias") weights.push_back(entry);
    CHECK_THROWS_WITH(EncoderModel(config, weights, "x/model.safetensors"),
                      Catch::Contains("x/model.safetensors") && Catch::Contains("bert.pooler.dense.bias"));
  }
  SECTION("a misshapen weight") {
    for (auto& entry : files.weights)
      if (entry.first == "classifier.weight") entry.second = torch::zeros({3, 32});
    CHECK_THROWS_WITH(EncoderModel(config, files.weights, "x/model.safetensors"), Catch::Contains("classifier.weight"));
  }
  SECTION("an unsupported model type") {
    files.config["model_type"] = "electra";
    CHECK_THROWS_WITH(EncoderConfig::from_config(files.config, "x/config.json"),
                      Catch::Contains("x/config.json") && Catch::Contains("model_type") && Catch::Contains("electra"));
  }
  SECTION("id2label that does not fit the classifier") {
    files.config["id2label"] = {{"0", "yes"}, {"1", "no"}};
    const EncoderConfig two = EncoderConfig::from_config(files.config, "x/config.json");
    CHECK_THROWS_WITH(EncoderModel(two, files.weights, "x/model.safetensors"), Catch::Contains("id2label"));
  }
  SECTION("a folder without weights") {
    CHECK_THROWS_AS(load_encoder(test::shared_path("fixtures/tokenizers/wordpiece-bert")), Error);
  }
}
