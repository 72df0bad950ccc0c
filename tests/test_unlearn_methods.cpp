// Unlearning methods (methods/unlearn): each loss against values computed by hand on a toy batch
// (sign and scale included), SURE's saliency mask, the objectives on a micro model (the reference
// is the adapter switched off), gradient accumulation, the registry, and a 20-step unlearning run
// of a micro model on a micro world through `llmedit run`.
#include <torch/torch.h>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <optional>

#include "libllmedit/core/atomic_file.h"
#include "libllmedit/core/error.h"
#include "libllmedit/data/qa_dataset.h"
#include "libllmedit/methods_api/method_registry.h"
#include "libllmedit/model/causal_lm.h"
#include "libllmedit/model/init_weights.h"
#include "libllmedit/model/lora.h"
#include "libllmedit/train/losses.h"
#include "libllmedit/train/qa_collator.h"
#include "libllmedit/train/trainer.h"
#include "methods/register.h"
#include "methods/unlearn/common/forget_retain.h"
#include "methods/unlearn/common/objective.h"
#include "methods/unlearn/common/unlearn_losses.h"
#include "methods/unlearn/sure/saliency.h"
#include "tests/cli_runner.h"
#include "tests/fixtures.h"

using namespace llmedit;
using namespace llmedit::unlearn;
using namespace llmedit::test;
namespace fs = std::filesystem;

namespace {

const double kLn2 = std::log(2.0), kLn3 = std::log(3.0);

double log_sigmoid(double x) { return -std::log1p(std::exp(-x)); }

// Two items, T = 3, V = 3. Item 0 answers with tokens 0 and 1; item 1 with token 2, then
// padding. Logits are 0 except [ln 2, 0, 0] (p = 1/2, 1/4, 1/4) at four positions, so an answer
// token costs ln 2 (token 0 there) or ln 3 (uniform positions). The reference logits are all 0.
struct ToyBatch {
  torch::Tensor logits, ref_logits, labels;
};

ToyBatch toy_batch() {
  ToyBatch b;
  b.logits = torch::zeros({2, 3, 3});
  for (auto [i, t] : {std::pair{0, 0}, std::pair{0, 2}, std::pair{1, 1}, std::pair{1, 2}}) b.logits[i][t][0] = kLn2;
  b.ref_logits = torch::zeros({2, 3, 3});
  b.labels = torch::tensor({-100, 0, 1, -100, 2, -100}, torch::kLong).view({2, 3});
  return b;
}

// KL(uniform ‖ [1/2, 1/4, 1/4]) = (5/3) ln 2 − ln 3.
const double kToyKl = 5.0 / 3.0 * std::log(2.0) - std::log(3.0);

// One id per character (3 + byte mod 37), BOS 1, EOS 2, pad 0: lengths are exactly the text's.
class CharTokenizer : public Tokenizer {
 public:
  std::vector<int64_t> encode(const std::string& text, bool add_special_tokens) const override {
    std::vector<int64_t> ids;
    if (add_special_tokens) ids.push_back(1);
    for (unsigned char c : text) ids.push_back(3 + c % 37);
    return ids;
  }
  std::string decode(const std::vector<int64_t>& ids, bool) const override { return std::string(ids.size(), '?'); }
  std::string id_to_piece(int64_t id) const override { return std::to_string(id); }
  int64_t piece_to_id(const std::string&) const override { return -1; }
  int64_t vocab_size() const override { return 40; }
  int64_t bos_id() const override { return 1; }
  int64_t eos_id() const override { return 2; }
  int64_t pad_id() const override { return 0; }
};

std::shared_ptr<CausalLM> micro_model(uint64_t seed = 3) {
  const nlohmann::json config = {{"architectures", {"LlamaForCausalLM"}}, {"model_type", "llama"}, {"vocab_size", 40},
                                 {"hidden_size", 32}, {"intermediate_size", 64}, {"num_hidden_layers", 2},
                                 {"num_attention_heads", 4}, {"num_key_value_heads", 2}, {"max_position_embeddings", 64}};
  const ArchSpec spec = ArchSpec::from_config(config, "micro");
  return std::make_shared<CausalLM>(spec, config, init_weights(spec, 0.02, seed), "micro");
}

// Equal-length questions and answers: no padding, so batch means and micro-batch means agree.
std::vector<TokenizedQA> toy_items(const QACollator& collator, const std::string& prefix, int n) {
  std::vector<TokenizedQA> items;
  for (int i = 0; i < n; ++i)
    items.push_back(collator.tokenize(prefix + " q" + std::to_string(i) + "?", "ans " + std::to_string(i)));
  return items;
}

// A micro model with a LoRA adapter (dropout 0) whose B is random, so θ differs from πref.
struct Setup {
  std::shared_ptr<CausalLM> model = micro_model();
  CharTokenizer tokenizer;
  QACollator collator{tokenizer, ChatTemplate::by_name("qa")};
  std::optional<LoraAdapter> adapter;
  NamedTensors trainable;

