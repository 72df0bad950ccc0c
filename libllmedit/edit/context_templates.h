// ROME's context templates (Meng et al. 2022, §3.1 and rome/rome_main.py get_context_templates):
// "{}" plus short texts the model itself writes, each followed by ". {}", so that k* and v* hold
// for the subject in many contexts, not only at the start of a text. Sampled with top-k 5 from
// the openings "The", "Therefore", "Because", "I", "You", seeded; cached in a JSON file so a run
// (and its resume) uses the same ones.
#pragma once
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace llmedit {

class CausalLM;
class Tokenizer;

struct ContextTemplateOptions {
  // (tokens per text, texts): the reference's [[5, 10], [10, 10]] gives 20 prefixes.
  std::vector<std::pair<int64_t, int64_t>> lengths = {{5, 10}, {10, 10}};
  int64_t top_k = 5;
  uint64_t seed = 0;
};

// "{}" first, then one "<text>. {}" per sample. When `cache_path` is not empty and holds
// templates made with the same options they are reused, else the new ones are written there.
std::vector<std::string> context_templates(CausalLM& model, const Tokenizer& tokenizer,
                                           const ContextTemplateOptions& options, const std::string& cache_path);

}  // namespace llmedit
