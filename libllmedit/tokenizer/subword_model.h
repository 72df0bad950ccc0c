// The "model" of a tokenizer.json behind one interface: BPE or WordPiece turn one
// pre-tokenized word into ids and map ids back to token strings.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "libllmedit/tokenizer/json_context.h"

namespace llmedit {

class SubwordModel {
 public:
  virtual ~SubwordModel() = default;
  // Appends the ids of one pre-tokenized word.
  virtual void tokenize(const std::string& word, std::vector<int64_t>& ids) const = 0;
  virtual int64_t token_to_id(const std::string& token) const = 0;  // -1 when absent
  virtual const std::string* id_to_token(int64_t id) const = 0;     // nullptr when absent
  virtual int64_t max_id() const = 0;
};

// By the model's "type": "WordPiece", else BPE (whose loader names any other type as unsupported).
std::unique_ptr<SubwordModel> make_subword_model(const nlohmann::json& model, const tokenizer_json::Context& ctx);

}  // namespace llmedit
