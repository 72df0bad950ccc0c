// Hostile and broken input files through the command line (issue 13): each is refused with exit
// code 2 and one line on stderr naming the file, the field and the value, and no output is left
// behind. Complements the model-command cases of test_cli_model.cpp (header length past the end,
// heads not dividing the hidden size, unknown rope type, invalid JSON), which are not repeated.
// Built on the repo's own world-tiny model, so nothing here needs ../shared.
#include <catch2/catch.hpp>

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tests/cli_runner.h"
#include "tests/fixtures.h"

using Catch::Contains;
using llmedit::test::CommandResult;
using llmedit::test::run_cli;
using llmedit::test::shell_quote;
using llmedit::test::TempDir;
using nlohmann::json;

namespace {

namespace fs = std::filesystem;

const std::string kWorldTiny = std::string(LLMEDIT_SOURCE_DIR) + "/data/models/world-tiny";

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out << bytes;
}

// A user-fixable failure: exit code 2, nothing on stdout, exactly one non-empty line on stderr
// holding every one of `names`.
void check_refused(const CommandResult& r, const std::vector<std::string>& names) {
  INFO("stderr: " << r.error);
  CHECK(r.exit_code == 2);
  CHECK(r.output.empty());
  REQUIRE(r.error.size() > 1);
  CHECK(r.error.find('\n') == r.error.size() - 1);
  for (const std::string& name : names) CHECK_THAT(r.error, Contains(name));
}

// Files in `dir` other than `keep` (nothing may be left half-written beside the inputs).
std::vector<std::string> stray_files(const std::string& dir, const std::vector<std::string>& keep) {
  std::vector<std::string> stray;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    bool kept = false;
    for (const std::string& k : keep) kept = kept || entry.path().string().rfind(dir + "/" + k, 0) == 0;
    if (!kept) stray.push_back(entry.path().string());
  }
  return stray;
}

// ---- safetensors ----

// The world-tiny weights split into their header (parsed) and data section.
struct Weights {
  json header;
  std::string data;
};

Weights world_tiny_weights() {
  const std::string bytes = read_bytes(kWorldTiny + "/model.safetensors");
  uint64_t header_length = 0;
  std::memcpy(&header_length, bytes.data(), 8);
  return {json::parse(bytes.substr(8, header_length)), bytes.substr(8 + header_length)};
}

std::string encode(const json& header, const std::string& data) {
  const std::string text = header.dump();
  std::string bytes(8, '\0');
  const uint64_t length = text.size();
  std::memcpy(bytes.data(), &length, 8);
  return bytes + text + data;
}

// A model folder `name` in `dir`: world-tiny's config.json and the given model.safetensors.
std::string model_with_weights(const std::string& dir, const std::string& name, const std::string& weights) {
  const std::string folder = dir + "/" + name;
  fs::create_directories(folder);
  fs::copy_file(kWorldTiny + "/config.json", folder + "/config.json");
  write_bytes(folder + "/model.safetensors", weights);
  return folder;
}

// `llmedit logits` on the folder: refused naming the weights file and `names`, no --out file.
void check_weights_refused(const std::string& dir, const std::string& folder, const std::vector<std::string>& names) {
  const std::string out = dir + "/logits.safetensors";
  std::vector<std::string> all = names;
  all.push_back(folder + "/model.safetensors");
  check_refused(run_cli("logits --model " + shell_quote(folder) + " --ids 1,2 --out " + shell_quote(out)), all);
  CHECK(!fs::exists(out));
  CHECK(stray_files(dir, {fs::path(folder).filename().string()}).empty());
  check_refused(run_cli("info " + shell_quote(folder)), all);
}

}  // namespace

