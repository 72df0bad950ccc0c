// job "augment": the ReLearn data pipeline (libllmedit/augment/pipeline.h) over the forget items
// of data.forget, with the provider augment.provider picks (template, local or openai). Writes
// augmented.jsonl (QA JSONL that read_qa_file reads; feed it to a relearn config's data.forget),
// metrics.json (counts per stage) and summary.md into the run folder. Stage outputs are cached
// under augment.cache_dir, so a rerun with the same inputs generates nothing.
#pragma once
#include "libllmedit/jobs/job_registry.h"

namespace llmedit {

JobKind augment_job_kind();

}  // namespace llmedit
