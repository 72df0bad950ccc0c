// Reads the templates of the post-processors tokenizer.json files use
// (tokenizers/src/processors/{template,bert,roberta,sequence}.rs).
#include "libllmedit/tokenizer/post_processor.h"

#include <cstdint>

namespace llmedit {

using tokenizer_json::Context;

namespace {

using Kind = TemplatePiece::Kind;

TemplatePiece special(int64_t id, int64_t type_id) { return {Kind::Special, {id}, type_id}; }
TemplatePiece sequence(Kind kind, int64_t type_id) { return {kind, {}, type_id}; }

int64_t type_id_of(const nlohmann::json& item, const Context& ctx) {
  const auto it = item.find("type_id");
  if (it == item.end()) return 0;
  if (!it->is_number_unsigned()) ctx.at("type_id").fail("not a non-negative integer");
  return it->get<int64_t>();
}

// The ids of a SpecialToken entry, from the template's "special_tokens" map.
// Looked up with find(): a const operator[] with an absent key is undefined behaviour in
// nlohmann (a heap overflow, found by fuzz/tokenizer_fuzz.cpp).
std::vector<int64_t> special_ids(const nlohmann::json& spec, const std::string& name, const Context& ctx) {
  const Context specials_ctx = ctx.at("special_tokens");
  const auto specials = spec.find("special_tokens");
  if (specials == spec.end() || !specials->contains(name)) specials_ctx.fail("no entry for '" + name + "'");
  const nlohmann::json& entry = specials->at(name);
  const auto ids = entry.is_object() ? entry.find("ids") : entry.end();
  if (ids == entry.end() || !ids->is_array()) specials_ctx.at(name).fail("'ids' is missing or not an array");
  std::vector<int64_t> out;
  for (size_t i = 0; i < ids->size(); ++i) {
    const nlohmann::json& id = (*ids)[i];
    if (!id.is_number_unsigned() || id.get<uint64_t>() > static_cast<uint64_t>(INT64_MAX))
      specials_ctx.at(name).at("ids").at(i).fail("not a token id (a non-negative integer)");
    out.push_back(id.get<int64_t>());
  }
  return out;
}

// A TemplateProcessing template ("single" or "pair"): [{"SpecialToken": {"id", "type_id"}} |
// {"Sequence": {"id": "A" | "B", "type_id"}}, ...].
std::vector<TemplatePiece> parse_template(const nlohmann::json& spec, const char* key, const Context& ctx) {
  const Context list_ctx = ctx.at(key);
  const auto list = spec.find(key);
  if (list == spec.end() || !list->is_array()) list_ctx.fail("missing or not an array");
  std::vector<TemplatePiece> pieces;
  for (size_t i = 0; i < list->size(); ++i) {
    const auto& item = (*list)[i];
    const Context item_ctx = list_ctx.at(i);
    if (item.contains("Sequence") && item["Sequence"].is_object()) {
      const Context seq_ctx = item_ctx.at("Sequence");
      const std::string id = tokenizer_json::string_field(item["Sequence"], "id", seq_ctx);
      if (id != "A" && id != "B") seq_ctx.at("id").fail("expected 'A' or 'B'");
      pieces.push_back(sequence(id == "A" ? Kind::SequenceA : Kind::SequenceB, type_id_of(item["Sequence"], seq_ctx)));
      continue;
    }
    if (!item.contains("SpecialToken") || !item["SpecialToken"].is_object()) item_ctx.fail("neither Sequence nor SpecialToken");
    const Context tok_ctx = item_ctx.at("SpecialToken");
    const std::string name = tokenizer_json::string_field(item["SpecialToken"], "id", tok_ctx);
    pieces.push_back({Kind::Special, special_ids(spec, name, ctx), type_id_of(item["SpecialToken"], tok_ctx)});
  }
  return pieces;
}

// TemplateProcessing: "single" must hold the one sequence A between special tokens.
SpecialTokenFrame template_frame(const nlohmann::json& spec, const Context& ctx) {
  SpecialTokenFrame frame;
  bool seen_sequence = false;
  const std::vector<TemplatePiece> single = parse_template(spec, "single", ctx);
  for (size_t i = 0; i < single.size(); ++i) {
    if (single[i].kind != Kind::Special) {
      if (seen_sequence || single[i].kind != Kind::SequenceA) ctx.at("single").at(i).fail("expected one sequence 'A'");
      seen_sequence = true;
      continue;
    }
    std::vector<int64_t>& side = seen_sequence ? frame.suffix : frame.prefix;
    side.insert(side.end(), single[i].ids.begin(), single[i].ids.end());
  }
  if (!seen_sequence) ctx.at("single").fail("has no sequence 'A'");
  frame.pair.clear();  // without a "pair" template, `tokenizers` cannot encode pairs
  if (spec.contains("pair")) frame.pair = parse_template(spec, "pair", ctx);
  return frame;
}

// BertProcessing / RobertaProcessing: {"cls": ["[CLS]", 101], "sep": ["[SEP]", 102]}.
// Pairs: [CLS] A [SEP] B [SEP] with B's part typed 1 (BERT); <s> A </s> </s> B </s>, all typed
// 0 (RoBERTa sets every type id to 0).
SpecialTokenFrame cls_sep_frame(const nlohmann::json& spec, const Context& ctx, bool roberta) {
  const auto id_of = [&](const char* key) {
    const auto it = spec.find(key);
    if (it == spec.end() || !it->is_array() || it->size() != 2 || !(*it)[1].is_number_unsigned())
      ctx.at(key).fail("expected [token, id]");
    return (*it)[1].get<int64_t>();
  };
  const int64_t cls = id_of("cls"), sep = id_of("sep");
  SpecialTokenFrame frame{{cls}, {sep}, {}};
  if (roberta) {
    frame.pair = {special(cls, 0), sequence(Kind::SequenceA, 0), special(sep, 0),
                  special(sep, 0), sequence(Kind::SequenceB, 0), special(sep, 0)};
  } else {
    frame.pair = {special(cls, 0), sequence(Kind::SequenceA, 0), special(sep, 0), sequence(Kind::SequenceB, 1), special(sep, 1)};
  }
  return frame;
}

bool is_plain_pair(const std::vector<TemplatePiece>& pair) {
  const auto plain = SpecialTokenFrame::plain_pair();
  return pair.size() == plain.size() && pair[0].kind == plain[0].kind && pair[0].type_id == plain[0].type_id &&
         pair[1].kind == plain[1].kind && pair[1].type_id == plain[1].type_id;
}

// Each later processor wraps the earlier output. Pairs: the one processor with a pair layout
// of its own decides it; two such processors would nest in ways not supported here.
SpecialTokenFrame sequence_frame(const nlohmann::json& spec, const Context& ctx) {
  const Context list_ctx = ctx.at("processors");
  const auto it = spec.find("processors");
  if (it == spec.end() || !it->is_array()) list_ctx.fail("missing or not an array");
  SpecialTokenFrame frame;
  for (size_t i = 0; i < it->size(); ++i) {
    SpecialTokenFrame inner = make_post_processor((*it)[i], list_ctx.at(i));
    inner.prefix.insert(inner.prefix.end(), frame.prefix.begin(), frame.prefix.end());
    frame.suffix.insert(frame.suffix.end(), inner.suffix.begin(), inner.suffix.end());
    frame.prefix = std::move(inner.prefix);
    if (is_plain_pair(inner.pair)) continue;
    frame.pair = is_plain_pair(frame.pair) ? std::move(inner.pair) : std::vector<TemplatePiece>{};
  }
  return frame;
}

}  // namespace

std::vector<TemplatePiece> SpecialTokenFrame::plain_pair() {
  return {sequence(Kind::SequenceA, 0), sequence(Kind::SequenceB, 1)};
}

SpecialTokenFrame make_post_processor(const nlohmann::json& spec, const Context& ctx) {
  if (spec.is_null()) return {};
  const std::string type = tokenizer_json::type_of(spec, ctx);
  if (type == "ByteLevel") return {};
  if (type == "TemplateProcessing") return template_frame(spec, ctx);
  if (type == "BertProcessing") return cls_sep_frame(spec, ctx, false);
  if (type == "RobertaProcessing") return cls_sep_frame(spec, ctx, true);
  if (type == "Sequence") return sequence_frame(spec, ctx);
  tokenizer_json::unsupported_type(type, ctx);
}

}  // namespace llmedit
