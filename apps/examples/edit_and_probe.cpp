// A ROME edit applied from code, with the model probed through its hook sites before and after:
// the MLP output (ROME's value, hook site layers.{i}.mlp.output) at the subject's last token, per
// layer, and the log-probabilities of the new and the old target. Layers below the edited one
// must not move; the edited layer's value moves to the one ROME optimized for the new target.
//   edit_and_probe MODEL_DIR COUNTERFACT_JSON [CASE_INDEX] [LAYER]     (defaults 0 and 1)
// mom2_adjustment is false (C = I), so no key statistics are needed. The last line printed is
// the result as JSON.
#include <libllmedit/llmedit.h>
#include <methods/register.h>

#include <torch/torch.h>

#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

namespace {

// The MLP output of every layer at `position` of `ids`, read with one hook per layer.
std::vector<torch::Tensor> mlp_values(llmedit::CausalLM& model, const std::vector<int64_t>& ids, int64_t position) {
  const int64_t layers = model.spec().num_layers;
  std::vector<torch::Tensor> values(static_cast<size_t>(layers));
  std::vector<std::unique_ptr<llmedit::ScopedHook>> hooks;
  for (int64_t i = 0; i < layers; ++i)
    hooks.push_back(std::make_unique<llmedit::ScopedHook>(
        model.hooks(), llmedit::layer_site(i, "mlp.output"),
        llmedit::read_hook([&values, i, position](const torch::Tensor& x) { values[i] = x[0][position].to(torch::kFloat); })));
  torch::NoGradGuard no_grad;
  model.forward(torch::tensor(ids, torch::kLong).unsqueeze(0).to(model.device()));
  return values;
}

// Mean log-probability per token of " target" after the prompt.
double target_logprob(llmedit::CausalLM& model, const llmedit::Tokenizer& tokenizer, const std::string& prompt,
                      const std::vector<int64_t>& prompt_ids, const std::string& target) {
  return llmedit::continuation_log_probs(model, {prompt_ids}, {llmedit::continuation_ids(tokenizer, prompt, target)})[0];
}

struct Probe {
  std::vector<torch::Tensor> values;  // per layer, [D]
  double new_target = 0, old_target = 0;
};

Probe probe(llmedit::CausalLM& model, const llmedit::Tokenizer& tokenizer, const llmedit::EditRequest& request,
            int64_t subject_position) {
  const std::string prompt = llmedit::filled_prompt(request);
  const std::vector<int64_t> ids = tokenizer.encode(prompt, /*add_special_tokens=*/true);
  return {mlp_values(model, ids, subject_position), target_logprob(model, tokenizer, prompt, ids, request.target_new),
          target_logprob(model, tokenizer, prompt, ids, request.target_true)};
}

nlohmann::json compare(const Probe& before, const Probe& after, int64_t edited_layer,
                       const llmedit::EditOutcome& outcome) {
  nlohmann::json changes = nlohmann::json::array();
  for (size_t i = 0; i < before.values.size(); ++i)
    changes.push_back({{"layer", i}, {"change", (after.values[i] - before.values[i]).norm().item<double>()},
                       {"norm_before", before.values[i].norm().item<double>()}});
  nlohmann::json weights = nlohmann::json::array();
  for (const auto& [name, delta] : outcome.deltas) weights.push_back({{"name", name}, {"delta_norm", delta.norm().item<double>()}});
  return {{"edited_layer", edited_layer},
          {"site", "mlp.output"},
          {"changes", changes},
          {"edited_weights", weights},
          {"target_new_logprob", {{"before", before.new_target}, {"after", after.new_target}}},
          {"target_true_logprob", {{"before", before.old_target}, {"after", after.old_target}}}};
}

}  // namespace

int main(int argc, char** argv) {
  size_t case_index = 0;
  int64_t layer = 1;
  if (argc < 3 || argc > 5 || (argc >= 4 && !(std::istringstream(argv[3]) >> case_index)) ||
      (argc == 5 && !(std::istringstream(argv[4]) >> layer))) {
    std::cerr << "usage: edit_and_probe MODEL_DIR COUNTERFACT_JSON [CASE_INDEX] [LAYER]\n";
    return 2;
  }
  try {
    llmedit::Pretrained lm = llmedit::load_pretrained(argv[1]);
    const std::vector<llmedit::CounterFactCase> cases = llmedit::read_counterfact_file(argv[2]);
    if (case_index >= cases.size())
      throw llmedit::usage_error(std::string(argv[2]) + " has " + std::to_string(cases.size()) + " cases, no case " +
                                 std::to_string(case_index));
    const std::vector<llmedit::EditRequest> requests = {cases[case_index].requested_rewrite};
    const llmedit::EditRequest& request = requests[0];
    const int64_t position = llmedit::subject_last_index(*lm.tokenizer, request.prompt, request.subject, argv[2]);

    llmedit::MethodRegistry methods;
    llmedit::register_builtin_methods(methods);
    const std::unique_ptr<llmedit::Editor> rome =
        llmedit::make_editor(methods, "rome", {{"layers", nlohmann::json::array({layer})}, {"mom2_adjustment", false}});

    const Probe before = probe(*lm.model, *lm.tokenizer, request, position);
    llmedit::EditInputs inputs;
    inputs.model = lm.model.get();
    inputs.tokenizer = lm.tokenizer.get();
    inputs.requests = &requests;
    inputs.progress = false;
    const llmedit::EditOutcome outcome = rome->edit(inputs);
    const Probe after = probe(*lm.model, *lm.tokenizer, request, position);

    std::cout << "edit: " << llmedit::filled_prompt(request) << " " << request.target_true << " -> "
              << request.target_new << " (layer " << layer << ")\n";
    const nlohmann::json result = compare(before, after, layer, outcome);
    for (const nlohmann::json& c : result["changes"])
      std::cout << "layers." << c["layer"] << ".mlp.output at the subject's last token moved by " << c["change"]
                << " (norm " << c["norm_before"] << ")\n";
    std::cout << "log p(new target) " << before.new_target << " -> " << after.new_target << ", log p(old target) "
              << before.old_target << " -> " << after.old_target << "\n";
    std::cout << result.dump() << "\n";
  } catch (const llmedit::Error& e) {
    std::cerr << "edit_and_probe: " << e.what() << "\n";
    return e.exit_code();
  } catch (const std::exception& e) {  // e.g. malformed JSON read back
    std::cerr << "edit_and_probe: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
