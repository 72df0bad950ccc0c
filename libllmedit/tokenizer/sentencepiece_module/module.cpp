// A plain-C face of libsentencepiece, built as its own shared module and loaded with dlopen.
// Why: Debian's libsentencepiece carries its own copy of protobuf-lite and exports its symbols;
// linked into a process that also loads LibTorch's libprotobuf, libprotobuf's static
// initializers bind to sentencepiece's copy and crash before main(). Loaded RTLD_LOCAL |
// RTLD_DEEPBIND, its symbols stay private to it.
#include <sentencepiece_processor.h>
#include <sentencepiece_trainer.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

namespace sentencepiece::logging {
void SetMinLogLevel(int level);  // exported by libsentencepiece, not declared in its public headers
}

namespace {

using Processor = sentencepiece::SentencePieceProcessor;

int copy_out(const std::string& s, char* out, int capacity) {
  if (out && capacity > 0) {
    const size_t n = std::min(s.size(), static_cast<size_t>(capacity - 1));
    std::memcpy(out, s.data(), n);
    out[n] = '\0';
  }
  return static_cast<int>(s.size());
}

}  // namespace

extern "C" {

void* llmedit_spm_new() { return new Processor(); }
void llmedit_spm_delete(void* p) { delete static_cast<Processor*>(p); }

// 0 on success, else the error text is copied to `error`.
int llmedit_spm_load(void* p, const char* path, char* error, int error_capacity) {
  const auto status = static_cast<Processor*>(p)->Load(std::string(path));
  if (status.ok()) return 0;
  copy_out(status.ToString(), error, error_capacity);
  return -1;
}

// Returns the number of ids (call again with a larger buffer when it exceeds capacity), -1 on error.
int llmedit_spm_encode(void* p, const char* text, size_t length, int* ids, int capacity, char* error,
                       int error_capacity) {
  std::vector<int> pieces;
  const auto status = static_cast<Processor*>(p)->Encode(std::string(text, length), &pieces);
  if (!status.ok()) {
    copy_out(status.ToString(), error, error_capacity);
    return -1;
  }
  std::copy_n(pieces.begin(), std::min(pieces.size(), static_cast<size_t>(capacity)), ids);
  return static_cast<int>(pieces.size());
}

// Returns the text length (call again with a larger buffer when it reaches capacity), -1 on error.
int llmedit_spm_decode(void* p, const int* ids, int count, char* out, int capacity, char* error, int error_capacity) {
  std::string text;
  const auto status = static_cast<Processor*>(p)->Decode(std::vector<int>(ids, ids + count), &text);
  if (!status.ok()) {
    copy_out(status.ToString(), error, error_capacity);
    return -1;
  }
  return copy_out(text, out, capacity);
}

int llmedit_spm_id_to_piece(void* p, int id, char* out, int capacity) {
  return copy_out(static_cast<Processor*>(p)->IdToPiece(id), out, capacity);
}
int llmedit_spm_piece_to_id(void* p, const char* piece, size_t length) {
  return static_cast<Processor*>(p)->PieceToId(std::string(piece, length));
}
int llmedit_spm_piece_size(void* p) { return static_cast<Processor*>(p)->GetPieceSize(); }
int llmedit_spm_is_control(void* p, int id) { return static_cast<Processor*>(p)->IsControl(id) ? 1 : 0; }
int llmedit_spm_is_unknown(void* p, int id) { return static_cast<Processor*>(p)->IsUnknown(id) ? 1 : 0; }
// which: 0 BOS, 1 EOS, 2 PAD.
int llmedit_spm_special_id(void* p, int which) {
  auto* sp = static_cast<Processor*>(p);
  return which == 0 ? sp->bos_id() : which == 1 ? sp->eos_id() : sp->pad_id();
}

// Trains a model from a spm_train-style flag string ("--input=... --model_prefix=...").
// 0 on success, else the error text is copied to `error`.
int llmedit_spm_train(const char* args, char* error, int error_capacity) {
  // The trainer logs to std::cerr, which, seen from a RTLD_DEEPBIND module, is libstdc++'s own
  // never-constructed copy (the executable holds the constructed, copy-relocated one): writing
  // to it crashes. Only fatal messages stay on, and those abort anyway.
  sentencepiece::logging::SetMinLogLevel(3);
  const auto status = sentencepiece::SentencePieceTrainer::Train(std::string(args));
  if (status.ok()) return 0;
  copy_out(status.ToString(), error, error_capacity);
  return -1;
}

}  // extern "C"
