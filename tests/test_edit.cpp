// Fact editing (methods/edit, libllmedit/edit, eval/edit_metrics, job edit): key statistics
// equal KᵀK/n computed directly; after a ROME edit the edited layer maps the bare prompt's key to
// v* (Llama world-tiny and the GPT-2 Conv1D fixture); MEMIT's solve with λ → 0 is the
// least-squares solution; FT's clamp holds for every element; malformed requests fail naming the
// request; `llmedit stats` then `llmedit run` end to end.
#include <torch/torch.h>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <map>

#include "libllmedit/core/atomic_file.h"
#include "libllmedit/core/error.h"
#include "libllmedit/core/interrupt.h"
#include "libllmedit/data/counterfact.h"
#include "libllmedit/edit/edit_tokens.h"
#include "libllmedit/edit/key_statistics.h"
#include "libllmedit/edit/mlp_layer.h"
#include "libllmedit/edit/weight_restorer.h"
#include "libllmedit/eval/edit_metrics.h"
#include "libllmedit/model/causal_lm.h"
#include "libllmedit/model/loader.h"
#include "libllmedit/tokenizer/tokenizer.h"
#include "libllmedit/core/remove_tree.h"
#include "methods/edit/common/arch_defaults.h"
#include "methods/edit/ft/ft.h"
#include "methods/edit/memit/memit.h"
#include "methods/edit/rome/rome.h"
#include "tests/cli_runner.h"
#include "tests/fixtures.h"

using namespace llmedit;
using namespace llmedit::edit;
using namespace llmedit::test;
namespace fs = std::filesystem;

namespace {

struct World {
  std::shared_ptr<CausalLM> model = load_causal_lm(kWorldModel);
  std::unique_ptr<Tokenizer> tokenizer = load_tokenizer(kWorldModel);
  World() { model->eval(); }
};

EditRequest request(const std::string& prompt, const std::string& subject, const std::string& target_new,
                    const std::string& target_true) {
  EditRequest r;
  r.prompt = prompt;
  r.subject = subject;
  r.target_new = target_new;
  r.target_true = target_true;
  return r;
}

// An editor's inputs for `requests` on `model`, without progress bars.
EditInputs edit_inputs(CausalLM& model, const Tokenizer& tokenizer, const std::vector<EditRequest>& requests) {
  EditInputs inputs;
  inputs.model = &model;
  inputs.tokenizer = &tokenizer;
  inputs.requests = &requests;
  inputs.progress = false;
  return inputs;
}

double relative_error(const torch::Tensor& a, const torch::Tensor& b) {
  return ((a.to(torch::kDouble) - b.to(torch::kDouble)).norm() / b.to(torch::kDouble).norm()).item<double>();
}

// The layer's MLP output at the subject's last token of the bare prompt.
torch::Tensor mlp_output_at_subject(CausalLM& model, const Tokenizer& tokenizer, const EditRequest& r, int64_t layer) {
  const int64_t pos = subject_last_index(tokenizer, r.prompt, r.subject, "test");
  return activations_at(model, {tokenizer.encode(filled_prompt(r), true)}, {pos}, {layer_site(layer, "mlp.output")})[0][0];
}

ValueOptions quick_value_options() {
  ValueOptions v;
  v.num_grad_steps = 6;
  v.weight_decay = 1e-3;
  return v;
}

// One id per byte (4 + byte mod 90), BOS 1: for models without a tokenizer file (the GPT-2 fixture).
class ByteTokenizer : public Tokenizer {
 public:
  std::vector<int64_t> encode(const std::string& text, bool add_special_tokens) const override {
    std::vector<int64_t> ids;
    if (add_special_tokens) ids.push_back(1);
    for (unsigned char c : text) ids.push_back(4 + c % 90);
    return ids;
  }
  std::string decode(const std::vector<int64_t>& ids, bool) const override {
    std::string s;
    for (int64_t id : ids)
      if (id >= 4) s += static_cast<char>('a' + (id - 4) % 26);
    return s;
  }
  std::string id_to_piece(int64_t id) const override { return std::to_string(id); }
  int64_t piece_to_id(const std::string&) const override { return -1; }
  int64_t vocab_size() const override { return 100; }
  int64_t bos_id() const override { return 1; }
  int64_t eos_id() const override { return 2; }
  int64_t pad_id() const override { return 0; }
};

// Keys of every token of every document, computed directly with a read hook: K [N, F].
torch::Tensor all_keys(CausalLM& model, const Tokenizer& tokenizer, const std::vector<std::string>& docs, int64_t layer) {
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> parts;
  for (const std::string& d : docs) {
    torch::Tensor k;
    ScopedHook hook(model.hooks(), layer_site(layer, "mlp.out_proj.input"), read_hook([&](const torch::Tensor& x) { k = x; }));
    model.forward(torch::tensor(tokenizer.encode(d, true), torch::kLong).unsqueeze(0));
    parts.push_back(k[0].to(torch::kDouble));
  }
  return torch::cat(parts, 0);
}

}  // namespace

