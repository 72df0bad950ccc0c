// Placeholder until the world commands land.
#include "apps/llmedit/commands.h"

namespace llmedit::cli {

void add_world_commands(CLI::App& app) {}

}  // namespace llmedit::cli
