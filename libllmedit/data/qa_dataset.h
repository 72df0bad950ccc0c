// Question-answer datasets: KnowUnDo JSON, TOFU-style JSONL and the synthetic world's JSONL.
#pragma once
#include <string>
#include <vector>

namespace llmedit {

// One question with its answer. KnowUnDo items fill only `question` and `answer`; TOFU items may
// add the paraphrased/perturbed answers; the world's items add id, key_facts, split and
// paraphrased questions. Absent fields stay empty.
struct QAItem {
  std::string id;
  std::string question;
  std::string answer;
  std::vector<std::string> key_facts;             // the answer's facts, for the `keyfacts` extractor
  std::string split;                              // e.g. "forget", "retain" (the world's own label)
  std::vector<std::string> paraphrased_questions; // JSON "paraphrased_questions" (list) or TOFU's
                                                  // "paraphrased_question" (string), or both
  std::string paraphrased_answer;                 // TOFU "paraphrased_answer"
  std::vector<std::string> perturbed_answers;     // TOFU "perturbed_answer" (list of strings)

  bool operator==(const QAItem& other) const;
  bool operator!=(const QAItem& other) const { return !(*this == other); }
};

// Reads a QA file, detecting the format from its content (not its extension):
//  - a JSON array: KnowUnDo items {"text": question, "labels": answer}, or items in the
//    JSONL schema below;
//  - JSONL, one object per line (blank lines skipped): {"question", "answer"} required, plus the
//    optional "id", "key_facts", "split", "paraphrased_questions", "paraphrased_question",
//    "paraphrased_answer", "perturbed_answer". KnowUnDo's text/labels are accepted per line too.
// The schema (KnowUnDo or question/answer) is fixed by the first item. Unknown fields are ignored.
// Throws data_error (one line naming file, item index, JSONL line, field and value) on a missing
// field, a wrong type, invalid JSON (with its position) or a file with no items.
std::vector<QAItem> read_qa_file(const std::string& path);

// Writes the world's JSONL schema atomically: "id", "question", "answer" always, the other fields
// only when non-empty. read_qa_file reads the result back to equal items.
void write_qa_jsonl(const std::string& path, const std::vector<QAItem>& items);

}  // namespace llmedit
