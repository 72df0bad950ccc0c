#include "methods/unlearn/ga/ga.h"

#include "methods/unlearn/common/family.h"

namespace llmedit::unlearn {

void register_ga_methods(MethodRegistry& registry) {
  ForgetFamily family;
  family.term = ForgetTerm::GradientAscent;
  family.help = "gradient ascent: -CE(forget)";
  family.variants = {{RetainTerm::None, "ga"}, {RetainTerm::Gdr, "ga_gdr"}, {RetainTerm::Klr, "ga_klr"}};
  register_forget_family(registry, family);  // GA has no options of its own
}

}  // namespace llmedit::unlearn
