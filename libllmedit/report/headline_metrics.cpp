#include "libllmedit/report/headline_metrics.h"

namespace llmedit {

namespace {

const std::vector<ComparisonColumn>& known_columns() {
  static const std::vector<ComparisonColumn> columns = {
      {"KFR", "unlearning.KFR"},
      {"KRR", "unlearning.KRR"},
      {"LS forget", "unlearning.LS_forget"},
      {"LS retain", "unlearning.LS_retain"},
      {"ROUGE-L forget", "unlearning.forget.rougeL_recall"},
      {"ROUGE-L retain", "unlearning.retain.rougeL_recall"},
      {"know. acc. forget", "knowledge_accuracy.forget"},
      {"know. acc. retain", "knowledge_accuracy.retain"},
      {"know. acc. holdout", "knowledge_accuracy.holdout"},
      {"MC acc.", "mc.accuracy.micro"},
      {"answer NLL forget", "answer_loss.forget.after"},
      {"efficacy", "post.efficacy"},
      {"paraphrase", "post.paraphrase"},
      {"neighborhood", "post.neighborhood"},
      {"train loss", "train.final_loss"},
      {"unlearn loss", "unlearn.final_loss"},
      {"probe R² (LS-SVR)", "best.ls_svr.r2"},
  };
  return columns;
}

}  // namespace

std::vector<ComparisonColumn> headline_columns(const std::vector<nlohmann::json>& metrics) {
  std::vector<ComparisonColumn> present;
  for (const ComparisonColumn& column : known_columns())
    for (const nlohmann::json& m : metrics)
      if (json_at_dotted(m, column.key).is_number()) {
        present.push_back(column);
        break;
      }
  return present;
}

}  // namespace llmedit
