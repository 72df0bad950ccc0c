// AdamW (Loshchilov & Hutter, "Decoupled Weight Decay Regularization", 2019) as torch.optim.AdamW
// computes it, over named tensors, with its state as named tensors so checkpoints are plain
// safetensors and a resumed run continues bit for bit.
#pragma once
#include <torch/types.h>

#include <cstdint>
#include <string>

#include "libllmedit/io/safetensors.h"

namespace llmedit {

struct AdamWOptions {
  double beta1 = 0.9;
  double beta2 = 0.999;
  double eps = 1e-8;
  double weight_decay = 0.01;
};

class AdamW {
 public:
  // Weight decay applies to tensors of two or more dimensions only: biases and norm weights are
  // exempt, as in transformers' Trainer.
  AdamW(NamedTensors parameters, AdamWOptions options);

  // One update with learning rate `lr` from each parameter's .grad() (parameters without a
  // gradient are skipped, as torch does).
  void step(double lr);
  void zero_grad();

  const NamedTensors& parameters() const { return parameters_; }
  int64_t steps_taken() const { return steps_; }

  // "exp_avg.<name>" and "exp_avg_sq.<name>" for every parameter (float32).
  NamedTensors state() const;
  // Restores state() output and the step count; throws a data error naming `source` on a
  // missing or misshapen tensor.
  void load_state(const NamedTensors& state, int64_t steps_taken, const std::string& source);

 private:
  NamedTensors parameters_;
  AdamWOptions options_;
  std::vector<torch::Tensor> exp_avg_, exp_avg_sq_;
  int64_t steps_ = 0;
};

}  // namespace llmedit
