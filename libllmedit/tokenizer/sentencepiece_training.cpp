#include "libllmedit/tokenizer/sentencepiece_training.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>

#include "libllmedit/core/atomic_file.h"
#include "libllmedit/core/error.h"
#include "libllmedit/data/qa_dataset.h"
#include "libllmedit/data/text_corpus.h"
#include "libllmedit/tokenizer/sentencepiece_processor.h"

namespace llmedit {

namespace fs = std::filesystem;

namespace {

bool is_qa_file(const std::string& path) {
  const std::string ext = fs::path(path).extension().string();
  return ext == ".json" || ext == ".jsonl";
}

// The trainer reads one sentence per line: every document line, question and answer. Built in
// memory so that every input is read (and may be refused) before anything is written.
std::string training_text(const std::vector<std::string>& inputs) {
  std::string out;
  auto put = [&](const std::string& text) {
    std::string line;
    for (char ch : text) line += (ch == '\n' || ch == '\r') ? ' ' : ch;
    if (!line.empty()) out += line + '\n';
  };
  for (const std::string& input : inputs) {
    if (is_qa_file(input)) {
      for (const QAItem& item : read_qa_file(input)) {
        put(item.question);
        put(item.answer);
        for (const std::string& q : item.paraphrased_questions) put(q);
      }
    } else {
      for (const std::string& document : read_text_corpus(input)) put(document);
    }
  }
  return out;
}

}  // namespace

void train_sentencepiece_tokenizer(const SentencePieceTrainOptions& options, const std::string& out_dir) {
  if (options.inputs.empty()) throw usage_error("train-tokenizer: give at least one --input file");
  if (options.vocab_size < 16) throw usage_error("--vocab-size must be at least 16, got " + std::to_string(options.vocab_size));
  if (options.model_type != "bpe" && options.model_type != "unigram")
    throw usage_error("--model-type must be bpe or unigram, got '" + options.model_type + "'");
  const std::string training = training_text(options.inputs);
  fs::create_directories(out_dir);
  const std::string text = out_dir + "/.tokenizer-training.txt";
  const std::string prefix = out_dir + "/.tokenizer-training";
  {
    std::ofstream out(text, std::ios::binary);
    out << training;
    if (!out) throw data_error(text + ": cannot write the tokenizer training text");
  }
  // identity normalization keeps text exactly as written; one thread keeps the result the
  // same on every machine.
  const std::string flags = "--input=" + text + " --model_prefix=" + prefix +
                            " --vocab_size=" + std::to_string(options.vocab_size) + " --model_type=" + options.model_type +
                            " --character_coverage=1.0 --byte_fallback=true --split_digits=true"
                            " --normalization_rule_name=identity --remove_extra_whitespaces=false"
                            " --unk_id=0 --bos_id=1 --eos_id=2 --pad_id=-1 --hard_vocab_limit=false"
                            " --num_threads=1";
  try {
    train_sentencepiece(flags);
  } catch (...) {
    fs::remove(text);
    throw;
  }
  fs::remove(text);
  fs::remove(prefix + ".vocab");
  fs::rename(prefix + ".model", out_dir + "/tokenizer.model");
  const nlohmann::json config = {{"tokenizer_class", "LlamaTokenizer"},
                                 {"bos_token", "<s>"},
                                 {"eos_token", "</s>"},
                                 {"unk_token", "<unk>"},
                                 {"add_bos_token", true},
                                 {"add_eos_token", false},
                                 {"model_max_length", 1024}};
  write_text_atomic(out_dir + "/tokenizer_config.json", config.dump(2) + "\n");
}

}  // namespace llmedit
