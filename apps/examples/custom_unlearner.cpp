// A new unlearning method written outside the library and run through the same job machinery as
// the built-in ones: gradient ascent in which each answer token has its own weight, decay^t for
// the t-th answer token, so the first tokens (where a fact's name starts) are pushed hardest.
//   custom_unlearner MODEL_DIR FORGET_QA_FILE OUT_DIR
// It registers the method as "ga_weighted" beside the built-ins, runs an unlearn job (two
// optimizer steps, LoRA, eight evaluated items) into OUT_DIR and reads the run folder back.
#include <libllmedit/llmedit.h>
#include <methods/register.h>

#include <torch/torch.h>

#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

namespace {

// The method's typed options; only its factory (register_weighted_ascent) fills them.
struct WeightedAscentOptions {
  double learning_rate = 5e-3;
  int64_t max_steps = 2;
  int64_t batch_size = 4;
  double token_decay = 0.7;
  uint64_t seed = 0;
};

// −Σ w·CE / Σ w over the answer tokens of a batch, w = decay^t with t the token's index within
// its answer: minimizing it raises the forget answers' loss, the first tokens most.
torch::Tensor weighted_ascent_loss(const torch::Tensor& logits, const torch::Tensor& labels, double decay) {
  const int64_t T = logits.size(1);
  const torch::Tensor log_probs = logits.narrow(1, 0, T - 1).to(torch::kFloat).log_softmax(2);  // predicts t + 1
  const torch::Tensor targets = labels.narrow(1, 1, T - 1);
  const torch::Tensor answer = targets.ne(llmedit::kIgnoreIndex).to(torch::kFloat);
  const torch::Tensor token_nll = -log_probs.gather(2, targets.clamp_min(0).unsqueeze(2)).squeeze(2);
  const torch::Tensor index_in_answer = (answer.cumsum(1) - 1).clamp_min(0);
  const torch::Tensor weight = torch::pow(decay, index_in_answer) * answer;
  return -(weight * token_nll).sum() / weight.sum().clamp_min(1e-8);
}

class WeightedAscent : public llmedit::Unlearner {
 public:
  explicit WeightedAscent(WeightedAscentOptions options) : options_(options) {}

  nlohmann::json options_json() const override {
    return {{"method", "ga_weighted"},        {"learning_rate", options_.learning_rate},
            {"max_steps", options_.max_steps}, {"per_device_train_batch_size", options_.batch_size},
            {"token_decay", options_.token_decay}, {"seed", options_.seed}};
  }

  llmedit::UnlearnOutcome unlearn(const llmedit::UnlearnInputs& in) override {
    std::vector<llmedit::TokenizedQA> forget;
    for (const llmedit::QAItem& item : *in.forget) forget.push_back(in.collator->tokenize(item.question, item.answer));
    const llmedit::NamedTensors trainable = llmedit::trainable_tensors(*in.model, in.adapter);

    llmedit::UnlearnOutcome outcome;
    llmedit::TrainerHooks hooks;  // the job's checkpoints, train_log.jsonl and Ctrl-C
    hooks.checkpoint_dir = in.hooks.checkpoint_dir;
    hooks.interrupt = in.hooks.interrupt;
    hooks.log = [&](const nlohmann::json& record) {
      outcome.log.push_back(record);
      if (in.hooks.log) in.hooks.log(record);
    };
    in.model->train();
    const llmedit::TrainResult result = llmedit::train(
        trainable, static_cast<int64_t>(forget.size()),
        [&](const std::vector<int64_t>& items) { return micro_batch_loss(*in.model, *in.collator, forget, items); },
        trainer_options(in.hooks.progress), hooks);
    in.model->eval();
    llmedit::release_trainable_tensors(trainable, in.adapter);

    llmedit::record_training(outcome, trainable, result);
    return outcome;
  }

 private:
  llmedit::TrainerOptions trainer_options(bool progress) const {
    llmedit::TrainerOptions t;
    t.max_steps = options_.max_steps;
    t.batch_size = options_.batch_size;
    t.lr = options_.learning_rate;
    t.schedule = llmedit::ScheduleKind::Constant;
    t.seed = options_.seed;
    t.progress = progress;
    return t;
  }

