// METO: Multi-Editing with Time Objective (Yin, Jiang, Yang, Wan, "History Matters: Temporal
// Knowledge Editing in Large Language Model", AAAI 2024, §4). An editor alone overwrites the old
// fact; METO instead edits, all at once, the model-time fact and every newer fact up to the
// current step, each with its interval:
//   fact objective  "From {since} to {until}, <the case's prompt, in the fact's tense>" → object
//   time objective  "<the same prompt without the time> {object} from"               → "{since} to {until}"
// The tense comes from the case's own prompts: the step's time_prompt for the newest fact, the
// history_evaluation time_completion for older ones (the fact before step k is history k). The
// model-time fact's object is what the unedited model answers (the job asks it), its interval
// step 0's time_true. Every METO target shares the subject, hence ROME's and MEMIT's key, so the
// wrapped editor optimizes one value per subject over all of them (EditInputs::share_subject_value);
// `per_target_delta: true` gives each target its own, as an ablation.
#pragma once
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "libllmedit/data/atoke.h"
#include "libllmedit/data/counterfact.h"
#include "libllmedit/methods_api/method_registry.h"

namespace llmedit::temporal {

struct MetoOptions {
  bool per_target_delta = false;
  bool time_objective = true;  // false: fact objectives only (ablation)
  nlohmann::json to_json() const;
};

// The edit requests for step `step` of the case, oldest fact first, each fact's objective
// followed by its time objective. Throws a data error naming the case and field when a prompt
// does not hold the subject.
std::vector<EditRequest> meto_requests(const AtokeCase& atoke_case, size_t step, const std::string& model_time_object,
                                       const MetoOptions& options);

class Meto : public TemporalEditor {
 public:
  explicit Meto(MetoOptions options) : options_(options) {}
  nlohmann::json options_json() const override { return options_.to_json(); }
  EditOutcome edit(const TemporalEditInputs& inputs) override;

 private:
  MetoOptions options_;
};

void register_meto(MethodRegistry& registry);

}  // namespace llmedit::temporal