TEST_CASE("lying safetensors headers are refused naming the tensor and the value", "[badinput]") {
  TempDir tmp("bad-safetensors");
  Weights w = world_tiny_weights();
  const std::string embed = "model.embed_tokens.weight", norm = "model.layers.0.input_layernorm.weight";

  SECTION("data_offsets past the end of the data section") {
    w.header[norm]["data_offsets"][1] = w.data.size() + 384;
    w.header[norm]["data_offsets"][0] = w.data.size();
    const std::string folder = model_with_weights(tmp.path, "out-of-range", encode(w.header, w.data));
    check_weights_refused(tmp.path, folder, {norm, std::to_string(w.data.size() + 384), "data section"});
  }
  SECTION("a file cut short inside the data section") {
    const std::string folder =
        model_with_weights(tmp.path, "truncated", encode(w.header, w.data.substr(0, w.data.size() / 2)));
    check_weights_refused(tmp.path, folder, {"past the " + std::to_string(w.data.size() / 2) + "-byte data section"});
  }
  SECTION("overlapping tensors") {
    w.header[norm]["data_offsets"] = {0, 384};  // inside the embedding's bytes
    const std::string folder = model_with_weights(tmp.path, "overlap", encode(w.header, w.data));
    check_weights_refused(tmp.path, folder, {embed, norm, "overlap"});
  }
  SECTION("a shape that does not match the byte length") {
    w.header[norm]["shape"] = {193};
    const std::string folder = model_with_weights(tmp.path, "shape", encode(w.header, w.data));
    check_weights_refused(tmp.path, folder, {norm, "[193]", "386 bytes", "hold 384"});
  }
  SECTION("an unknown dtype") {
    w.header[norm]["dtype"] = "Q4_K";
    const std::string folder = model_with_weights(tmp.path, "dtype", encode(w.header, w.data));
    check_weights_refused(tmp.path, folder, {norm, "unknown dtype", "Q4_K"});
  }
  SECTION("a known dtype llmedit does not compute with") {
    w.header[norm]["dtype"] = "I16";
    const std::string folder = model_with_weights(tmp.path, "int-dtype", encode(w.header, w.data));
    check_weights_refused(tmp.path, folder, {norm, "I16"});
  }
  SECTION("negative and fractional offsets") {
    w.header[norm]["data_offsets"] = {-384, 0};
    const std::string folder = model_with_weights(tmp.path, "negative", encode(w.header, w.data));
    check_weights_refused(tmp.path, folder, {norm, "data_offsets", "-384"});
  }
  SECTION("an empty file") {
    const std::string folder = model_with_weights(tmp.path, "empty", "");
    check_weights_refused(tmp.path, folder, {"0 bytes"});
  }
}

TEST_CASE("config.json with missing or inconsistent fields is refused naming the field", "[badinput]") {
  TempDir tmp("bad-config");
  const json good = json::parse(read_bytes(kWorldTiny + "/config.json"));
  const auto refused = [&](const std::string& name, const json& config, const std::vector<std::string>& names) {
    const std::string folder = tmp.path + "/" + name;
    fs::create_directories(folder);
    write_bytes(folder + "/config.json", config.dump(2));
    fs::create_symlink(kWorldTiny + "/model.safetensors", folder + "/model.safetensors");
    std::vector<std::string> all = names;
    all.push_back(folder + "/config.json");
    const std::string out = tmp.path + "/" + name + ".safetensors";
    check_refused(run_cli("logits --model " + shell_quote(folder) + " --ids 1,2 --out " + shell_quote(out)), all);
    CHECK(!fs::exists(out));
    check_refused(run_cli("info " + shell_quote(folder)), all);
  };
  json c = good;
  SECTION("a required field missing") {
    c.erase("vocab_size");
    refused("no-vocab", c, {"'vocab_size'", "missing"});
  }
  SECTION("a field of the wrong type") {
    c["hidden_size"] = "192";
    refused("string-hidden", c, {"'hidden_size'", "\"192\""});
  }
  SECTION("key/value heads that do not divide the attention heads") {
    c["num_key_value_heads"] = 4;
    refused("kv-heads", c, {"key/value heads 4", "attention heads 6"});
  }
  SECTION("a negative layer count") {
    c["num_hidden_layers"] = -1;
    refused("layers", c, {"number of layers", "-1"});
  }
  SECTION("a rope type that is not a string") {
    c["rope_scaling"] = {{"rope_type", 3}, {"factor", 2.0}};
    refused("rope-type", c, {"rope_scaling.rope_type", "3"});
  }
  SECTION("an unknown activation") {
    c["hidden_act"] = "tanh";
    refused("act", c, {"hidden_act", "tanh"});
  }
  SECTION("a model_type that is not a string") {
    c.erase("architectures");
    c["model_type"] = 7;
    refused("model-type", c, {"model_type", "7"});
  }
  SECTION("an odd explicit head_dim") {
    c["head_dim"] = -4;
    refused("head-dim", c, {"head_dim", "-4"});
  }
}

