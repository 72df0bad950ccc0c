// A small HTTP/1.1 server on POSIX sockets, for `llmedit serve`: one request per connection
// (Connection: close), bodies by Content-Length only, a size limit, and JSON errors in OpenAI's
// shape. Requests are handled one at a time, in arrival order; the rest wait in the backlog.
#pragma once
#include <atomic>
#include <cstddef>
#include <functional>
#include <map>
#include <string>

namespace llmedit {

struct HttpRequest {
  std::string method;                         // "GET", "POST", ...
  std::string path;                           // without the query string
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
};

struct HttpReply {
  int status = 200;
  std::string body;
  std::string content_type = "application/json";
  std::map<std::string, std::string> headers;  // extra headers (e.g. "Allow")
};

using HttpHandler = std::function<HttpReply(const HttpRequest&)>;

struct HttpServerOptions {
  std::string host = "127.0.0.1";    // loopback unless asked otherwise
  int port = 0;                      // 0: the system picks a free port (see HttpServer::port)
  size_t max_body_bytes = 1 << 20;   // larger bodies get 413
  size_t max_header_bytes = 64 << 10;
  double read_timeout_s = 30.0;      // a client that stalls mid-request is dropped
};

// {"error": {"message": ..., "type": ..., "code": ...}} with that status.
HttpReply json_error(int status, const std::string& message, const std::string& type, const std::string& code);

class HttpServer {
 public:
  // Binds and listens at once; throws a usage error naming host:port when it cannot.
  HttpServer(HttpServerOptions options, HttpHandler handler);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  int port() const { return port_; }  // the bound port (the chosen one when options.port was 0)
  const std::string& host() const { return options_.host; }

  // Serves until stop() (from any thread, or a signal watcher). An exception escaping the
  // handler becomes a 500.
  void serve();
  // Makes serve() return after the request in progress. Safe from any thread.
  void stop();

 private:
  void handle_connection(int fd);

  HttpServerOptions options_;
  HttpHandler handler_;
  int listen_fd_ = -1;
  int wake_pipe_[2] = {-1, -1};  // stop() writes here to wake serve()'s poll
  int port_ = 0;
  std::atomic<bool> stopping_{false};
};

}  // namespace llmedit
