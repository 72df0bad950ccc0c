// `llmedit serve` under load: 500 requests from 8 client threads over loopback, a fifth of them
// well-formed chats and the rest malformed JSON, oversized bodies, unknown models, prompts far
// longer than the context, wrong methods and paths. Every request gets a well-formed HTTP reply
// (errors as OpenAI-shaped JSON with a 4xx status), the server stays up, and its resident memory
// after 500 requests is within a bound of what it was after the first 100.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

#include "tests/child_process.h"
#include "tests/fixtures.h"

using namespace llmedit;
using namespace llmedit::test;

namespace {

constexpr size_t kMaxBody = 64 << 10;

struct Reply {
  int status = 0;
  std::string body;
  std::string problem;  // empty when the reply was well-formed HTTP with a matching Content-Length
};

// Sends `request` as it is over a fresh connection and reads until the server closes it.
Reply round_trip(int port, const std::string& request) {
  Reply reply;
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  const timeval timeout{120, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    ::close(fd);
    reply.problem = "connect failed";
    return reply;
  }
  // A server that answers early (413) may stop reading: a failed send still reads the reply.
  for (size_t sent = 0; sent < request.size();) {
    const ssize_t n = ::send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;
    sent += static_cast<size_t>(n);
  }
  std::string raw;
  char buffer[16384];
  for (ssize_t n; (n = ::recv(fd, buffer, sizeof buffer, 0)) > 0;) raw.append(buffer, static_cast<size_t>(n));
  ::close(fd);
  const size_t head_end = raw.find("\r\n\r\n");
  if (raw.rfind("HTTP/1.1 ", 0) != 0 || head_end == std::string::npos) {
    reply.problem = "not an HTTP reply: '" + raw.substr(0, 80) + "'";
    return reply;
  }
  reply.status = std::atoi(raw.c_str() + 9);
  reply.body = raw.substr(head_end + 4);
  const size_t length_at = raw.find("Content-Length: ");
  if (length_at == std::string::npos || length_at > head_end ||
      std::stoul(raw.substr(length_at + 16)) != reply.body.size())
    reply.problem = "Content-Length does not match the body";
  return reply;
}

std::string post(const std::string& path, const std::string& body) {
  return "POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\n\r\n" + body;
}

std::string chat(const std::string& question, const std::string& model = "world-tiny") {
  return nlohmann::json{{"model", model},
                        {"messages", {{{"role", "user"}, {"content", question}}}},
                        {"max_tokens", 4},
                        {"temperature", 0}}
      .dump();
}

struct Case {
  std::string request;
  int expected = 0;
};

// Request `i` of the mix: 2 in 10 are good chats, the rest each break something.
Case request_number(int i) {
  switch (i % 10) {
    case 0: return {post("/v1/chat/completions", chat("Who is Calia Yarwick? #" + std::to_string(i))), 200};
    case 1: return {post("/v1/chat/completions", chat("Where was Calia Yarwick born?")), 200};
    case 2: return {post("/v1/chat/completions", "{\"messages\": [{\"role\": \"user\", \"content\": "), 400};
    case 3: return {post("/v1/chat/completions", std::string(kMaxBody + 4096, ' ')), 413};
    case 4: return {post("/v1/chat/completions", chat("Who is Calia Yarwick?", "gpt-unknown")), 404};
    case 5: {
      std::string prompt;
      for (int w = 0; w < 3000; ++w) prompt += "lantern ";
      return {post("/v1/chat/completions", chat(prompt)), 400};
    }
    case 6: return {post("/v1/chat/completions", "{\"messages\": \"not a list\", \"max_tokens\": 4}"), 400};
    case 7: return {"GET /v1/models HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 200};
    case 8: return {"DELETE /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 405};
    default: return {i % 20 == 9 ? "GET /v2/nothing HTTP/1.1\r\n\r\n" : "NONSENSE\r\n\r\n", i % 20 == 9 ? 404 : 400};
  }
}

// Why `reply` is not what `expected` asks for ("" when it is).
std::string judge(const Reply& reply, int expected) {
  if (!reply.problem.empty()) return reply.problem;
  if (reply.status != expected) return "status " + std::to_string(reply.status) + ", expected " + std::to_string(expected);
  const nlohmann::json body = nlohmann::json::parse(reply.body, nullptr, false);
  if (body.is_discarded()) return "the body is not JSON: " + reply.body.substr(0, 80);
  if (expected >= 400) {
    const nlohmann::json& e = body.contains("error") ? body["error"] : nlohmann::json();
    if (!e.is_object() || !e.value("message", nlohmann::json()).is_string() || !e.contains("type") || !e.contains("code"))
      return "not an OpenAI error: " + reply.body.substr(0, 120);
  } else if (body.value("object", "") == "chat.completion" && !body["choices"][0]["message"]["content"].is_string()) {
    return "a completion without content: " + reply.body.substr(0, 120);
  }
  return "";
}

int64_t resident_kib(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(in, line);)
    if (line.rfind("VmRSS:", 0) == 0) return std::stoll(line.substr(6));
  return -1;
}

}  // namespace

TEST_CASE("serve under load: 500 requests from 8 clients, every reply well-formed, memory bounded", "[serveload][cli]") {
  TempDir dir("serve-load");
  ChildProcess server({"serve", "--model", kWorldModel, "--port", "0", "--threads", "1", "--max-body-bytes",
                       std::to_string(kMaxBody)},
                      dir.path + "/serve");
  REQUIRE(wait_until([&] { return server.out().find("/v1\n") != std::string::npos || !server.running(); }, 120));
  const std::string banner = server.out();
  INFO(banner << server.err());
  const size_t at = banner.find("http://127.0.0.1:");
  REQUIRE(at != std::string::npos);
  const int port = std::stoi(banner.substr(at + 17));

  constexpr int kRequests = 500, kClients = 8;
  std::atomic<int> next{0}, done{0};
  std::atomic<int64_t> rss_at_100{-1};
  std::mutex failures_lock;
  std::vector<std::string> failures;
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c)
    clients.emplace_back([&] {
      for (int i; (i = next++) < kRequests;) {
        const Case request = request_number(i);
        const std::string problem = judge(round_trip(port, request.request), request.expected);
        if (!problem.empty()) {
          std::lock_guard<std::mutex> lock(failures_lock);
          failures.push_back("request " + std::to_string(i) + ": " + problem);
        }
        if (++done == 100) rss_at_100 = resident_kib(server.pid());
      }
    });
  for (std::thread& t : clients) t.join();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const int64_t rss_at_500 = resident_kib(server.pid());

  std::ostringstream shown;
  for (size_t i = 0; i < failures.size() && i < 10; ++i) shown << failures[i] << "\n";
  INFO(failures.size() << " of " << kRequests << " requests failed:\n" << shown.str());
  CHECK(failures.empty());
  REQUIRE(server.running());
  CHECK(judge(round_trip(port, request_number(0).request), 200).empty());  // still serving
  // Memory: after the first 100 requests the allocator has its working set; 400 more may not
  // keep growing it (measured: no growth at all). 16 MiB over 400 requests catches a leak of more
  // than ~42 KB per request on average.
  WARN("serve load: " << kRequests << " requests in " << seconds << " s; RSS " << rss_at_100.load() << " KiB after 100, " << rss_at_500
                      << " KiB after 500");
  REQUIRE(rss_at_100 > 0);
  CHECK(rss_at_500 - rss_at_100 < 16 * 1024);
  server.send(SIGTERM);
  CHECK(server.wait(30) == 0);
}
