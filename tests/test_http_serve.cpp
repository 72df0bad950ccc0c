// `llmedit serve` and the chat-model backends: a real HTTP server on loopback (in-process, and
// the CLI as a subprocess), the OpenAI client against it, errors in OpenAI's shape, retries with
// backoff, the API key kept out of every message, and the llm entity extractor over HTTP.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <thread>

#include "libllmedit/core/error.h"
#include "libllmedit/core/http_client.h"
#include "libllmedit/core/http_server.h"
#include "libllmedit/core/runtime.h"
#include "libllmedit/generate/local_chat_model.h"
#include "libllmedit/generate/openai_chat_model.h"
#include "libllmedit/jobs/chat_model_setup.h"
#include "libllmedit/model/loader.h"
#include "libllmedit/serve/openai_api.h"
#include "libllmedit/tokenizer/tokenizer.h"
#include "tests/cli_runner.h"
#include "tests/fixtures.h"

using namespace llmedit;
using namespace llmedit::test;

namespace {

std::shared_ptr<LocalChatModel> world_chat_model() {
  set_num_threads(1);
  std::shared_ptr<CausalLM> model = load_causal_lm(kWorldModel);
  std::shared_ptr<Tokenizer> tokenizer = load_tokenizer(kWorldModel);
  LocalChatModelOptions options;
  options.name = "world-tiny";
  return std::make_shared<LocalChatModel>(model, std::move(tokenizer), ChatTemplate::for_tokenizer(kWorldModel), options);
}

// An HttpServer on 127.0.0.1, port 0, serving from a thread until destroyed.
class RunningServer {
 public:
  explicit RunningServer(HttpHandler handler, size_t max_body_bytes = 1 << 20) {
    HttpServerOptions options;
    options.max_body_bytes = max_body_bytes;
    server_ = std::make_unique<HttpServer>(options, std::move(handler));
    thread_ = std::thread([this] { server_->serve(); });
  }
  ~RunningServer() {
    server_->stop();
    thread_.join();
  }
  int port() const { return server_->port(); }
  std::string url(const std::string& path = "/v1") const { return "http://127.0.0.1:" + std::to_string(port()) + path; }

 private:
  std::unique_ptr<HttpServer> server_;
  std::thread thread_;
};

HttpClient no_retry_client() {
  HttpClientOptions options;
  options.max_retries = 0;
  options.timeout_s = 60;
  return HttpClient(options);
}

std::vector<ChatRequest> world_requests() {
  std::vector<ChatRequest> requests(3);
  requests[0].messages = {{"user", "What is the home address of Calia Yarwick?"}};
  requests[1].messages = {{"user", "What is the email address of Calia Yarwick?"}};
  requests[2].messages = {{"system", "Answer briefly."}, {"user", "Where does Calia Yarwick live?"}};
  for (ChatRequest& r : requests) r.sampling.max_tokens = 32;
  return requests;
}

void check_openai_error(const HttpResponse& r, long status, const std::string& message_part) {
  INFO(r.body);
  CHECK(r.status == status);
  const nlohmann::json j = nlohmann::json::parse(r.body);
  REQUIRE(j.contains("error"));
  CHECK(j["error"]["message"].get<std::string>().find(message_part) != std::string::npos);
  CHECK(j["error"]["type"].is_string());
  CHECK(j["error"]["code"].is_string());
}

std::string completion_json(const std::string& content) {
  return nlohmann::json{{"object", "chat.completion"},
                        {"choices", {{{"index", 0}, {"message", {{"role", "assistant"}, {"content", content}}}, {"finish_reason", "stop"}}}},
                        {"usage", {{"prompt_tokens", 3}, {"completion_tokens", 1}, {"total_tokens", 4}}}}
      .dump();
}

}  // namespace

