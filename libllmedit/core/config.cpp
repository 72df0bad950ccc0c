#include "libllmedit/core/config.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "libllmedit/core/error.h"

namespace llmedit {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

Error internal_error(const std::string& message) { return Error(ErrorKind::Internal, message); }

// Splits "a.b.c" into its segments; empty segments are kept so callers can reject them.
std::vector<std::string> split_key(const std::string& key) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (true) {
    const std::size_t dot = key.find('.', start);
    parts.push_back(key.substr(start, dot - start));
    if (dot == std::string::npos) return parts;
    start = dot + 1;
  }
}

bool has_empty_segment(const std::string& key) {
  const auto parts = split_key(key);
  return std::any_of(parts.begin(), parts.end(), [](const std::string& p) { return p.empty(); });
}

// True when `key` lies strictly below `prefix` ("a.b" is below "a", "ab" is not).
bool is_below(const std::string& key, const std::string& prefix) {
  return key.size() > prefix.size() && key.compare(0, prefix.size(), prefix) == 0 && key[prefix.size()] == '.';
}

std::string join_key(const std::string& prefix, const std::string& segment) {
  return prefix.empty() ? segment : prefix + "." + segment;
}

// Compact JSON for error messages: one line, at most ~60 characters, never throws on bad UTF-8
// (a --set value is taken verbatim from the command line).
std::string show_value(const json& value) {
  constexpr std::size_t limit = 60;
  std::string text = value.dump(-1, ' ', false, json::error_handler_t::replace);
  if (text.size() <= limit) return text;
  std::size_t cut = limit;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;  // keep UTF-8 whole
  return text.substr(0, cut) + "...";
}

std::string with_article(OptionType type) {
  const std::string name = option_type_name(type);
  const bool vowel = name[0] == 'a' || name[0] == 'i' || name[0] == 'o';
  return (vowel ? "an " : "a ") + name;
}

std::string joined(const std::vector<std::string>& items, const std::string& separator) {
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i) out += (i ? separator : "") + items[i];
  return out;
}

// ---- loading ----

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw config_error("cannot open config file '" + path.string() + "'");
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// nlohmann reports a byte offset; line and column are what an editor jumps to.
std::string parse_location(const std::string& text, std::size_t byte) {
  byte = std::min(byte, text.size());
  std::size_t line = 1, column = 1;
  for (std::size_t i = 0; i + 1 < byte; ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return "line " + std::to_string(line) + ", column " + std::to_string(column);
}

// The part of nlohmann's message after its "[json.exception...] parse error at ...:" preamble.
std::string parse_detail(const std::string& what) {
  const std::size_t colon = what.find(": ");
  std::string detail = colon == std::string::npos ? what : what.substr(colon + 2);
  std::replace(detail.begin(), detail.end(), '\n', ' ');
  return detail;
}

json parse_file(const fs::path& path) {
  if (!fs::exists(path)) throw config_error("config file '" + path.string() + "' does not exist");
  if (fs::is_directory(path)) throw config_error("config file '" + path.string() + "' is a folder, not a file");
  const std::string text = read_text(path);
  json doc;
  try {
    doc = json::parse(text);
  } catch (const json::parse_error& e) {
    throw config_error(path.string() + ": invalid JSON at " + parse_location(text, e.byte) + ": " +
                       parse_detail(e.what()));
  } catch (const json::exception& e) {  // out_of_range: a number beyond double's range, e.g. 1e999
    throw config_error(path.string() + ": invalid JSON: " + parse_detail(e.what()));
  }
  if (!doc.is_object())
    throw config_error(path.string() + ": a config must be a JSON object, got " + show_value(doc));
  return doc;
}

// Child wins; only objects merge, so a child's array or scalar replaces the base's outright.
void merge_into(json& base, const json& child) {
  for (auto it = child.begin(); it != child.end(); ++it) {
    auto found = base.find(it.key());
    if (found != base.end() && found->is_object() && it->is_object()) {
      merge_into(*found, *it);
    } else {
      base[it.key()] = *it;
    }
  }
}

std::vector<std::string> extends_list(const json& doc, const fs::path& path) {
  const auto found = doc.find("extends");
  if (found == doc.end()) return {};
  if (found->is_string()) return {found->get<std::string>()};
  const bool strings = found->is_array() && std::all_of(found->begin(), found->end(),
                                                        [](const json& item) { return item.is_string(); });
  if (!strings)
    throw config_error(path.string() + ": 'extends' must be a string or a list of strings, got " +
                       show_value(*found));
  return found->get<std::vector<std::string>>();
}

// `chain` holds the files being loaded, outermost first, so a cycle can be shown in full.
json load_with_chain(const fs::path& path, std::vector<fs::path>& chain) {
  const fs::path identity = fs::weakly_canonical(path);
  for (std::size_t i = 0; i < chain.size(); ++i) {
    if (fs::weakly_canonical(chain[i]) != identity) continue;
    std::vector<std::string> names;
    for (std::size_t j = i; j < chain.size(); ++j) names.push_back(chain[j].string());
    names.push_back(path.string());
    throw config_error(chain.back().string() + ": 'extends' cycle: " + joined(names, " -> "));
  }
  json doc = parse_file(path);
  const auto bases = extends_list(doc, path);
  doc.erase("extends");
  if (bases.empty()) return doc;

  chain.push_back(path);
  json merged = json::object();
  for (const auto& base : bases) {
    const fs::path base_path = (path.parent_path() / base).lexically_normal();
    if (!fs::exists(base_path))
      throw config_error(path.string() + ": extends '" + base + "', but '" + base_path.string() +
                         "' does not exist");
    merge_into(merged, load_with_chain(base_path, chain));
  }
  chain.pop_back();
  merge_into(merged, doc);
  return merged;
}

// ---- resolving ----

std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> previous(b.size() + 1), current(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) previous[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    current[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t substitute = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      current[j] = std::min({previous[j] + 1, current[j - 1] + 1, substitute});
    }
    std::swap(previous, current);
  }
  return previous[b.size()];
}

