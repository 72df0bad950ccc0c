// Picks the tokenizer.json model implementation by its type.
#include "libllmedit/tokenizer/subword_model.h"

#include "libllmedit/tokenizer/bpe_model.h"
#include "libllmedit/tokenizer/wordpiece_model.h"

namespace llmedit {

namespace {

// BpeModel keeps its own (non-virtual) interface: its merge loop is the hot path.
class BpeSubwordModel final : public SubwordModel {
 public:
  BpeSubwordModel(const nlohmann::json& model, const tokenizer_json::Context& ctx) : bpe_(model, ctx) {}
  void tokenize(const std::string& word, std::vector<int64_t>& ids) const override { bpe_.tokenize(word, ids); }
  int64_t token_to_id(const std::string& token) const override { return bpe_.token_to_id(token); }
  const std::string* id_to_token(int64_t id) const override { return bpe_.id_to_token(id); }
  int64_t max_id() const override { return bpe_.max_id(); }

 private:
  BpeModel bpe_;
};

}  // namespace

std::unique_ptr<SubwordModel> make_subword_model(const nlohmann::json& model, const tokenizer_json::Context& ctx) {
  const bool wordpiece = model.is_object() && model.contains("type") && model["type"] == "WordPiece";
  if (wordpiece) return std::make_unique<WordPieceModel>(model, ctx);
  return std::make_unique<BpeSubwordModel>(model, ctx);
}

}  // namespace llmedit
