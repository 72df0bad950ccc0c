// Hugging Face checkpoint folders: config.json plus model.safetensors or a sharded
// model.safetensors.index.json; and writing a folder back in the same layout.
#pragma once
#include <nlohmann/json.hpp>

#include <string>

#include "libllmedit/io/safetensors.h"

namespace llmedit {

struct CheckpointFiles {
  nlohmann::json config;  // config.json
  NamedTensors weights;   // in file order, stored dtype
  std::string source;     // the folder or file, for error messages
};

// Reads config.json and every weight of a folder. Throws a data error naming the path for a
// missing folder, a missing config.json or weights file, or a malformed index.
CheckpointFiles read_hf_folder(const std::string& folder);

// Writes config.json, model.safetensors (dtype of the tensors given) and generation_config.json
// into `folder` (created if needed), each file atomically, so transformers can load the folder.
void write_hf_folder(const std::string& folder, const nlohmann::json& config, const NamedTensors& weights);

}  // namespace llmedit
