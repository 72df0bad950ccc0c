// SentencePiece models: encoding and decoding are libsentencepiece's; special tokens and the
// add_special_tokens rules follow transformers' Llama tokenizer.
#include "libllmedit/tokenizer/sentencepiece_tokenizer.h"

#include <algorithm>

#include "libllmedit/core/error.h"

namespace llmedit {

namespace {

const std::string kMetaspace = "\xE2\x96\x81";

}  // namespace

SentencePieceTokenizer::SentencePieceTokenizer(const std::string& model_file, const TokenizerConfig& config)
    : file_(model_file), sp_(std::make_unique<SentencePieceProcessor>(model_file)) {
  const auto configured = [&](const std::optional<std::string>& token, const char* key, int fallback) -> int64_t {
    if (!token) return fallback;
    const int64_t id = piece_to_id(*token);
    if (id < 0) throw data_error(config.file + ": field '" + key + "': '" + *token + "' is not a piece of " + model_file);
    return id;
  };
  bos_id_ = configured(config.bos_token, "bos_token", sp_->bos_id());
  eos_id_ = configured(config.eos_token, "eos_token", sp_->eos_id());
  pad_id_ = configured(config.pad_token, "pad_token", sp_->pad_id());
  add_bos_ = config.add_bos_token.value_or(true);
  add_eos_ = config.add_eos_token.value_or(false);
  for (int id = 0; id < sp_->piece_size(); ++id)
    if (is_special(id)) special_pieces_.emplace_back(sp_->id_to_piece(id), id);
  std::stable_sort(special_pieces_.begin(), special_pieces_.end(),
                   [](const auto& a, const auto& b) { return a.first.size() > b.first.size(); });
}

SentencePieceTokenizer::~SentencePieceTokenizer() = default;

bool SentencePieceTokenizer::is_special(int64_t id) const {
  const int i = static_cast<int>(id);
  return sp_->is_control(i) || sp_->is_unknown(i);
}

std::vector<int64_t> SentencePieceTokenizer::encode(const std::string& text, bool add_special_tokens) const {
  const std::vector<int> pieces = sp_->encode(text);
  std::vector<int64_t> ids;
  if (add_special_tokens && add_bos_ && bos_id_ >= 0) ids.push_back(bos_id_);
  ids.insert(ids.end(), pieces.begin(), pieces.end());
  if (add_special_tokens && add_eos_ && eos_id_ >= 0) ids.push_back(eos_id_);
  return ids;
}

// Cuts at the written-out special pieces ("<s>", "</s>", "<unk>") and encodes the text
// between them, as transformers' slow tokenizers do with their added-token trie.
std::vector<int64_t> SentencePieceTokenizer::encode_rendered(const std::string& text) const {
  std::vector<int64_t> ids;
  size_t start = 0;
  for (size_t pos = 0; pos < text.size();) {
    const auto hit = std::find_if(special_pieces_.begin(), special_pieces_.end(),
                                  [&](const auto& special) { return text.compare(pos, special.first.size(), special.first) == 0; });
    if (hit == special_pieces_.end()) {
      ++pos;
      continue;
    }
    if (pos > start) {
      const auto part = encode(text.substr(start, pos - start), false);
      ids.insert(ids.end(), part.begin(), part.end());
    }
    ids.push_back(hit->second);
    pos += hit->first.size();
    start = pos;
  }
  if (start < text.size()) {
    const auto part = encode(text.substr(start), false);
    ids.insert(ids.end(), part.begin(), part.end());
  }
  return ids;
}

// SentencePiece drops the space of a leading "▁" only at the start of the text; a run that
// follows a written-out special piece keeps it, as Hugging Face's decoders do.
std::string SentencePieceTokenizer::decode_run(const std::vector<int>& run, bool at_start) const {
  std::string text = sp_->decode(run);
  if (!at_start && sp_->id_to_piece(run.front()).compare(0, kMetaspace.size(), kMetaspace) == 0) text.insert(0, 1, ' ');
  return text;
}

std::string SentencePieceTokenizer::decode(const std::vector<int64_t>& ids, bool skip_special_tokens) const {
  std::string text;
  std::vector<int> run;
  for (int64_t id : ids) {
    if (id < 0 || id >= vocab_size()) continue;
    if (!sp_->is_control(static_cast<int>(id))) {
      run.push_back(static_cast<int>(id));
      continue;
    }
    if (!run.empty()) text += decode_run(run, text.empty());
    run.clear();
    if (!skip_special_tokens) text += sp_->id_to_piece(static_cast<int>(id));
  }
  if (!run.empty()) text += decode_run(run, text.empty());
  return text;
}

std::string SentencePieceTokenizer::id_to_piece(int64_t id) const {
  if (id < 0 || id >= vocab_size()) return "";
  return sp_->id_to_piece(static_cast<int>(id));
}

int64_t SentencePieceTokenizer::piece_to_id(const std::string& piece) const {
  const int id = sp_->piece_to_id(piece);
  return sp_->id_to_piece(id) == piece ? id : -1;  // unknown pieces map to <unk>'s id
}

int64_t SentencePieceTokenizer::vocab_size() const { return sp_->piece_size(); }

}  // namespace llmedit