TEST_CASE("key statistics of a tiny corpus equal KᵀK/n computed directly, cached and resumable", "[edit]") {
  World w;
  TempDir dir("edit-stats");
  const std::vector<std::string> docs = {"Beven Yarerstrom works as a watchmaker.",
                                         "Rara Morawick was born in Thessin Vale. She writes poetry.",
                                         "The profession of Beven Yarerstrom is watchmaker."};
  const std::string corpus = dir.path + "/corpus.txt";
  write_text_atomic(corpus, docs[0] + "\n\n" + docs[1] + "\n\n" + docs[2] + "\n");
  KeyStatsSpec spec;
  spec.stats_dir = dir.path + "/stats";
  spec.model_path = kWorldModel;
  spec.model_hash = model_weights_hash(*w.model);
  spec.corpus = {corpus};
  spec.samples = 3;
  spec.max_length = 64;

  // Missing statistics name the command that computes them.
  try {
    load_key_second_moment(spec, 1, {1, 2});
    FAIL("expected a config error");
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::Config);
    CHECK_THAT(e.what(), Catch::Contains("llmedit stats --model " + kWorldModel + " --layers 1,2 --corpus " + corpus +
                                         " --samples 3 --max-length 64"));
  }

  KeyStatsRunOptions run;
  run.batch_size = 2;  // a padded batch and a batch of one
  run.progress = false;
  const KeyStatsResult first = compute_key_statistics(*w.model, *w.tokenizer, spec, {1, 2}, run);
  CHECK(first.samples == 3);
  CHECK(first.resumed_from == 0);
  for (int64_t layer : {1, 2}) {
    const torch::Tensor K = all_keys(*w.model, *w.tokenizer, docs, layer);  // [N, F]
    const torch::Tensor expected = torch::matmul(K.t(), K) / static_cast<double>(K.size(0));
    const torch::Tensor C = load_key_second_moment(spec, layer, {1, 2});
    CHECK(C.scalar_type() == torch::kDouble);
    CHECK(relative_error(C, expected) < 1e-6);
  }
  CHECK(first.tokens == all_keys(*w.model, *w.tokenizer, docs, 1).size(0));

  // A second run finds every layer complete and sums nothing again.
  const KeyStatsResult again = compute_key_statistics(*w.model, *w.tokenizer, spec, {1, 2}, run);
  CHECK(again.resumed_from == 3);
  CHECK(again.tokens == 0);

  // An interrupted run keeps its partial sums, and the next one continues from them.
  KeyStatsSpec other = spec;
  other.stats_dir = dir.path + "/stats2";
  InterruptGuard interrupt;
  interrupt.request();
  KeyStatsRunOptions stopped = run;
  stopped.interrupt = &interrupt;
  const KeyStatsResult partial = compute_key_statistics(*w.model, *w.tokenizer, other, {1}, stopped);
  CHECK(partial.interrupted);
  CHECK_FALSE(try_load_key_second_moment(partial.paths[0]).has_value());
  const KeyStatsResult resumed = compute_key_statistics(*w.model, *w.tokenizer, other, {1}, run);
  CHECK_FALSE(resumed.interrupted);
  CHECK(relative_error(load_key_second_moment(other, 1, {1}), load_key_second_moment(spec, 1, {1})) < 1e-12);

  // Another model (different weights) has another cache key.
  torch::NoGradGuard no_grad;
  w.model->weight("model.norm.weight").mul_(1.01);
  CHECK(model_weights_hash(*w.model) != spec.model_hash);
}

TEST_CASE("an editor reads each layer's C once and keeps it until the model changes", "[edit]") {
  World w;
  TempDir dir("edit-second-moments");
  write_text_atomic(dir.path + "/corpus.txt", "Beven Yarerstrom works as a watchmaker.\n\nRara Morawick writes poetry.\n");
  StatsOptions options;
  options.mom2_dataset = {dir.path + "/corpus.txt"};
  options.mom2_n_samples = 2;
  options.stats_dir = dir.path + "/stats";
  const EditModelInfo model{kWorldModel, "float32", model_weights_hash(*w.model)};
  KeyStatsRunOptions run;
  run.progress = false;
  compute_key_statistics(*w.model, *w.tokenizer, options.spec(model), {1, 2}, run);

  SecondMoments kept;
  const std::vector<torch::Tensor> first = kept.load(options, model, {1, 2}, w.model->spec().intermediate_size);
  REQUIRE(first.size() == 2);
  CHECK(torch::equal(first[1], load_key_second_moment(options.spec(model), 2, {1, 2})));
  // With the files gone, the editor's copy still serves the next edit; a new one must read them.
  remove_tree(options.stats_dir);
  const std::vector<torch::Tensor> again = kept.load(options, model, {2, 1}, w.model->spec().intermediate_size);
  CHECK(torch::equal(again[0], first[1]));
  CHECK(torch::equal(again[1], first[0]));
  CHECK_THROWS_WITH(SecondMoments().load(options, model, {1}, w.model->spec().intermediate_size),
                    Catch::Contains("llmedit stats"));
  // Another model's edit reads its own statistics.
  EditModelInfo other = model;
  other.weights_hash = "0123456789abcdef";
  CHECK_THROWS_WITH(kept.load(options, other, {1}, w.model->spec().intermediate_size), Catch::Contains("llmedit stats"));
}

