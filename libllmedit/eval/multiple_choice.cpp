#include "libllmedit/eval/multiple_choice.h"

#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <numeric>
#include <set>
#include <tuple>

#include "libllmedit/core/error.h"
#include "libllmedit/core/logging.h"
#include "libllmedit/core/progress.h"

namespace llmedit {

namespace {

using Values = std::map<std::string, std::string>;

// Replaces {name} by values[name]; "{{" and "}}" are literal braces. `field` names the template
// in errors. Substituted text is not scanned again, so braces in questions stay as they are.
std::string fill(const std::string& tmpl, const Values& values, const std::string& field) {
  std::string out;
  for (size_t i = 0; i < tmpl.size(); ++i) {
    const char c = tmpl[i];
    if ((c == '{' || c == '}') && i + 1 < tmpl.size() && tmpl[i + 1] == c) {
      out += c;
      ++i;
    } else if (c == '}') {
      throw config_error(field + ": unmatched '}' at offset " + std::to_string(i) + " in \"" + tmpl + "\"");
    } else if (c == '{') {
      const size_t close = tmpl.find('}', i);
      if (close == std::string::npos)
        throw config_error(field + ": unmatched '{' at offset " + std::to_string(i) + " in \"" + tmpl + "\"");
      const std::string name = tmpl.substr(i + 1, close - i - 1);
      auto it = values.find(name);
      if (it == values.end()) {
        std::string allowed;
        for (const auto& [key, value] : values) allowed += (allowed.empty() ? "{" : ", {") + key + "}";
        throw config_error(field + ": unknown placeholder {" + name + "} (allowed: " + allowed + ")");
      }
      out += it->second;
      i = close;
    } else {
      out += c;
    }
  }
  return out;
}

std::string strip_ascii(const std::string& text) {
  const char* space = " \t\n\r\f\v";
  const size_t begin = text.find_first_not_of(space);
  if (begin == std::string::npos) return "";
  return text.substr(begin, text.find_last_not_of(space) - begin + 1);
}

std::string render_answer(const MCPromptFormat& f, size_t letter) {
  return fill(f.answer, {{"letter", mc_letter(letter)}}, "eval.mc.template.answer");
}

std::string render_choices(const MCPromptFormat& f, const MCItem& item) {
  std::string out;
  for (size_t j = 0; j < item.choices.size(); ++j) {
    if (j > 0) out += f.choice_separator;
    out += fill(f.choice, {{"letter", mc_letter(j)}, {"choice", item.choices[j]}}, "eval.mc.template.choice");
  }
  return out;
}

std::string last_line(const std::string& text) {
  const size_t newline = text.rfind('\n');
  return newline == std::string::npos ? text : text.substr(newline + 1);
}

// The first token of `continuation` after `context`, or -1 when the two merge at the boundary.
int64_t token_after(const Tokenizer& tokenizer, const std::string& context, const std::string& continuation) {
  const std::vector<int64_t> ctx = tokenizer.encode(context, false);
  const std::vector<int64_t> whole = tokenizer.encode(context + continuation, false);
  if (whole.size() <= ctx.size() || !std::equal(ctx.begin(), ctx.end(), whole.begin())) return -1;
  return whole[ctx.size()];
}

// Dropping the longest shots changes the prompt, so it is encoded again after each drop.
std::string join_prompt(const std::string& header, const MCShots& shots, const std::vector<size_t>& kept,
                        const std::string& question) {
  std::string text = header;
  for (size_t i : kept) text += shots.texts[i];
  return text + question;
}

void drop_longest(const MCShots& shots, std::vector<size_t>& kept) {
  int64_t longest = 0;
  for (size_t i : kept) longest = std::max(longest, shots.lengths[i]);
  kept.erase(std::remove_if(kept.begin(), kept.end(), [&](size_t i) { return shots.lengths[i] == longest; }),
             kept.end());
}

MCScore score_from_logprobs(std::vector<double> logprobs) {
  MCScore score;
  const double top = *std::max_element(logprobs.begin(), logprobs.end());
  double total = 0;
  for (double lp : logprobs) total += std::exp(lp - top);
  for (double lp : logprobs) score.probs.push_back(std::exp(lp - top) / total);
  score.predicted = static_cast<size_t>(std::max_element(logprobs.begin(), logprobs.end()) - logprobs.begin());
  score.logprobs = std::move(logprobs);
  return score;
}

// The forward computes logits at every position, [B, T, V]: batches are cut so that tensor stays
// under this size (long few-shot prompts times a 150k vocabulary would otherwise need gigabytes).
constexpr int64_t kLogitsBudgetBytes = int64_t{1} << 30;

// [begin, end) ranges of `order` (longest prompt first, so a batch's first prompt sets its T).
std::vector<std::pair<size_t, size_t>> plan_batches(const std::vector<size_t>& order,
                                                    const std::vector<std::vector<int64_t>>& prompts,
                                                    int64_t batch_size, int64_t vocab) {
  std::vector<std::pair<size_t, size_t>> batches;
  for (size_t begin = 0; begin < order.size();) {
    const auto bytes_per_row = static_cast<int64_t>(prompts[order[begin]].size()) * vocab * 4;
    const int64_t fit = std::max<int64_t>(1, kLogitsBudgetBytes / std::max<int64_t>(1, bytes_per_row));
    const auto size = static_cast<size_t>(std::min(std::max<int64_t>(1, batch_size), fit));
    batches.emplace_back(begin, std::min(order.size(), begin + size));
    begin = batches.back().second;
  }
  return batches;
}

// One left-padded forward; returns log-softmax of the last position, [B, V] float32 on the CPU.
torch::Tensor last_logprobs(CausalLM& model, const std::vector<const std::vector<int64_t>*>& batch, int64_t pad_id) {
  size_t T = 0;
  for (const auto* ids : batch) T = std::max(T, ids->size());
  const auto B = static_cast<int64_t>(batch.size());
  std::vector<int64_t> ids(B * T, pad_id), mask(B * T, 0);
  for (size_t b = 0; b < batch.size(); ++b) {
    const size_t offset = b * T + T - batch[b]->size();
    std::copy(batch[b]->begin(), batch[b]->end(), ids.begin() + static_cast<std::ptrdiff_t>(offset));
    std::fill_n(mask.begin() + static_cast<std::ptrdiff_t>(offset), batch[b]->size(), 1);
  }
  const auto shape = std::vector<int64_t>{B, static_cast<int64_t>(T)};
  ForwardOptions options;
  options.attention_mask = torch::tensor(mask, torch::kInt64).view(shape).to(model.device());
  torch::Tensor logits = model.forward(torch::tensor(ids, torch::kInt64).view(shape), options).logits;  // [B, T, V]
  torch::Tensor last = logits.select(1, static_cast<int64_t>(T) - 1);  // [B, V]: left padding puts every prompt's end here
  return torch::log_softmax(last.to(torch::kFloat), -1).cpu();
}

std::vector<MCItem> first_items(const std::vector<MCItem>& items, int64_t max_items) {
  if (max_items <= 0 || static_cast<size_t>(max_items) >= items.size()) return items;
  return {items.begin(), items.begin() + max_items};
}

std::vector<std::string> chosen_subjects(const MCBenchmark& benchmark, const std::vector<std::string>& wanted) {
  std::vector<std::string> out;
  std::string available;
  for (const auto& [name, items] : benchmark.test) {
    out.push_back(name);
    available += (available.empty() ? "" : ", ") + name;
  }
  if (out.empty()) throw data_error("the benchmark has no test/*.csv files to evaluate");
  if (wanted.empty()) return out;
  for (const std::string& name : wanted)
    if (!benchmark.test.count(name))
      throw config_error("data.subjects: no test file for subject \"" + name + "\" (available: " + available + ")");
  return wanted;
}

void check_ids_in_vocab(const std::vector<int64_t>& ids, int64_t vocab, const std::string& what) {
  for (int64_t id : ids)
    if (id < 0 || id >= vocab)
      throw data_error(what + ": token id " + std::to_string(id) + " is outside the model's vocabulary of " +
                       std::to_string(vocab) + " (does model.tokenizer belong to the model?)");
}

// Everything scored for one subject: prompts, letter tokens and where each item came from.
struct PreparedSubject {
  std::vector<MCPrompt> prompts;
  std::vector<std::vector<int64_t>> letters;
  std::vector<MCItem> items;
};

PreparedSubject prepare_subject(const Tokenizer& tokenizer, const MCBenchmark& benchmark, const std::string& subject,
                                const MCOptions& options, int64_t max_length,
                                std::map<std::string, MCLetterTokens>& letter_cache) {
  PreparedSubject out;
  out.items = first_items(benchmark.test.at(subject), options.max_items);
  MCShots shots;
  if (options.shots > 0) {
    auto dev = benchmark.dev.find(subject);
    if (dev == benchmark.dev.end())
      throw data_error("eval.mc.shots is " + std::to_string(options.shots) + " but the benchmark has no dev/" + subject +
                       ".csv to take shots from");
    if (dev->second.size() < static_cast<size_t>(options.shots))
      spdlog::warn("dev/{}.csv has {} rows, fewer than eval.mc.shots = {}; using them all", subject, dev->second.size(),
                   options.shots);
    shots = prepare_mc_shots(tokenizer, options.format, subject, dev->second, static_cast<size_t>(options.shots));
  }
  for (const MCItem& item : out.items) {
    out.prompts.push_back(build_mc_prompt(tokenizer, options.format, subject, shots, item, max_length));
    const std::string cue = last_line(out.prompts.back().text);
    auto cached = letter_cache.find(cue);
    if (cached == letter_cache.end())
      cached = letter_cache.emplace(cue, mc_letter_tokens(tokenizer, options.format, cue)).first;
    const std::vector<int64_t>& all = cached->second.ids;
    out.letters.emplace_back(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(item.choices.size()));
  }
  return out;
}

struct PreparedBenchmark {
  std::vector<std::pair<std::string, PreparedSubject>> subjects;
  std::map<std::string, MCSubjectStats> stats;  // rows and duplicates
  MCLetterTokens first_letters;                 // of the first prompt, for the metrics
};

PreparedBenchmark prepare_benchmark(const Tokenizer& tokenizer, const MCBenchmark& benchmark, const MCOptions& options,
                                    int64_t max_length, int64_t vocab) {
  PreparedBenchmark out;
  std::map<std::string, MCLetterTokens> letter_cache;
  for (const std::string& subject : chosen_subjects(benchmark, options.subjects)) {
    PreparedSubject p = prepare_subject(tokenizer, benchmark, subject, options, max_length, letter_cache);
    for (size_t i = 0; i < p.prompts.size(); ++i) {
      check_ids_in_vocab(p.prompts[i].ids, vocab, "test/" + subject + ".csv row " + std::to_string(p.items[i].row));
      check_ids_in_vocab(p.letters[i], vocab, "the letter tokens");
    }
    if (out.first_letters.ids.empty() && !p.prompts.empty())
      out.first_letters = letter_cache.at(last_line(p.prompts.front().text));
    out.stats[subject].rows = static_cast<int64_t>(benchmark.test.at(subject).size());
    out.stats[subject].duplicates = count_duplicate_items(p.items);
    out.subjects.emplace_back(subject, std::move(p));
  }
  return out;
}

MCItemResult item_result(const std::string& subject, const MCItem& item, const MCPrompt& prompt, MCScore score) {
  MCItemResult r;
  r.subject = subject;
  r.row = item.row;
  r.gold = static_cast<size_t>(item.answer);
  r.score = std::move(score);
  r.shots = prompt.shots;
  r.prompt_tokens = static_cast<int64_t>(prompt.ids.size());
  r.header_dropped = prompt.header_dropped;
  r.truncated = prompt.truncated;
  return r;
}

}  // namespace

MCPromptFormat arcmmlu_format() {
  MCPromptFormat f;
  f.name = "arcmmlu";
  f.header = "以下是关于{subject}的单项选择题，请直接给出正确答案的选项。\n\n";
  f.question = "题目：{question}\n{choices}\n答案是：";
  f.choice = "{letter}. {choice}";
  f.choice_separator = "\n";
  f.answer = "{letter}";
  f.shot_separator = "\n\n";
  f.subject_names = {{"archive", "档案学"}, {"data_science", "数据科学"}, {"information", "信息学"}, {"library", "图书馆学"}};
  return f;
}

MCPromptFormat mmlu_format() {
  MCPromptFormat f;
  f.name = "mmlu";
  f.header = "The following are multiple choice questions (with answers) about {subject}.\n\n";
  f.question = "{question}\n{choices}\nAnswer:";
  f.choice = "{letter}. {choice}";
  f.choice_separator = "\n";
  f.answer = " {letter}";
  f.shot_separator = "\n\n";
  f.strip_question = true;  // doc_to_text: "{{question.strip()}}"
  f.subject_underscores_to_spaces = true;
  return f;
}

MCPromptFormat builtin_mc_format(const std::string& name, const std::string& field) {
  if (name == "arcmmlu") return arcmmlu_format();
  if (name == "mmlu") return mmlu_format();
  throw config_error(field + " must be arcmmlu or mmlu; got \"" + name + "\"");
}

void validate_mc_format(const MCPromptFormat& f, const std::string& source) {
  const std::string p = source + ": eval.mc.template.";
  fill(f.header, {{"subject", "s"}}, p + "header");
  fill(f.question, {{"subject", "s"}, {"question", "q"}, {"choices", "c"}}, p + "question");
  fill(f.choice, {{"letter", "A"}, {"choice", "c"}}, p + "choice");
  fill(f.answer, {{"letter", "A"}}, p + "answer");
  if (f.answer.find("{letter}") == std::string::npos)
    throw config_error(p + "answer must contain {letter}; got \"" + f.answer + "\"");
}

std::string mc_letter(size_t index) { return std::string(1, static_cast<char>('A' + index)); }

std::string mc_subject_name(const MCPromptFormat& f, const std::string& subject) {
  auto it = f.subject_names.find(subject);
  if (it != f.subject_names.end()) return it->second;
  if (!f.subject_underscores_to_spaces) return subject;
  std::string out = subject;
  std::replace(out.begin(), out.end(), '_', ' ');
  return out;
}

std::string render_mc_header(const MCPromptFormat& f, const std::string& subject) {
  return fill(f.header, {{"subject", mc_subject_name(f, subject)}}, "eval.mc.template.header");
}

std::string render_mc_question(const MCPromptFormat& f, const std::string& subject, const MCItem& item) {
  const Values values = {{"subject", mc_subject_name(f, subject)},
                         {"question", f.strip_question ? strip_ascii(item.question) : item.question},
                         {"choices", render_choices(f, item)}};
  return fill(f.question, values, "eval.mc.template.question");
}

std::string render_mc_shot(const MCPromptFormat& f, const std::string& subject, const MCItem& item) {
  return render_mc_question(f, subject, item) + render_answer(f, static_cast<size_t>(item.answer)) + f.shot_separator;
}

std::string render_mc_prompt(const MCPromptFormat& f, const std::string& subject, const std::vector<MCItem>& shots,
                             const MCItem& item) {
  std::string text = render_mc_header(f, subject);
  for (const MCItem& shot : shots) text += render_mc_shot(f, subject, shot);
  return text + render_mc_question(f, subject, item);
}

std::vector<int64_t> encode_mc_text(const Tokenizer& tokenizer, const std::string& text) {
  std::vector<int64_t> ids = tokenizer.encode(text, false);
  const int64_t bos = tokenizer.bos_id();
  if (bos >= 0 && (ids.empty() || ids.front() != bos)) ids.insert(ids.begin(), bos);
  return ids;
}

MCShots prepare_mc_shots(const Tokenizer& tokenizer, const MCPromptFormat& f, const std::string& subject,
                         const std::vector<MCItem>& dev, size_t k) {
  MCShots shots;
  for (size_t i = 0; i < std::min(k, dev.size()); ++i) {
    shots.texts.push_back(render_mc_shot(f, subject, dev[i]));
    shots.lengths.push_back(static_cast<int64_t>(tokenizer.encode(shots.texts.back(), false).size()));
  }
  return shots;
}

MCPrompt build_mc_prompt(const Tokenizer& tokenizer, const MCPromptFormat& f, const std::string& subject,
                         const MCShots& shots, const MCItem& item, int64_t max_length) {
  if (max_length < 2) throw config_error("eval.mc.max_length must be at least 2, got " + std::to_string(max_length));
  const std::string header = render_mc_header(f, subject);
  const std::string question = render_mc_question(f, subject, item);
  std::vector<size_t> kept(shots.texts.size());
  std::iota(kept.begin(), kept.end(), size_t{0});
  MCPrompt prompt;
  for (;;) {
    prompt.text = join_prompt(header, shots, kept, question);
    prompt.ids = encode_mc_text(tokenizer, prompt.text);
    if (static_cast<int64_t>(prompt.ids.size()) <= max_length || kept.empty()) break;
    drop_longest(shots, kept);
  }
  prompt.shots = static_cast<int64_t>(kept.size());
  if (static_cast<int64_t>(prompt.ids.size()) <= max_length) return prompt;
  prompt.header_dropped = true;
  prompt.text = question;
  prompt.ids = encode_mc_text(tokenizer, question);
  if (static_cast<int64_t>(prompt.ids.size()) <= max_length) return prompt;
  // Keep the end, where the answer cue is; BOS (when there is one) stays in front.
  prompt.truncated = true;
  const bool bos = tokenizer.bos_id() >= 0;
  std::vector<int64_t> kept_ids(bos ? 1 : 0, tokenizer.bos_id());
  kept_ids.insert(kept_ids.end(), prompt.ids.end() - (max_length - (bos ? 1 : 0)), prompt.ids.end());
  prompt.ids = std::move(kept_ids);
  return prompt;
}

MCLetterTokens mc_letter_tokens(const Tokenizer& tokenizer, const MCPromptFormat& f, const std::string& prompt) {
  const std::string cue = last_line(prompt);
  MCLetterTokens out;
  for (size_t j = 0; j < 4; ++j) out.ids.push_back(token_after(tokenizer, cue, render_answer(f, j)));
  // A merge for any letter changes the method for all, so every letter is taken alike.
  out.from_prompt = std::find(out.ids.begin(), out.ids.end(), -1) == out.ids.end();
  for (size_t j = 0; j < 4 && !out.from_prompt; ++j) {
    const std::vector<int64_t> alone = tokenizer.encode(render_answer(f, j), false);
    if (alone.empty()) throw data_error("the answer continuation \"" + render_answer(f, j) + "\" encodes to no tokens");
    out.ids[j] = alone.front();
  }
  for (size_t a = 0; a < 4; ++a)
    for (size_t b = a + 1; b < 4; ++b)
      if (out.ids[a] == out.ids[b])
        throw data_error("letters " + mc_letter(a) + " and " + mc_letter(b) + " start with the same token " +
                         std::to_string(out.ids[a]) + " (\"" + tokenizer.id_to_piece(out.ids[a]) +
                         "\") after the cue \"" + cue + "\"; change eval.mc.template.answer or the format");
  return out;
}

std::vector<MCScore> score_mc_prompts(CausalLM& model, const std::vector<std::vector<int64_t>>& prompts,
                                      const std::vector<std::vector<int64_t>>& letters, int64_t pad_id,
                                      int64_t batch_size, ProgressBar* progress) {
  if (prompts.size() != letters.size()) throw Error(ErrorKind::Internal, "score_mc_prompts: prompts and letters differ in count");
  std::vector<size_t> order(prompts.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return prompts[a].size() > prompts[b].size(); });
  torch::NoGradGuard no_grad;
  std::vector<MCScore> scores(prompts.size());
  for (const auto& [begin, end] : plan_batches(order, prompts, batch_size, model.spec().vocab_size)) {
    std::vector<const std::vector<int64_t>*> batch;
    for (size_t i = begin; i < end; ++i) batch.push_back(&prompts[order[i]]);
    const torch::Tensor logprobs = last_logprobs(model, batch, pad_id);  // [B, V]
    const auto table = logprobs.accessor<float, 2>();
    for (size_t i = begin; i < end; ++i) {
      std::vector<double> lp;
      for (int64_t id : letters[order[i]]) lp.push_back(table[static_cast<int64_t>(i - begin)][id]);
      scores[order[i]] = score_from_logprobs(std::move(lp));
    }
    if (progress) progress->update(static_cast<int64_t>(end));
  }
  return scores;
}

