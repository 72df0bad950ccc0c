// Each command group of the `llmedit` CLI registers its subcommands here.
#pragma once
#include <CLI/CLI.hpp>

#include "libllmedit/jobs/job_registry.h"

namespace llmedit::cli {

void add_model_commands(CLI::App& app);      // info, logits, generate  (cmd_model.cpp)
void add_tokenizer_commands(CLI::App& app);  // tokenize, detokenize, train-tokenizer (cmd_tokenizer.cpp)
void add_world_commands(CLI::App& app);      // world                   (cmd_world.cpp)
void add_run_commands(CLI::App& app);        // run, config explain     (cmd_run.cpp)
void add_serve_commands(CLI::App& app);      // serve                   (cmd_serve.cpp)
void add_stats_commands(CLI::App& app);      // stats                   (cmd_stats.cpp)
void add_trace_commands(CLI::App& app);      // trace                   (cmd_trace.cpp)
void add_eval_commands(CLI::App& app);       // eval-mc, metrics --list (cmd_eval.cpp)
void add_runs_commands(CLI::App& app);       // runs list|show|compare|report (cmd_runs.cpp)
void add_quantize_commands(CLI::App& app);   // quantize (W8A8)          (cmd_quantize.cpp)

// The jobs and methods this program knows (cmd_run.cpp).
JobRegistry builtin_registry();
// Prints the run folder, or the resume hint and exits 130 (SIGINT) or 143 (SIGTERM) when the run
// was interrupted.
void print_run_result(const RunResult& result, const InterruptGuard& interrupt);

// Parses "5,17,3" into ids; throws a usage error naming the option and the bad item.
std::vector<int64_t> parse_id_list(const std::string& option, const std::string& text);

}  // namespace llmedit::cli
