// Placeholder until the run commands land.
#include "apps/llmedit/commands.h"

namespace llmedit::cli {

void add_run_commands(CLI::App& app) {}

}  // namespace llmedit::cli