std::string lowercase(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

std::string last_segment(const std::string& key) {
  const std::size_t dot = key.rfind('.');
  return dot == std::string::npos ? key : key.substr(dot + 1);
}

bool is_section(const std::string& key, const ConfigSchema& schema) {
  const auto& options = schema.options();
  return std::any_of(options.begin(), options.end(), [&](const OptionSpec& o) { return is_below(o.key, key); });
}

json& slot(json& root, const std::string& key) {
  json* node = &root;
  for (const auto& part : split_key(key)) node = &(*node)[part];
  return *node;
}

const json* lookup(const json& root, const std::string& key) {
  const json* node = &root;
  for (const auto& part : split_key(key)) {
    if (!node->is_object()) return nullptr;
    const auto found = node->find(part);
    if (found == node->end()) return nullptr;
    node = &*found;
  }
  return node;
}

// 1e3 and 3.0 parse as floats but are what a user means by an integer.
bool integral_float(const json& value) {
  if (!value.is_number_float()) return false;
  const double d = value.get<double>();
  return std::isfinite(d) && std::trunc(d) == d && std::fabs(d) < 9.0e18;
}

bool has_type(const json& value, OptionType type) {
  switch (type) {
    case OptionType::Bool: return value.is_boolean();
    case OptionType::Int: return value.is_number_integer() || integral_float(value);
    case OptionType::Number: return value.is_number();
    case OptionType::String: return value.is_string();
    case OptionType::Array: return value.is_array();
    case OptionType::Object: return value.is_object();
  }
  return false;
}

json checked_value(const json& value, const OptionSpec& spec, const std::string& source) {
  if (!has_type(value, spec.type))
    throw config_error(source + ": key '" + spec.key + "' must be " + with_article(spec.type) + ", got " +
                       show_value(value));
  if (!spec.choices.empty() &&
      std::find(spec.choices.begin(), spec.choices.end(), value.get<std::string>()) == spec.choices.end())
    throw config_error(source + ": key '" + spec.key + "' must be one of: " + joined(spec.choices, ", ") +
                       "; got " + show_value(value));
  if (integral_float(value)) return static_cast<std::int64_t>(value.get<double>());
  return value;
}

// Checks every key present in `node` (the object at `prefix`) and copies accepted values into `out`.
void check_tree(const json& node, const std::string& prefix, const ConfigSchema& schema, const std::string& source,
                json& out) {
  for (auto it = node.begin(); it != node.end(); ++it) {
    const std::string key = join_key(prefix, it.key());
    if (it.key().empty() || it.key().find('.') != std::string::npos)
      throw config_error(source + ": key '" + key + "' is empty or contains '.'; write nested objects instead");
    if (it->is_null()) continue;  // null means "absent": the default applies
    if (const OptionSpec* spec = schema.find(key)) {
      slot(out, key) = checked_value(*it, *spec, source);
    } else if (is_section(key, schema)) {
      if (!it->is_object())
        throw config_error(source + ": key '" + key + "' must be an object, got " + show_value(*it));
      check_tree(*it, key, schema, source, out);
    } else {
      const std::string near = nearest_key(key, schema);
      throw config_error(source + ": unknown key '" + key + "'" +
                         (near.empty() ? "" : " (did you mean '" + near + "'?)"));
    }
  }
}

}  // namespace

