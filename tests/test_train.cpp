// The training core: AdamW against LibTorch's own, schedules, QA collation, the loop's loss,
// exact resume after an interrupt, and divergence handling.
#include <torch/torch.h>

#include <catch2/catch.hpp>

#include <csignal>
#include <filesystem>

#include "libllmedit/core/error.h"
#include "libllmedit/core/interrupt.h"
#include "libllmedit/model/causal_lm.h"
#include "libllmedit/model/init_weights.h"
#include "libllmedit/train/adamw.h"
#include "libllmedit/train/losses.h"
#include "libllmedit/train/lr_schedule.h"
#include "libllmedit/train/qa_collator.h"
#include "libllmedit/train/trainer.h"
#include "libllmedit/tokenizer/tokenizer.h"
#include "tests/fixtures.h"

using namespace llmedit;
using llmedit::test::TempDir;

namespace {

std::shared_ptr<CausalLM> micro_model(uint64_t seed = 3) {
  const nlohmann::json config = {{"architectures", {"LlamaForCausalLM"}}, {"model_type", "llama"}, {"vocab_size", 40},
                                 {"hidden_size", 32}, {"intermediate_size", 64}, {"num_hidden_layers", 2},
                                 {"num_attention_heads", 4}, {"num_key_value_heads", 2}, {"max_position_embeddings", 64}};
  const ArchSpec spec = ArchSpec::from_config(config, "micro");
  return std::make_shared<CausalLM>(spec, config, init_weights(spec, 0.02, seed), "micro");
}

NamedTensors trainable(CausalLM& model) {
  NamedTensors out;
  for (const auto& [name, p] : model.named_weights()) {
    p.set_requires_grad(true);
    out.emplace_back(name, p);
  }
  return out;
}

// 12 fixed sequences of 10 tokens with a learnable pattern (each token = previous + 1 mod 40).
torch::Tensor micro_data() {
  torch::Tensor start = torch::arange(12, torch::kLong).unsqueeze(1) * 3;  // [12, 1]
  return (start + torch::arange(10, torch::kLong).unsqueeze(0)) % 40;       // [12, 10]
}

MicroBatchLossFn lm_loss(CausalLM& model, const torch::Tensor& data) {
  return [&model, data](const std::vector<int64_t>& items) {
    torch::Tensor ids = data.index_select(0, torch::tensor(items, torch::kLong));  // [B, 10]
    return MicroBatchLoss{causal_lm_loss(model.forward(ids).logits, ids), ids.numel()};
  };
}

TrainerOptions quiet_options() {
  TrainerOptions o;
  o.batch_size = 4;
  o.lr = 3e-3;
  o.epochs = 4;
  o.progress = false;
  o.seed = 7;
  return o;
}

}  // namespace

TEST_CASE("AdamW matches LibTorch's torch::optim::AdamW step for step", "[train]") {
  torch::manual_seed(0);
  torch::Tensor w = torch::randn({5, 4});
  torch::Tensor b = torch::randn({4});
  torch::Tensor w_ref = w.clone().set_requires_grad(true), b_ref = b.clone().set_requires_grad(true);
  w.set_requires_grad(true);
  b.set_requires_grad(true);
  AdamW ours({{"w", w}, {"b", b}}, {0.9, 0.95, 1e-8, 0.1});
  // LibTorch decays every tensor it is given: give it the 1-D bias in a group without decay.
  std::vector<torch::optim::OptimizerParamGroup> groups;
  groups.emplace_back(std::vector<torch::Tensor>{w_ref},
                      std::make_unique<torch::optim::AdamWOptions>(torch::optim::AdamWOptions(0.01).betas({0.9, 0.95}).weight_decay(0.1)));
  groups.emplace_back(std::vector<torch::Tensor>{b_ref},
                      std::make_unique<torch::optim::AdamWOptions>(torch::optim::AdamWOptions(0.01).betas({0.9, 0.95}).weight_decay(0.0)));
  torch::optim::AdamW reference(groups, torch::optim::AdamWOptions(0.01));
  torch::Tensor x = torch::randn({3, 5});
  for (int step = 0; step < 5; ++step) {
    ours.zero_grad();
    reference.zero_grad();
    (torch::tanh(x.matmul(w) + b).pow(2).sum()).backward();
    (torch::tanh(x.matmul(w_ref) + b_ref).pow(2).sum()).backward();
    ours.step(0.01);
    reference.step();
  }
  CHECK((w - w_ref).abs().max().item<double>() < 1e-6);
  CHECK((b - b_ref).abs().max().item<double>() < 1e-6);
  CHECK(ours.steps_taken() == 5);
}

