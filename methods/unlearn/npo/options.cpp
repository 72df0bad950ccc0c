#include "methods/unlearn/common/options.h"
#include "methods/unlearn/npo/npo.h"

namespace llmedit::unlearn {

void declare_npo_options(ConfigSchema& s) {
  s.option("method.beta", 0.1, "NPO's inverse temperature beta (the reference's 0.1)");
}

void read_npo_options(const nlohmann::json& c, ForgetRetainOptions& o) {
  o.beta = config_get<double>(c, "method.beta");
  require_option(o.beta > 0, "beta", "positive", o.beta);
}

}  // namespace llmedit::unlearn
