#include "methods/edit/memit/memit.h"

#include <torch/torch.h>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cmath>

#include "libllmedit/core/error.h"
#include "libllmedit/core/interrupt.h"
#include "libllmedit/core/progress.h"
#include "libllmedit/edit/edit_tokens.h"
#include "libllmedit/edit/mlp_layer.h"
#include "libllmedit/model/causal_lm.h"
#include "libllmedit/tokenizer/tokenizer.h"
#include "methods/edit/common/arch_defaults.h"
#include "methods/edit/common/value_optimizer.h"
#include "methods/edit/rome/rome.h"

namespace llmedit::edit {

nlohmann::json MemitOptions::to_json() const {
  nlohmann::json j = {{"layers", layers},
                      {"mom2_update_weight", mom2_update_weight ? nlohmann::json(*mom2_update_weight) : nlohmann::json()}};
  j.update(value.to_json());
  j.update(context_options_json(context));
  j.update(stats.to_json());
  return j;
}

torch::Tensor memit_delta(const torch::Tensor& residuals, const torch::Tensor& keys, const torch::Tensor& second_moment,
                          double lambda) {
  const torch::Tensor K = keys.to(torch::kDouble);                                       // [F, n]
  const torch::Tensor R = residuals.to(K.device(), torch::kDouble);                      // [D, n]
  const torch::Tensor A = lambda * second_moment.to(K.device(), torch::kDouble) + torch::matmul(K, K.t());  // [F, F]
  const auto [L, info] = torch::linalg_cholesky_ex(A);
  // A is symmetric, so R Kᵀ A⁻¹ = R (A⁻¹ K)ᵀ.
  const torch::Tensor X = info.item<int64_t>() == 0 ? torch::cholesky_solve(K, L) : torch::linalg_solve(A, K);  // [F, n]
  return torch::matmul(R, X.t());  // [D, F]
}

KeyGeometry whitened_key_geometry(const torch::Tensor& keys, const torch::Tensor& second_moment,
                                  double conflict_threshold) {
  const torch::Tensor K = keys.to(torch::kDouble);                                  // [F, n]
  const torch::Tensor C = second_moment.to(K.device(), torch::kDouble);             // [F, F]
  // A small ridge keeps the factor defined where the corpus never moved some key direction.
  const torch::Tensor ridge = 1e-6 * C.diagonal().mean() * torch::eye(C.size(0), C.options());
  const torch::Tensor L = torch::linalg_cholesky(C + ridge);                        // C = L Lᵀ
  const torch::Tensor W = torch::linalg_solve_triangular(L, K, /*upper=*/false);   // [F, n]: WᵀW = Kᵀ C⁻¹ K
  const torch::Tensor unit = W / W.norm(2, 0, true).clamp_min(1e-300);
  KeyGeometry out;
  const int64_t n = K.size(1), rows = 1024;  // row blocks keep a 10000-edit batch's [n, n] out of memory
  double squares = 0;                         // Σ_ij cosine², the diagonal's n included
  for (int64_t a0 = 0; a0 < n; a0 += rows) {
    const int64_t count = std::min(rows, n - a0);
    const torch::Tensor block = torch::matmul(unit.narrow(1, a0, count).t(), unit).cpu();  // [count, n]
    squares += block.pow(2).sum().item<double>();
    const auto cosine = block.accessor<double, 2>();
    for (int64_t i = 0; i < count; ++i)
      for (int64_t b = a0 + i + 1; b < n; ++b)
        if (cosine[i][b] >= conflict_threshold) out.conflicts.push_back({a0 + i, b, cosine[i][b]});
  }
  std::sort(out.conflicts.begin(), out.conflicts.end(),
            [](const KeyConflict& x, const KeyConflict& y) { return x.cosine > y.cosine; });
  const auto N = static_cast<double>(n);
  out.participation_ratio = n > 0 ? N * N / squares : 0.0;
  out.rms_cosine = n > 1 ? std::sqrt(std::max(0.0, squares - N) / (N * (N - 1))) : 0.0;
  return out;
}

// The bare prompt weighs as much as all prefixes of one length together; a plain mean over every
// context would let 20 prefixed keys outvote it, and at an early layer a prefix moves the key far
// from the bare prompt's.
torch::Tensor context_kind_mean(const torch::Tensor& keys, const ContextTemplateOptions& context) {
  std::vector<int64_t> kinds = {1};  // templates[0] is the bare "{}"
  for (const auto& [tokens, count] : context.lengths) kinds.push_back(count);
  int64_t T = 0;
  for (int64_t n : kinds) T += n;
  if (keys.size(0) % T != 0) throw Error(ErrorKind::Internal, "memit: keys do not match the context templates");
  const torch::Tensor per_request = keys.reshape({keys.size(0) / T, T, keys.size(1)});  // [G, T, F]
  std::vector<torch::Tensor> means;
  int64_t start = 0;
  for (int64_t n : kinds) {
    if (n > 0) means.push_back(per_request.narrow(1, start, n).mean(1));  // [G, F]
    start += n;
  }
  return torch::stack(means, 0).mean(0).mean(0);  // [F]
}

namespace {

// The log's view of a layer's key geometry; warns about the subject pairs whose keys the layer
// can barely tell apart (the 100 most similar logged). On world-tiny-edit, the layer-0 keys of
// three people sharing a surname have whitened cosine 0.99997: a batch that edits them
// differently cannot succeed at that layer.
nlohmann::json report_key_geometry(const torch::Tensor& K, const torch::Tensor& C, int64_t layer,
                                   const std::vector<EditRequest>& requests, const std::vector<std::vector<size_t>>& groups) {
  constexpr double kThreshold = 0.9;
  constexpr size_t kLogged = 100, kPrinted = 5;
  const KeyGeometry geometry = whitened_key_geometry(K, C, kThreshold);
  const std::vector<KeyConflict>& conflicts = geometry.conflicts;
  nlohmann::json pairs = nlohmann::json::array();
  std::string listed;
  for (size_t i = 0; i < conflicts.size() && i < kLogged; ++i) {
    const KeyConflict& c = conflicts[i];
    const std::string& a = requests[groups[static_cast<size_t>(c.a)][0]].subject;
    const std::string& b = requests[groups[static_cast<size_t>(c.b)][0]].subject;
    pairs.push_back({{"subjects", {a, b}}, {"whitened_cosine", c.cosine}});
    if (i < kPrinted) listed += fmt::format("{}'{}' / '{}' ({:.5f})", i == 0 ? "" : ", ", a, b, c.cosine);
  }
  if (!conflicts.empty())
    spdlog::warn("memit: at layer {} the keys of {} subject pair(s) are nearly the same (whitened cosine >= {}): {}{}; "
                 "one batch moves them together, so edit them in separate batches or at a layer where they differ",
                 layer, conflicts.size(), kThreshold, listed, conflicts.size() > kPrinted ? ", ..." : "");
  return {{"participation_ratio", geometry.participation_ratio},
          {"rms_cosine", geometry.rms_cosine},
          {"conflicts", conflicts.size()},
          {"conflict_pairs", pairs}};
}

// The subject's last token in the bare prompt of each group's first request.
std::vector<int64_t> bare_positions(const Tokenizer& tokenizer, const std::vector<EditRequest>& requests,
                                    const std::vector<std::vector<size_t>>& groups, std::vector<std::vector<int64_t>>& seqs) {
  std::vector<int64_t> positions;
  for (const std::vector<size_t>& group : groups) {
    const EditRequest& r = requests[group[0]];
    seqs.push_back(tokenizer.encode(filled_prompt(r), true));
    positions.push_back(subject_last_index(tokenizer, r.prompt, r.subject, request_label(r, group[0])));
  }
  return positions;
}

}  // namespace

std::vector<int64_t> Memit::edited_layers(const CausalLM& model) const {
  return resolve_layers(options_.layers, reference_defaults(model.spec()).memit_layers, model.spec().num_layers);
}

std::vector<std::string> Memit::edited_weights(const CausalLM& model) const {
  return mlp_out_weight_names(model, edited_layers(model));
}

EditOutcome Memit::edit(const EditInputs& inputs) {
  CausalLM& model = *inputs.model;
  const Tokenizer& tokenizer = *inputs.tokenizer;
  const auto& requests = *inputs.requests;
  for (size_t i = 0; i < requests.size(); ++i) check_edit_request(requests[i], i);
  const ArchEditDefaults d = reference_defaults(model.spec());
  const std::vector<int64_t> layers = edited_layers(model);
  const ValueOptions v = options_.value.resolve(d, d.memit_clamp_norm_factor);
  const double lambda = options_.mom2_update_weight.value_or(d.mom2_update_weight);
  nlohmann::json settings = {{"method", "memit"},  {"defaults_from", d.source}, {"layers", layers},
                             {"v_num_grad_steps", v.num_grad_steps}, {"v_lr", v.lr}, {"v_weight_decay", v.weight_decay},
                             {"clamp_norm_factor", v.clamp_norm_factor}, {"kl_factor", v.kl_factor},
                             {"mom2_update_weight", lambda}, {"requests", requests.size()}};
  spdlog::info("memit settings: {}", settings.dump());
  const std::vector<torch::Tensor> C = second_moments_.load(options_.stats, inputs.model_info, layers,
                                                           model.spec().intermediate_size);
  const std::vector<std::string> templates = edit_context_templates(inputs, options_.context);
  EditOutcome outcome;
  outcome.log.push_back(settings);

  // One target (column) per subject group: requests that share a subject share its key.
  const std::vector<std::vector<size_t>> groups = subject_groups(requests, inputs.share_subject_value);
  const int64_t z_layer = layers.back();
  std::vector<torch::Tensor> z;
  {
    ProgressBar bar("memit targets", static_cast<int64_t>(groups.size()), "request", inputs.progress);
    for (size_t g = 0; g < groups.size(); ++g) {
      if (inputs.interrupt && inputs.interrupt->requested()) throw Interrupted("memit: interrupted");
      const auto start = std::chrono::steady_clock::now();
      const ValueResult r = optimize_value(model, tokenizer, pick(requests, groups[g]), groups[g][0], templates, z_layer,
                                           "output", v);
      z.push_back(r.target.to(torch::kDouble));
      nlohmann::json record = r.log();
      record["request"] = groups[g][0];
      if (groups[g].size() > 1) record["shared_with"] = groups[g].size();
      record["layer"] = z_layer;
      record["seconds"] = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      outcome.log.push_back(record);
      if (inputs.log) inputs.log(record);
      bar.update(static_cast<int64_t>(g + 1));
    }
  }
  const torch::Tensor Z = torch::stack(z, 1);  // [D, n]
  std::vector<std::vector<int64_t>> seqs;
  const std::vector<int64_t> positions = bare_positions(tokenizer, requests, groups, seqs);
  for (size_t l = 0; l < layers.size(); ++l) {
    std::vector<torch::Tensor> keys;
    for (const std::vector<size_t>& group : groups)
      keys.push_back(context_kind_mean(
          subject_keys(model, tokenizer, pick(requests, group), group[0], templates, layers[l]).to(torch::kDouble),
          options_.context));
    const torch::Tensor K = torch::stack(keys, 1);  // [F, n]
    const torch::Tensor current =
        activations_at(model, seqs, positions, {layer_site(z_layer, "output")})[0].to(torch::kDouble).t();  // [D, n]
    const torch::Tensor R = (Z.to(current.device()) - current) / static_cast<double>(layers.size() - l);
    const torch::Tensor delta = memit_delta(R, K, C[l], lambda);  // [D, F]
    const torch::Tensor stored = add_mlp_out_delta(model, layers[l], delta);
    outcome.deltas.emplace_back(mlp_out_weight_name(model, layers[l]), stored);
    nlohmann::json record = {{"layer", layers[l]},
                             {"residual_norm", R.norm().item<double>()},
                             {"delta_norm", delta.norm().item<double>()},
                             {"keys", report_key_geometry(K, C[l], layers[l], requests, groups)}};
    outcome.log.push_back(record);
    if (inputs.log) inputs.log(record);
  }
  return outcome;
}

void register_memit(MethodRegistry& registry) {
  EditorSpec spec;
  spec.name = "memit";
  spec.help = "MEMIT: batched edits spread over several MLP layers (Meng et al. 2023)";
  spec.declare = [](ConfigSchema& s) {
    s.option("method.layers", nlohmann::json::array(), "layers to edit (empty: the reference layers scaled to the model)");
    declare_value_options(s, "‖δ‖ ≤ this · ‖h‖ (default per architecture: 0.75, Llama 4)");
    s.optional("method.mom2_update_weight", OptionType::Number,
               "λ in ΔW = R Kᵀ(λC + KKᵀ)⁻¹ (default per architecture: GPT-2 XL 20000, GPT-J and Llama 15000)");
    declare_context_options(s);
    declare_stats_options(s);
  };
  spec.create = [](const nlohmann::json& c) -> std::unique_ptr<Editor> {
    MemitOptions o;
    o.layers = config_get<std::vector<int64_t>>(c, "method.layers");
    o.value = read_value_options(c);
    if (!config_value(c, "method.mom2_update_weight").is_null())
      o.mom2_update_weight = config_get<double>(c, "method.mom2_update_weight");
    o.context = read_context_options(c);
    o.stats = read_stats_options(c);
    require_edit_option(!o.mom2_update_weight || *o.mom2_update_weight >= 0, "mom2_update_weight", "non-negative",
                        config_value(c, "method.mom2_update_weight"));
    return std::make_unique<Memit>(std::move(o));
  };
  registry.add(std::move(spec));
}

}  // namespace llmedit::edit
