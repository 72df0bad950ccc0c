// libsentencepiece's processor, reached through the dlopen'ed llmedit_sentencepiece module
// (see sentencepiece_module/module.cpp for why it cannot be linked directly).
#pragma once
#include <memory>
#include <string>
#include <vector>

namespace llmedit {

struct SentencePieceModule;

class SentencePieceProcessor {
 public:
  // Throws a data error naming `model_file` when the module or the model cannot be loaded.
  explicit SentencePieceProcessor(const std::string& model_file);
  ~SentencePieceProcessor();
  SentencePieceProcessor(const SentencePieceProcessor&) = delete;
  SentencePieceProcessor& operator=(const SentencePieceProcessor&) = delete;

  std::vector<int> encode(const std::string& text) const;
  std::string decode(const std::vector<int>& ids) const;
  std::string id_to_piece(int id) const;
  int piece_to_id(const std::string& piece) const;
  int piece_size() const;
  bool is_control(int id) const;
  bool is_unknown(int id) const;
  int bos_id() const;
  int eos_id() const;
  int pad_id() const;

 private:
  std::string file_;
  std::shared_ptr<const SentencePieceModule> module_;
  void* handle_ = nullptr;
};

// Runs libsentencepiece's trainer with spm_train's flags, e.g. "--input=corpus.txt
// --model_prefix=out/tokenizer --vocab_size=2000". Throws a data error with the trainer's message.
void train_sentencepiece(const std::string& flags);

}  // namespace llmedit