TEST_CASE("ROME: the edited layer maps the bare prompt's key to v* (Llama, whitened by C)", "[edit]") {
  World w;
  const EditRequest r = request("The profession of {} is", "Beven Yarerstrom", "beekeeper", "watchmaker");
  const std::vector<std::string> templates = {"{}", "Because of the weather. {}", "I saw it. {}"};
  const int64_t layer = 1;
  const torch::Tensor K = all_keys(*w.model, *w.tokenizer, {"Beven Yarerstrom works as a watchmaker.",
                                                           "Rara Morawick was born in Thessin Vale. She writes poetry."},
                                   layer);
  const torch::Tensor C = torch::matmul(K.t(), K) / static_cast<double>(K.size(0)) +
                          1e-3 * torch::eye(K.size(1), torch::kDouble);  // fewer tokens than dimensions
  for (bool r_rome : {false, true}) {
    World fresh;
    const RomeUpdate up = rome_update(*fresh.model, *fresh.tokenizer, {r}, 0, templates, layer, C, quick_value_options(), r_rome);
    CHECK(std::abs(up.u.norm().item<double>() - 1.0) < 1e-9);
    const double before = relative_error(mlp_output_at_subject(*fresh.model, *fresh.tokenizer, r, layer), up.v_star);
    add_mlp_out_delta(*fresh.model, layer, up.delta_out_in);
    if (!r_rome) {
      CHECK(before > 1e-2);  // δ moved v* away from v0
      CHECK(relative_error(mlp_output_at_subject(*fresh.model, *fresh.tokenizer, r, layer), up.v_star) <= 1e-4);
    } else {
      const torch::Tensor mapped = torch::matmul(mlp_out_weight_out_in(*fresh.model, layer).to(torch::kDouble), up.key);
      CHECK(relative_error(mapped, up.v_star) <= 1e-4);
    }
  }
}

TEST_CASE("ROME on the GPT-2 fixture (Conv1D [in, out]) edits without a shape error and keeps the identity", "[edit]") {
  require_shared_or_skip("fixtures/hf-tiny/gpt2");
  auto model = load_causal_lm(shared_path("fixtures/hf-tiny/gpt2"));
  model->eval();
  REQUIRE(model->layer(1).down.in_out_layout);
  ByteTokenizer tokenizer;
  const EditRequest r = request("The home of {} is", "Ada Lark", "Paris", "Rome");
  const int64_t layer = 1;
  const torch::Tensor K = all_keys(*model, tokenizer, {"some text about cities and people", "Ada Lark lives here"}, layer);
  const torch::Tensor C = torch::matmul(K.t(), K) / static_cast<double>(K.size(0)) + 1e-3 * torch::eye(K.size(1), torch::kDouble);
  const RomeUpdate up = rome_update(*model, tokenizer, {r}, 0, {"{}", "hello there. {}"}, layer, C, quick_value_options(), false);
  const torch::Tensor w_before = model->weight(mlp_out_weight_name(*model, layer)).clone();
  const torch::Tensor stored = add_mlp_out_delta(*model, layer, up.delta_out_in);
  CHECK(stored.sizes() == w_before.sizes());  // [F, D] for Conv1D
  CHECK(stored.size(0) == model->spec().intermediate_size);
  CHECK(relative_error(mlp_output_at_subject(*model, tokenizer, r, layer), up.v_star) <= 1e-4);
  // The Editor path: the rome method through its registration, C = I, on the same fixture.
  MethodRegistry registry;
  register_rome(registry);
  ConfigSchema schema;
  schema.required("method.name", OptionType::String, "method");
  registry.editor("rome", "test").declare(schema);
  const nlohmann::json resolved = resolve_config(
      {{"method", {{"name", "rome"}, {"mom2_adjustment", false}, {"v_num_grad_steps", 3},
                   {"context_template_length_params", {{3, 2}}}}}},
      schema, "test");
  std::unique_ptr<Editor> editor = registry.editor("rome", "test").create(resolved);
  const std::vector<EditRequest> requests = {r, request("The home of {} is", "Bo Finch", "Oslo", "Lima")};
  const EditInputs inputs = edit_inputs(*model, tokenizer, requests);
  const EditOutcome outcome = editor->edit(inputs);
  REQUIRE(outcome.deltas.size() == 1);
  CHECK(outcome.deltas[0].first == "transformer.h.1.mlp.c_proj.weight");
  CHECK(outcome.deltas[0].second.sizes() == w_before.sizes());
}

TEST_CASE("MEMIT: one layer with λ → 0 reproduces the least-squares solution", "[edit]") {
  torch::manual_seed(5);
  const int64_t D = 12, F = 20;
  for (int64_t n : {1, 4, 9}) {
    const torch::Tensor K = torch::randn({F, n}, torch::kDouble);
    const torch::Tensor R = torch::randn({D, n}, torch::kDouble);
    // λ = 1e-8: the bias (≈ λ/σ_min(K)²) and the float64 round-off (≈ 1e-16·σ_max(K)²/λ) both
    // stay below 1e-6 here.
    const torch::Tensor delta = memit_delta(R, K, torch::eye(F, torch::kDouble), 1e-8);
    // The minimum-norm solution of ΔW K = R is R K⁺.
    const torch::Tensor least_squares = torch::matmul(R, torch::linalg_pinv(K));
    CHECK(relative_error(delta, least_squares) < 1e-5);
    CHECK(relative_error(torch::matmul(delta, K), R) < 1e-5);
  }
  // With λ > 0 and a covariance, ΔW solves (λC + KKᵀ) ΔWᵀ = K Rᵀ.
  const torch::Tensor A = torch::randn({F, F}, torch::kDouble);
  const torch::Tensor C = torch::matmul(A, A.t()) / F + torch::eye(F, torch::kDouble);
  const torch::Tensor K = torch::randn({F, 30}, torch::kDouble), R = torch::randn({D, 30}, torch::kDouble);  // n > F
  const torch::Tensor delta = memit_delta(R, K, C, 3.0);
  CHECK(relative_error(torch::matmul(3.0 * C + torch::matmul(K, K.t()), delta.t()), torch::matmul(K, R.t())) < 1e-9);
}

