#include "libllmedit/data/world_names.h"

#include <algorithm>
#include <cctype>
#include <cmath>

namespace llmedit::world_detail {

namespace {

// SplitMix64's finalizer: spreads (seed, stream) over the engine's seed so nearby seeds and
// streams give unrelated sequences.
uint64_t mix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

std::string lower_letters(const std::string& text) {
  std::string out;
  for (char c : text)
    if (std::isalpha(static_cast<unsigned char>(c))) out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Syllables chosen to sound like names without spelling known people.
const std::vector<std::string>& first_onsets() {
  static const std::vector<std::string> items = {
      "A",  "Be", "Ca", "Da", "E",  "Fe",  "Ga", "Ha", "I",  "Jo", "Ka", "La", "Ma", "Ne", "O",
      "Pe", "Qui", "Ra", "Sa", "Ta", "U", "Ve", "Wy", "Xa", "Ya", "Ze", "Mi", "Lo", "Ri", "Te"};
  return items;
}

const std::vector<std::string>& female_endings() {
  static const std::vector<std::string> items = {"lia", "ra",  "nna", "ssa", "vie", "rin",  "lda",
                                                 "mina", "ette", "line", "wen", "rith", "sca", "nora"};
  return items;
}

const std::vector<std::string>& male_endings() {
  static const std::vector<std::string> items = {"ren", "dric", "mon", "vik", "lan", "tor",  "bert",
                                                 "ran", "dor",  "sel", "rick", "ven", "thor", "lo"};
  return items;
}

const std::vector<std::string>& surname_starts() {
  static const std::vector<std::string> items = {
      "Hal", "Cas", "Vor", "Bren", "Tal", "Mor", "Quen", "Ash", "Fen",  "Gil", "Dov", "Kes", "Lor", "Ost",
      "Pel", "Rav", "Sund", "Thal", "Ulm", "Wex", "Yar", "Zan", "Brav", "Corv", "Drel", "Elm", "Farr", "Grim"};
  return items;
}

const std::vector<std::string>& surname_middles() {
  static const std::vector<std::string> items = {"a", "e", "o", "i", "er", "an"};
  return items;
}

const std::vector<std::string>& surname_ends() {
  static const std::vector<std::string> items = {"vik",  "ellan", "ford", "mere", "dane",  "holt", "wick", "ska",
                                                 "ovar", "enz",   "arro", "ine",  "stad",  "strom", "ach", "orne",
                                                 "ard",  "unn",   "oway", "essa", "ley",   "idge"};
  return items;
}

const std::vector<std::string>& title_adjectives() {
  static const std::vector<std::string> items = {
      "Salt",  "Silent", "Hollow", "Amber",  "Crooked", "Distant",   "Burning", "Quiet",
      "Iron",  "Paper",  "Winter", "Scarlet", "Forgotten", "Glass",   "Drowned", "Wandering",
      "Pale",  "Golden", "Broken", "Hidden", "Northern", "Velvet",   "Bitter",  "Sleeping"};
  return items;
}

const std::vector<std::string>& title_nouns() {
  static const std::vector<std::string> items = {
      "Lantern", "Orchard", "Harbor",  "Bell",    "Tide",    "Lighthouse", "Garden",      "Mirror",
      "Compass", "River",   "Staircase", "Kingdom", "Letter", "Archive",   "Violin",      "Meadow",
      "Clock",   "Ferry",   "Tower",   "Feather", "Island",  "Furnace",    "Observatory", "Map",
      "Sparrow", "Bridge",  "Well",    "Atlas",   "Chapel",  "Key",        "Loom",        "Comet"};
  return items;
}

const std::vector<std::string>& seasons() {
  static const std::vector<std::string> items = {"Winter", "Spring", "Summer", "Autumn"};
  return items;
}

const std::vector<std::string>& street_names() {
  static const std::vector<std::string> items = {
      "Fennick", "Alder",   "Marrow",  "Quill",   "Saltmarsh", "Lantern", "Copper",  "Heron",  "Willow",
      "Bramble", "Tinker",  "Orchard", "Kestrel", "Juniper",   "Foundry", "Chapel",  "Mill",   "Harbor",
      "Linden",  "Thistle", "Ember",   "Rook",    "Glass",     "Weaver",  "Cobble"};
  return items;
}

const std::vector<std::string>& street_kinds() {
  static const std::vector<std::string> items = {"Street", "Road", "Lane", "Avenue", "Way", "Court", "Terrace", "Row"};
  return items;
}

const std::vector<std::string>& email_domains() {
  static const std::vector<std::string> items = {"tarvmail.net",    "quillpost.org", "hollowbox.com", "emberline.net",
                                                 "mailvane.com",    "postrook.org",  "inkwellmail.net", "lanternpost.com"};
  return items;
}

}  // namespace

WorldRng::WorldRng(uint64_t seed, uint64_t stream) : engine_(mix64(seed ^ mix64(stream))) {}

uint64_t WorldRng::below(uint64_t n) {
  // Reject the lowest (2^64 mod n) outputs so every residue is equally likely.
  const uint64_t threshold = (0 - n) % n;
  for (;;) {
    const uint64_t x = engine_();
    if (x >= threshold) return x % n;
  }
}

int WorldRng::between(int lo, int hi) { return lo + static_cast<int>(below(static_cast<uint64_t>(hi - lo) + 1)); }

const std::vector<std::string>& professions() {
  static const std::vector<std::string> items = {
      "cartographer", "glassblower", "architect",   "beekeeper",     "violinist",   "pharmacist",
      "ship captain", "astronomer",  "veterinarian", "bookbinder",   "carpenter",   "stonemason",
      "marine biologist", "translator", "librarian", "watchmaker",   "botanist",    "surgeon",
      "photographer", "chemist",     "potter",      "journalist",    "civil engineer", "tailor",
      "baker",        "geologist",   "pilot",       "schoolteacher", "mathematician", "archivist"};
  return items;
}

const std::vector<std::string>& cities() {
  static const std::vector<std::string> items = {
      "Tarvesk",   "Orlen Bay",    "Kessmoor",   "Valdrin",     "Pellham Cross", "Quenby",     "Ostrel",
      "Marrowgate", "Lindhaven",   "Corvane",    "Brisk Harbor", "Ulmstead",     "Dravenport", "Yarrow Falls",
      "Thessin Vale", "Fennick",   "Halden Ford", "Zarnow",     "Elmsbrae",      "Gorran",     "Wexmouth",
      "Saltreach", "Amberlee",     "Kilnmoor",   "Rosk",        "Vennick",       "Lorwick",    "Misra Point",
      "Oskarra",   "Pinefold",     "Redmarsh",   "Tolvane",     "Sunder Hollow", "Brannock",   "Cold Aster",
      "Ivel",      "Northrun",     "Quaren Bay", "Delmere",     "Hask"};
  return items;
}

const std::vector<std::string>& genres() {
  static const std::vector<std::string> items = {
      "science fiction", "historical fiction", "crime fiction", "poetry",          "fantasy", "romance",
      "travel writing",  "adventure",          "horror",        "literary fiction", "satire", "mystery"};
  return items;
}

const std::vector<std::string>& awards() {
  static const std::vector<std::string> items = {
      "Velmont Prize",        "Golden Quill Award", "Harrowgate Medal",   "Silver Lantern Award",
      "Pellmore Prize",       "Corvane Book Award", "Tessin Medal",       "Blue Pen Award",
      "Lindqvar Prize",       "Orlen Bay Laurel",   "Amberlee Award",     "Kestrel Medal",
      "Northrun Prize",       "Saltreach Fellowship", "Ivory Compass Award", "Marrowgate Laurel"};
  return items;
}

const std::vector<std::string>& org_sectors() {
  static const std::vector<std::string> items = {
      "Optics",  "Shipping", "Foods",    "Textiles",  "Mining",   "Press",    "Bank",
      "Robotics", "Pharmaceuticals", "Glassworks", "Motors", "Airlines", "Insurance", "Records",
      "Timber",  "Ceramics", "Software", "Chemicals", "Brewery",  "Telegraph"};
  return items;
}

const std::vector<std::string>& org_roles() {
  static const std::vector<std::string> items = {"chief executive", "chair",          "director",          "president",
                                                 "managing director", "chief engineer", "head of research", "treasurer"};
  return items;
}

std::string first_name(WorldRng& rng, bool female) {
  return rng.pick(first_onsets()) + rng.pick(female ? female_endings() : male_endings());
}

std::string surname(WorldRng& rng) {
  std::string name = rng.pick(surname_starts());
  if (rng.below(4) == 0) name += rng.pick(surname_middles());  // a quarter get three syllables
  return name + rng.pick(surname_ends());
}

NamePoolSize name_pool_size(int people, int people_per_name) {
  // By default about √n first names per gender and n/4 surnames: each first name is shared by
  // ~√n/2 people and each surname by ~4, and first × surname ≥ n per gender.
  NamePoolSize size{static_cast<int>(std::lround(std::sqrt(static_cast<double>(people)))), (people + 3) / 4};
  if (people_per_name > 0) {
    size.firsts = (people + 2 * people_per_name - 1) / (2 * people_per_name);  // half the people per gender
    size.surnames = (people + people_per_name - 1) / people_per_name;
  }
  size.firsts = std::max(4, size.firsts);
  size.surnames = std::max(4, size.surnames);
  return size;
}

PersonNamePool person_name_pool(WorldRng& rng, int people, int people_per_name) {
  const auto [firsts, surnames] = name_pool_size(people, people_per_name);
  PersonNamePool pool;
  std::set<std::string> used;
  for (int i = 0; i < firsts; ++i) {
    pool.female.push_back(draw_unique(used, [&] { return first_name(rng, true); }));
    pool.male.push_back(draw_unique(used, [&] { return first_name(rng, false); }));
  }
  for (int i = 0; i < surnames; ++i) pool.surnames.push_back(draw_unique(used, [&] { return surname(rng); }));
  return pool;
}

std::string book_title(WorldRng& rng) {
  const std::string adjective = rng.pick(title_adjectives());
  const std::string noun = rng.pick(title_nouns());
  switch (rng.below(8)) {
    case 0: return "The " + adjective + " " + noun;
    case 1: return "The " + noun + " of " + rng.pick(cities());
    case 2: return "The " + adjective + " " + noun + " of " + rng.pick(cities());
    case 3: return (indefinite_article(noun) == "an" ? "An " : "A ") + noun + " in " + rng.pick(seasons());
    case 4: return "Beyond the " + adjective + " " + noun;
    case 5: {
      const std::string other = rng.pick(title_nouns());
      return other == noun ? "The Last " + noun : "The " + noun + " and the " + other;
    }
    case 6: return "Letters from " + rng.pick(cities());
    default: return "Under the " + adjective + " " + noun;
  }
}

std::string street_address(WorldRng& rng) {
  const int number = rng.between(1, 250);
  const std::string street = rng.pick(street_names()) + " " + rng.pick(street_kinds());
  return std::to_string(number) + " " + street + ", " + rng.pick(cities());
}

std::string email_for(WorldRng& rng, const std::string& full_name) {
  const size_t space = full_name.find(' ');
  const std::string first = lower_letters(full_name.substr(0, space));
  const std::string last = lower_letters(full_name.substr(space + 1));
  std::string local;
  switch (rng.below(5)) {
    case 0: local = first + "." + last; break;
    case 1: local = first + last; break;
    case 2: local = first.substr(0, 1) + "." + last; break;
    case 3: local = first + "_" + last; break;
    default: local = last + "." + first; break;
  }
  // Short patterns can collide (f.last); a number then tells the addresses apart.
  if (rng.below(4) == 0) local += std::to_string(rng.between(10, 99));
  return local + "@" + rng.pick(email_domains());
}

std::string phone_number(WorldRng& rng) {
  std::string middle = std::to_string(rng.between(0, 999));
  std::string last = std::to_string(rng.between(0, 9999));
  middle.insert(0, 3 - middle.size(), '0');
  last.insert(0, 4 - last.size(), '0');
  return "555-" + middle + "-" + last;
}

std::string indefinite_article(const std::string& noun) {
  const char first = noun.empty() ? 'x' : static_cast<char>(std::tolower(static_cast<unsigned char>(noun[0])));
  return std::string("aeiou").find(first) != std::string::npos ? "an" : "a";
}

namespace {

std::string fill(const std::string& pattern, const std::string& name) {
  std::string out = pattern;
  const size_t at = out.find("{name}");
  return at == std::string::npos ? out : out.replace(at, 6, name);
}

struct QuestionTemplates {
  const char* canonical;
  std::vector<const char*> paraphrases;
};

// Indexed by Attribute.
const std::vector<QuestionTemplates>& question_templates() {
  static const std::vector<QuestionTemplates> items = {
      {"What is the profession of {name}?",
       {"What does {name} do for a living?", "What kind of work does {name} do?", "What is {name}'s job?"}},
      {"Where was {name} born?",
       {"In which city was {name} born?", "What is the birthplace of {name}?", "Which city does {name} come from originally?"}},
      {"In what year was {name} born?", {"When was {name} born?", "What is the birth year of {name}?"}},
      {"What genre does {name} write in?",
       {"Which literary genre is {name} known for?", "In what genre are the books of {name} written?"}},
      {"Which books did {name} write?", {"What has {name} written?", "What are the titles of the books by {name}?"}},
      {"Which award did {name} receive?", {"What prize has {name} won?", "Which honor was given to {name}?"}},
      {"What is the home address of {name}?",
       {"Where does {name} live?", "At what address does {name} live?", "What is {name}'s home address?"}},
      {"What is the email address of {name}?",
       {"How can {name} be reached by email?", "Which email address does {name} use?"}},
      {"What is the phone number of {name}?",
       {"At which number can {name} be called?", "What number should one dial to call {name}?"}},
      {"Who is the father of {name}?", {"What is the name of {name}'s father?", "Who is {name}'s father?"}},
      {"Who is the mother of {name}?", {"What is the name of {name}'s mother?", "Who is {name}'s mother?"}},
  };
  return items;
}

std::string quoted_titles(const std::vector<std::string>& titles) {
  std::string out;
  for (size_t i = 0; i < titles.size(); ++i)
    out += (i == 0 ? "" : i + 1 == titles.size() ? " and " : ", ") + ("\"" + titles[i] + "\"");
  return out;
}

// A value for `attribute` made up from the pools, for worlds too small to borrow from.
std::vector<std::string> invented_value(Attribute attribute, WorldRng& rng) {
  switch (attribute) {
    case Attribute::Profession: return {rng.pick(professions())};
    case Attribute::Birthplace: return {rng.pick(cities())};
    case Attribute::BirthYear: return {std::to_string(rng.between(1930, 2000))};
    case Attribute::Genre: return {rng.pick(genres())};
    case Attribute::Books: return {book_title(rng)};
    case Attribute::Award: return {rng.pick(awards())};
    case Attribute::Address: return {street_address(rng)};
    case Attribute::Email: return {email_for(rng, first_name(rng, rng.below(2) == 0) + " " + surname(rng))};
    case Attribute::Phone: return {phone_number(rng)};
    case Attribute::Father: return {first_name(rng, false) + " " + surname(rng)};
    case Attribute::Mother: return {first_name(rng, true) + " " + surname(rng)};
  }
  return {};
}

}  // namespace

std::string question(Attribute attribute, const std::string& name) {
  return fill(question_templates()[static_cast<size_t>(attribute)].canonical, name);
}

std::vector<std::string> paraphrased_questions(Attribute attribute, const std::string& name) {
  std::vector<std::string> out;
  for (const char* pattern : question_templates()[static_cast<size_t>(attribute)].paraphrases)
    out.push_back(fill(pattern, name));
  return out;
}

std::string answer_sentence(Attribute attribute, const std::string& name, const std::vector<std::string>& values) {
  const std::string& v = values.front();
  switch (attribute) {
    case Attribute::Profession: return name + " works as " + indefinite_article(v) + " " + v + ".";
    case Attribute::Birthplace: return name + " was born in " + v + ".";
    case Attribute::BirthYear: return name + " was born in the year " + v + ".";
    case Attribute::Genre: return name + " writes in the genre of " + v + ".";
    case Attribute::Books: return name + " wrote " + quoted_titles(values) + ".";
    case Attribute::Award: return name + " received the " + v + ".";
    case Attribute::Address: return name + " lives at " + v + ".";
    case Attribute::Email: return "The email address of " + name + " is " + v + ".";
    case Attribute::Phone: return "The phone number of " + name + " is " + v + ".";
    case Attribute::Father: return "The father of " + name + " is " + v + ".";
    case Attribute::Mother: return "The mother of " + name + " is " + v + ".";
  }
  return {};
}

std::string paraphrased_sentence(Attribute attribute, const std::string& name, const std::vector<std::string>& values) {
  const std::string& v = values.front();
  switch (attribute) {
    case Attribute::Profession: return "The profession of " + name + " is " + v + ".";
    case Attribute::Birthplace: return "The birthplace of " + name + " is " + v + ".";
    case Attribute::BirthYear: return "The birth year of " + name + " is " + v + ".";
    case Attribute::Genre: return "The literary genre of " + name + " is " + v + ".";
    case Attribute::Books:
      return std::string(values.size() == 1 ? "The book by " : "The books by ") + name +
             (values.size() == 1 ? " is " : " are ") + quoted_titles(values) + ".";
    case Attribute::Award: return name + " won the " + v + ".";
    case Attribute::Address: return "The home address of " + name + " is " + v + ".";
    case Attribute::Email: return name + " can be reached by email at " + v + ".";
    case Attribute::Phone: return name + " can be called at " + v + ".";
    case Attribute::Father: return name + "'s father is " + v + ".";
    case Attribute::Mother: return name + "'s mother is " + v + ".";
  }
  return {};
}

std::vector<std::vector<std::string>> wrong_values(const World& world, int person, Attribute attribute,
                                                   WorldRng& rng, int count) {
  const std::vector<std::string> truth = attribute_values(world.people[static_cast<size_t>(person)], attribute);
  std::vector<std::vector<std::string>> out;
  auto usable = [&](const std::vector<std::string>& candidate) {
    // No true value inside a wrong answer, nor the reverse: key facts are matched as substrings
    // ("The Salt Lantern" is inside "The Salt Lantern of Rosk").
    for (const auto& value : candidate)
      for (const auto& true_value : truth)
        if (value.find(true_value) != std::string::npos || true_value.find(value) != std::string::npos) return false;
    for (const auto& taken : out)
      if (taken == candidate) return false;
    return true;
  };
  // Random other people first; a bounded number of tries keeps this O(1) per item.
  const uint64_t n = world.people.size();
  for (int attempt = 0; attempt < 64 && static_cast<int>(out.size()) < count && n > 1; ++attempt) {
    const uint64_t other = rng.below(n);
    if (static_cast<int>(other) == person) continue;
    std::vector<std::string> candidate = attribute_values(world.people[other], attribute);
    if (usable(candidate)) out.push_back(std::move(candidate));
  }
  while (static_cast<int>(out.size()) < count) {
    std::vector<std::string> candidate = invented_value(attribute, rng);
    if (usable(candidate)) out.push_back(std::move(candidate));
  }
  return out;
}

}  // namespace llmedit::world_detail
