// job "edit": load a model and CounterFact-layout requests, measure the edit metrics
// (eval/edit_metrics.h) before, apply the editor method.name picks from the MethodRegistry,
// and measure them again. edit.mode:
//   sequential_restore  each request edited alone, the weights restored before the next
//                       (the per-request numbers of the ROME paper)
//   batch               every request in one call to the editor (MEMIT's setting)
//   sequential          one request after another on the ever more edited model, measured at
//                       the end
// predictions.jsonl holds one row per request (pre, post, neighborhood agreement, seconds);
// metrics.json the means and the seconds per edit (statistics excluded: they are computed
// beforehand by `llmedit stats`).
#pragma once
#include "libllmedit/jobs/job_registry.h"

namespace llmedit {

JobKind edit_job_kind();

}  // namespace llmedit