TEST_CASE("MEMIT's key geometry: the pairs nearly the same once whitened by C, and how many directions", "[edit]") {
  // C's first direction varies 100x more than the others, so whitening shrinks it: k0 and k1 point
  // almost opposite (plain cosine -0.98) yet are nearly the same key to the edit (0.98); k2 differs.
  const torch::Tensor C = torch::diag(torch::tensor({10000.0, 1.0, 1.0}, torch::kDouble));
  const torch::Tensor K = torch::tensor({10.0, -10.0, 0.0, 1.0, 1.0, 0.0, 0.0, 0.0, 1.0}, torch::kDouble).reshape({3, 3});
  const std::vector<KeyConflict> conflicts = whitened_key_geometry(K, C, 0.9).conflicts;
  REQUIRE(conflicts.size() == 1);
  CHECK(conflicts[0].a == 0);
  CHECK(conflicts[0].b == 1);
  CHECK(conflicts[0].cosine == Approx(0.99 / 1.01).epsilon(1e-3));  // the ridge moves it by ~1e-4
  CHECK(whitened_key_geometry(K, torch::eye(3, torch::kDouble), 0.9).conflicts.empty());  // unwhitened: -0.98
  CHECK(whitened_key_geometry(K, C, 0.99).conflicts.empty());

  // Pairs across the 1024-row blocks: a key scaled copy of one ~1000 columns earlier.
  torch::manual_seed(3);
  torch::Tensor many = torch::randn({64, 1100}, torch::kDouble);  // random pairs: cosine ~ ±0.13
  many.select(1, 1090).copy_(2.0 * many.select(1, 3));
  const std::vector<KeyConflict> far = whitened_key_geometry(many, torch::eye(64, torch::kDouble), 0.9).conflicts;
  REQUIRE(far.size() == 1);
  CHECK(far[0].a == 3);
  CHECK(far[0].b == 1090);
  CHECK(far[0].cosine == Approx(1.0));

  // The participation ratio counts the directions the keys spread over: n orthogonal keys span n,
  // n copies of one key span 1, and two orthogonal groups of copies span 2.
  const KeyGeometry orthogonal = whitened_key_geometry(torch::eye(5, torch::kDouble), torch::eye(5, torch::kDouble), 0.9);
  CHECK(orthogonal.participation_ratio == Approx(5.0));
  CHECK(orthogonal.rms_cosine == Approx(0.0).margin(1e-12));
  const torch::Tensor copies = torch::ones({4, 6}, torch::kDouble);
  const KeyGeometry alike = whitened_key_geometry(copies, torch::eye(4, torch::kDouble), 0.9);
  CHECK(alike.participation_ratio == Approx(1.0));
  CHECK(alike.rms_cosine == Approx(1.0));
  CHECK(alike.conflicts.size() == 15);
  torch::Tensor two = torch::zeros({4, 6}, torch::kDouble);
  two.index_put_({0, torch::indexing::Slice(0, 3)}, 1.0);
  two.index_put_({1, torch::indexing::Slice(3, 6)}, 2.0);
  CHECK(whitened_key_geometry(two, torch::eye(4, torch::kDouble), 0.9).participation_ratio == Approx(2.0));
}

TEST_CASE("MEMIT's key is the mean over kinds of context of each kind's mean, as the reference's compute_ks", "[edit]") {
  ContextTemplateOptions context;
  context.lengths = {{5, 2}, {10, 3}};  // templates: "{}", two 5-token prefixes, three 10-token ones
  const int64_t F = 4;
  // Two requests sharing a subject: rows (request, template) in the templates' order.
  torch::Tensor keys = torch::zeros({2 * 6, F}, torch::kDouble);
  for (int64_t r = 0; r < 2; ++r) {
    keys[r * 6].fill_(6.0 + r);                                        // bare prompt
    for (int64_t t = 1; t < 3; ++t) keys[r * 6 + t].fill_(3.0 * t);    // 3, 6: mean 4.5
    for (int64_t t = 3; t < 6; ++t) keys[r * 6 + t].fill_(static_cast<double>(t));  // 3, 4, 5: mean 4
  }
  // Per request (6 + r + 4.5 + 4) / 3, then the mean over both requests; a plain mean over the rows
  // would give 55/12.
  const torch::Tensor expected = torch::full({F}, (14.5 + 15.5) / 6.0, torch::kDouble);
  CHECK(relative_error(context_kind_mean(keys, context), expected) < 1e-12);
  CHECK_THROWS(context_kind_mean(keys.narrow(0, 0, 5), context));  // rows that do not fit the templates
}

