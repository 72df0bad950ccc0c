#include "libllmedit/io/checkpoint.h"

#include <torch/torch.h>

#include <filesystem>
#include <map>

#include "libllmedit/core/atomic_file.h"
#include "libllmedit/core/error.h"

namespace llmedit {

namespace fs = std::filesystem;

namespace {

nlohmann::json read_json_file(const std::string& path) {
  const std::string text = read_text_file(path);
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {  // parse_error, or out_of_range for a number like 1e999
    throw data_error(path + ": not valid JSON (" + std::string(e.what()) + ")");
  }
}

// Integer index buffers that older transformers versions saved beside the weights (BERT's
// embeddings.position_ids, e.g. in all-MiniLM-L12-v2); transformers ignores them on load too.
bool is_index_buffer(const SafetensorsEntry& entry) {
  const std::string suffix = "position_ids";
  const bool integer = entry.dtype == "I64" || entry.dtype == "I32";
  return integer && entry.name.size() >= suffix.size() &&
         entry.name.compare(entry.name.size() - suffix.size(), suffix.size(), suffix) == 0;
}

void append_all(const SafetensorsReader& reader, NamedTensors& out) {
  for (const SafetensorsEntry& entry : reader.entries())
    if (!is_index_buffer(entry)) out.emplace_back(entry.name, reader.load(entry.name));
}

// model.safetensors.index.json: {"weight_map": {tensor name: shard file}}.
void read_sharded(const std::string& index_path, const std::string& folder, NamedTensors& out) {
  const nlohmann::json index = read_json_file(index_path);
  if (!index.contains("weight_map") || !index["weight_map"].is_object())
    throw data_error(index_path + ": missing object field 'weight_map'");
  std::map<std::string, std::vector<std::string>> by_shard;
  for (const auto& [name, shard] : index["weight_map"].items()) {
    if (!shard.is_string()) throw data_error(index_path + ": weight_map['" + name + "'] must be a file name");
    by_shard[shard.get<std::string>()].push_back(name);
  }
  for (const auto& [shard, names] : by_shard) {
    const std::string shard_path = folder + "/" + shard;
    if (!fs::exists(shard_path)) throw data_error(index_path + ": shard '" + shard + "' does not exist");
    SafetensorsReader reader(shard_path);
    for (const std::string& name : names) {
      if (!reader.contains(name))
        throw data_error(index_path + ": weight '" + name + "' is mapped to '" + shard + "', which does not contain it");
      if (!is_index_buffer(reader.entry(name))) out.emplace_back(name, reader.load(name));
    }
  }
}

std::string dtype_name(torch::Dtype dtype) {
  if (dtype == torch::kBFloat16) return "bfloat16";
  if (dtype == torch::kHalf) return "float16";
  return "float32";
}

}  // namespace

CheckpointFiles read_hf_folder(const std::string& folder) {
  if (!fs::exists(folder)) throw data_error("model folder '" + folder + "' does not exist");
  if (!fs::is_directory(folder)) throw data_error("model path '" + folder + "' is not a folder");
  const std::string config_path = folder + "/config.json";
  if (!fs::exists(config_path)) throw data_error(folder + ": no config.json in the model folder");
  CheckpointFiles files;
  files.source = folder;
  files.config = read_json_file(config_path);
  const std::string single = folder + "/model.safetensors";
  const std::string index = folder + "/model.safetensors.index.json";
  if (fs::exists(single)) {
    const SafetensorsReader reader(single);
    append_all(reader, files.weights);
  } else if (fs::exists(index)) {
    read_sharded(index, folder, files.weights);
  } else {
    throw data_error(folder + ": no model.safetensors or model.safetensors.index.json in the model folder");
  }
  return files;
}

void write_hf_folder(const std::string& folder, const nlohmann::json& config, const NamedTensors& weights) {
  fs::create_directories(folder);
  nlohmann::json saved = config;
  const torch::Dtype dtype = weights.empty() ? torch::kFloat : weights.front().second.scalar_type();
  saved["torch_dtype"] = dtype_name(dtype);  // transformers 4 reads this key, 5 reads "dtype"
  saved["dtype"] = dtype_name(dtype);
  write_safetensors(folder + "/model.safetensors", weights, {{"format", "pt"}});
  nlohmann::json generation = {{"_from_model_config", true}};
  for (const char* key : {"bos_token_id", "eos_token_id", "pad_token_id"})
    if (saved.contains(key) && !saved[key].is_null()) generation[key] = saved[key];
  write_text_atomic(folder + "/generation_config.json", generation.dump(2) + "\n");
  write_text_atomic(folder + "/config.json", saved.dump(2) + "\n");
}

}  // namespace llmedit