int64_t count_duplicate_items(const std::vector<MCItem>& items) {
  std::set<std::tuple<std::string, std::vector<std::string>, int>> seen;
  int64_t duplicates = 0;
  for (const MCItem& item : items)
    if (!seen.insert({item.question, item.choices, item.answer}).second) ++duplicates;
  return duplicates;
}

MCSummary summarize_mc(const std::vector<MCItemResult>& results, std::map<std::string, MCSubjectStats> subjects) {
  MCSummary s;
  for (auto& [name, stats] : subjects) stats.items = stats.correct = 0;
  for (const MCItemResult& r : results) {
    MCSubjectStats& stats = subjects[r.subject];
    ++stats.items;
    stats.correct += r.correct() ? 1 : 0;
  }
  double accuracy_sum = 0;
  for (const auto& [name, stats] : subjects) {
    s.items += stats.items;
    s.correct += stats.correct;
    s.duplicates += stats.duplicates;
    accuracy_sum += stats.accuracy();
  }
  s.macro_accuracy = subjects.empty() ? 0.0 : accuracy_sum / static_cast<double>(subjects.size());
  s.micro_accuracy = s.items > 0 ? static_cast<double>(s.correct) / static_cast<double>(s.items) : 0.0;
  s.subjects = std::move(subjects);
  return s;
}