TEST_CASE("FT: after every step each trained weight stays within W0 ± ε", "[edit]") {
  World w;
  const double eps = 2e-4;
  FtOptions o;
  o.layers = {1, 2};
  o.num_steps = 4;
  o.lr = 1e-2;  // far larger steps than ε, so the clamp must act
  o.norm_constraint = eps;
  o.early_stop_loss = 0;
  const std::vector<EditRequest> requests = {
      request("The profession of {} is", "Beven Yarerstrom", "beekeeper", "watchmaker"),
      request("The profession of {} is", "Rara Morawick", "architect", "stonemason")};
  std::map<std::string, torch::Tensor> before;
  for (int64_t l : o.layers) before[mlp_out_weight_name(*w.model, l)] = w.model->weight(mlp_out_weight_name(*w.model, l)).clone();
  std::vector<bool> flags;
  for (const auto& p : w.model->parameters()) flags.push_back(p.requires_grad());
  FineTune ft(o);
  const EditInputs inputs = edit_inputs(*w.model, *w.tokenizer, requests);
  const EditOutcome outcome = ft.edit(inputs);
  REQUIRE(outcome.deltas.size() == 2);
  for (const auto& [name, w0] : before) {
    const torch::Tensor now = w.model->weight(name);
    // The bounds as float32 computes them (W0 ± ε rounded), which the clamp uses too.
    CHECK((now <= w0 + eps).all().item<bool>());
    CHECK((now >= w0 - eps).all().item<bool>());
    CHECK((now - w0).abs().max().item<double>() >= eps * 0.99);  // the bound is reached, not just respected
  }
  std::vector<bool> flags_after;
  for (const auto& p : w.model->parameters()) flags_after.push_back(p.requires_grad());
  CHECK(flags_after == flags);
  // The other layers did not move.
  const std::string untouched = mlp_out_weight_name(*w.model, 0);
  CHECK(torch::equal(w.model->weight(untouched), load_causal_lm(kWorldModel)->weight(untouched)));
}

TEST_CASE("WeightRestorer copies only the weights the editor names and puts them back exactly", "[edit]") {
  World w;
  FtOptions o;
  o.layers = {1, 2};
  o.num_steps = 3;
  o.lr = 1e-2;
  o.early_stop_loss = 0;
  FineTune ft(o);
  const std::vector<std::string> names = ft.edited_weights(*w.model);
  REQUIRE(names == std::vector<std::string>{mlp_out_weight_name(*w.model, 1), mlp_out_weight_name(*w.model, 2)});
  // ROME and MEMIT name their layers too: the given ones, else the architecture's default.
  RomeOptions rome_options;
  rome_options.layers = {3};
  CHECK(Rome(rome_options).edited_weights(*w.model) == std::vector<std::string>{mlp_out_weight_name(*w.model, 3)});
  CHECK(Memit(MemitOptions{}).edited_weights(*w.model) ==
        mlp_out_weight_names(*w.model, reference_defaults(w.model->spec()).memit_layers));

  std::map<std::string, torch::Tensor> before;
  for (const auto& [name, weight] : w.model->named_weights()) before[name] = weight.clone();
  const WeightRestorer restorer(*w.model, names);
  CHECK(restorer.copied_weights() == 2);
  CHECK(restorer.copied_bytes() == 2 * w.model->weight(names[0]).numel() * w.model->weight(names[0]).element_size());
  CHECK(WeightRestorer(*w.model).copied_weights() == before.size());
  const WeightRestorer too_few(*w.model, {names[0]});
  const std::vector<EditRequest> requests = {request("The profession of {} is", "Beven Yarerstrom", "beekeeper", "watchmaker")};
  const EditInputs inputs = edit_inputs(*w.model, *w.tokenizer, requests);
  const EditOutcome outcome = ft.edit(inputs);
  REQUIRE(outcome.deltas.size() == 2);
  CHECK_FALSE(torch::equal(w.model->weight(names[1]), before.at(names[1])));
  CHECK_THROWS_WITH(too_few.restore(*w.model, outcome), Catch::Contains(names[1]));
  restorer.restore(*w.model, outcome);
  for (const auto& [name, weight] : w.model->named_weights()) CHECK(torch::equal(weight, before.at(name)));
}

TEST_CASE("edit requests: a prompt without {} or a subject not in the prompt fails naming the request", "[edit]") {
  World w;
  CHECK_THROWS_WITH(check_edit_request(request("The profession of Beven Yarerstrom is", "Beven Yarerstrom", "a", "b"), 3),
                    Catch::Contains("request 3 (subject 'Beven Yarerstrom')") && Catch::Contains("has no \"{}\""));
  CHECK_THROWS_WITH(check_edit_request(request("{} and {}", "X", "a", "b"), 0), Catch::Contains("more than one"));
  CHECK_THROWS_WITH(check_edit_request(request("{} is", " ", "a", "b"), 1), Catch::Contains("request 1"));
  // A subject glued to the next word is not a run of tokens of the prompt.
  CHECK_THROWS_WITH(subject_last_index(*w.tokenizer, "The profession of {} Yarerstrom is", "Beven", "request 7"),
                    Catch::Contains("request 7") && Catch::Contains("subject 'Beven'"));
  // Through an editor: the message names the request.
  FtOptions o;
  FineTune ft(o);
  const std::vector<EditRequest> requests = {request("The profession of {} is", "Rara Morawick", "architect", "stonemason"),
                                             request("Where was Rara Morawick born?", "Rara Morawick", "Tolvane", "x")};
  const EditInputs inputs = edit_inputs(*w.model, *w.tokenizer, requests);
  CHECK_THROWS_WITH(ft.edit(inputs), Catch::Contains("request 1 (subject 'Rara Morawick')"));
}

