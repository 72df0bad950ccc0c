// A small HTTP(S) client over libcurl, for OpenAI-compatible endpoints: JSON bodies, a timeout
// per attempt, and retries with exponential backoff on connection errors, 429 and 5xx.
//
// Secrets: headers are given as name/value pairs and only ever reach libcurl; no error
// message, log line or exception names a header's value (the API key travels in one).
#pragma once
#include <string>
#include <utility>
#include <vector>

namespace llmedit {

struct HttpClientOptions {
  double timeout_s = 120.0;         // one attempt, connection to last byte
  double connect_timeout_s = 10.0;  // connecting alone
  int max_retries = 4;              // attempts after the first
  double backoff_initial_s = 1.0;   // wait before the first retry; doubles each retry
  double backoff_max_s = 30.0;      // cap on one wait (also on a server's Retry-After)
};

struct HttpResponse {
  long status = 0;
  std::string body;
  int attempts = 0;  // requests sent, retries included
};

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

class HttpClient {
 public:
  explicit HttpClient(HttpClientOptions options = {});

  // Returns the final response, whatever its status (after retries for 429 and 5xx). Throws a
  // data error naming the URL when no response came back after every retry.
  HttpResponse get(const std::string& url, const HttpHeaders& headers = {}) const;
  HttpResponse post_json(const std::string& url, const std::string& body, const HttpHeaders& headers = {}) const;

  const HttpClientOptions& options() const { return options_; }

 private:
  HttpResponse send(const std::string& method, const std::string& url, const std::string* body, const HttpHeaders& headers) const;
  HttpClientOptions options_;
};

// Whether a status is worth retrying: 408, 429 and 5xx.
bool is_retryable_status(long status);

}  // namespace llmedit
