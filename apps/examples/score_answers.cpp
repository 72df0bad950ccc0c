// Per-token log-probabilities of the answers in a QA file, each after its question in the model's
// prompt format: the building block of most unlearning and editing measurements.
//   score_answers MODEL_DIR QA_FILE [N]     (the first N items, default 3; one JSON line each)
#include <libllmedit/llmedit.h>

#include <algorithm>
#include <iostream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

int main(int argc, char** argv) {
  size_t count = 3;
  if (argc < 3 || argc > 4 || (argc == 4 && !(std::istringstream(argv[3]) >> count))) {
    std::cerr << "usage: score_answers MODEL_DIR QA_FILE [N]\n";
    return 2;
  }
  try {
    llmedit::Pretrained lm = llmedit::load_pretrained(argv[1]);
    const llmedit::QACollator collator(*lm.tokenizer, lm.chat_template);
    std::vector<llmedit::QAItem> items = llmedit::read_qa_file(argv[2]);
    items.resize(std::min(items.size(), count));

    std::vector<std::pair<std::string, std::string>> pairs;
    for (const llmedit::QAItem& item : items) pairs.emplace_back(item.question, item.answer);
    const std::vector<llmedit::AnswerLogprobs> scored = llmedit::answer_logprobs(*lm.model, collator, pairs);

    for (size_t i = 0; i < items.size(); ++i) {
      nlohmann::json tokens = nlohmann::json::array();
      for (size_t t = 0; t < scored[i].token_ids.size(); ++t)
        tokens.push_back({{"token", lm.tokenizer->id_to_piece(scored[i].token_ids[t])},
                          {"logprob", scored[i].logprobs[t]}});
      const nlohmann::json line = {{"question", items[i].question}, {"answer", items[i].answer},
                                   {"tokens", tokens}, {"total", scored[i].total()}};
      std::cout << line.dump() << "\n";
    }
  } catch (const llmedit::Error& e) {
    std::cerr << "score_answers: " << e.what() << "\n";
    return e.exit_code();
  } catch (const std::exception& e) {  // e.g. malformed JSON read back
    std::cerr << "score_answers: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