  explicit Setup(bool random_b = true) {
    for (const auto& [name, p] : model->named_weights()) p.set_requires_grad(false);
    LoraOptions lora;
    lora.r = 4;
    lora.alpha = 8;
    adapter.emplace(LoraAdapter::attach(*model, lora));
    const NamedTensors names = adapter->peft_tensors();
    const auto params = adapter->parameters();
    for (size_t i = 0; i < params.size(); ++i) trainable.emplace_back(names[i].first, params[i]);
    if (!random_b) return;
    torch::manual_seed(11);
    torch::NoGradGuard no_grad;
    for (size_t i = 1; i < params.size(); i += 2) params[i].normal_(0.0, 0.2);  // B of each module
  }
  ForgetRetainObjective objective(const ForgetRetainOptions& o, int forget = 8, int retain = 3) {
    return ForgetRetainObjective(o, *model, &*adapter, collator, toy_items(collator, "forget", forget),
                                 toy_items(collator, "retain", retain), trainable);
  }
};

// The options a registered method builds from a config with `method` as its method section.
ForgetRetainOptions options_of(const std::string& name, nlohmann::json method = nlohmann::json::object()) {
  MethodRegistry registry;
  register_builtin_methods(registry);
  const UnlearnerSpec& spec = registry.unlearner(name, "test");
  ConfigSchema schema;
  schema.option("seed", 0, "seed");
  schema.required("method.name", OptionType::String, "method");
  spec.declare(schema);
  method["name"] = name;
  const nlohmann::json resolved = resolve_config({{"method", method}}, schema, "test");
  const std::unique_ptr<Unlearner> unlearner = spec.create(resolved);
  return dynamic_cast<const ForgetRetainUnlearner&>(*unlearner).options();
}

std::vector<torch::Tensor> grads_of(const NamedTensors& params) {
  std::vector<torch::Tensor> out;
  for (const auto& [name, p] : params) out.push_back(p.grad().defined() ? p.grad().clone() : torch::zeros_like(p));
  return out;
}

void zero_grads(const NamedTensors& params) {
  for (const auto& [name, p] : params) p.mutable_grad() = torch::Tensor();
}

double max_diff(const std::vector<torch::Tensor>& a, const std::vector<torch::Tensor>& b) {
  double m = 0;
  for (size_t i = 0; i < a.size(); ++i) m = std::max(m, (a[i] - b[i]).abs().max().item<double>());
  return m;
}

double max_abs(const std::vector<torch::Tensor>& a) {
  double m = 0;
  for (const auto& t : a) m = std::max(m, t.abs().max().item<double>());
  return m;
}

void write_json(const std::string& path, const nlohmann::json& value) { std::ofstream(path) << value.dump(2); }

std::vector<nlohmann::json> read_jsonl(const std::string& path) {
  std::vector<nlohmann::json> rows;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) rows.push_back(nlohmann::json::parse(line));
  return rows;
}

}  // namespace

TEST_CASE("per-item answer NLL, answer lengths and GA's -CE on the toy batch", "[unlearn]") {
  const ToyBatch b = toy_batch();
  const torch::Tensor nll = answer_nll_sum(b.logits, b.labels);
  REQUIRE(nll.sizes() == torch::IntArrayRef({2}));
  CHECK(nll[0].item<double>() == Approx(kLn2 + kLn3));
  CHECK(nll[1].item<double>() == Approx(kLn3));
  const torch::Tensor lengths = answer_token_count(b.labels);
  CHECK(lengths[0].item<double>() == 2);
  CHECK(lengths[1].item<double>() == 1);
  // GA's forget term is −CE: the mean over the batch's three answer tokens, negated.
  CHECK((-causal_lm_loss(b.logits, b.labels)).item<double>() == Approx(-(kLn2 + 2 * kLn3) / 3));
}

