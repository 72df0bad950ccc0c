// llmedit eval-mc (a config-free shortcut for job "eval" with eval.mc) and llmedit metrics --list.
#include <iostream>

#include "apps/llmedit/commands.h"
#include "libllmedit/core/error.h"
#include "libllmedit/core/interrupt.h"
#include "libllmedit/eval/multiple_choice.h"
#include "libllmedit/eval/temporal_scores.h"
#include "libllmedit/eval/unlearning_eval.h"

namespace llmedit::cli {

namespace {

struct EvalMcOptions {
  std::string model, data, format = "mmlu", output;
  int64_t shots = 0, max_items = 0, batch_size = 8, threads = 0;
};

// The config `llmedit run` would take for the same evaluation; the run folder keeps it as
// config.resolved.json, so the shortcut's runs reproduce with `llmedit run`.
nlohmann::json eval_mc_config(const EvalMcOptions& o) {
  nlohmann::json config = {{"job", "eval"},
                           {"name", "eval-mc"},
                           {"threads", o.threads},
                           {"model", {{"path", o.model}}},
                           {"eval",
                            {{"mc",
                              {{"data", o.data},
                               {"format", o.format},
                               {"shots", o.shots},
                               {"max_items", o.max_items},
                               {"batch_size", o.batch_size}}}}}};
  if (!o.output.empty()) config["output"]["dir"] = o.output;
  return config;
}

void eval_mc_command(const EvalMcOptions& o) {
  const JobRegistry registry = builtin_registry();
  InterruptGuard interrupt;
  print_run_result(run_job(resolve_job_config(eval_mc_config(o), "eval-mc", registry), registry, &interrupt), interrupt);
}

void metrics_command(bool list) {
  if (!list) throw usage_error("metrics: give --list");
  const nlohmann::json groups = {{"unlearning (eval.unlearning)", unlearning_metric_formulas()},
                                 {"multiple choice (eval.mc)", mc_metric_formulas()},
                                 {"temporal (job temporal)", temporal_metric_formulas()}};
  for (const auto& [group, formulas] : groups.items()) {
    std::cout << group << "\n";
    for (const auto& [name, formula] : formulas.items()) std::cout << "  " << name << ": " << formula.get<std::string>() << "\n";
  }
}

}  // namespace

void add_eval_commands(CLI::App& app) {
  auto o = std::make_shared<EvalMcOptions>();
  CLI::App* mc = app.add_subcommand("eval-mc", "multiple-choice accuracy of a model on an MMLU/CMMLU/ArcMMLU folder");
  mc->add_option("--model", o->model, "HF model folder")->required();
  mc->add_option("--data", o->data, "benchmark folder with dev/ and test/ CSVs")->required();
  mc->add_option("--shots", o->shots, "k-shot examples from dev/ (0-5)")->capture_default_str();
  mc->add_option("--format", o->format, "arcmmlu or mmlu")->check(CLI::IsMember({"arcmmlu", "mmlu"}))->capture_default_str();
  mc->add_option("--max-items", o->max_items, "only the first N test rows per subject (0: all)")->capture_default_str();
  mc->add_option("--batch-size", o->batch_size, "prompts per forward pass")->capture_default_str();
  mc->add_option("--threads", o->threads, "CPU threads (0: all cores)")->capture_default_str();
  mc->add_option("--out", o->output, "run folder (default: runs/eval-mc-<time>)");
  mc->callback([o] { eval_mc_command(*o); });

  auto list = std::make_shared<bool>(false);
  CLI::App* metrics = app.add_subcommand("metrics", "what the evaluation metrics compute");
  metrics->add_flag("--list", *list, "every metric with its formula");
  metrics->callback([list] { metrics_command(*list); });
}

}  // namespace llmedit::cli