TEST_CASE("learning-rate schedules follow transformers' formulas", "[train]") {
  LrSchedule linear{ScheduleKind::Linear, 1.0, 10, 110};
  CHECK(linear.at(0) == 0.0);
  CHECK(linear.at(5) == Approx(0.5));
  CHECK(linear.at(10) == Approx(1.0));
  CHECK(linear.at(60) == Approx(0.5));
  CHECK(linear.at(110) == Approx(0.0));
  LrSchedule cosine{ScheduleKind::Cosine, 2.0, 0, 100};
  CHECK(cosine.at(0) == Approx(2.0));
  CHECK(cosine.at(50) == Approx(1.0));
  CHECK(cosine.at(100) == Approx(0.0).margin(1e-12));
  LrSchedule constant{ScheduleKind::Constant, 0.3, 4, 100};
  CHECK(constant.at(2) == Approx(0.15));
  CHECK(constant.at(99) == Approx(0.3));
  CHECK_THROWS_WITH(parse_schedule("cosine_with_restarts"), Catch::Contains("train.schedule"));
}

TEST_CASE("data order is seeded, covers every item once per epoch, and differs between epochs", "[train]") {
  TrainerOptions o = quiet_options();
  o.batch_size = 5;
  std::vector<int64_t> epoch0, epoch1;
  for (int64_t m = 0; m < 3; ++m)
    for (int64_t i : micro_batch_items(m, 13, o)) epoch0.push_back(i);
  for (int64_t m = 3; m < 6; ++m)
    for (int64_t i : micro_batch_items(m, 13, o)) epoch1.push_back(i);
  CHECK(epoch0.size() == 13);
  std::vector<int64_t> sorted = epoch0;
  std::sort(sorted.begin(), sorted.end());
  for (int64_t i = 0; i < 13; ++i) CHECK(sorted[i] == i);
  CHECK(epoch0 != epoch1);
  CHECK(micro_batch_items(4, 13, o) == micro_batch_items(4, 13, o));
  CHECK(total_optimizer_steps(13, o) == 4 * 3);
  o.grad_accum = 2;
  CHECK(total_optimizer_steps(13, o) == 6);
}

TEST_CASE("training lowers the loss on a fixed tiny batch, in float32 and with bf16 autocast", "[train]") {
  const bool bf16 = GENERATE(false, true);
  INFO("bf16 autocast " << bf16);
  auto model = micro_model();
  const torch::Tensor data = micro_data();
  auto loss_fn = lm_loss(*model, data);
  const std::vector<int64_t> all = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11};
  const double before = loss_fn(all).loss.item<double>();
  TrainerOptions o = quiet_options();
  o.epochs = 30;
  o.bf16_autocast = bf16;
  bool saw_bf16 = false;
  auto probing_loss = [&](const std::vector<int64_t>& items) {
    MicroBatchLoss l = loss_fn(items);
    // Under autocast a float32 matrix product comes out in bfloat16.
    saw_bf16 = saw_bf16 || torch::mm(torch::ones({2, 2}), torch::ones({2, 2})).scalar_type() == torch::kBFloat16;
    return l;
  };
  const TrainResult result = train(trainable(*model), 12, probing_loss, o, {});
  CHECK(saw_bf16 == bf16);
  // Switched off after training: a float32 product is float32 again.
  CHECK(torch::mm(torch::ones({2, 2}), torch::ones({2, 2})).scalar_type() == torch::kFloat32);
  CHECK(model->named_weights()[0].second.scalar_type() == torch::kFloat32);
  const double after = loss_fn(all).loss.item<double>();
  CHECK(result.steps_done == 90);
  CHECK(before > 3.0);        // ~ln(40) at initialization
  CHECK(after < before / 4);  // the pattern is learnable
}

TEST_CASE("a run interrupted and resumed ends bitwise equal to an uninterrupted one", "[train]") {
  TempDir dir("resume");
  const torch::Tensor data = micro_data();
  TrainerOptions o = quiet_options();
  o.grad_accum = 2;
  o.max_grad_norm = 0.5;
  o.warmup_steps = 2;

  auto straight = micro_model();
  train(trainable(*straight), 12, lm_loss(*straight, data), o, {});

  auto interrupted = micro_model();
  std::vector<nlohmann::json> log;
  {
    InterruptGuard guard;
    TrainerHooks hooks;
    hooks.checkpoint_dir = dir.path + "/checkpoints";
    hooks.interrupt = &guard;
    auto base_loss = lm_loss(*interrupted, data);
    int calls = 0;
    auto loss_fn = [&](const std::vector<int64_t>& items) {
      if (++calls == 5) std::raise(SIGINT);  // Ctrl-C during step 3 (2 micro-batches per step)
      return base_loss(items);
    };
    const TrainResult first = train(trainable(*interrupted), 12, loss_fn, o, hooks);
    CHECK(first.interrupted);
    CHECK(first.steps_done == 3);
  }
  int64_t step = 0;
  CHECK_FALSE(latest_checkpoint(dir.path + "/checkpoints", &step).empty());
  CHECK(step == 3);

  auto resumed = micro_model();  // fresh weights: everything must come from the checkpoint
  TrainerHooks hooks;
  hooks.checkpoint_dir = dir.path + "/checkpoints";
  const TrainResult second = train(trainable(*resumed), 12, lm_loss(*resumed, data), o, hooks);
  CHECK(second.resumed_from == 3);
  CHECK(second.steps_done == total_optimizer_steps(12, o));
  for (size_t i = 0; i < straight->named_weights().size(); ++i) {
    INFO(straight->named_weights()[i].first);
    CHECK(torch::equal(straight->named_weights()[i].second, resumed->named_weights()[i].second));
  }
}