MCEvaluation evaluate_mc(CausalLM& model, const Tokenizer& tokenizer, const MCBenchmark& benchmark,
                         const MCOptions& options) {
  if (options.shots < 0 || options.shots > 5)
    throw config_error("eval.mc.shots must be between 0 and 5, got " + std::to_string(options.shots));
  const auto start = std::chrono::steady_clock::now();
  MCEvaluation out;
  out.max_length = options.max_length > 0 ? options.max_length : model.spec().max_position_embeddings;
  if (out.max_length <= 0) throw config_error("the model declares no max_position_embeddings: set eval.mc.max_length");
  const PreparedBenchmark prepared =
      prepare_benchmark(tokenizer, benchmark, options, out.max_length, model.spec().vocab_size);

  // All subjects are scored together, so batches sorted by length mix subjects and pad little.
  std::vector<std::vector<int64_t>> ids, letters;
  for (const auto& [subject, p] : prepared.subjects) {
    for (const MCPrompt& prompt : p.prompts) ids.push_back(prompt.ids);
    letters.insert(letters.end(), p.letters.begin(), p.letters.end());
  }
  const int64_t pad = tokenizer.pad_id() >= 0 ? tokenizer.pad_id() : std::max<int64_t>(0, tokenizer.eos_id());
  ProgressBar bar("multiple choice", static_cast<int64_t>(ids.size()), "question", options.progress);
  std::vector<MCScore> scores = score_mc_prompts(model, ids, letters, pad, options.batch_size, &bar);
  bar.finish();

  size_t next = 0;
  for (const auto& [subject, p] : prepared.subjects)
    for (size_t i = 0; i < p.items.size(); ++i)
      out.items.push_back(item_result(subject, p.items[i], p.prompts[i], std::move(scores[next++])));
  out.letters = prepared.first_letters;
  for (int64_t id : out.letters.ids) out.letter_pieces.push_back(tokenizer.id_to_piece(id));
  out.summary = summarize_mc(out.items, prepared.stats);
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return out;
}

