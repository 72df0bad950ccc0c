// job "train": fine-tune (or train from scratch) a causal LM on QA files and text corpora,
// fully or with LoRA, then save the model and optionally report knowledge accuracy.
#pragma once
#include "libllmedit/jobs/job_registry.h"

namespace llmedit {

JobKind train_job_kind();

}  // namespace llmedit
