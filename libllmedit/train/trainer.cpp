#include "libllmedit/train/trainer.h"

#include <ATen/autocast_mode.h>
#include <torch/version.h>
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <random>

#include "libllmedit/core/atomic_file.h"
#include "libllmedit/core/error.h"
#include "libllmedit/core/interrupt.h"
#include "libllmedit/core/logging.h"
#include "libllmedit/core/progress.h"
#include "libllmedit/core/remove_tree.h"

namespace llmedit {

namespace fs = std::filesystem;

namespace {

int64_t micro_batches_per_epoch(int64_t num_items, const TrainerOptions& o) {
  return (num_items + o.batch_size - 1) / o.batch_size;
}

// Fisher-Yates with our own index draw: std::shuffle's use of the generator is
// implementation-defined, and the order must be the same on every build.
template <typename T>
void seeded_shuffle(std::vector<T>& values, std::mt19937_64& rng) {
  for (size_t i = values.size(); i > 1; --i) std::swap(values[i - 1], values[rng() % i]);
}

std::vector<std::vector<int64_t>> epoch_batches(int64_t epoch, int64_t num_items, const TrainerOptions& o) {
  std::vector<int64_t> order(static_cast<size_t>(num_items));
  for (int64_t i = 0; i < num_items; ++i) order[i] = i;
  std::mt19937_64 rng(o.seed * 0x9E3779B97F4A7C15ULL + static_cast<uint64_t>(epoch));
  if (o.shuffle) seeded_shuffle(order, rng);
  const bool grouped = !o.lengths.empty();
  if (grouped) {
    const auto mega = static_cast<std::ptrdiff_t>(o.batch_size * 50);
    for (std::ptrdiff_t begin = 0; begin < static_cast<std::ptrdiff_t>(order.size()); begin += mega) {
      const auto end = std::min(order.end(), order.begin() + begin + mega);
      std::stable_sort(order.begin() + begin, end, [&](int64_t a, int64_t b) { return o.lengths[a] > o.lengths[b]; });
    }
  }
  std::vector<std::vector<int64_t>> batches;
  for (size_t begin = 0; begin < order.size(); begin += static_cast<size_t>(o.batch_size))
    batches.emplace_back(order.begin() + begin, order.begin() + std::min(order.size(), begin + o.batch_size));
  if (grouped && o.shuffle) seeded_shuffle(batches, rng);
  return batches;
}

// Turns on CPU/CUDA autocast to bfloat16 for its lifetime. LibTorch 2.4 replaced the per-device
// setters (set_enabled, set_cpu_enabled, ...) by ones that take the device type.
class Bf16Autocast {
 public:
  explicit Bf16Autocast(bool enabled, torch::Device device) : enabled_(enabled), device_(device.type()) {
    if (!enabled_) return;
    set_enabled(true);
    at::autocast::increment_nesting();
  }
  ~Bf16Autocast() {
    if (!enabled_) return;
    if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
    set_enabled(false);
  }

 private:
  void set_enabled(bool on) const {
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
    at::autocast::set_autocast_enabled(device_, on);
    if (on) at::autocast::set_autocast_dtype(device_, at::kBFloat16);
#else
    if (device_ == torch::kCUDA) {
      at::autocast::set_enabled(on);
      if (on) at::autocast::set_autocast_gpu_dtype(at::kBFloat16);
    } else {
      at::autocast::set_cpu_enabled(on);
      if (on) at::autocast::set_autocast_cpu_dtype(at::kBFloat16);
    }
#endif
  }