TEST_CASE("NPO loss: value, scale 2/beta, and a gradient that raises the forget NLL", "[unlearn]") {
  const ToyBatch b = toy_batch();
  torch::Tensor nll = answer_nll_sum(b.logits, b.labels).detach().requires_grad_(true);
  const torch::Tensor ref = answer_nll_sum(b.ref_logits, b.labels);  // [2 ln 3, ln 3]
  const torch::Tensor loss = npo_loss(nll, ref, 0.1);
  // −(2/β) · mean(log σ(β(ln 2 − ln 3)), log σ(0))
  const double expected = -(2 / 0.1) * 0.5 * (log_sigmoid(0.1 * (kLn2 - kLn3)) + log_sigmoid(0.0));
  CHECK(loss.item<double>() == Approx(expected).epsilon(1e-6));
  // At θ = πref the loss is (2/β) ln 2 and each item's gradient is −2 σ(0) / B.
  CHECK(npo_loss(ref, ref, 0.1).item<double>() == Approx(20 * kLn2));
  loss.backward();
  CHECK(nll.grad()[1].item<double>() == Approx(-0.5));
  CHECK(nll.grad()[0].item<double>() < 0);  // descending the loss raises ℓθ: unlearning, not learning
  CHECK(nll.grad()[0].item<double>() == Approx(-(1 - 1 / (1 + std::exp(-0.1 * (kLn2 - kLn3))))));
}

TEST_CASE("SimNPO loss: length-normalized, reference-free, margin delta", "[unlearn]") {
  const ToyBatch b = toy_batch();
  torch::Tensor nll = answer_nll_sum(b.logits, b.labels).detach().requires_grad_(true);
  const torch::Tensor lengths = answer_token_count(b.labels);
  const double beta = 4.5;
  const double expected = -(2 / beta) * 0.5 * (log_sigmoid(beta * (kLn2 + kLn3) / 2) + log_sigmoid(beta * kLn3));
  const torch::Tensor loss = simnpo_loss(nll, lengths, beta, 0.0);
  CHECK(loss.item<double>() == Approx(expected).epsilon(1e-6));
  const double with_delta = -(2 / beta) * 0.5 * (log_sigmoid(beta * ((kLn2 + kLn3) / 2 - 0.5)) + log_sigmoid(beta * (kLn3 - 0.5)));
  CHECK(simnpo_loss(nll, lengths, beta, 0.5).item<double>() == Approx(with_delta).epsilon(1e-6));
  loss.backward();
  CHECK(nll.grad()[0].item<double>() < 0);
  CHECK(nll.grad()[1].item<double>() < 0);
  // d/dℓ of −(2/β) log σ(β ℓ/|y|) / B = −(2/|y|)(1 − σ) / B
  CHECK(nll.grad()[1].item<double>() == Approx(-(1 - 1 / (1 + std::exp(-beta * kLn3)))));
}

TEST_CASE("KL(ref||theta) on retain: answer positions by default, every position with kl_mask all", "[unlearn]") {
  const ToyBatch b = toy_batch();
  // Answer positions: item 0 at t = 0, 1 (KL k, 0), item 1 at t = 0 (0).
  CHECK(kl_ref_theta(b.logits, b.ref_logits, b.labels, KlMask::Answer).item<double>() == Approx(kToyKl / 3));
  // All six positions, four of them [ln 2, 0, 0]: the reference's batchmean over B * T.
  CHECK(kl_ref_theta(b.logits, b.ref_logits, b.labels, KlMask::All).item<double>() == Approx(4 * kToyKl / 6));
  CHECK(kl_ref_theta(b.ref_logits, b.ref_logits, b.labels, KlMask::All).item<double>() == Approx(0).margin(1e-7));
  // Swapped, KL([1/2, 1/4, 1/4] ‖ uniform) = ln 3 − (3/2) ln 2 at item 0's t = 0 only: not symmetric.
  CHECK(kl_ref_theta(b.ref_logits, b.logits, b.labels, KlMask::Answer).item<double>() == Approx((kLn3 - 1.5 * kLn2) / 3));
}

TEST_CASE("percentile interpolates as numpy's default", "[unlearn][sure]") {
  std::vector<double> values;
  for (int i = 1; i <= 100; ++i) values.push_back(101 - i);
  CHECK(percentile(values, 99) == Approx(99.01));
  CHECK(percentile(values, 50) == Approx(50.5));
  CHECK(percentile(values, 0) == 1);
  CHECK(percentile(values, 100) == 100);
  CHECK(percentile({7.0}, 99) == 7);
}