TEST_CASE("edit metrics: n-gram entropy and neighborhood agreement", "[edit]") {
  CHECK(ngram_entropy("a a a a a a") == Approx(0.0));
  // Four distinct bigrams and three distinct trigrams, each once: (2/3·2 + 4/3·log2 3) / 2.
  CHECK(ngram_entropy("one two three four five") == Approx((2.0 / 3.0 * 2.0 + 4.0 / 3.0 * std::log2(3.0)) / 2.0));
  CaseSnapshot a, b;
  a.neighborhood_argmax = {{1, 2, 3, 4}, {5}};
  b.neighborhood_argmax = {{1, 2, 0, 4}, {6}};
  CHECK(neighborhood_agreement(a, b) == Approx((0.75 + 0.0) / 2));
}

TEST_CASE("edit metrics per relation: each relation's means over its own cases", "[edit]") {
  std::vector<CounterFactCase> cases(3);
  cases[0].requested_rewrite.relation_id = "birthplace";
  cases[1].requested_rewrite.relation_id = "profession";
  cases[2].requested_rewrite.relation_id = "birthplace";
  std::vector<CaseSnapshot> pre(3), post(3);
  for (size_t i = 0; i < 3; ++i) {
    pre[i].neighborhood_argmax = post[i].neighborhood_argmax = {{1, 2}};
    post[i].efficacy = i == 1 ? 0.0 : 1.0;
  }
  post[2].neighborhood_argmax = {{1, 0}};
  const nlohmann::json by = summarize_by_relation(cases, pre, post);
  REQUIRE(by.size() == 2);
  CHECK(by["birthplace"]["requests"] == 2);
  CHECK(by["birthplace"]["post"]["efficacy"].get<double>() == Approx(1.0));
  CHECK(by["birthplace"]["post"]["neighborhood"].get<double>() == Approx(0.75));
  CHECK(by["profession"]["requests"] == 1);
  CHECK(by["profession"]["post"]["efficacy"].get<double>() == Approx(0.0));
  CHECK(by["profession"]["post"]["neighborhood"].get<double>() == Approx(1.0));
  // One relation, or none named: nothing to split.
  cases[1].requested_rewrite.relation_id = "birthplace";
  CHECK(summarize_by_relation(cases, pre, post).is_null());
}

TEST_CASE("llmedit stats, then job edit with rome end to end, missing statistics name the command", "[edit]") {
  TempDir dir("edit-cli");
  const std::string stats = dir.path + "/stats";
  const std::string corpus = kRoot + "/data/world/corpus.txt";
  nlohmann::json config = {
      {"job", "edit"},
      {"seed", 1},
      {"threads", 1},
      {"model", {{"path", kWorldModel}}},
      {"data", {{"requests", kRoot + "/data/world/counterfact.json"}, {"max_requests", 2}}},
      {"method",
       {{"name", "rome"}, {"mom2_dataset", {corpus}}, {"mom2_n_samples", 10}, {"stats_dir", stats},
        {"v_num_grad_steps", 10}, {"context_template_length_params", {{5, 2}}}}},
      {"eval", {{"generation_tokens", 8}}},
      {"output", {{"dir", dir.path + "/run"}}}};
  write_text_atomic(dir.path + "/rome.json", config.dump(2));
  const CommandResult missing = run_cli("run " + shell_quote(dir.path + "/rome.json"));
  CHECK(missing.exit_code == 2);
  CHECK_THAT(missing.error, Catch::Contains("llmedit stats --model " + kWorldModel + " --layers 1 --corpus " + corpus +
                                            " --samples 10 --max-length 256 --stats-dir " + stats));

  const CommandResult computed = run_cli("stats --model " + shell_quote(kWorldModel) + " --layers 1 --corpus " +
                                         shell_quote(corpus) + " --samples 10 --stats-dir " + shell_quote(stats) +
                                         " --threads 1");
  REQUIRE(computed.exit_code == 0);
  CHECK(nlohmann::json::parse(computed.output)["samples"] == 10);

  remove_tree(dir.path + "/run");
  const CommandResult run = run_cli("run " + shell_quote(dir.path + "/rome.json"));
  INFO(run.error);
  REQUIRE(run.exit_code == 0);
  const nlohmann::json metrics = nlohmann::json::parse(read_text_file(dir.path + "/run/metrics.json"));
  CHECK(metrics["edit"]["requests"] == 2);
  CHECK(metrics["edit"]["mode"] == "sequential_restore");
  CHECK(metrics["post"].contains("efficacy"));
  CHECK(metrics["post"].contains("neighborhood"));
  std::ifstream predictions(dir.path + "/run/predictions.jsonl");
  int rows = 0;
  for (std::string line; std::getline(predictions, line);) {
    const nlohmann::json row = nlohmann::json::parse(line);
    CHECK(row.contains("pre"));
    CHECK(row["post"].contains("efficacy"));
    CHECK(row["relation_id"] == "profession");  // the world's first two cases
    ++rows;
  }
  CHECK(rows == 2);
  CHECK(fs::exists(dir.path + "/run/context_templates.json"));
  // One log record per request and layer: v* lowered the target loss it was trained on.
  std::ifstream log(dir.path + "/run/train_log.jsonl");
  int records = 0;
  for (std::string line; std::getline(log, line); ++records) {
    const nlohmann::json record = nlohmann::json::parse(line);
    CHECK(record["layer"] == 1);
    CHECK(record["request"] == records);  // numbered across the job's one-request edits
    CHECK(record["final_loss"].get<double>() < record["first_loss"].get<double>());
  }
  CHECK(records == 2);
}

