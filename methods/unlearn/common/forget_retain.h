// The forget/retain unlearning objectives of DESIGN.md §4, one class for every combination:
//   loss = forget_weight · forget term + retain_weight · CE(retain) + kl_weight · KL(ref‖θ) on retain
// forget term: −CE (gradient ascent), NPO, SimNPO, or +CE on augmented forget items (ReLearn);
// retain terms: none, CE (GDR), KL (KLR) or both (ReLearn's default); optionally with SURE's
// saliency mask. Forget item i is paired with retain item i mod |retain| (as the
// reference code pairs them). Training runs through the shared loop (libllmedit/train/trainer.h).
//
// The reference model (NPO, KLR) is the model with its LoRA adapter disabled. Under full
// fine-tuning (no adapter) a frozen copy of the starting weights serves instead: one more copy
// of every weight in memory (e.g. +13 GiB for a 7B model in bfloat16), besides AdamW's two
// float32 moments per trained weight.
#pragma once
#include <nlohmann/json.hpp>

#include <string>

#include "libllmedit/methods_api/unlearner.h"
#include "libllmedit/train/trainer.h"
#include "methods/unlearn/common/unlearn_losses.h"

namespace llmedit::unlearn {

enum class ForgetTerm { GradientAscent, Npo, SimNpo, Relearn };
enum class RetainTerm { None, Gdr, Klr, GdrKlr };

const char* forget_term_name(ForgetTerm term);  // "ga", "npo", "simnpo", "relearn"
const char* retain_term_name(RetainTerm term);  // "none", "gdr", "klr", "gdr+klr"
inline bool has_retain_ce(RetainTerm t) { return t == RetainTerm::Gdr || t == RetainTerm::GdrKlr; }
inline bool has_retain_kl(RetainTerm t) { return t == RetainTerm::Klr || t == RetainTerm::GdrKlr; }

// The typed options of every forget/retain method; filled from the config only by the readers
// in options.cpp (common) and each family's options.cpp.
struct ForgetRetainOptions {
  std::string name;  // the registered method name, for logs and errors
  ForgetTerm forget = ForgetTerm::GradientAscent;
  RetainTerm retain = RetainTerm::None;
  double forget_weight = 1.0;
  double retain_weight = 1.0;  // CE(retain) (GDR)
  double kl_weight = 1.0;      // KL(ref‖θ) on retain (KLR)
  double beta = 0.1;    // NPO's β (0.1); SimNPO's β (4.5)
  double delta = 0.0;   // SimNPO's margin δ
  KlMask kl_mask = KlMask::Answer;
  bool sure = false;
  double sure_percentile = 99.0;  // rows at or above this percentile of forget-gradient row norms train
  double warmup_epochs = 1.0;     // linear warm-up over this many epochs' steps (at least one step)
  TrainerOptions trainer;         // warmup_steps is derived from warmup_epochs at the start
};

nlohmann::json to_json(const ForgetRetainOptions& options);

class ForgetRetainUnlearner : public Unlearner {
 public:
  explicit ForgetRetainUnlearner(ForgetRetainOptions options) : options_(std::move(options)) {}
  nlohmann::json options_json() const override { return to_json(options_); }
  UnlearnOutcome unlearn(const UnlearnInputs& inputs) override;
  const ForgetRetainOptions& options() const { return options_; }

 private:
  ForgetRetainOptions options_;
};

// The trainer's warm-up: warmup_epochs times the optimizer steps of one epoch, at least one
// step when warmup_epochs > 0 (the reference: warmup_steps = max(1, steps_per_epoch)).
int64_t warmup_steps_for(int64_t num_items, const ForgetRetainOptions& options);

}  // namespace llmedit::unlearn
