#include "methods/unlearn/sure/options.h"

#include "methods/unlearn/common/options.h"

namespace llmedit::unlearn {

void declare_sure_options(ConfigSchema& s) {
  s.option("method.sure_percentile", 99.0,
           "SURE: only rows whose forget-gradient norm is at or above this percentile of all rows' norms are updated");
}

void read_sure_options(const nlohmann::json& c, ForgetRetainOptions& o) {
  o.sure = true;
  o.sure_percentile = config_get<double>(c, "method.sure_percentile");
  require_option(o.sure_percentile >= 0 && o.sure_percentile <= 100, "sure_percentile", "in [0, 100]", o.sure_percentile);
}

}  // namespace llmedit::unlearn
