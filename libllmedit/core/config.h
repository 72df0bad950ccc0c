// JSON configs: every option is declared once (key, type, default, help) in a ConfigSchema;
// a config file is loaded (following `extends`), overridden with `--set key.path=value`,
// then validated and filled with defaults before any work starts.
#pragma once
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace llmedit {

enum class OptionType { Bool, Int, Number, String, Array, Object };

// "bool", "int", "number", "string", "array", "object"
const char* option_type_name(OptionType type);

struct OptionSpec {
  std::string key;  // dotted path, e.g. "train.lr"
  OptionType type = OptionType::String;
  nlohmann::json default_value;  // null with required = false means "unset" (optional)
  std::string help;
  std::vector<std::string> choices;  // allowed values of a string option; empty: any
  bool required = false;
  bool open = false;  // free-form JSON below this key (ConfigSchema::open); resolves to {} when absent
};

class ConfigSchema {
 public:
  // The type follows the default: bool, int (integer JSON), number, string, array or object.
  // A number option accepts integers too. Declaring a key twice throws an internal error.
  ConfigSchema& option(const std::string& key, const nlohmann::json& default_value, const std::string& help,
                       std::vector<std::string> choices = {});
  // An option with no default: resolve_config fails when it is absent.
  ConfigSchema& required(const std::string& key, OptionType type, const std::string& help,
                         std::vector<std::string> choices = {});
  // An option with no default that may stay absent (resolves to null).
  ConfigSchema& optional(const std::string& key, OptionType type, const std::string& help);
  // A key whose value is free-form JSON below it (e.g. "sweep"); nothing under it is checked.
  ConfigSchema& open(const std::string& key, const std::string& help);

  const OptionSpec* find(const std::string& key) const;  // nullptr when undeclared
  const std::vector<OptionSpec>& options() const { return options_; }
  // Every declared key (and section prefix), for nearest-key suggestions.
  std::vector<std::string> keys() const;

 private:
  ConfigSchema& add(OptionSpec spec);
  std::vector<OptionSpec> options_;
};

// Reads `path` as JSON. `"extends": "base.json"` (or a list, applied left to right) names
// configs relative to this file; objects merge deeply, the extending file wins, arrays are
// replaced. Cycles, missing files and bad JSON throw a config error naming the file.
nlohmann::json load_config_file(const std::string& path);

// Applies "a.b.c=value": value is parsed as JSON when it parses ("3", "true", "[1,2]",
// "\"x\""), else taken as a string. Intermediate objects are created. Throws a usage error
// naming the assignment when it has no '=' or an empty key.
void apply_override(nlohmann::json& config, const std::string& assignment);

// Validates `raw` against `schema` and returns it with every default filled in. Unknown keys,
// wrong types, values outside `choices` and missing required keys throw a config error naming
// the key, `source` (the file) and, for unknown keys, the nearest declared key. An explicit
// null counts as absent (so `--set key=null` or a child's null restores the default). An int
// option also takes an integral float (1e3, 3.0) and stores it as an integer.
nlohmann::json resolve_config(const nlohmann::json& raw, const ConfigSchema& schema, const std::string& source);

// The declared key closest to `key` (edit distance on the dotted path); "" when none is close.
std::string nearest_key(const std::string& key, const ConfigSchema& schema);

// Human-readable listing of the resolved config: one line per key with its value, type,
// whether it is the default, and the help text.
std::string explain_config(const nlohmann::json& resolved, const ConfigSchema& schema);

// Reads a resolved value by dotted key; throws an internal error when the key is absent
// (a job reading an option it never declared is a bug, not a user error).
const nlohmann::json& config_value(const nlohmann::json& resolved, const std::string& key);

template <typename T>
T config_get(const nlohmann::json& resolved, const std::string& key) {
  return config_value(resolved, key).get<T>();
}

}  // namespace llmedit
