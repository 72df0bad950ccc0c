// Reads the single-sequence template of the post-processors tokenizer.json files use.
#include "libllmedit/tokenizer/post_processor.h"

namespace llmedit {

using tokenizer_json::Context;

namespace {

// TemplateProcessing's "single": SpecialToken pieces before and after {"Sequence": {"id": "A"}}.
SpecialTokenFrame template_frame(const nlohmann::json& spec, const Context& ctx) {
  const Context single_ctx = ctx.at("single");
  const auto single = spec.find("single");
  if (single == spec.end() || !single->is_array()) single_ctx.fail("missing or not an array");
  const auto specials = spec.find("special_tokens");
  SpecialTokenFrame frame;
  bool seen_sequence = false;
  for (size_t i = 0; i < single->size(); ++i) {
    const auto& item = (*single)[i];
    const Context item_ctx = single_ctx.at(i);
    if (item.contains("Sequence")) {
      if (seen_sequence || item["Sequence"].value("id", "") != "A") item_ctx.fail("expected one sequence 'A'");
      seen_sequence = true;
      continue;
    }
    if (!item.contains("SpecialToken") || !item["SpecialToken"].is_object()) item_ctx.fail("neither Sequence nor SpecialToken");
    const std::string name = tokenizer_json::string_field(item["SpecialToken"], "id", item_ctx.at("SpecialToken"));
    if (specials == spec.end() || !specials->contains(name)) ctx.at("special_tokens").fail("no entry for '" + name + "'");
    const auto& ids = (*specials)[name]["ids"];
    if (!ids.is_array()) ctx.at("special_tokens").at(name).fail("'ids' is not an array");
    for (const auto& id : ids) (seen_sequence ? frame.suffix : frame.prefix).push_back(id.get<int64_t>());
  }
  if (!seen_sequence) single_ctx.fail("has no sequence 'A'");
  return frame;
}

// BertProcessing / RobertaProcessing: {"cls": ["[CLS]", 101], "sep": ["[SEP]", 102]}.
SpecialTokenFrame cls_sep_frame(const nlohmann::json& spec, const Context& ctx) {
  const auto id_of = [&](const char* key) {
    const auto it = spec.find(key);
    if (it == spec.end() || !it->is_array() || it->size() != 2 || !(*it)[1].is_number_unsigned())
      ctx.at(key).fail("expected [token, id]");
    return (*it)[1].get<int64_t>();
  };
  return {{id_of("cls")}, {id_of("sep")}};
}

}  // namespace

SpecialTokenFrame make_post_processor(const nlohmann::json& spec, const Context& ctx) {
  if (spec.is_null()) return {};
  const std::string type = tokenizer_json::type_of(spec, ctx);
  if (type == "ByteLevel") return {};
  if (type == "TemplateProcessing") return template_frame(spec, ctx);
  if (type == "BertProcessing" || type == "RobertaProcessing") return cls_sep_frame(spec, ctx);
  if (type == "Sequence") {
    const Context list_ctx = ctx.at("processors");
    const auto it = spec.find("processors");
    if (it == spec.end() || !it->is_array()) list_ctx.fail("missing or not an array");
    SpecialTokenFrame frame;
    for (size_t i = 0; i < it->size(); ++i) {  // each later processor wraps the earlier output
      SpecialTokenFrame inner = make_post_processor((*it)[i], list_ctx.at(i));
      inner.prefix.insert(inner.prefix.end(), frame.prefix.begin(), frame.prefix.end());
      frame.suffix.insert(frame.suffix.end(), inner.suffix.begin(), inner.suffix.end());
      frame.prefix = std::move(inner.prefix);
    }
    return frame;
  }
  tokenizer_json::unsupported_type(type, ctx);
}

}  // namespace llmedit
