#include "libllmedit/jobs/qa_data.h"

#include <algorithm>

#include "libllmedit/core/error.h"

namespace llmedit {

std::vector<QAItem> read_qa_files(const std::vector<std::string>& files, const std::vector<std::string>& splits,
                                  const std::string& key) {
  std::vector<QAItem> out;
  for (const std::string& file : files) {
    for (QAItem& item : read_qa_file(file)) {
      const std::string split = item.split.empty() ? "all" : item.split;
      if (splits.empty() || std::find(splits.begin(), splits.end(), split) != splits.end()) out.push_back(std::move(item));
    }
  }
  if (out.empty() && !files.empty()) {
    std::string wanted;
    for (const std::string& s : splits) wanted += (wanted.empty() ? "" : ", ") + s;
    throw config_error(key + ": no QA items in the listed files" + (splits.empty() ? "" : " with split " + wanted));
  }
  return out;
}

std::vector<KnowledgeItem> to_knowledge_items(const std::vector<QAItem>& items) {
  std::vector<KnowledgeItem> out;
  for (const QAItem& item : items) out.push_back({item.id, item.split, item.question, item.answer, item.key_facts});
  return out;
}

}  // namespace llmedit
