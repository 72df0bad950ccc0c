// The world generator's random source and its pools of fictional names and values.
#pragma once
#include <cstdint>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "libllmedit/core/error.h"
#include "libllmedit/data/world.h"

namespace llmedit::world_detail {

// std::mt19937_64 is specified bit for bit; the standard distributions and std::shuffle are
// not, so every draw goes through these helpers to keep the world identical on every platform.
class WorldRng {
 public:
  // Independent streams per purpose (people, splits, orgs, ...), so that e.g. --orgs does not
  // change the people.
  WorldRng(uint64_t seed, uint64_t stream);

  uint64_t below(uint64_t n);  // uniform in [0, n), n > 0, without modulo bias
  int between(int lo, int hi);  // uniform in [lo, hi]

  template <class T>
  const T& pick(const std::vector<T>& items) {
    return items[below(items.size())];
  }

  template <class T>
  void shuffle(std::vector<T>& items) {  // Fisher-Yates
    for (size_t i = items.size(); i > 1; --i) std::swap(items[i - 1], items[below(i)]);
  }

 private:
  std::mt19937_64 engine_;
};

// Fixed pools. All invented; the people's names are built from syllables instead.
const std::vector<std::string>& professions();
const std::vector<std::string>& cities();
const std::vector<std::string>& genres();
const std::vector<std::string>& awards();
const std::vector<std::string>& org_sectors();
const std::vector<std::string>& org_roles();

std::string first_name(WorldRng& rng, bool female);
std::string surname(WorldRng& rng);

// The few first names and surnames people's names combine with WorldOptions::shared_names
// (parents' names are drawn freely). Each is shared by several people, so, as in real text where
// "John" or "Smith" alone names no one, only the whole name identifies a person and a model has
// to compose it at its last token, the position ROME and MEMIT edit. With the default names
// (almost every first name unique) the shipped model identifies people by the first name
// (README, fact editing). `people_per_name` > 0: about that many people per first name and per
// surname; 0: about √people first names per gender and people/4 surnames. generate_world checks
// that first names × surnames ≥ people (each gender draws about half of them).
struct PersonNamePool {
  std::vector<std::string> female, male, surnames;
};
struct NamePoolSize {
  int firsts;    // per gender
  int surnames;
};
NamePoolSize name_pool_size(int people, int people_per_name);
PersonNamePool person_name_pool(WorldRng& rng, int people, int people_per_name);

// Draws with `make` until the value is not in `used`, then records it. Throws an internal
// error after many collisions (the pools are sized for kWorldMaxPeople).
template <class Make>
std::string draw_unique(std::set<std::string>& used, Make make) {
  for (int attempt = 0; attempt < 10000; ++attempt) {
    std::string value = make();
    if (used.insert(value).second) return value;
  }
  throw Error(ErrorKind::Internal, "world: a value pool is exhausted (10000 collisions in a row)");
}

std::string book_title(WorldRng& rng);
std::string street_address(WorldRng& rng);
std::string email_for(WorldRng& rng, const std::string& full_name);
std::string phone_number(WorldRng& rng);

// "a" or "an" for a noun phrase (by its first letter; the pools hold no "hour" or "union").
std::string indefinite_article(const std::string& noun);

// ---- phrasing: one fixed template per sentence kind, so a small model sees regular language ----

std::string question(Attribute attribute, const std::string& name);
std::vector<std::string> paraphrased_questions(Attribute attribute, const std::string& name);
// The canonical answer; the corpus states each fact in exactly this form.
std::string answer_sentence(Attribute attribute, const std::string& name, const std::vector<std::string>& values);
// The same fact in another form (never in the corpus), for paraphrase robustness.
std::string paraphrased_sentence(Attribute attribute, const std::string& name, const std::vector<std::string>& values);

// `count` value lists of `attribute` that differ from `person`'s and from each other, taken
// from other people where possible and invented from the pools when the world is too small.
std::vector<std::vector<std::string>> wrong_values(const World& world, int person, Attribute attribute,
                                                   WorldRng& rng, int count);

}  // namespace llmedit::world_detail
