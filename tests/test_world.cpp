// The synthetic world: determinism, splits, consistency of the facts, every file read back by
// the project's own readers, and the `llmedit world` command.
#include <catch2/catch.hpp>

#include <cctype>
#include <filesystem>
#include <map>
#include <set>

#include "libllmedit/core/atomic_file.h"
#include "libllmedit/core/error.h"
#include "libllmedit/data/atoke.h"
#include "libllmedit/data/counterfact.h"
#include "libllmedit/data/mc_csv.h"
#include "libllmedit/data/qa_dataset.h"
#include "libllmedit/data/text_corpus.h"
#include "libllmedit/data/world.h"
#include "tests/cli_runner.h"
#include "tests/fixtures.h"

namespace fs = std::filesystem;
using namespace llmedit;
using llmedit::test::TempDir;

namespace {

World make_world(uint64_t seed, int people, int orgs) {
  WorldOptions options;
  options.seed = seed;
  options.people = people;
  options.orgs = orgs;
  return generate_world(options);
}

// Every regular file under `dir`, relative and sorted.
std::set<std::string> files_under(const std::string& dir) {
  std::set<std::string> out;
  for (const auto& entry : fs::recursive_directory_iterator(dir))
    if (entry.is_regular_file()) out.insert(fs::relative(entry.path(), dir).generic_string());
  return out;
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// `name` as whole words ("Ara Vell" is not inside "Tara Vell").
bool mentions(const std::string& text, const std::string& name) {
  for (size_t at = text.find(name); at != std::string::npos; at = text.find(name, at + 1)) {
    const bool starts = at == 0 || !std::isalpha(static_cast<unsigned char>(text[at - 1]));
    const size_t end = at + name.size();
    const bool ends = end == text.size() || !std::isalpha(static_cast<unsigned char>(text[end]));
    if (starts && ends) return true;
  }
  return false;
}

size_t count_split(const World& world, const std::string& split) {
  size_t n = 0;
  for (const WorldQA& qa : world.qa) n += qa.item.split == split ? 1 : 0;
  return n;
}

}  // namespace

TEST_CASE("world: the same seed writes the same bytes, another seed other bytes", "[world]") {
  TempDir a("world-a"), b("world-b"), c("world-c");
  write_world(make_world(3, 40, 5), a.path);
  write_world(make_world(3, 40, 5), b.path);
  write_world(make_world(4, 40, 5), c.path);
  const std::vector<std::string> names = world_file_names();
  REQUIRE(files_under(a.path) == std::set<std::string>(names.begin(), names.end()));
  for (const std::string& name : names) {
    INFO(name);
    CHECK(read_text_file(a.path + "/" + name) == read_text_file(b.path + "/" + name));
  }
  for (const char* name : {"world.json", "corpus.txt", "qa/world_qa.jsonl", "atoke/AToKe-ME.json"}) {
    INFO(name);
    CHECK(read_text_file(a.path + "/" + name) != read_text_file(c.path + "/" + name));
  }
}

TEST_CASE("world: the orgs option leaves the people unchanged", "[world]") {
  const World few = make_world(9, 30, 1), many = make_world(9, 30, 6);
  REQUIRE(few.people.size() == many.people.size());
  for (size_t i = 0; i < few.people.size(); ++i) {
    CHECK(few.people[i].name == many.people[i].name);
    CHECK(few.people[i].email == many.people[i].email);
  }
}

TEST_CASE("world: splits hold out 10% of the people and forget private items only", "[world]") {
  const World world = make_world(1, 200, 20);
  REQUIRE(world.qa.size() == 200u * kAttributeCount);
  std::map<PersonSplit, int> people;
  for (const Person& p : world.people) ++people[p.split];
  CHECK(people[PersonSplit::Holdout] == 20);
  CHECK(people[PersonSplit::Forget] == 18);
  for (const WorldQA& qa : world.qa) {
    const Person& p = world.people[static_cast<size_t>(qa.person)];
    INFO(qa.item.id);
    CHECK(qa.item.id == p.id + "." + attribute_key(qa.attribute));
    if (qa.item.split == "forget") CHECK((is_private(qa.attribute) && p.split == PersonSplit::Forget));
    CHECK((qa.item.split == "holdout") == (p.split == PersonSplit::Holdout));
  }
  CHECK(count_split(world, "forget") == 18u * 5);
  CHECK(count_split(world, "holdout") == 20u * kAttributeCount);

  TempDir dir("world-splits");
  write_world(world, dir.path);
  const std::string corpus = read_text_file(dir.path + "/corpus.txt");
  for (const Person& p : world.people) {
    INFO(p.name);
    CHECK(mentions(corpus, p.name) == (p.split != PersonSplit::Holdout));
  }
  for (const Organization& org : world.orgs)
    for (const RoleTerm& term : org.chain) CHECK(world.people[static_cast<size_t>(term.person)].split != PersonSplit::Holdout);
}

TEST_CASE("world: facts are unique, answers state them, wrong answers do not", "[world]") {
  const World world = make_world(2, 300, 30);
  std::set<std::string> names, titles, emails, phones;
  for (const Person& p : world.people) {
    CHECK(names.insert(p.name).second);
    CHECK(names.insert(p.father).second);
    CHECK(names.insert(p.mother).second);
    CHECK(emails.insert(p.email).second);
    CHECK(phones.insert(p.phone).second);
    for (const std::string& title : p.books) CHECK(titles.insert(title).second);
    CHECK((p.books.size() == 1 || p.books.size() == 2));
    CHECK((p.birth_year >= 1930 && p.birth_year <= 2000));
    CHECK(p.phone.size() == 12);
    CHECK(p.phone.rfind("555-", 0) == 0);
  }
  for (const WorldQA& qa : world.qa) {
    const QAItem& item = qa.item;
    INFO(item.id);
    REQUIRE(item.perturbed_answers.size() == 3);
    CHECK((item.paraphrased_questions.size() >= 2 && item.paraphrased_questions.size() <= 3));
    CHECK(std::set<std::string>(item.perturbed_answers.begin(), item.perturbed_answers.end()).size() == 3);
    for (const std::string& fact : item.key_facts) {
      CHECK(contains(item.answer, fact));
      CHECK(contains(item.paraphrased_answer, fact));
      for (const std::string& wrong : item.perturbed_answers) CHECK_FALSE(contains(wrong, fact));
    }
  }
}

TEST_CASE("world: role chains run up to model time, future holders after it", "[world]") {
  const World world = make_world(5, 200, 20);
  REQUIRE(world.orgs.size() == 20);
  std::set<std::string> org_names;
  for (const Organization& org : world.orgs) {
    INFO(org.name);
    CHECK(org_names.insert(org.name).second);
    REQUIRE((org.chain.size() >= 2 && org.chain.size() <= 4));
    REQUIRE((org.future.size() >= 2 && org.future.size() <= 3));
    std::set<int> holders;
    for (size_t i = 0; i < org.chain.size(); ++i) {
      const RoleTerm& term = org.chain[i];
      CHECK(holders.insert(term.person).second);
      if (i + 1 < org.chain.size()) {
        REQUIRE(term.until);
        CHECK(*term.until == org.chain[i + 1].since);
        CHECK(term.since < *term.until);
      }
    }
    CHECK_FALSE(org.chain.back().until);
    CHECK(org.chain.back().since < world.model_time);
    CHECK(org.future.front().since > world.model_time);
    for (size_t i = 0; i < org.future.size(); ++i) {
      const RoleTerm& term = org.future[i];
      CHECK(holders.insert(term.person).second);
      REQUIRE(term.until);
      CHECK(term.since < *term.until);
      if (i > 0) CHECK(term.since == *org.future[i - 1].until);
    }
  }
}

TEST_CASE("world: every file reads back with the project's readers", "[world]") {
  const World world = make_world(1, 200, 20);
  TempDir dir("world-read");
  write_world(world, dir.path);
  const std::string d = dir.path + "/";

  const std::vector<QAItem> all = read_qa_file(d + "qa/world_qa.jsonl");
  REQUIRE(all.size() == world.qa.size());
  for (size_t i = 0; i < all.size(); ++i) CHECK(all[i] == world.qa[i].item);
  for (const char* split : {"forget", "retain", "holdout"}) {
    INFO(split);
    CHECK(read_qa_file(d + "qa/" + split + ".jsonl").size() == count_split(world, split));
    const std::vector<QAItem> tofu = read_qa_file(d + "tofu/" + split + ".jsonl");
    REQUIRE(tofu.size() == count_split(world, split));
    CHECK(tofu.front().perturbed_answers.size() == 3);
    CHECK_FALSE(tofu.front().paraphrased_answer.empty());
  }
  const size_t forget = count_split(world, "forget"), retain = count_split(world, "retain");
  CHECK(read_qa_file(d + "knowundo/unlearn_train.json").size() == forget - forget / 5);
  CHECK(read_qa_file(d + "knowundo/unlearn_val.json").size() == forget / 5);
  CHECK(read_qa_file(d + "knowundo/retention_train.json").size() == retain - retain / 5);
  CHECK(read_qa_file(d + "knowundo/retention_val.json").size() == retain / 5);

  for (const char* kind : {"SE", "ME", "EE"}) {
    INFO(kind);
    const std::vector<AtokeCase> cases = read_atoke_file(d + "atoke/AToKe-" + kind + ".json");
    REQUIRE(cases.size() == world.orgs.size());
    for (size_t i = 0; i < cases.size(); ++i) {
      const AtokeCase& c = cases[i];
      const Organization& org = world.orgs[i];
      CHECK(c.requested_rewrite.size() == (std::string(kind) == "ME" ? org.future.size() : 1u));
      CHECK(c.history_evaluation.size() == (std::string(kind) == "EE" ? 0u : c.requested_rewrite.size()));
      CHECK(c.requested_rewrite.front().subject == org.name);
      const std::string current = world.people[static_cast<size_t>(org.chain.back().person)].name;
      CHECK(c.requested_rewrite.front().target_true.str == current);
      if (std::string(kind) == "EE") CHECK(c.requested_rewrite.front().target_new.str == current);
      else CHECK(c.requested_rewrite.front().target_new.str != current);
    }
  }

  const std::vector<CounterFactCase> edits = read_counterfact_file(d + "counterfact.json");
  CHECK(edits.size() >= 180);  // one per non-holdout person, plus employers
  for (const CounterFactCase& c : edits) CHECK(c.requested_rewrite.target_new != c.requested_rewrite.target_true);
  // No neighbor's fact is one a case edits: editing every case at once leaves the neighbors' facts alone.
  std::set<std::string> edited;  // filled prompts the cases rewrite
  for (const CounterFactCase& c : edits) edited.insert(filled_prompt(c.requested_rewrite));
  size_t neighbors = 0;
  for (const CounterFactCase& c : edits)
    if (c.requested_rewrite.relation_id != "employer")
      for (const std::string& prompt : c.neighborhood_prompts) {
        CHECK(edited.count(prompt) == 0);
        ++neighbors;
      }
  CHECK(neighbors >= 5 * 170);

  const std::vector<MCItem> dev = read_mc_csv(d + "mc/dev/world.csv");
  const std::vector<MCItem> test = read_mc_csv(d + "mc/test/world.csv");
  CHECK(dev.size() == 5);
  CHECK(dev.size() + test.size() == 180u * 6);
  const MCBenchmark bench = read_mc_benchmark(d + "mc");
  CHECK(bench.test.at("world").size() == test.size());

  const std::vector<std::string> documents = read_text_corpus(d + "corpus.txt");
  // One document per org fact: three per past term, two for the former holder, five for the current one.
  size_t org_documents = 0;
  for (const Organization& org : world.orgs) org_documents += 3 * (org.chain.size() - 1) + (org.chain.size() >= 2 ? 2 : 0) + 5;
  CHECK(documents.size() == 180 + org_documents);
}

TEST_CASE("world: a second world replaces the first in the same folder", "[world]") {
  TempDir dir("world-replace"), fresh("world-fresh");
  write_world(make_world(1, 30, 2), dir.path);
  write_world(make_world(2, 20, 3), dir.path);
  write_world(make_world(2, 20, 3), fresh.path);
  const std::vector<std::string> names = world_file_names();
  CHECK(files_under(dir.path) == std::set<std::string>(names.begin(), names.end()));  // no temp files left
  for (const std::string& name : names) CHECK(read_text_file(dir.path + "/" + name) == read_text_file(fresh.path + "/" + name));
}

TEST_CASE("world: out-of-range options are config errors naming the value", "[world]") {
  auto error_of = [](int people, int orgs) {
    try {
      make_world(0, people, orgs);
    } catch (const Error& e) {
      CHECK(e.exit_code() == 2);
      return std::string(e.what());
    }
    return std::string("no error");
  };
  CHECK(contains(error_of(0, 20), "people = 0"));
  CHECK(contains(error_of(kWorldMaxPeople + 1, 20), "people = " + std::to_string(kWorldMaxPeople + 1)));
  CHECK(contains(error_of(50, -1), "orgs = -1"));
  CHECK(contains(error_of(4, 1), "people = 4"));
  CHECK(make_world(0, 1, 0).qa.size() == kAttributeCount);  // the smallest world
}

namespace {

// How many first names and surnames `world` uses, and how many people share both with others.
struct NameSharing {
  size_t firsts = 0, surnames = 0, sharing_both = 0;
};
NameSharing name_sharing(const World& world) {
  std::map<std::string, int> firsts, surnames;
  for (const Person& p : world.people) {
    ++firsts[p.name.substr(0, p.name.find(' '))];
    ++surnames[p.name.substr(p.name.find(' ') + 1)];
  }
  NameSharing sharing{firsts.size(), surnames.size(), 0};
  for (const Person& p : world.people)
    sharing.sharing_both += firsts[p.name.substr(0, p.name.find(' '))] > 1 && surnames[p.name.substr(p.name.find(' ') + 1)] > 1;
  return sharing;
}

// data/world-edit's options, less --fact-index.
WorldOptions shared_names_options() {
  WorldOptions options;
  options.seed = 1;
  options.people = 100;
  options.orgs = 12;
  options.shared_names = true;
  return options;
}

}  // namespace

TEST_CASE("world: --people-per-name sizes the shared name pools, and needs --shared-names", "[world]") {
  WorldOptions options = shared_names_options();
  // The default pools: 10 first names per gender and 25 surnames, ~5 and ~4 people per name.
  const NameSharing by_default = name_sharing(generate_world(options));
  CHECK(by_default.firsts <= 20);
  CHECK(by_default.surnames <= 25);
  CHECK(by_default.sharing_both >= 90);
  options.people_per_name = 2;  // 25 first names per gender, 50 surnames
  const NameSharing by_two = name_sharing(generate_world(options));
  CHECK(by_two.firsts > 20);
  CHECK(by_two.firsts <= 50);
  CHECK(by_two.surnames > 25);
  CHECK(by_two.surnames <= 50);
  CHECK(by_two.sharing_both < by_default.sharing_both);
  auto error_of = [&](int people_per_name, bool shared_names) {
    WorldOptions bad = options;
    bad.people_per_name = people_per_name;
    bad.shared_names = shared_names;
    try {
      generate_world(bad);
    } catch (const Error& e) {
      CHECK(e.exit_code() == 2);
      return std::string(e.what());
    }
    return std::string("no error");
  };
  CHECK(contains(error_of(2, false), "needs shared_names"));
  CHECK(contains(error_of(-1, true), "people_per_name = -1"));
  CHECK(contains(error_of(20, true), "too few full names"));  // 4 first names per gender × 5 surnames
}

TEST_CASE("world: --shared-names and --fact-index, the fact-editing world (data/world-edit)", "[world]") {
  WorldOptions options = shared_names_options();
  options.fact_index = true;
  const World world = generate_world(options);
  std::set<std::string> names;
  for (const Person& p : world.people) names.insert(p.name);
  CHECK(names.size() == world.people.size());
  // No first name or surname alone names a person: the default pools give ~5 and ~4 per name.
  CHECK(name_sharing(world).sharing_both >= 90);

  TempDir dir("world-index");
  write_world(world, dir.path);
  const std::string facts = "\n" + read_text_file(dir.path + "/facts.txt");  // every document after a newline
  const std::string corpus = read_text_file(dir.path + "/corpus.txt");
  for (const Person& p : world.people) {
    INFO(p.name);
    const bool trained = p.split != PersonSplit::Holdout;
    CHECK(contains(facts, "\n" + p.name + " " + p.profession + ".\n") == trained);
    CHECK(contains(facts, "\n" + p.name + " " + p.phone + ".\n") == trained);
    CHECK(contains(corpus, "\n" + p.name + " " + p.birthplace + ".\n") == trained);
    CHECK_FALSE(contains(facts, p.name + " works as"));  // the biographies stay out of facts.txt
  }
  const std::string& holder = world.people[static_cast<size_t>(world.orgs[0].chain.back().person)].name;
  CHECK(contains(facts, holder + " " + world.orgs[0].name + "."));
  CHECK(contains(read_text_file(dir.path + "/README.md"), "--shared-names --fact-index"));
  // data/world-edit, which world-tiny-edit is trained on, is this world byte for byte.
  for (const std::string& name : world_file_names())
    CHECK(read_text_file(dir.path + "/" + name) == read_text_file(llmedit::test::kRoot + "/data/world-edit/" + name));
  CHECK(read_text_file(dir.path + "/facts.txt") == read_text_file(llmedit::test::kRoot + "/data/world-edit/facts.txt"));
  // Off by default: the shipped world has neither.
  TempDir plain("world-plain");
  write_world(make_world(1, 100, 12), plain.path);
  CHECK_FALSE(fs::exists(plain.path + "/facts.txt"));
  CHECK(read_text_file(plain.path + "/corpus.txt") != corpus);
}

TEST_CASE("world: tiny worlds still have three distinct wrong answers", "[world]") {
  const World world = make_world(11, 2, 0);
  for (const WorldQA& qa : world.qa)
    CHECK(std::set<std::string>(qa.item.perturbed_answers.begin(), qa.item.perturbed_answers.end()).size() == 3);
}

TEST_CASE("world: llmedit world writes the folder, bad values exit with 2", "[world][cli]") {
  using llmedit::test::run_cli;
  using llmedit::test::shell_quote;
  TempDir dir("world-cli");
  const std::string out = dir.path + "/w";
  const auto ok = run_cli("world --seed 1 --people 30 --orgs 3 --out " + shell_quote(out));
  INFO(ok.error);
  REQUIRE(ok.exit_code == 0);
  CHECK(contains(ok.output, "30 people"));
  TempDir api("world-cli-api");
  write_world(make_world(1, 30, 3), api.path);
  for (const std::string& name : world_file_names()) CHECK(read_text_file(out + "/" + name) == read_text_file(api.path + "/" + name));

  const auto zero = run_cli("world --people 0 --out " + shell_quote(out));
  CHECK(zero.exit_code == 2);
  CHECK(contains(zero.error, "--people 0"));
  CHECK(zero.error.find('\n') == zero.error.size() - 1);  // one line
  const auto lone = run_cli("world --people 30 --people-per-name 2 --out " + shell_quote(out));
  CHECK(lone.exit_code == 2);
  CHECK(contains(lone.error, "--people-per-name 2"));
  CHECK(contains(lone.error, "--shared-names"));

  write_text_atomic(dir.path + "/file", "not a folder");
  const auto blocked = run_cli("world --people 10 --orgs 1 --out " + shell_quote(dir.path + "/file/w"));
  CHECK(blocked.exit_code == 2);
  CHECK(contains(blocked.error, dir.path + "/file"));
}
