// The Tokenizer interface: text <-> ids for every model llmedit loads.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace llmedit {

// The ids of a pair of texts and the token type id (segment) of each.
struct PairEncoding {
  std::vector<int64_t> ids;
  std::vector<int64_t> type_ids;
};

class Tokenizer {
 public:
  virtual ~Tokenizer() = default;

  // add_special_tokens: prepend BOS (when the tokenizer's config asks for it) and apply the
  // post-processor template, as Hugging Face's `encode(text, add_special_tokens=True)`.
  virtual std::vector<int64_t> encode(const std::string& text, bool add_special_tokens) const = 0;
  // Encodes text rendered by a chat template, in which special tokens are written out (e.g.
  // "<|eot_id|>", "<s>"): they become their ids, as transformers' apply_chat_template does.
  // tokenizer.json tokenizers match special tokens in any text, so this is encode(text, false);
  // SentencePiece ones (whose plain encode treats "<s>" as text) split on them first.
  virtual std::vector<int64_t> encode_rendered(const std::string& text) const { return encode(text, false); }
  // Encodes a pair (sentence A, sentence B), as Hugging Face's `encode(a, b)`: with special
  // tokens, in the post-processor's pair layout (BERT: [CLS] A [SEP] B [SEP], B typed 1).
  // Tokenizers without pair support throw a data error.
  virtual PairEncoding encode_pair(const std::string& a, const std::string& b, bool add_special_tokens = true) const;

  // skip_special_tokens as in Hugging Face's `decode`; ids outside the vocabulary are dropped.
  virtual std::string decode(const std::vector<int64_t>& ids, bool skip_special_tokens = false) const = 0;

  virtual std::string id_to_piece(int64_t id) const = 0;  // "" when absent
  virtual int64_t piece_to_id(const std::string& piece) const = 0;  // -1 when absent
  virtual int64_t vocab_size() const = 0;

  // -1 when the tokenizer has no such token.
  virtual int64_t bos_id() const = 0;
  virtual int64_t eos_id() const = 0;
  virtual int64_t pad_id() const = 0;
};

// Loads from a folder (tokenizer.json first, else tokenizer.model, plus tokenizer_config.json
// when present) or a direct path to a tokenizer.json / .model file. Throws a data error naming
// the file and field on anything unsupported.
std::unique_ptr<Tokenizer> load_tokenizer(const std::string& path);

}  // namespace llmedit
