// The post-processor of tokenizer.json reduced to its templates: the special token ids placed
// before and after a single sequence, and the layout of an encoded pair with its type ids.
#pragma once
#include <cstdint>
#include <vector>

#include "libllmedit/tokenizer/json_context.h"

namespace llmedit {

// One part of a pair template: the first or second sequence, or special token ids; with the
// token type id its tokens get.
struct TemplatePiece {
  enum class Kind { Special, SequenceA, SequenceB };
  Kind kind = Kind::Special;
  std::vector<int64_t> ids;  // Special only
  int64_t type_id = 0;
};

struct SpecialTokenFrame {
  std::vector<int64_t> prefix;
  std::vector<int64_t> suffix;
  // How add_special_tokens lays out a pair; empty when the post-processor defines none.
  std::vector<TemplatePiece> pair = plain_pair();

  // A then B with type ids 0 and 1: `tokenizers` without a post-processor.
  static std::vector<TemplatePiece> plain_pair();
};

// Supports null, ByteLevel (ids unchanged), TemplateProcessing, BertProcessing,
// RobertaProcessing and Sequence of them.
SpecialTokenFrame make_post_processor(const nlohmann::json& spec, const tokenizer_json::Context& ctx);

}  // namespace llmedit
