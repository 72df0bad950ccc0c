// What the train and unlearn jobs share: the lora.* and output.save_* options, attaching an
// adapter from them, and saving the result (merged model or PEFT adapter) into the run folder.
#pragma once
#include <nlohmann/json.hpp>

#include <optional>
#include <string>

#include "libllmedit/core/config.h"
#include "libllmedit/model/lora.h"
#include "libllmedit/report/run_folder.h"

namespace llmedit {

// Declares lora.{enabled, r, lora_alpha, lora_dropout, target_modules, merge} (PEFT's names)
// and output.{save_model, save_dtype} with the job's own defaults.
void declare_lora_options(ConfigSchema& schema, bool enabled, int64_t r, double alpha, const std::string& enabled_help);

// Freezes the base weights and attaches the adapter when lora.enabled; nullopt otherwise.
std::optional<LoraAdapter> attach_lora_from_config(const nlohmann::json& config, CausalLM& model);

// output.save_model: the adapter in PEFT format (lora.merge false) or the merged model in
// output.save_dtype with the tokenizer files beside it.
void save_trained_model(const nlohmann::json& config, CausalLM& model, std::optional<LoraAdapter>& adapter,
                        const std::string& tokenizer_path, const RunFolder& run);

}  // namespace llmedit