TEST_CASE("serve: the OpenAI client gets LocalChatModel's greedy replies over HTTP", "[serve]") {
  std::shared_ptr<LocalChatModel> local = world_chat_model();
  OpenAIApi api(*local, {"world-tiny"});
  RunningServer server([&](const HttpRequest& r) { return api.handle(r); });

  const std::vector<ChatRequest> requests = world_requests();
  const std::vector<ChatCompletion> expected = local->complete_detailed(requests);
  // The shipped model knows its world: the greedy reply carries the fact.
  CHECK(expected[0].text.find("140 Lantern Row") != std::string::npos);
  CHECK(expected[0].finish_reason == "stop");
  CHECK(expected[0].prompt_tokens == static_cast<int64_t>(local->prompt_ids(requests[0].messages).size()));

  OpenAIChatModelOptions options;
  options.base_url = server.url("/v1/");  // a trailing slash is fine
  options.model = "world-tiny";
  options.api_key_env = "LLMEDIT_TEST_UNSET_KEY_VARIABLE";
  unsetenv("LLMEDIT_TEST_UNSET_KEY_VARIABLE");
  OpenAIChatModel remote(options);
  CHECK(remote.name() == "world-tiny");
  const std::vector<ChatCompletion> got = remote.complete_detailed(requests);
  REQUIRE(got.size() == expected.size());
  for (size_t i = 0; i < got.size(); ++i) {
    INFO("request " << i);
    CHECK(got[i].text == expected[i].text);
    CHECK(got[i].finish_reason == expected[i].finish_reason);
    CHECK(got[i].prompt_tokens == expected[i].prompt_tokens);
    CHECK(got[i].completion_tokens == expected[i].completion_tokens);
  }
  CHECK(remote.complete({requests[1]}) == std::vector<std::string>{expected[1].text});
  CHECK(api.requests_served() == 4);

  // A reply cut by max_tokens says so, with its token count.
  std::vector<ChatRequest> short_request = {requests[0]};
  short_request[0].sampling.max_tokens = 2;
  const ChatCompletion cut = remote.complete_detailed(short_request).at(0);
  CHECK(cut.finish_reason == "length");
  CHECK(cut.completion_tokens == 2);

  // Seeded sampling is reproducible through the server.
  std::vector<ChatRequest> sampled = {requests[0]};
  sampled[0].sampling.temperature = 1.0;
  sampled[0].sampling.seed = 7;
  CHECK(remote.complete(sampled) == local->complete(sampled));
}

TEST_CASE("serve: LocalChatModel batches mixed requests as it answers them alone, and stops at the context's end", "[serve]") {
  std::shared_ptr<LocalChatModel> local = world_chat_model();
  std::vector<ChatRequest> requests = world_requests();
  requests[1].sampling.max_tokens = 5;  // another group
  const std::vector<ChatCompletion> together = local->complete_detailed(requests);
  for (size_t i = 0; i < requests.size(); ++i) {
    INFO("request " << i);
    const ChatCompletion alone = local->complete_detailed({requests[i]}).at(0);
    CHECK(together[i].text == alone.text);
    CHECK(together[i].completion_tokens == alone.completion_tokens);
  }
  CHECK(together[1].completion_tokens == 5);
  CHECK(together[1].finish_reason == "length");

  // A prompt near the 256-token context: the reply is cut where the context ends.
  ChatRequest near_end;
  std::string filler;
  while (local->prompt_ids({{"user", filler + "What is the home address of Calia Yarwick?"}}).size() < 250) filler += "Calia ";
  near_end.messages = {{"user", filler + "What is the home address of Calia Yarwick?"}};
  near_end.sampling.max_tokens = 64;
  const ChatCompletion cut = local->complete_detailed({near_end}).at(0);
  CHECK(cut.prompt_tokens + cut.completion_tokens <= 256);
  if (cut.finish_reason == "length") CHECK(cut.prompt_tokens + cut.completion_tokens == 256);
  ChatRequest too_long = near_end;
  while (local->prompt_ids(too_long.messages).size() < 256) too_long.messages[0].content = "Calia " + too_long.messages[0].content;
  CHECK_THROWS_WITH(local->complete({too_long}), Catch::Contains("fill the model's context of 256") && Catch::Contains("world-tiny"));
}

