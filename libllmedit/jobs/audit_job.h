// job "audit": is unlearned knowledge really gone (DESIGN.md §5 Audit)? On an unlearned model
// (model.path) versus its pre-unlearning model (audit.original), each part when enabled:
//   quantization  KFR/KRR (eval.unlearning, on data.forget/data.retain by default) of the
//                 unlearned model as is and after bf16, per-channel int8 and group-wise 4-bit
//                 round-to-nearest weight quantization (libllmedit/quant); the original's too.
//                 Recovery = KFR drop after quantization.
//   probes        a probe (an IRLS one and its plain counterpart) trained on the hidden states of
//                 retain people predicts a forget person's attribute, per layer, on both models,
//                 against chance (audit_probes.h).
//   relearning    a few fine-tuning steps on 10% of the forget set (or on retain items), then
//                 KFR/KRR and the answer NLL on the rest of the forget set, before vs after
//                 (audit_relearning.h).
// Writes metrics.json (per part a table as "rows", plus a "verdict"), predictions.jsonl (a row per
// evaluated item with its "part" and "variant") and summary.md (a table and a verdict per part).
#pragma once
#include "libllmedit/jobs/job_registry.h"

namespace llmedit {

JobKind audit_job_kind();

}  // namespace llmedit
