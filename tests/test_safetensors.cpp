// LibTorch first: glog (pulled in by LibTorch) defines its own CHECK, and Catch's must win.
#include <catch2/catch.hpp>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "libllmedit/core/error.h"
#include "libllmedit/io/checkpoint.h"
#include "libllmedit/io/safetensors.h"
#include "tests/fixtures.h"

using Catch::Contains;
using llmedit::CheckpointFiles;
using llmedit::read_hf_folder;
using llmedit::SafetensorsReader;
using llmedit::write_safetensors;
using llmedit::test::TempDir;
using nlohmann::json;

namespace {

namespace fs = std::filesystem;

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

std::string u64_le(uint64_t value) {
  std::string bytes(8, '\0');
  std::memcpy(bytes.data(), &value, 8);
  return bytes;
}

// Crafts a safetensors file: length prefix (the real one unless overridden), header text, data.
std::string craft(const std::string& dir, const std::string& file, const std::string& header,
                  const std::string& data = "", std::optional<uint64_t> length = std::nullopt) {
  const std::string path = dir + "/" + file;
  write_bytes(path, u64_le(length.value_or(header.size())) + header + data);
  return path;
}

json entry(const std::string& dtype, const json& shape, int64_t begin, int64_t end) {
  return {{"dtype", dtype}, {"shape", shape}, {"data_offsets", {begin, end}}};
}

json with(json base, const json& patch) {
  base.update(patch);
  return base;
}

// One F32 tensor "w" of shape [2] at [0, 8] plus `extra` header fields, with 8 data bytes.
std::string craft_with(const std::string& dir, const std::string& file, const json& extra) {
  json header = {{"w", entry("F32", {2}, 0, 8)}};
  header.update(extra);
  return craft(dir, file, header.dump(), std::string(8, '\0'));
}

// A crafted header for one tensor "bad" whose entry is `value`, and enough data bytes.
std::string craft_entry(const std::string& dir, const std::string& file, const json& value) {
  return craft(dir, file, json{{"bad", value}}.dump(), std::string(64, '\0'));
}

std::string open_error(const std::string& path) {
  try {
    SafetensorsReader reader(path);
  } catch (const llmedit::Error& e) {
    CHECK(e.kind() == llmedit::ErrorKind::Data);
    return e.what();
  }
  return "no error";
}

}  // namespace

TEST_CASE("safetensors: truncated files and broken headers are data errors", "[safetensors]") {
  const TempDir temp("st-header");
  const std::string& dir = temp.path;

  const std::string empty = dir + "/empty.safetensors";
  write_bytes(empty, "");
  CHECK_THAT(open_error(empty), Contains(empty) && Contains("0 bytes") && Contains("shorter than"));

  const std::string short_file = dir + "/short.safetensors";
  write_bytes(short_file, "abc");
  CHECK_THAT(open_error(short_file), Contains(short_file) && Contains("3 bytes"));

  const std::string past = craft(dir, "past.safetensors", "{}", "", 1000);
  CHECK_THAT(open_error(past), Contains(past) && Contains("header length 1000") && Contains("10-byte file"));

  const std::string huge = craft(dir, "huge.safetensors", "{}", "", UINT64_MAX);
  CHECK_THAT(open_error(huge), Contains(huge) && Contains("runs past the end"));

  const std::string bad_json = craft(dir, "badjson.safetensors", "{\"w\": \n");
  const std::string message = open_error(bad_json);
  CHECK_THAT(message, Contains(bad_json) && Contains("not valid JSON"));
  CHECK(message.find('\n') == std::string::npos);

  // nlohmann reports a number beyond double's range apart from syntax errors (found by fuzzing).
  const std::string big = craft(dir, "big.safetensors", "{\"w\": 1e999}");
  CHECK_THAT(open_error(big), Contains(big) && Contains("not valid JSON") && Contains("1e999"));

  const std::string array = craft(dir, "array.safetensors", "[1, 2]");
  CHECK_THAT(open_error(array), Contains(array) && Contains("header is a JSON array, not an object"));

  const std::string number = craft(dir, "number.safetensors", "42");
  CHECK_THAT(open_error(number), Contains("header is a JSON number"));
}

