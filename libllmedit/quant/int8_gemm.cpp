#include "libllmedit/quant/int8_gemm.h"

#include <ATen/Parallel.h>
#include <torch/torch.h>

#include <algorithm>

#include "libllmedit/core/error.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define LLMEDIT_HAS_VNNI_PATH 1
#define LLMEDIT_VNNI __attribute__((target("avx512f,avx512bw,avx512vnni")))
#endif

namespace llmedit {

namespace {

// Weights are packed as oneDNN's VNNI layout does: blocks of 16 output rows, and within a block,
// for each group of 4 input channels, the 16 rows' 4 bytes side by side (64 bytes, one register):
// data[block][k / 4][row][k % 4]. A register then accumulates 16 outputs of one token, and the
// token's 4 bytes are broadcast, so no horizontal sum is ever needed.
constexpr int64_t kRows = 16;        // output rows per register
constexpr int64_t kRowTile = 2;      // registers of rows per tile (32 rows)
constexpr int64_t kTokenTile = 4;    // tokens per tile: 8 accumulators
constexpr int64_t kTokenBlock = 64;  // tokens kept hot in L2 while a thread walks its weight blocks

int64_t round_up(int64_t n, int64_t m) { return (n + m - 1) / m * m; }

#ifdef LLMEDIT_HAS_VNNI_PATH
// out[t][0..32) = Σ_k x[t][k] · w[row][k] − shifts[row] for T tokens and 32 rows.
template <int T>
LLMEDIT_VNNI void tile(const uint8_t* x, int64_t x_stride, const int8_t* w, int64_t block_stride, int64_t k4,
                       const int32_t* shifts, int32_t* out, int64_t out_stride) {
  __m512i acc[T][kRowTile];
  for (int t = 0; t < T; ++t)
    for (int g = 0; g < kRowTile; ++g) acc[t][g] = _mm512_setzero_si512();
  for (int64_t k = 0; k < k4; ++k) {
    __m512i wv[kRowTile];
    for (int g = 0; g < kRowTile; ++g) wv[g] = _mm512_loadu_si512(w + g * block_stride + k * 64);
    for (int t = 0; t < T; ++t) {
      int32_t four;  // x[t][4k .. 4k+4)
      __builtin_memcpy(&four, x + t * x_stride + 4 * k, 4);
      const __m512i xv = _mm512_set1_epi32(four);
      for (int g = 0; g < kRowTile; ++g) acc[t][g] = _mm512_dpbusd_epi32(acc[t][g], xv, wv[g]);
    }
  }
  for (int g = 0; g < kRowTile; ++g) {
    const __m512i shift = _mm512_loadu_si512(shifts + g * kRows);  // 128 · Σ_k w
    for (int t = 0; t < T; ++t) _mm512_storeu_si512(out + t * out_stride + g * kRows, _mm512_sub_epi32(acc[t][g], shift));
  }
}
#endif

}  // namespace

bool int8_gemm_available() {
#ifdef LLMEDIT_HAS_VNNI_PATH
  static const bool available = __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vnni");
  return available;
#else
  return false;
#endif
}

PackedInt8Weight pack_int8_weight(const torch::Tensor& q_weight) {
  const int64_t out = q_weight.size(0), in = q_weight.size(1);
  const int64_t out_padded = round_up(out, kRows * kRowTile), in_padded = round_up(in, 4);
  const torch::Tensor q = torch::constant_pad_nd(q_weight.detach().to(torch::kCPU).to(torch::kInt8),
                                                 {0, in_padded - in, 0, out_padded - out});  // [out_p, in_p]
  PackedInt8Weight p;
  p.in = in;
  p.out = out;
  p.data = q.reshape({out_padded / kRows, kRows, in_padded / 4, 4}).permute({0, 2, 1, 3}).contiguous();
  p.shifts = q.to(torch::kInt32).sum(1).mul(128).to(torch::kInt32).contiguous();  // [out_p]
  return p;
}

torch::Tensor int8_gemm(const torch::Tensor& q_x, const PackedInt8Weight& w) {
  if (!int8_gemm_available()) throw Error(ErrorKind::Internal, "int8_gemm: this CPU has no AVX-512 VNNI");
  if (q_x.dim() != 2 || q_x.size(1) != w.in || !q_x.device().is_cpu())
    throw Error(ErrorKind::Internal, "int8_gemm: expected a CPU [N, " + std::to_string(w.in) + "] input");
  const int64_t n = q_x.size(0), k4 = w.data.size(1), in_padded = 4 * k4;
  const int64_t out_padded = w.data.size(0) * kRows, block_stride = k4 * 64;
  // Unsigned activations, a + 128, with the padded columns meeting zero weights.
  const torch::Tensor x =
      torch::constant_pad_nd(q_x.to(torch::kInt16).add(128).to(torch::kUInt8), {0, in_padded - w.in}, 128).contiguous();
  torch::Tensor result = torch::empty({n, out_padded}, torch::kInt32);  // [N, out_p]
#ifdef LLMEDIT_HAS_VNNI_PATH
  const uint8_t* xp = x.data_ptr<uint8_t>();
  const int8_t* wp = w.data.data_ptr<int8_t>();
  const int32_t* sums = w.shifts.data_ptr<int32_t>();
  int32_t* rp = result.data_ptr<int32_t>();
  const int64_t tiles = out_padded / (kRows * kRowTile);
  // Threads split the weight rows; each walks its rows once per block of tokens.
  at::parallel_for(0, tiles, 1, [&](int64_t begin, int64_t end) {
    for (int64_t t0 = 0; t0 < n; t0 += kTokenBlock) {
      const int64_t t_end = std::min(n, t0 + kTokenBlock);
      for (int64_t r = begin; r < end; ++r) {
        const int64_t o = r * kRows * kRowTile;
        const int8_t* wr = wp + r * kRowTile * block_stride;
        int64_t t = t0;
        for (; t + kTokenTile <= t_end; t += kTokenTile)
          tile<kTokenTile>(xp + t * in_padded, in_padded, wr, block_stride, k4, sums + o, rp + t * out_padded + o, out_padded);
        for (; t < t_end; ++t) tile<1>(xp + t * in_padded, in_padded, wr, block_stride, k4, sums + o, rp + t * out_padded + o, out_padded);
      }
    }
  });
#endif
  return w.out == out_padded ? result : result.narrow(1, 0, w.out);
}

}  // namespace llmedit