const char* option_type_name(OptionType type) {
  switch (type) {
    case OptionType::Bool: return "bool";
    case OptionType::Int: return "int";
    case OptionType::Number: return "number";
    case OptionType::String: return "string";
    case OptionType::Array: return "array";
    case OptionType::Object: return "object";
  }
  return "?";
}

// ---- ConfigSchema ----

ConfigSchema& ConfigSchema::option(const std::string& key, const json& default_value, const std::string& help,
                                   std::vector<std::string> choices) {
  OptionSpec spec;
  spec.key = key;
  spec.default_value = default_value;
  spec.help = help;
  spec.choices = std::move(choices);
  if (default_value.is_boolean()) {
    spec.type = OptionType::Bool;
  } else if (default_value.is_number_integer()) {
    spec.type = OptionType::Int;
  } else if (default_value.is_number()) {
    spec.type = OptionType::Number;
  } else if (default_value.is_string()) {
    spec.type = OptionType::String;
  } else if (default_value.is_array()) {
    spec.type = OptionType::Array;
  } else if (default_value.is_object()) {
    spec.type = OptionType::Object;
  } else {
    throw internal_error("config option '" + key + "' has a null default; declare it with optional()");
  }
  if (spec.type == OptionType::String && !spec.choices.empty() &&
      std::find(spec.choices.begin(), spec.choices.end(), default_value.get<std::string>()) == spec.choices.end())
    throw internal_error("config option '" + key + "' has default " + show_value(default_value) +
                         ", which is not among its choices");
  return add(std::move(spec));
}

ConfigSchema& ConfigSchema::required(const std::string& key, OptionType type, const std::string& help,
                                     std::vector<std::string> choices) {
  OptionSpec spec;
  spec.key = key;
  spec.type = type;
  spec.help = help;
  spec.choices = std::move(choices);
  spec.required = true;
  return add(std::move(spec));
}

ConfigSchema& ConfigSchema::optional(const std::string& key, OptionType type, const std::string& help) {
  OptionSpec spec;
  spec.key = key;
  spec.type = type;
  spec.help = help;
  return add(std::move(spec));
}

ConfigSchema& ConfigSchema::open(const std::string& key, const std::string& help) {
  OptionSpec spec;
  spec.key = key;
  spec.type = OptionType::Object;
  spec.default_value = json::object();
  spec.help = help;
  spec.open = true;
  return add(std::move(spec));
}

ConfigSchema& ConfigSchema::add(OptionSpec spec) {
  if (spec.key.empty() || has_empty_segment(spec.key))
    throw internal_error("config option '" + spec.key + "' has an empty key segment");
  if (!spec.choices.empty() && spec.type != OptionType::String)
    throw internal_error("config option '" + spec.key + "' has choices but is not a string");
  for (const auto& other : options_) {
    if (other.key == spec.key) throw internal_error("config option '" + spec.key + "' is declared twice");
    if (is_below(spec.key, other.key) || is_below(other.key, spec.key))
      throw internal_error("config options '" + other.key + "' and '" + spec.key +
                           "' conflict: one lies below the other");
  }
  options_.push_back(std::move(spec));
  return *this;
}

const OptionSpec* ConfigSchema::find(const std::string& key) const {
  for (const auto& spec : options_)
    if (spec.key == key) return &spec;
  return nullptr;
}

std::vector<std::string> ConfigSchema::keys() const {
  std::vector<std::string> out;
  std::set<std::string> seen;
  for (const auto& spec : options_) {
    std::string prefix;
    for (const auto& part : split_key(spec.key)) {
      prefix = join_key(prefix, part);
      if (seen.insert(prefix).second) out.push_back(prefix);
    }
  }
  return out;
}

// ---- free functions ----

json load_config_file(const std::string& path) {
  std::vector<fs::path> chain;
  return load_with_chain(fs::path(path), chain);
}

