// Entity embeddings and NLI labels from Hugging Face encoder folders (config.json,
// model.safetensors and the tokenizer's files): the BERT sentence encoder (e.g.
// all-MiniLM-L12-v2: mean pooling + L2 normalization, as sentence-transformers) and a BERT,
// RoBERTa or DeBERTa-v2 sequence classifier for NLI (e.g. deberta-v3-base-tasksource-nli), whose
// labels come from its id2label.
#pragma once
#include <torch/types.h>

#include <memory>
#include <string>

#include "libllmedit/eval/nli.h"
#include "libllmedit/eval/text_embedding.h"

namespace llmedit {

struct EncoderScorerOptions {
  int64_t batch_size = 32;
  torch::Device device = torch::kCPU;
};

// Texts longer than the model's limit keep their first tokens and the closing special token. The
// limit is sentence_bert_config.json's max_seq_length when the folder has one (128 for
// all-MiniLM-L12-v2), else max_position_embeddings.
std::unique_ptr<Embedder> load_sentence_encoder(const std::string& path, const EncoderScorerOptions& options = {});

// Premise and hypothesis are encoded as a pair in the tokenizer's own layout ([CLS] A [SEP] B
// [SEP] for BERT); a pair longer than max_position_embeddings is shortened by cutting words off
// the end of the longer text until it fits. A data error when the checkpoint has no classifier
// or no id2label.
std::unique_ptr<NliModel> load_nli_model(const std::string& path, const EncoderScorerOptions& options = {});

}  // namespace llmedit