TEST_CASE("SURE keeps exactly the rows at or above the 99th percentile of forget-gradient row norms", "[unlearn][sure]") {
  // Row norms 1..60 in a 2-D gradient ([60, 2], rows (i, 0)), 61..100 in a 1-D one (negated).
  torch::Tensor matrix = torch::zeros({60, 2});
  matrix.select(1, 0).copy_(torch::arange(1, 61, torch::kFloat));
  const torch::Tensor vector = -torch::arange(61, 101, torch::kFloat);
  const auto masks = saliency_masks({matrix, torch::Tensor(), vector}, 99);
  REQUIRE(masks.size() == 3);
  CHECK_FALSE(masks[1].defined());
  CHECK(masks[0].sizes() == torch::IntArrayRef({60, 1}));
  CHECK(masks[0].sum().item<double>() == 0);  // threshold 99.01: only the norm-100 row
  CHECK(masks[2].sum().item<double>() == 1);
  CHECK(masks[2][39].item<double>() == 1);
  const auto half = saliency_masks({matrix, vector}, 50);  // threshold 50.5: norms 51..100
  CHECK(half[0].sum().item<double>() == 10);
  CHECK(half[0][49].item<double>() == 0);
  CHECK(half[0][50].item<double>() == 1);
  CHECK(half[1].sum().item<double>() == 40);
  // A norm equal to the threshold is kept ("at or above").
  const auto ties = saliency_masks({torch::tensor({3.0, 3.0, 1.0})}, 50);  // threshold 3
  CHECK(ties[0].sum().item<double>() == 2);
}

TEST_CASE("methods build their typed options from the config, with the reference defaults", "[unlearn]") {
  const ForgetRetainOptions ga = options_of("ga_gdr");
  CHECK(ga.forget == ForgetTerm::GradientAscent);
  CHECK(ga.retain == RetainTerm::Gdr);
  CHECK_FALSE(ga.sure);
  CHECK(ga.trainer.lr == 1e-5);
  CHECK(ga.trainer.batch_size == 1);
  CHECK(ga.trainer.grad_accum == 8);
  CHECK(ga.trainer.epochs == 5);
  CHECK(ga.trainer.adamw.weight_decay == 0.01);
  CHECK(ga.trainer.schedule == ScheduleKind::Linear);
  CHECK(ga.warmup_epochs == 1.0);
  const ForgetRetainOptions npo = options_of("npo_klr_sure", {{"kl_mask", "all"}, {"learning_rate", 3e-4}});
  CHECK(npo.forget == ForgetTerm::Npo);
  CHECK(npo.beta == 0.1);
  CHECK(npo.kl_mask == KlMask::All);
  CHECK(npo.sure);
  CHECK(npo.sure_percentile == 99);
  CHECK(npo.trainer.lr == 3e-4);
  const ForgetRetainOptions relearn = options_of("relearn");
  CHECK(relearn.forget == ForgetTerm::Relearn);
  CHECK(relearn.retain == RetainTerm::GdrKlr);
  CHECK(relearn.trainer.epochs == 4);  // kud-relearn.sh
  CHECK(relearn.trainer.grad_accum == 4);
  CHECK(relearn.retain_weight == 1.0);
  CHECK(relearn.kl_weight == 1.0);
  CHECK(options_of("relearn_klr", {{"kl_weight", 0.5}}).kl_weight == 0.5);
  CHECK_THROWS_WITH(options_of("relearn_klr", {{"retain_weight", 0.5}}), Catch::Contains("method.retain_weight"));
  const ForgetRetainOptions simnpo = options_of("simnpo");
  CHECK(simnpo.beta == 4.5);
  CHECK(simnpo.delta == 0.0);
  CHECK_THROWS_WITH(options_of("npo", {{"beta", -1}}), Catch::Contains("method.beta") && Catch::Contains("-1"));
  // Options of another method are unknown keys: GA has no beta.
  CHECK_THROWS_WITH(options_of("ga", {{"beta", 0.2}}), Catch::Contains("method.beta"));
  // Warm-up: one epoch of optimizer steps, at least one (45 items, batch 1 x 8 -> 6 steps).
  CHECK(warmup_steps_for(45, ga) == 6);
  CHECK(warmup_steps_for(3, ga) == 1);
}