void apply_override(json& config, const std::string& assignment) {
  const std::size_t equals = assignment.find('=');
  if (equals == std::string::npos)
    throw usage_error("--set '" + assignment + "': expected key.path=value");
  const std::string key = assignment.substr(0, equals);
  const std::string text = assignment.substr(equals + 1);
  if (key.empty() || has_empty_segment(key))
    throw usage_error("--set '" + assignment + "': the key has an empty segment");

  json value = json::parse(text, nullptr, false);
  if (value.is_discarded()) value = text;  // not JSON: a plain string, so `--set name=foo` works unquoted

  if (config.is_null()) config = json::object();
  if (!config.is_object()) throw internal_error("apply_override: the config is not a JSON object");
  json* node = &config;
  std::string walked;
  const auto parts = split_key(key);
  for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
    walked = join_key(walked, parts[i]);
    json& child = (*node)[parts[i]];
    if (child.is_null()) child = json::object();
    if (!child.is_object())
      throw usage_error("--set '" + assignment + "': '" + walked + "' is " + show_value(child) +
                        ", not an object");
    node = &child;
  }
  (*node)[parts.back()] = std::move(value);
}

json resolve_config(const json& raw, const ConfigSchema& schema, const std::string& source) {
  if (!raw.is_object() && !raw.is_null())
    throw config_error(source + ": a config must be a JSON object, got " + show_value(raw));
  json given = json::object();
  if (raw.is_object()) check_tree(raw, "", schema, source, given);

  json resolved = json::object();
  for (const auto& spec : schema.options()) {
    const json* value = lookup(given, spec.key);
    if (value) {
      slot(resolved, spec.key) = *value;
    } else if (spec.required) {
      throw config_error(source + ": missing required key '" + spec.key + "' (" + spec.help + ")");
    } else {
      slot(resolved, spec.key) = spec.default_value;
    }
  }
  return resolved;
}

std::string nearest_key(const std::string& key, const ConfigSchema& schema) {
  const std::string wanted = lowercase(key);
  const std::size_t limit = std::max<std::size_t>(2, wanted.size() / 3);
  std::string best;
  std::size_t best_distance = limit + 1;
  for (const auto& candidate : schema.keys()) {
    if (is_below(key, candidate)) continue;  // the key's own sections are never what was meant
    const std::size_t distance = edit_distance(wanted, lowercase(candidate));
    if (distance < best_distance) {
      best = candidate;
      best_distance = distance;
    }
  }
  if (!best.empty()) return best;

  // A known name put in the wrong section ("lr" for "train.lr"): match the last segments.
  const std::string leaf = lowercase(last_segment(key));
  const std::size_t leaf_limit = leaf.size() / 4;  // stricter: the section part gave no evidence
  for (const auto& candidate : schema.keys()) {
    if (is_below(key, candidate)) continue;
    const std::size_t distance = edit_distance(leaf, lowercase(last_segment(candidate)));
    if (distance <= leaf_limit && distance < best_distance) {
      best = candidate;
      best_distance = distance;
    }
  }
  return best;
}

std::string explain_config(const json& resolved, const ConfigSchema& schema) {
  struct Row {
    std::string key, value, type, origin, help;
  };
  std::vector<Row> rows;
  std::size_t key_width = 0, value_width = 0, type_width = 0;
  constexpr std::size_t max_value_width = 40;  // longer values overflow rather than widen every row
  for (const auto& spec : schema.options()) {
    const json& value = config_value(resolved, spec.key);
    const bool is_default = !spec.required && value == spec.default_value;
    Row row{spec.key, value.dump(-1, ' ', false, json::error_handler_t::replace), option_type_name(spec.type),
            is_default ? "default" : "set", spec.help};
    key_width = std::max(key_width, row.key.size());
    value_width = std::max(value_width, std::min(row.value.size(), max_value_width));
    type_width = std::max(type_width, row.type.size());
    rows.push_back(std::move(row));
  }
  auto pad = [](const std::string& text, std::size_t width) {
    return text.size() >= width ? text : text + std::string(width - text.size(), ' ');
  };
  std::string out;
  for (const auto& row : rows) {
    out += pad(row.key, key_width) + "  " + pad(row.value, value_width) + "  " + pad(row.type, type_width) + "  " +
           pad(row.origin, 7) + "  " + row.help + "\n";
  }
  return out;
}

const json& config_value(const json& resolved, const std::string& key) {
  const json* value = lookup(resolved, key);
  if (!value) throw internal_error("config key '" + key + "' is not in the resolved config (undeclared option?)");
  return *value;
}

}  // namespace llmedit
