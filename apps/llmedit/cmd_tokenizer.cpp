// llmedit tokenize / detokenize / train-tokenizer: tokenizers from the command line.
#include <nlohmann/json.hpp>

#include <fstream>
#include <iostream>
#include <memory>

#include "apps/llmedit/commands.h"
#include "libllmedit/core/error.h"
#include "libllmedit/tokenizer/sentencepiece_training.h"
#include "libllmedit/tokenizer/tokenizer.h"

namespace llmedit::cli {

namespace {

struct TokenizeOptions {
  std::string tokenizer;
  std::string text;
  std::string text_file;
  bool special = false;
};

struct DetokenizeOptions {
  std::string tokenizer;
  std::string ids;
  bool skip_special = false;
};

std::vector<std::string> read_text_file(const std::string& file) {
  std::ifstream in(file);
  if (!in) throw data_error(file + ": cannot open");
  nlohmann::json json;
  try {
    json = nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    throw data_error(file + ": invalid JSON: " + e.what());
  }
  if (!json.is_array()) throw data_error(file + ": expected a JSON array of strings");
  std::vector<std::string> texts;
  for (size_t i = 0; i < json.size(); ++i) {
    if (!json[i].is_string()) throw data_error(file + ": item " + std::to_string(i) + " is not a string");
    texts.push_back(json[i].get<std::string>());
  }
  return texts;
}

void run_tokenize(const TokenizeOptions& opts, bool has_text, bool has_file) {
  if (has_text == has_file) throw usage_error("tokenize: give exactly one of --text and --text-file");
  const std::vector<std::string> texts = has_text ? std::vector<std::string>{opts.text} : read_text_file(opts.text_file);
  const auto tokenizer = load_tokenizer(opts.tokenizer);
  for (const std::string& text : texts) std::cout << nlohmann::json(tokenizer->encode(text, opts.special)).dump() << '\n';
  std::cout.flush();
}

void run_detokenize(const DetokenizeOptions& opts) {
  const std::vector<int64_t> ids = parse_id_list("--ids", opts.ids);
  const auto tokenizer = load_tokenizer(opts.tokenizer);
  std::cout << tokenizer->decode(ids, opts.skip_special) << std::endl;
}

}  // namespace

void add_tokenizer_commands(CLI::App& app) {
  auto tok = std::make_shared<TokenizeOptions>();
  CLI::App* tokenize = app.add_subcommand("tokenize", "Print the token ids of each text as a JSON array, one per line");
  tokenize->add_option("--tokenizer", tok->tokenizer, "Tokenizer folder, tokenizer.json or SentencePiece .model")->required();
  tokenize->add_flag("--special", tok->special, "Add special tokens (BOS, post-processor template)");
  CLI::Option* text = tokenize->add_option("--text", tok->text, "The text to tokenize");
  CLI::Option* file = tokenize->add_option("--text-file", tok->text_file, "A JSON file holding an array of strings");
  text->excludes(file);
  tokenize->callback([tok, text, file] { run_tokenize(*tok, text->count() > 0, file->count() > 0); });

  auto detok = std::make_shared<DetokenizeOptions>();
  CLI::App* detokenize = app.add_subcommand("detokenize", "Print the text of a list of token ids");
  detokenize->add_option("--tokenizer", detok->tokenizer, "Tokenizer folder, tokenizer.json or SentencePiece .model")->required();
  detokenize->add_option("--ids", detok->ids, "Comma-separated token ids, e.g. 1,2,3")->required();
  detokenize->add_flag("--skip-special", detok->skip_special, "Leave special tokens out");
  detokenize->callback([detok] { run_detokenize(*detok); });

  auto train = std::make_shared<SentencePieceTrainOptions>();
  auto out_dir = std::make_shared<std::string>();
  CLI::App* train_cmd = app.add_subcommand("train-tokenizer", "Train a SentencePiece tokenizer (tokenizer.model + tokenizer_config.json)");
  train_cmd->add_option("--input", train->inputs, "Text corpora (.txt) and QA files (.json/.jsonl); repeatable")->required();
  train_cmd->add_option("--vocab-size", train->vocab_size, "Number of pieces")->capture_default_str();
  train_cmd->add_option("--model-type", train->model_type, "bpe or unigram")->capture_default_str();
  train_cmd->add_option("--out", *out_dir, "Output folder")->required();
  train_cmd->callback([train, out_dir] {
    train_sentencepiece_tokenizer(*train, *out_dir);
    std::cout << *out_dir << "/tokenizer.model" << std::endl;
  });
}

}  // namespace llmedit::cli
