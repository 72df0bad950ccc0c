#include "libllmedit/jobs/audit_job.h"
#include "libllmedit/jobs/augment_job.h"
#include "libllmedit/jobs/edit_job.h"
#include "libllmedit/jobs/eval_job.h"
#include "libllmedit/jobs/job_registry.h"
#include "libllmedit/jobs/pipeline_job.h"
#include "libllmedit/jobs/probe_job.h"
#include "libllmedit/jobs/temporal_job.h"
#include "libllmedit/jobs/train_job.h"
#include "libllmedit/jobs/unlearn_job.h"

namespace llmedit {

void register_builtin_jobs(JobRegistry& registry) {
  registry.add(train_job_kind());
  registry.add(unlearn_job_kind());
  registry.add(edit_job_kind());
  registry.add(temporal_job_kind());
  registry.add(augment_job_kind());
  registry.add(eval_job_kind());
  registry.add(probe_job_kind());
  registry.add(audit_job_kind());
  registry.add(pipeline_job_kind());
}

}  // namespace llmedit
