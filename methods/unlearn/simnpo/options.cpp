#include "methods/unlearn/common/options.h"
#include "methods/unlearn/simnpo/simnpo.h"

namespace llmedit::unlearn {

void declare_simnpo_options(ConfigSchema& s) {
  s.option("method.beta", 4.5, "SimNPO's inverse temperature beta (the paper's 4.5)");
  s.option("method.delta", 0.0, "SimNPO's reward margin delta (per-token NLL)");
}

void read_simnpo_options(const nlohmann::json& c, ForgetRetainOptions& o) {
  o.beta = config_get<double>(c, "method.beta");
  o.delta = config_get<double>(c, "method.delta");
  require_option(o.beta > 0, "beta", "positive", o.beta);
}

}  // namespace llmedit::unlearn
