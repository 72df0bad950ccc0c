#include "libllmedit/augment/pipeline.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "libllmedit/augment/script_filter.h"
#include "libllmedit/augment/subject.h"
#include "libllmedit/augment/text_rules.h"
#include "libllmedit/core/atomic_file.h"
#include "libllmedit/core/error.h"
#include "libllmedit/core/logging.h"
#include "libllmedit/core/progress.h"

namespace llmedit::augment {

NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(AugmentedItem, id, question, answer, subject, kind, source_id)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(SourceItem, id, question, answer, subject, key_facts)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Question, kind, variant, text)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(ItemQuestions, source_id, questions)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Draft, item, question, chunk, text, rounds, accepted)

namespace {

// A seed for everything generated about one question of one item.
uint64_t task_seed(uint64_t run_seed, const std::string& source_id, const std::string& kind, int64_t variant) {
  return fnv1a64(std::to_string(run_seed) + "\x1f" + source_id + "\x1f" + kind + "\x1f" + std::to_string(variant));
}

AugmentTask base_task(const SourceItem& item, const std::string& kind) {
  AugmentTask t;
  t.kind = kind;
  t.subject = item.subject;
  t.source_question = item.question;
  t.source_answer = item.answer;
  t.key_facts = item.key_facts;
  return t;
}

std::vector<std::string> chunks_of(const SourceItem& item, int64_t chunk_chars) { return split_chunks(item.answer, chunk_chars); }

// A vague-answer task for one chunk of one question, at a regeneration round.
AugmentTask answer_task(const SourceItem& item, const Question& q, const std::string& chunk, int64_t chunk_index,
                        int64_t round, uint64_t run_seed) {
  AugmentTask t = base_task(item, kVagueAnswer);
  t.question = q.text;
  t.answer = chunk;
  t.source_answer = chunk;
  t.variant = q.variant;
  t.chunk = chunk_index;
  t.round = round;
  t.seed = task_seed(run_seed, item.id, q.kind, q.variant);
  return t;
}

// The first chunk of an answer must name the subject (later chunks continue it); an empty draft
// keeps nothing.
bool keeps_subject(const Draft& draft, const SourceItem& item) {
  if (draft.text.empty()) return false;
  return draft.chunk > 0 || item.subject.empty() || draft.text.find(item.subject) != std::string::npos;
}

std::string item_id(const std::string& source_id, const std::string& kind, int64_t variant) {
  return source_id + "." + kind + (variant > 0 ? "." + std::to_string(variant) : "");
}

// The journal of one ask(): a JSON array of replies per provider call, one line each. Lines up
// to the first unreadable one (a write cut short by a kill) count; at most `limit` replies.
std::vector<std::string> read_journal(const std::string& path, size_t limit) {
  std::vector<std::string> replies;
  if (path.empty() || !std::filesystem::exists(path)) return replies;
  std::istringstream in(read_text_file(path));
  std::string kept;
  for (std::string line; std::getline(in, line) && !in.eof();) {
    const nlohmann::json batch = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (!batch.is_array() || replies.size() + batch.size() > limit) break;
    for (const nlohmann::json& reply : batch) replies.push_back(reply.is_string() ? reply.get<std::string>() : "");
    kept += line + "\n";
  }
  write_text_atomic(path, kept);  // drops a torn last line, so appends continue a clean file
  return replies;
}

void append_journal(const std::string& path, const std::vector<std::string>& replies) {
  if (path.empty()) return;
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::app);
  out << nlohmann::json(replies).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
  out.flush();
  if (!out) throw data_error("cannot write '" + path + "' (disk full?)");
}

}  // namespace

PipelineContext::PipelineContext(AugmentProvider& provider, StageCache& cache, AugmentOptions options, nlohmann::json prompts)
    : provider_(provider), cache_(cache), options_(std::move(options)), prompts_(std::move(prompts)) {}

