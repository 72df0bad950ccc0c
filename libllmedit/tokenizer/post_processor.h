// The post-processor of tokenizer.json reduced to what a single sequence needs: the special
// token ids placed before and after it when add_special_tokens is set.
#pragma once
#include <cstdint>
#include <vector>

#include "libllmedit/tokenizer/json_context.h"

namespace llmedit {

struct SpecialTokenFrame {
  std::vector<int64_t> prefix;
  std::vector<int64_t> suffix;
};

// Supports null, ByteLevel (ids unchanged), TemplateProcessing, BertProcessing,
// RobertaProcessing and Sequence of them.
SpecialTokenFrame make_post_processor(const nlohmann::json& spec, const tokenizer_json::Context& ctx);

}  // namespace llmedit
