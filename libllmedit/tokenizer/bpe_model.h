// The BPE model of tokenizer.json: vocabulary, ranked merges, byte fallback, unknown tokens.
#pragma once
#include <array>
#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "libllmedit/tokenizer/json_context.h"

namespace llmedit {

class BpeModel {
 public:
  // `model` is the "model" object of a tokenizer.json; its type must be "BPE".
  BpeModel(const nlohmann::json& model, const tokenizer_json::Context& ctx);

  // Appends the ids of one pre-tokenized word, exactly as `tokenizers` merges it.
  void tokenize(const std::string& word, std::vector<int64_t>& ids) const;

  int64_t token_to_id(const std::string& token) const;  // -1 when absent
  const std::string* id_to_token(int64_t id) const;     // nullptr when absent
  int64_t max_id() const { return static_cast<int64_t>(tokens_.size()) - 1; }

 private:
  // (left id, right id) -> (rank, merged id), open addressing: this is the inner loop.
  class MergeTable {
   public:
    void reserve(size_t count);
    void insert(int32_t left, int32_t right, int32_t rank, int32_t merged);
    // Returns false when the pair has no merge.
    bool find(int32_t left, int32_t right, int32_t& rank, int32_t& merged) const;

   private:
    struct Slot {
      uint64_t key = ~uint64_t{0};
      int32_t rank = 0, merged = 0;
    };
    std::vector<Slot> slots_;
    size_t mask_ = 0;
  };

  struct Symbol {
    int32_t id;
    int32_t prev, next;
    uint32_t length;  // bytes of the word it covers; 0 once merged into its left neighbour
  };

  void load_vocab(const nlohmann::json& vocab, const tokenizer_json::Context& ctx);
  void load_merges(const nlohmann::json& merges, const tokenizer_json::Context& ctx);
  void initial_symbols(const std::string& word, std::vector<Symbol>& symbols) const;
  void merge(std::vector<Symbol>& symbols) const;
  void tokenize_piece(const std::string& piece, std::vector<int64_t>& ids) const;
  bool metaspace_boundaries_are_safe() const;

  std::unordered_map<std::string, int32_t> vocab_;
  std::vector<std::string> tokens_;  // by id; empty for ids the vocabulary skips
  MergeTable merges_;
  std::vector<int32_t> char_ids_;    // BMP code point -> id of that one-character token, or -1
  std::array<int32_t, 256> byte_ids_;  // byte -> id of "<0xNN>", or -1
  int32_t unk_id_ = -1;
  bool fuse_unk_ = false, byte_fallback_ = false, ignore_merges_ = false;
  std::string prefix_, suffix_;  // continuing_subword_prefix, end_of_word_suffix
  bool split_before_metaspace_ = false;

  // Recently seen words -> ids (words repeat a lot in real text).
  mutable std::mutex cache_mutex_;
  mutable std::unordered_map<std::string, std::vector<int32_t>> cache_;
};

}  // namespace llmedit