TEST_CASE("serve: /v1/models and the raw chat.completion response shape", "[serve]") {
  std::shared_ptr<LocalChatModel> local = world_chat_model();
  OpenAIApi api(*local, {"world-tiny"});
  RunningServer server([&](const HttpRequest& r) { return api.handle(r); });
  const HttpClient client = no_retry_client();

  const HttpResponse models = client.get(server.url("/v1/models"));
  REQUIRE(models.status == 200);
  const nlohmann::json m = nlohmann::json::parse(models.body);
  CHECK(m["object"] == "list");
  REQUIRE(m["data"].size() == 1);
  CHECK(m["data"][0]["id"] == "world-tiny");
  CHECK(m["data"][0]["object"] == "model");

  const nlohmann::json request = {{"model", "world-tiny"},
                                  {"messages", {{{"role", "user"}, {"content", {{{"type", "text"}, {"text", "What is the email address of Calia Yarwick?"}}}}}}},
                                  {"max_completion_tokens", 24},
                                  {"temperature", 0}};
  const HttpResponse r = client.post_json(server.url("/v1/chat/completions"), request.dump());
  REQUIRE(r.status == 200);
  const nlohmann::json j = nlohmann::json::parse(r.body);
  CHECK(j["object"] == "chat.completion");
  CHECK(j["model"] == "world-tiny");
  CHECK(j["choices"][0]["message"]["role"] == "assistant");
  CHECK(j["choices"][0]["message"]["content"].get<std::string>().find("calia_yarwick@emberline.net") != std::string::npos);
  const std::string reason = j["choices"][0]["finish_reason"];
  CHECK((reason == "stop" || reason == "length"));
  CHECK(j["usage"]["total_tokens"].get<int64_t>() ==
        j["usage"]["prompt_tokens"].get<int64_t>() + j["usage"]["completion_tokens"].get<int64_t>());
  CHECK(j["usage"]["completion_tokens"].get<int64_t>() <= 24);
}

TEST_CASE("serve: bad requests get OpenAI-shaped errors naming the field", "[serve]") {
  std::shared_ptr<LocalChatModel> local = world_chat_model();
  OpenAIApi api(*local, {"world-tiny"});
  RunningServer server([&](const HttpRequest& r) { return api.handle(r); }, /*max_body_bytes=*/4096);
  const HttpClient client = no_retry_client();
  const std::string chat = server.url("/v1/chat/completions");
  const nlohmann::json user = {{"role", "user"}, {"content", "hi"}};

  check_openai_error(client.post_json(chat, "{\"messages\": [ oops"), 400, "not valid JSON");
  check_openai_error(client.post_json(chat, "[1, 2]"), 400, "JSON object");
  check_openai_error(client.post_json(chat, nlohmann::json{{"model", "world-tiny"}}.dump()), 400, "messages");
  check_openai_error(client.post_json(chat, nlohmann::json{{"messages", nlohmann::json::array()}}.dump()), 400, "messages");
  check_openai_error(client.post_json(chat, nlohmann::json{{"messages", {{{"role", "wizard"}, {"content", "x"}}}}}.dump()), 400,
                     "messages[0].role 'wizard'");
  check_openai_error(client.post_json(chat, nlohmann::json{{"messages", {user, {{"content", "x"}}}}}.dump()), 400, "messages[1].role");
  check_openai_error(client.post_json(chat, nlohmann::json{{"messages", {user}}, {"stream", true}}.dump()), 400, "stream");
  check_openai_error(client.post_json(chat, nlohmann::json{{"messages", {user}}, {"n", 2}}.dump()), 400, "'n' must be 1");
  check_openai_error(client.post_json(chat, nlohmann::json{{"messages", {user}}, {"max_tokens", 0}}.dump()), 400, "max_tokens");
  check_openai_error(client.post_json(chat, nlohmann::json{{"messages", {user}}, {"temperature", "hot"}}.dump()), 400, "temperature");
  check_openai_error(client.post_json(chat, nlohmann::json{{"messages", {{{"role", "user"}, {"content", std::string(3000, 'x')}}}}}.dump()),
                     400, "fill the model's context of 256");
  check_openai_error(client.post_json(chat, nlohmann::json{{"messages", {user}}, {"model", "gpt-4o"}}.dump()), 404, "gpt-4o");
  check_openai_error(client.post_json(chat, std::string(5000, ' ')), 413, "exceeds the limit of 4096 bytes");
  check_openai_error(client.get(server.url("/v1/completions")), 404, "/v1/completions");
  const HttpResponse wrong_method = client.get(chat);
  check_openai_error(wrong_method, 405, "use POST");
  check_openai_error(client.post_json(server.url("/v1/models"), "{}"), 405, "use GET");
  // The server is still healthy after all of that.
  CHECK(client.get(server.url("/v1/models")).status == 200);
  CHECK(api.requests_served() == 0);
}

