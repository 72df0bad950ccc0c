// The audit's probe part: can a probe trained on retain people's hidden states read the
// forgotten attribute of forget people? Per layer and probe method, on the pre-unlearning and the
// unlearned model, against chance (predicting the training people's mean, or their majority
// class). A probe that still beats chance after unlearning means the attribute is still encoded
// even when the model no longer says it (DESIGN.md §5 Audit (b)).
#pragma once
#include <nlohmann/json.hpp>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "libllmedit/jobs/model_setup.h"
#include "libllmedit/jobs/probe_setup.h"

namespace llmedit {

struct ProbeAuditOptions {
  std::string world;                     // world.json
  WorldPrompt train, test;               // same templates, different splits
  std::string format = "qa";             // see tokenize_probe_prompts
  std::string target_type = "auto";
  std::vector<ProbeMethod> methods;
  ProbeOptions probe;                    // hyper-parameters shared by the methods
  std::string site = "output";
  std::vector<int64_t> layers;           // empty: all
  int64_t batch_size = 16;
};

// A model to probe, loaded when its turn comes (one model in memory at a time).
struct ProbedModel {
  std::string name;  // "original", "unlearned"
  std::function<std::shared_ptr<CausalLM>()> load;
};

struct ProbeAuditResult {
  nlohmann::json metrics;                  // {"attribute", "task", "train_items", "test_items", "chance", "rows", "best", "verdict"}
  std::vector<nlohmann::json> predictions; // per model, method and test person: the prediction per layer
  std::string summary;                     // markdown: a table and the verdict
};

ProbeAuditResult run_probe_audit(const ProbeAuditOptions& options, const std::vector<ProbedModel>& models,
                                 const TokenizerSetup& tokenizer, const std::string& source);

}  // namespace llmedit