std::vector<std::string> PipelineContext::ask(const std::vector<AugmentTask>& tasks, const std::string& label) {
  const std::string journal = journal_path(tasks, label);
  std::vector<std::string> replies = read_journal(journal, tasks.size());
  replayed_ += static_cast<int64_t>(replies.size());
  if (!replies.empty()) spdlog::info("augment: {}: {} replies read back from {}", label, replies.size(), journal);
  replies.reserve(tasks.size());
  ProgressBar bar("augment: " + label, static_cast<int64_t>(tasks.size()), "request", options_.progress && !tasks.empty());
  bar.update(static_cast<int64_t>(replies.size()));
  // A resumed run starts at a batch boundary, so its batches are the ones an uninterrupted run makes.
  const size_t batch = static_cast<size_t>(std::max<int64_t>(1, options_.batch_size));
  for (size_t begin = replies.size(); begin < tasks.size(); begin += batch) {
    if (options_.interrupt && options_.interrupt->requested())
      throw Interrupted("augment: stopped in " + label + " after " + std::to_string(begin) + " of " +
                        std::to_string(tasks.size()) + " requests");
    const std::vector<AugmentTask> part(tasks.begin() + static_cast<std::ptrdiff_t>(begin),
                                        tasks.begin() + static_cast<std::ptrdiff_t>(std::min(tasks.size(), begin + batch)));
    std::vector<std::string> got = provider_.run(part);
    append_journal(journal, got);
    for (std::string& reply : got) replies.push_back(std::move(reply));
    requests_ += static_cast<int64_t>(part.size());
    bar.update(static_cast<int64_t>(replies.size()));
  }
  bar.finish();
  return replies;
}

std::string PipelineContext::journal_path(const std::vector<AugmentTask>& tasks, const std::string& label) const {
  if (options_.journal_dir.empty()) return "";
  nlohmann::json key = {{"label", label}, {"provider", provider_.identity()}, {"prompts", prompts_},
                        {"batch_size", options_.batch_size}, {"tasks", nlohmann::json::array()}};
  for (const AugmentTask& t : tasks)
    key["tasks"].push_back({t.kind, t.question, t.answer, t.subject, t.source_question, t.source_answer, t.key_facts,
                            t.variant, t.chunk, t.round, t.seed});
  return options_.journal_dir + "/" + cache_key(key) + ".jsonl";
}

nlohmann::json PipelineContext::cached(const std::string& stage, nlohmann::json key,
                                       const std::function<nlohmann::json()>& compute) {
  key["stage"] = stage;
  key["pipeline"] = 2;  // bump when a stage's own logic changes, so old cache entries are not reused
  key["provider"] = provider_.identity();
  key["prompts"] = prompts_;
  bool hit = false;
  nlohmann::json out = cache_.get_or_compute(stage, key, compute, &hit);
  cache_report_[stage] = cache_.dir().empty() ? "off" : (hit ? "hit" : "miss");
  return out;
}

std::vector<SourceItem> source_items(const std::vector<QAItem>& forget) {
  std::vector<SourceItem> out;
  for (size_t i = 0; i < forget.size(); ++i) {
    const QAItem& q = forget[i];
    out.push_back({q.id.empty() ? "item" + std::to_string(i) : q.id, q.question, q.answer, find_subject(q), q.key_facts});
  }
  return out;
}

// ---- 1. question variants ----

std::vector<ItemQuestions> question_variants(PipelineContext& context, const std::vector<SourceItem>& items,
                                             nlohmann::json& stats) {
  const AugmentOptions& o = context.options();
  const nlohmann::json key = {{"items", items}, {"kinds", o.kinds}, {"variants_per_kind", o.variants_per_kind}, {"seed", o.seed}};
  const nlohmann::json out = context.cached("question_variants", key, [&] {
    std::vector<AugmentTask> tasks;
    for (const SourceItem& item : items)
      for (const std::string& kind : o.kinds)
        for (int64_t v = 0; v < o.variants_per_kind; ++v) {
          AugmentTask t = base_task(item, kind);
          t.question = item.question;
          t.variant = v;
          t.seed = task_seed(o.seed, item.id, kind, 0);
          tasks.push_back(t);
        }
    const std::vector<std::string> replies = context.ask(tasks, "question variants");
    std::vector<ItemQuestions> result;
    int64_t empty = 0, duplicate = 0, kept = 0, lost_subject = 0;
    size_t next = 0;
    for (const SourceItem& item : items) {
      ItemQuestions iq{item.id, {{"vague", 0, item.question}}};
      std::set<std::string> seen = {item.question};
      for (size_t k = 0; k < o.kinds.size() * static_cast<size_t>(o.variants_per_kind); ++k, ++next) {
        const std::string text = trim(replies[next]);
        if (text.empty()) {
          ++empty;
        } else if (!item.subject.empty() && text.find(item.subject) == std::string::npos) {
          ++lost_subject;  // a variant about no one (or someone else) cannot keep the subject
        } else if (!seen.insert(text).second) {
          ++duplicate;  // the same question twice would only weight one pair double
        } else {
          iq.questions.push_back({tasks[next].kind, tasks[next].variant, text});
          ++kept;
        }
      }
      result.push_back(iq);
    }
    return nlohmann::json{{"result", result},
                          {"stats",
                           {{"requested", tasks.size()}, {"kept", kept}, {"empty", empty}, {"duplicate", duplicate},
                            {"lost_subject", lost_subject}}}};
  });
  stats = out["stats"];
  return out["result"].get<std::vector<ItemQuestions>>();
}