TEST_CASE("the method registry lists 20 unlearning methods and names them on errors", "[unlearn]") {
  MethodRegistry registry;
  register_builtin_methods(registry);
  const std::vector<std::string> names = registry.names(MethodFamily::Unlearn);
  CHECK(names.size() == 20);
  for (const char* name : {"ga", "ga_gdr", "ga_klr", "npo", "npo_gdr", "npo_klr", "simnpo", "relearn", "relearn_gdr",
                           "relearn_klr", "ga_sure", "ga_gdr_sure", "ga_klr_sure", "npo_sure", "npo_gdr_sure",
                           "npo_klr_sure", "simnpo_sure", "relearn_sure", "relearn_gdr_sure", "relearn_klr_sure"})
    CHECK(registry.contains(MethodFamily::Unlearn, name));
  // Unlearning names never leak into the other families (the editors register beside them).
  CHECK(registry.names(MethodFamily::Edit) == std::vector<std::string>{"ft_l", "ft_m", "memit", "rome"});
  CHECK(!registry.contains(MethodFamily::Edit, "ga"));
  try {
    registry.unlearner("gradient_ascent", "cfg.json");
    FAIL("expected a config error");
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::Config);
    CHECK(e.exit_code() == 2);
    CHECK_THAT(e.what(), Catch::Contains("cfg.json") && Catch::Contains("method.name") && Catch::Contains("ga_gdr") &&
                             Catch::Contains("\"gradient_ascent\""));
  }
  UnlearnerSpec again;
  again.name = "ga";
  again.declare = [](ConfigSchema&) {};
  again.create = [](const nlohmann::json&) -> std::unique_ptr<Unlearner> { return nullptr; };
  CHECK_THROWS_AS(registry.add(again), Error);
}

TEST_CASE("objectives on a micro model: the reference is the adapter switched off", "[unlearn]") {
  SECTION("a fresh adapter (B = 0) is its own reference: NPO = (2/beta) ln 2, KL = 0") {
    Setup s(/*random_b=*/false);
    ForgetRetainOptions o = options_of("npo_klr");
    auto objective = s.objective(o);
    const ObjectiveTerms t = objective.terms({0, 1, 2});
    CHECK(t.forget.item<double>() == Approx(20 * kLn2).epsilon(1e-6));
    CHECK(t.retain_kl.item<double>() == Approx(0).margin(1e-6));
    CHECK_FALSE(t.retain_ce.defined());
  }
  Setup s;
  const std::vector<int64_t> items = {4, 1};
  const QABatch forget = s.collator.collate({toy_items(s.collator, "forget", 8)[4], toy_items(s.collator, "forget", 8)[1]});
  const QABatch retain = s.collator.collate({toy_items(s.collator, "retain", 3)[1], toy_items(s.collator, "retain", 3)[1]});
  auto forward = [&](const QABatch& b) {
    ForwardOptions f;
    f.attention_mask = b.attention_mask;
    return s.model->forward(b.input_ids, f).logits;  // [B, T, V]
  };
  torch::Tensor theta_f, theta_r, ref_f, ref_r;
  {
    torch::NoGradGuard no_grad;
    theta_f = forward(forget);
    theta_r = forward(retain);
    s.adapter->set_enabled(false);
    ref_f = forward(forget);
    ref_r = forward(retain);
    s.adapter->set_enabled(true);
  }
  SECTION("NPO + KLR: NLL against the adapter-off model; retain partners are i mod |retain|") {
    auto objective = s.objective(options_of("npo_klr"));
    CHECK(objective.retain_partner(4) == 1);
    const ObjectiveTerms t = objective.terms(items);
    const double npo = npo_loss(answer_nll_sum(theta_f, forget.labels), answer_nll_sum(ref_f, forget.labels), 0.1).item<double>();
    CHECK(t.forget.item<double>() == Approx(npo).epsilon(1e-5));
    CHECK(std::abs(npo - 20 * kLn2) > 1e-3);  // B is random: θ is not πref
    CHECK(t.retain_kl.item<double>() == Approx(kl_ref_theta(theta_r, ref_r, retain.labels, KlMask::Answer).item<double>()).epsilon(1e-5));
    CHECK(t.retain_kl.item<double>() > 0);
    CHECK(s.adapter->enabled());
  }
  SECTION("GA + GDR: -CE(forget) + CE(retain), weighted") {
    auto objective = s.objective(options_of("ga_gdr", {{"retain_weight", 0.5}, {"forget_weight", 2.0}}));
    const ObjectiveTerms t = objective.terms(items);
    const double ce_f = causal_lm_loss(theta_f, forget.labels).item<double>();
    const double ce_r = causal_lm_loss(theta_r, retain.labels).item<double>();
    CHECK(t.forget.item<double>() == Approx(-ce_f).epsilon(1e-5));
    CHECK(t.retain_ce.item<double>() == Approx(ce_r).epsilon(1e-5));
    CHECK_FALSE(t.retain_kl.defined());
    CHECK(objective(items).loss.item<double>() == Approx(-2 * ce_f + 0.5 * ce_r).epsilon(1e-5));
  }
  SECTION("ReLearn: +CE(augmented forget) + CE(retain) + KL(ref||theta) on retain, weights configurable") {
    auto objective = s.objective(options_of("relearn", {{"kl_weight", 3.0}}));
    const ObjectiveTerms t = objective.terms(items);
    const double ce_f = causal_lm_loss(theta_f, forget.labels).item<double>();
    const double ce_r = causal_lm_loss(theta_r, retain.labels).item<double>();
    const double kl = kl_ref_theta(theta_r, ref_r, retain.labels, KlMask::Answer).item<double>();
    CHECK(t.forget.item<double>() == Approx(ce_f).epsilon(1e-5));
    CHECK(t.retain_ce.item<double>() == Approx(ce_r).epsilon(1e-5));
    CHECK(t.retain_kl.item<double>() == Approx(kl).epsilon(1e-5));
    CHECK(objective(items).loss.item<double>() == Approx(ce_f + ce_r + 3 * kl).epsilon(1e-5));
  }
  SECTION("SimNPO needs no reference") {
    auto objective = s.objective(options_of("simnpo"));
    const double expected =
        simnpo_loss(answer_nll_sum(theta_f, forget.labels), answer_token_count(forget.labels), 4.5, 0.0).item<double>();
    CHECK(objective.terms(items).forget.item<double>() == Approx(expected).epsilon(1e-5));
  }
}

