// `llmedit run` end to end on a micro world: tokenizer training, a 50-step training run of a
// micro model, the run folder's files, evaluation of the saved model, resume, and config errors.
#include <torch/torch.h>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>

#include "libllmedit/core/atomic_file.h"
#include "libllmedit/io/safetensors.h"
#include "tests/cli_runner.h"
#include "tests/fixtures.h"

using namespace llmedit;
using namespace llmedit::test;
namespace fs = std::filesystem;

namespace {

void write_json(const std::string& path, const nlohmann::json& value) {
  std::ofstream(path) << value.dump(2);
}

std::vector<nlohmann::json> read_jsonl(const std::string& path) {
  std::vector<nlohmann::json> rows;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) rows.push_back(nlohmann::json::parse(line));
  return rows;
}

nlohmann::json micro_train_config(const std::string& dir) {
  return {{"job", "train"},
          {"seed", 3},
          {"threads", 1},
          {"model",
           {{"tokenizer", dir + "/tokenizer"},
            {"init",
             {{"architectures", {"LlamaForCausalLM"}}, {"model_type", "llama"}, {"hidden_size", 32},
              {"intermediate_size", 64}, {"num_hidden_layers", 2}, {"num_attention_heads", 4},
              {"num_key_value_heads", 2}, {"max_position_embeddings", 128}}}}},
          {"data", {{"train", {dir + "/world/qa/world_qa.jsonl"}}, {"splits", {"forget", "retain"}}, {"max_length", 64}}},
          {"train",
           {{"max_steps", 50}, {"per_device_train_batch_size", 8}, {"learning_rate", 3e-3},
            {"logging_steps", 5}, {"save_steps", 25}, {"save_total_limit", 2}}},
          {"eval", {{"qa", {dir + "/world/qa/forget.jsonl"}}, {"max_new_tokens", 8}, {"max_items", 4}}},
          {"output", {{"dir", dir + "/run"}}}};
}

// A micro world, its tokenizer and a `steps`-step base model in dir/base/model; returns the
// config to fine-tune that model with (model.path set, no evaluation).
nlohmann::json train_micro_base(const std::string& dir, int steps) {
  REQUIRE(run_cli("world --seed 6 --people 10 --orgs 0 --out " + shell_quote(dir + "/world")).exit_code == 0);
  REQUIRE(run_cli("train-tokenizer --input " + shell_quote(dir + "/world/corpus.txt") + " --vocab-size 400 --out " +
                  shell_quote(dir + "/tokenizer"))
              .exit_code == 0);
  nlohmann::json config = micro_train_config(dir);
  config["train"]["max_steps"] = steps;
  config["eval"]["qa"] = nlohmann::json::array();
  config["output"]["dir"] = dir + "/base";
  write_json(dir + "/base.json", config);
  REQUIRE(run_cli("run " + shell_quote(dir + "/base.json")).exit_code == 0);
  config.erase("model");
  config["model"] = {{"path", dir + "/base/model"}};
  return config;
}

}  // namespace

