// Decoders of tokenizer.json: ByteLevel, Metaspace, WordPiece, and Sequence of Replace /
// ByteFallback / Fuse / Strip. They turn the token strings of an id sequence back into text.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "libllmedit/tokenizer/json_context.h"

namespace llmedit {

class Decoder {
 public:
  virtual ~Decoder() = default;
  // Rewrites the token strings; the decoded text is their concatenation afterwards.
  virtual void decode_chain(std::vector<std::string>& tokens) const = 0;
};

// The "decoder" value of a tokenizer.json (null gives nullptr: tokens are joined with spaces).
std::unique_ptr<Decoder> make_decoder(const nlohmann::json& spec, const tokenizer_json::Context& ctx);

// Runs the decoder (or joins with spaces without one) and concatenates.
std::string decode_tokens(const Decoder* decoder, std::vector<std::string> tokens);

}  // namespace llmedit
