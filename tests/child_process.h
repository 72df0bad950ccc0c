// A child `llmedit` process for tests that signal it or load it while it works: started with
// fork/exec, its stdout and stderr written to files, reaped with a deadline.
#pragma once
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fcntl.h>
#include <fstream>
#include <functional>
#include <iterator>
#include <string>
#include <thread>
#include <vector>

namespace llmedit::test {

// Polls `ready` every 5 ms until it holds or `seconds` pass; returns whether it held.
inline bool wait_until(const std::function<bool()>& ready, double seconds) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (!ready()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

class ChildProcess {
 public:
  // Runs LLMEDIT_CLI_PATH with `args`; stdout and stderr go to `log_prefix`.out / .err. With
  // `max_file_bytes`, no file it writes may grow past that size (a write beyond fails with EFBIG,
  // as a full disk fails with ENOSPC).
  ChildProcess(const std::vector<std::string>& args, const std::string& log_prefix, rlim_t max_file_bytes = 0)
      : out_path_(log_prefix + ".out"), err_path_(log_prefix + ".err") {
    pid_ = ::fork();
    if (pid_ == 0) {
      redirect(out_path_, STDOUT_FILENO);
      redirect(err_path_, STDERR_FILENO);
      if (max_file_bytes > 0) {
        ::signal(SIGXFSZ, SIG_IGN);  // an error return, not a killed process
        const rlimit limit{max_file_bytes, max_file_bytes};
        ::setrlimit(RLIMIT_FSIZE, &limit);
      }
      std::vector<char*> argv{const_cast<char*>(LLMEDIT_CLI_PATH)};
      for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
      argv.push_back(nullptr);
      ::execv(LLMEDIT_CLI_PATH, argv.data());
      ::_exit(127);
    }
  }
  ~ChildProcess() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  bool started() const { return pid_ > 0; }
  void send(int signal) const { ::kill(pid_, signal); }
  // Still running (not exited, not reaped)?
  bool running() {
    if (pid_ <= 0) return false;
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == 0) return true;
    exit_code_ = decode(status);
    pid_ = -1;
    return false;
  }
  // The exit code (128 + N when killed by signal N), or -1 when it ran past `seconds` (then it
  // is killed).
  int wait(double seconds) {
    if (pid_ > 0 && !wait_until([this] { return !running(); }, seconds)) return -1;
    return exit_code_;
  }
  std::string out() const { return slurp(out_path_); }
  std::string err() const { return slurp(err_path_); }

 private:
  static void redirect(const std::string& path, int target) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) ::dup2(fd, target);
  }
  static int decode(int status) { return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status); }
  static std::string slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }

  pid_t pid_ = -1;
  int exit_code_ = -1;
  std::string out_path_, err_path_;
};

}  // namespace llmedit::test
