// Tokens of edit requests: where the subject's last token sits, which tokens a target is, and
// batched forwards over prompts of different lengths. Shared by the editors (methods/edit) and
// the edit metrics (eval/edit_metrics).
#pragma once
#include <torch/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "libllmedit/data/counterfact.h"

namespace llmedit {

class CausalLM;
class Tokenizer;

// Throws a data error naming the request ("request 3 (subject 'X')") when the prompt has no
// "{}", or more than one, or the subject is empty.
void check_edit_request(const EditRequest& request, size_t index);

// `text_template` with "{}" replaced by `subject`.
std::string fill_template(const std::string& text_template, const std::string& subject);

// The position of the subject's last token in encode(fill_template(t, subject), BOS): as ROME's
// reference (rome/repr_tools.py, get_words_idxs_in_templates) the text is cut into prefix,
// subject and suffix and the prefix and subject are tokenized on their own; the index is
// |tokens(prefix + subject)| - 1. Tokenizing prefix and subject as one piece gives the
// reference's |tokens(prefix)| + |tokens(" " + subject)| - 1 for byte-level BPE (which splits
// at the space anyway) and avoids SentencePiece's extra "▁" token before a lone " subject".
// Throws a data error naming `where` when the subject's tokens do not start the full text's
// tokens at that point (the subject merges with what follows it).
int64_t subject_last_index(const Tokenizer& tokenizer, const std::string& text_template, const std::string& subject,
                           const std::string& where);

// The tokens " target" adds after `prompt`: encode(prompt + " " + target) minus encode(prompt)
// when the prompt's tokens are a prefix of the whole (they are for SentencePiece and byte-level
// BPE at a space); else encode(" " + target) without special tokens.
std::vector<int64_t> continuation_ids(const Tokenizer& tokenizer, const std::string& prompt, const std::string& target);

// A right-padded batch of token sequences.
struct PaddedIds {
  torch::Tensor ids;   // [B, T] long
  torch::Tensor mask;  // [B, T] long, 1 for tokens
};
PaddedIds right_pad(const std::vector<std::vector<int64_t>>& sequences, int64_t pad_id = 0);

// Mean log-probability per token of each continuation after its prompt ([N] float64 tensor
// values): prompt i = prompts[i] (token ids, BOS included), continuation i = continuations[i].
// Batched, no gradient.
std::vector<double> continuation_log_probs(CausalLM& model, const std::vector<std::vector<int64_t>>& prompts,
                                           const std::vector<std::vector<int64_t>>& continuations,
                                           int64_t batch_size = 32);

// Sets requires_grad false on every weight while alive (an edit trains only its own tensors),
// restoring each flag after.
class FrozenWeights {
 public:
  explicit FrozenWeights(CausalLM& model);
  ~FrozenWeights();
  FrozenWeights(const FrozenWeights&) = delete;
  FrozenWeights& operator=(const FrozenWeights&) = delete;

 private:
  std::vector<std::pair<torch::Tensor, bool>> saved_;
};

}  // namespace llmedit