// ---- 2. vague answers ----

std::vector<Draft> vague_answers(PipelineContext& context, const std::vector<SourceItem>& items,
                                 const std::vector<ItemQuestions>& questions, nlohmann::json& stats) {
  const AugmentOptions& o = context.options();
  const nlohmann::json key = {{"items", items}, {"questions", questions}, {"chunk_chars", o.chunk_chars}, {"seed", o.seed}};
  const nlohmann::json out = context.cached("vague_answers", key, [&] {
    std::vector<AugmentTask> tasks;
    std::vector<Draft> drafts;
    int64_t multi_chunk_items = 0;
    for (size_t i = 0; i < items.size(); ++i) {
      const std::vector<std::string> chunks = chunks_of(items[i], o.chunk_chars);
      if (chunks.size() > 1) ++multi_chunk_items;
      for (size_t q = 0; q < questions[i].questions.size(); ++q)
        for (size_t c = 0; c < chunks.size(); ++c) {
          tasks.push_back(answer_task(items[i], questions[i].questions[q], chunks[c], static_cast<int64_t>(c), 0, o.seed));
          drafts.push_back({static_cast<int64_t>(i), static_cast<int64_t>(q), static_cast<int64_t>(c), "", 1, false});
        }
    }
    const std::vector<std::string> replies = context.ask(tasks, "vague answers");
    for (size_t d = 0; d < drafts.size(); ++d) drafts[d].text = trim(replies[d]);
    return nlohmann::json{{"result", drafts},
                          {"stats", {{"requested", tasks.size()}, {"items_with_several_chunks", multi_chunk_items}}}};
  });
  stats = out["stats"];
  return out["result"].get<std::vector<Draft>>();
}

// ---- 3. verification ----

std::vector<Draft> verify_answers(PipelineContext& context, const std::vector<SourceItem>& items,
                                  const std::vector<ItemQuestions>& questions, const std::vector<Draft>& drafts,
                                  nlohmann::json& stats) {
  const AugmentOptions& o = context.options();
  const nlohmann::json key = {{"items", items}, {"questions", questions}, {"drafts", drafts},
                              {"max_judge_rounds", o.max_judge_rounds}, {"chunk_chars", o.chunk_chars}, {"seed", o.seed}};
  const nlohmann::json out = context.cached("verify_answers", key, [&] {
    std::vector<Draft> result = drafts;
    std::vector<size_t> pending(result.size());
    for (size_t d = 0; d < pending.size(); ++d) pending[d] = d;
    nlohmann::json passed_by_round = nlohmann::json::array();
    int64_t judged = 0, regenerated = 0, dropped = 0, lost_subject = 0;
    for (int64_t round = 0; round < o.max_judge_rounds && !pending.empty(); ++round) {
      std::vector<AugmentTask> judge_tasks;
      for (size_t d : pending) {
        const Draft& draft = result[d];
        const SourceItem& item = items[static_cast<size_t>(draft.item)];
        const Question& q = questions[static_cast<size_t>(draft.item)].questions[static_cast<size_t>(draft.question)];
        AugmentTask t = base_task(item, kJudge);
        t.question = q.text;
        t.answer = draft.text;
        t.source_answer = chunks_of(item, o.chunk_chars)[static_cast<size_t>(draft.chunk)];
        t.variant = q.variant;
        t.chunk = draft.chunk;
        t.round = round;
        t.seed = task_seed(o.seed, item.id, q.kind, q.variant);
        judge_tasks.push_back(t);
      }
      const std::vector<std::string> verdicts = context.ask(judge_tasks, "judge, round " + std::to_string(round + 1));
      judged += static_cast<int64_t>(judge_tasks.size());
      std::vector<size_t> failed;
      int64_t passed = 0;
      for (size_t k = 0; k < pending.size(); ++k) {
        // An empty draft has nothing to keep, and one that lost its subject is not ReLearn's
        // subject-keeping answer, whatever the judge says.
        const bool kept = keeps_subject(result[pending[k]], items[static_cast<size_t>(result[pending[k]].item)]);
        lost_subject += kept ? 0 : 1;
        if (judge_passes(verdicts[k]) && kept) {
          result[pending[k]].accepted = true;
          ++passed;
        } else {
          failed.push_back(pending[k]);
        }
      }
      passed_by_round.push_back(passed);
      if (round + 1 == o.max_judge_rounds) {
        dropped += static_cast<int64_t>(failed.size());
        break;
      }
      std::vector<AugmentTask> retry;
      for (size_t d : failed) {
        const Draft& draft = result[d];
        const SourceItem& item = items[static_cast<size_t>(draft.item)];
        const Question& q = questions[static_cast<size_t>(draft.item)].questions[static_cast<size_t>(draft.question)];
        retry.push_back(answer_task(item, q, chunks_of(item, o.chunk_chars)[static_cast<size_t>(draft.chunk)], draft.chunk,
                                    round + 1, o.seed));
      }
      const std::vector<std::string> replies = context.ask(retry, "regenerate, round " + std::to_string(round + 2));
      regenerated += static_cast<int64_t>(retry.size());
      for (size_t k = 0; k < failed.size(); ++k) {
        result[failed[k]].text = trim(replies[k]);
        result[failed[k]].rounds = round + 2;
      }
      pending = failed;
    }
    return nlohmann::json{{"result", result},
                          {"stats",
                           {{"judged", judged}, {"passed_by_round", passed_by_round}, {"regenerated", regenerated},
                            {"dropped_chunks", dropped}, {"lost_subject", lost_subject}}}};
  });
  stats = out["stats"];
  return out["result"].get<std::vector<Draft>>();
}

