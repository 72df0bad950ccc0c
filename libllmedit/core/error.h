// Typed errors. Every message is one line that names the file, field or key and the value.
#pragma once
#include <stdexcept>
#include <string>

namespace llmedit {

enum class ErrorKind {
  Usage,     // bad command-line use
  Config,    // a config value is wrong
  Data,      // an input file is missing, malformed or inconsistent
  Internal,  // a bug or an unexpected runtime failure
};

class Error : public std::runtime_error {
 public:
  Error(ErrorKind kind, const std::string& message) : std::runtime_error(message), kind_(kind) {}
  ErrorKind kind() const { return kind_; }
  // Usage, config and data errors exit with 2 (the user can fix them); the rest with 1.
  int exit_code() const { return kind_ == ErrorKind::Internal ? 1 : 2; }

 private:
  ErrorKind kind_;
};

inline Error usage_error(const std::string& message) { return Error(ErrorKind::Usage, message); }
inline Error config_error(const std::string& message) { return Error(ErrorKind::Config, message); }
inline Error data_error(const std::string& message) { return Error(ErrorKind::Data, message); }

}  // namespace llmedit
