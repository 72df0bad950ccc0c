// Causal tracing (Meng et al. 2022, "Locating and Editing Factual Associations in GPT", §2.1):
// where in the network a model recalls a fact. The subject's token embeddings are corrupted with
// Gaussian noise; then, one (layer, token) at a time, the clean run's activation is put back and
// the probability of the clean prediction measured. The indirect effect of a state is
// P(o | corrupted, that state restored) − P(o | corrupted). ROME and MEMIT assume the effect of
// MLP states peaks at the subject's last token in early-middle layers; `llmedit trace` checks
// that assumption on a given model before anyone edits it.
#pragma once
#include <torch/types.h>

#include <nlohmann/json.hpp>

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "libllmedit/data/counterfact.h"

namespace llmedit {

class CausalLM;
class Tokenizer;
class InterruptGuard;

struct CausalTraceOptions {
  // Noise std = noise_scale × the std of the input embedding matrix (ROME uses 3 × the std of
  // subject embeddings over a corpus; the whole matrix needs no corpus).
  double noise_scale = 3.0;
  int64_t samples = 10;  // corrupted runs per request, each with its own noise
  // What is restored: "output" (the residual stream leaving block l), "mlp.output" or
  // "attn.output" (hook sites, libllmedit/model/hooks.h).
  std::string site = "output";
  uint64_t seed = 1;
  const InterruptGuard* interrupt = nullptr;
  bool progress = true;
};

// ROME's token groups (its Figure 1 rows).
enum class TraceTokenGroup { SubjectFirst, SubjectMiddle, SubjectLast, FirstAfterSubject, Further, Last };
constexpr size_t kTraceTokenGroups = 6;
const char* trace_token_group_name(TraceTokenGroup group);

// The group of each token of a prompt whose subject spans tokens [subject_first, subject_last].
std::vector<TraceTokenGroup> trace_token_groups(int64_t num_tokens, int64_t subject_first, int64_t subject_last);

struct CausalTraceResult {
  int64_t requests = 0;
  double clean_probability = 0;    // mean P(o) of the clean prediction o
  double corrupt_probability = 0;  // mean P(o) with the subject corrupted
  // Mean indirect effect per token group and layer ([group][layer]); NaN where no request had a
  // token of that group.
  std::array<std::vector<double>, kTraceTokenGroups> effect;
  nlohmann::json to_json() const;
  std::string table() const;  // markdown, groups as rows, layers as columns
};

// Traces each request's filled prompt (the model's own greedy next token is the fact traced).
CausalTraceResult causal_trace(CausalLM& model, const Tokenizer& tokenizer, const std::vector<EditRequest>& requests,
                               const CausalTraceOptions& options);

}  // namespace llmedit