// ---- pairs ----

std::vector<AugmentedItem> assemble_pairs(const std::vector<SourceItem>& items, const std::vector<ItemQuestions>& questions,
                                          const std::vector<Draft>& verified, bool include_original, nlohmann::json& stats) {
  // (item, question) -> its chunks in order; a question is usable when every chunk passed.
  std::map<std::pair<int64_t, int64_t>, std::vector<const Draft*>> by_question;
  for (const Draft& d : verified) by_question[{d.item, d.question}].push_back(&d);
  std::vector<AugmentedItem> pairs;
  int64_t dropped = 0;
  for (size_t i = 0; i < items.size(); ++i) {
    const SourceItem& item = items[i];
    if (include_original) pairs.push_back({item.id + ".original", item.question, item.answer, item.subject, "original", item.id});
    for (size_t q = 0; q < questions[i].questions.size(); ++q) {
      std::vector<const Draft*> chunks = by_question[{static_cast<int64_t>(i), static_cast<int64_t>(q)}];
      std::sort(chunks.begin(), chunks.end(), [](const Draft* a, const Draft* b) { return a->chunk < b->chunk; });
      const bool usable = !chunks.empty() && std::all_of(chunks.begin(), chunks.end(), [](const Draft* d) { return d->accepted; });
      if (!usable) {
        ++dropped;
        continue;
      }
      std::vector<std::string> texts;
      for (const Draft* d : chunks) texts.push_back(d->text);
      const Question& question = questions[i].questions[q];
      // The answer written for THIS question (the reference pairs variant i with answer i-1).
      pairs.push_back({item_id(item.id, question.kind, question.variant), question.text, join_words(texts), item.subject,
                       question.kind, item.id});
    }
  }
  stats = {{"pairs", pairs.size()}, {"dropped_by_judge", dropped}, {"original_included", include_original}};
  return pairs;
}

// ---- 4. diversification ----

namespace {

// The scripts the forget items themselves are written in.
std::set<std::string> input_scripts(const std::vector<SourceItem>& items) {
  std::set<std::string> scripts;
  for (const SourceItem& item : items)
    for (const std::string* text : {&item.question, &item.answer})
      for (const std::string& s : scripts_of(*text)) scripts.insert(s);
  return scripts;
}

// The first `count` indices of [0, n) in an order seeded by `seed` (a hash sort: stable across
// platforms, unlike std::shuffle), returned ascending so the output keeps the input's order.
std::vector<size_t> seeded_pick(size_t n, size_t count, uint64_t seed, const std::string& salt) {
  std::vector<std::pair<uint64_t, size_t>> order;
  for (size_t i = 0; i < n; ++i) order.push_back({fnv1a64(std::to_string(seed) + salt + std::to_string(i)), i});
  std::sort(order.begin(), order.end());
  std::vector<size_t> picked;
  for (size_t k = 0; k < std::min(count, n); ++k) picked.push_back(order[k].second);
  std::sort(picked.begin(), picked.end());
  return picked;
}

}  // namespace

