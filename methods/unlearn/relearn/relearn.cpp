#include "methods/unlearn/relearn/relearn.h"

#include "methods/unlearn/common/family.h"

namespace llmedit::unlearn {

void register_relearn_methods(MethodRegistry& registry) {
  ForgetFamily family;
  family.term = ForgetTerm::Relearn;
  family.help = "ReLearn: CE(augmented forget)";
  family.variants = {{RetainTerm::GdrKlr, "relearn"}, {RetainTerm::Gdr, "relearn_gdr"}, {RetainTerm::Klr, "relearn_klr"}};
  // The reference's kud-relearn.sh: learning rate 1e-5, 4 epochs, batch 1 with 4 accumulation steps.
  family.defaults.num_train_epochs = 4;
  family.defaults.gradient_accumulation_steps = 4;
  register_forget_family(registry, family);  // ReLearn has no options of its own beyond the weights
}

}  // namespace llmedit::unlearn