TEST_CASE("a non-finite loss stops training naming the step and items, keeping the checkpoint", "[train]") {
  TempDir dir("diverge");
  auto model = micro_model();
  const torch::Tensor data = micro_data();
  auto base = lm_loss(*model, data);
  int calls = 0;
  auto loss_fn = [&](const std::vector<int64_t>& items) {
    MicroBatchLoss l = base(items);
    if (++calls == 4) l.loss = l.loss * std::numeric_limits<double>::quiet_NaN();
    return l;
  };
  TrainerOptions o = quiet_options();
  o.checkpoint_every = 2;
  TrainerHooks hooks;
  hooks.checkpoint_dir = dir.path + "/checkpoints";
  try {
    train(trainable(*model), 12, loss_fn, o, hooks);
    FAIL("expected an error");
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::Config);
    CHECK_THAT(e.what(), Catch::Contains("nan at step 4") && Catch::Contains("items ") && Catch::Contains("train.lr"));
  }
  int64_t step = 0;
  latest_checkpoint(dir.path + "/checkpoints", &step);
  CHECK(step == 2);
}

TEST_CASE("QA collation: BOS, template, answer + EOS, prompt masked, padding sides, truncation", "[train]") {
  test::require_shared_or_skip("fixtures/tokenizers/llama3");
  const std::string path = test::shared_path("fixtures/tokenizers/llama3");
  auto tokenizer = load_tokenizer(path);
  QACollator right(*tokenizer, ChatTemplate::by_name("qa"));
  const TokenizedQA item = right.tokenize("Where was Mira born?", "In Tarvesk.");
  REQUIRE(item.ids.size() > 4);
  CHECK(item.ids.front() == tokenizer->bos_id());  // the llama3 tokenizer adds none itself
  CHECK(item.ids.back() == tokenizer->eos_id());
  CHECK(tokenizer->decode(std::vector<int64_t>(item.ids.begin() + 1, item.ids.begin() + item.prompt_length)) ==
        "Question: Where was Mira born?\nAnswer:");
  CHECK(tokenizer->decode(std::vector<int64_t>(item.ids.begin() + item.prompt_length, item.ids.end() - 1)) == " In Tarvesk.");

  const TokenizedQA shorter = right.tokenize("Who?", "Mira.");
  QABatch batch = right.collate({item, shorter});
  const int64_t T = batch.input_ids.size(1);
  CHECK(T == static_cast<int64_t>(item.ids.size()));
  CHECK(batch.attention_mask[1].sum().item<int64_t>() == static_cast<int64_t>(shorter.ids.size()));
  CHECK(batch.attention_mask[1][T - 1].item<int64_t>() == 0);  // right padding
  CHECK(batch.labels[1][T - 1].item<int64_t>() == kIgnoreIndex);
  for (int64_t t = 0; t < shorter.prompt_length; ++t) CHECK(batch.labels[1][t].item<int64_t>() == kIgnoreIndex);
  CHECK(batch.labels[1][shorter.prompt_length].item<int64_t>() == shorter.ids[shorter.prompt_length]);

  QACollatorOptions left_options;
  left_options.left_padding = true;
  QACollator left(*tokenizer, ChatTemplate::by_name("qa"), left_options);
  batch = left.collate({item, shorter});
  CHECK(batch.attention_mask[1][0].item<int64_t>() == 0);
  CHECK(batch.input_ids[1][T - 1].item<int64_t>() == tokenizer->eos_id());

  QACollatorOptions tight;
  tight.max_length = 8;
  QACollator truncating(*tokenizer, ChatTemplate::by_name("qa"), tight);
  const TokenizedQA cut = truncating.tokenize("A very long question that goes on and on and on?", "Yes.");
  CHECK(cut.ids.size() == 8);
  CHECK(cut.ids.front() == tokenizer->bos_id());
  CHECK(cut.ids.back() == tokenizer->eos_id());
  // The answer survives whole; the prompt lost its start, not its end.
  CHECK(tokenizer->decode(std::vector<int64_t>(cut.ids.begin() + cut.prompt_length, cut.ids.end() - 1)) == " Yes.");
  CHECK(tokenizer->decode({cut.ids[cut.prompt_length - 1]}) == ":");
}

TEST_CASE("length-grouped batches keep every item once per epoch and batch similar lengths", "[train]") {
  TrainerOptions o = quiet_options();
  o.batch_size = 4;
  for (int64_t i = 0; i < 28; ++i) o.lengths.push_back(i % 7);
  std::vector<int64_t> seen;
  for (int64_t m = 0; m < 7; ++m) {
    const std::vector<int64_t> batch = micro_batch_items(m, 28, o);
    REQUIRE(batch.size() == 4);
    // 28 items fit one 50-batch group: sorted by length, each batch holds one length.
    for (int64_t i : batch) CHECK(o.lengths[i] == o.lengths[batch[0]]);
    seen.insert(seen.end(), batch.begin(), batch.end());
  }
  std::sort(seen.begin(), seen.end());
  for (int64_t i = 0; i < 28; ++i) CHECK(seen[i] == i);
}