TEST_CASE("serve: the client retries 503 with backoff and keeps the API key out of errors", "[serve]") {
  const std::string key = "sk-llmedit-test-9f8e7d6c5b4a";
  setenv("LLMEDIT_TEST_API_KEY", key.c_str(), 1);
  OpenAIChatModelOptions options;
  options.model = "remote-model";
  options.api_key_env = "LLMEDIT_TEST_API_KEY";
  options.backoff_initial_s = 0.05;
  options.max_retries = 3;
  ChatRequest request;
  request.messages = {{"user", "hello"}};

  SECTION("503 twice, then 200: retried and answered") {
    std::atomic<int> calls{0};
    std::string authorization;
    RunningServer server([&](const HttpRequest& r) {
      authorization = r.headers.count("authorization") ? r.headers.at("authorization") : "";
      if (++calls <= 2) return json_error(503, "busy", "server_error", "overloaded");
      HttpReply ok;
      ok.body = completion_json("hi there");
      return ok;
    });
    options.base_url = server.url();
    OpenAIChatModel model(options);
    const auto start = std::chrono::steady_clock::now();
    const ChatCompletion reply = model.complete_detailed({request}).at(0);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    CHECK(reply.text == "hi there");
    CHECK(reply.prompt_tokens == 3);
    CHECK(calls == 3);
    CHECK(seconds >= 0.05 + 0.1);  // waited 0.05 s, then twice that
    CHECK(authorization == "Bearer " + key);
  }
  SECTION("always 503: the error names the status and the model, never the key") {
    std::atomic<int> calls{0};
    RunningServer server([&](const HttpRequest& r) {
      ++calls;
      // A careless server that echoes the credentials it got.
      return json_error(503, "overloaded; you sent " + r.headers.at("authorization"), "server_error", "overloaded");
    });
    options.base_url = server.url();
    options.max_retries = 2;
    OpenAIChatModel model(options);
    try {
      model.complete({request});
      FAIL("no error");
    } catch (const Error& e) {
      const std::string message = e.what();
      INFO(message);
      CHECK(e.exit_code() == 2);
      CHECK(message.find("HTTP 503") != std::string::npos);
      CHECK(message.find("remote-model") != std::string::npos);
      CHECK(message.find("3 attempt(s)") != std::string::npos);
      CHECK(message.find(key) == std::string::npos);
      CHECK(message.find("[api key]") != std::string::npos);
    }
    CHECK(calls == 3);
  }
  SECTION("nothing listening: a connection error after the retries, without the key") {
    int port = 0;
    {
      RunningServer closed([](const HttpRequest&) { return HttpReply{}; });
      port = closed.port();
    }
    options.base_url = "http://127.0.0.1:" + std::to_string(port) + "/v1";
    options.max_retries = 1;
    OpenAIChatModel model(options);
    try {
      model.complete({request});
      FAIL("no error");
    } catch (const Error& e) {
      const std::string message = e.what();
      INFO(message);
      CHECK(message.find("failed after 2 attempt(s)") != std::string::npos);
      CHECK(message.find("127.0.0.1:" + std::to_string(port)) != std::string::npos);
      CHECK(message.find(key) == std::string::npos);
    }
  }
  SECTION("a server slower than timeout_s: a timeout error after the retries") {
    RunningServer server([&](const HttpRequest&) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1500));
      HttpReply ok;
      ok.body = completion_json("late");
      return ok;
    });
    options.base_url = server.url();
    options.timeout_s = 0.3;
    options.max_retries = 0;
    OpenAIChatModel model(options);
    const auto start = std::chrono::steady_clock::now();
    CHECK_THROWS_WITH(model.complete({request}), Catch::Contains("failed after 1 attempt(s)") && Catch::Contains("timed out"));
    CHECK(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() < 1.4);
  }
  SECTION("401 without retries, with a hint naming the variable") {
    std::atomic<int> calls{0};
    RunningServer server([&](const HttpRequest&) {
      ++calls;
      return json_error(401, "Incorrect API key provided", "invalid_request_error", "invalid_api_key");
    });
    options.base_url = server.url();
    OpenAIChatModel model(options);
    try {
      model.complete({request});
      FAIL("no error");
    } catch (const Error& e) {
      const std::string message = e.what();
      INFO(message);
      CHECK(message.find("HTTP 401") != std::string::npos);
      CHECK(message.find("Incorrect API key provided") != std::string::npos);
      CHECK(message.find("LLMEDIT_TEST_API_KEY") != std::string::npos);
      CHECK(message.find(key) == std::string::npos);
    }
    CHECK(calls == 1);
  }
  unsetenv("LLMEDIT_TEST_API_KEY");
}

