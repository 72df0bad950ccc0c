// The subject of a QA item and the relation its question asks about, for ReLearn's
// subject-keeping augmentation (Xu et al. 2025: a vague answer must stay about the same person).
//
// The ReLearn pipeline lives in libllmedit (not methods/) because jobs may not include methods/:
// the `augment` job builds the data that the `relearn` methods then train on.
#pragma once
#include <string>

#include "libllmedit/data/qa_dataset.h"

namespace llmedit::augment {

// The person or organization a question is about: the longest capitalized span of the question
// (sentence-initial question words dropped) that is not one of the item's key facts (those are
// the sensitive parts), preferring spans the answer repeats. "" when the question has none.
std::string find_subject(const QAItem& item);

// What the question asks about `subject`, as a noun phrase: "home address" for "What is the home
// address of S?" or "What is S's home address?", "birthplace" for "Where was S born?", "books"
// for "Which books did S write?". "" when no pattern fits.
std::string find_relation(const std::string& question, const std::string& subject);

}  // namespace llmedit::augment