TEST_CASE("safetensors: malformed entries name the file and the tensor", "[safetensors]") {
  const TempDir temp("st-entry");
  const std::string& dir = temp.path;
  const auto check = [&](const std::string& file, const json& value, const std::string& expected) {
    const std::string path = craft_entry(dir, file, value);
    INFO(file);
    CHECK_THAT(open_error(path), Contains(path) && Contains("tensor 'bad'") && Contains(expected));
  };

  check("not-object.safetensors", json::array({1, 2}), "entry must be an object, got [1,2]");
  check("no-dtype.safetensors", {{"shape", {2}}, {"data_offsets", {0, 8}}}, "missing 'dtype'");
  check("no-shape.safetensors", {{"dtype", "F32"}, {"data_offsets", {0, 8}}}, "missing 'shape'");
  check("no-offsets.safetensors", {{"dtype", "F32"}, {"shape", {2}}}, "missing 'data_offsets'");
  check("dtype-number.safetensors", with(entry("F32", {2}, 0, 8), {{"dtype", 7}}),
        "'dtype' must be a string, got 7");
  check("shape-string.safetensors", with(entry("F32", {2}, 0, 8), {{"shape", "2"}}),
        "'shape' must be an array");
  check("shape-float.safetensors", entry("F32", {2.5}, 0, 8), "got [2.5]");
  check("offsets-string.safetensors", with(entry("F32", {2}, 0, 8), {{"data_offsets", "0-8"}}),
        "'data_offsets' must be two non-negative integers");
  check("offsets-three.safetensors", with(entry("F32", {2}, 0, 8), {{"data_offsets", {0, 4, 8}}}),
        "got [0,4,8]");
}

TEST_CASE("safetensors: bad dtype, shape and offsets values are rejected", "[safetensors]") {
  const TempDir temp("st-values");
  const std::string& dir = temp.path;
  const auto check = [&](const std::string& file, const json& value, const std::string& expected) {
    const std::string path = craft_entry(dir, file, value);  // 64 data bytes
    INFO(file);
    CHECK_THAT(open_error(path), Contains(path) && Contains("tensor 'bad'") && Contains(expected));
  };

  check("dtype.safetensors", entry("F8", {2}, 0, 2), "unknown dtype \"F8\"");
  check("neg-dim.safetensors", entry("F32", {2, -3}, 0, 8), "non-negative integers, got [2,-3]");
  check("neg-offset.safetensors", entry("F32", {2}, -8, 0), "got [-8,0]");
  check("reversed.safetensors", entry("F32", {0}, 8, 0), "begin 8 is past end 0");
  check("past-data.safetensors", entry("F32", {20}, 0, 80), "end 80 is past the 64-byte data section");
  check("size.safetensors", entry("F32", {3}, 0, 8),
        "shape [3] x F32 needs 12 bytes but data_offsets [0, 8] hold 8");
  check("overflow.safetensors", entry("F32", {int64_t{1} << 62, int64_t{1} << 62}, 0, 8),
        "overflows 64 bits");
}

TEST_CASE("safetensors: overlapping tensors name both", "[safetensors]") {
  const TempDir temp("st-overlap");
  const std::string& dir = temp.path;
  const json header = {
      {"a", entry("F32", {4}, 0, 16)}, {"b", entry("F32", {2}, 8, 16)}, {"c", entry("F32", {0}, 4, 4)}};
  const std::string path = craft(dir, "overlap.safetensors", header.dump(), std::string(16, '\0'));
  CHECK_THAT(open_error(path),
             Contains(path) && Contains("'a' [0, 16]") && Contains("'b' [8, 16]") && Contains("overlap"));

  // An empty tensor inside another occupies no bytes, so it is not an overlap.
  const json fine = {{"a", entry("F32", {4}, 0, 16)}, {"c", entry("F32", {0}, 4, 4)}};
  CHECK_NOTHROW(
      SafetensorsReader(craft(dir, "empty-inside.safetensors", fine.dump(), std::string(16, '\0'))));
}