TEST_CASE("a 50-step training run of a micro model on a micro world writes a complete run folder", "[cli][run]") {
  TempDir dir("cli-run");
  REQUIRE(run_cli("world --seed 5 --people 12 --orgs 2 --out " + shell_quote(dir.path + "/world")).exit_code == 0);
  const CommandResult tokenizer = run_cli("train-tokenizer --input " + shell_quote(dir.path + "/world/corpus.txt") +
                                          " --vocab-size 400 --out " + shell_quote(dir.path + "/tokenizer"));
  INFO(tokenizer.error);
  REQUIRE(tokenizer.exit_code == 0);
  REQUIRE(fs::exists(dir.path + "/tokenizer/tokenizer.model"));

  write_json(dir.path + "/train.json", micro_train_config(dir.path));
  const CommandResult run = run_cli("run " + shell_quote(dir.path + "/train.json"));
  INFO(run.error);
  REQUIRE(run.exit_code == 0);
  const std::string out = dir.path + "/run";
  CHECK(run.output == out + "\n");
  for (const char* file : {"config.resolved.json", "train_log.jsonl", "metrics.json", "summary.md", "predictions.jsonl",
                           "model/config.json", "model/model.safetensors", "model/tokenizer.model"})
    CHECK(fs::exists(out + "/" + file));

  const auto log = read_jsonl(out + "/train_log.jsonl");
  REQUIRE(log.size() == 10);
  for (const char* key : {"step", "loss", "lr", "grad_norm", "tokens_per_s", "epoch"}) CHECK(log[0].contains(key));
  CHECK(log.back()["step"] == 50);
  CHECK(log.back()["loss"].get<double>() < log.front()["loss"].get<double>() - 0.5);

  const nlohmann::json resolved = nlohmann::json::parse(read_text_file(out + "/config.resolved.json"));
  CHECK(resolved["train"]["learning_rate"] == 3e-3);
  CHECK(resolved["train"]["adam_beta2"] == 0.999);  // a default, filled in
  const nlohmann::json metrics = nlohmann::json::parse(read_text_file(out + "/metrics.json"));
  CHECK(metrics["train"]["steps"] == 50);
  CHECK(metrics["knowledge_accuracy"].contains("forget"));
  CHECK(read_jsonl(out + "/predictions.jsonl").size() == 4);
  // save_total_limit 2: the checkpoints at steps 25 and 50.
  CHECK(fs::exists(out + "/checkpoints/step-00000025"));
  CHECK(fs::exists(out + "/checkpoints/step-00000050"));

  SECTION("the saved model evaluates with job eval") {
    write_json(dir.path + "/eval.json", {{"job", "eval"},
                                         {"model", {{"path", out + "/model"}}},
                                         {"data", {{"qa", {dir.path + "/world/qa/retain.jsonl"}}}},
                                         {"eval", {{"max_new_tokens", 8}, {"max_items", 3}}},
                                         {"output", {{"dir", dir.path + "/eval-run"}}}});
    const CommandResult eval = run_cli("run " + shell_quote(dir.path + "/eval.json"));
    INFO(eval.error);
    REQUIRE(eval.exit_code == 0);
    const nlohmann::json m = nlohmann::json::parse(read_text_file(dir.path + "/eval-run/metrics.json"));
    CHECK(m["items"]["retain"] == 3);
    const double accuracy = m["knowledge_accuracy"]["retain"].get<double>();
    CHECK((accuracy >= 0.0 && accuracy <= 1.0));
  }
  SECTION("a finished run resumed does no more steps; a used output.dir is refused") {
    const CommandResult resumed = run_cli("run --resume " + shell_quote(out));
    INFO(resumed.error);
    CHECK(resumed.exit_code == 0);
    CHECK(read_jsonl(out + "/train_log.jsonl").size() == 10);
    const CommandResult again = run_cli("run " + shell_quote(dir.path + "/train.json"));
    CHECK(again.exit_code == 2);
    CHECK_THAT(again.error, Catch::Contains("already holds a run"));
  }
}

TEST_CASE("LoRA training saves a PEFT adapter, or merges it into a full model", "[cli][run][lora]") {
  TempDir dir("cli-lora");
  nlohmann::json config = train_micro_base(dir.path, 10);
  config["lora"] = {{"enabled", true}, {"r", 4}, {"lora_alpha", 8.0}, {"target_modules", {"q_proj", "v_proj"}}, {"merge", false}};
  config["output"]["dir"] = dir.path + "/adapter-run";
  write_json(dir.path + "/lora.json", config);
  const CommandResult adapter = run_cli("run " + shell_quote(dir.path + "/lora.json"));
  INFO(adapter.error);
  REQUIRE(adapter.exit_code == 0);
  const nlohmann::json peft = nlohmann::json::parse(read_text_file(dir.path + "/adapter-run/adapter/adapter_config.json"));
  CHECK(peft["peft_type"] == "LORA");
  CHECK(peft["r"] == 4);
  CHECK(fs::exists(dir.path + "/adapter-run/adapter/adapter_model.safetensors"));
  CHECK_FALSE(fs::exists(dir.path + "/adapter-run/model"));

  const CommandResult merged = run_cli("run " + shell_quote(dir.path + "/lora.json") + " --set lora.merge=true --set output.dir=" +
                                       shell_quote(dir.path + "/merged-run"));
  INFO(merged.error);
  REQUIRE(merged.exit_code == 0);
  CHECK(fs::exists(dir.path + "/merged-run/model/model.safetensors"));
  // Only the adapter trained: merging changed the q and v projections and nothing else.
  SafetensorsReader base(dir.path + "/base/model/model.safetensors");
  SafetensorsReader tuned(dir.path + "/merged-run/model/model.safetensors");
  int changed = 0;
  for (const auto& entry : base.entries()) {
    INFO(entry.name);
    const bool adapted = entry.name.find("q_proj") != std::string::npos || entry.name.find("v_proj") != std::string::npos;
    const bool equal = torch::equal(base.load(entry.name), tuned.load(entry.name));
    CHECK(equal == !adapted);
    changed += !equal;
  }
  CHECK(changed == 4);  // q and v in each of the 2 layers
}

