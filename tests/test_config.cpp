// The JSON config system: extends, --set overrides, validation against a schema, explain.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "libllmedit/core/config.h"
#include "libllmedit/core/error.h"
#include "tests/fixtures.h"

using llmedit::ConfigSchema;
using llmedit::Error;
using llmedit::ErrorKind;
using llmedit::OptionType;
using nlohmann::json;

namespace {

std::string write_file(const std::string& dir, const std::string& name, const std::string& text) {
  const auto path = std::filesystem::path(dir) / name;
  std::filesystem::create_directories(path.parent_path());
  std::ofstream(path) << text;
  return path.string();
}

ConfigSchema train_schema() {
  ConfigSchema schema;
  schema.option("job", "unlearn", "what to run", {"unlearn", "edit", "eval"})
      .required("model.path", OptionType::String, "model folder or .bin file")
      .option("train.lr", 1e-4, "learning rate")
      .option("train.steps", 100, "optimizer steps")
      .option("train.shuffle", true, "shuffle the data each epoch")
      .option("train.layers", json::array({1, 2}), "layers to edit")
      .option("train.extra", json::object(), "method-specific settings")
      .optional("output.dir", OptionType::String, "run folder")
      .open("sweep", "values to sweep over");
  return schema;
}

json resolve(const json& raw) { return llmedit::resolve_config(raw, train_schema(), "config.json"); }

// The message of the config error that resolving `raw` throws.
std::string resolve_error(const json& raw) {
  try {
    resolve(raw);
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::Config);
    return e.what();
  }
  FAIL("no error for " << raw.dump());
  return "";
}

template <typename F>
Error caught(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e;
  }
  FAIL("no error thrown");
  return Error(ErrorKind::Internal, "");
}

}  // namespace

TEST_CASE("extends: a three-level chain merges deeply, child wins, arrays are replaced", "[config]") {
  llmedit::test::TempDir dir("config-chain");
  write_file(dir.path, "root.json",
             R"({"model": {"path": "m", "dtype": "float32"}, "train": {"lr": 0.1, "layers": [1, 2, 3]}})");
  write_file(dir.path, "mid.json", R"({"extends": "root.json", "train": {"steps": 5, "layers": [7]}})");
  const auto leaf = write_file(dir.path, "leaf.json", R"({"extends": "mid.json", "train": {"lr": 0.5}})");

  const json config = llmedit::load_config_file(leaf);
  CHECK(config == json::parse(
                      R"({"model": {"path": "m", "dtype": "float32"}, "train": {"lr": 0.5, "steps": 5, "layers": [7]}})"));
  CHECK_FALSE(config.contains("extends"));
}

TEST_CASE("extends: a list applies left to right and paths are relative to the extending file", "[config]") {
  llmedit::test::TempDir dir("config-list");
  write_file(dir.path, "bases/a.json", R"({"x": 1, "y": {"p": 1, "q": 1}})");
  write_file(dir.path, "bases/b.json", R"({"x": 2, "y": {"q": 2}})");
  // sub/child.json reaches the bases through ".." and a nested base reaches its sibling by name.
  write_file(dir.path, "bases/c.json", R"({"extends": "a.json", "z": 3})");
  const auto child =
      write_file(dir.path, "sub/child.json", R"({"extends": ["../bases/c.json", "../bases/b.json"], "w": 4})");

  const json config = llmedit::load_config_file(child);
  CHECK(config == json::parse(R"({"x": 2, "y": {"p": 1, "q": 2}, "z": 3, "w": 4})"));
}

TEST_CASE("extends: a cycle is reported with the whole chain", "[config]") {
  llmedit::test::TempDir dir("config-cycle");
  const auto a = write_file(dir.path, "a.json", R"({"extends": "b.json"})");
  write_file(dir.path, "b.json", R"({"extends": "c.json"})");
  write_file(dir.path, "c.json", R"({"extends": "a.json"})");

  const std::string message = caught([&] { llmedit::load_config_file(a); }).what();
  CHECK_THAT(message, Catch::Contains("cycle"));
  CHECK_THAT(message, Catch::Contains("a.json -> " + dir.path + "/b.json -> " + dir.path + "/c.json -> " +
                                      dir.path + "/a.json"));

  const auto self = write_file(dir.path, "self.json", R"({"extends": ["self.json"]})");
  CHECK_THAT(caught([&] { llmedit::load_config_file(self); }).what(), Catch::Contains("cycle"));
}

