// job "unlearn": load a model and the forget/retain QA files, attach a LoRA adapter (default) or
// train every weight, run the unlearning method method.name picks from the MethodRegistry, save
// the model (or adapter), and report the answer loss and knowledge accuracy on forget and retain.
#pragma once
#include "libllmedit/jobs/job_registry.h"

namespace llmedit {

JobKind unlearn_job_kind();

}  // namespace llmedit
