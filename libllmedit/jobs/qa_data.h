// QA items for jobs: read from the files a config lists, filtered by split.
#pragma once
#include <string>
#include <vector>

#include "libllmedit/data/qa_dataset.h"
#include "libllmedit/eval/knowledge.h"

namespace llmedit {

// Every item of every file; with `splits` non-empty only items whose split is listed (an item
// without a split counts as "all"). A config error naming `key` when the result is empty.
std::vector<QAItem> read_qa_files(const std::vector<std::string>& files, const std::vector<std::string>& splits,
                                  const std::string& key);

std::vector<KnowledgeItem> to_knowledge_items(const std::vector<QAItem>& items);

}  // namespace llmedit
