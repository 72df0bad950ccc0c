// Constrained fine-tuning (Zhu et al., "Modifying Memories in Transformer Models", 2020; the FT-L
// baseline of ROME, Meng et al. 2022 §4.2; FT-M as EasyEdit names it): train chosen MLP output
// projections with Adam on the new targets and, after every step, clamp each weight to
// W0 ± norm_constraint (an L∞ ball around the original weights).
//   ft_l: objective "prompt_last": every target token scored at the prompt's last position.
//   ft_m: objective "teacher_forced": the target's tokens scored one by one after the prompt
//         (the prompt's positions masked), i.e. the usual causal-LM loss on the target.
// Stops early when the mean loss over the requests falls below early_stop_loss.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "libllmedit/methods_api/method_registry.h"

namespace llmedit::edit {

enum class FtObjective { PromptLast, TeacherForced };

struct FtOptions {
  std::vector<int64_t> layers;  // empty: the architecture's ROME layer
  int64_t num_steps = 25;       // passes over the requests
  int64_t batch_size = 1;       // requests per Adam step
  double lr = 5e-4;
  double weight_decay = 0.0;
  double norm_constraint = 5e-4;  // ε of the clamp; 0: unconstrained
  double early_stop_loss = 1e-2;
  FtObjective objective = FtObjective::PromptLast;
  nlohmann::json to_json() const;
};

class FineTune : public Editor {
 public:
  explicit FineTune(FtOptions options) : options_(std::move(options)) {}
  nlohmann::json options_json() const override { return options_.to_json(); }
  EditOutcome edit(const EditInputs& inputs) override;
  std::vector<std::string> edited_weights(const CausalLM& model) const override;

 private:
  std::vector<int64_t> edited_layers(const CausalLM& model) const;  // method.layers or the architecture's
  FtOptions options_;
};

void register_ft(MethodRegistry& registry);  // ft_l and ft_m

}  // namespace llmedit::edit