TEST_CASE("safetensors: __metadata__ must map strings to strings", "[safetensors]") {
  const TempDir temp("st-metadata");
  const std::string& dir = temp.path;

  const std::string good = craft_with(dir, "good.safetensors", {{"__metadata__", {{"format", "pt"}}}});
  SafetensorsReader reader(good);
  CHECK(reader.metadata() == std::map<std::string, std::string>{{"format", "pt"}});
  CHECK(reader.entries().size() == 1);
  CHECK_FALSE(reader.contains("__metadata__"));

  const std::string number = craft_with(dir, "number.safetensors", {{"__metadata__", {{"step", 3}}}});
  CHECK_THAT(open_error(number),
             Contains(number) && Contains("__metadata__ key 'step' must be a string, got 3"));

  const std::string list = craft_with(dir, "list.safetensors", {{"__metadata__", {1, 2}}});
  CHECK_THAT(open_error(list), Contains(list) && Contains("__metadata__ must be an object"));
}

TEST_CASE("safetensors: load rejects unknown names and non-float dtypes", "[safetensors]") {
  const TempDir temp("st-load");
  const std::string& dir = temp.path;
  const json header = {{"ids", entry("I64", {2}, 0, 16)}, {"w", entry("F32", {2}, 16, 24)}};
  const std::string path = craft(dir, "ints.safetensors", header.dump(), std::string(24, '\0'));
  SafetensorsReader reader(path);

  REQUIRE_THROWS_WITH(reader.load("missing"), Contains(path) && Contains("'missing'"));
  REQUIRE_THROWS_AS(reader.entry("missing"), llmedit::Error);
  REQUIRE_THROWS_WITH(
      reader.load("ids"),
      Contains(path) && Contains("tensor 'ids' has dtype I64; llmedit loads F32, F16 and BF16"));
  CHECK(reader.entry("ids").dtype == "I64");
  CHECK(reader.load("w").equal(torch::zeros({2})));
}

TEST_CASE("HF folders skip the integer position_ids buffers of older checkpoints, nothing else", "[safetensors]") {
  const TempDir temp("st-buffers");
  const std::string& dir = temp.path;
  write_bytes(dir + "/config.json", "{}");
  const json header = {{"embeddings.position_ids", entry("I64", {1, 2}, 0, 16)}, {"w", entry("F32", {2}, 16, 24)}};
  craft(dir, "model.safetensors", header.dump(), std::string(24, '\0'));
  const CheckpointFiles files = read_hf_folder(dir);
  REQUIRE(files.weights.size() == 1);
  CHECK(files.weights[0].first == "w");

  const json other = {{"token_ids", entry("I64", {2}, 0, 16)}, {"w", entry("F32", {2}, 16, 24)}};
  craft(dir, "model.safetensors", other.dump(), std::string(24, '\0'));
  CHECK_THROWS_WITH(read_hf_folder(dir), Contains("tensor 'token_ids' has dtype I64"));
}

TEST_CASE("safetensors: write then read round-trips F32, F16 and BF16 exactly", "[safetensors]") {
  const TempDir temp("st-roundtrip");
  const std::string& dir = temp.path;
  const std::string path = dir + "/model.safetensors";
  torch::manual_seed(0);
  const llmedit::NamedTensors tensors = {
      {"z.f32", torch::randn({3, 5})},
      {"a.f16", torch::randn({4, 2}).to(torch::kFloat16)},
      {"m.bf16", torch::randn({7}).to(torch::kBFloat16)},
      {"transposed", torch::arange(6, torch::kFloat32).reshape({2, 3}).t()},  // not contiguous
      {"empty", torch::zeros({0, 4})},
      {"scalar", torch::tensor(2.5f).reshape({})},
  };
  const std::map<std::string, std::string> metadata = {{"format", "pt"}, {"edited_by", "llmedit"}};
  write_safetensors(path, tensors, metadata);

  // The data section starts 8-byte aligned, as the reference library writes it.
  const std::string bytes = read_bytes(path);
  uint64_t header_len = 0;
  std::memcpy(&header_len, bytes.data(), 8);
  CHECK(header_len % 8 == 0);

  SafetensorsReader reader(path);
  CHECK(reader.metadata() == metadata);
  REQUIRE(reader.entries().size() == tensors.size());
  for (size_t i = 0; i < tensors.size(); ++i) {
    const auto& [name, expected] = tensors[i];
    INFO(name);
    CHECK(reader.entries()[i].name == name);  // entries come back in the written order
    const torch::Tensor loaded = reader.load(name);
    CHECK(loaded.scalar_type() == expected.scalar_type());
    CHECK(loaded.sizes() == expected.sizes());
    CHECK(loaded.device().is_cpu());
    CHECK(loaded.equal(expected));
  }
  CHECK(reader.entry("m.bf16").dtype == "BF16");
  CHECK(reader.entry("a.f16").dtype == "F16");
  CHECK(reader.entry("scalar").shape.empty());
}

