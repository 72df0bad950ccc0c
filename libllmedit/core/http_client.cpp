#include "libllmedit/core/http_client.h"

#include <curl/curl.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <memory>
#include <mutex>
#include <thread>

#include "libllmedit/core/error.h"

namespace llmedit {

namespace {

// curl_global_init is not thread-safe and must run once before any handle is made.
void init_curl_once() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

size_t append_body(char* data, size_t size, size_t count, void* user) {
  static_cast<std::string*>(user)->append(data, size * count);
  return size * count;
}

// Retry-After in seconds (the delta-seconds form); -1 when absent or a date.
size_t read_retry_after(char* data, size_t size, size_t count, void* user) {
  const std::string line(data, size * count);
  const std::string name = "retry-after:";
  if (line.size() > name.size()) {
    std::string head = line.substr(0, name.size());
    std::transform(head.begin(), head.end(), head.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (head == name) {
      try {
        *static_cast<double*>(user) = std::stod(line.substr(name.size()));
      } catch (const std::exception&) {
      }
    }
  }
  return size * count;
}

struct CurlDeleter {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
struct SlistDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};

// The URL without user info or query string, for messages (a key may hide in either).
std::string printable_url(const std::string& url) {
  std::string out = url.substr(0, url.find('?'));
  const size_t scheme = out.find("://");
  const size_t at = out.find('@', scheme == std::string::npos ? 0 : scheme + 3);
  const size_t slash = out.find('/', scheme == std::string::npos ? 0 : scheme + 3);
  if (at != std::string::npos && (slash == std::string::npos || at < slash)) out.erase(scheme + 3, at - scheme - 2);
  return out;
}

struct Attempt {
  CURLcode code = CURLE_OK;
  std::string curl_error;
  long status = 0;
  std::string body;
  double retry_after_s = -1;
};

}  // namespace

bool is_retryable_status(long status) { return status == 408 || status == 429 || (status >= 500 && status <= 599); }

HttpClient::HttpClient(HttpClientOptions options) : options_(options) { init_curl_once(); }

HttpResponse HttpClient::get(const std::string& url, const HttpHeaders& headers) const { return send("GET", url, nullptr, headers); }

HttpResponse HttpClient::post_json(const std::string& url, const std::string& body, const HttpHeaders& headers) const {
  HttpHeaders with_type = headers;
  with_type.emplace_back("Content-Type", "application/json");
  with_type.emplace_back("Expect", "");  // no 100-continue round trip (a second's wait on some servers)
  return send("POST", url, &body, with_type);
}

HttpResponse HttpClient::send(const std::string& method, const std::string& url, const std::string* body,
                              const HttpHeaders& headers) const {
  std::unique_ptr<CURL, CurlDeleter> curl(curl_easy_init());
  if (!curl) throw Error(ErrorKind::Internal, "http: curl_easy_init failed");
  std::unique_ptr<curl_slist, SlistDeleter> header_list;
  for (const auto& [name, value] : headers) {
    curl_slist* next = curl_slist_append(header_list.get(), (value.empty() ? name + ":" : name + ": " + value).c_str());
    if (!next) throw Error(ErrorKind::Internal, "http: out of memory building headers");
    (void)header_list.release();
    header_list.reset(next);
  }
  const std::string where = method + " " + printable_url(url);
  HttpResponse response;
  double wait_s = options_.backoff_initial_s;
  for (int attempt = 0;; ++attempt) {
    Attempt a;
    char error_buffer[CURL_ERROR_SIZE] = {0};
    CURL* c = curl.get();
    curl_easy_reset(c);
    curl_easy_setopt(c, CURLOPT_URL, url.c_str());
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, header_list.get());
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, append_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &a.body);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, read_retry_after);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &a.retry_after_s);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error_buffer);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);  // timeouts without SIGALRM: safe in threads
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(options_.timeout_s * 1000));
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(options_.connect_timeout_s * 1000));
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    if (body) {
      curl_easy_setopt(c, CURLOPT_POST, 1L);
      curl_easy_setopt(c, CURLOPT_POSTFIELDS, body->data());
      curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body->size()));
    }
    a.code = curl_easy_perform(c);
    a.curl_error = error_buffer[0] ? error_buffer : curl_easy_strerror(a.code);
    if (a.code == CURLE_OK) curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &a.status);
    response.attempts = attempt + 1;

    const bool connection_failed = a.code != CURLE_OK;
    if (!connection_failed && !is_retryable_status(a.status)) {
      response.status = a.status;
      response.body = std::move(a.body);
      return response;
    }
    const std::string what = connection_failed ? a.curl_error : "HTTP " + std::to_string(a.status);
    if (attempt >= options_.max_retries) {
      if (connection_failed)
        throw data_error("http: " + where + " failed after " + std::to_string(attempt + 1) + " attempt(s): " + what);
      response.status = a.status;
      response.body = std::move(a.body);
      return response;
    }
    double sleep_s = std::min(wait_s, options_.backoff_max_s);
    if (a.retry_after_s >= 0) sleep_s = std::min(std::max(sleep_s, a.retry_after_s), options_.backoff_max_s);
    spdlog::warn("http: {} ({}); retry {}/{} in {:.2f}s", where, what, attempt + 1, options_.max_retries, sleep_s);
    std::this_thread::sleep_for(std::chrono::duration<double>(sleep_s));
    wait_s *= 2;
  }
}

}  // namespace llmedit