TEST_CASE("SURE masks the micro-batch gradient to the salient rows of the forget term's gradient", "[unlearn][sure]") {
  Setup s;
  const ForgetRetainOptions o = options_of("npo_gdr_sure");
  auto objective = s.objective(o);
  const std::vector<int64_t> items = {0, 5, 6};
  std::vector<torch::Tensor> params;
  for (const auto& [name, p] : s.trainable) params.push_back(p);
  // Expected: the forget term's gradient picks the rows; the whole loss's gradient is kept there.
  const ObjectiveTerms t = objective.terms(items);
  const auto g_forget = torch::autograd::grad({t.forget}, params, {}, false, false, true);
  const auto g_retain = torch::autograd::grad({t.retain_ce}, params, {}, false, false, true);
  const auto masks = saliency_masks(g_forget, 99);
  int64_t rows = 0, kept = 0;
  for (const auto& m : masks) {
    rows += m.size(0);
    kept += m.sum().item<int64_t>();
  }
  CHECK(kept == static_cast<int64_t>(std::ceil(0.01 * static_cast<double>(rows - 1))));  // numpy: ranks above 0.99 (n - 1)

  zero_grads(s.trainable);
  const MicroBatchLoss micro = objective(items);
  CHECK(micro.loss.item<double>() == Approx((t.forget + t.retain_ce).item<double>()).epsilon(1e-5));
  micro.loss.backward();
  const auto got = grads_of(s.trainable);
  std::vector<torch::Tensor> expected;
  for (size_t i = 0; i < params.size(); ++i) expected.push_back((g_forget[i] + g_retain[i]) * masks[i]);
  CHECK(max_diff(got, expected) < 1e-6 * std::max(1.0, max_abs(expected)));
  int64_t nonzero_rows = 0;
  for (const auto& g : got) nonzero_rows += g.reshape({g.size(0), -1}).abs().sum(1).gt(0).sum().item<int64_t>();
  CHECK(nonzero_rows == kept);
}