  bool enabled_;
  torch::DeviceType device_;
};

std::string step_folder_name(int64_t step) {
  char name[32];
  std::snprintf(name, sizeof(name), "step-%08lld", static_cast<long long>(step));
  return name;
}

// Written into a hidden temp folder, then renamed: a folder named step-* is always complete.
void save_checkpoint(const std::string& dir, int64_t step, const NamedTensors& parameters, const AdamW& optimizer,
                     double loss, int64_t keep) {
  const fs::path final_dir = fs::path(dir) / step_folder_name(step);
  const fs::path temp_dir = fs::path(dir) / (".tmp-" + step_folder_name(step));
  remove_tree(temp_dir.string());
  try {
    fs::create_directories(temp_dir);
    NamedTensors detached;
    for (const auto& [name, p] : parameters) detached.emplace_back(name, p.detach());
    write_safetensors((temp_dir / "trainable.safetensors").string(), detached);
    write_safetensors((temp_dir / "optimizer.safetensors").string(), optimizer.state());
    const nlohmann::json state = {{"step", step}, {"optimizer_steps", optimizer.steps_taken()}, {"loss", loss}};
    write_text_atomic((temp_dir / "trainer_state.json").string(), state.dump(2) + "\n");
  } catch (...) {
    // A full disk: the half-written folder goes, so the space it took is free again and the
    // previous checkpoint stays the newest one.
    try_remove_tree(temp_dir.string());
    throw;
  }
  remove_tree(final_dir.string());
  fs::rename(temp_dir, final_dir);
  // Older checkpoints go only after the new one is complete.
  std::vector<fs::path> all;
  for (const auto& entry : fs::directory_iterator(dir))
    if (entry.is_directory() && entry.path().filename().string().rfind("step-", 0) == 0) all.push_back(entry.path());
  std::sort(all.begin(), all.end());
  for (size_t i = 0; i + static_cast<size_t>(std::max<int64_t>(1, keep)) < all.size(); ++i) remove_tree(all[i].string());
}

int64_t load_checkpoint(const std::string& folder, const NamedTensors& parameters, AdamW& optimizer) {
  const nlohmann::json state = nlohmann::json::parse(read_text_file(folder + "/trainer_state.json"));
  const std::string weights_file = folder + "/trainable.safetensors";
  SafetensorsReader weights(weights_file);
  torch::NoGradGuard no_grad;
  for (const auto& [name, p] : parameters) {
    if (!weights.contains(name)) throw data_error(weights_file + ": checkpoint lacks parameter '" + name + "'");
    torch::Tensor saved = weights.load(name);
    if (saved.sizes() != p.sizes())
      throw data_error(weights_file + ": parameter '" + name + "' has shape " + c10::str(saved.sizes()) +
                       ", the model has " + c10::str(p.sizes()));
    p.copy_(saved);
  }
  const std::string optimizer_file = folder + "/optimizer.safetensors";
  SafetensorsReader moments(optimizer_file);
  NamedTensors tensors;
  for (const auto& e : moments.entries()) tensors.emplace_back(e.name, moments.load(e.name));
  optimizer.load_state(tensors, state.at("optimizer_steps").get<int64_t>(), optimizer_file);
  return state.at("step").get<int64_t>();
}

std::string join_items(const std::vector<int64_t>& items) {
  std::string out;
  for (size_t i = 0; i < items.size() && i < 16; ++i) out += (i ? ", " : "") + std::to_string(items[i]);
  if (items.size() > 16) out += ", ...";
  return out;
}

void check_options(int64_t num_items, const TrainerOptions& o) {
  if (num_items <= 0) throw data_error("nothing to train on: the training set is empty");
  if (o.batch_size <= 0) throw config_error("train.batch_size must be positive, got " + std::to_string(o.batch_size));
  if (o.grad_accum <= 0) throw config_error("train.grad_accum must be positive, got " + std::to_string(o.grad_accum));
  if (o.epochs <= 0 && o.max_steps <= 0)
    throw config_error("train.epochs or train.max_steps must be positive, got " + std::to_string(o.epochs) + " and " +
                       std::to_string(o.max_steps));
  if (!o.lengths.empty() && static_cast<int64_t>(o.lengths.size()) != num_items)
    throw Error(ErrorKind::Internal, "TrainerOptions::lengths has " + std::to_string(o.lengths.size()) + " entries for " +
                                         std::to_string(num_items) + " items");
  if (!(o.lr >= 0)) throw config_error("train.lr must be non-negative, got " + std::to_string(o.lr));
}

}  // namespace

int64_t total_optimizer_steps(int64_t num_items, const TrainerOptions& o) {
  if (o.max_steps > 0) return o.max_steps;
  const int64_t micro = o.epochs * micro_batches_per_epoch(num_items, o);
  return (micro + o.grad_accum - 1) / o.grad_accum;
}

std::vector<int64_t> micro_batch_items(int64_t index, int64_t num_items, const TrainerOptions& o) {
  const int64_t per_epoch = micro_batches_per_epoch(num_items, o);
  return epoch_batches(index / per_epoch, num_items, o)[static_cast<size_t>(index % per_epoch)];
}

std::string latest_checkpoint(const std::string& checkpoint_dir, int64_t* step) {
  std::string best;
  if (checkpoint_dir.empty() || !fs::is_directory(checkpoint_dir)) return best;
  for (const auto& entry : fs::directory_iterator(checkpoint_dir)) {
    const std::string name = entry.path().filename().string();
    if (entry.is_directory() && name.rfind("step-", 0) == 0 && name > fs::path(best).filename().string())
      best = entry.path().string();
  }
  if (step && !best.empty()) *step = std::stoll(fs::path(best).filename().string().substr(5));
  return best;
}

TrainResult train(const NamedTensors& parameters, int64_t num_items, const MicroBatchLossFn& loss_fn,
                  const TrainerOptions& options, const TrainerHooks& hooks) {
  check_options(num_items, options);
  for (const auto& [name, p] : parameters)
    if (!p.requires_grad()) throw Error(ErrorKind::Internal, "trainable parameter '" + name + "' does not require grad");
  AdamW optimizer(parameters, options.adamw);
  TrainResult result;
  result.total_steps = total_optimizer_steps(num_items, options);
  const LrSchedule schedule{options.schedule, options.lr, options.warmup_steps, result.total_steps};

  const std::string resume_from = latest_checkpoint(hooks.checkpoint_dir);
  if (!resume_from.empty()) {
    result.resumed_from = load_checkpoint(resume_from, parameters, optimizer);
    spdlog::info("resuming from {} (step {} of {})", resume_from, result.resumed_from, result.total_steps);
  }
  if (!hooks.checkpoint_dir.empty()) fs::create_directories(hooks.checkpoint_dir);
  const torch::Device device = parameters.empty() ? torch::Device(torch::kCPU) : parameters.front().second.device();

  ProgressBar bar("train", result.total_steps, "step", options.progress);
  const auto start = std::chrono::steady_clock::now();
  int64_t step = result.resumed_from;
  double loss_value = 0;
  while (step < result.total_steps) {
    const auto step_start = std::chrono::steady_clock::now();
    // Dropout and any other torch randomness depend only on (seed, step): resume stays exact.
    torch::manual_seed(options.seed * 1000003ULL + static_cast<uint64_t>(step));
    optimizer.zero_grad();
    double loss_sum = 0;
    int64_t tokens = 0;
    std::vector<int64_t> step_items;  // named when the gradient turns out not finite
    for (int64_t a = 0; a < options.grad_accum; ++a) {
      const std::vector<int64_t> items = micro_batch_items(step * options.grad_accum + a, num_items, options);
      step_items.insert(step_items.end(), items.begin(), items.end());
      MicroBatchLoss micro;
      {
        Bf16Autocast autocast(options.bf16_autocast, device);
        micro = loss_fn(items);
      }
      const double value = micro.loss.item<double>();
      if (!std::isfinite(value))
        throw config_error("training stopped: the loss is " + std::to_string(value) + " at step " +
                           std::to_string(step + 1) + ", micro-batch " + std::to_string(a + 1) + " of " +
                           std::to_string(options.grad_accum) + " (items " + join_items(items) +
                           "); the last good checkpoint is kept; try a lower train.lr");
      (micro.loss / static_cast<double>(options.grad_accum)).backward();
      loss_sum += value;
      tokens += micro.tokens;
    }
    std::vector<torch::Tensor> grads;
    for (const auto& [name, p] : parameters) grads.push_back(p);
    const double grad_norm = options.max_grad_norm > 0
                                 ? torch::nn::utils::clip_grad_norm_(grads, options.max_grad_norm)
                                 : torch::nn::utils::clip_grad_norm_(grads, std::numeric_limits<double>::infinity());
    if (!std::isfinite(grad_norm))
      throw config_error("training stopped: the gradient norm is " + std::to_string(grad_norm) + " at step " +
                         std::to_string(step + 1) + " (items " + join_items(step_items) +
                         "); the last good checkpoint is kept; try a lower train.lr");
    const double lr = schedule.at(step);
    optimizer.step(lr);
    ++step;
    loss_value = loss_sum / static_cast<double>(options.grad_accum);
    const double step_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - step_start).count();
    if (hooks.log && (step % std::max<int64_t>(1, options.log_every) == 0 || step == result.total_steps)) {
      const int64_t per_epoch = micro_batches_per_epoch(num_items, options);
      hooks.log({{"step", step},
                 {"epoch", static_cast<double>(step * options.grad_accum) / static_cast<double>(per_epoch)},
                 {"loss", loss_value},
                 {"lr", lr},
                 {"grad_norm", grad_norm},
                 {"tokens_per_s", step_seconds > 0 ? static_cast<double>(tokens) / step_seconds : 0.0}});
    }
    char status[48];
    std::snprintf(status, sizeof(status), "loss %.4f", loss_value);
    bar.update(step, status);
    const bool interrupted = hooks.interrupt && hooks.interrupt->requested();
    const bool periodic = options.checkpoint_every > 0 && step % options.checkpoint_every == 0;
    if (!hooks.checkpoint_dir.empty() && (periodic || interrupted || step == result.total_steps))
      save_checkpoint(hooks.checkpoint_dir, step, parameters, optimizer, loss_value, options.keep_checkpoints);
    if (interrupted && step < result.total_steps) {
      result.interrupted = true;
      break;
    }
  }
  bar.finish();
  result.steps_done = step;
  result.last_loss = loss_value;
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return result;
}

}  // namespace llmedit
