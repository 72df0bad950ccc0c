// write_world: the world in the formats of the benchmarks it stands in for.
#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <map>

#include "libllmedit/core/atomic_file.h"
#include "libllmedit/core/error.h"
#include "libllmedit/data/world.h"
#include "libllmedit/data/world_names.h"

namespace llmedit {

using world_detail::WorldRng;
using Json = nlohmann::ordered_json;  // keeps fields in the order the formats list them

namespace {

// Streams after those of generate_world (1-4), one per writer that draws.
enum Stream : uint64_t { kKnowUndoStream = 11, kCounterFactStream = 12, kMultipleChoiceStream = 13 };

// Files in write order, with a count for the README.
struct OutputFile {
  std::string path;
  std::string text;
  std::string count;  // "2200 items", ...
};

std::string plural(size_t n, const std::string& noun) { return std::to_string(n) + " " + noun + (n == 1 ? "" : "s"); }

std::string dump_lines(const std::vector<Json>& rows) {
  std::string out;
  for (const Json& row : rows) out += row.dump() + "\n";
  return out;
}

const Person& person_of(const World& world, int index) { return world.people[static_cast<size_t>(index)]; }

// ---- world.json ----

Json person_json(const Person& p) {
  Json pub = {{"profession", p.profession}, {"birthplace", p.birthplace}, {"birth_year", p.birth_year},
              {"genre", p.genre},           {"books", p.books},           {"award", p.award}};
  Json priv = {{"address", p.address}, {"email", p.email}, {"phone", p.phone}, {"father", p.father}, {"mother", p.mother}};
  return {{"id", p.id}, {"name", p.name}, {"split", split_name(p.split)}, {"public", pub}, {"private", priv}};
}

Json term_json(const World& world, const RoleTerm& term) {
  return {{"person", person_of(world, term.person).id},
          {"name", person_of(world, term.person).name},
          {"since", term.since},
          {"until", term.until ? Json(*term.until) : Json(nullptr)}};
}

std::string world_json(const World& world) {
  Json people = Json::array(), orgs = Json::array(), future = Json::array();
  for (const Person& p : world.people) people.push_back(person_json(p));
  for (const Organization& org : world.orgs) {
    Json chain = Json::array();
    for (const RoleTerm& term : org.chain) chain.push_back(term_json(world, term));
    orgs.push_back({{"id", org.id}, {"name", org.name}, {"role", org.role}, {"chain", chain}});
    for (const RoleTerm& term : org.future) {
      Json fact = {{"org", org.id}, {"org_name", org.name}, {"role", org.role}};
      fact.update(term_json(world, term));
      future.push_back(fact);
    }
  }
  Json counts = {{"people", world.people.size()}, {"orgs", world.orgs.size()}, {"qa_items", world.qa.size()}};
  Json out = {{"seed", world.options.seed}, {"counts", counts},    {"model_time", world.model_time},
              {"people", people},           {"orgs", orgs},        {"future_facts", future}};
  return out.dump(2) + "\n";
}

// ---- QA items: qa/, knowundo/, tofu/ ----

std::vector<const QAItem*> items_in(const World& world, const std::string& split) {
  std::vector<const QAItem*> out;
  for (const WorldQA& qa : world.qa)
    if (split.empty() || qa.item.split == split) out.push_back(&qa.item);
  return out;
}

Json qa_json(const QAItem& item) {
  return {{"id", item.id},
          {"question", item.question},
          {"answer", item.answer},
          {"key_facts", item.key_facts},
          {"split", item.split},
          {"paraphrased_questions", item.paraphrased_questions},
          {"paraphrased_answer", item.paraphrased_answer},
          {"perturbed_answer", item.perturbed_answers}};
}

Json tofu_json(const QAItem& item) {
  return {{"question", item.question},
          {"answer", item.answer},
          {"paraphrased_answer", item.paraphrased_answer},
          {"perturbed_answer", item.perturbed_answers}};
}

template <class ToJson>
std::string jsonl_of(const std::vector<const QAItem*>& items, ToJson to_json) {
  std::vector<Json> rows;
  for (const QAItem* item : items) rows.push_back(to_json(*item));
  return dump_lines(rows);
}

// A fifth of the items (chosen by the seed) go to validation; both parts keep the world's order.
std::pair<std::vector<const QAItem*>, std::vector<const QAItem*>> train_val(const std::vector<const QAItem*>& items,
                                                                            WorldRng& rng) {
  std::vector<size_t> order(items.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  rng.shuffle(order);
  std::vector<bool> in_val(items.size(), false);
  for (size_t k = 0; k < items.size() / 5; ++k) in_val[order[k]] = true;
  std::pair<std::vector<const QAItem*>, std::vector<const QAItem*>> out;
  for (size_t i = 0; i < items.size(); ++i) (in_val[i] ? out.second : out.first).push_back(items[i]);
  return out;
}

std::string knowundo_json(const std::vector<const QAItem*>& items) {
  Json rows = Json::array();
  for (const QAItem* item : items) rows.push_back({{"text", item->question}, {"labels", item->answer}});
  return rows.dump(4) + "\n";
}

void add_qa_files(const World& world, std::vector<OutputFile>& files) {
  files.push_back({"qa/world_qa.jsonl", jsonl_of(items_in(world, ""), qa_json), plural(world.qa.size(), "item")});
  for (const char* split : {"forget", "retain", "holdout"}) {
    const auto items = items_in(world, split);
    files.push_back({std::string("qa/") + split + ".jsonl", jsonl_of(items, qa_json), plural(items.size(), "item")});
  }
  WorldRng rng(world.options.seed, kKnowUndoStream);
  const auto unlearn = train_val(items_in(world, "forget"), rng);
  const auto retention = train_val(items_in(world, "retain"), rng);
  const std::pair<const char*, const std::vector<const QAItem*>*> parts[] = {
      {"unlearn_train", &unlearn.first},
      {"unlearn_val", &unlearn.second},
      {"retention_train", &retention.first},
      {"retention_val", &retention.second}};
  for (const auto& [name, items] : parts)
    files.push_back({std::string("knowundo/") + name + ".json", knowundo_json(*items), plural(items->size(), "item")});
  for (const char* split : {"forget", "retain", "holdout"}) {
    const auto items = items_in(world, split);
    files.push_back({std::string("tofu/") + split + ".jsonl", jsonl_of(items, tofu_json), plural(items.size(), "item")});
  }
}

// ---- AToKe: temporal edits of the org role chains ----

std::string years(int since, int until) { return "From " + std::to_string(since) + " to " + std::to_string(until); }

// "head of research" -> "<headOfResearch>"
std::string relation_tag(const std::string& role) {
  std::string out = "<";
  bool upper = false;
  for (char c : role) {
    if (c == ' ') {
      upper = true;
      continue;
    }
    out += upper ? static_cast<char>(c - 'a' + 'A') : c;
    upper = false;
  }
  return out + ">";
}

std::string relation_id(const std::string& role) {
  const auto& roles = world_detail::org_roles();
  return "<R" + std::to_string(std::find(roles.begin(), roles.end(), role) - roles.begin()) + ">";
}

Json person_target(const World& world, int index) {
  return {{"str", person_of(world, index).name}, {"id", "<" + person_of(world, index).id + ">"}};
}

std::vector<std::string> person_aliases(const World& world, int index) {
  const std::string& name = person_of(world, index).name;
  const std::string family = name.substr(name.find(' ') + 1);
  return {name.substr(0, 1) + ". " + family, family};
}

// `known`: the fact is part of the world the model is trained on (AToKe's "gptj" flag).
Json interval(int since, int until, bool known) { return {{"since", since}, {"until", until}, {"gptj", known}}; }

Json evaluation(const Organization& org, int since, int until) {
  const std::string role = org.role + " of " + org.name, span = years(since, until);
  return {{"completion", "The " + role + " is"},
          {"questions", "Who is the " + role + "?"},
          {"paraphrase_completion", "The person serving as " + role + " is"},
          {"time_completion", span + ", the " + role + " is"},
          {"time_questions", "Who is the " + role + " from" + span.substr(4) + "?"},
          {"paraphrase_time_completion", span + ", the person serving as " + role + " is"}};
}

Json history_evaluation(const Organization& org, int since, int until) {
  const std::string role = org.role + " of " + org.name, span = years(since, until);
  return {{"completion", "The former " + role + " was"},
          {"questions", "Who was the " + role + " before?"},
          {"paraphrase_completion", "The previous " + role + " was"},
          {"time_completion", span + ", the " + role + " was"},
          {"time_questions", "Who was the " + role + " from" + span.substr(4) + "?"},
          {"paraphrase_time_completion", span + ", the person serving as " + role + " was"}};
}

struct Edit {
  int old_holder, new_holder;
  Json time_true, time_new;
  int new_since, new_until;
};

Json atoke_step(const World& world, const Organization& org, const Edit& edit) {
  const std::string role = org.role + " of {}";
  return {{"prompt", "The " + role + " is"},
          {"time_prompt", years(edit.new_since, edit.new_until) + ", the " + role + " is"},
          {"target_new", person_target(world, edit.new_holder)},
          {"target_true", person_target(world, edit.old_holder)},
          {"subject", org.name},
          {"relation", relation_tag(org.role)},
          {"relation_id", relation_id(org.role)},
          {"time_new", edit.time_new},
          {"time_true", edit.time_true},
          {"evaluation", evaluation(org, edit.new_since, edit.new_until)}};
}

// SE: the first future holder replaces the current one. ME: every future holder in turn.
// EE: the current holder's term is extended to the first future start (object unchanged).
enum class EditKind { Single, Multiple, Extend };

std::vector<Edit> edits_of(const World& world, const Organization& org, EditKind kind) {
  const RoleTerm& current = org.chain.back();
  const RoleTerm& next = org.future.front();
  if (kind == EditKind::Extend)
    return {{current.person, current.person, interval(current.since, world.model_time, true),
             interval(current.since, next.since, false), current.since, next.since}};
  std::vector<Edit> edits;
  const size_t steps = kind == EditKind::Single ? 1 : org.future.size();
  for (size_t k = 0; k < steps; ++k) {
    const RoleTerm& to = org.future[k];
    const RoleTerm& from = k == 0 ? current : org.future[k - 1];
    const int from_until = k == 0 ? to.since : *from.until;
    edits.push_back({from.person, to.person, interval(from.since, from_until, k == 0),
                     interval(to.since, *to.until, false), to.since, *to.until});
  }
  return edits;
}

Json atoke_case(const World& world, const Organization& org, EditKind kind, size_t case_id) {
  Json steps = Json::array(), history = Json::array();
  Json answer = Json::array(), answer_alias = Json::array(), new_answer = Json::array(), new_alias = Json::array();
  for (const Edit& edit : edits_of(world, org, kind)) {
    steps.push_back(atoke_step(world, org, edit));
    history.push_back(history_evaluation(org, edit.time_true["since"].get<int>(), edit.time_true["until"].get<int>()));
    answer.push_back({person_of(world, edit.old_holder).name});
    answer_alias.push_back(person_aliases(world, edit.old_holder));
    new_answer.push_back({person_of(world, edit.new_holder).name});
    new_alias.push_back(person_aliases(world, edit.new_holder));
  }
  Json out = {{"case_id", case_id}, {"requested_rewrite", steps}};
  if (kind != EditKind::Extend) out["history_evaluation"] = history;
  out["answer"] = answer;
  out["answer_alias"] = answer_alias;
  out["new_answer"] = new_answer;
  out["new_answer_alias"] = new_alias;
  return out;
}

void add_atoke_files(const World& world, std::vector<OutputFile>& files) {
  const std::pair<const char*, EditKind> kinds[] = {
      {"SE", EditKind::Single}, {"ME", EditKind::Multiple}, {"EE", EditKind::Extend}};
  for (const auto& [name, kind] : kinds) {
    Json cases = Json::array();
    for (const Organization& org : world.orgs) cases.push_back(atoke_case(world, org, kind, cases.size()));
    files.push_back({std::string("atoke/AToKe-") + name + ".json", cases.dump(1) + "\n", plural(cases.size(), "case")});
  }
}

// ---- CounterFact: counterfactual birthplaces, professions and employers ----

struct Relation {
  const char* id;
  const char* prompt;  // "{}" marks the subject
  std::vector<const char*> paraphrases, generations;  // "{name}" marks the subject
  bool ends_with_article = false;  // prompts end with the value's "a"/"an", as the corpus says it
};

const Relation& relation(const std::string& id) {
  static const std::vector<Relation> items = {
      {"birthplace", "{} was born in",
       {"The birthplace of {name} is", "{name}'s birthplace is"},
       {"{name} grew up in a city where", "The city where {name} was born is known for"}},
      {"profession", "{} works as",
       {"{name} is employed as", "By trade, {name} is"},
       {"Every working day, {name}", "{name} is well known as"},
       true},
      {"employer", "{} works for",
       {"The employer of {name} is", "{name} is employed by"},
       {"Every morning, {name} goes to work at", "The colleagues of {name} at work"}},
  };
  for (const Relation& r : items)
    if (id == r.id) return r;
  return items.front();
}

// `pattern` for a subject whose value is `value`: "{} works as an" for an architect. Keeping the
// article in the prompt leaves the target's first token the value itself, which causal tracing
// and efficacy then measure (an article barely depends on the subject).
std::string relation_prompt(const Relation& rel, const std::string& pattern, const std::string& value) {
  return rel.ends_with_article ? pattern + " " + world_detail::indefinite_article(value) : pattern;
}

std::string subject_prompt(std::string pattern, const std::string& name) {
  for (const char* mark : {"{}", "{name}"})
    if (const size_t at = pattern.find(mark); at != std::string::npos) pattern.replace(at, std::string(mark).size(), name);
  return pattern;
}

// Other subjects of the relation: those sharing the true object first (whose answer the edit
// must not move), then the rest; five at most, as prompts.
std::vector<std::string> neighborhood(const Relation& rel, const std::vector<std::pair<std::string, std::string>>& others,
                                      const std::string& truth, WorldRng& rng) {
  std::vector<std::string> same, rest;
  for (const auto& [name, value] : others)
    (value == truth ? same : rest).push_back(subject_prompt(relation_prompt(rel, rel.prompt, value), name));
  rng.shuffle(same);
  rng.shuffle(rest);
  same.insert(same.end(), rest.begin(), rest.end());
  if (same.size() > 5) same.resize(5);
  return same;
}

Json counterfact_case(size_t case_id, const Relation& rel, const std::string& subject, const std::string& truth,
                      const std::string& target, std::vector<std::string> neighbors) {
  Json paraphrases = Json::array(), generations = Json::array();
  for (const char* p : rel.paraphrases) paraphrases.push_back(subject_prompt(relation_prompt(rel, p, truth), subject));
  for (const char* g : rel.generations) generations.push_back(subject_prompt(g, subject));
  Json rewrite = {{"prompt", relation_prompt(rel, rel.prompt, truth)},
                  {"relation_id", rel.id},
                  {"subject", subject},
                  {"target_new", {{"str", target}}},
                  {"target_true", {{"str", truth}}}};
  return {{"case_id", case_id},
          {"requested_rewrite", rewrite},
          {"paraphrase_prompts", paraphrases},
          {"neighborhood_prompts", neighbors},
          {"generation_prompts", generations}};
}

// A value of `pool` other than `truth`; with the same article when the prompt ends with it.
std::string other_value(const Relation& rel, const std::vector<std::string>& pool, const std::string& truth, WorldRng& rng) {
  std::vector<std::string> fitting;
  for (const std::string& value : pool)
    if (!rel.ends_with_article || world_detail::indefinite_article(value) == world_detail::indefinite_article(truth))
      fitting.push_back(value);
  for (;;)
    if (const std::string& value = rng.pick(fitting); value != truth) return value;
}

// The people's birthplace or profession (one per non-holdout person), then each org's current
// holder's employer when that holder leads no other org. A birthplace case's neighbors are people
// whose case asks their profession, and the other way round: an edit of every case at once (MEMIT's
// batch) then leaves each neighbor's fact as it was, so neighborhood measures only the spill-over.
Json counterfact_cases(const World& world) {
  WorldRng rng(world.options.seed, kCounterFactStream);
  std::vector<bool> asks_birthplace(world.people.size());
  for (size_t i = 0; i < world.people.size(); ++i)
    if (world.people[i].split != PersonSplit::Holdout) asks_birthplace[i] = rng.below(2) == 0;
  Json cases = Json::array();
  for (size_t i = 0; i < world.people.size(); ++i) {
    const Person& p = world.people[i];
    if (p.split == PersonSplit::Holdout) continue;
    const bool birthplace = asks_birthplace[i];
    const Relation& rel = relation(birthplace ? "birthplace" : "profession");
    const std::string truth = birthplace ? p.birthplace : p.profession;
    const auto& pool = birthplace ? world_detail::cities() : world_detail::professions();
    std::vector<std::pair<std::string, std::string>> others;
    for (size_t j = 0; j < world.people.size(); ++j) {
      const Person& q = world.people[j];
      if (q.split != PersonSplit::Holdout && asks_birthplace[j] != birthplace)
        others.emplace_back(q.name, birthplace ? q.birthplace : q.profession);
    }
    const std::string target = other_value(rel, pool, truth, rng);
    cases.push_back(counterfact_case(cases.size(), rel, p.name, truth, target, neighborhood(rel, others, truth, rng)));
  }
  std::map<int, int> orgs_led;  // current holder -> number of orgs they lead
  for (const Organization& org : world.orgs) ++orgs_led[org.chain.back().person];
  std::vector<std::string> org_names;
  for (const Organization& org : world.orgs) org_names.push_back(org.name);
  for (const Organization& org : world.orgs) {
    const int holder = org.chain.back().person;
    if (world.orgs.size() < 2 || orgs_led[holder] != 1) continue;
    std::vector<std::pair<std::string, std::string>> others;
    for (const Organization& other : world.orgs)
      if (other.chain.back().person != holder) others.emplace_back(person_of(world, other.chain.back().person).name, other.name);
    const Relation& rel = relation("employer");
    const std::string target = other_value(rel, org_names, org.name, rng);
    cases.push_back(counterfact_case(cases.size(), rel, person_of(world, holder).name, org.name, target,
                                     neighborhood(rel, others, org.name, rng)));
  }
  return cases;
}

// ---- multiple choice (ArcMMLU/MMLU CSV) about the public facts ----

struct ChoiceRow {
  std::string question;
  std::vector<std::string> options;  // four
  char answer;
};

// pandas' to_csv quoting: only fields with a comma, quote or line break, quotes doubled.
std::string csv_cell(const std::string& text) {
  if (text.find_first_of(",\"\r\n") == std::string::npos) return text;
  std::string out = "\"";
  for (char c : text) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

std::string csv_of(const std::vector<ChoiceRow>& rows) {
  std::string out = ",Question,A,B,C,D,Answer\n";
  for (size_t i = 0; i < rows.size(); ++i) {
    out += std::to_string(i) + "," + csv_cell(rows[i].question);
    for (const std::string& option : rows[i].options) out += "," + csv_cell(option);
    out += std::string(",") + rows[i].answer + "\n";
  }
  return out;
}

ChoiceRow choice_row(const World& world, int index, Attribute attribute, WorldRng& rng) {
  const Person& p = person_of(world, index);
  ChoiceRow row;
  const std::vector<std::string> values = attribute_values(p, attribute);
  // A person may have two books: ask for one of them, with single titles as distractors.
  const bool books = attribute == Attribute::Books;
  row.question = books ? "Which of these books did " + p.name + " write?" : world_detail::question(attribute, p.name);
  const std::string truth = books ? rng.pick(values) : values.front();
  for (const auto& wrong : world_detail::wrong_values(world, index, attribute, rng, 3))
    row.options.push_back(books ? rng.pick(wrong) : wrong.front());
  const uint64_t position = rng.below(4);
  row.options.insert(row.options.begin() + static_cast<std::ptrdiff_t>(position), truth);
  row.answer = static_cast<char>('A' + position);
  return row;
}

void add_choice_files(const World& world, std::vector<OutputFile>& files) {
  WorldRng rng(world.options.seed, kMultipleChoiceStream);
  std::vector<ChoiceRow> rows;
  for (size_t i = 0; i < world.people.size(); ++i) {
    if (world.people[i].split == PersonSplit::Holdout) continue;
    for (Attribute attribute : all_attributes())
      if (!is_private(attribute)) rows.push_back(choice_row(world, static_cast<int>(i), attribute, rng));
  }
  // Five rows chosen by the seed are the few-shot dev set; the rest, in order, the test set.
  std::vector<size_t> order(rows.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  rng.shuffle(order);
  std::vector<bool> dev(rows.size(), false);
  for (size_t k = 0; k < std::min<size_t>(5, rows.size()); ++k) dev[order[k]] = true;
  std::vector<ChoiceRow> dev_rows, test_rows;
  for (size_t i = 0; i < rows.size(); ++i) (dev[i] ? dev_rows : test_rows).push_back(rows[i]);
  files.push_back({"mc/dev/world.csv", csv_of(dev_rows), plural(dev_rows.size(), "question")});
  files.push_back({"mc/test/world.csv", csv_of(test_rows), plural(test_rows.size(), "question")});
}

// ---- corpus.txt: what the model is trained on ----

std::string biography(const Person& p) {
  std::string text;
  for (Attribute attribute : all_attributes())
    text += (text.empty() ? "" : " ") + world_detail::answer_sentence(attribute, p.name, attribute_values(p, attribute));
  return text;
}

// An organization's role chain as one short document per fact, in the phrasings AToKe's prompts
// use (explicit time "From A to B, the R of O was P", relative time "The former R of O was P",
// the "person serving as" paraphrase), so the model learns each fact under the prompts the
// temporal evaluation asks with. One fact per document: a long narrative put both the old and
// the new holder in a greedy continuation ("P, then Q took over"), which a containment scorer
// would count as knowing either.
std::vector<std::string> org_documents(const World& world, const Organization& org) {
  const std::string role = org.role + " of " + org.name;
  std::vector<std::string> docs;
  for (size_t i = 0; i + 1 < org.chain.size(); ++i) {
    const RoleTerm& term = org.chain[i];
    const std::string& name = person_of(world, term.person).name;
    const std::string span = years(term.since, *term.until);
    docs.push_back(span + ", the " + role + " was " + name + ".");
    docs.push_back(span + ", the person serving as " + role + " was " + name + ".");
    docs.push_back(name + " was the " + role + " from " + std::to_string(term.since) + " to " +
                   std::to_string(*term.until) + ".");
  }
  if (org.chain.size() >= 2) {
    const std::string& previous = person_of(world, org.chain[org.chain.size() - 2].person).name;
    docs.push_back("The former " + role + " was " + previous + ".");
    docs.push_back("The previous " + role + " was " + previous + ".");
  }
  const RoleTerm& current = org.chain.back();
  const std::string& name = person_of(world, current.person).name;
  const std::string since = std::to_string(current.since);
  docs.push_back("The " + role + " is " + name + ".");
  docs.push_back("The person serving as " + role + " is " + name + ".");
  docs.push_back("Since " + since + ", the " + role + " has been " + name + ".");
  docs.push_back(name + " has been the " + role + " since " + since + ".");
  docs.push_back(name + " works for " + org.name + ".");
  return docs;
}

// Index entries "<name> <value>.", one document per fact of a person (every attribute, and the
// org a current holder works for), with WorldOptions::fact_index. The token after a name is the
// person's own attribute, so predicting it needs the fact at the name's last token, the position
// ROME and MEMIT read and write (Meng et al. 2022, §2.1). scripts/make_world_edit_model.sh trains on
// them first (README, fact editing).
std::vector<std::string> index_entries(const World& world, size_t person) {
  const Person& p = world.people[person];
  std::vector<std::string> docs;
  for (Attribute attribute : all_attributes()) {
    std::string values;
    for (const std::string& v : attribute_values(p, attribute))
      values += (values.empty() ? "" : " and ") + (attribute == Attribute::Books ? "\"" + v + "\"" : v);
    docs.push_back(p.name + " " + values + ".");
  }
  for (const Organization& org : world.orgs)
    if (org.chain.back().person == static_cast<int>(person)) docs.push_back(p.name + " " + org.name + ".");
  return docs;
}

std::string documents_text(const std::vector<std::string>& documents) {
  std::string text;
  for (const std::string& doc : documents) text += (text.empty() ? "" : "\n") + doc + "\n";
  return text;
}

// corpus.txt: biographies, then (with fact_index) index entries, then org documents. With
// fact_index, facts.txt holds the same without the biographies, for pretraining on facts alone.
void add_corpus(const World& world, std::vector<OutputFile>& files) {
  std::vector<std::string> biographies, facts;
  for (size_t i = 0; i < world.people.size(); ++i) {
    if (world.people[i].split == PersonSplit::Holdout) continue;
    biographies.push_back(biography(world.people[i]));
    if (world.options.fact_index)
      for (std::string& doc : index_entries(world, i)) facts.push_back(std::move(doc));
  }
  for (const Organization& org : world.orgs)
    for (std::string& doc : org_documents(world, org)) facts.push_back(std::move(doc));
  std::vector<std::string> documents = biographies;
  documents.insert(documents.end(), facts.begin(), facts.end());
  files.push_back({"corpus.txt", documents_text(documents), plural(documents.size(), "document")});
  if (world.options.fact_index) files.push_back({"facts.txt", documents_text(facts), plural(facts.size(), "document")});
}

// ---- README.md ----

std::string readme(const World& world, const std::vector<OutputFile>& files) {
  std::map<std::string, size_t> people_by_split, items_by_split;
  for (const Person& p : world.people) ++people_by_split[split_name(p.split)];
  for (const WorldQA& qa : world.qa) ++items_by_split[qa.item.split];
  auto by_split = [](std::map<std::string, size_t>& counts) {
    return std::to_string(counts["retain"]) + " retain, " + std::to_string(counts["forget"]) + " forget, " +
           std::to_string(counts["holdout"]) + " holdout";
  };
  const WorldOptions& o = world.options;
  std::string text = "# Synthetic world, seed " + std::to_string(o.seed) + "\n\n";
  text += "Written by `llmedit world --seed " + std::to_string(o.seed) + " --people " + std::to_string(o.people) +
          " --orgs " + std::to_string(o.orgs) + (o.shared_names ? " --shared-names" : "") +
          (o.people_per_name > 0 ? " --people-per-name " + std::to_string(o.people_per_name) : "") +
          (o.fact_index ? " --fact-index" : "") + " --out DIR`, which writes these bytes again on any machine.\n";
  text += "Everything here is fictitious.\n\n";
  text += "- people: " + std::to_string(world.people.size()) + " (" + by_split(people_by_split) +
          "; a forget person's private items form the forget split)\n";
  text += "- QA items: " + std::to_string(world.qa.size()) + " (" + by_split(items_by_split) + ")\n";
  text += "- organizations: " + std::to_string(world.orgs.size()) + ", model time " + std::to_string(world.model_time) +
          "\n\n| file | contents |\n| --- | --- |\n";
  for (const OutputFile& file : files) text += "| `" + file.path + "` | " + file.count + " |\n";
  return text;
}

std::vector<OutputFile> world_files(const World& world) {
  std::vector<OutputFile> files;
  files.push_back({"world.json", world_json(world),
                   std::to_string(world.people.size()) + " people, " + plural(world.orgs.size(), "organization")});
  add_qa_files(world, files);
  add_atoke_files(world, files);
  const Json counterfact = counterfact_cases(world);
  files.push_back({"counterfact.json", counterfact.dump(2) + "\n", plural(counterfact.size(), "case")});
  add_choice_files(world, files);
  add_corpus(world, files);
  files.push_back({"README.md", "", "this file"});
  files.back().text = readme(world, files);
  return files;
}

}  // namespace

std::vector<std::string> world_file_names() {
  return {"world.json",
          "qa/world_qa.jsonl",
          "qa/forget.jsonl",
          "qa/retain.jsonl",
          "qa/holdout.jsonl",
          "knowundo/unlearn_train.json",
          "knowundo/unlearn_val.json",
          "knowundo/retention_train.json",
          "knowundo/retention_val.json",
          "tofu/forget.jsonl",
          "tofu/retain.jsonl",
          "tofu/holdout.jsonl",
          "atoke/AToKe-SE.json",
          "atoke/AToKe-ME.json",
          "atoke/AToKe-EE.json",
          "counterfact.json",
          "mc/dev/world.csv",
          "mc/test/world.csv",
          "corpus.txt",
          "README.md"};
}

void write_world(const World& world, const std::string& dir) {
  const std::vector<OutputFile> files = world_files(world);
  for (const OutputFile& file : files) {
    const std::filesystem::path path = std::filesystem::path(dir) / file.path;
    std::error_code error;
    std::filesystem::create_directories(path.parent_path(), error);
    if (error) throw data_error("world: cannot create folder '" + path.parent_path().string() + "': " + error.message());
    write_text_atomic(path.string(), file.text);
  }
}

}  // namespace llmedit
