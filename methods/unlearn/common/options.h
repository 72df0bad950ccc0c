// The config options every forget/retain method shares (under "method."), declared with their
// defaults and read into ForgetRetainOptions in one place (options.cpp). Defaults follow the
// ReLearn reference scripts (zjunlp/unlearn, baselines/unlearn_scripts/kud-baselines.sh and
// config/forget_lora.yaml): learning rate 1e-5, 5 epochs, batch 1 with 8 accumulation steps,
// AdamW with weight decay 0.01, warm-up over one epoch then linear decay.
#pragma once
#include <nlohmann/json.hpp>

#include "libllmedit/core/config.h"
#include "methods/unlearn/common/forget_retain.h"

namespace llmedit::unlearn {

// The defaults a family's reference script uses (ReLearn's: 4 epochs, 4 accumulation steps).
struct TrainingDefaults {
  double learning_rate = 1e-5;
  int64_t num_train_epochs = 5;
  int64_t per_device_train_batch_size = 1;
  int64_t gradient_accumulation_steps = 8;
};

// method.learning_rate, num_train_epochs, ..., forget_weight: the training loop's settings.
void declare_training_options(ConfigSchema& schema, const TrainingDefaults& defaults = {});
void read_training_options(const nlohmann::json& resolved, ForgetRetainOptions& options);

// method.retain_weight (with CE(retain)), method.kl_weight and method.kl_mask (with KL).
void declare_retain_options(ConfigSchema& schema, RetainTerm retain);
void read_retain_options(const nlohmann::json& resolved, RetainTerm retain, ForgetRetainOptions& options);

// A config error "method.<key> must be <what>, got <value>" unless `ok`.
void require_option(bool ok, const std::string& key, const std::string& what, const nlohmann::json& value);

}  // namespace llmedit::unlearn
