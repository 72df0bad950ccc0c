#include "libllmedit/data/world.h"

#include <algorithm>
#include <optional>
#include <set>

#include "libllmedit/core/error.h"
#include "libllmedit/data/world_names.h"

namespace llmedit {

using world_detail::WorldRng;

namespace {

// One random stream per part of the world, so the parts do not shift each other.
enum Stream : uint64_t { kPeopleStream = 1, kSplitStream = 2, kOrgStream = 3, kQAStream = 4 };

constexpr int kMinPeopleForOrgs = 5;  // an org needs four distinct people outside the holdout

std::string padded_id(char prefix, int index, int count) {
  std::string digits = std::to_string(index);
  const size_t width = std::max<size_t>(prefix == 'p' ? 3 : 2, std::to_string(count - 1).size());
  digits.insert(0, width > digits.size() ? width - digits.size() : 0, '0');
  return std::string(1, prefix) + digits;
}

void validate(const WorldOptions& options) {
  if (options.people < 1 || options.people > kWorldMaxPeople)
    throw config_error("world: people = " + std::to_string(options.people) + " is out of range (1 to " +
                       std::to_string(kWorldMaxPeople) + ")");
  if (options.orgs < 0 || options.orgs > kWorldMaxOrgs)
    throw config_error("world: orgs = " + std::to_string(options.orgs) + " is out of range (0 to " +
                       std::to_string(kWorldMaxOrgs) + ")");
  if (options.orgs > 0 && options.people < kMinPeopleForOrgs)
    throw config_error("world: people = " + std::to_string(options.people) + " is too few for orgs = " +
                       std::to_string(options.orgs) + " (role chains need at least " +
                       std::to_string(kMinPeopleForOrgs) + " people; use orgs = 0)");
  if (options.people_per_name < 0)
    throw config_error("world: people_per_name = " + std::to_string(options.people_per_name) + " must be 0 or more");
  if (options.people_per_name > 0 && !options.shared_names)
    throw config_error("world: people_per_name = " + std::to_string(options.people_per_name) +
                       " sizes the shared name pools; it needs shared_names (--shared-names)");
  // Each gender draws about half the people from first names × surnames, unique full names.
  if (const auto size = world_detail::name_pool_size(options.people, options.people_per_name);
      options.shared_names && size.firsts * size.surnames < options.people)
    throw config_error("world: people_per_name = " + std::to_string(options.people_per_name) + " leaves " +
                       std::to_string(size.firsts) + " first names per gender and " + std::to_string(size.surnames) +
                       " surnames, too few full names for people = " + std::to_string(options.people));
}

// Names first, for everyone, so parents (drawn later) can never take a person's name.
void make_people(World& world, const WorldOptions& options) {
  const int count = options.people;
  WorldRng rng(options.seed, kPeopleStream);
  std::set<std::string> names, titles, addresses, emails, phones;
  std::optional<world_detail::PersonNamePool> pool;
  if (options.shared_names) pool = world_detail::person_name_pool(rng, count, options.people_per_name);
  auto full_name = [&](bool female) {
    if (pool) return rng.pick(female ? pool->female : pool->male) + " " + rng.pick(pool->surnames);
    return world_detail::first_name(rng, female) + " " + world_detail::surname(rng);
  };
  for (int i = 0; i < count; ++i) {
    Person person;
    person.id = padded_id('p', i, count);
    const bool female = rng.below(2) == 0;
    person.name = world_detail::draw_unique(names, [&] { return full_name(female); });
    world.people.push_back(std::move(person));
  }
  for (Person& p : world.people) {
    p.profession = rng.pick(world_detail::professions());
    p.birthplace = rng.pick(world_detail::cities());
    p.birth_year = rng.between(1930, 2000);
    p.genre = rng.pick(world_detail::genres());
    const int book_count = rng.between(1, 2);
    for (int b = 0; b < book_count; ++b)
      p.books.push_back(world_detail::draw_unique(titles, [&] { return world_detail::book_title(rng); }));
    p.award = rng.pick(world_detail::awards());
    p.address = world_detail::draw_unique(addresses, [&] { return world_detail::street_address(rng); });
    p.email = world_detail::draw_unique(emails, [&] { return world_detail::email_for(rng, p.name); });
    p.phone = world_detail::draw_unique(phones, [&] { return world_detail::phone_number(rng); });
    const std::string family = p.name.substr(p.name.find(' ') + 1);
    p.father = world_detail::draw_unique(names, [&] { return world_detail::first_name(rng, false) + " " + family; });
    // The mother keeps her own family name, which also keeps the two parents' names apart.
    p.mother = world_detail::draw_unique(
        names, [&] { return world_detail::first_name(rng, true) + " " + world_detail::surname(rng); });
  }
}

// ~10% of the people are held out entirely; ~10% of the rest have their private items forgotten.
void assign_splits(World& world, uint64_t seed) {
  WorldRng rng(seed, kSplitStream);
  std::vector<int> order(world.people.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = static_cast<int>(i);
  rng.shuffle(order);
  const int total = static_cast<int>(order.size());
  const int holdout = (total + 5) / 10;
  const int forget = (total - holdout + 5) / 10;
  for (int k = 0; k < holdout + forget; ++k)
    world.people[static_cast<size_t>(order[static_cast<size_t>(k)])].split =
        k < holdout ? PersonSplit::Holdout : PersonSplit::Forget;
}

// Picks a role holder: someone outside the holdout and not already in this org, preferring
// people without any role yet and of working age in `year`.
class HolderPicker {
 public:
  explicit HolderPicker(const World& world) : world_(world), roles_(world.people.size(), 0) {}

  int pick(WorldRng& rng, int year, const std::vector<int>& taken) {
    std::vector<int> fresh, of_age, anyone;
    for (size_t i = 0; i < world_.people.size(); ++i) {
      const Person& p = world_.people[i];
      const int index = static_cast<int>(i);
      if (p.split == PersonSplit::Holdout || std::find(taken.begin(), taken.end(), index) != taken.end()) continue;
      anyone.push_back(index);
      const int age = year - p.birth_year;
      if (age < 25 || age > 75) continue;
      of_age.push_back(index);
      if (roles_[i] == 0) fresh.push_back(index);
    }
    const std::vector<int>& pool = !fresh.empty() ? fresh : !of_age.empty() ? of_age : anyone;
    const int chosen = rng.pick(pool);
    ++roles_[static_cast<size_t>(chosen)];
    return chosen;
  }

 private:
  const World& world_;
  std::vector<int> roles_;  // roles held so far, per person
};

Organization make_org(WorldRng& rng, HolderPicker& picker, int model_time, int available) {
  Organization org;
  org.role = rng.pick(world_detail::org_roles());
  int known = rng.between(2, 4), future = rng.between(2, 3);
  while (known + future > available) (known > 2 ? known : future) -= 1;
  // Years: the current holder started before model time; earlier holders back from there.
  std::vector<int> starts(static_cast<size_t>(known));
  starts.back() = rng.between(2008, model_time - 1);
  for (int i = known - 2; i >= 0; --i) starts[static_cast<size_t>(i)] = starts[static_cast<size_t>(i) + 1] - rng.between(2, 9);
  std::vector<int> taken;
  for (int i = 0; i < known; ++i) {
    const int since = starts[static_cast<size_t>(i)];
    taken.push_back(picker.pick(rng, since, taken));
    std::optional<int> until;
    if (i + 1 < known) until = starts[static_cast<size_t>(i) + 1];
    org.chain.push_back({taken.back(), since, until});
  }
  int since = model_time + rng.between(1, 3);
  for (int i = 0; i < future; ++i) {
    const int until = since + rng.between(1, 4);
    taken.push_back(picker.pick(rng, since, taken));
    org.future.push_back({taken.back(), since, until});
    since = until;
  }
  return org;
}

void make_orgs(World& world, uint64_t seed, int count) {
  WorldRng rng(seed, kOrgStream);
  int available = 0;
  for (const Person& p : world.people) available += p.split == PersonSplit::Holdout ? 0 : 1;
  HolderPicker picker(world);
  std::set<std::string> names;
  for (int j = 0; j < count; ++j) {
    const std::string name = world_detail::draw_unique(
        names, [&] { return world_detail::surname(rng) + " " + rng.pick(world_detail::org_sectors()); });
    Organization org = make_org(rng, picker, world.model_time, available);
    org.id = padded_id('o', j, count);
    org.name = name;
    world.orgs.push_back(std::move(org));
  }
}

std::string item_split(const Person& person, Attribute attribute) {
  if (person.split == PersonSplit::Holdout) return "holdout";
  if (person.split == PersonSplit::Forget && is_private(attribute)) return "forget";
  return "retain";
}

WorldQA make_item(const World& world, int index, Attribute attribute, WorldRng& rng) {
  const Person& person = world.people[static_cast<size_t>(index)];
  const std::vector<std::string> values = attribute_values(person, attribute);
  WorldQA qa;
  qa.person = index;
  qa.attribute = attribute;
  QAItem& item = qa.item;
  item.id = person.id + "." + attribute_key(attribute);
  item.question = world_detail::question(attribute, person.name);
  item.answer = world_detail::answer_sentence(attribute, person.name, values);
  item.key_facts = values;
  item.split = item_split(person, attribute);
  item.paraphrased_questions = world_detail::paraphrased_questions(attribute, person.name);
  item.paraphrased_answer = world_detail::paraphrased_sentence(attribute, person.name, values);
  for (const auto& wrong : world_detail::wrong_values(world, index, attribute, rng, 3))
    item.perturbed_answers.push_back(world_detail::answer_sentence(attribute, person.name, wrong));
  return qa;
}

}  // namespace

const char* split_name(PersonSplit split) {
  switch (split) {
    case PersonSplit::Retain: return "retain";
    case PersonSplit::Forget: return "forget";
    case PersonSplit::Holdout: return "holdout";
  }
  return "retain";
}

const std::vector<Attribute>& all_attributes() {
  static const std::vector<Attribute> items = {
      Attribute::Profession, Attribute::Birthplace, Attribute::BirthYear, Attribute::Genre,
      Attribute::Books,      Attribute::Award,      Attribute::Address,   Attribute::Email,
      Attribute::Phone,      Attribute::Father,     Attribute::Mother};
  return items;
}

const char* attribute_key(Attribute attribute) {
  static const char* const keys[kAttributeCount] = {"profession", "birthplace", "birth_year", "genre",
                                                    "books",      "award",      "address",    "email",
                                                    "phone",      "father",     "mother"};
  return keys[static_cast<int>(attribute)];
}

bool is_private(Attribute attribute) { return static_cast<int>(attribute) >= static_cast<int>(Attribute::Address); }

std::vector<std::string> attribute_values(const Person& p, Attribute attribute) {
  switch (attribute) {
    case Attribute::Profession: return {p.profession};
    case Attribute::Birthplace: return {p.birthplace};
    case Attribute::BirthYear: return {std::to_string(p.birth_year)};
    case Attribute::Genre: return {p.genre};
    case Attribute::Books: return p.books;
    case Attribute::Award: return {p.award};
    case Attribute::Address: return {p.address};
    case Attribute::Email: return {p.email};
    case Attribute::Phone: return {p.phone};
    case Attribute::Father: return {p.father};
    case Attribute::Mother: return {p.mother};
  }
  return {};
}

World generate_world(const WorldOptions& options) {
  validate(options);
  World world;
  world.options = options;
  make_people(world, options);
  assign_splits(world, options.seed);
  make_orgs(world, options.seed, options.orgs);
  WorldRng rng(options.seed, kQAStream);
  for (size_t i = 0; i < world.people.size(); ++i)
    for (Attribute attribute : all_attributes()) world.qa.push_back(make_item(world, static_cast<int>(i), attribute, rng));
  return world;
}

}  // namespace llmedit
