// llmedit: the command line. Each subcommand lives in a cmd_*.cpp file.
#include <c10/util/Exception.h>

#include <iostream>

#include "apps/llmedit/commands.h"
#include "libllmedit/core/error.h"
#include "libllmedit/core/logging.h"

namespace llmedit::cli {

std::vector<int64_t> parse_id_list(const std::string& option, const std::string& text) {
  std::vector<int64_t> ids;
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    if (comma == std::string::npos) comma = text.size();
    const std::string item = text.substr(start, comma - start);
    size_t used = 0;
    long long value = 0;
    try {
      value = std::stoll(item, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (item.empty() || used != item.size() || value < 0)
      throw usage_error(option + ": '" + item + "' is not a non-negative integer id (in '" + text + "')");
    ids.push_back(value);
    start = comma + 1;
  }
  return ids;
}

}  // namespace llmedit::cli

int main(int argc, char** argv) {
  CLI::App app{"llmedit: change what a language model knows, and measure what changed"};
  app.require_subcommand(1);
  std::string log_level = "warn";
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error or off")->capture_default_str();
  app.parse_complete_callback([&] { llmedit::init_logging(log_level); });
  llmedit::cli::add_model_commands(app);
  llmedit::cli::add_tokenizer_commands(app);
  llmedit::cli::add_world_commands(app);
  llmedit::cli::add_run_commands(app);
  llmedit::cli::add_serve_commands(app);
  llmedit::cli::add_stats_commands(app);
  llmedit::cli::add_trace_commands(app);
  llmedit::cli::add_eval_commands(app);
  llmedit::cli::add_runs_commands(app);
  llmedit::cli::add_quantize_commands(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    // One line like every other error (CLI11's own report adds "Run with --help ..." on a second).
    std::cerr << "llmedit: error: " << e.what() << " (see --help)" << std::endl;
    return 2;
  } catch (const llmedit::Error& e) {
    std::cerr << "llmedit: error: " << e.what() << std::endl;
    return e.exit_code();
  } catch (const c10::Error& e) {
    std::cerr << "llmedit: internal error: " << e.what_without_backtrace() << std::endl;
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "llmedit: internal error: " << e.what() << std::endl;
    return 1;
  }
  return 0;
}
