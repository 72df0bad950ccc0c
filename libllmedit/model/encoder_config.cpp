// EncoderConfig from config.json, with the defaults of transformers' BertConfig,
// RobertaConfig and DebertaV2Config for keys a checkpoint leaves out.
#include <algorithm>
#include <cctype>

#include "libllmedit/core/error.h"
#include "libllmedit/model/encoder.h"

namespace llmedit {

namespace {

using nlohmann::json;

class ConfigReader {
 public:
  ConfigReader(const json& config, const std::string& source) : config_(config), source_(source) {}

  bool has(const char* key) const { return config_.contains(key) && !config_[key].is_null(); }
  [[noreturn]] void fail(const std::string& key, const std::string& what) const {
    throw data_error(source_ + ": field '" + key + "' " + what);
  }
  int64_t integer(const char* key) const {
    if (!has(key)) fail(key, "is missing");
    if (!config_[key].is_number_integer()) fail(key, "must be an integer, got " + config_[key].dump());
    return config_[key].get<int64_t>();
  }
  int64_t integer(const char* key, int64_t fallback) const { return has(key) ? integer(key) : fallback; }
  double number(const char* key, double fallback) const {
    if (!has(key)) return fallback;
    if (!config_[key].is_number()) fail(key, "must be a number, got " + config_[key].dump());
    return config_[key].get<double>();
  }
  bool boolean(const char* key, bool fallback) const {
    if (!has(key)) return fallback;
    if (!config_[key].is_boolean()) fail(key, "must be true or false, got " + config_[key].dump());
    return config_[key].get<bool>();
  }
  std::string string(const char* key, const std::string& fallback) const {
    if (!has(key)) return fallback;
    if (!config_[key].is_string()) fail(key, "must be a string, got " + config_[key].dump());
    return config_[key].get<std::string>();
  }
  const json& operator[](const char* key) const { return config_[key]; }