TEST_CASE("extends: a missing base or a bad extends value names the file", "[config]") {
  llmedit::test::TempDir dir("config-missing");
  const auto child = write_file(dir.path, "child.json", R"({"extends": "nowhere/base.json"})");
  const Error missing = caught([&] { llmedit::load_config_file(child); });
  CHECK(missing.kind() == ErrorKind::Config);
  CHECK_THAT(missing.what(), Catch::Contains("child.json") && Catch::Contains("nowhere/base.json"));

  const auto number = write_file(dir.path, "number.json", R"({"extends": 3})");
  CHECK_THAT(caught([&] { llmedit::load_config_file(number); }).what(),
             Catch::Contains("number.json") && Catch::Contains("string or a list of strings"));
  const auto mixed = write_file(dir.path, "mixed.json", R"({"extends": ["child.json", 1]})");
  CHECK_THAT(caught([&] { llmedit::load_config_file(mixed); }).what(), Catch::Contains("mixed.json"));
}

TEST_CASE("load_config_file: missing files, bad JSON and non-objects are config errors", "[config]") {
  llmedit::test::TempDir dir("config-bad");
  const Error absent = caught([&] { llmedit::load_config_file(dir.path + "/absent.json"); });
  CHECK(absent.kind() == ErrorKind::Config);
  CHECK_THAT(absent.what(), Catch::Contains("absent.json"));

  const auto bad = write_file(dir.path, "bad.json", "{\n  \"a\": 1,\n  \"b\": tru\n}\n");
  const std::string message = caught([&] { llmedit::load_config_file(bad); }).what();
  CHECK_THAT(message, Catch::Contains("bad.json") && Catch::Contains("line 3"));
  CHECK(message.find('\n') == std::string::npos);

  // A base with bad JSON is named itself, not only the file that extends it.
  const auto child = write_file(dir.path, "child.json", R"({"extends": "bad.json"})");
  CHECK_THAT(caught([&] { llmedit::load_config_file(child); }).what(), Catch::Contains("bad.json: invalid JSON"));

  const auto array = write_file(dir.path, "array.json", "[1, 2]");
  CHECK_THAT(caught([&] { llmedit::load_config_file(array); }).what(), Catch::Contains("JSON object"));
}

TEST_CASE("apply_override parses JSON values and falls back to strings", "[config]") {
  json config = {{"train", {{"lr", 0.1}, {"keep", 1}}}};
  llmedit::apply_override(config, "train.lr=0.5");
  llmedit::apply_override(config, "train.steps=3");
  llmedit::apply_override(config, "train.shuffle=false");
  llmedit::apply_override(config, "train.layers=[4,5]");
  llmedit::apply_override(config, "model.path=models/tiny");
  llmedit::apply_override(config, "model.name=\"42\"");
  llmedit::apply_override(config, "a.b.c.d={\"e\": null}");
  llmedit::apply_override(config, "note=x=y");
  llmedit::apply_override(config, "empty=");

  CHECK(config["train"]["lr"] == 0.5);
  CHECK(config["train"]["steps"].is_number_integer());
  CHECK(config["train"]["steps"] == 3);
  CHECK(config["train"]["shuffle"] == false);
  CHECK(config["train"]["layers"] == json::array({4, 5}));
  CHECK(config["train"]["keep"] == 1);
  CHECK(config["model"]["path"] == "models/tiny");
  CHECK(config["model"]["name"] == "42");
  CHECK(config["a"]["b"]["c"]["d"] == json::parse(R"({"e": null})"));
  CHECK(config["note"] == "x=y");
  CHECK(config["empty"] == "");
}

TEST_CASE("apply_override rejects bad assignments naming them", "[config]") {
  json config = {{"train", {{"lr", 0.1}}}};
  for (const std::string bad : {"train.lr", "=3", ".lr=3", "train..lr=3", "train.=3"}) {
    const Error error = caught([&] { llmedit::apply_override(config, bad); });
    CHECK(error.kind() == ErrorKind::Usage);
    CHECK_THAT(error.what(), Catch::Contains(bad));
  }
  const Error through = caught([&] { llmedit::apply_override(config, "train.lr.x=1"); });
  CHECK(through.kind() == ErrorKind::Usage);
  CHECK_THAT(through.what(), Catch::Contains("'train.lr'") && Catch::Contains("not an object"));
  CHECK(config == json::parse(R"({"train": {"lr": 0.1}})"));
}