TEST_CASE("serve: make_chat_model reads the provider options", "[serve]") {
  ConfigSchema schema;
  declare_chat_model_options(schema, "x.llm");
  nlohmann::json resolved = resolve_config({{"x", {{"llm", {{"model", "m"}, {"base_url", "ftp://example.com"}}}}}}, schema, "cfg.json");
  CHECK(resolved["x"]["llm"]["api_key_env"] == "OPENAI_API_KEY");
  CHECK_THROWS_WITH(make_chat_model("openai", resolved, "x.llm", "cfg.json"), Catch::Contains("x.llm.base_url") && Catch::Contains("ftp://"));
  CHECK_THROWS_WITH(make_chat_model("magic", resolved, "x.llm", "cfg.json"), Catch::Contains("magic"));
  resolved["x"]["llm"]["model"] = "";
  CHECK_THROWS_WITH(make_chat_model("local", resolved, "x.llm", "cfg.json"), Catch::Contains("x.llm.model"));
  resolved["x"]["llm"]["model"] = kWorldModel;
  std::unique_ptr<ChatModel> local = make_chat_model("local", resolved, "x.llm", "cfg.json");
  CHECK(local->name() == "world-tiny");
  ChatRequest request;
  request.messages = {{"user", "What is the home address of Calia Yarwick?"}};
  request.sampling.max_tokens = 24;
  CHECK(local->complete({request}).at(0).find("140 Lantern Row") != std::string::npos);
}

namespace {

// `llmedit serve` as a child process whose stdout we read.
class ServeProcess {
 public:
  explicit ServeProcess(const std::vector<std::string>& args) {
    int out[2];
    REQUIRE(::pipe(out) == 0);
    pid_ = ::fork();
    REQUIRE(pid_ >= 0);
    if (pid_ == 0) {
      ::dup2(out[1], STDOUT_FILENO);
      ::close(out[0]);
      ::close(out[1]);
      std::vector<char*> argv{const_cast<char*>(LLMEDIT_CLI_PATH), const_cast<char*>("serve")};
      for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
      argv.push_back(nullptr);
      ::execv(LLMEDIT_CLI_PATH, argv.data());
      ::_exit(127);
    }
    ::close(out[1]);
    fd_ = out[0];
  }
  ~ServeProcess() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    ::close(fd_);
  }
  // Everything printed until `needle` appears or `seconds` pass.
  std::string read_until(const std::string& needle, double seconds) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    while (output_.find(needle) == std::string::npos && std::chrono::steady_clock::now() < deadline) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 200) <= 0) continue;
      char buffer[4096];
      const ssize_t n = ::read(fd_, buffer, sizeof buffer);
      if (n <= 0) break;
      output_.append(buffer, static_cast<size_t>(n));
    }
    return output_;
  }
  int terminate(int signal) {
    ::kill(pid_, signal);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }

 private:
  pid_t pid_ = -1;
  int fd_ = -1;
  std::string output_;
};

}  // namespace

