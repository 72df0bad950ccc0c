// The training loop every method shares: seeded data order, gradient accumulation, clipping,
// AdamW with a schedule, optional bf16 autocast, checkpoints with exact resume, Ctrl-C and
// divergence handling. The caller supplies the loss of a micro-batch of item indices, so
// the same loop serves QA fine-tuning, unlearning objectives and editing.
#pragma once
#include <torch/types.h>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "libllmedit/io/safetensors.h"
#include "libllmedit/train/adamw.h"
#include "libllmedit/train/lr_schedule.h"

namespace llmedit {

class InterruptGuard;

struct TrainerOptions {
  int64_t epochs = 1;
  int64_t max_steps = 0;  // optimizer steps; 0: as many as `epochs` make
  int64_t batch_size = 8;  // items per micro-batch
  int64_t grad_accum = 1;  // micro-batches per optimizer step
  double lr = 1e-4;
  ScheduleKind schedule = ScheduleKind::Linear;
  int64_t warmup_steps = 0;
  AdamWOptions adamw;
  double max_grad_norm = 1.0;  // 0: no clipping
  bool bf16_autocast = false;
  bool shuffle = true;
  // Item lengths (tokens) for length-grouped batches, as transformers' group_by_length: each
  // shuffled run of 50 batches is sorted by length before it is cut, then batch order is
  // shuffled again. Less padding, same items per epoch. Empty: plain shuffled batches.
  std::vector<int64_t> lengths;
  uint64_t seed = 0;
  int64_t checkpoint_every = 0;  // optimizer steps between checkpoints; 0: only at the end
  int64_t keep_checkpoints = 1;  // newest ones kept on disk
  int64_t log_every = 1;
  bool progress = true;
};

struct MicroBatchLoss {
  torch::Tensor loss;  // scalar, the mean over the micro-batch; the trainer scales by 1/grad_accum
  int64_t tokens = 0;  // tokens processed, for the tokens/s column
};

// Items are numbered 0..num_items-1; the callback builds and scores the micro-batch.
using MicroBatchLossFn = std::function<MicroBatchLoss(const std::vector<int64_t>& items)>;

struct TrainerHooks {
  std::string checkpoint_dir;  // "" disables checkpoints (and resume)
  std::function<void(const nlohmann::json&)> log;  // one record per logged step (train_log.jsonl)
  const InterruptGuard* interrupt = nullptr;     // checked after every optimizer step
};

struct TrainResult {
  int64_t steps_done = 0;
  int64_t total_steps = 0;
  int64_t resumed_from = 0;  // step of the checkpoint resumed from, 0 for a fresh start
  double last_loss = 0;
  double seconds = 0;
  bool interrupted = false;  // stopped by Ctrl-C after saving a checkpoint
};

// The micro-batches and optimizer steps the options imply for `num_items` items.
int64_t total_optimizer_steps(int64_t num_items, const TrainerOptions& options);
// Item indices of micro-batch `index` (counted across epochs): epoch e's batches come from a
// shuffle seeded by (seed, e), so any step's data is known without replaying earlier ones.
std::vector<int64_t> micro_batch_items(int64_t index, int64_t num_items, const TrainerOptions& options);

// Trains `parameters` (they must require grad). When hooks.checkpoint_dir holds a checkpoint,
// training resumes from the newest one. A non-finite loss or gradient norm throws a config
// error naming the step and items; the last checkpoint on disk stays as it was.
TrainResult train(const NamedTensors& parameters, int64_t num_items, const MicroBatchLossFn& loss_fn,
                  const TrainerOptions& options, const TrainerHooks& hooks);

// Newest complete checkpoint folder under `checkpoint_dir` ("" when none) and its step.
std::string latest_checkpoint(const std::string& checkpoint_dir, int64_t* step = nullptr);

}  // namespace llmedit
