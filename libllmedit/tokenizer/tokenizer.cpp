// load_tokenizer: picks the implementation from the files present.
#include "libllmedit/tokenizer/tokenizer.h"

#include <filesystem>

#include "libllmedit/core/error.h"
#include "libllmedit/tokenizer/hf_tokenizer.h"
#include "libllmedit/tokenizer/sentencepiece_tokenizer.h"
#include "libllmedit/tokenizer/tokenizer_config.h"

namespace llmedit {

namespace fs = std::filesystem;

PairEncoding Tokenizer::encode_pair(const std::string&, const std::string&, bool) const {
  throw data_error("this tokenizer does not encode pairs of texts (only tokenizer.json files do)");
}

std::unique_ptr<Tokenizer> load_tokenizer(const std::string& path) {
  const fs::path given(path);
  if (!fs::exists(given)) throw data_error(path + ": no such tokenizer file or folder");
  const fs::path folder = fs::is_directory(given) ? given : given.parent_path();
  const TokenizerConfig config = TokenizerConfig::load((folder / "tokenizer_config.json").string());
  fs::path file = given;
  if (fs::is_directory(given)) {
    file = folder / "tokenizer.json";
    if (!fs::exists(file)) file = folder / "tokenizer.model";
    if (!fs::exists(file)) throw data_error(path + ": has neither tokenizer.json nor tokenizer.model");
  }
  if (file.extension() == ".json") return std::make_unique<HfTokenizer>(file.string(), config);
  if (file.extension() == ".model") return std::make_unique<SentencePieceTokenizer>(file.string(), config);
  throw data_error(path + ": not a tokenizer.json or SentencePiece .model file");
}

}  // namespace llmedit