nlohmann::json mc_metrics_json(const MCEvaluation& e, const MCOptions& options) {
  nlohmann::json subjects = nlohmann::json::object();
  for (const auto& [name, s] : e.summary.subjects)
    subjects[name] = {{"accuracy", s.accuracy()}, {"items", s.items}, {"correct", s.correct}, {"rows", s.rows},
                      {"duplicates", s.duplicates}};
  int64_t fewer_shots = 0, header_dropped = 0, truncated = 0;
  for (const MCItemResult& r : e.items) {
    fewer_shots += r.shots < options.shots ? 1 : 0;
    header_dropped += r.header_dropped ? 1 : 0;
    truncated += r.truncated ? 1 : 0;
  }
  nlohmann::json letters = nlohmann::json::object();
  for (size_t j = 0; j < e.letter_pieces.size(); ++j)
    letters[mc_letter(j)] = {{"id", e.letters.ids[j]}, {"piece", e.letter_pieces[j]}};
  return {{"format", options.format.name},
          {"shots", options.shots},
          {"max_length", e.max_length},
          {"accuracy", {{"macro", e.summary.macro_accuracy}, {"micro", e.summary.micro_accuracy}}},
          {"subjects", subjects},
          {"items", e.summary.items},
          {"correct", e.summary.correct},
          {"duplicates", e.summary.duplicates},
          {"prompts", {{"fewer_shots", fewer_shots}, {"header_dropped", header_dropped}, {"truncated", truncated}}},
          {"letter_tokens", letters},
          {"letter_tokens_from", e.letters.from_prompt ? "prompt" : "continuation alone"}};
}

nlohmann::json mc_prediction_json(const MCItemResult& r) {
  nlohmann::json probs = nlohmann::json::object(), logprobs = nlohmann::json::object();
  for (size_t j = 0; j < r.score.probs.size(); ++j) {
    probs[mc_letter(j)] = r.score.probs[j];
    logprobs[mc_letter(j)] = r.score.logprobs[j];
  }
  return {{"subject", r.subject},        {"row", r.row},
          {"gold", mc_letter(r.gold)},   {"predicted", mc_letter(r.score.predicted)},
          {"correct", r.correct()},      {"probs", probs},
          {"logprobs", logprobs},        {"shots", r.shots},
          {"prompt_tokens", r.prompt_tokens}};
}

nlohmann::json mc_metric_formulas() {
  return {{"accuracy", "mean over items of [argmax over the choice letters of log p(letter | prompt) = gold] "
                       "(lm-evaluation-harness acc)"},
          {"accuracy.macro", "mean of the per-subject accuracies"},
          {"accuracy.micro", "correct items / items, over every subject"},
          {"probs", "per item: softmax over the choice letters' next-token log-probabilities"}};
}

}  // namespace llmedit
