#include "methods/unlearn/common/family.h"

#include "methods/unlearn/common/options.h"
#include "methods/unlearn/sure/options.h"

namespace llmedit::unlearn {

namespace {

std::string retain_help(RetainTerm retain) {
  switch (retain) {
    case RetainTerm::None: return "";
    case RetainTerm::Gdr: return " + CE(retain)";
    case RetainTerm::Klr: return " + KL(ref||theta) on retain";
  }
  return "";
}

UnlearnerSpec family_spec(const ForgetFamily& family, RetainTerm retain, bool sure) {
  UnlearnerSpec spec;
  spec.name = method_name(family.term, retain, sure);
  spec.help = family.help + retain_help(retain) + (sure ? ", SURE saliency-masked" : "");
  spec.declare = [family, retain, sure](ConfigSchema& s) {
    declare_training_options(s);
    if (family.declare) family.declare(s);
    declare_retain_options(s, retain);
    if (sure) declare_sure_options(s);
  };
  spec.create = [family, retain, sure](const nlohmann::json& c) -> std::unique_ptr<Unlearner> {
    ForgetRetainOptions o;
    o.forget = family.term;
    read_training_options(c, o);
    if (family.read) family.read(c, o);
    read_retain_options(c, retain, o);
    if (sure) read_sure_options(c, o);
    return std::make_unique<ForgetRetainUnlearner>(o);
  };
  return spec;
}

}  // namespace

void register_forget_family(MethodRegistry& registry, const ForgetFamily& family) {
  for (RetainTerm retain : family.retain_terms)
    for (bool sure : {false, true}) registry.add(family_spec(family, retain, sure));
}

}  // namespace llmedit::unlearn
