// `llmedit info`, `logits` and `generate`, run as a user would, against the hf-tiny fixtures
// (the CLI contract of issue 2), and the errors a user can fix: exit code 2, one line on stderr.
// LibTorch first: glog (pulled in by LibTorch) defines its own CHECK, and Catch's must win.
#include <torch/torch.h>

#include <catch2/catch.hpp>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "libllmedit/io/safetensors.h"
#include "tests/cli_runner.h"
#include "tests/fixtures.h"

using Catch::Contains;
using llmedit::SafetensorsReader;
using llmedit::test::CommandResult;
using llmedit::test::run_cli;
using llmedit::test::shell_quote;
using llmedit::test::TempDir;
using nlohmann::json;

namespace {

namespace fs = std::filesystem;

const char* const kFixtures = "fixtures/hf-tiny";

std::string fixture(const std::string& model) { return llmedit::test::shared_path(std::string(kFixtures) + "/" + model); }

json read_json(const std::string& path) {
  std::ifstream in(path);
  return json::parse(in);
}

void write_text(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

std::string ids_arg(const std::vector<int64_t>& ids) {
  std::string out;
  for (size_t i = 0; i < ids.size(); ++i) out += (i ? "," : "") + std::to_string(ids[i]);
  return out;
}

// "key:   value" lines of `llmedit info` as a map.
std::map<std::string, std::string> parse_info(const std::string& output) {
  std::map<std::string, std::string> fields;
  std::istringstream in(output);
  for (std::string line; std::getline(in, line);) {
    const size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    const size_t value = line.find_first_not_of(' ', colon + 1);
    fields[line.substr(0, colon)] = value == std::string::npos ? "" : line.substr(value);
  }
  return fields;
}

// Sum of numel over the tensors stored in a .safetensors file.
int64_t stored_parameters(const std::string& path) {
  const SafetensorsReader reader(path);
  int64_t total = 0;
  for (const auto& entry : reader.entries()) {
    int64_t numel = 1;
    for (int64_t d : entry.shape) numel *= d;
    total += numel;
  }
  return total;
}

// A user-fixable failure: exit code 2 and exactly one non-empty line on stderr, naming `what`.
void check_one_line_error(const CommandResult& r, const std::string& what) {
  INFO("stderr: " << r.error);
  CHECK(r.exit_code == 2);
  REQUIRE(!r.error.empty());
  CHECK(r.error.back() == '\n');
  CHECK(r.error.find('\n') == r.error.size() - 1);
  CHECK(r.error.size() > 1);
  CHECK_THAT(r.error, Contains(what));
}

// A model folder in `dir` whose config.json is the llama fixture's, changed by `edit`, and whose
// weights are a link to the fixture's (so only the config is wrong).
template <typename Edit>
std::string llama_variant(const std::string& dir, const std::string& name, Edit edit) {
  const std::string folder = dir + "/" + name;
  fs::create_directories(folder);
  json config = read_json(fixture("llama") + "/config.json");
  edit(config);
  write_text(folder + "/config.json", config.dump(2));
  fs::create_symlink(fixture("llama") + "/model.safetensors", folder + "/model.safetensors");
  return folder;
}

void check_logits_match_reference(const std::string& model) {
  llmedit::test::require_shared_or_skip(std::string(kFixtures) + "/" + model);
  const std::string folder = fixture(model);
  const json reference = read_json(folder + "/reference.json");
  const SafetensorsReader expected(folder + "/reference.safetensors");
  TempDir tmp("cli-logits-" + model);
  const std::string out = tmp.path + "/logits.safetensors";

  const auto& sequences = reference.at("sequences");
  REQUIRE(sequences.size() == 3);
  std::string args = "logits --model " + shell_quote(folder);
  for (const auto& seq : sequences) args += " --ids " + ids_arg(seq.get<std::vector<int64_t>>());
  const CommandResult r = run_cli(args + " --out " + shell_quote(out));
  INFO("stderr: " << r.error);
  REQUIRE(r.exit_code == 0);
  REQUIRE(fs::exists(out));

  const SafetensorsReader got(out);
  CHECK(got.entries().size() == sequences.size());
  for (size_t i = 0; i < sequences.size(); ++i) {
    const std::string name = "logits." + std::to_string(i);
    INFO(model << " " << name);
    REQUIRE(got.contains(name));
    CHECK(got.entry(name).dtype == "F32");
    const torch::Tensor want = expected.load(name);
    const torch::Tensor have = got.load(name);
    REQUIRE(have.sizes() == want.sizes());
    CHECK(have.size(0) == static_cast<int64_t>(sequences[i].size()));
    CHECK((have - want).abs().max().item<double>() <= 1e-4);
  }
}

json generate_json(const std::string& folder, const std::string& ids, const std::string& options) {
  const CommandResult r =
      run_cli("generate --model " + shell_quote(folder) + " --ids " + ids + " --max-new-tokens 24 " + options + " --json");
  INFO("stderr: " << r.error);
  REQUIRE(r.exit_code == 0);
  const json out = json::parse(r.output);
  REQUIRE(out.contains("ids"));
  REQUIRE(out.contains("text"));
  return out;
}

}  // namespace

TEST_CASE("llmedit info prints architecture, parameter count, dtype, layers and vocab", "[cli]") {
  llmedit::test::require_shared_or_skip(std::string(kFixtures) + "/llama");
  const std::string folder = fixture("llama");
  const json config = read_json(folder + "/config.json");

  const int64_t expected_parameters = stored_parameters(folder + "/model.safetensors");

  const CommandResult r = run_cli("info " + shell_quote(folder));
  INFO("stdout: " << r.output << "\nstderr: " << r.error);
  REQUIRE(r.exit_code == 0);
  auto fields = parse_info(r.output);
  CHECK_THAT(fields["architecture"], Contains("LlamaForCausalLM"));
  CHECK(fields["parameters"] == std::to_string(expected_parameters));
  CHECK(fields["dtype"] == "float32");
  CHECK(fields["layers"] == std::to_string(config.at("num_hidden_layers").get<int64_t>()));
  CHECK(fields["vocab"] == std::to_string(config.at("vocab_size").get<int64_t>()));

  // --model works as well as the positional form.
  CHECK(run_cli("info --model " + shell_quote(folder)).output == r.output);
}

TEST_CASE("llmedit info on gpt2 counts the tied embedding once", "[cli]") {
  llmedit::test::require_shared_or_skip(std::string(kFixtures) + "/gpt2");
  const std::string folder = fixture("gpt2");
  const int64_t expected_parameters = stored_parameters(folder + "/model.safetensors");
  const CommandResult r = run_cli("info " + shell_quote(folder));
  INFO("stdout: " << r.output << "\nstderr: " << r.error);
  REQUIRE(r.exit_code == 0);
  auto fields = parse_info(r.output);
  CHECK_THAT(fields["architecture"], Contains("GPT2LMHeadModel"));
  CHECK(fields["parameters"] == std::to_string(expected_parameters));
  CHECK(fields["layers"] == "3");
  CHECK(fields["vocab"] == "1000");
}

TEST_CASE("llmedit logits matches the llama reference logits", "[cli]") { check_logits_match_reference("llama"); }
TEST_CASE("llmedit logits matches the gpt2 reference logits", "[cli]") { check_logits_match_reference("gpt2"); }

TEST_CASE("llmedit generate --greedy --json gives the reference greedy tokens", "[cli]") {
  for (const std::string model : {"llama", "gpt2"}) {
    llmedit::test::require_shared_or_skip(std::string(kFixtures) + "/" + model);
    INFO(model);
    const std::string folder = fixture(model);
    const json reference = read_json(folder + "/reference.json");
    const std::string prompt = ids_arg(reference.at("sequences")[0].get<std::vector<int64_t>>());
    const json out = generate_json(folder, prompt, "--greedy");
    CHECK(out["ids"] == reference.at("greedy_from_seq0"));
    CHECK(out["text"].is_null());  // no tokenizer in the fixture folder
    // Greedy is the default when no sampling option is given.
    CHECK(generate_json(folder, prompt, "")["ids"] == reference.at("greedy_from_seq0"));
  }
}

TEST_CASE("llmedit generate samples deterministically for a given seed", "[cli]") {
  llmedit::test::require_shared_or_skip(std::string(kFixtures) + "/llama");
  const std::string folder = fixture("llama");
  const json reference = read_json(folder + "/reference.json");
  const std::string prompt = ids_arg(reference.at("sequences")[0].get<std::vector<int64_t>>());
  const std::string sampling = "--temperature 0.7 --top-k 5 --top-p 0.9 --seed 3";
  const json first = generate_json(folder, prompt, sampling);
  const json second = generate_json(folder, prompt, sampling);
  CHECK(first["ids"] == second["ids"]);
  const auto ids = first["ids"].get<std::vector<int64_t>>();
  CHECK(!ids.empty());
  CHECK(ids.size() <= 24);
  for (int64_t id : ids) {
    CHECK(id >= 0);
    CHECK(id < 1000);
  }

  const CommandResult r =
      run_cli("generate --model " + shell_quote(folder) + " --ids " + prompt + " --max-new-tokens 4 --greedy --temperature 0.7");
  check_one_line_error(r, "--greedy");
  CHECK(r.output.empty());
}

TEST_CASE("llmedit model commands: user errors exit 2 with one line naming the path", "[cli]") {
  llmedit::test::require_shared_or_skip(std::string(kFixtures) + "/llama");
  TempDir tmp("cli-model-errors");

  SECTION("missing model folder") {
    const std::string missing = tmp.path + "/no-such-model";
    check_one_line_error(run_cli("info " + shell_quote(missing)), missing);
    check_one_line_error(run_cli("logits --model " + shell_quote(missing) + " --ids 1,2 --out " +
                                 shell_quote(tmp.path + "/x.safetensors")),
                         missing);
    check_one_line_error(run_cli("generate --model " + shell_quote(missing) + " --ids 1,2 --max-new-tokens 2"), missing);
    CHECK(!fs::exists(tmp.path + "/x.safetensors"));
  }

  SECTION("unknown architecture") {
    const std::string folder = llama_variant(tmp.path, "bert", [](json& c) {
      c["model_type"] = "bert";
      c["architectures"] = json::array({"BertModel"});
    });
    const CommandResult r = run_cli("info " + shell_quote(folder));
    check_one_line_error(r, folder);
    CHECK_THAT(r.error, Contains("BertModel"));
  }

  SECTION("malformed model.safetensors: header length past the end of the file") {
    const std::string folder = tmp.path + "/bad-weights";
    fs::create_directories(folder);
    write_text(folder + "/config.json", read_json(fixture("llama") + "/config.json").dump(2));
    std::string bytes(8, '\0');
    const uint64_t header_length = 1u << 20;
    for (int i = 0; i < 8; ++i) bytes[i] = static_cast<char>((header_length >> (8 * i)) & 0xff);
    bytes += "{\"a\":1}";
    write_text(folder + "/model.safetensors", bytes);
    const CommandResult r = run_cli("info " + shell_quote(folder));
    check_one_line_error(r, folder + "/model.safetensors");
    const std::string out = tmp.path + "/bad-weights.safetensors";
    check_one_line_error(run_cli("logits --model " + shell_quote(folder) + " --ids 1,2 --out " + shell_quote(out)), folder);
    CHECK(!fs::exists(out));
  }

  SECTION("hidden size not divisible by the number of heads") {
    const std::string folder = llama_variant(tmp.path, "bad-heads", [](json& c) {
      c.erase("head_dim");
      c["num_attention_heads"] = 6;  // 64 % 6 != 0
      c["num_key_value_heads"] = 2;
    });
    const CommandResult r = run_cli("info " + shell_quote(folder));
    check_one_line_error(r, folder);
    CHECK_THAT(r.error, Contains("divisible"));
  }

  SECTION("explicit head_dim that does not fit the weights") {
    const std::string folder = llama_variant(tmp.path, "bad-head-dim", [](json& c) { c["head_dim"] = 12; });
    check_one_line_error(run_cli("info " + shell_quote(folder)), folder);
  }

  SECTION("unknown rope type") {
    const std::string folder =
        llama_variant(tmp.path, "bad-rope", [](json& c) { c["rope_parameters"]["rope_type"] = "no-such-rope"; });
    const CommandResult r = run_cli("info " + shell_quote(folder));
    check_one_line_error(r, folder);
    CHECK_THAT(r.error, Contains("no-such-rope"));
  }

  SECTION("config.json that is not JSON") {
    const std::string folder = tmp.path + "/bad-json";
    fs::create_directories(folder);
    write_text(folder + "/config.json", "{\"model_type\": \"llama\",\n  oops");
    fs::create_symlink(fixture("llama") + "/model.safetensors", folder + "/model.safetensors");
    check_one_line_error(run_cli("info " + shell_quote(folder)), folder + "/config.json");
  }

  SECTION("--ids with an item that is not an id") {
    const std::string model = shell_quote(fixture("llama"));
    const std::string out = tmp.path + "/ids.safetensors";
    check_one_line_error(run_cli("logits --model " + model + " --ids 1,x,3 --out " + shell_quote(out)), "'x'");
    CHECK(!fs::exists(out));
    check_one_line_error(run_cli("generate --model " + model + " --ids 1,x,3 --max-new-tokens 2"), "'x'");
    check_one_line_error(run_cli("logits --model " + model + " --ids 1,,3 --out " + shell_quote(out)), "--ids");
    check_one_line_error(run_cli("logits --model " + model + " --ids 1,-4 --out " + shell_quote(out)), "'-4'");
    CHECK(!fs::exists(out));
  }

  SECTION("logits with an id outside the vocabulary leaves no output file") {
    const std::string model = shell_quote(fixture("llama"));
    const std::string out = tmp.path + "/oov.safetensors";
    // The first sequence is fine; the second fails after it has been computed.
    const CommandResult r = run_cli("logits --model " + model + " --ids 5,17,3 --ids 5,1000 --out " + shell_quote(out));
    check_one_line_error(r, "1000");
    CHECK(!fs::exists(out));
    CHECK(fs::is_empty(tmp.path));  // no temp file left behind either
    check_one_line_error(run_cli("generate --model " + model + " --ids 5,1000 --max-new-tokens 2"), "1000");
  }

  SECTION("option values out of range and missing options") {
    const std::string gen = "generate --model " + shell_quote(fixture("llama")) + " --ids 5,17 ";
    check_one_line_error(run_cli(gen + "--max-new-tokens 0"), "--max-new-tokens");
    check_one_line_error(run_cli(gen + "--temperature 0"), "--temperature");
    check_one_line_error(run_cli(gen + "--top-k -1"), "--top-k");
    check_one_line_error(run_cli(gen + "--top-p 2"), "--top-p");
    check_one_line_error(run_cli("logits --model " + shell_quote(fixture("llama")) + " --ids 5"), "--out");
    check_one_line_error(run_cli("generate --model " + shell_quote(fixture("llama")) + " --max-new-tokens 2"), "--ids");
  }

  SECTION("logits into a folder that does not exist") {
    const std::string out = tmp.path + "/no-such-dir/out.safetensors";
    check_one_line_error(run_cli("logits --model " + shell_quote(fixture("llama")) + " --ids 5,17 --out " + shell_quote(out)),
                         tmp.path + "/no-such-dir");
  }
}
