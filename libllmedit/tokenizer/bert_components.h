// The BERT text steps of a tokenizer.json: BertNormalizer and BertPreTokenizer, with the
// semantics of Hugging Face `tokenizers` (normalizers/bert.rs, pre_tokenizers/bert.rs). The
// WordPiece model is in wordpiece_model.h, its decoder in decoder.cpp.
#pragma once
#include <memory>

#include "libllmedit/tokenizer/normalizer.h"
#include "libllmedit/tokenizer/pretokenizer.h"

namespace llmedit {

// {"type": "BertNormalizer", "clean_text", "handle_chinese_chars", "strip_accents", "lowercase"}.
std::unique_ptr<Normalizer> make_bert_normalizer(const nlohmann::json& spec, const tokenizer_json::Context& ctx);
// {"type": "BertPreTokenizer"}: split at white space (dropped) and around each punctuation mark.
std::unique_ptr<PreTokenizer> make_bert_pre_tokenizer();

}  // namespace llmedit
