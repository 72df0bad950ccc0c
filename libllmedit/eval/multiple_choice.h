// Multiple-choice evaluation (MMLU, CMMLU, ArcMMLU): k-shot prompts from a benchmark's dev
// file, the answer = argmax over the choice letters of the next-token log-probability at the
// end of the prompt (lm-evaluation-harness `acc`, first token of each letter's continuation),
// accuracy per subject with macro and micro averages. docs/multiple_choice.md has the formats.
#pragma once
#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "libllmedit/data/mc_csv.h"
#include "libllmedit/model/causal_lm.h"
#include "libllmedit/tokenizer/tokenizer.h"

namespace llmedit {

class ProgressBar;

// How a question, its choices and its answer are written. Placeholders (`{{` and `}}` are
// literal braces):
//   header    {subject}                          once, before the shots
//   question  {subject} {question} {choices}     a question up to the answer cue
//   choice    {letter} {choice}                  one option; joined by choice_separator into {choices}
//   answer    {letter}                           what follows the cue: after each shot, and the
//                                                continuation whose first token is scored
// A shot is question + answer + shot_separator; the prompt is header + shots + question.
struct MCPromptFormat {
  std::string name;
  std::string header, question, choice, choice_separator, answer, shot_separator;
  bool strip_question = false;                        // trim ASCII whitespace around the question
  bool subject_underscores_to_spaces = false;         // "high_school_physics" -> "high school physics"
  std::map<std::string, std::string> subject_names;  // file stem -> name written in the header
};

// The ArcMMLU/CMMLU authors' Chinese format (subject names archive 档案学, data_science 数据科学,
// information 信息学, library 图书馆学; other subjects as named).
MCPromptFormat arcmmlu_format();
// lm-evaluation-harness' MMLU default template, with its description as the header.
MCPromptFormat mmlu_format();
// "arcmmlu" or "mmlu"; a config error naming `field` otherwise.
MCPromptFormat builtin_mc_format(const std::string& name, const std::string& field);
// Renders every template with sample values: a config error naming `source`, the template's
// field (eval.template.<name>) and the placeholder when one is unknown or a brace is unmatched.
void validate_mc_format(const MCPromptFormat& format, const std::string& source);

std::string mc_letter(size_t index);  // 0 -> "A"
std::string mc_subject_name(const MCPromptFormat& format, const std::string& subject);
std::string render_mc_header(const MCPromptFormat& format, const std::string& subject);
std::string render_mc_question(const MCPromptFormat& format, const std::string& subject, const MCItem& item);
std::string render_mc_shot(const MCPromptFormat& format, const std::string& subject, const MCItem& item);
// The whole prompt text with every shot (no length limit).
std::string render_mc_prompt(const MCPromptFormat& format, const std::string& subject,
                             const std::vector<MCItem>& shots, const MCItem& item);

// The tokenizer's ids for text: no special tokens, then BOS in front when the tokenizer has
// one (so a tokenizer_config.json's add_eos_token never puts EOS at the scored position).
std::vector<int64_t> encode_mc_text(const Tokenizer& tokenizer, const std::string& text);

// A subject's rendered shots (the first k dev rows) and their token counts.
struct MCShots {
  std::vector<std::string> texts;
  std::vector<int64_t> lengths;
};
MCShots prepare_mc_shots(const Tokenizer& tokenizer, const MCPromptFormat& format, const std::string& subject,
                         const std::vector<MCItem>& dev, size_t k);

struct MCPrompt {
  std::string text;
  std::vector<int64_t> ids;  // encode_mc_text(text), at most max_length long
  int64_t shots = 0;         // shots kept
  bool header_dropped = false;
  bool truncated = false;    // even the question alone was too long: its last tokens were kept
};

// The prompt that fits `max_length` tokens, as the ArcMMLU/CMMLU script builds it: while the
// prompt is too long, every shot of the greatest token count is dropped (ties go together);
// with no shot left and still too long, the header goes too; a question longer than the
// context keeps BOS and its last max_length - 1 tokens.
MCPrompt build_mc_prompt(const Tokenizer& tokenizer, const MCPromptFormat& format, const std::string& subject,
                         const MCShots& shots, const MCItem& item, int64_t max_length);

// The token scored for each letter after a prompt: lm-evaluation-harness splits
// encode(context + continuation) after len(encode(context)) and the first token of the rest is
// taken. The context is the prompt's last line (the answer cue), which tokenizes the same on its
// own. When the cue and the continuation merge into one token the continuation is encoded
// alone instead (`from_prompt` false). Two letters sharing a token are a data error.
struct MCLetterTokens {
  std::vector<int64_t> ids;  // A, B, C, D
  bool from_prompt = true;
};
MCLetterTokens mc_letter_tokens(const Tokenizer& tokenizer, const MCPromptFormat& format, const std::string& prompt);

struct MCScore {
  std::vector<double> logprobs;  // log p(letter token | prompt) over the whole vocabulary
  std::vector<double> probs;     // softmax over the letters only
  size_t predicted = 0;          // argmax; the first letter wins a tie
};

// One forward per batch of left-padded prompts (sorted by length, so batches pad little); the
// last position's logits are scored. A batch holds at most batch_size prompts and is cut further
// so its [B, T, V] logits stay under 1 GiB. `letters[i]` are prompt i's letter tokens (one per
// option). Results are in the order of `prompts`. `progress` may be null.
std::vector<MCScore> score_mc_prompts(CausalLM& model, const std::vector<std::vector<int64_t>>& prompts,
                                      const std::vector<std::vector<int64_t>>& letters, int64_t pad_id,
                                      int64_t batch_size, ProgressBar* progress);

struct MCItemResult {
  std::string subject;
  int64_t row = 0;
  size_t gold = 0;
  MCScore score;
  int64_t shots = 0, prompt_tokens = 0;
  bool header_dropped = false, truncated = false;
  bool correct() const { return score.predicted == gold; }
};

struct MCSubjectStats {
  int64_t rows = 0;        // in the test file
  int64_t items = 0;       // evaluated (rows, or the first max_items)
  int64_t correct = 0;
  int64_t duplicates = 0;  // evaluated items equal to an earlier one (kept and scored)
  double accuracy() const { return items > 0 ? static_cast<double>(correct) / static_cast<double>(items) : 0.0; }
};

struct MCSummary {
  std::map<std::string, MCSubjectStats> subjects;
  int64_t items = 0, correct = 0, duplicates = 0;
  double macro_accuracy = 0;  // mean of the subjects' accuracies
  double micro_accuracy = 0;  // correct / items over all subjects
};

// Items equal (question, options, answer) to an earlier item of the list.
int64_t count_duplicate_items(const std::vector<MCItem>& items);
// Per-subject counts from `results`; `subjects` supplies rows and duplicates (its items and
// correct counts are recomputed).
MCSummary summarize_mc(const std::vector<MCItemResult>& results, std::map<std::string, MCSubjectStats> subjects);

struct MCOptions {
  MCPromptFormat format = mmlu_format();
  int64_t shots = 0;       // 0-5, the first rows of dev/<subject>.csv
  int64_t max_length = 0;  // prompt tokens at most; 0: the model's max_position_embeddings
  int64_t batch_size = 8;
  int64_t max_items = 0;   // the first N test rows of each subject (0: all)
  std::vector<std::string> subjects;  // empty: every test subject
  bool progress = true;
};

struct MCEvaluation {
  std::vector<MCItemResult> items;  // subject by subject, rows in file order
  MCSummary summary;
  MCLetterTokens letters;           // of the first prompt
  std::vector<std::string> letter_pieces;
  int64_t max_length = 0;
  double seconds = 0;               // prompt building and scoring
};

// Evaluates the test files of `benchmark`. Unknown subjects are a config error; k > 0 with no
// dev file for a subject, or token ids outside the model's vocabulary, a data error.
MCEvaluation evaluate_mc(CausalLM& model, const Tokenizer& tokenizer, const MCBenchmark& benchmark,
                         const MCOptions& options);

// metrics.json: format, shots, max_length, accuracy {macro, micro}, subjects {name: {accuracy,
// items, correct, rows, duplicates}}, totals, prompt counts and the letter tokens.
nlohmann::json mc_metrics_json(const MCEvaluation& evaluation, const MCOptions& options);
// Each reported metric with the formula it computes (`llmedit metrics --list`).
nlohmann::json mc_metric_formulas();
// One predictions.jsonl row: subject, row, gold, predicted, correct, probs and logprobs by letter,
// shots, prompt_tokens.
nlohmann::json mc_prediction_json(const MCItemResult& item);

}  // namespace llmedit
