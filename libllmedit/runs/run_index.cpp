#include "libllmedit/runs/run_index.h"

#include <sqlite3.h>

#include <chrono>
#include <ctime>
#include <filesystem>
#include <thread>

#include "libllmedit/core/error.h"

namespace llmedit {

namespace fs = std::filesystem;

namespace {

// Long enough for another process's whole transaction (a few rows) even on a loaded machine.
constexpr int kBusyTimeoutMs = 30000;

const char* kSchema = R"(
CREATE TABLE IF NOT EXISTS runs (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  dir TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  job TEXT NOT NULL,
  config_hash TEXT NOT NULL,
  status TEXT NOT NULL,
  started_at TEXT NOT NULL,
  ended_at TEXT NOT NULL DEFAULT '',
  metrics TEXT NOT NULL DEFAULT '{}'
))";

// A prepared statement, finalized when it goes out of scope.
class Statement {
 public:
  Statement(sqlite3* db, const std::string& sql, const std::string& index_path) : db_(db), path_(index_path) {
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt_, nullptr) != SQLITE_OK) fail("prepare");
  }
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  Statement& bind(int position, const std::string& text) {
    sqlite3_bind_text(stmt_, position, text.c_str(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Statement& bind(int position, int64_t value) {
    sqlite3_bind_int64(stmt_, position, value);
    return *this;
  }
  // True while rows come; false when done.
  bool step() {
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc != SQLITE_DONE) fail("step");
    return false;
  }
  std::string text(int column) const {
    const unsigned char* value = sqlite3_column_text(stmt_, column);
    return value ? reinterpret_cast<const char*>(value) : "";
  }
  int64_t integer(int column) const { return sqlite3_column_int64(stmt_, column); }

 private:
  [[noreturn]] void fail(const char* what) const {
    throw data_error(path_ + ": run index " + what + " failed (" + sqlite3_errmsg(db_) + ")");
  }
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
  std::string path_;
};

const char* kColumns = "id, dir, name, job, config_hash, status, started_at, ended_at, metrics";

IndexedRun read_row(const Statement& s) {
  IndexedRun run;
  run.id = s.integer(0);
  run.dir = s.text(1);
  run.name = s.text(2);
  run.job = s.text(3);
  run.config_hash = s.text(4);
  run.status = s.text(5);
  run.started_at = s.text(6);
  run.ended_at = s.text(7);
  run.metrics = nlohmann::json::parse(s.text(8), nullptr, false);
  if (run.metrics.is_discarded()) run.metrics = nlohmann::json::object();
  return run;
}

bool all_digits(const std::string& text) {
  if (text.empty()) return false;
  for (char c : text)
    if (c < '0' || c > '9') return false;
  return true;
}

}  // namespace

std::string index_dir_key(const std::string& dir) { return fs::absolute(dir).lexically_normal().string(); }

std::string utc_timestamp_now() {
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text;
}

std::string default_index_path(const std::string& output_root) { return output_root + "/index.sqlite"; }

RunIndex::RunIndex(const std::string& path) : path_(path) {
  const fs::path parent = fs::path(path).parent_path();
  std::error_code ec;
  if (!parent.empty()) fs::create_directories(parent, ec);
  if (ec) throw data_error(path + ": cannot create the run index's folder (" + ec.message() + ")");
  if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                      nullptr) != SQLITE_OK) {
    const std::string message = db_ ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    throw data_error(path + ": cannot open the run index (" + message + ")");
  }
  // The timeout first: switching to WAL itself waits for other writers.
  sqlite3_busy_timeout(db_, kBusyTimeoutMs);
  try {
    execute("PRAGMA journal_mode=WAL");
    execute(kSchema);
  } catch (...) {
    sqlite3_close(db_);
    throw;
  }
}

RunIndex::~RunIndex() { sqlite3_close(db_); }

void RunIndex::execute(const std::string& sql) const {
  // Two connections setting up a new index at once both read and then upgrade their lock; SQLite
  // answers one of them "busy" at once instead of calling the busy handler, which could deadlock
  // (sqlite3_busy_handler's documentation), so the setup itself waits and retries.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(kBusyTimeoutMs);
  for (;;) {
    char* message = nullptr;
    const int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &message);
    if (rc == SQLITE_OK) return;
    const std::string text = message ? message : sqlite3_errmsg(db_);
    sqlite3_free(message);
    if ((rc & 0xff) != SQLITE_BUSY || std::chrono::steady_clock::now() > deadline)
      throw data_error(path_ + ": run index: " + text);
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

int64_t RunIndex::record_start(const RunStart& start) {
  // One statement, so a concurrent writer never sees half a registration.
  Statement s(db_,
              "INSERT INTO runs (dir, name, job, config_hash, status, started_at) VALUES (?1, ?2, ?3, ?4, 'running', ?5) "
              "ON CONFLICT(dir) DO UPDATE SET name = ?2, job = ?3, config_hash = ?4, status = 'running', "
              "started_at = ?5, ended_at = '' RETURNING id",
              path_);
  s.bind(1, index_dir_key(start.dir)).bind(2, start.name).bind(3, start.job).bind(4, start.config_hash);
  s.bind(5, utc_timestamp_now());
  if (!s.step()) throw data_error(path_ + ": run index: no id returned for " + start.dir);
  const int64_t id = s.integer(0);
  while (s.step()) {
  }
  return id;
}

void RunIndex::record_end(const std::string& dir, const std::string& status, const nlohmann::json& metrics) {
  Statement s(db_, "UPDATE runs SET status = ?1, ended_at = ?2, metrics = ?3 WHERE dir = ?4", path_);
  s.bind(1, status).bind(2, utc_timestamp_now()).bind(3, metrics.dump()).bind(4, index_dir_key(dir));
  s.step();
}

std::vector<IndexedRun> RunIndex::list() const {
  Statement s(db_, std::string("SELECT ") + kColumns + " FROM runs ORDER BY id", path_);
  std::vector<IndexedRun> runs;
  while (s.step()) runs.push_back(read_row(s));
  return runs;
}

std::optional<IndexedRun> RunIndex::find(const std::string& id_or_dir) const {
  const bool by_id = all_digits(id_or_dir);
  Statement s(db_, std::string("SELECT ") + kColumns + " FROM runs WHERE " + (by_id ? "id = ?1" : "dir = ?1"), path_);
  if (by_id) s.bind(1, static_cast<int64_t>(std::stoll(id_or_dir)));
  else s.bind(1, index_dir_key(id_or_dir));
  if (!s.step()) return std::nullopt;
  return read_row(s);
}

}  // namespace llmedit
