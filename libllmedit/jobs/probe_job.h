// job "probe": how well a simple regressor reads an attribute from a model's hidden states, layer
// by layer (DESIGN.md §6). For each prompt the activation at one hook site of each layer is read at
// the prompt's last token; k-fold cross-validated probes (LS-SVR, weighted/IRLS LS-SVR, ELM,
// IRLS-ELM; libllmedit/probe) predict the target from it. Numeric targets give RMSE and R², class
// targets one-vs-rest accuracy. Writes metrics.json, predictions.jsonl (out-of-fold predictions),
// summary.md (a table per layer) and probe_layers.svg (the score per layer, one line per method).
//
// Items come from either
//   data.prompts: JSONL, one {"prompt": "...", "target": 1985 | "poet"} per line (optionally an
//                 "answer_prefix"), or
//   data.world:   a world.json (llmedit world): one item per person, the prompt is
//                 data.prompt_template and the answer prefix data.answer_prefix with {name}
//                 replaced, the target the person's data.attribute (a public or private
//                 single-valued attribute, e.g. birth_year).
// data.format "raw" encodes the prompt with the tokenizer's special tokens (BOS); "qa" renders it
// as a question in the model's chat template with the answer cue, exactly as training and eval do,
// then the answer prefix as the trainer tokenizes answers. The probe reads the last token, so the
// prefix decides what the model is about to say there: "… was born in the year 19" makes the next
// token the decade digit, which the model has to hold at that position.
#pragma once
#include "libllmedit/jobs/job_registry.h"

namespace llmedit {

JobKind probe_job_kind();

}  // namespace llmedit