  llmedit::MicroBatchLoss micro_batch_loss(llmedit::CausalLM& model, const llmedit::QACollator& collator,
                                           const std::vector<llmedit::TokenizedQA>& forget,
                                           const std::vector<int64_t>& items) const {
    std::vector<llmedit::TokenizedQA> chosen;
    for (int64_t i : items) chosen.push_back(forget[static_cast<size_t>(i)]);
    const llmedit::QABatch batch = collator.collate(chosen);
    llmedit::ForwardOptions forward;
    forward.attention_mask = batch.attention_mask.to(model.device());
    const torch::Tensor logits = model.forward(batch.input_ids.to(model.device()), forward).logits;
    return {weighted_ascent_loss(logits, batch.labels.to(model.device()), options_.token_decay),
            batch.attention_mask.sum().item<int64_t>()};
  }

  WeightedAscentOptions options_;
};

// Declares the options under "method." (with defaults, so `config explain` and the run's
// config.resolved.json show them) and builds the method from a resolved config.
void register_weighted_ascent(llmedit::MethodRegistry& registry) {
  llmedit::UnlearnerSpec spec;
  spec.name = "ga_weighted";
  spec.help = "gradient ascent with answer token t weighted decay^t";
  spec.declare = [](llmedit::ConfigSchema& s) {
    s.option("method.learning_rate", 5e-3, "AdamW learning rate (constant)");
    s.option("method.max_steps", 2, "optimizer steps");
    s.option("method.per_device_train_batch_size", 4, "forget items per step");
    s.option("method.token_decay", 0.7, "weight of answer token t is token_decay^t, in (0, 1]");
  };
  spec.create = [](const nlohmann::json& c) -> std::unique_ptr<llmedit::Unlearner> {
    WeightedAscentOptions o;
    o.learning_rate = llmedit::config_get<double>(c, "method.learning_rate");
    o.max_steps = llmedit::config_get<int64_t>(c, "method.max_steps");
    o.batch_size = llmedit::config_get<int64_t>(c, "method.per_device_train_batch_size");
    o.token_decay = llmedit::config_get<double>(c, "method.token_decay");
    o.seed = llmedit::config_get<uint64_t>(c, "seed");
    if (!(o.token_decay > 0 && o.token_decay <= 1))
      throw llmedit::config_error("method.token_decay must be in (0, 1], got " + std::to_string(o.token_decay));
    if (o.max_steps < 1 || o.batch_size < 1)
      throw llmedit::config_error("method.max_steps and method.per_device_train_batch_size must be at least 1");
    return std::make_unique<WeightedAscent>(o);
  };
  registry.add(std::move(spec));
}

// What a JSON config file would hold; every other option keeps its default.
nlohmann::json unlearn_config(const std::string& model, const std::string& forget, const std::string& out) {
  return {{"job", "unlearn"},
          {"name", "ga_weighted"},
          {"seed", 1},
          {"threads", 1},
          {"model", {{"path", model}}},
          {"data", {{"forget", {forget}}, {"max_length", 128}}},
          {"method", {{"name", "ga_weighted"}}},
          {"eval", {{"max_items", 8}, {"batch_size", 8}}},
          {"output", {{"dir", out}}}};
}

nlohmann::json read_json(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw llmedit::data_error(path + ": cannot open");
  return nlohmann::json::parse(in);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::cerr << "usage: custom_unlearner MODEL_DIR FORGET_QA_FILE OUT_DIR\n";
    return 2;
  }
  try {
    llmedit::JobRegistry jobs;
    llmedit::register_builtin_jobs(jobs);
    llmedit::register_builtin_methods(jobs.methods());
    register_weighted_ascent(jobs.methods());

    const llmedit::LoadedConfig config = llmedit::resolve_job_config(unlearn_config(argv[1], argv[2], argv[3]),
                                                                     "custom_unlearner", jobs);
    const llmedit::InterruptGuard interrupt;
    const llmedit::RunResult run = llmedit::run_job(config, jobs, &interrupt);

    const llmedit::RunFolder folder = llmedit::RunFolder::open(run.dir);
    std::cout << "run folder: " << folder.dir() << "\n";
    for (const nlohmann::json& record : folder.train_log())
      std::cout << "step " << record.at("step") << " loss " << record.at("loss") << "\n";
    const nlohmann::json forget_loss = read_json(folder.path("metrics.json")).at("answer_loss").at("forget");
    std::cout << "forget answer loss: " << forget_loss.at("before") << " -> " << forget_loss.at("after") << "\n";
  } catch (const llmedit::Error& e) {
    std::cerr << "custom_unlearner: " << e.what() << "\n";
    return e.exit_code();
  } catch (const std::exception& e) {  // e.g. malformed JSON read back
    std::cerr << "custom_unlearner: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
