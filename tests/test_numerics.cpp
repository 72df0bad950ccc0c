// Numerical faults: a non-finite gradient stops training naming the step and its items (and
// keeps the last checkpoint), bf16 training keeps AdamW's moments in float32, and empty
// generations never divide by zero in the Linguistic Score (BI and HS as the reference defines
// them, PPL skipped and counted).
#include <torch/torch.h>

#include <catch2/catch.hpp>

#include <cmath>
#include <filesystem>

#include "libllmedit/core/error.h"
#include "libllmedit/eval/linguistic_score.h"
#include "libllmedit/io/safetensors.h"
#include "libllmedit/model/loader.h"
#include "libllmedit/tokenizer/tokenizer.h"
#include "libllmedit/train/qa_collator.h"
#include "libllmedit/train/trainer.h"
#include "tests/fixtures.h"

using namespace llmedit;
using llmedit::test::kWorldModel;
using llmedit::test::TempDir;
namespace fs = std::filesystem;

namespace {

TrainerOptions quiet_options() {
  TrainerOptions o;
  o.batch_size = 2;
  o.lr = 1e-2;
  o.max_steps = 6;
  o.progress = false;
  o.seed = 5;
  return o;
}

// A least-squares problem on one weight matrix: item i asks w·x_i to be y_i.
struct Regression {
  torch::Tensor x = torch::randn({8, 4}, torch::TensorOptions().dtype(torch::kFloat32));
  torch::Tensor y = torch::randn({8, 4});
  MicroBatchLoss loss(const torch::Tensor& w, const std::vector<int64_t>& items) const {
    const torch::Tensor index = torch::tensor(items, torch::kLong);
    const torch::Tensor predicted = torch::matmul(x.index_select(0, index), w.to(torch::kFloat32).t());
    return {(predicted - y.index_select(0, index)).pow(2).mean(), static_cast<int64_t>(items.size())};
  }
};

}  // namespace

TEST_CASE("a non-finite gradient stops training naming the step and its items, keeping the checkpoint", "[numerics]") {
  TempDir dir("numerics-grad");
  torch::manual_seed(1);
  const Regression problem;
  torch::Tensor w = torch::randn({4, 4}).set_requires_grad(true);
  int calls = 0;
  auto loss_fn = [&](const std::vector<int64_t>& items) {
    MicroBatchLoss l = problem.loss(w, items);
    // On the third step the loss stays finite (+0) but its gradient is not: d/dw sqrt(|w - w|) = NaN.
    if (++calls == 3) l.loss = l.loss + torch::sqrt(torch::abs(w - w.detach()).sum());
    return l;
  };
  TrainerOptions o = quiet_options();
  o.checkpoint_every = 1;
  TrainerHooks hooks;
  hooks.checkpoint_dir = dir.path + "/checkpoints";
  try {
    train({{"w", w}}, 8, loss_fn, o, hooks);
    FAIL("expected an error");
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::Config);  // exit code 2
    CHECK(e.exit_code() == 2);
    const std::vector<int64_t> items = micro_batch_items(2, 8, o);
    CHECK_THAT(e.what(), Catch::Contains("gradient norm is") && Catch::Contains("nan at step 3") &&
                             Catch::Contains("items " + std::to_string(items[0]) + ", " + std::to_string(items[1])));
  }
  int64_t step = 0;
  CHECK_FALSE(latest_checkpoint(hooks.checkpoint_dir, &step).empty());
  CHECK(step == 2);
  for (const auto& entry : fs::directory_iterator(hooks.checkpoint_dir))
    CHECK(entry.path().filename().string().rfind("step-", 0) == 0);  // nothing half-written beside it
}

TEST_CASE("a non-finite loss names the step, the micro-batch and its items", "[numerics]") {
  torch::manual_seed(2);
  const Regression problem;
  torch::Tensor w = torch::randn({4, 4}).set_requires_grad(true);
  int calls = 0;
  auto loss_fn = [&](const std::vector<int64_t>& items) {
    MicroBatchLoss l = problem.loss(w, items);
    if (++calls == 4) l.loss = l.loss * std::numeric_limits<double>::infinity();
    return l;
  };
  TrainerOptions o = quiet_options();
  o.grad_accum = 2;
  try {
    train({{"w", w}}, 8, loss_fn, o, {});
    FAIL("expected an error");
  } catch (const Error& e) {
    CHECK(e.exit_code() == 2);
    CHECK_THAT(e.what(), Catch::Contains("loss is inf at step 2, micro-batch 2 of 2 (items "));
  }
}

