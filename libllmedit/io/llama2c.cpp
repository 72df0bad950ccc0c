#include "libllmedit/io/llama2c.h"

#include <torch/torch.h>

#include <cstdint>
#include <filesystem>
#include <fstream>

#include "libllmedit/core/error.h"

namespace llmedit {

namespace {

struct Llama2cHeader {
  int32_t dim, hidden_dim, n_layers, n_heads, n_kv_heads, vocab_size, seq_len;
};

// Interleaved (re, im) pairs per head -> [first halves | second halves] per head.
torch::Tensor permute_for_rotate_half(const torch::Tensor& w, int64_t heads) {
  const int64_t rows = w.size(0), cols = w.size(1);
  return w.view({heads, rows / heads / 2, 2, cols}).transpose(1, 2).reshape({rows, cols});
}

void check_header(const Llama2cHeader& h, const std::string& path) {
  auto positive = [&](int32_t v, const char* field) {
    if (v <= 0) throw data_error(path + ": llama2.c header field " + field + " must be positive, got " + std::to_string(v));
  };
  positive(h.dim, "dim");
  positive(h.hidden_dim, "hidden_dim");
  positive(h.n_layers, "n_layers");
  positive(h.n_heads, "n_heads");
  positive(h.n_kv_heads, "n_kv_heads");
  positive(h.seq_len, "seq_len");
  if (h.vocab_size == 0) throw data_error(path + ": llama2.c header field vocab_size is 0");
  if (h.dim % h.n_heads != 0 || h.n_heads % h.n_kv_heads != 0 || (h.dim / h.n_heads) % 2 != 0)
    throw data_error(path + ": llama2.c header has dim " + std::to_string(h.dim) + ", n_heads " +
                     std::to_string(h.n_heads) + ", n_kv_heads " + std::to_string(h.n_kv_heads) +
                     " (dim must split into heads of even size, heads into kv groups)");
}

}  // namespace

CheckpointFiles import_llama2c(const std::string& path) {
  if (!std::filesystem::exists(path)) throw data_error("llama2.c checkpoint '" + path + "' does not exist");
  std::ifstream in(path, std::ios::binary);
  Llama2cHeader h{};
  if (!in.read(reinterpret_cast<char*>(&h), sizeof(h))) throw data_error(path + ": shorter than a llama2.c header (28 bytes)");
  check_header(h, path);
  const bool shared_classifier = h.vocab_size > 0;
  const int64_t V = std::abs(h.vocab_size), D = h.dim, F = h.hidden_dim, L = h.n_layers;
  const int64_t head_dim = D / h.n_heads, KV = h.n_kv_heads * head_dim;

  // Exact size check, so a truncated or mislabeled file fails here rather than loading garbage.
  const int64_t floats = V * D + L * (D + D * D + 2 * KV * D + D * D + D + 3 * F * D) + D +
                         h.seq_len * head_dim + (shared_classifier ? 0 : V * D);
  const auto file_size = static_cast<int64_t>(std::filesystem::file_size(path));
  if (file_size != static_cast<int64_t>(sizeof(h)) + floats * 4)
    throw data_error(path + ": file has " + std::to_string(file_size) + " bytes; the llama2.c header implies " +
                     std::to_string(sizeof(h) + floats * 4));
  auto read = [&](std::vector<int64_t> shape) {
    torch::Tensor t = torch::empty(shape, torch::kFloat);
    in.read(reinterpret_cast<char*>(t.data_ptr<float>()), t.numel() * 4);
    return t;
  };

  CheckpointFiles files;
  files.source = path;
  NamedTensors& w = files.weights;
  w.emplace_back("model.embed_tokens.weight", read({V, D}));
  auto per_layer = [&](const std::string& name, std::vector<int64_t> shape, int64_t permute_heads = 0) {
    std::vector<int64_t> stacked = {L};
    stacked.insert(stacked.end(), shape.begin(), shape.end());
    torch::Tensor all = read(stacked);
    for (int64_t i = 0; i < L; ++i) {
      torch::Tensor t = all[i].clone();
      if (permute_heads) t = permute_for_rotate_half(t, permute_heads);
      w.emplace_back("model.layers." + std::to_string(i) + "." + name, t);
    }
  };
  per_layer("input_layernorm.weight", {D});
  per_layer("self_attn.q_proj.weight", {D, D}, h.n_heads);
  per_layer("self_attn.k_proj.weight", {KV, D}, h.n_kv_heads);
  per_layer("self_attn.v_proj.weight", {KV, D});
  per_layer("self_attn.o_proj.weight", {D, D});
  per_layer("post_attention_layernorm.weight", {D});
  per_layer("mlp.gate_proj.weight", {F, D});  // llama2.c w1
  per_layer("mlp.down_proj.weight", {D, F});  // w2
  per_layer("mlp.up_proj.weight", {F, D});    // w3
  w.emplace_back("model.norm.weight", read({D}));
  in.seekg(h.seq_len * head_dim * 4, std::ios::cur);  // precomputed RoPE tables, recomputed here
  if (!shared_classifier) w.emplace_back("lm_head.weight", read({V, D}));
  if (!in) throw data_error(path + ": unexpected end of file while reading weights");

  files.config = {{"architectures", {"LlamaForCausalLM"}},
                  {"model_type", "llama"},
                  {"hidden_size", D},
                  {"intermediate_size", F},
                  {"num_hidden_layers", L},
                  {"num_attention_heads", h.n_heads},
                  {"num_key_value_heads", h.n_kv_heads},
                  {"vocab_size", V},
                  {"max_position_embeddings", h.seq_len},
                  {"rms_norm_eps", 1e-5},  // llama2.c ModelArgs.norm_eps
                  {"rope_theta", 10000.0},
                  {"hidden_act", "silu"},
                  {"tie_word_embeddings", shared_classifier},
                  {"bos_token_id", 1},
                  {"eos_token_id", 2}};
  return files;
}

}  // namespace llmedit