TEST_CASE("job edit saves the edited model in batch mode and refuses to in sequential_restore", "[edit]") {
  TempDir dir("edit-save");
  nlohmann::json config = {
      {"job", "edit"},
      {"seed", 1},
      {"threads", 1},
      {"model", {{"path", kWorldModel}}},
      {"data", {{"requests", kRoot + "/data/world/counterfact.json"}, {"max_requests", 2}}},
      {"edit", {{"mode", "batch"}}},
      {"method", {{"name", "rome"}, {"mom2_adjustment", false}, {"v_num_grad_steps", 5},
                  {"context_template_length_params", {{5, 1}}}}},
      {"eval", {{"enabled", false}}},
      {"output", {{"dir", dir.path + "/run"}, {"save_model", true}}}};
  write_text_atomic(dir.path + "/edit.json", config.dump(2));
  const CommandResult run = run_cli("run " + shell_quote(dir.path + "/edit.json"));
  INFO(run.error);
  REQUIRE(run.exit_code == 0);
  auto original = load_causal_lm(kWorldModel);
  auto edited = load_causal_lm(dir.path + "/run/model");
  const std::string down = mlp_out_weight_name(*original, 1);
  CHECK(relative_error(edited->weight(down), original->weight(down)) > 1e-3);  // the edit is in the saved weights
  const std::string other = mlp_out_weight_name(*original, 2);
  CHECK(relative_error(edited->weight(other), original->weight(other)) == 0.0);
  CHECK(load_tokenizer(dir.path + "/run/model")->encode("Beven", false) == load_tokenizer(kWorldModel)->encode("Beven", false));

  config["edit"]["mode"] = "sequential_restore";
  config["output"]["dir"] = dir.path + "/run2";
  write_text_atomic(dir.path + "/edit.json", config.dump(2));
  const CommandResult refused = run_cli("run " + shell_quote(dir.path + "/edit.json"));
  CHECK(refused.exit_code == 2);
  CHECK_THAT(refused.error, Catch::Contains("output.save_model needs edit.mode batch or sequential"));
  CHECK_FALSE(fs::exists(dir.path + "/run2"));
}

TEST_CASE("job edit in batches smaller than all: each batch edited, measured and undone, as if run alone", "[edit]") {
  TempDir dir("edit-batches");
  const nlohmann::json all_cases = nlohmann::json::parse(read_text_file(kRoot + "/data/world/counterfact.json"));
  write_text_atomic(dir.path + "/last_two.json", nlohmann::json({all_cases[2], all_cases[3]}).dump());
  nlohmann::json config = {
      {"job", "edit"},
      {"seed", 1},
      {"threads", 1},
      {"model", {{"path", kWorldModel}}},
      {"data", {{"requests", kRoot + "/data/world/counterfact.json"}, {"max_requests", 4}}},
      {"edit", {{"mode", "batch"}, {"batch_size", 2}}},
      {"method", {{"name", "memit"}, {"mom2_adjustment", false}, {"v_num_grad_steps", 5},
                  {"context_template_length_params", nlohmann::json::array()}}},
      {"eval", {{"generation_tokens", 0}}}};
  auto run = [&](const std::string& name) {
    config["output"]["dir"] = dir.path + "/" + name;
    write_text_atomic(dir.path + "/edit.json", config.dump(2));
    const CommandResult result = run_cli("run " + shell_quote(dir.path + "/edit.json"));
    INFO(result.error);
    REQUIRE(result.exit_code == 0);
    std::vector<nlohmann::json> rows;
    std::ifstream predictions(dir.path + "/" + name + "/predictions.jsonl");
    for (std::string line; std::getline(predictions, line);) rows.push_back(nlohmann::json::parse(line));
    return rows;
  };
  const std::vector<nlohmann::json> batches = run("batches");
  CHECK(nlohmann::json::parse(read_text_file(dir.path + "/batches/metrics.json"))["edit"]["batch_size"] == 2);
  config["edit"]["batch_size"] = 0;
  config["data"]["max_requests"] = 2;
  const std::vector<nlohmann::json> first = run("first_two");
  config["data"]["requests"] = dir.path + "/last_two.json";
  const std::vector<nlohmann::json> last = run("last_two");
  REQUIRE(batches.size() == 4);
  for (size_t i = 0; i < 4; ++i) {
    const nlohmann::json& alone = i < 2 ? first[i] : last[i - 2];
    INFO("request " << i);
    CHECK(batches[i]["case_id"] == alone["case_id"]);
    CHECK(batches[i]["post"]["logp_new"].get<double>() == Approx(alone["post"]["logp_new"].get<double>()).epsilon(1e-9));
    CHECK(batches[i]["post"]["logp_true"].get<double>() == Approx(alone["post"]["logp_true"].get<double>()).epsilon(1e-9));
  }
  // The edit moved the second batch's targets: its values were not the first batch's.
  CHECK(batches[2]["post"]["logp_new"].get<double>() != Approx(batches[2]["pre"]["logp_new"].get<double>()).epsilon(1e-6));

  // Config errors, exit 2, naming the key and value.
  auto refused = [&](const std::string& message) {
    config["output"]["dir"] = dir.path + "/refused";
    write_text_atomic(dir.path + "/edit.json", config.dump(2));
    const CommandResult result = run_cli("run " + shell_quote(dir.path + "/edit.json"));
    CHECK(result.exit_code == 2);
    CHECK_THAT(result.error, Catch::Contains(message));
  };
  config["edit"]["batch_size"] = 2;
  config["output"]["save_model"] = true;
  refused("output.save_model needs edit.batch_size 0");
  config["output"]["save_model"] = false;
  config["edit"]["batch_size"] = -1;
  refused("edit.batch_size = -1");
  config["edit"] = {{"mode", "sequential_restore"}, {"batch_size", 2}};
  refused("edit.batch_size = 2 needs edit.mode batch");
}

