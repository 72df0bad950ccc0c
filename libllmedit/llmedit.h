// The public C++ API of llmedit in one include: everything a research program needs to load a
// model, generate, score answers, train with its own loss, register a method and run jobs.
// It only gathers the module headers below (which carry the details); nothing is redefined.
#pragma once

/// \mainpage llmedit C++ API
///
/// Link the CMake package (`find_package(llmedit REQUIRED)`, targets `llmedit::llmedit` and
/// `llmedit::methods`) and include `<libllmedit/llmedit.h>`; `methods/register.h` adds the
/// built-in methods. Everything is in namespace `llmedit`. Errors are `llmedit::Error` with one
/// line naming the file, key or value; `Error::exit_code()` is 2 for what a user can fix.
///
/// | task | API | header |
/// | --- | --- | --- |
/// | load a model and tokenizer from a folder | `load_pretrained()` (or `load_causal_lm()`, `load_tokenizer()`, `ChatTemplate::for_tokenizer()`) | `libllmedit/api/pretrained.h` |
/// | forward pass, logits, hidden states | `CausalLM::forward()` | `libllmedit/model/causal_lm.h` |
/// | read or change activations | `CausalLM::hooks()`, `read_hook()`, `ScopedHook`, sites `layers.{i}.mlp.output`, ... | `libllmedit/model/hooks.h` |
/// | generate | `generate()` with `GenerationOptions` (greedy, temperature, top-k, top-p, seed) | `libllmedit/generate/generator.h` |
/// | prompt format (BOS + question in the chat template, answer + EOS) | `QACollator` | `libllmedit/train/qa_collator.h` |
/// | score answers | `answer_logprobs()` per token, `answer_nll()` per answer | `libllmedit/eval/answer_logprobs.h`, `libllmedit/eval/answer_likelihood.h` |
/// | train with a loss callback | `train()` with a `MicroBatchLossFn`, `trainable_tensors()`, `causal_lm_loss()` | `libllmedit/train/trainer.h` |
/// | LoRA adapters (PEFT layout) | `LoraAdapter::attach()`, `save_peft()`, `merge()` | `libllmedit/model/lora.h` |
/// | QA data, edit requests | `read_qa_file()`, `read_counterfact_file()`, `EditRequest` | `libllmedit/data/qa_dataset.h`, `libllmedit/data/counterfact.h` |
/// | write a method | implement `Unlearner` or `Editor`, register an `UnlearnerSpec` / `EditorSpec` | `libllmedit/methods_api/method_registry.h` |
/// | build a registered method from code | `make_unlearner()`, `make_editor()` | `libllmedit/methods_api/method_from_options.h` |
/// | report what a training-based unlearner trained | `record_training()` | `libllmedit/methods_api/training_outcome.h` |
/// | the built-in methods (`llmedit::methods`) | `register_builtin_methods()` | `methods/register.h` |
/// | run a job from a config object | `register_builtin_jobs()`, `resolve_job_config()`, `run_job()` | `libllmedit/jobs/job_registry.h` |
/// | read and write run folders | `RunFolder::open()`, `RunFolder::create()`, `train_log()`, `write_metrics()` | `libllmedit/report/run_folder.h` |
/// | ROME/MEMIT building blocks | `subject_last_index()`, `continuation_log_probs()`, `mlp_out_weight_name()`, `activations_at()` | `libllmedit/edit/edit_tokens.h`, `libllmedit/edit/mlp_layer.h` |
///
/// Worked examples: `apps/examples/` (`custom_unlearner.cpp`, `edit_and_probe.cpp`,
/// `score_answers.cpp`), installed to `share/llmedit/examples`.
///
/// Installed headers: this one and `methods/register.h`, plus every header they include,
/// directly or not (`cmake/public_header_closure.cmake`). A header no public header reaches is
/// an internal helper and is not installed; to publish one, include it here.

#include "libllmedit/api/pretrained.h"
#include "libllmedit/core/config.h"
#include "libllmedit/core/error.h"
#include "libllmedit/core/interrupt.h"
#include "libllmedit/core/runtime.h"
#include "libllmedit/data/counterfact.h"
#include "libllmedit/data/qa_dataset.h"
#include "libllmedit/edit/edit_tokens.h"
#include "libllmedit/edit/mlp_layer.h"
#include "libllmedit/eval/answer_likelihood.h"
#include "libllmedit/eval/answer_logprobs.h"
#include "libllmedit/generate/generator.h"
#include "libllmedit/jobs/job_registry.h"
#include "libllmedit/methods_api/method_from_options.h"
#include "libllmedit/methods_api/method_registry.h"
#include "libllmedit/methods_api/training_outcome.h"
#include "libllmedit/model/causal_lm.h"
#include "libllmedit/model/hooks.h"
#include "libllmedit/model/loader.h"
#include "libllmedit/model/lora.h"
#include "libllmedit/report/run_folder.h"
#include "libllmedit/tokenizer/chat_template.h"
#include "libllmedit/tokenizer/tokenizer.h"
#include "libllmedit/train/losses.h"
#include "libllmedit/train/qa_collator.h"
#include "libllmedit/train/trainable_tensors.h"
#include "libllmedit/train/trainer.h"
