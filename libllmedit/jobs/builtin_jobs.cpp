#include "libllmedit/jobs/eval_job.h"
#include "libllmedit/jobs/job_registry.h"
#include "libllmedit/jobs/multiple_choice_job.h"
#include "libllmedit/jobs/probe_job.h"
#include "libllmedit/jobs/train_job.h"
#include "libllmedit/jobs/unlearn_job.h"

namespace llmedit {

void register_builtin_jobs(JobRegistry& registry) {
  registry.add(train_job_kind());
  registry.add(unlearn_job_kind());
  registry.add(eval_job_kind());
  registry.add(multiple_choice_job_kind());
  registry.add(probe_job_kind());
}

}  // namespace llmedit
