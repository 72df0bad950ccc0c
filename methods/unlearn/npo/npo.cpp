#include "methods/unlearn/npo/npo.h"

#include "methods/unlearn/common/family.h"

namespace llmedit::unlearn {

void register_npo_methods(MethodRegistry& registry) {
  ForgetFamily family;
  family.term = ForgetTerm::Npo;
  family.help = "NPO: -(2/beta) mean log sigmoid(beta (nll - nll_ref)) on forget, reference = adapter off";
  family.variants = {{RetainTerm::None, "npo"}, {RetainTerm::Gdr, "npo_gdr"}, {RetainTerm::Klr, "npo_klr"}};
  family.declare = declare_npo_options;
  family.read = read_npo_options;
  register_forget_family(registry, family);
}

}  // namespace llmedit::unlearn