TEST_CASE("bf16 training keeps AdamW's moments in float32, in memory and in checkpoints", "[numerics]") {
  TempDir dir("numerics-bf16");
  torch::manual_seed(3);
  const Regression problem;
  torch::Tensor w = torch::randn({4, 4}).to(torch::kBFloat16).set_requires_grad(true);
  const torch::Tensor start = w.detach().clone();
  TrainerOptions o = quiet_options();
  o.bf16_autocast = true;
  TrainerHooks hooks;
  hooks.checkpoint_dir = dir.path + "/checkpoints";
  const TrainResult result = train({{"w", w}}, 8, [&](const std::vector<int64_t>& items) { return problem.loss(w, items); }, o, hooks);
  CHECK(result.steps_done == 6);
  CHECK(w.scalar_type() == torch::kBFloat16);  // the weights keep their dtype
  CHECK_FALSE(torch::equal(w.detach(), start));

  const std::string checkpoint = latest_checkpoint(hooks.checkpoint_dir);
  REQUIRE_FALSE(checkpoint.empty());
  SafetensorsReader moments(checkpoint + "/optimizer.safetensors");
  REQUIRE(moments.entries().size() == 2);
  for (const auto& entry : moments.entries()) {
    INFO(entry.name);
    CHECK(moments.load(entry.name).scalar_type() == torch::kFloat32);
  }
  // A second-moment estimate a bf16 tensor would round away (bf16 keeps 8 bits of mantissa).
  const torch::Tensor v = moments.load("exp_avg_sq.w");
  CHECK(torch::equal(v, v.to(torch::kBFloat16).to(torch::kFloat32)) == false);

  AdamW direct({{"w", w}}, {});
  for (const auto& [name, t] : direct.state()) CHECK(t.scalar_type() == torch::kFloat32);
}

TEST_CASE("empty generations: BI and HS as the reference defines them, PPL skipped and counted", "[numerics]") {
  // zjunlp/unlearn evals/evaluate.py: BI = 1000 for a response without tokens, HS = 0 for N <= 1.
  const std::vector<std::string> none = lexical_tokens("");
  CHECK(none.empty());
  CHECK(brunet_index(none) == 1000.0);
  CHECK(honore_statistic(none) == 0.0);
  CHECK(honore_statistic(lexical_tokens("word")) == 0.0);

  auto model = load_causal_lm(kWorldModel);
  auto tokenizer = load_tokenizer(kWorldModel);
  const QACollator collator(*tokenizer, ChatTemplate::for_tokenizer(kWorldModel));
  const std::vector<AnswerNll> nll =
      response_nll(*model, collator, {"Who is Calia Yarwick?", "Where does Calia Yarwick live?"}, {"", "At 140 Lantern Row."}, 2);
  REQUIRE(nll.size() == 2);
  CHECK(nll[0].tokens == 0);
  CHECK(std::isnan(perplexity(nll[0])));  // no token scored: no perplexity, not exp(0/0)
  CHECK(std::isfinite(perplexity(nll[1])));

  // One empty and one real response: PPL is the real one's, the empty one counted as dropped.
  const std::vector<double> ppl = {perplexity(nll[0]), perplexity(nll[1])};
  const std::vector<std::string> texts = {"", "At 140 Lantern Row."};
  std::vector<double> bi, hs;
  for (const std::string& text : texts) {
    bi.push_back(brunet_index(lexical_tokens(text)));
    hs.push_back(honore_statistic(lexical_tokens(text)));
  }
  const LinguisticSummary mixed = summarize_linguistics(ppl, bi, hs);
  CHECK(mixed.ppl == Approx(ppl[1]));
  CHECK(mixed.ppl_dropped == 1);
  CHECK(mixed.responses == 2);
  CHECK(mixed.bi == Approx((1000.0 + bi[1]) / 2));
  CHECK(std::isfinite(mixed.ls));

  // Only empty responses, and no responses at all: LS is 0, nothing is NaN or infinite.
  const LinguisticSummary empty = summarize_linguistics({ppl[0], ppl[0]}, {1000.0, 1000.0}, {0.0, 0.0});
  CHECK(empty.ppl_dropped == 2);
  CHECK(empty.ls == 0.0);
  const LinguisticSummary nothing = summarize_linguistics({}, {}, {});
  CHECK(nothing.responses == 0);
  CHECK(nothing.ls == 0.0);
}
