// llmedit serve: an OpenAI-compatible chat API (/v1/chat/completions, /v1/models) over a model
// loaded by llmedit, on loopback unless told otherwise.
#include <pthread.h>

#include <atomic>
#include <csignal>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <thread>

#include <spdlog/spdlog.h>

#include "apps/llmedit/commands.h"
#include "libllmedit/core/error.h"
#include "libllmedit/core/http_server.h"
#include "libllmedit/core/runtime.h"
#include "libllmedit/generate/local_chat_model.h"
#include "libllmedit/model/loader.h"
#include "libllmedit/serve/openai_api.h"
#include "libllmedit/tokenizer/tokenizer.h"

namespace llmedit::cli {

namespace {

struct ServeOptions {
  std::string model;
  std::string host = "127.0.0.1";
  int port = 8080;
  int threads = 0;
  std::string chat_template = "auto";
  std::string model_id;  // default: the folder's name
  std::string dtype = "float32";
  size_t max_body_bytes = 1 << 20;
};

// SIGINT and SIGTERM are blocked in every thread (set before any is started) and taken by one
// watcher with sigtimedwait, which stops the server: no handler, no flag shared with one.
class SignalStopper {
 public:
  explicit SignalStopper(HttpServer& server) : server_(server) {
    watcher_ = std::thread([this] {
      sigset_t set = signals();
      const timespec tick{0, 200 * 1000 * 1000};
      while (!done_) {
        const int signal = sigtimedwait(&set, nullptr, &tick);
        if (signal == SIGINT || signal == SIGTERM) {
          std::cerr << "llmedit serve: " << (signal == SIGINT ? "SIGINT" : "SIGTERM") << " received, stopping" << std::endl;
          server_.stop();
          return;
        }
      }
    });
  }
  ~SignalStopper() {
    done_ = true;
    watcher_.join();
  }
  static sigset_t signals() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    return set;
  }

 private:
  HttpServer& server_;
  std::atomic<bool> done_{false};
  std::thread watcher_;
};

std::string folder_name(const std::string& path) {
  std::filesystem::path p(path);
  if (p.filename().empty()) p = p.parent_path();
  return p.filename().string();
}

void serve_command(const ServeOptions& o) {
  const sigset_t blocked = SignalStopper::signals();
  pthread_sigmask(SIG_BLOCK, &blocked, nullptr);  // before LibTorch starts its threads
  set_num_threads(o.threads);
  if (o.max_body_bytes < 1024) throw usage_error("--max-body-bytes must be at least 1024, got " + std::to_string(o.max_body_bytes));
  LoadOptions load;
  load.dtype = parse_dtype(o.dtype);
  std::shared_ptr<CausalLM> model = load_causal_lm(o.model, load);
  std::shared_ptr<Tokenizer> tokenizer = load_tokenizer(o.model);
  LocalChatModelOptions chat_options;
  chat_options.name = o.model_id.empty() ? folder_name(o.model) : o.model_id;
  LocalChatModel chat(model, tokenizer, ChatTemplate::for_tokenizer(o.model, o.chat_template), chat_options);

  OpenAIApi api(chat, {chat_options.name});
  HttpServerOptions server_options;
  server_options.host = o.host;
  server_options.port = o.port;
  server_options.max_body_bytes = o.max_body_bytes;
  HttpServer server(server_options, [&api](const HttpRequest& request) { return api.handle(request); });
  const std::string host = o.host.find(':') != std::string::npos ? "[" + o.host + "]" : o.host;
  // Tests and scripts read the port from this line (--port 0 picks a free one).
  std::cout << "llmedit serve: model " << chat_options.name << " at http://" << host << ":" << server.port() << "/v1" << std::endl;
  if (o.host != "127.0.0.1" && o.host != "localhost" && o.host != "::1")
    spdlog::warn("serve: bound to {}: anyone who can reach this address can use the model (there is no authentication)", o.host);
  SignalStopper stopper(server);
  server.serve();
  std::cout << "llmedit serve: stopped after " << api.requests_served() << " completion(s)" << std::endl;
}

}  // namespace

void add_serve_commands(CLI::App& app) {
  auto o = std::make_shared<ServeOptions>();
  CLI::App* cmd = app.add_subcommand("serve", "serve a model over an OpenAI-compatible chat API (/v1/chat/completions, /v1/models)");
  cmd->add_option("--model,model", o->model, "Hugging Face model folder")->required();
  cmd->add_option("--host", o->host, "address to bind (loopback by default; 0.0.0.0 exposes the model to the network)")
      ->capture_default_str();
  cmd->add_option("--port", o->port, "TCP port; 0 picks a free one (printed on start)")->capture_default_str();
  cmd->add_option("--threads", o->threads, "CPU threads (0 = all cores)")->capture_default_str();
  cmd->add_option("--chat-template", o->chat_template, "prompt format: auto, llama2, llama3, chatml, qwen3, mistral, gemma, qa")
      ->capture_default_str();
  cmd->add_option("--model-id", o->model_id, "the model's name in the API (default: the folder's name)");
  cmd->add_option("--dtype", o->dtype, "compute dtype: float32, bfloat16, float16")->capture_default_str();
  cmd->add_option("--max-body-bytes", o->max_body_bytes, "larger request bodies get 413")->capture_default_str();
  cmd->callback([o] { serve_command(*o); });
}

}  // namespace llmedit::cli