TEST_CASE("config errors stop before any work, naming the key, the file and the nearest key", "[cli][config]") {
  TempDir dir("cli-config");
  const std::string base = dir.path + "/base.json";
  write_json(base, {{"job", "eval"}, {"model", {{"path", "m"}}}, {"data", {{"qa", {"x.jsonl"}}}}});

  SECTION("unknown key") {
    write_json(dir.path + "/c.json", {{"extends", "base.json"}, {"eval", {{"max_new_tokns", 3}}}});
    const std::string out = dir.path + "/run";
    const CommandResult r = run_cli("run " + shell_quote(dir.path + "/c.json") + " --set output.dir=" + shell_quote(out));
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.error, Catch::Contains("c.json") && Catch::Contains("eval.max_new_tokns") &&
                            Catch::Contains("eval.max_new_tokens"));
    CHECK_FALSE(fs::exists(out));  // nothing was created
  }
  SECTION("wrong type") {
    const CommandResult r = run_cli("config explain " + shell_quote(base) + " --set eval.batch_size='\"big\"'");
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.error, Catch::Contains("eval.batch_size") && Catch::Contains("int"));
  }
  SECTION("bad extends") {
    write_json(dir.path + "/c.json", {{"extends", "missing.json"}, {"job", "eval"}});
    const CommandResult r = run_cli("config explain " + shell_quote(dir.path + "/c.json"));
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.error, Catch::Contains("missing.json"));
  }
  SECTION("unknown job") {
    write_json(dir.path + "/c.json", {{"job", "unlearnn"}});
    const CommandResult r = run_cli("config explain " + shell_quote(dir.path + "/c.json"));
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.error, Catch::Contains("'job'") && Catch::Contains("train") && Catch::Contains("eval"));
  }
  SECTION("explain prints every option with defaults filled in and overrides applied") {
    const CommandResult r = run_cli("config explain " + shell_quote(base) + " --set eval.max_new_tokens=7");
    INFO(r.error);
    REQUIRE(r.exit_code == 0);
    CHECK_THAT(r.output, Catch::Contains("eval.max_new_tokens") && Catch::Contains("7") &&
                             Catch::Contains("eval.batch_size") && Catch::Contains("32") && Catch::Contains("default") &&
                             Catch::Contains("model.dtype") && Catch::Contains("float32"));
  }
}

TEST_CASE("train.freeze keeps the weights it names fixed and trains the rest", "[cli][run]") {
  TempDir dir("cli-freeze");
  nlohmann::json config = train_micro_base(dir.path, 5);
  config["train"]["freeze"] = {"mlp.", "embed_tokens"};
  config["output"]["dir"] = dir.path + "/frozen";
  write_json(dir.path + "/frozen.json", config);
  const CommandResult frozen = run_cli("run " + shell_quote(dir.path + "/frozen.json"));
  INFO(frozen.error);
  REQUIRE(frozen.exit_code == 0);
  SafetensorsReader base(dir.path + "/base/model/model.safetensors");
  SafetensorsReader tuned(dir.path + "/frozen/model/model.safetensors");
  int kept = 0;
  for (const auto& entry : base.entries()) {
    INFO(entry.name);
    const bool named = entry.name.find("mlp.") != std::string::npos || entry.name.find("embed_tokens") != std::string::npos;
    const bool equal = torch::equal(base.load(entry.name), tuned.load(entry.name));
    // Norm weights may stay put by chance; the attention projections must move.
    if (named) CHECK(equal);
    if (entry.name.find("_proj") != std::string::npos && !named) CHECK_FALSE(equal);
    kept += equal;
  }
  CHECK(kept >= 1 + 3 * 2);  // the embedding and gate/up/down in each of the 2 layers

  const CommandResult typo = run_cli("run " + shell_quote(dir.path + "/frozen.json") +
                                     " --set 'train.freeze=[\"mpl.\"]' --set output.dir=" + shell_quote(dir.path + "/typo"));
  CHECK(typo.exit_code == 2);
  CHECK_THAT(typo.error, Catch::Contains("train.freeze") && Catch::Contains("\"mpl.\""));
}