TEST_CASE("safetensors: loaded tensors are owned copies", "[safetensors]") {
  const TempDir temp("st-owned");
  const std::string& dir = temp.path;
  const std::string path = dir + "/w.safetensors";
  write_safetensors(path, {{"w", torch::ones({4})}});
  torch::Tensor loaded;
  {
    SafetensorsReader reader(path);
    loaded = reader.load("w");
  }
  fs::remove(path);
  loaded.add_(1);  // writable, and still valid after the reader unmapped the file
  CHECK(loaded.equal(torch::full({4}, 2.0f)));
}

TEST_CASE("safetensors: a failed write leaves the old file intact", "[safetensors]") {
  const TempDir temp("st-atomic");
  const std::string& dir = temp.path;
  const std::string path = dir + "/model.safetensors";
  write_safetensors(path, {{"w", torch::ones({2, 2})}});
  const std::string before = read_bytes(path);

  REQUIRE_THROWS_WITH(write_safetensors(path, {{"w", torch::ones({2})}, {"ids", torch::arange(3)}}),
                      Contains(path) && Contains("tensor 'ids'") && Contains("Long"));
  REQUIRE_THROWS_WITH(write_safetensors(path, {{"w", torch::ones({2})}, {"w", torch::ones({3})}}),
                      Contains(path) && Contains("tensor 'w' appears twice"));
  REQUIRE_THROWS_WITH(write_safetensors(path, {{"__metadata__", torch::ones({2})}}), Contains("reserved"));

  CHECK(read_bytes(path) == before);
  std::vector<std::string> names;
  for (const auto& item : fs::directory_iterator(dir)) names.push_back(item.path().filename().string());
  CHECK(names == std::vector<std::string>{"model.safetensors"});
}

TEST_CASE("safetensors: reads the tiny llama fixture", "[safetensors]") {
  llmedit::test::require_shared_or_skip("fixtures/hf-tiny/llama");
  SafetensorsReader reader(llmedit::test::shared_path("fixtures/hf-tiny/llama/model.safetensors"));
  REQUIRE(reader.contains("model.embed_tokens.weight"));
  const torch::Tensor embed = reader.load("model.embed_tokens.weight");
  CHECK(embed.sizes() == torch::IntArrayRef({1000, 64}));
  CHECK(embed.scalar_type() == torch::kFloat32);
  CHECK(embed.isfinite().all().item<bool>());
  CHECK(embed.abs().sum().item<double>() > 0);
}

TEST_CASE("safetensors: reads the tiny bf16 llama fixture", "[safetensors]") {
  llmedit::test::require_shared_or_skip("fixtures/hf-tiny/llama-bf16");
  SafetensorsReader reader(llmedit::test::shared_path("fixtures/hf-tiny/llama-bf16/model.safetensors"));
  const torch::Tensor embed = reader.load("model.embed_tokens.weight");
  CHECK(embed.scalar_type() == torch::kBFloat16);
  CHECK(embed.sizes() == torch::IntArrayRef({1000, 64}));
  CHECK(reader.entry("model.embed_tokens.weight").dtype == "BF16");
}
