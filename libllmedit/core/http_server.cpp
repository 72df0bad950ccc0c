#include "libllmedit/core/http_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>

#include "libllmedit/core/error.h"

namespace llmedit {

namespace {

const char* reason_phrase(int status) {
  switch (status) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 411: return "Length Required";
    case 413: return "Payload Too Large";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    default: return "Unknown";
  }
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::string trim(const std::string& s) {
  const size_t a = s.find_first_not_of(" \t"), b = s.find_last_not_of(" \t\r");
  return a == std::string::npos ? "" : s.substr(a, b - a + 1);
}

void write_all(int fd, const std::string& data) {
  size_t sent = 0;
  while (sent < data.size()) {
    const ssize_t n = ::send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // the client left; nothing to tell it
    sent += static_cast<size_t>(n);
  }
}

void write_reply(int fd, const HttpReply& reply) {
  std::string out = "HTTP/1.1 " + std::to_string(reply.status) + " " + reason_phrase(reply.status) + "\r\n";
  out += "Content-Type: " + reply.content_type + "\r\n";
  out += "Content-Length: " + std::to_string(reply.body.size()) + "\r\n";
  for (const auto& [name, value] : reply.headers) out += name + ": " + value + "\r\n";
  out += "Connection: close\r\n\r\n";
  out += reply.body;
  write_all(fd, out);
}

// Reads into `buffer` until it holds `wanted` bytes (or the header end, when wanted is 0).
// False when the client closed, stalled past the deadline or sent more header than `limit`.
enum class ReadResult { Ok, Closed, Timeout, TooLarge };

ReadResult read_more(int fd, std::string& buffer, std::chrono::steady_clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
  if (left <= 0) return ReadResult::Timeout;
  pollfd p{fd, POLLIN, 0};
  const int ready = ::poll(&p, 1, static_cast<int>(left));
  if (ready == 0) return ReadResult::Timeout;
  if (ready < 0) return errno == EINTR ? ReadResult::Ok : ReadResult::Closed;
  char chunk[16384];
  const ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
  if (n < 0 && errno == EINTR) return ReadResult::Ok;
  if (n <= 0) return ReadResult::Closed;
  buffer.append(chunk, static_cast<size_t>(n));
  return ReadResult::Ok;
}

struct Parsed {
  HttpRequest request;
  size_t header_end = 0;         // offset of the body in the buffer
  long long content_length = 0;  // -1: not given
  bool chunked = false;
};

// The request line and headers; nullopt-like error reply in `error` when malformed.
bool parse_head(const std::string& head, Parsed& out, HttpReply& error) {
  size_t line_end = head.find("\r\n");
  const std::string request_line = head.substr(0, line_end);
  const size_t sp1 = request_line.find(' '), sp2 = request_line.rfind(' ');
  if (sp1 == std::string::npos || sp2 == sp1 || request_line.compare(sp2 + 1, 5, "HTTP/") != 0) {
    error = json_error(400, "malformed request line", "invalid_request_error", "bad_request");
    return false;
  }
  out.request.method = request_line.substr(0, sp1);
  const std::string target = request_line.substr(sp1 + 1, sp2 - sp1 - 1);
  out.request.path = target.substr(0, target.find('?'));
  out.content_length = -1;
  size_t pos = line_end + 2;
  while (pos < head.size()) {
    const size_t end = head.find("\r\n", pos);
    const std::string line = head.substr(pos, end == std::string::npos ? std::string::npos : end - pos);
    pos = end == std::string::npos ? head.size() : end + 2;
    if (line.empty()) continue;
    const size_t colon = line.find(':');
    if (colon == std::string::npos) {
      error = json_error(400, "malformed header line", "invalid_request_error", "bad_request");
      return false;
    }
    const std::string name = lower(trim(line.substr(0, colon))), value = trim(line.substr(colon + 1));
    out.request.headers[name] = value;
    if (name == "content-length") {
      char* rest = nullptr;
      errno = 0;
      const long long n = std::strtoll(value.c_str(), &rest, 10);
      if (value.empty() || *rest != '\0' || n < 0 || errno != 0) {
        error = json_error(400, "Content-Length '" + value + "' is not a byte count", "invalid_request_error", "bad_request");
        return false;
      }
      out.content_length = n;
    }
    if (name == "transfer-encoding" && lower(value) != "identity") out.chunked = true;
  }
  return true;
}

// After the reply: stop sending, then read what the client still sends (an unread oversize
// body, say) until it closes, so closing does not reset the connection before it reads the reply.
void linger_close(int fd) {
  ::shutdown(fd, SHUT_WR);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  std::string sink;
  for (size_t drained = 0; drained < (64u << 20);) {
    sink.clear();
    if (read_more(fd, sink, deadline) != ReadResult::Ok) break;
    drained += sink.size();
  }
}

}  // namespace

HttpReply json_error(int status, const std::string& message, const std::string& type, const std::string& code) {
  HttpReply reply;
  reply.status = status;
  reply.body = nlohmann::json{{"error", {{"message", message}, {"type", type}, {"code", code}}}}.dump();
  return reply;
}

HttpServer::HttpServer(HttpServerOptions options, HttpHandler handler) : options_(std::move(options)), handler_(std::move(handler)) {
  const std::string where = options_.host + ":" + std::to_string(options_.port);
  if (options_.port < 0 || options_.port > 65535) throw usage_error("--port must be in 0..65535, got " + std::to_string(options_.port));
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  const int rc = ::getaddrinfo(options_.host.c_str(), std::to_string(options_.port).c_str(), &hints, &found);
  if (rc != 0) throw usage_error("serve: cannot resolve host '" + options_.host + "': " + gai_strerror(rc));
  std::string last_error = "no address";
  for (addrinfo* a = found; a && listen_fd_ < 0; a = a->ai_next) {
    const int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) continue;
    const int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (::bind(fd, a->ai_addr, a->ai_addrlen) == 0 && ::listen(fd, 64) == 0) {
      listen_fd_ = fd;
    } else {
      last_error = std::strerror(errno);
      ::close(fd);
    }
  }
  ::freeaddrinfo(found);
  if (listen_fd_ < 0) throw usage_error("serve: cannot listen on " + where + ": " + last_error);
  sockaddr_storage bound{};
  socklen_t length = sizeof bound;
  ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&bound), &length);
  port_ = ntohs(bound.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port
                                             : reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
  if (::pipe2(wake_pipe_, O_CLOEXEC | O_NONBLOCK) != 0) {
    ::close(listen_fd_);
    throw Error(ErrorKind::Internal, std::string("serve: pipe failed: ") + std::strerror(errno));
  }
}

