// ArchSpec: everything the one CausalLM needs to know about an architecture, read from
// a Hugging Face config.json. Families differ only in the switches below.
#pragma once
#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>

namespace llmedit {

enum class ArchFamily { Llama, Mistral, Qwen2, GPT2, GPTJ };
enum class NormKind { RMSNorm, LayerNorm };
enum class Activation { SiLU, GeluTanh, Gelu, ReLU };
// How positions enter: learned embeddings (GPT-2), RoPE on split halves (Llama, "rotate_half"),
// or RoPE on interleaved pairs (GPT-J, "rotate_every_two").
enum class PositionKind { Learned, RopeHalf, RopeInterleaved };

// Llama-3 style RoPE frequency scaling (config "rope_scaling" / "rope_parameters").
struct RopeScaling {
  std::string type = "default";  // default, linear, llama3
  double factor = 1.0;
  double low_freq_factor = 1.0;
  double high_freq_factor = 4.0;
  int64_t original_max_position_embeddings = 8192;
};

struct ArchSpec {
  std::string model_type;       // config.json "model_type"
  std::string architecture;     // config.json "architectures"[0]
  ArchFamily family = ArchFamily::Llama;

  int64_t vocab_size = 0;
  int64_t hidden_size = 0;
  int64_t intermediate_size = 0;
  int64_t num_layers = 0;
  int64_t num_heads = 0;
  int64_t num_kv_heads = 0;
  int64_t head_dim = 0;
  int64_t max_position_embeddings = 0;

  NormKind norm = NormKind::RMSNorm;
  double norm_eps = 1e-6;
  Activation activation = Activation::SiLU;
  bool gated_mlp = true;          // down(act(gate(x)) * up(x)) vs fc_out(act(fc_in(x)))
  bool parallel_block = false;    // GPT-J: x + attn(ln(x)) + mlp(ln(x))
  bool qkv_bias = false;
  bool o_bias = false;
  bool mlp_bias = false;
  bool lm_head_bias = false;
  bool conv1d_weights = false;    // GPT-2 stores linear weights [in, out]
  bool tie_word_embeddings = false;
  bool scale_attn_by_inverse_layer_idx = false;  // GPT-2 option

  PositionKind positions = PositionKind::RopeHalf;
  double rope_theta = 10000.0;
  int64_t rotary_dim = 0;         // dims per head that rotate (head_dim unless partial)
  RopeScaling rope_scaling;
  int64_t sliding_window = 0;     // 0 = full attention

  int64_t bos_token_id = -1;
  int64_t eos_token_id = -1;
  int64_t pad_token_id = -1;

  // Reads and checks a config.json object; `source` (the file path) is named in errors.
  static ArchSpec from_config(const nlohmann::json& config, const std::string& source);
  int64_t num_parameters() const;
};

const char* family_name(ArchFamily family);

}  // namespace llmedit
