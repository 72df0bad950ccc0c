// llmedit tokenize / detokenize (placeholder until the tokenizer module lands).
#include "apps/llmedit/commands.h"

namespace llmedit::cli {

void add_tokenizer_commands(CLI::App& app) { (void)app; }

}  // namespace llmedit::cli
