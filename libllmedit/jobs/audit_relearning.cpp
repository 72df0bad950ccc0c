#include "libllmedit/jobs/audit_relearning.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <random>

#include "libllmedit/core/error.h"
#include "libllmedit/train/losses.h"

namespace llmedit {

namespace {

// Portable Fisher–Yates (std::shuffle's draws differ between standard libraries).
std::vector<size_t> seeded_order(size_t n, uint64_t seed) {
  std::vector<size_t> order(n);
  for (size_t i = 0; i < n; ++i) order[i] = i;
  std::mt19937_64 rng(seed);
  for (size_t i = n; i > 1; --i) std::swap(order[i - 1], order[rng() % i]);
  return order;
}

}  // namespace

RelearningSplit split_for_relearning(const std::vector<QAItem>& forget, const std::vector<QAItem>& retain,
                                     const RelearningOptions& o) {
  if (forget.size() < 2) throw config_error("audit.relearning needs at least 2 forget items, got " + std::to_string(forget.size()));
  const auto count = std::clamp<int64_t>(std::llround(o.fraction * static_cast<double>(forget.size())), 1,
                                         static_cast<int64_t>(forget.size()) - 1);
  const std::vector<size_t> order = seeded_order(forget.size(), o.seed);
  std::vector<bool> trained(forget.size(), false);
  for (int64_t i = 0; i < count; ++i) trained[order[static_cast<size_t>(i)]] = true;
  RelearningSplit split;
  for (int64_t i = 0; i < count; ++i) split.train.push_back(forget[order[static_cast<size_t>(i)]]);
  for (size_t i = 0; i < forget.size(); ++i)  // in the set's own order
    if (!trained[i]) split.held_out.push_back(forget[i]);
  if (!o.on_retain) return split;
  if (static_cast<int64_t>(retain.size()) < count)
    throw config_error("audit.relearning.data is \"retain\" but the retain set has " + std::to_string(retain.size()) +
                       " items, fewer than the " + std::to_string(count) + " to relearn on");
  split.train.clear();
  for (size_t i : seeded_order(retain.size(), o.seed + 1)) {
    if (static_cast<int64_t>(split.train.size()) == count) break;
    split.train.push_back(retain[i]);
  }
  return split;
}

TrainResult relearn(CausalLM& model, const QACollator& collator, const std::vector<QAItem>& items,
                    const RelearningOptions& o, const std::function<void(const nlohmann::json&)>& log) {
  std::vector<TokenizedQA> tokenized;
  for (const QAItem& item : items) tokenized.push_back(collator.tokenize(item.question, item.answer));
  NamedTensors trainable;
  for (const auto& [name, p] : model.named_weights()) {
    p.set_requires_grad(true);
    trainable.emplace_back(name, p);
  }
  TrainerOptions options;
  options.max_steps = o.steps;
  options.batch_size = std::min<int64_t>(o.batch_size, static_cast<int64_t>(items.size()));
  options.lr = o.learning_rate;
  options.schedule = ScheduleKind::Constant;
  options.seed = o.seed;
  options.log_every = 1;
  TrainerHooks hooks;  // no checkpoints: the audit reruns from the start
  hooks.log = log;
  model.train();
  auto loss_fn = [&](const std::vector<int64_t>& batch_items) {
    std::vector<TokenizedQA> batch;
    for (int64_t i : batch_items) batch.push_back(tokenized[static_cast<size_t>(i)]);
    const QABatch b = collator.collate(batch);
    ForwardOptions forward;
    forward.attention_mask = b.attention_mask.to(model.device());
    const torch::Tensor logits = model.forward(b.input_ids.to(model.device()), forward).logits;  // [B, T, V]
    return MicroBatchLoss{causal_lm_loss(logits, b.labels.to(model.device())), b.attention_mask.sum().item<int64_t>()};
  };
  const TrainResult result = train(trainable, static_cast<int64_t>(items.size()), loss_fn, options, hooks);
  for (const auto& entry : trainable) entry.second.set_requires_grad(false);
  model.eval();
  return result;
}

}  // namespace llmedit
