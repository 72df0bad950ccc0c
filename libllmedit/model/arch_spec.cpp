#include "libllmedit/model/arch_spec.h"

#include <climits>
#include <cstdint>
#include <map>

#include "libllmedit/core/error.h"

namespace llmedit {

namespace {

using nlohmann::json;

bool has_value(const json& config, const char* key) { return config.contains(key) && !config[key].is_null(); }

// Every size and count llmedit reads: at most 2^31 - 1, so products of a few of them (weight
// shapes, the parameter count) cannot overflow 64 bits.
constexpr int64_t kMaxSize = (int64_t{1} << 31) - 1;

// A config value quoted in an error: JSON (so one line), cut short.
std::string show(const json& value) {
  std::string text = value.dump(-1, ' ', false, json::error_handler_t::replace);
  return text.size() > 80 ? text.substr(0, 77) + "..." : text;
}

int64_t get_int(const json& config, const char* key, const std::string& source) {
  if (!has_value(config, key)) throw data_error(source + ": missing required field '" + key + "'");
  const json& v = config[key];
  if (!v.is_number_integer()) throw data_error(source + ": field '" + key + "' must be an integer, got " + show(v));
  // Unsigned JSON integers above INT64_MAX would wrap in get<int64_t>().
  if (v.is_number_unsigned() && v.get<uint64_t>() > static_cast<uint64_t>(kMaxSize))
    throw data_error(source + ": field '" + key + "' is " + show(v) + ", more than " + std::to_string(kMaxSize));
  const int64_t value = v.get<int64_t>();
  if (value > kMaxSize || value < -kMaxSize)
    throw data_error(source + ": field '" + key + "' is " + show(v) + ", beyond +-" + std::to_string(kMaxSize));
  return value;
}

std::string get_string_or(const json& config, const char* key, const std::string& source, const std::string& fallback,
                          const std::string& field_path = "") {
  if (!has_value(config, key)) return fallback;
  const json& v = config[key];
  if (!v.is_string())
    throw data_error(source + ": field '" + (field_path.empty() ? key : field_path) + "' must be a string, got " + show(v));
  return v.get<std::string>();
}

int64_t get_int_or(const json& config, const char* key, const std::string& source, int64_t fallback) {
  return has_value(config, key) ? get_int(config, key, source) : fallback;
}

double get_double_or(const json& config, const char* key, const std::string& source, double fallback) {
  if (!has_value(config, key)) return fallback;
  if (!config[key].is_number()) throw data_error(source + ": field '" + key + "' must be a number, got " + show(config[key]));
  return config[key].get<double>();
}

bool get_bool_or(const json& config, const char* key, const std::string& source, bool fallback) {
  if (!has_value(config, key)) return fallback;
  if (!config[key].is_boolean()) throw data_error(source + ": field '" + key + "' must be true or false, got " + show(config[key]));
  return config[key].get<bool>();
}

// eos_token_id may be a list in newer configs; the first entry is the primary one.
int64_t get_token_id(const json& config, const char* key) {
  if (!has_value(config, key)) return -1;
  const json& v = config[key];
  if (v.is_number_integer()) return v.get<int64_t>();
  if (v.is_array() && !v.empty() && v[0].is_number_integer()) return v[0].get<int64_t>();
  return -1;
}

ArchFamily detect_family(const json& config, const std::string& source, std::string& architecture) {
  static const std::map<std::string, ArchFamily> by_architecture = {
      {"LlamaForCausalLM", ArchFamily::Llama}, {"MistralForCausalLM", ArchFamily::Mistral},
      {"Qwen2ForCausalLM", ArchFamily::Qwen2}, {"GPT2LMHeadModel", ArchFamily::GPT2},
      {"GPTJForCausalLM", ArchFamily::GPTJ}};
  static const std::map<std::string, ArchFamily> by_model_type = {
      {"llama", ArchFamily::Llama}, {"mistral", ArchFamily::Mistral}, {"qwen2", ArchFamily::Qwen2},
      {"gpt2", ArchFamily::GPT2}, {"gptj", ArchFamily::GPTJ}};
  if (config.contains("architectures") && config["architectures"].is_array() && !config["architectures"].empty()) {
    architecture = config["architectures"][0].is_string() ? config["architectures"][0].get<std::string>() : "";
    auto it = by_architecture.find(architecture);
    if (it != by_architecture.end()) return it->second;
  }
  const std::string model_type = get_string_or(config, "model_type", source, "");
  auto it = by_model_type.find(model_type);
  if (it != by_model_type.end()) return it->second;
  throw data_error(source + ": unsupported architecture " + show(architecture) + " (model_type " + show(model_type) +
                   "); llmedit supports LlamaForCausalLM, MistralForCausalLM, Qwen2ForCausalLM, "
                   "GPT2LMHeadModel and GPTJForCausalLM");
}

Activation parse_activation(const std::string& name, const std::string& source, const char* field) {
  if (name == "silu" || name == "swish") return Activation::SiLU;
  if (name == "gelu_new" || name == "gelu_pytorch_tanh" || name == "gelu_fast") return Activation::GeluTanh;
  if (name == "gelu") return Activation::Gelu;
  if (name == "relu") return Activation::ReLU;
  throw data_error(source + ": unsupported activation " + show(name) + " in field '" + field + "'");
}

// transformers 5 moved rope_theta and rope_scaling into "rope_parameters"; older files have
// "rope_theta" at the top level and an optional "rope_scaling" object.
void read_rope(const json& config, const std::string& source, ArchSpec& spec) {
  const json* params = nullptr;
  const char* field = "rope_parameters";
  if (has_value(config, "rope_parameters")) params = &config["rope_parameters"];
  else if (has_value(config, "rope_scaling")) { params = &config["rope_scaling"]; field = "rope_scaling"; }
  spec.rope_theta = get_double_or(config, "rope_theta", source, spec.rope_theta);
  if (!params) return;
  if (!params->is_object()) throw data_error(source + ": field '" + field + "' must be an object, got " + show(*params));
  spec.rope_theta = get_double_or(*params, "rope_theta", source, spec.rope_theta);
  const std::string prefix = std::string(field) + ".";
  std::string type = get_string_or(*params, "rope_type", source,
                                   get_string_or(*params, "type", source, "default", prefix + "type"),
                                   prefix + "rope_type");
  if (type != "default" && type != "linear" && type != "llama3")
    throw data_error(source + ": unsupported rope type " + show(type) + " in field '" + field +
                     ".rope_type' (supported: default, linear, llama3)");
  RopeScaling& s = spec.rope_scaling;
  s.type = type;
  s.factor = get_double_or(*params, "factor", source, 1.0);
  s.low_freq_factor = get_double_or(*params, "low_freq_factor", source, 1.0);
  s.high_freq_factor = get_double_or(*params, "high_freq_factor", source, 4.0);
  s.original_max_position_embeddings =
      get_int_or(*params, "original_max_position_embeddings", source, 8192);
  if (type != "default" && s.factor <= 0)
    throw data_error(source + ": " + field + ".factor must be positive, got " + std::to_string(s.factor));
  if (s.original_max_position_embeddings <= 0)
    throw data_error(source + ": " + field + ".original_max_position_embeddings must be positive, got " +
                     std::to_string(s.original_max_position_embeddings));
}

void read_llama_like(const json& config, const std::string& source, ArchSpec& spec) {
  spec.vocab_size = get_int(config, "vocab_size", source);
  spec.hidden_size = get_int(config, "hidden_size", source);
  spec.intermediate_size = get_int(config, "intermediate_size", source);
  spec.num_layers = get_int(config, "num_hidden_layers", source);
  spec.num_heads = get_int(config, "num_attention_heads", source);
  spec.num_kv_heads = get_int_or(config, "num_key_value_heads", source, spec.num_heads);
  spec.head_dim = get_int_or(config, "head_dim", source, 0);
  spec.max_position_embeddings = get_int_or(config, "max_position_embeddings", source, 2048);
  spec.norm = NormKind::RMSNorm;
  spec.norm_eps = get_double_or(config, "rms_norm_eps", source, 1e-6);
  spec.activation = parse_activation(get_string_or(config, "hidden_act", source, "silu"), source, "hidden_act");
  spec.gated_mlp = true;
  spec.positions = PositionKind::RopeHalf;
  read_rope(config, source, spec);
  if (spec.family == ArchFamily::Qwen2) {
    spec.qkv_bias = true;  // Qwen2 always has q/k/v biases and no o_proj bias
    if (get_bool_or(config, "use_sliding_window", source, false))
      spec.sliding_window = get_int_or(config, "sliding_window", source, 0);
  } else {
    spec.qkv_bias = spec.o_bias = get_bool_or(config, "attention_bias", source, false);
    spec.mlp_bias = get_bool_or(config, "mlp_bias", source, false);
    if (spec.family == ArchFamily::Mistral) spec.sliding_window = get_int_or(config, "sliding_window", source, 0);
  }
  spec.tie_word_embeddings = get_bool_or(config, "tie_word_embeddings", source, false);
}

void read_gpt_like(const json& config, const std::string& source, ArchSpec& spec) {
  spec.vocab_size = get_int(config, "vocab_size", source);
  spec.hidden_size = get_int(config, "n_embd", source);
  spec.intermediate_size = get_int_or(config, "n_inner", source, 4 * spec.hidden_size);
  spec.num_layers = get_int(config, "n_layer", source);
  spec.num_heads = get_int(config, "n_head", source);
  spec.num_kv_heads = spec.num_heads;
  spec.max_position_embeddings = get_int_or(config, "n_positions", source, 1024);
  spec.norm = NormKind::LayerNorm;
  spec.norm_eps = get_double_or(config, "layer_norm_epsilon", source, 1e-5);
  spec.activation =
      parse_activation(get_string_or(config, "activation_function", source, "gelu_new"), source, "activation_function");
  spec.gated_mlp = false;
  spec.mlp_bias = true;
  if (spec.family == ArchFamily::GPT2) {
    spec.positions = PositionKind::Learned;
    spec.qkv_bias = spec.o_bias = true;
    spec.conv1d_weights = true;
    spec.tie_word_embeddings = get_bool_or(config, "tie_word_embeddings", source, true);
    spec.scale_attn_by_inverse_layer_idx = get_bool_or(config, "scale_attn_by_inverse_layer_idx", source, false);
  } else {  // GPT-J
    spec.positions = PositionKind::RopeInterleaved;
    spec.parallel_block = true;
    spec.lm_head_bias = true;
    spec.tie_word_embeddings = get_bool_or(config, "tie_word_embeddings", source, false);
    spec.rotary_dim = get_int_or(config, "rotary_dim", source, 0);
  }
}

// The parameter count in arithmetic type T (validate() bounds it in long double before
// num_parameters() computes it in int64_t).
template <typename T>
T count_parameters(const ArchSpec& s) {
  const T d = s.hidden_size, q = T(s.num_heads) * s.head_dim, kv = T(s.num_kv_heads) * s.head_dim;
  const T ff = s.intermediate_size, vocab = s.vocab_size;
  T attn = d * q + 2 * d * kv + q * d;
  if (s.qkv_bias) attn += q + 2 * kv;
  if (s.o_bias) attn += d;
  T mlp = (s.gated_mlp ? 3 : 2) * d * ff;
  if (s.mlp_bias) mlp += (s.gated_mlp ? 2 : 1) * ff + d;
  const T norm_size = s.norm == NormKind::LayerNorm ? 2 * d : d;
  const T norms_per_layer = s.parallel_block ? 1 : 2;
  T total = T(s.num_layers) * (attn + mlp + norms_per_layer * norm_size) + norm_size + vocab * d;
  if (s.positions == PositionKind::Learned) total += T(s.max_position_embeddings) * d;
  if (!s.tie_word_embeddings) total += vocab * d + (s.lm_head_bias ? vocab : 0);
  return total;
}

void validate(const std::string& source, ArchSpec& spec) {
  auto positive = [&](int64_t v, const char* what) {
    if (v <= 0) throw data_error(source + ": " + what + " must be positive, got " + std::to_string(v));
  };
  positive(spec.vocab_size, "vocab size");
  positive(spec.hidden_size, "hidden size");
  positive(spec.intermediate_size, "intermediate size");
  positive(spec.num_layers, "number of layers");
  positive(spec.num_heads, "number of attention heads");
  positive(spec.num_kv_heads, "number of key/value heads");
  positive(spec.max_position_embeddings, "max position embeddings");
  if (spec.head_dim < 0) throw data_error(source + ": field 'head_dim' must be positive, got " + std::to_string(spec.head_dim));
  if (spec.rotary_dim < 0)
    throw data_error(source + ": field 'rotary_dim' must be positive, got " + std::to_string(spec.rotary_dim));
  if (spec.sliding_window < 0)
    throw data_error(source + ": field 'sliding_window' must not be negative, got " + std::to_string(spec.sliding_window));
  if (!(spec.rope_theta > 0))
    throw data_error(source + ": rope_theta must be positive, got " + std::to_string(spec.rope_theta));
  if (spec.head_dim == 0) {
    if (spec.hidden_size % spec.num_heads != 0)
      throw data_error(source + ": hidden size " + std::to_string(spec.hidden_size) +
                       " is not divisible by the number of attention heads " + std::to_string(spec.num_heads));
    spec.head_dim = spec.hidden_size / spec.num_heads;
  }
  if (spec.num_heads % spec.num_kv_heads != 0)
    throw data_error(source + ": number of attention heads " + std::to_string(spec.num_heads) +
                     " is not divisible by the number of key/value heads " + std::to_string(spec.num_kv_heads));
  if (spec.rotary_dim == 0) spec.rotary_dim = spec.head_dim;
  if (spec.rotary_dim > spec.head_dim || spec.rotary_dim % 2 != 0)
    throw data_error(source + ": rotary_dim " + std::to_string(spec.rotary_dim) +
                     " must be even and at most the head dimension " + std::to_string(spec.head_dim));
  // Counted in floating point first (close enough for a bound, and it cannot overflow), so that
  // num_parameters() can count exactly in 64 bits.
  const long double parameters = count_parameters<long double>(spec);
  if (parameters > static_cast<long double>(INT64_MAX / 4))
    throw data_error(source + ": the sizes imply more than 2^61 parameters (hidden size " +
                     std::to_string(spec.hidden_size) + ", " + std::to_string(spec.num_layers) + " layers)");
}

}  // namespace

ArchSpec ArchSpec::from_config(const nlohmann::json& config, const std::string& source) {
  if (!config.is_object()) throw data_error(source + ": expected a JSON object");
  ArchSpec spec;
  spec.family = detect_family(config, source, spec.architecture);
  spec.model_type = get_string_or(config, "model_type", source, family_name(spec.family));
  if (spec.family == ArchFamily::GPT2 || spec.family == ArchFamily::GPTJ) read_gpt_like(config, source, spec);
  else read_llama_like(config, source, spec);
  validate(source, spec);
  spec.bos_token_id = get_token_id(config, "bos_token_id");
  spec.eos_token_id = get_token_id(config, "eos_token_id");
  spec.pad_token_id = get_token_id(config, "pad_token_id");
  return spec;
}

int64_t ArchSpec::num_parameters() const { return count_parameters<int64_t>(*this); }

const char* family_name(ArchFamily family) {
  switch (family) {
    case ArchFamily::Llama: return "llama";
    case ArchFamily::Mistral: return "mistral";
    case ArchFamily::Qwen2: return "qwen2";
    case ArchFamily::GPT2: return "gpt2";
    case ArchFamily::GPTJ: return "gptj";
  }
  return "unknown";
}

}  // namespace llmedit