 private:
  const json& config_;
  const std::string& source_;
};

EncoderFamily family_of(const std::string& model_type, const ConfigReader& in) {
  if (model_type == "bert") return EncoderFamily::Bert;
  if (model_type == "roberta" || model_type == "xlm-roberta") return EncoderFamily::Roberta;
  if (model_type == "deberta-v2") return EncoderFamily::DebertaV2;
  in.fail("model_type", "'" + model_type + "' is not a supported encoder (bert, roberta, xlm-roberta, deberta-v2)");
}

// id2label {"0": "contradiction", ...} must cover 0..n-1; num_labels alone gives LABEL_i.
std::vector<std::string> read_labels(const ConfigReader& in) {
  std::vector<std::string> labels;
  if (in.has("id2label")) {
    const json& map = in["id2label"];
    if (!map.is_object()) in.fail("id2label", "must be an object");
    labels.resize(map.size());
    for (const auto& [key, name] : map.items()) {
      size_t index = labels.size();
      try {
        index = std::stoul(key);
      } catch (const std::exception&) {
      }
      if (index >= labels.size() || !labels[index].empty() || !name.is_string())
        in.fail("id2label", "must map the ids 0.." + std::to_string(labels.size() - 1) + " to names, got " + map.dump());
      labels[index] = name.get<std::string>();
    }
  } else if (in.has("num_labels")) {
    for (int64_t i = 0; i < in.integer("num_labels"); ++i) labels.push_back("LABEL_" + std::to_string(i));
  }
  return labels;
}

// pos_att_type: a list (["p2c", "c2p"]) or, in older configs, a string ("p2c|c2p").
void read_pos_att_type(const ConfigReader& in, EncoderConfig& c) {
  if (!in.has("pos_att_type")) return;
  std::vector<std::string> kinds;
  const json& value = in["pos_att_type"];
  if (value.is_string()) {
    std::string all = value.get<std::string>();
    std::transform(all.begin(), all.end(), all.begin(), [](unsigned char ch) { return std::tolower(ch); });
    for (size_t begin = 0, bar; begin <= all.size(); begin = bar + 1) {
      bar = std::min(all.find('|', begin), all.size());
      std::string kind = all.substr(begin, bar - begin);
      kind.erase(std::remove_if(kind.begin(), kind.end(), [](unsigned char ch) { return std::isspace(ch); }), kind.end());
      if (!kind.empty()) kinds.push_back(kind);
    }
  } else if (value.is_array() && std::all_of(value.begin(), value.end(), [](const json& v) { return v.is_string(); })) {
    kinds = value.get<std::vector<std::string>>();
  } else {
    in.fail("pos_att_type", "must be a list of strings, got " + value.dump());
  }
  for (const std::string& kind : kinds) {
    if (kind == "c2p") c.c2p = true;
    else if (kind == "p2c") c.p2c = true;
    else in.fail("pos_att_type", "has unsupported attention type '" + kind + "' (supported: c2p, p2c)");
  }
}

void read_deberta(const ConfigReader& in, EncoderConfig& c) {
  c.position_biased_input = in.boolean("position_biased_input", true);
  c.relative_attention = in.boolean("relative_attention", false);
  c.share_att_key = in.boolean("share_att_key", false);
  read_pos_att_type(in, c);
  c.position_buckets = in.integer("position_buckets", -1);
  c.max_relative_positions = in.integer("max_relative_positions", -1);
  if (c.max_relative_positions < 1) c.max_relative_positions = c.max_position_embeddings;
  const std::string norm = in.string("norm_rel_ebd", "none");
  c.norm_rel_ebd = norm.find("layer_norm") != std::string::npos;
  if (in.integer("conv_kernel_size", 0) > 0) in.fail("conv_kernel_size", "> 0 (DeBERTa's convolution layer) is not supported");
  c.embedding_size = in.integer("embedding_size", c.hidden_size);
  if (in.integer("attention_head_size", c.head_dim) != c.head_dim)
    in.fail("attention_head_size", "other than hidden_size / num_attention_heads is not supported");
  c.pooler_hidden_size = in.integer("pooler_hidden_size", c.hidden_size);
  c.pooler_hidden_act = in.string("pooler_hidden_act", "gelu");
  if (c.pooler_hidden_size != c.hidden_size) in.fail("pooler_hidden_size", "must equal hidden_size");
}

}  // namespace

EncoderConfig EncoderConfig::from_config(const json& config, const std::string& source) {
  if (!config.is_object()) throw data_error(source + ": not a JSON object");
  const ConfigReader in(config, source);
  EncoderConfig c;
  c.model_type = in.string("model_type", "");
  c.family = family_of(c.model_type, in);
  if (in.has("architectures") && config["architectures"].is_array() && !config["architectures"].empty() &&
      config["architectures"][0].is_string())
    c.architecture = config["architectures"][0].get<std::string>();
  const bool deberta = c.family == EncoderFamily::DebertaV2;
  c.vocab_size = in.integer("vocab_size");
  c.hidden_size = in.integer("hidden_size");
  c.embedding_size = c.hidden_size;
  c.num_layers = in.integer("num_hidden_layers");
  c.num_heads = in.integer("num_attention_heads");
  c.intermediate_size = in.integer("intermediate_size");
  c.max_position_embeddings = in.integer("max_position_embeddings");
  c.type_vocab_size = in.integer("type_vocab_size", deberta ? 0 : 2);
  c.pad_token_id = in.integer("pad_token_id", c.family == EncoderFamily::Roberta ? 1 : 0);
  c.layer_norm_eps = in.number("layer_norm_eps", deberta ? 1e-7 : 1e-12);
  c.hidden_act = in.string("hidden_act", "gelu");
  if (c.num_heads <= 0 || c.hidden_size % c.num_heads != 0)
    in.fail("num_attention_heads", "must divide hidden_size " + std::to_string(c.hidden_size));
  c.head_dim = c.hidden_size / c.num_heads;
  if (deberta) read_deberta(in, c);
  c.id2label = read_labels(in);
  return c;
}

}  // namespace llmedit