TEST_CASE("a tokenizer.json of an unsupported kind or with impossible ids is refused naming the field", "[badinput]") {
  TempDir tmp("bad-tokenizer");
  const json base = {{"model", {{"type", "BPE"}, {"vocab", {{"a", 0}, {"b", 1}}}, {"merges", json::array()}}}};
  const auto refused = [&](const std::string& name, const std::string& text, const std::vector<std::string>& names) {
    const std::string file = tmp.path + "/" + name + ".json";
    write_bytes(file, text);
    std::vector<std::string> all = names;
    all.push_back(file);
    check_refused(run_cli("tokenize --tokenizer " + shell_quote(file) + " --text ab"), all);
    check_refused(run_cli("detokenize --tokenizer " + shell_quote(file) + " --ids 0,1"), all);
  };
  write_bytes(tmp.path + "/ok.json", base.dump());  // the same file with a supported model loads
  REQUIRE(run_cli("tokenize --tokenizer " + shell_quote(tmp.path + "/ok.json") + " --text ab").exit_code == 0);
  json t = base;
  SECTION("Unigram") {
    t["model"] = {{"type", "Unigram"}, {"vocab", {{"a", -1.0}}}, {"unk_id", 0}};
    refused("unigram", t.dump(), {"model.type", "Unigram"});
  }
  SECTION("WordLevel") {
    t["model"]["type"] = "WordLevel";
    refused("wordlevel", t.dump(), {"model.type", "WordLevel"});
  }
  // Ids index dense tables: a sparse id would allocate gigabytes (a fuzzer found it) before failing.
  SECTION("a vocabulary id that leaves over a million ids unused") {
    t["model"]["vocab"]["b"] = 2000000000;
    refused("sparse-id", t.dump(), {"model.vocab.b", "2000000000", "unused"});
  }
  SECTION("a vocabulary id beyond 2^31") {
    t["model"]["vocab"]["b"] = 4294967296;
    refused("huge-id", t.dump(), {"model.vocab.b", "4294967296"});
  }
  SECTION("an added token id beyond 2^31") {
    t["added_tokens"] = {{{"id", 9223372036854775808ull}, {"content", "<x>"}}};
    refused("added-huge-id", t.dump(), {"added_tokens[0].id", "9223372036854775808"});
  }
  SECTION("an added token id that leaves over a million ids unused") {
    t["added_tokens"] = {{{"id", 2}, {"content", "<x>"}}, {{"id", 5000000}, {"content", "<y>"}}};
    refused("added-sparse-id", t.dump(), {"added_tokens[1].id", "5000000", "unused"});
  }
  SECTION("no model") {
    t.erase("model");
    refused("no-model", t.dump(), {"model", "missing"});
  }
  SECTION("not an object") {
    refused("array", "[1, 2]", {"not a JSON object"});
  }
  SECTION("invalid JSON spanning lines stays on one line") {
    refused("broken", "{\"model\":\n\n  {\"type\": \"BPE\",\n oops", {"invalid JSON"});
  }
}

TEST_CASE("QA files with missing fields or wrong types are refused naming the item", "[badinput]") {
  TempDir tmp("bad-qa");
  const auto refused = [&](const std::string& name, const std::string& text, const std::vector<std::string>& names) {
    const std::string file = tmp.path + "/" + name;
    write_bytes(file, text);
    const std::string out = tmp.path + "/tok-" + name;
    std::vector<std::string> all = names;
    all.push_back(file);
    check_refused(run_cli("train-tokenizer --input " + shell_quote(file) + " --vocab-size 32 --out " + shell_quote(out)), all);
    CHECK(!fs::exists(out));  // refused before anything is written
  };
  SECTION("KnowUnDo item without labels") {
    refused("knowundo.json", json::array({{{"text", "q0"}, {"labels", "a0"}}, {{"text", "q1"}}}).dump(),
            {"item 1", "labels"});
  }
  SECTION("KnowUnDo labels of the wrong type") {
    refused("knowundo-type.json",
            json::array({{{"text", "q0"}, {"labels", "a0"}}, {{"text", "q1"}, {"labels", 17}}}).dump(),
            {"item 1", "labels", "17"});
  }
  SECTION("JSONL answer of the wrong type") {
    refused("qa.jsonl", "{\"question\": \"q0\", \"answer\": \"a0\"}\n\n{\"question\": \"q1\", \"answer\": [1]}\n",
            {"item 1", "line 3", "answer", "[1]"});
  }
  SECTION("an item that is not an object") {
    refused("scalar.json", "[{\"question\": \"q\", \"answer\": \"a\"}, 5]", {"item 1", "5"});
  }
  SECTION("an empty list") {
    refused("empty.json", "[]", {"no QA items"});
  }
}

TEST_CASE("a CSV row whose answer letter is not among its options is refused naming row and letter", "[badinput]") {
  TempDir tmp("bad-csv");
  fs::create_directories(tmp.path + "/data/test");
  write_bytes(tmp.path + "/data/test/world.csv",
              ",Question,A,B,C,D,Answer\n0,Two?,1,2,3,4,B\n1,Three options?,x,y,z,,D\n");
  const std::string out = tmp.path + "/run";
  const CommandResult r = run_cli("eval-mc --model " + shell_quote(kWorldTiny) + " --data " +
                                  shell_quote(tmp.path + "/data") + " --out " + shell_quote(out));
  check_refused(r, {tmp.path + "/data/test/world.csv", "row 1", "line 3", "'D'", "A-C"});
  CHECK(!fs::exists(out + "/metrics.json"));
  CHECK(!fs::exists(out + "/summary.md"));
}
