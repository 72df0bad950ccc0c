// What the probe and audit jobs share about probes: items from a world.json or a JSONL file,
// targets encoded for regression or one-vs-rest classification, prompts tokenized as training
// saw them, and the probe options (LS-SVR, ELM, IRLS, site, layers) declared and read under a
// config prefix ("probe" in the probe job, "audit.probes" in the audit).
#pragma once
#include <torch/types.h>

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "libllmedit/core/config.h"
#include "libllmedit/jobs/model_setup.h"
#include "libllmedit/probe/probe_model.h"
#include "libllmedit/tokenizer/tokenizer.h"

namespace llmedit {

struct ProbeItem {
  std::string prompt;
  nlohmann::json target;      // number or string
  std::string answer_prefix;  // format "qa": the answer's first words, after the answer cue
};

// One item per person of a world.json: the prompt and answer prefix are the templates with
// {name} replaced, the target the person's attribute (public or private, single-valued).
struct WorldPrompt {
  std::string attribute, prompt_template, answer_prefix;  // the templates with {name}
  std::vector<std::string> splits;                        // people of these splits (empty: all)
  // Optional ECMAScript regex whose first capture group (else the whole match) of the attribute's
  // text becomes the target, e.g. "@(\\w+)" the email domain, "^(\\d+)" the house number; a
  // captured number becomes a number. `pattern_key` names the option in errors.
  std::string pattern, pattern_key = "data.pattern";
  std::string attribute_key = "data.attribute";  // for errors
};

// `key` names the option that gave `path` in errors (data.world, audit.probes.world).
std::vector<ProbeItem> read_world_items(const std::string& path, const WorldPrompt& prompt, const std::string& key);
// JSONL: one {"prompt": ..., "target": number | string, "answer_prefix"?: ...} per line.
std::vector<ProbeItem> read_prompt_file(const std::string& path);

struct ProbeTargets {
  bool regression = true;
  torch::Tensor values;              // [N] float64 (regression)
  torch::Tensor labels;              // [N] int64 (classification)
  std::vector<std::string> classes;  // sorted; labels index into it
};

// type: "regression", "classification" or "auto" (all numbers: regression).
ProbeTargets encode_targets(const std::vector<ProbeItem>& items, const std::string& type, const std::string& source);
// The target of item i as the JSON predictions use: a number, or a class name.
nlohmann::json target_value(const ProbeTargets& targets, const torch::Tensor& predicted, int64_t i);

// format "qa": BOS + the question in the chat template + the answer prefix, tokenized apart as
// the trainer tokenizes question and answer; "raw": the prompt with the tokenizer's BOS.
std::vector<std::vector<int64_t>> tokenize_probe_prompts(const std::vector<ProbeItem>& items, const TokenizerSetup& setup,
                                                         const std::string& format);
int64_t padding_id(const Tokenizer& tokenizer);  // any id will do: padding is masked out

// <prefix>.site, .layers, .batch_size, .methods, .ls_svr.*, .elm.*, .irls.*
void declare_probe_model_options(ConfigSchema& schema, const std::string& prefix,
                                 const std::vector<std::string>& default_methods);
// Config errors name the key: negative or zero values where they make no sense, unknown methods.
void validate_probe_model_options(const nlohmann::json& config, const std::string& prefix, const std::string& source);
ProbeOptions read_probe_options(const nlohmann::json& config, const std::string& prefix);
std::vector<ProbeMethod> read_probe_methods(const nlohmann::json& config, const std::string& prefix,
                                            const std::string& source);
std::vector<int64_t> read_probe_layers(const nlohmann::json& config, const std::string& prefix, const std::string& source);
std::vector<std::string> read_string_list(const nlohmann::json& config, const std::string& key, const std::string& source);

}  // namespace llmedit