TEST_CASE("gradient accumulation over 4 micro-batches equals one batch of 4", "[unlearn]") {
  const std::vector<int64_t> items = {2, 7, 3, 5};
  for (const char* name : {"ga", "ga_gdr", "ga_klr", "npo", "npo_gdr", "npo_klr", "simnpo", "relearn"}) {
    INFO(name);
    Setup s;
    auto objective = s.objective(options_of(name));
    zero_grads(s.trainable);
    objective(items).loss.backward();
    const auto whole = grads_of(s.trainable);
    zero_grads(s.trainable);
    for (int64_t item : items) (objective({item}).loss / 4.0).backward();  // as the trainer scales
    const auto accumulated = grads_of(s.trainable);
    CHECK(max_abs(whole) > 0);
    CHECK(max_diff(whole, accumulated) < 1e-5 * std::max(1.0, max_abs(whole)));
  }
  SECTION("through the trainer: one step of 1 x 4 accumulated equals one step of 4") {
    auto step_with = [&](int64_t batch, int64_t accum) {
      Setup s;
      ForgetRetainOptions o = options_of("npo_gdr");
      o.trainer.batch_size = batch;
      o.trainer.grad_accum = accum;
      o.trainer.max_steps = 1;
      o.trainer.max_grad_norm = 0;
      o.trainer.lr = 1e-2;
      o.trainer.progress = false;
      auto objective = s.objective(o);
      train(s.trainable, 8, [&](const std::vector<int64_t>& i) { return objective(i); }, o.trainer, {});
      std::vector<torch::Tensor> out;
      for (const auto& [name, p] : s.trainable) out.push_back(p.detach().clone());
      return out;
    };
    const auto whole = step_with(4, 1);
    const auto accumulated = step_with(1, 4);
    // AdamW's first step is lr · g/(|g| + eps): entries with |g| near eps magnify rounding.
    CHECK(max_diff(whole, accumulated) < 1e-3 * 1e-2);
  }
}

TEST_CASE("unknown or mismatched methods are config errors naming the key (exit code 2)", "[unlearn][cli]") {
  TempDir dir("unlearn-errors");
  nlohmann::json config = {{"job", "unlearn"},
                           {"model", {{"path", dir.path + "/no-model"}}},
                           {"data", {{"forget", {dir.path + "/forget.jsonl"}}}},
                           {"method", {{"name", "gradient_ascent"}}},
                           {"output", {{"dir", dir.path + "/run"}}}};
  write_json(dir.path + "/bad.json", config);
  const CommandResult unknown = run_cli("run " + shell_quote(dir.path + "/bad.json"));
  CHECK(unknown.exit_code == 2);
  CHECK_THAT(unknown.error, Catch::Contains("method.name") && Catch::Contains("npo_gdr") && Catch::Contains("simnpo_sure") &&
                                Catch::Contains("gradient_ascent"));
  CHECK(std::count(unknown.error.begin(), unknown.error.end(), '\n') == 1);
  CHECK_FALSE(fs::exists(dir.path + "/run"));

  config["method"] = {{"name", "ga"}, {"beta", 0.1}};
  write_json(dir.path + "/ga-beta.json", config);
  const CommandResult foreign = run_cli("run " + shell_quote(dir.path + "/ga-beta.json"));
  CHECK(foreign.exit_code == 2);
  CHECK_THAT(foreign.error, Catch::Contains("method.beta"));

  config["method"] = {{"name", "npo"}, {"beta", -0.5}};
  write_json(dir.path + "/npo-beta.json", config);
  const CommandResult value = run_cli("run " + shell_quote(dir.path + "/npo-beta.json"));
  CHECK(value.exit_code == 2);
  CHECK_THAT(value.error, Catch::Contains("npo-beta.json") && Catch::Contains("method.beta") && Catch::Contains("-0.5"));
  CHECK_FALSE(fs::exists(dir.path + "/run"));  // rejected before the run folder exists

  config["method"] = {{"name", "npo_klr"}};
  write_json(dir.path + "/npo.json", config);
  const CommandResult explain = run_cli("config explain " + shell_quote(dir.path + "/npo.json"));
  INFO(explain.error);
  CHECK(explain.exit_code == 0);
  CHECK_THAT(explain.output, Catch::Contains("method.beta") && Catch::Contains("method.kl_mask") &&
                                 Catch::Contains("lora.r") && Catch::Contains("method.learning_rate"));
  config.erase("method");
  write_json(dir.path + "/none.json", config);
  const CommandResult missing = run_cli("run " + shell_quote(dir.path + "/none.json"));
  CHECK(missing.exit_code == 2);
  CHECK_THAT(missing.error, Catch::Contains("method.name"));
}