std::vector<AugmentedItem> diversify(PipelineContext& context, const std::vector<SourceItem>& items,
                                     const std::vector<AugmentedItem>& pairs, const std::vector<QAItem>& general,
                                     nlohmann::json& stats) {
  const AugmentOptions& o = context.options();
  nlohmann::json general_key = nlohmann::json::array();
  for (const QAItem& g : general) general_key.push_back({g.id, g.question, g.answer});
  const nlohmann::json key = {{"items", items},
                              {"pairs", pairs},
                              {"general", general_key},
                              {"completion_fraction", o.completion_fraction},
                              {"completion_split", o.completion_split},
                              {"general_qa_ratio", o.general_qa_ratio},
                              {"script_filter", o.script_filter},
                              {"seed", o.seed}};
  const nlohmann::json out = context.cached("diversify", key, [&] {
    // Foreign-script noise: generated text in a script the input does not use is dropped whole.
    const std::set<std::string> allowed = input_scripts(items);
    std::vector<AugmentedItem> kept;
    int64_t foreign = 0;
    for (const AugmentedItem& p : pairs) {
      if (o.script_filter && p.kind != "original" &&
          (has_foreign_script(p.question, allowed) || has_foreign_script(p.answer, allowed))) {
        ++foreign;
        continue;
      }
      kept.push_back(p);
    }
    // Sentence completion on the generated pairs only: completing an original answer would
    // train its sensitive remainder.
    std::vector<size_t> candidates;
    for (size_t i = 0; i < kept.size(); ++i)
      if (kept[i].kind != "original") candidates.push_back(i);
    const auto want = static_cast<size_t>(std::llround(o.completion_fraction * static_cast<double>(candidates.size())));
    std::vector<AugmentedItem> result = kept;
    int64_t completions = 0, too_short = 0;
    for (size_t pick : seeded_pick(candidates.size(), want, o.seed, "completion")) {
      const AugmentedItem& p = kept[candidates[pick]];
      const CompletionSplit split = completion_split(p.answer, o.completion_split);
      if (split.prompt.empty() || split.target.empty()) {
        ++too_short;
        continue;
      }
      result.push_back({p.id + ".completion", split.prompt, split.target, p.subject, "completion", p.source_id});
      ++completions;
    }
    // General QA keeps the model answering ordinary questions (the reference mixes WikiQA at 1.2x).
    const auto general_wanted = static_cast<size_t>(std::floor(o.general_qa_ratio * static_cast<double>(result.size())));
    int64_t general_added = 0;
    if (!general.empty()) {
      for (size_t g : seeded_pick(general.size(), general_wanted, o.seed, "general")) {
        const QAItem& item = general[g];
        const std::string id = item.id.empty() ? std::to_string(g) : item.id;
        result.push_back({"general." + id, item.question, item.answer, "", "general", id});
        ++general_added;
      }
    }
    return nlohmann::json{{"result", result},
                          {"stats",
                           {{"foreign_script_dropped", foreign},
                            {"allowed_scripts", allowed},
                            {"completion", completions},
                            {"completion_too_short", too_short},
                            {"general", general_added},
                            {"general_wanted", general.empty() ? 0 : general_wanted}}}};
  });
  stats = out["stats"];
  return out["result"].get<std::vector<AugmentedItem>>();
}

AugmentResult run_augment_pipeline(const std::vector<QAItem>& forget, const std::vector<QAItem>& general,
                                   AugmentProvider& provider, StageCache& cache, const AugmentOptions& options,
                                   const nlohmann::json& prompts) {
  PipelineContext context(provider, cache, options, prompts);
  const std::vector<SourceItem> items = source_items(forget);
  AugmentResult result;
  nlohmann::json& s = result.stats;
  int64_t with_subject = 0;
  for (const SourceItem& item : items) with_subject += item.subject.empty() ? 0 : 1;
  s["input"] = {{"forget_items", items.size()}, {"with_subject", with_subject}, {"general_items", general.size()}};
  const std::vector<ItemQuestions> questions = question_variants(context, items, s["question_variants"]);
  const std::vector<Draft> drafts = vague_answers(context, items, questions, s["vague_answers"]);
  const std::vector<Draft> verified = verify_answers(context, items, questions, drafts, s["verify_answers"]);
  const std::vector<AugmentedItem> pairs = assemble_pairs(items, questions, verified, options.include_original, s["pairs"]);
  result.items = diversify(context, items, pairs, general, s["diversify"]);
  std::map<std::string, int64_t> by_kind;
  for (const AugmentedItem& item : result.items) ++by_kind[item.kind];
  s["output"] = {{"items", result.items.size()}, {"by_kind", by_kind}};
  s["provider"] = {{"identity", provider.identity()}, {"requests", context.requests()}, {"replayed", context.replayed()}};
  s["cache"] = context.cache_report();
  spdlog::info("augment: {} items from {} forget items; {} provider requests", result.items.size(), items.size(),
               context.requests());
  return result;
}

}  // namespace llmedit::augment
