// Chat templates: the fixture conversations render to transformers' text and ids; each
// format's layout on a small conversation; recognition from tokenizer_config.json.
#include "libllmedit/core/error.h"
#include "libllmedit/tokenizer/chat_template.h"
#include "libllmedit/tokenizer/tokenizer.h"

#include <catch2/catch.hpp>

#include <fstream>

#include "tests/test_tokenizer_helpers.h"

using llmedit::ChatMessage;
using llmedit::ChatTemplate;
using llmedit::test::require_shared_or_skip;
using llmedit::test::shared_path;

namespace {

const std::vector<ChatMessage> kConversation = {
    {"system", "S"}, {"user", "Q1"}, {"assistant", "A1"}, {"user", "Q2"}};

}  // namespace

TEST_CASE("chat_templates.json conversations render and tokenize exactly", "[tokenizer]") {
  require_shared_or_skip("fixtures/tokenizers");
  std::ifstream in(shared_path("fixtures/tokenizers/vectors/chat_templates.json"));
  const auto fixtures = nlohmann::json::parse(in);
  REQUIRE(fixtures.size() == 2);
  for (const auto& [name, fixture] : fixtures.items()) {
    INFO(name);
    const std::string folder = shared_path("fixtures/tokenizers/" + name);
    std::vector<ChatMessage> messages;
    for (const auto& m : fixture.at("messages")) messages.push_back({m.at("role"), m.at("content")});
    const ChatTemplate chat = ChatTemplate::for_tokenizer(folder);
    CHECK(chat.name() == (name == "llama3" ? "llama3" : "qwen3"));
    const std::string text = chat.render(messages, fixture.at("add_generation_prompt").get<bool>());
    CHECK(text == fixture.at("text").get<std::string>());
    const auto tokenizer = llmedit::load_tokenizer(folder);
    CHECK(tokenizer->encode_rendered(text) == fixture.at("ids").get<std::vector<int64_t>>());
  }
}

TEST_CASE("chat formats lay out system, user and assistant turns as transformers does", "[tokenizer]") {
  SECTION("llama2") {
    CHECK(ChatTemplate::by_name("llama2").render(kConversation, true) ==
          "<s>[INST] <<SYS>>\nS\n<</SYS>>\n\nQ1 [/INST] A1 </s><s>[INST] Q2 [/INST]");
  }
  SECTION("llama3 trims contents") {
    CHECK(ChatTemplate::by_name("llama3").render({{"user", "  hi\n"}}, true) ==
          "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nhi<|eot_id|>"
          "<|start_header_id|>assistant<|end_header_id|>\n\n");
  }
  SECTION("chatml") {
    CHECK(ChatTemplate::by_name("chatml").render(kConversation, false) ==
          "<|im_start|>system\nS<|im_end|>\n<|im_start|>user\nQ1<|im_end|>\n<|im_start|>assistant\nA1<|im_end|>\n"
          "<|im_start|>user\nQ2<|im_end|>\n");
  }
  SECTION("qwen3 shows an empty think block on a final assistant answer") {
    CHECK(ChatTemplate::by_name("qwen3").render({{"user", "Q"}, {"assistant", "A"}}, false) ==
          "<|im_start|>user\nQ<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\nA<|im_end|>\n");
    CHECK(ChatTemplate::by_name("qwen3").render({{"user", "Q"}, {"assistant", "<think>\nR\n</think>\n\nA"}}, false) ==
          "<|im_start|>user\nQ<|im_end|>\n<|im_start|>assistant\n<think>\nR\n</think>\n\nA<|im_end|>\n");
  }
  SECTION("mistral puts the system message before the first user message") {
    CHECK(ChatTemplate::by_name("mistral").render(kConversation, true) == "<s>[INST] S\n\nQ1 [/INST]A1</s>[INST] Q2 [/INST]");
  }
  SECTION("gemma") {
    CHECK(ChatTemplate::by_name("gemma").render(kConversation, true) ==
          "<bos><start_of_turn>user\nS\n\nQ1<end_of_turn>\n<start_of_turn>model\nA1<end_of_turn>\n"
          "<start_of_turn>user\nQ2<end_of_turn>\n<start_of_turn>model\n");
  }
  SECTION("qa") {
    CHECK(ChatTemplate::by_name("qa").render({{"user", "Who?"}}, true) == "Question: Who?\nAnswer:");
    CHECK(ChatTemplate::by_name("qa").render({{"user", "Who?"}, {"assistant", "Me."}}, false) == "Question: Who?\nAnswer: Me.\n");
  }
}

