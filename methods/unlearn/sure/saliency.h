// SURE's neuron-level saliency mask: the rows ("neurons") of each trainable tensor whose
// forget-term gradient has an L2 norm at or above a percentile of all rows' norms (the 99th by
// default) are updated; every other row's gradient is zeroed. After the SURE trainer of the
// ReLearn code (zjunlp/unlearn, baselines/src/sure_trainer.py), itself after SalUn's weight
// saliency (Fan et al. 2024, ICLR). The mask is computed per micro-batch from that micro-batch's
// forget term, and masks that micro-batch's gradient only: accumulation still accumulates.
#pragma once
#include <torch/types.h>

#include <vector>

namespace llmedit::unlearn {

// L2 norm of each row: grad [rows, ...] -> [rows] float32; a 1-D gradient gives |grad|.
torch::Tensor row_norms(const torch::Tensor& grad);

// numpy.percentile's default: linear interpolation between the closest ranks; q in [0, 100].
// `values` must not be empty.
double percentile(std::vector<double> values, double q);

// One mask per gradient (1 on kept rows, 0 elsewhere), shaped [rows, 1, ...] to broadcast over
// it; the threshold is the q-th percentile of every row norm of every defined gradient. An
// undefined gradient (a tensor the forget term does not reach) gets an undefined mask.
std::vector<torch::Tensor> saliency_masks(const std::vector<torch::Tensor>& forget_grads, double q);

}  // namespace llmedit::unlearn