TEST_CASE("resolve_config fills defaults and keeps set values", "[config]") {
  const json resolved = resolve({{"model", {{"path", "m"}}}, {"train", {{"steps", 7}}}});
  CHECK(resolved["job"] == "unlearn");
  CHECK(resolved["model"]["path"] == "m");
  CHECK(resolved["train"]["lr"] == 1e-4);
  CHECK(resolved["train"]["steps"] == 7);
  CHECK(resolved["train"]["shuffle"] == true);
  CHECK(resolved["train"]["layers"] == json::array({1, 2}));
  CHECK(resolved["train"]["extra"] == json::object());
  CHECK(resolved["output"]["dir"].is_null());
  CHECK(resolved["sweep"] == json::object());

  CHECK(llmedit::config_get<int>(resolved, "train.steps") == 7);
  CHECK(llmedit::config_value(resolved, "output.dir").is_null());
  const Error absent = caught([&] { llmedit::config_value(resolved, "train.nope"); });
  CHECK(absent.kind() == ErrorKind::Internal);
  CHECK_THAT(absent.what(), Catch::Contains("train.nope"));
}

TEST_CASE("resolve_config: numbers, integral floats, null and open sections", "[config]") {
  const json resolved = resolve(json::parse(R"({"model": {"path": "m"}, "train": {"lr": 3, "steps": 1e3, "shuffle": null},
      "sweep": {"train.lr": [0.1, 0.2], "anything": {"goes": true}}})"));
  CHECK(resolved["train"]["lr"] == 3);  // a number option takes an integer
  CHECK(resolved["train"]["steps"].is_number_integer());
  CHECK(resolved["train"]["steps"] == 1000);
  CHECK(resolved["train"]["shuffle"] == true);  // null counts as absent
  CHECK(resolved["sweep"]["train.lr"] == json::array({0.1, 0.2}));
  CHECK(resolve(json::parse(R"({"model": {"path": "m"}, "train": {"steps": 3.0}})"))["train"]["steps"] == 3);
}

TEST_CASE("resolve_config: unknown keys name the file, the key and the nearest declared key", "[config]") {
  CHECK(resolve_error({{"model", {{"path", "m"}}}, {"train", {{"lrr", 0.1}}}}) ==
        "config.json: unknown key 'train.lrr' (did you mean 'train.lr'?)");
  CHECK(resolve_error({{"model", {{"path", "m"}}}, {"trian", {{"lr", 0.1}}}}) ==
        "config.json: unknown key 'trian' (did you mean 'train'?)");
  CHECK(resolve_error({{"model", {{"path", "m"}}}, {"steps", 3}}) ==
        "config.json: unknown key 'steps' (did you mean 'train.steps'?)");
  CHECK(resolve_error({{"model", {{"path", "m"}}}, {"completely_different", 1}}) ==
        "config.json: unknown key 'completely_different'");
  // A declared section given a scalar, and a dotted key written flat.
  CHECK(resolve_error({{"model", {{"path", "m"}}}, {"train", 3}}) ==
        "config.json: key 'train' must be an object, got 3");
  CHECK_THAT(resolve_error({{"model", {{"path", "m"}}}, {"train.lr", 0.1}}), Catch::Contains("'train.lr'"));
}

TEST_CASE("resolve_config: wrong types name the key, the expected type and the value", "[config]") {
  const json base = {{"model", {{"path", "m"}}}};
  auto with = [&](const std::string& key, const json& value) {
    json raw = base;
    llmedit::apply_override(raw, key + "=" + value.dump());
    return resolve_error(raw);
  };
  CHECK(with("train.lr", "abc") == "config.json: key 'train.lr' must be a number, got \"abc\"");
  CHECK(with("train.steps", 1.5) == "config.json: key 'train.steps' must be an int, got 1.5");
  CHECK(with("train.steps", "3") == "config.json: key 'train.steps' must be an int, got \"3\"");
  CHECK(with("train.shuffle", 1) == "config.json: key 'train.shuffle' must be a bool, got 1");
  CHECK(with("model.path", 5) == "config.json: key 'model.path' must be a string, got 5");
  CHECK(with("train.layers", 1) == "config.json: key 'train.layers' must be an array, got 1");
  CHECK(with("train.extra", json::array()) == "config.json: key 'train.extra' must be an object, got []");
  CHECK(with("sweep", 2) == "config.json: key 'sweep' must be an object, got 2");

  const std::string long_text(500, 'x');
  const std::string message = with("train.lr", long_text);
  CHECK(message.size() < 130);
  CHECK_THAT(message, Catch::EndsWith("..."));
}