TEST_CASE("a 20-step ga_gdr run on a micro world raises the forget loss and keeps the retain loss", "[unlearn][cli]") {
  TempDir dir("unlearn-run");
  REQUIRE(run_cli("world --seed 5 --people 12 --orgs 2 --out " + shell_quote(dir.path + "/world")).exit_code == 0);
  REQUIRE(run_cli("train-tokenizer --input " + shell_quote(dir.path + "/world/corpus.txt") + " --vocab-size 400 --out " +
                  shell_quote(dir.path + "/tokenizer"))
              .exit_code == 0);
  const nlohmann::json train = {
      {"job", "train"},
      {"seed", 3},
      {"threads", 1},
      {"model",
       {{"tokenizer", dir.path + "/tokenizer"},
        {"init",
         {{"architectures", {"LlamaForCausalLM"}}, {"model_type", "llama"}, {"hidden_size", 32},
          {"intermediate_size", 64}, {"num_hidden_layers", 2}, {"num_attention_heads", 4},
          {"num_key_value_heads", 2}, {"max_position_embeddings", 128}}}}},
      {"data", {{"train", {dir.path + "/world/qa/world_qa.jsonl"}}, {"splits", {"forget", "retain"}}, {"max_length", 64}}},
      {"train", {{"max_steps", 50}, {"per_device_train_batch_size", 8}, {"learning_rate", 3e-3}}},
      {"output", {{"dir", dir.path + "/base"}}}};
  write_json(dir.path + "/train.json", train);
  const CommandResult trained = run_cli("run " + shell_quote(dir.path + "/train.json"));
  INFO(trained.error);
  REQUIRE(trained.exit_code == 0);

  const nlohmann::json unlearn = {
      {"job", "unlearn"},
      {"seed", 3},
      {"threads", 1},
      {"model", {{"path", dir.path + "/base/model"}}},
      {"data", {{"forget", {dir.path + "/world/qa/forget.jsonl"}}, {"retain", {dir.path + "/world/qa/retain.jsonl"}}, {"max_length", 64}}},
      {"method",
       {{"name", "ga_gdr"}, {"max_steps", 20}, {"per_device_train_batch_size", 4}, {"gradient_accumulation_steps", 1},
        {"learning_rate", 1e-2}, {"logging_steps", 5}}},
      {"lora", {{"r", 8}, {"lora_alpha", 16.0}}},
      {"eval", {{"max_new_tokens", 8}, {"max_items", 4}}},
      {"output", {{"dir", dir.path + "/unlearn"}}}};
  write_json(dir.path + "/unlearn.json", unlearn);
  const CommandResult run = run_cli("run " + shell_quote(dir.path + "/unlearn.json"));
  INFO(run.error);
  REQUIRE(run.exit_code == 0);
  const std::string out = dir.path + "/unlearn";
  for (const char* file : {"config.resolved.json", "method_options.json", "train_log.jsonl", "metrics.json", "summary.md",
                           "predictions.jsonl", "model/model.safetensors", "model/tokenizer.model"})
    CHECK(fs::exists(out + "/" + file));
  const auto log = read_jsonl(out + "/train_log.jsonl");
  REQUIRE(log.size() == 4);
  CHECK(log.back()["step"] == 20);
  CHECK(log[0].contains("forget_term"));
  CHECK(log[0].contains("retain_ce"));
  CHECK_FALSE(log[0].contains("retain_kl"));
  const nlohmann::json options = nlohmann::json::parse(read_text_file(out + "/method_options.json"));
  CHECK(options["method"] == "ga_gdr");
  CHECK(options["learning_rate"] == 1e-2);
  const nlohmann::json resolved = nlohmann::json::parse(read_text_file(out + "/config.resolved.json"));
  CHECK(resolved["lora"]["lora_dropout"] == 0.05);  // the reference's default, filled in
  CHECK(resolved["method"]["weight_decay"] == 0.01);

  const nlohmann::json m = nlohmann::json::parse(read_text_file(out + "/metrics.json"));
  CHECK(m["unlearn"]["steps"] == 20);
  const double forget_before = m["answer_loss"]["forget"]["before"], forget_after = m["answer_loss"]["forget"]["after"];
  const double retain_before = m["answer_loss"]["retain"]["before"], retain_after = m["answer_loss"]["retain"]["after"];
  INFO("forget " << forget_before << " -> " << forget_after << ", retain " << retain_before << " -> " << retain_after);
  CHECK(forget_after > forget_before + 0.5);
  CHECK(retain_after < retain_before + 0.5);
  CHECK(m["knowledge_accuracy"].contains("forget"));
  CHECK(m["knowledge_accuracy"].contains("retain"));
}