TEST_CASE("chat templates are recognized from tokenizer_config.json", "[tokenizer]") {
  CHECK(ChatTemplate::recognize("{{ '<|start_header_id|>' + message['role'] }}")->name() == "llama3");
  CHECK(ChatTemplate::recognize("{{ '<start_of_turn>' + role }}")->name() == "gemma");
  CHECK(ChatTemplate::recognize("{{ '[INST] ' + content }}")->name() == "mistral");
  CHECK(ChatTemplate::recognize("{{ '<<SYS>>\\n' }}[INST]")->name() == "llama2");
  const auto qwen25 = ChatTemplate::recognize(
      "{{- '<|im_start|>system\\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\\n' }}");
  REQUIRE(qwen25);
  CHECK(qwen25->name() == "chatml");
  CHECK(qwen25->render({{"user", "Hi"}}, true) ==
        "<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n"
        "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n");
  CHECK_FALSE(ChatTemplate::recognize("{{ message }}"));

  const std::string dir = llmedit::test::temp_dir("chat-config");
  llmedit::test::write_file(dir + "/tokenizer_config.json", R"({"bos_token": "<s>", "chat_template": "{{ odd }}"})");
  CHECK_THROWS_WITH(ChatTemplate::for_tokenizer(dir), Catch::Contains("chat_template"));
  CHECK(ChatTemplate::for_tokenizer(dir, "llama2").render({{"user", "Q"}}, true) == "<s>[INST] Q [/INST]");
  llmedit::test::write_file(dir + "/tokenizer_config.json", R"({"bos_token": {"content": "<B>"}})");
  CHECK(ChatTemplate::for_tokenizer(dir).name() == "qa");
  CHECK(ChatTemplate::for_tokenizer(dir, "gemma").render({{"user", "Q"}}, false) == "<B><start_of_turn>user\nQ<end_of_turn>\n");
  CHECK_THROWS_AS(ChatTemplate::by_name("vicuna"), llmedit::Error);
}

TEST_CASE("chat templates reject unknown roles and broken turn order", "[tokenizer]") {
  CHECK_THROWS_WITH(ChatTemplate::by_name("chatml").render({{"tool", "x"}}, false), Catch::Contains("role 'tool'"));
  CHECK_THROWS_WITH(ChatTemplate::by_name("llama2").render({{"assistant", "x"}}, false), Catch::Contains("alternate"));
  CHECK_THROWS_WITH(ChatTemplate::by_name("gemma").render({{"user", "a"}, {"user", "b"}}, false), Catch::Contains("alternate"));
}

TEST_CASE("SentencePiece encode_rendered turns written-out special tokens into ids", "[tokenizer][spm]") {
  require_shared_or_skip("fixtures/tokenizers");
  const auto tok = llmedit::load_tokenizer(shared_path("fixtures/tokenizers/llama2-spm"));
  const std::string text = ChatTemplate::by_name("llama2").render({{"user", "Hi"}, {"assistant", "Yo"}}, false);
  const auto ids = tok->encode_rendered(text);
  std::vector<int64_t> want{1};
  for (int64_t id : tok->encode("[INST] Hi [/INST] Yo ", false)) want.push_back(id);
  want.push_back(2);
  CHECK(ids == want);
  CHECK(tok->encode("<s>", false) != std::vector<int64_t>{1});  // plain encode keeps it as text
}
