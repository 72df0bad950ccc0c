#include "methods/unlearn/common/family.h"

#include "methods/unlearn/sure/options.h"

namespace llmedit::unlearn {

namespace {

std::string retain_help(RetainTerm retain) {
  switch (retain) {
    case RetainTerm::None: return "";
    case RetainTerm::Gdr: return " + CE(retain)";
    case RetainTerm::Klr: return " + KL(ref||theta) on retain";
    case RetainTerm::GdrKlr: return " + CE(retain) + KL(ref||theta) on retain";
  }
  return "";
}

UnlearnerSpec family_spec(const ForgetFamily& family, RetainTerm retain, const std::string& base_name, bool sure) {
  UnlearnerSpec spec;
  spec.name = sure ? base_name + "_sure" : base_name;
  spec.help = family.help + retain_help(retain) + (sure ? ", SURE saliency-masked" : "");
  spec.declare = [family, retain, sure](ConfigSchema& s) {
    declare_training_options(s, family.defaults);
    if (family.declare) family.declare(s);
    declare_retain_options(s, retain);
    if (sure) declare_sure_options(s);
  };
  spec.create = [family, retain, sure, name = spec.name](const nlohmann::json& c) -> std::unique_ptr<Unlearner> {
    ForgetRetainOptions o;
    o.name = name;
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
  for (const auto& [retain, name] : family.variants)
    for (bool sure : {false, true}) registry.add(family_spec(family, retain, name, sure));
}

}  // namespace llmedit::unlearn
