#include "methods/unlearn/simnpo/simnpo.h"

#include "methods/unlearn/common/family.h"

namespace llmedit::unlearn {

void register_simnpo_methods(MethodRegistry& registry) {
  ForgetFamily family;
  family.term = ForgetTerm::SimNpo;
  family.help = "SimNPO: -(2/beta) mean log sigmoid(beta (nll/|y| - delta)) on forget, no reference model";
  family.variants = {{RetainTerm::None, "simnpo"}};
  family.declare = declare_simnpo_options;
  family.read = read_simnpo_options;
  register_forget_family(registry, family);
}

}  // namespace llmedit::unlearn
