// llmedit trace: ROME's causal tracing (libllmedit/edit/causal_trace.h) over CounterFact-layout
// requests, so a model can be checked for where it recalls facts before it is edited.
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <iostream>

#include "apps/llmedit/commands.h"
#include "libllmedit/core/atomic_file.h"
#include "libllmedit/core/error.h"
#include "libllmedit/core/interrupt.h"
#include "libllmedit/core/runtime.h"
#include "libllmedit/data/counterfact.h"
#include "libllmedit/edit/causal_trace.h"
#include "libllmedit/model/loader.h"
#include "libllmedit/tokenizer/tokenizer.h"

namespace llmedit::cli {

namespace {

struct TraceArgs {
  std::string model, requests, dtype = "float32", tokenizer, out;
  int64_t max_requests = 20;
  CausalTraceOptions trace;
  int threads = 0;
};

void run_trace(TraceArgs& a) {
  set_num_threads(a.threads);
  if (a.max_requests < 0) throw usage_error("--max-requests must be non-negative, got " + std::to_string(a.max_requests));
  std::vector<EditRequest> requests;
  for (const CounterFactCase& c : read_counterfact_file(a.requests)) requests.push_back(c.requested_rewrite);
  if (a.max_requests > 0 && static_cast<int64_t>(requests.size()) > a.max_requests)
    requests.resize(static_cast<size_t>(a.max_requests));
  LoadOptions load;
  load.dtype = parse_dtype(a.dtype);
  auto model = load_causal_lm(a.model, load);
  auto tokenizer = load_tokenizer(a.tokenizer.empty() ? a.model : a.tokenizer);
  InterruptGuard interrupt;
  a.trace.interrupt = &interrupt;
  CausalTraceResult result;
  try {
    result = causal_trace(*model, *tokenizer, requests, a.trace);
  } catch (const Interrupted& stop) {
    std::cerr << "llmedit: " << stop.what() << "; nothing was written" << std::endl;
    std::exit(interrupt.exit_code());
  }
  std::cout << "Indirect effect of restoring `" << a.trace.site << "` (mean over " << result.requests
            << " requests; P(o) clean " << result.clean_probability << ", subject corrupted "
            << result.corrupt_probability << ")\n\n"
            << result.table();
  if (!a.out.empty()) {
    nlohmann::json j = result.to_json();
    j["site"] = a.trace.site;
    j["noise_scale"] = a.trace.noise_scale;
    j["samples"] = a.trace.samples;
    j["model"] = a.model;
    write_file_atomic(a.out, [&](std::ostream& os) { os << j.dump(2) << "\n"; });
  }
}

}  // namespace

void add_trace_commands(CLI::App& app) {
  auto a = std::make_shared<TraceArgs>();
  CLI::App* cmd = app.add_subcommand(
      "trace", "Causal tracing (ROME §2.1): which layer and token carry a fact, by corrupting the subject and "
               "restoring one state at a time");
  cmd->add_option("--model,model", a->model, "Hugging Face folder or llama2.c .bin file")->required();
  cmd->add_option("--requests", a->requests, "CounterFact-layout JSON file (the filled prompts are traced)")->required();
  cmd->add_option("--max-requests", a->max_requests, "trace the first N requests (0: all)")->capture_default_str();
  cmd->add_option("--site", a->trace.site, "what is restored: output (residual stream), mlp.output or attn.output")
      ->capture_default_str();
  cmd->add_option("--samples", a->trace.samples, "corrupted runs per request")->capture_default_str();
  cmd->add_option("--noise", a->trace.noise_scale, "noise std in units of the embedding matrix's std")->capture_default_str();
  cmd->add_option("--seed", a->trace.seed, "noise seed")->capture_default_str();
  cmd->add_option("--dtype", a->dtype, "compute dtype: float32, bfloat16, float16")->capture_default_str();
  cmd->add_option("--tokenizer", a->tokenizer, "tokenizer folder or file (default: the model folder)");
  cmd->add_option("--out", a->out, "also write the result as JSON to this file");
  cmd->add_option("--threads", a->threads, "CPU threads (0 = all cores)")->capture_default_str();
  cmd->callback([a] { run_trace(*a); });
}

}  // namespace llmedit::cli
