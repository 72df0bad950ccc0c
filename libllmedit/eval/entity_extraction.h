// Entities of an answer, for ReLearn's entity similarity S. Three extractors behind one
// interface:
//   keyfacts   the dataset's own structured facts: a ground truth's entities are its item's
//              key_facts (items without key facts fall back to `heuristic`); a generated
//              answer's are the key facts it contains plus the heuristic entities of the rest
//   heuristic  offline spans: emails, phone numbers, street addresses, dates, numbers, quoted
//              titles and capitalized spans (names, places, organizations). Lower-case facts
//              (a profession, a genre) are invisible to it.
//   llm        a prompt to a language model (a local model loaded by llmedit, or any completer
//              given as a function), which answers with a comma-separated list
#pragma once
#include <functional>
#include <string>
#include <vector>

namespace llmedit {

struct EntityRequest {
  std::string question;
  std::string text;                    // the answer whose entities are wanted
  std::vector<std::string> key_facts;  // the item's key facts (may be empty)
  bool ground_truth = false;           // `text` is the item's ground-truth answer
};

class EntityExtractor {
 public:
  virtual ~EntityExtractor() = default;
  virtual std::string name() const = 0;
  // One list per request, in order; each list without duplicates (case-insensitive), in order
  // of appearance.
  virtual std::vector<std::vector<std::string>> extract(const std::vector<EntityRequest>& requests) const = 0;
};

// The heuristic spans of `text`, in order of appearance.
std::vector<std::string> heuristic_entities(const std::string& text);

class HeuristicExtractor : public EntityExtractor {
 public:
  std::string name() const override { return "heuristic"; }
  std::vector<std::vector<std::string>> extract(const std::vector<EntityRequest>& requests) const override;
};

class KeyFactsExtractor : public EntityExtractor {
 public:
  std::string name() const override { return "keyfacts"; }
  std::vector<std::vector<std::string>> extract(const std::vector<EntityRequest>& requests) const override;
};

// prompts -> completions, one each, in order.
using TextCompleter = std::function<std::vector<std::string>(const std::vector<std::string>& prompts)>;

class LlmExtractor : public EntityExtractor {
 public:
  LlmExtractor(std::string model_name, TextCompleter complete);
  std::string name() const override { return "llm"; }
  std::vector<std::vector<std::string>> extract(const std::vector<EntityRequest>& requests) const override;

 private:
  std::string model_name_;
  TextCompleter complete_;
};

// The extraction prompt (in the spirit of ReLearn's: named entities and core nouns, none that the
// question already mentions, answered as comma-separated values).
std::string entity_prompt(const std::string& question, const std::string& text);
// "a, b,\n c." -> {"a", "b", "c"}: split on commas and newlines, surrounding spaces, quotes,
// brackets, list bullets and a final period trimmed, empty and repeated entries dropped.
std::vector<std::string> parse_entity_list(const std::string& completion);

}  // namespace llmedit
