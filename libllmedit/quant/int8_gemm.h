// An int8 × int8 → int32 matrix product of our own for the CPU, since LibTorch 1.13 offers none
// for plain tensors (no torch::_int_mm; its quantized engines want packed params and dynamic
// scales). It uses AVX-512 VNNI's vpdpbusd, which multiplies unsigned by signed bytes and adds
// groups of four into int32 lanes without saturation: activations are shifted to unsigned,
// a + 128, and the shift is taken back with the weight's row sums,
//   Σ_k a_k w_k = Σ_k (a_k + 128) w_k − 128 Σ_k w_k,
// so the result is the exact int32 accumulation. On CPUs without VNNI (and on GPUs) the W8A8
// kernel uses its exact float path instead (w8a8_linear.h).
#pragma once
#include <torch/types.h>

#include <cstdint>

namespace llmedit {

// Whether this CPU runs int8_gemm (x86-64 with AVX-512 BW and VNNI).
bool int8_gemm_available();

struct PackedInt8Weight {
  torch::Tensor data;    // int8 [out_p / 16, in_p / 4, 16, 4]: VNNI blocks (int8_gemm.cpp), zero-padded
  torch::Tensor shifts;  // int32 [out_p]: 128 · Σ_k w[o, k], what the unsigned shift adds
  int64_t in = 0, out = 0;
  bool defined() const { return data.defined(); }
};

// `q_weight` [out, in] holds integers in [−127, 127] (any dtype, on the CPU).
PackedInt8Weight pack_int8_weight(const torch::Tensor& q_weight);

// `q_x` [N, in] holds integers in [−127, 127] (any dtype, on the CPU); returns int32 [N, out] with
// exactly Σ_k q_x[n, k] · q_weight[o, k]. Requires int8_gemm_available().
torch::Tensor int8_gemm(const torch::Tensor& q_x, const PackedInt8Weight& weight);

}  // namespace llmedit