namespace {

// `llmedit run configs/edit/CONFIG` on world-tiny-edit, with its layer-0 statistics computed under
// `dir` first and the corpus paths made absolute; `options` adds --set options.
CommandResult run_world_edit_config(const std::string& dir, const std::string& config, const std::string& options) {
  const std::string stats = dir + "/stats";
  const std::string model = kRoot + "/data/models/world-tiny-edit";
  const std::string corpus = kRoot + "/data/world-edit/corpus.txt";
  const CommandResult computed = run_cli("stats --model " + shell_quote(model) + " --layers 0 --corpus " +
                                         shell_quote(corpus) + " --samples 1000 --stats-dir " + shell_quote(stats) +
                                         " --threads 1");
  REQUIRE(computed.exit_code == 0);
  return run_cli("run " + shell_quote(kRoot + "/configs/edit/" + config) + " --set " + shell_quote("model.path=" + model) +
                 " --set " + shell_quote("data.requests=" + kRoot + "/data/world-edit/counterfact.json") + " --set " +
                 shell_quote("method.mom2_dataset=[\"" + corpus + "\"]") + " --set " +
                 shell_quote("method.stats_dir=" + stats) + options + " --set output.dir=" + shell_quote(dir + "/run"));
}

}  // namespace

TEST_CASE("configs/edit/world_rome.json edits world-tiny-edit, whose facts sit where ROME writes", "[edit][cli]") {
  TempDir dir("edit-world-model");
  // The shipped config (layer 0, clamp 20, 100 steps) on its first 8 requests.
  const CommandResult run =
      run_world_edit_config(dir.path, "world_rome.json", " --set data.max_requests=8 --set eval.generation_tokens=4");
  INFO(run.error);
  REQUIRE(run.exit_code == 0);
  const nlohmann::json metrics = nlohmann::json::parse(read_text_file(dir.path + "/run/metrics.json"));
  CHECK(metrics["pre"]["efficacy"].get<double>() <= 0.25);  // the model knows the true facts
  CHECK(metrics["post"]["efficacy"].get<double>() >= 0.75);
  CHECK(metrics["post"]["neighborhood"].get<double>() >= 0.85);
}

TEST_CASE("configs/edit/world_memit_batches.json: MEMIT ten requests at a time on world-tiny-edit", "[edit][cli]") {
  TempDir dir("edit-world-memit-batches");
  // Its first 20 requests: two batches of 10, each measured and undone before the next.
  const CommandResult run = run_world_edit_config(dir.path, "world_memit_batches.json",
                                                  " --set data.max_requests=20 --set eval.generation_tokens=4");
  INFO(run.error);
  REQUIRE(run.exit_code == 0);
  const nlohmann::json metrics = nlohmann::json::parse(read_text_file(dir.path + "/run/metrics.json"));
  CHECK(metrics["edit"]["batch_size"] == 10);
  CHECK(metrics["pre"]["efficacy"].get<double>() <= 0.25);
  CHECK(metrics["post"]["efficacy"].get<double>() >= 0.9);
  CHECK(metrics["post"]["neighborhood"].get<double>() >= 0.85);
}

TEST_CASE("configs/edit/world_memit.json names the subjects whose keys layer 0 cannot tell apart", "[edit][cli]") {
  TempDir dir("edit-world-memit");
  // The first 20 requests edit Irick and Tamina Drelidge; the keys come after the values, and one
  // optimization step per value is enough to reach them.
  const CommandResult run = run_world_edit_config(
      dir.path, "world_memit.json", " --set data.max_requests=20 --set method.v_num_grad_steps=1 --set eval.enabled=false");
  INFO(run.error);
  REQUIRE(run.exit_code == 0);
  CHECK_THAT(run.error, Catch::Contains("at layer 0 the keys of") && Catch::Contains("'Irick Drelidge' / 'Tamina Drelidge'"));
  std::ifstream log(dir.path + "/run/train_log.jsonl");
  nlohmann::json keys;
  for (std::string line; std::getline(log, line);)
    if (const nlohmann::json record = nlohmann::json::parse(line); record.contains("keys")) keys = record["keys"];
  REQUIRE(keys.is_object());
  CHECK(keys["conflicts"] == keys["conflict_pairs"].size());
  // 20 keys spread over fewer than 20 directions: they overlap.
  CHECK(keys["participation_ratio"].get<double>() > 1.0);
  CHECK(keys["participation_ratio"].get<double>() < 20.0);
  bool drelidges = false;
  for (const nlohmann::json& pair : keys["conflict_pairs"]) {
    CHECK(pair["whitened_cosine"].get<double>() >= 0.9);
    if (pair["subjects"] == nlohmann::json({"Irick Drelidge", "Tamina Drelidge"}))
      drelidges = pair["whitened_cosine"].get<double>() > 0.999;
  }
  CHECK(drelidges);
}