HttpServer::~HttpServer() {
  if (listen_fd_ >= 0) ::close(listen_fd_);
  for (int fd : wake_pipe_)
    if (fd >= 0) ::close(fd);
}

void HttpServer::stop() {
  stopping_ = true;
  const char byte = 1;
  (void)!::write(wake_pipe_[1], &byte, 1);  // async-signal-safe, so a signal watcher may call it
}

void HttpServer::serve() {
  while (!stopping_) {
    pollfd fds[2] = {{listen_fd_, POLLIN, 0}, {wake_pipe_[0], POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      throw Error(ErrorKind::Internal, std::string("serve: poll failed: ") + std::strerror(errno));
    }
    if (stopping_ || (fds[1].revents & POLLIN)) break;
    if (!(fds[0].revents & POLLIN)) continue;
    const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;  // the client gave up before we got to it
    handle_connection(fd);
    linger_close(fd);
    ::close(fd);
  }
}

void HttpServer::handle_connection(int fd) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                                               std::chrono::duration<double>(options_.read_timeout_s));
  std::string buffer;
  size_t head_end = std::string::npos;
  while ((head_end = buffer.find("\r\n\r\n")) == std::string::npos) {
    if (buffer.size() > options_.max_header_bytes)
      return write_reply(fd, json_error(431, "request headers exceed " + std::to_string(options_.max_header_bytes) + " bytes",
                                        "invalid_request_error", "headers_too_large"));
    const ReadResult r = read_more(fd, buffer, deadline);
    if (r == ReadResult::Timeout) return write_reply(fd, json_error(408, "request not received in time", "invalid_request_error", "timeout"));
    if (r == ReadResult::Closed) return;
  }
  Parsed parsed;
  HttpReply error;
  if (!parse_head(buffer.substr(0, head_end + 2), parsed, error)) return write_reply(fd, error);
  if (parsed.chunked)
    return write_reply(fd, json_error(411, "chunked request bodies are not supported; send Content-Length",
                                      "invalid_request_error", "length_required"));
  if (parsed.content_length < 0 && (parsed.request.method == "POST" || parsed.request.method == "PUT"))
    return write_reply(fd, json_error(411, parsed.request.method + " without Content-Length; send the body's length",
                                      "invalid_request_error", "length_required"));
  const long long length = std::max(0LL, parsed.content_length);
  if (static_cast<unsigned long long>(length) > options_.max_body_bytes)
    return write_reply(fd, json_error(413, "request body of " + std::to_string(length) + " bytes exceeds the limit of " +
                                               std::to_string(options_.max_body_bytes) + " bytes",
                                      "invalid_request_error", "request_too_large"));
  buffer.erase(0, head_end + 4);
  // curl and others wait (a second) for this before sending a large body.
  const auto expect = parsed.request.headers.find("expect");
  if (expect != parsed.request.headers.end() && lower(expect->second) == "100-continue" && buffer.size() < static_cast<size_t>(length))
    write_all(fd, "HTTP/1.1 100 Continue\r\n\r\n");
  while (buffer.size() < static_cast<size_t>(length)) {
    const ReadResult r = read_more(fd, buffer, deadline);
    if (r == ReadResult::Timeout) return write_reply(fd, json_error(408, "request body not received in time", "invalid_request_error", "timeout"));
    if (r == ReadResult::Closed) return;
  }
  buffer.resize(static_cast<size_t>(length));
  parsed.request.body = std::move(buffer);

  HttpReply reply;
  try {
    reply = handler_(parsed.request);
  } catch (const std::exception& e) {
    spdlog::error("serve: {} {}: {}", parsed.request.method, parsed.request.path, e.what());
    reply = json_error(500, std::string("internal error: ") + e.what(), "server_error", "internal_error");
  }
  spdlog::info("serve: {} {} -> {}", parsed.request.method, parsed.request.path, reply.status);
  write_reply(fd, reply);
}

}  // namespace llmedit
