// MEMIT: Mass-Editing Memory in a Transformer (Meng, Sharma, Andonian, Belinkov, Bau, ICLR 2023,
// Alg. 1). For a batch of requests:
//   z_i = h_i + δ_i at the last edited layer's output, δ_i trained per request
//         (methods/edit/common/value_optimizer.h);
//   for each edited layer l in order: K = subject keys at l (averaged per kind of context), one
//   column per request; R = (z − h_L(current)) / (layers left, this one included): the
//   residual spread over the remaining layers; ΔW_l = R Kᵀ (λC + KKᵀ)⁻¹ (eq. 14), solved in
//   float64 through a Cholesky factor.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "libllmedit/edit/context_templates.h"
#include "libllmedit/methods_api/method_registry.h"
#include "methods/edit/common/edit_options.h"

namespace llmedit::edit {

struct MemitOptions {
  std::vector<int64_t> layers;  // empty: the architecture's reference layers
  ValueSettings value;
  std::optional<double> mom2_update_weight;  // λ; empty: per architecture
  ContextTemplateOptions context;
  StatsOptions stats;
  nlohmann::json to_json() const;
};

// ΔW = R Kᵀ (λC + KKᵀ)⁻¹: residuals R [D, n], keys K [F, n], C [F, F]; float64 [D, F].
torch::Tensor memit_delta(const torch::Tensor& residuals, const torch::Tensor& keys, const torch::Tensor& second_moment,
                          double lambda);

// Two requests whose subjects' keys one layer can barely tell apart: the cosine of C^{-1/2}k_a and
// C^{-1/2}k_b (the metric of ROME's u = C⁻¹k). ΔW maps both keys to nearly the same change, so
// one batch cannot give them different values, and their edits spill onto each other.
struct KeyConflict {
  int64_t a = 0, b = 0;  // columns of the keys
  double cosine = 0;
};

// How far apart a batch's keys are once whitened by C, with u_i = C^{-1/2}k_i / ‖C^{-1/2}k_i‖.
struct KeyGeometry {
  std::vector<KeyConflict> conflicts;  // pairs with cosine ≥ the threshold, most similar first
  // n² / Σ_ij (u_i·u_j)²: the number of directions the n keys spread over, n when orthogonal and
  // 1 when all alike. Each edit spills onto the others' keys when it is well below n.
  double participation_ratio = 0;
  double rms_cosine = 0;  // over the pairs i < j
};

// The geometry of the columns of `keys` [F, n] under `second_moment` [F, F].
KeyGeometry whitened_key_geometry(const torch::Tensor& keys, const torch::Tensor& second_moment,
                                  double conflict_threshold);

// A subject's key, as the reference's compute_ks: the mean over the kinds of context (the bare
// prompt, then the prefixes of each length in `context.lengths`) of each kind's mean. `keys` holds
// one row per (request, template) in the templates' order, [G·T, F]; returns [F].
torch::Tensor context_kind_mean(const torch::Tensor& keys, const ContextTemplateOptions& context);

class Memit : public Editor {
 public:
  explicit Memit(MemitOptions options) : options_(std::move(options)) {}
  nlohmann::json options_json() const override { return options_.to_json(); }
  EditOutcome edit(const EditInputs& inputs) override;
  std::vector<std::string> edited_weights(const CausalLM& model) const override;

 private:
  std::vector<int64_t> edited_layers(const CausalLM& model) const;  // method.layers or the architecture's
  MemitOptions options_;
  SecondMoments second_moments_;  // read at the first edit, kept for the next
};

void register_memit(MethodRegistry& registry);

}  // namespace llmedit::edit
