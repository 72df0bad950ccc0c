#include "methods/register.h"

#include "methods/edit/ft/ft.h"
#include "methods/edit/memit/memit.h"
#include "methods/edit/rome/rome.h"
#include "methods/temporal/meto/meto.h"
#include "methods/unlearn/ga/ga.h"
#include "methods/unlearn/npo/npo.h"
#include "methods/unlearn/relearn/relearn.h"
#include "methods/unlearn/simnpo/simnpo.h"

namespace llmedit {

void register_builtin_methods(MethodRegistry& registry) {
  unlearn::register_ga_methods(registry);
  unlearn::register_npo_methods(registry);
  unlearn::register_simnpo_methods(registry);
  unlearn::register_relearn_methods(registry);
  edit::register_rome(registry);
  edit::register_memit(registry);
  edit::register_ft(registry);
  temporal::register_meto(registry);
}

}  // namespace llmedit
