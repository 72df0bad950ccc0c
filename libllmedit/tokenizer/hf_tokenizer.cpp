// The tokenizer.json pipeline: added tokens -> normalizer -> pre-tokenizer -> BPE or
// WordPiece -> post-processor, and back through the decoder.
#include "libllmedit/tokenizer/hf_tokenizer.h"

#include <fstream>

#include "libllmedit/tokenizer/unicode.h"

namespace llmedit {

using tokenizer_json::Context;

namespace {

nlohmann::json read_json(const std::string& file) {
  std::ifstream in(file);
  if (!in) throw data_error(file + ": cannot open");
  try {
    return nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    throw data_error(file + ": invalid JSON: " + e.what());
  }
}

const nlohmann::json& member_or_null(const nlohmann::json& object, const char* key) {
  static const nlohmann::json null_value;
  const auto it = object.find(key);
  return it == object.end() ? null_value : *it;
}

// transformers' layout for tokenizers that add BOS/EOS themselves (LlamaTokenizerFast's
// update_post_processor): bos A eos bos B eos, the second half typed 1.
std::vector<TemplatePiece> bos_eos_pair(const SpecialTokenFrame& frame) {
  using Kind = TemplatePiece::Kind;
  std::vector<TemplatePiece> pair;
  for (const auto& [kind, type_id] : {std::pair{Kind::SequenceA, 0}, std::pair{Kind::SequenceB, 1}}) {
    if (!frame.prefix.empty()) pair.push_back({Kind::Special, frame.prefix, type_id});
    pair.push_back({kind, {}, type_id});
    if (!frame.suffix.empty()) pair.push_back({Kind::Special, frame.suffix, type_id});
  }
  return pair;
}

}  // namespace

HfTokenizer::HfTokenizer(const std::string& tokenizer_json, const TokenizerConfig& config) : file_(tokenizer_json) {
  const nlohmann::json json = read_json(tokenizer_json);
  const Context root{tokenizer_json, ""};
  if (!json.is_object()) root.fail("not a JSON object");
  // "truncation" and "padding" are ignored, as transformers disables them unless asked.
  const auto model = json.find("model");
  if (model == json.end()) root.at("model").fail("missing");
  model_ = make_subword_model(*model, root.at("model"));
  normalizer_ = make_normalizer(member_or_null(json, "normalizer"), root.at("normalizer"));
  pre_tokenizer_ = make_pre_tokenizer(member_or_null(json, "pre_tokenizer"), root.at("pre_tokenizer"));
  decoder_ = make_decoder(member_or_null(json, "decoder"), root.at("decoder"));
  frame_ = make_post_processor(member_or_null(json, "post_processor"), root.at("post_processor"));
  added_ = AddedVocabulary(member_or_null(json, "added_tokens"), normalizer_.get(), model_->max_id() + 1,
                           root.at("added_tokens"));

  bos_id_ = config_token_id(config.bos_token, config, "bos_token");
  eos_id_ = config_token_id(config.eos_token, config, "eos_token");
  pad_id_ = config_token_id(config.pad_token, config, "pad_token");
  if (config.add_bos_token || config.add_eos_token) {
    frame_ = {};
    if (config.add_bos_token.value_or(false) && bos_id_ >= 0) frame_.prefix.push_back(bos_id_);
    if (config.add_eos_token.value_or(false) && eos_id_ >= 0) frame_.suffix.push_back(eos_id_);
    frame_.pair = bos_eos_pair(frame_);
  }
}

int64_t HfTokenizer::config_token_id(const std::optional<std::string>& token, const TokenizerConfig& config,
                                     const char* key) const {
  if (!token) return -1;
  const int64_t id = piece_to_id(*token);
  if (id < 0) Context{config.file, key}.fail("'" + *token + "' is not a token of the tokenizer");
  return id;
}

void HfTokenizer::encode_piece(const TextPiece& piece, std::vector<int64_t>& ids) const {
  TextPiece normalized{normalizer_ ? normalizer_->normalize(piece.text) : piece.text, -1, piece.at_text_start};
  std::vector<TextPiece> parts;
  added_.split(normalized, /*normalized_tokens=*/true, parts);
  std::vector<std::string> words;
  for (const TextPiece& part : parts) {
    if (part.id >= 0) {
      ids.push_back(part.id);
      continue;
    }
    words.assign(1, part.text);
    if (pre_tokenizer_) pre_tokenizer_->split(words, part.at_text_start);
    for (const std::string& word : words) model_->tokenize(word, ids);
  }
}

std::vector<int64_t> HfTokenizer::encode(const std::string& text, bool add_special_tokens) const {
  std::vector<int64_t> ids;
  if (add_special_tokens) ids = frame_.prefix;
  std::vector<TextPiece> pieces;
  added_.split({unicode::from_utf8_lossy(text), -1, true}, /*normalized_tokens=*/false, pieces);
  for (const TextPiece& piece : pieces) {
    if (piece.id >= 0) ids.push_back(piece.id);
    else encode_piece(piece, ids);
  }
  if (add_special_tokens) ids.insert(ids.end(), frame_.suffix.begin(), frame_.suffix.end());
  return ids;
}

PairEncoding HfTokenizer::encode_pair(const std::string& a, const std::string& b, bool add_special_tokens) const {
  using Kind = TemplatePiece::Kind;
  const std::vector<int64_t> ids_a = encode(a, false), ids_b = encode(b, false);
  const std::vector<TemplatePiece> layout = add_special_tokens ? frame_.pair : SpecialTokenFrame::plain_pair();
  if (layout.empty()) throw data_error(file_ + ": field 'post_processor': no template for pairs of texts");
  PairEncoding out;
  for (const TemplatePiece& piece : layout) {
    const std::vector<int64_t>& ids = piece.kind == Kind::SequenceA ? ids_a : piece.kind == Kind::SequenceB ? ids_b : piece.ids;
    out.ids.insert(out.ids.end(), ids.begin(), ids.end());
    out.type_ids.insert(out.type_ids.end(), ids.size(), piece.type_id);
  }
  return out;
}

// Like `tokenizers`: ids without a token are dropped, and added tokens go through the decoder
// together with the rest.
std::string HfTokenizer::decode(const std::vector<int64_t>& ids, bool skip_special_tokens) const {
  std::vector<std::string> tokens;
  tokens.reserve(ids.size());
  for (int64_t id : ids) {
    if (const AddedToken* added = added_.find(id)) {
      if (!(skip_special_tokens && added->special)) tokens.push_back(added->content);
    } else if (const std::string* token = model_->id_to_token(id)) {
      tokens.push_back(*token);
    }
  }
  return decode_tokens(decoder_.get(), std::move(tokens));
}

std::string HfTokenizer::id_to_piece(int64_t id) const {
  if (const AddedToken* added = added_.find(id)) return added->content;
  const std::string* token = model_->id_to_token(id);
  return token ? *token : std::string();
}

int64_t HfTokenizer::piece_to_id(const std::string& piece) const {
  if (const AddedToken* added = added_.find(piece)) return added->id;
  return model_->token_to_id(piece);
}

int64_t HfTokenizer::vocab_size() const { return std::max(model_->max_id(), added_.max_id()) + 1; }

}  // namespace llmedit
