// job "pipeline": runs other jobs' configs one after another as steps of one run, each in
// <run>/steps/<name>/, and compares their metrics in one table (summary.md). A step's overrides
// may name an earlier step's folder as ${steps.<name>} (e.g. the augment step's augmented.jsonl
// as relearn's data.forget, or an unlearn step's model/ for an audit). `llmedit run --resume`
// skips finished steps (those with metrics.json) and resumes the interrupted one.
#pragma once
#include "libllmedit/jobs/job_registry.h"

namespace llmedit {

JobKind pipeline_job_kind();

}  // namespace llmedit