TEST_CASE("serve: the CLI prints its port, answers, and stops cleanly on SIGTERM and SIGINT", "[serve][cli]") {
  for (int signal : {SIGTERM, SIGINT}) {
    INFO("signal " << signal);
    ServeProcess serve({"--model", kWorldModel, "--port", "0", "--threads", "1"});
    const std::string printed = serve.read_until("/v1\n", 120);
    INFO(printed);
    const size_t at = printed.find("http://127.0.0.1:");
    REQUIRE(at != std::string::npos);
    const int port = std::stoi(printed.substr(at + 17));
    CHECK(port > 0);
    const std::string base = "http://127.0.0.1:" + std::to_string(port) + "/v1";
    const HttpClient client = no_retry_client();
    const HttpResponse models = client.get(base + "/models");
    REQUIRE(models.status == 200);
    CHECK(nlohmann::json::parse(models.body)["data"][0]["id"] == "world-tiny");
    const nlohmann::json request = {{"messages", {{{"role", "user"}, {"content", "What is the home address of Calia Yarwick?"}}}},
                                    {"max_tokens", 24},
                                    {"temperature", 0}};
    const HttpResponse reply = client.post_json(base + "/chat/completions", request.dump());
    REQUIRE(reply.status == 200);
    CHECK(nlohmann::json::parse(reply.body)["choices"][0]["message"]["content"].get<std::string>().find("140 Lantern Row") !=
          std::string::npos);
    CHECK(serve.terminate(signal) == 0);
    CHECK(serve.read_until("stopped", 5).find("stopped after 1 completion(s)") != std::string::npos);
  }
  const CommandResult busy = run_cli("serve --model " + shell_quote(kWorldModel) + " --host 203.0.113.1 --port 1");
  CHECK(busy.exit_code == 2);
  CHECK(busy.error.find("203.0.113.1:1") != std::string::npos);
}

TEST_CASE("serve: the llm entity extractor of eval.unlearning through the openai provider", "[serve][cli]") {
  std::shared_ptr<LocalChatModel> local = world_chat_model();
  OpenAIApi api(*local, {"world-tiny"});
  std::atomic<int> prompts_seen{0};
  RunningServer server([&](const HttpRequest& r) {
    if (r.path == "/v1/chat/completions" && r.body.find("List the key entities") != std::string::npos) ++prompts_seen;
    return api.handle(r);
  });
  TempDir dir("serve-llm-extractor");
  const nlohmann::json config = {
      {"job", "eval"},
      {"threads", 1},
      {"seed", 1},
      {"model", {{"path", kWorldModel}}},
      {"data", {{"qa", {kRoot + "/data/world/qa/forget.jsonl", kRoot + "/data/world/qa/retain.jsonl"}}}},
      {"output", {{"dir", dir.path + "/run"}}},
      {"eval",
       {{"unlearning",
         {{"enabled", true},
          {"max_items", 2},
          {"greedy", true},
          {"max_new_tokens", 16},
          {"extractor", "llm"},
          {"llm_provider", "openai"},
          {"llm_max_new_tokens", 8},
          {"llm", {{"model", "world-tiny"}, {"base_url", server.url()}, {"max_retries", 0}}}}}}}};
  std::ofstream(dir.path + "/eval.json") << config.dump(2);
  const CommandResult run = run_cli("run " + shell_quote(dir.path + "/eval.json"));
  INFO(run.error);
  REQUIRE(run.exit_code == 0);
  // Every extraction prompt reached the server and came back through the parser: one per
  // ground truth and one per generated answer of the 2 + 2 items.
  CHECK(prompts_seen == 8);
  CHECK(api.requests_served() == 8);
  std::ifstream in(dir.path + "/run/predictions.jsonl");
  int rows = 0;
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) continue;
    const nlohmann::json row = nlohmann::json::parse(line);
    CHECK(row["entities_generated"].is_array());
    CHECK(row["entities_ground_truth"].is_array());
    ++rows;
  }
  CHECK(rows == 4);

  // A wrong model id is the endpoint's 404, named in a one-line error (exit code 2).
  const CommandResult wrong = run_cli("run " + shell_quote(dir.path + "/eval.json") + " --set eval.unlearning.llm.model=gpt-4o" +
                                      " --set output.dir=" + shell_quote(dir.path + "/run2"));
  CHECK(wrong.exit_code == 2);
  CHECK_THAT(wrong.error, Catch::Contains("HTTP 404") && Catch::Contains("gpt-4o"));
}
