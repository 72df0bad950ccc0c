// The synthetic world (DESIGN.md §9): fictitious people with public and private attributes,
// organizations with time-scoped roles, and the QA items about them, generated from a seed and
// written in the formats the evaluators read (KnowUnDo, TOFU, AToKe, CounterFact, ArcMMLU CSV,
// a plain-text training corpus).
//
// Output is byte-for-byte a function of (seed, people, orgs): the generator draws from
// std::mt19937_64 through its own integer helpers (the standard distributions are
// implementation-defined) and never iterates an unordered container.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "libllmedit/data/qa_dataset.h"

namespace llmedit {

struct WorldOptions {
  uint64_t seed = 0;
  int people = 200;
  int orgs = 20;
  // Experiments on where a model keeps its facts (README, fact editing); off for the shipped world.
  bool shared_names = false;  // people's names combine a few shared first names and surnames
  // With shared_names: about this many people share each first name and each surname (0: √people
  // first names per gender and people/4 surnames).
  int people_per_name = 0;
  bool fact_index = false;    // also write each person's facts as "<name> <value>." documents
};

// The ranges generate_world accepts (the name and title pools are sized for them).
constexpr int kWorldMaxPeople = 2000;
constexpr int kWorldMaxOrgs = 200;
constexpr int kWorldModelTime = 2020;  // the year the trained model "lives" in

enum class PersonSplit { Retain, Forget, Holdout };
const char* split_name(PersonSplit split);

// The attributes every person has, in the order they are generated, asked about and written.
enum class Attribute {
  Profession, Birthplace, BirthYear, Genre, Books, Award,  // public
  Address, Email, Phone, Father, Mother,                   // private
};
constexpr int kAttributeCount = 11;
const std::vector<Attribute>& all_attributes();
const char* attribute_key(Attribute attribute);  // "birthplace", "birth_year", ...
bool is_private(Attribute attribute);

struct Person {
  std::string id;    // "p017"
  std::string name;  // "Mira Castellan"
  // Retain: every item trained on; Forget: private items form the forget set; Holdout: never trained on.
  PersonSplit split = PersonSplit::Retain;
  std::string profession, birthplace, genre, award;
  int birth_year = 0;
  std::vector<std::string> books;  // one or two titles, unique in the world
  std::string address, email, phone, father, mother;
};

// The value(s) of one attribute as text: each book title, or the one value.
std::vector<std::string> attribute_values(const Person& person, Attribute attribute);

struct RoleTerm {
  int person = 0;            // index into World::people
  int since = 0;
  std::optional<int> until;  // empty: still holding the role at model time
};

struct Organization {
  std::string id;    // "o03"
  std::string name;  // "Halvorsen Optics"
  std::string role;  // "chief executive"
  std::vector<RoleTerm> chain;   // known history; the last term is current at model time
  std::vector<RoleTerm> future;  // holders after model time (two or three), the edits' targets
};

// A QA item (qa_dataset.h's QAItem, as read back from qa/world_qa.jsonl) and what it asks about.
struct WorldQA {
  int person = 0;
  Attribute attribute = Attribute::Profession;
  QAItem item;  // id "p017.birthplace"; split "retain", "forget" or "holdout"; three perturbed answers
};

struct World {
  WorldOptions options;
  int model_time = kWorldModelTime;
  std::vector<Person> people;
  std::vector<Organization> orgs;
  std::vector<WorldQA> qa;  // person by person, attributes in all_attributes() order
};

// Throws a config error naming the field when people or orgs is out of range.
World generate_world(const WorldOptions& options);

// Writes every file of the world into `dir` (created if missing); each file is replaced
// atomically. Throws a data error naming the folder when it cannot be created or written.
void write_world(const World& world, const std::string& dir);

// The files write_world produces, relative to its folder, in the order it writes them.
std::vector<std::string> world_file_names();

}  // namespace llmedit
