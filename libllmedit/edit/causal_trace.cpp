#include "libllmedit/edit/causal_trace.h"

#include <torch/torch.h>

#include <cmath>
#include <sstream>

#include "libllmedit/core/error.h"
#include "libllmedit/core/interrupt.h"
#include "libllmedit/core/progress.h"
#include "libllmedit/edit/edit_tokens.h"
#include "libllmedit/model/causal_lm.h"
#include "libllmedit/model/weight_names.h"
#include "libllmedit/tokenizer/tokenizer.h"

namespace llmedit {

const char* trace_token_group_name(TraceTokenGroup group) {
  switch (group) {
    case TraceTokenGroup::SubjectFirst: return "first subject token";
    case TraceTokenGroup::SubjectMiddle: return "middle subject tokens";
    case TraceTokenGroup::SubjectLast: return "last subject token";
    case TraceTokenGroup::FirstAfterSubject: return "first subsequent token";
    case TraceTokenGroup::Further: return "further tokens";
    case TraceTokenGroup::Last: return "last token";
  }
  return "";
}

std::vector<TraceTokenGroup> trace_token_groups(int64_t num_tokens, int64_t subject_first, int64_t subject_last) {
  // Tokens before the subject (BOS, a prefix) belong to no group: corrupting the subject cannot
  // reach them in a causal model.
  std::vector<TraceTokenGroup> groups(static_cast<size_t>(num_tokens), TraceTokenGroup::Further);
  for (int64_t t = 0; t < num_tokens; ++t) {
    TraceTokenGroup& g = groups[static_cast<size_t>(t)];
    if (t == num_tokens - 1) g = TraceTokenGroup::Last;
    else if (t == subject_last) g = TraceTokenGroup::SubjectLast;
    else if (t == subject_first) g = TraceTokenGroup::SubjectFirst;
    else if (t > subject_first && t < subject_last) g = TraceTokenGroup::SubjectMiddle;
    else if (t == subject_last + 1) g = TraceTokenGroup::FirstAfterSubject;
  }
  return groups;
}

namespace {

// Where the subject starts: after the tokens of the prompt's text before it.
int64_t subject_first_index(const Tokenizer& tokenizer, const EditRequest& request, int64_t subject_last) {
  std::string prefix = request.prompt.substr(0, request.prompt.find("{}"));
  while (!prefix.empty() && prefix.back() == ' ') prefix.pop_back();
  const auto before = static_cast<int64_t>(tokenizer.encode(prefix, true).size());
  return std::min(before, subject_last);
}

torch::Tensor embedding_matrix(const CausalLM& model) {
  return model.weight(model_weight_names(model.spec().family).embed + ".weight");
}

// One request: the clean prediction's probability, clean and corrupted, and with each
// (layer, token) restored.
struct RequestTrace {
  double clean_p = 0, corrupt_p = 0;
  torch::Tensor restored_p;  // [L, T]
  std::vector<TraceTokenGroup> groups;
  int64_t subject_first = 0;
};

RequestTrace trace_request(CausalLM& model, const Tokenizer& tokenizer, const EditRequest& request, size_t index,
                           const CausalTraceOptions& o, double noise_std, torch::Generator& generator) {
  const std::string where = "request " + std::to_string(index) + " (subject '" + request.subject + "')";
  const std::vector<int64_t> ids = tokenizer.encode(filled_prompt(request), true);
  const auto T = static_cast<int64_t>(ids.size()), L = model.spec().num_layers, N = o.samples;
  const int64_t last = subject_last_index(tokenizer, request.prompt, request.subject, where);
  RequestTrace r;
  r.subject_first = subject_first_index(tokenizer, request, last);
  r.groups = trace_token_groups(T, r.subject_first, last);
  const torch::Device device = model.device();
  const torch::Tensor clean_ids = torch::tensor(ids, torch::kLong).unsqueeze(0).to(device);  // [1, T]

  // Clean run: the prediction o and every layer's activation at the site.
  std::vector<torch::Tensor> clean(static_cast<size_t>(L));  // each [T, D]
  std::vector<HookSet::Handle> handles;
  for (int64_t l = 0; l < L; ++l)
    handles.push_back(model.hooks().add(layer_site(l, o.site.c_str()), [&clean, l](const torch::Tensor& x) {
      clean[static_cast<size_t>(l)] = x[0].clone();
      return torch::Tensor();
    }));
  const torch::Tensor clean_probs = torch::softmax(model.forward(clean_ids).logits[0][T - 1].to(torch::kFloat), -1);
  for (auto h : handles) model.hooks().remove(h);
  const int64_t answer = clean_probs.argmax().item<int64_t>();
  r.clean_p = clean_probs[answer].item<double>();

  // Noise on the subject's embeddings, drawn once per request and shared by every restoration,
  // so effects differ only by what is restored.
  const int64_t S = last - r.subject_first + 1, D = model.spec().hidden_size;
  const torch::Tensor noise =
      (torch::randn({N, S, D}, generator) * noise_std).to(device);  // [N, S, D]
  const auto corrupt = model.hooks().add(layer_site(0, "input"), [&](const torch::Tensor& x) {
    torch::Tensor y = x.clone();
    y.narrow(1, r.subject_first, S).add_(noise.to(y.scalar_type()));
    return y;
  });
  const torch::Tensor batch_ids = clean_ids.expand({N, T});  // [N, T]
  auto answer_p = [&] {
    return torch::softmax(model.forward(batch_ids).logits.select(1, T - 1).to(torch::kFloat), -1)
        .select(1, answer)
        .mean()
        .item<double>();
  };
  r.corrupt_p = answer_p();
  r.restored_p = torch::full({L, T}, r.corrupt_p, torch::kDouble);
  for (int64_t l = 0; l < L; ++l) {
    for (int64_t t = r.subject_first; t < T; ++t) {  // earlier tokens are not corrupted
      if (o.interrupt && o.interrupt->requested()) {
        model.hooks().remove(corrupt);
        throw Interrupted("trace: interrupted");
      }
      const auto restore = model.hooks().add(layer_site(l, o.site.c_str()), [&, l, t](const torch::Tensor& x) {
        torch::Tensor y = x.clone();
        y.select(1, t).copy_(clean[static_cast<size_t>(l)][t].expand({x.size(0), x.size(2)}));
        return y;
      });
      r.restored_p[l][t] = answer_p();
      model.hooks().remove(restore);
    }
  }
  model.hooks().remove(corrupt);
  return r;
}

}  // namespace

CausalTraceResult causal_trace(CausalLM& model, const Tokenizer& tokenizer, const std::vector<EditRequest>& requests,
                               const CausalTraceOptions& o) {
  if (o.samples < 1) throw usage_error("trace: samples must be at least 1, got " + std::to_string(o.samples));
  if (o.site != "output" && o.site != "mlp.output" && o.site != "attn.output")
    throw usage_error("trace: site must be output, mlp.output or attn.output, got '" + o.site + "'");
  for (size_t i = 0; i < requests.size(); ++i) check_edit_request(requests[i], i);
  torch::NoGradGuard no_grad;
  const double noise_std = o.noise_scale * embedding_matrix(model).to(torch::kFloat).std().item<double>();
  torch::Generator generator = at::detail::createCPUGenerator(o.seed);
  const int64_t L = model.spec().num_layers;

  std::array<std::vector<double>, kTraceTokenGroups> sums, counts;
  for (size_t g = 0; g < kTraceTokenGroups; ++g) sums[g] = counts[g] = std::vector<double>(static_cast<size_t>(L), 0.0);
  CausalTraceResult result;
  ProgressBar bar("trace", static_cast<int64_t>(requests.size()), "request", o.progress);
  for (size_t i = 0; i < requests.size(); ++i) {
    const RequestTrace r = trace_request(model, tokenizer, requests[i], i, o, noise_std, generator);
    result.clean_probability += r.clean_p;
    result.corrupt_probability += r.corrupt_p;
    // Mean effect per group within this request first, so long subjects do not count more.
    const auto restored = r.restored_p.accessor<double, 2>();  // [L, T]
    for (size_t g = 0; g < kTraceTokenGroups; ++g) {
      std::vector<double> group_sum(static_cast<size_t>(L), 0.0);
      int64_t n = 0;
      for (size_t t = static_cast<size_t>(r.subject_first); t < r.groups.size(); ++t) {
        if (static_cast<size_t>(r.groups[t]) != g) continue;
        ++n;
        for (int64_t l = 0; l < L; ++l)
          group_sum[static_cast<size_t>(l)] += restored[l][static_cast<int64_t>(t)] - r.corrupt_p;
      }
      if (n == 0) continue;
      for (int64_t l = 0; l < L; ++l) {
        sums[g][static_cast<size_t>(l)] += group_sum[static_cast<size_t>(l)] / static_cast<double>(n);
        counts[g][static_cast<size_t>(l)] += 1;
      }
    }
    bar.update(static_cast<int64_t>(i + 1));
  }
  bar.finish();
  result.requests = static_cast<int64_t>(requests.size());
  if (!requests.empty()) {
    result.clean_probability /= static_cast<double>(requests.size());
    result.corrupt_probability /= static_cast<double>(requests.size());
  }
  for (size_t g = 0; g < kTraceTokenGroups; ++g)
    for (int64_t l = 0; l < L; ++l) {
      const auto k = static_cast<size_t>(l);
      result.effect[g].push_back(counts[g][k] > 0 ? sums[g][k] / counts[g][k] : std::nan(""));
    }
  return result;
}

nlohmann::json CausalTraceResult::to_json() const {
  nlohmann::json groups = nlohmann::json::object();
  for (size_t g = 0; g < kTraceTokenGroups; ++g) {
    nlohmann::json row = nlohmann::json::array();
    for (double e : effect[g]) row.push_back(std::isnan(e) ? nlohmann::json() : nlohmann::json(e));
    groups[trace_token_group_name(static_cast<TraceTokenGroup>(g))] = row;
  }
  return {{"requests", requests},
          {"clean_probability", clean_probability},
          {"corrupt_probability", corrupt_probability},
          {"indirect_effect", groups}};
}

std::string CausalTraceResult::table() const {
  std::ostringstream out;
  const size_t L = effect[0].size();
  out << "| token \\ layer |";
  for (size_t l = 0; l < L; ++l) out << " " << l << " |";
  out << "\n| --- |";
  for (size_t l = 0; l < L; ++l) out << " --- |";
  out << "\n";
  out.setf(std::ios::fixed);
  out.precision(3);
  for (size_t g = 0; g < kTraceTokenGroups; ++g) {
    out << "| " << trace_token_group_name(static_cast<TraceTokenGroup>(g)) << " |";
    for (double e : effect[g]) {
      if (std::isnan(e)) out << " – |";
      else out << " " << e << " |";
    }
    out << "\n";
  }
  return out.str();
}

}  // namespace llmedit