TEST_CASE("resolve_config: choices and missing required keys", "[config]") {
  CHECK(resolve_error({{"model", {{"path", "m"}}}, {"job", "train"}}) ==
        "config.json: key 'job' must be one of: unlearn, edit, eval; got \"train\"");
  CHECK(resolve_error({{"train", {{"lr", 0.1}}}}) ==
        "config.json: missing required key 'model.path' (model folder or .bin file)");
  CHECK(resolve_error({{"model", {{"path", nullptr}}}}) ==
        "config.json: missing required key 'model.path' (model folder or .bin file)");
  CHECK(resolve({{"model", {{"path", "m"}}}, {"job", "edit"}})["job"] == "edit");
}

TEST_CASE("ConfigSchema rejects duplicate and conflicting declarations", "[config]") {
  ConfigSchema schema;
  schema.option("a.b", 1, "x");
  CHECK(caught([&] { schema.option("a.b", 2, "again"); }).kind() == ErrorKind::Internal);
  CHECK(caught([&] { schema.option("a", 2, "parent of a.b"); }).kind() == ErrorKind::Internal);
  CHECK(caught([&] { schema.open("a.b.c", "child of a.b"); }).kind() == ErrorKind::Internal);
  CHECK(caught([&] { schema.option("c", nullptr, "null default"); }).kind() == ErrorKind::Internal);
  CHECK(caught([&] { schema.option("d", "z", "default outside choices", {"x", "y"}); }).kind() ==
        ErrorKind::Internal);
  CHECK(caught([&] { schema.option("e..f", 1, "empty segment"); }).kind() == ErrorKind::Internal);
  schema.option("ab", 1, "a sibling with a shared prefix is fine");

  CHECK(schema.find("a.b")->type == OptionType::Int);
  CHECK(schema.find("a") == nullptr);
  CHECK(schema.keys() == std::vector<std::string>{"a", "a.b", "ab"});
  CHECK(std::string(llmedit::option_type_name(OptionType::Number)) == "number");
}

TEST_CASE("nearest_key suggests close keys only", "[config]") {
  const ConfigSchema schema = train_schema();
  CHECK(llmedit::nearest_key("train.lrr", schema) == "train.lr");
  CHECK(llmedit::nearest_key("train.setps", schema) == "train.steps");
  CHECK(llmedit::nearest_key("Train.LR", schema) == "train.lr");
  CHECK(llmedit::nearest_key("modle", schema) == "model");
  CHECK(llmedit::nearest_key("shuffle", schema) == "train.shuffle");
  CHECK(llmedit::nearest_key("train.x", schema) == "train.lr");  // never the key's own section
  CHECK(llmedit::nearest_key("zzzzzz", schema).empty());
}

TEST_CASE("explain_config lists every key with value, type, origin and help", "[config]") {
  const ConfigSchema schema = train_schema();
  const json resolved = llmedit::resolve_config(
      {{"model", {{"path", "m"}}}, {"train", {{"steps", 7}}}, {"sweep", {{"train.lr", {0.1, 0.2}}}}}, schema,
      "config.json");
  const std::string text = llmedit::explain_config(resolved, schema);

  std::istringstream lines(text);
  std::vector<std::string> rows;
  for (std::string line; std::getline(lines, line);) rows.push_back(line);
  REQUIRE(rows.size() == schema.options().size());
  CHECK_THAT(rows[0], Catch::StartsWith("job ") && Catch::Contains("\"unlearn\"") && Catch::Contains("string") &&
                          Catch::Contains("default") && Catch::EndsWith("what to run"));
  CHECK_THAT(rows[1], Catch::Contains("\"m\"") && Catch::Contains(" set ") && Catch::Contains("model folder"));
  CHECK_THAT(rows[3], Catch::StartsWith("train.steps ") && Catch::Contains(" 7 ") && Catch::Contains(" int ") &&
                          Catch::Contains(" set "));
  CHECK_THAT(rows[5], Catch::Contains("[1,2]") && Catch::Contains("array") && Catch::Contains("default"));
  CHECK_THAT(rows[7], Catch::Contains("output.dir") && Catch::Contains("null") && Catch::Contains("default"));
  CHECK_THAT(rows[8], Catch::Contains(R"({"train.lr":[0.1,0.2]})") && Catch::Contains("set"));
  // Columns line up: every help text starts at the same offset.
  const auto help_column = rows[0].find("what to run");
  CHECK(rows[2].find("learning rate") == help_column);
  CHECK(rows[8].find("values to sweep over") == help_column);
}
