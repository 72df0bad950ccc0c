// job "temporal": AToKe temporal editing (DESIGN.md §4, §5). For each file of data.atoke (SE, ME,
// EE) and each case: ask the unedited model the case's current question (METO's model-time
// fact) and score step 0's queries on it ("unedited"), then apply the case's steps in order with
// the editor method.name picks (ft_l, ft_m, rome, memit), alone or wrapped by the temporal method
// temporal.method picks (meto), scoring CES, CES-P, CRS, HES, HRS after each step and HES* after
// the last (eval/temporal_scores.h); then restore the weights before the next case.
// Alone, the editor gets each step as one CounterFact request: temporal.edit_prompt picks the
// step's "prompt" (no time, the default, as the AToKe baselines edit) or its "time_prompt".
// metrics.json: atoke.<file label>.{CES, ..., HES*, cases} for the edited model, atoke_unedited
// the same before editing, and temporal.{scorer, editor, wrapper, seconds_per_step,
// model_time_known}; predictions.jsonl one row per case and step with every query's prompt,
// continuation and verdict; summary.md the table.
#pragma once
#include "libllmedit/jobs/job_registry.h"

namespace llmedit {

JobKind temporal_job_kind();

// "AToKe-SE.json" -> "SE"; any other file name -> its stem.
std::string atoke_file_label(const std::string& path);

}  // namespace llmedit
