// BPE as Hugging Face `tokenizers` runs it: characters (or byte-fallback / unknown tokens)
// are merged pair by pair, lowest merge rank first, leftmost first among equal ranks.
#include "libllmedit/tokenizer/bpe_model.h"

#include <queue>

#include "libllmedit/tokenizer/unicode.h"

namespace llmedit {

using tokenizer_json::Context;

namespace {

constexpr size_t kCacheCapacity = 1 << 16;
constexpr size_t kMaxCachedWordBytes = 256;  // longer words are rare and would bloat the cache
const std::string kMetaspace = "\xE2\x96\x81";  // U+2581, SentencePiece's space

uint64_t pair_key(int32_t left, int32_t right) {
  return (static_cast<uint64_t>(static_cast<uint32_t>(left)) << 32) | static_cast<uint32_t>(right);
}

size_t hash_key(uint64_t key) {
  key ^= key >> 33;
  key *= 0xff51afd7ed558ccdULL;
  key ^= key >> 33;
  return static_cast<size_t>(key);
}

bool metaspace_at(const std::string& text, size_t pos) { return text.compare(pos, kMetaspace.size(), kMetaspace) == 0; }

}  // namespace

// ---------------------------------------------------------------- MergeTable

void BpeModel::MergeTable::reserve(size_t count) {
  size_t capacity = 16;
  while (capacity < count * 2) capacity <<= 1;
  slots_.assign(capacity, Slot{});
  mask_ = capacity - 1;
}

void BpeModel::MergeTable::insert(int32_t left, int32_t right, int32_t rank, int32_t merged) {
  const uint64_t key = pair_key(left, right);
  for (size_t i = hash_key(key) & mask_;; i = (i + 1) & mask_) {
    Slot& slot = slots_[i];
    if (slot.key == key || slot.key == ~uint64_t{0}) {
      slot = {key, rank, merged};  // a repeated pair takes the later rank, as in `tokenizers`
      return;
    }
  }
}

bool BpeModel::MergeTable::find(int32_t left, int32_t right, int32_t& rank, int32_t& merged) const {
  const uint64_t key = pair_key(left, right);
  for (size_t i = hash_key(key) & mask_;; i = (i + 1) & mask_) {
    const Slot& slot = slots_[i];
    if (slot.key == key) {
      rank = slot.rank;
      merged = slot.merged;
      return true;
    }
    if (slot.key == ~uint64_t{0}) return false;
  }
}

// ---------------------------------------------------------------- loading

BpeModel::BpeModel(const nlohmann::json& model, const Context& ctx) {
  const std::string type = tokenizer_json::type_of(model, ctx);
  if (type != "BPE") tokenizer_json::unsupported_type(type, ctx);
  const auto dropout = model.find("dropout");
  if (dropout != model.end() && !dropout->is_null() && !(dropout->is_number() && dropout->get<double>() == 0.0))
    ctx.at("dropout").fail("BPE dropout is not supported");
  const auto optional_string = [&](const char* key) {
    const auto it = model.find(key);
    return (it == model.end() || it->is_null()) ? std::string() : tokenizer_json::string_field(model, key, ctx);
  };
  prefix_ = optional_string("continuing_subword_prefix");
  suffix_ = optional_string("end_of_word_suffix");
  fuse_unk_ = tokenizer_json::bool_field(model, "fuse_unk", false, ctx);
  byte_fallback_ = tokenizer_json::bool_field(model, "byte_fallback", false, ctx);
  ignore_merges_ = tokenizer_json::bool_field(model, "ignore_merges", false, ctx);

  const auto vocab = model.find("vocab");
  if (vocab == model.end() || !vocab->is_object()) ctx.at("vocab").fail("missing or not an object");
  load_vocab(*vocab, ctx.at("vocab"));
  const auto merges = model.find("merges");
  if (merges == model.end() || !merges->is_array()) ctx.at("merges").fail("missing or not an array");
  load_merges(*merges, ctx.at("merges"));

  const std::string unk = optional_string("unk_token");
  if (!unk.empty()) {
    unk_id_ = static_cast<int32_t>(token_to_id(unk));
    if (unk_id_ < 0) ctx.at("unk_token").fail("'" + unk + "' is not in the vocabulary");
  }
  split_before_metaspace_ = metaspace_boundaries_are_safe();
}

void BpeModel::load_vocab(const nlohmann::json& vocab, const Context& ctx) {
  vocab_.reserve(vocab.size());
  int64_t max_id = -1;
  for (const auto& [token, id] : vocab.items()) {
    const int64_t value = tokenizer_json::token_id(id, vocab.size(), ctx.at(token));
    vocab_.emplace(token, static_cast<int32_t>(value));
    max_id = std::max(max_id, value);
  }
  tokens_.assign(static_cast<size_t>(max_id + 1), std::string());
  char_ids_.assign(0x10000, -1);
  byte_ids_.fill(-1);
  for (const auto& [token, id] : vocab_) {
    tokens_[static_cast<size_t>(id)] = token;
    size_t pos = 0;
    if (!token.empty() && prefix_.empty() && suffix_.empty()) {
      const uint32_t cp = unicode::next_code_point(token, pos);
      if (pos == token.size() && cp < char_ids_.size()) char_ids_[cp] = id;
    }
  }
  static const char hex[] = "0123456789ABCDEF";
  for (int b = 0; b < 256; ++b) {
    const std::string name = std::string("<0x") + hex[b >> 4] + hex[b & 15] + ">";
    byte_ids_[static_cast<size_t>(b)] = static_cast<int32_t>(token_to_id(name));
  }
}

void BpeModel::load_merges(const nlohmann::json& merges, const Context& ctx) {
  merges_.reserve(merges.size());
  for (size_t rank = 0; rank < merges.size(); ++rank) {
    const auto& entry = merges[rank];
    std::string left, right;
    if (entry.is_string()) {  // "a b"
      const std::string text = entry.get<std::string>();
      const size_t space = text.find(' ');
      if (space == std::string::npos || text.find(' ', space + 1) != std::string::npos)
        ctx.at(rank).fail("'" + text + "' is not two tokens separated by one space");
      left = text.substr(0, space);
      right = text.substr(space + 1);
    } else if (entry.is_array() && entry.size() == 2 && entry[0].is_string() && entry[1].is_string()) {  // ["a", "b"]
      left = entry[0].get<std::string>();
      right = entry[1].get<std::string>();
    } else {
      ctx.at(rank).fail("neither \"a b\" nor [\"a\", \"b\"]");
    }
    // A continuing-subword prefix on the right part is dropped in the merged token.
    const std::string merged = left + right.substr(std::min(prefix_.size(), right.size()));
    const int64_t left_id = token_to_id(left), right_id = token_to_id(right), merged_id = token_to_id(merged);
    if (left_id < 0 || right_id < 0 || merged_id < 0)
      ctx.at(rank).fail("merge of '" + left + "' and '" + right + "' uses a token missing from the vocabulary");
    merges_.insert(static_cast<int32_t>(left_id), static_cast<int32_t>(right_id), static_cast<int32_t>(rank),
                   static_cast<int32_t>(merged_id));
  }
}

// Splitting a word before each "▁" that follows another character gives the same merges as
// the whole word when no token holds such a "x▁" inside (no merge can cross that boundary)
// and "▁" itself is known (so unknown characters cannot fuse across it). SentencePiece-style
// vocabularies satisfy this, and it lets their long unsplit words use the cache.
bool BpeModel::metaspace_boundaries_are_safe() const {
  if (ignore_merges_ || !prefix_.empty() || !suffix_.empty() || token_to_id(kMetaspace) < 0) return false;
  for (const std::string& token : tokens_) {
    for (size_t pos = token.find(kMetaspace, 1); pos != std::string::npos; pos = token.find(kMetaspace, pos + 1)) {
      if (pos < kMetaspace.size() || !metaspace_at(token, pos - kMetaspace.size())) return false;
    }
  }
  return true;
}

// ---------------------------------------------------------------- lookups

int64_t BpeModel::token_to_id(const std::string& token) const {
  const auto it = vocab_.find(token);
  return it == vocab_.end() ? -1 : it->second;
}

const std::string* BpeModel::id_to_token(int64_t id) const {
  if (id < 0 || id >= static_cast<int64_t>(tokens_.size())) return nullptr;
  const std::string& token = tokens_[static_cast<size_t>(id)];
  // An empty slot is an id the vocabulary skips (unless "" really is that token).
  if (token.empty() && token_to_id(token) != id) return nullptr;
  return &token;
}

// ---------------------------------------------------------------- tokenizing

// One symbol per character; unknown characters become their "<0xNN>" byte tokens (byte
// fallback) or the unknown token, consecutive unknowns fused into one when fuse_unk is set.
// The order of operations, including where a pending unknown is flushed, follows `tokenizers`.
void BpeModel::initial_symbols(const std::string& word, std::vector<Symbol>& symbols) const {
  symbols.clear();
  const auto add = [&](int32_t id, uint32_t length) {
    const int32_t index = static_cast<int32_t>(symbols.size());
    symbols.push_back({id, index - 1, -1, length});
    if (index > 0) symbols[static_cast<size_t>(index - 1)].next = index;
  };
  int32_t pending_unk_length = -1;  // >= 0: an unknown token waits to be added
  for (size_t pos = 0; pos < word.size();) {
    const size_t begin = pos;
    const uint32_t cp = unicode::next_code_point(word, pos);
    const auto length = static_cast<uint32_t>(pos - begin);
    int64_t id = -1;
    std::string symbol;
    if (prefix_.empty() && suffix_.empty() && cp < char_ids_.size()) {
      id = char_ids_[cp];
    } else {
      symbol = (begin > 0 ? prefix_ : "") + word.substr(begin, length) + (pos == word.size() ? suffix_ : "");
      id = token_to_id(symbol);
    }
    if (id >= 0) {
      if (pending_unk_length >= 0) add(unk_id_, static_cast<uint32_t>(pending_unk_length));
      pending_unk_length = -1;
      add(static_cast<int32_t>(id), length);
      continue;
    }
    if (byte_fallback_) {
      if (symbol.empty()) symbol = word.substr(begin, length);
      bool all_known = true;
      for (char c : symbol) all_known = all_known && byte_ids_[static_cast<uint8_t>(c)] >= 0;
      if (all_known) {
        for (char c : symbol) add(byte_ids_[static_cast<uint8_t>(c)], 1);
        continue;
      }
    }
    if (unk_id_ < 0) continue;  // without an unknown token the character is dropped
    if (pending_unk_length >= 0 && fuse_unk_) {
      pending_unk_length += static_cast<int32_t>(length);
    } else {
      if (pending_unk_length >= 0) add(unk_id_, static_cast<uint32_t>(pending_unk_length));
      pending_unk_length = static_cast<int32_t>(length);
    }
  }
  if (pending_unk_length >= 0) add(unk_id_, static_cast<uint32_t>(pending_unk_length));
}

void BpeModel::merge(std::vector<Symbol>& symbols) const {
  struct Candidate {
    int32_t rank, pos, merged;
    // std::priority_queue pops the largest: make that the lowest rank, then leftmost.
    bool operator<(const Candidate& other) const {
      return rank != other.rank ? rank > other.rank : pos > other.pos;
    }
  };
  std::priority_queue<Candidate> queue;
  int32_t rank = 0, merged = 0;
  for (size_t i = 0; i + 1 < symbols.size(); ++i) {
    if (merges_.find(symbols[i].id, symbols[i + 1].id, rank, merged))
      queue.push({rank, static_cast<int32_t>(i), merged});
  }
  while (!queue.empty()) {
    const Candidate top = queue.top();
    queue.pop();
    Symbol& left = symbols[static_cast<size_t>(top.pos)];
    if (left.length == 0 || left.next < 0) continue;
    Symbol& right = symbols[static_cast<size_t>(left.next)];
    // A stale entry: the pair at this position changed. `tokenizers` compares only the
    // merged id here, and so must we to give the same tokens.
    if (!merges_.find(left.id, right.id, rank, merged) || merged != top.merged) continue;
    left.id = top.merged;
    left.length += right.length;
    left.next = right.next;
    right.length = 0;
    if (left.next >= 0) symbols[static_cast<size_t>(left.next)].prev = top.pos;
    if (left.prev >= 0 && merges_.find(symbols[static_cast<size_t>(left.prev)].id, left.id, rank, merged))
      queue.push({rank, left.prev, merged});
    if (left.next >= 0 && merges_.find(left.id, symbols[static_cast<size_t>(left.next)].id, rank, merged))
      queue.push({rank, top.pos, merged});
  }
}

void BpeModel::tokenize_piece(const std::string& piece, std::vector<int64_t>& ids) const {
  const bool cacheable = piece.size() < kMaxCachedWordBytes;
  if (cacheable) {
    std::lock_guard<std::mutex> lock(cache_mutex_);
    const auto hit = cache_.find(piece);
    if (hit != cache_.end()) {
      ids.insert(ids.end(), hit->second.begin(), hit->second.end());
      return;
    }
  }
  std::vector<Symbol> symbols;
  initial_symbols(piece, symbols);
  merge(symbols);
  std::vector<int32_t> result;
  for (const Symbol& s : symbols)
    if (s.length > 0) result.push_back(s.id);
  ids.insert(ids.end(), result.begin(), result.end());
  if (cacheable) {
    std::lock_guard<std::mutex> lock(cache_mutex_);
    if (cache_.size() >= kCacheCapacity) cache_.clear();
    cache_.emplace(piece, std::move(result));
  }
}

void BpeModel::tokenize(const std::string& word, std::vector<int64_t>& ids) const {
  if (word.empty()) return;
  if (ignore_merges_) {
    const int64_t whole = token_to_id(word);
    if (whole >= 0) {
      ids.push_back(whole);
      return;
    }
  }
  if (!split_before_metaspace_) {
    tokenize_piece(word, ids);
    return;
  }
  size_t begin = 0;
  for (size_t pos = word.find(kMetaspace, 1); pos != std::string::npos; pos = word.find(kMetaspace, pos + 1)) {
    const bool after_metaspace = pos >= kMetaspace.size() && metaspace_at(word, pos - kMetaspace.size());
    if (after_metaspace) continue;
    tokenize_piece(word.substr(begin, pos - begin), ids);
    begin = pos;
  }
  tokenize_piece(word.substr(begin), ids);
}

}  // namespace llmedit
