#include "libllmedit/tokenizer/sentencepiece_processor.h"

#include <dlfcn.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <mutex>

#include "libllmedit/core/error.h"

#ifndef LLMEDIT_SENTENCEPIECE_MODULE_PATH
#define LLMEDIT_SENTENCEPIECE_MODULE_PATH ""
#endif

namespace llmedit {

struct SentencePieceModule {
  void* library = nullptr;
  void* (*create)() = nullptr;
  void (*destroy)(void*) = nullptr;
  int (*load)(void*, const char*, char*, int) = nullptr;
  int (*encode)(void*, const char*, size_t, int*, int, char*, int) = nullptr;
  int (*decode)(void*, const int*, int, char*, int, char*, int) = nullptr;
  int (*id_to_piece)(void*, int, char*, int) = nullptr;
  int (*piece_to_id)(void*, const char*, size_t) = nullptr;
  int (*piece_size)(void*) = nullptr;
  int (*is_control)(void*, int) = nullptr;
  int (*is_unknown)(void*, int) = nullptr;
  int (*special_id)(void*, int) = nullptr;
  int (*train)(const char*, char*, int) = nullptr;
};

namespace {

constexpr const char* kModuleName = "libllmedit_sentencepiece.so";

bool is_inside(const std::filesystem::path& file, const std::filesystem::path& folder) {
  if (folder.empty()) return false;
  auto part = file.begin();
  for (const std::filesystem::path& expected : folder) {
    if (part == file.end() || *part != expected) return false;
    ++part;
  }
  return true;
}

// Module files to try, in order: $LLMEDIT_SENTENCEPIECE_MODULE; beside the running executable and
// in ../lib from it (an installed `llmedit`); the build tree's module, but only for programs
// built in that tree (tests, examples), so a program linked against an installed llmedit never
// picks up a stale build tree. Programs elsewhere find the module by name (see open_module).
std::vector<std::string> module_files() {
  std::vector<std::string> paths;
  if (const char* env = std::getenv("LLMEDIT_SENTENCEPIECE_MODULE")) paths.emplace_back(env);
  std::error_code ec;
  const std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return paths;
  paths.push_back((exe.parent_path() / kModuleName).string());
  paths.push_back((exe.parent_path() / ".." / "lib" / kModuleName).string());
  const std::filesystem::path built(LLMEDIT_SENTENCEPIECE_MODULE_PATH);
  if (!built.empty() && is_inside(exe, std::filesystem::weakly_canonical(built.parent_path(), ec)))
    paths.push_back(built.string());
  return paths;
}

template <typename Fn>
void resolve(void* library, const char* name, Fn& fn) {
  fn = reinterpret_cast<Fn>(dlsym(library, name));
  if (!fn) throw data_error(std::string("SentencePiece module lacks symbol '") + name + "'");
}

std::shared_ptr<const SentencePieceModule> bind_module(void* library) {
  auto m = std::make_shared<SentencePieceModule>();
  m->library = library;  // kept loaded for the life of the process
  resolve(library, "llmedit_spm_new", m->create);
  resolve(library, "llmedit_spm_delete", m->destroy);
  resolve(library, "llmedit_spm_load", m->load);
  resolve(library, "llmedit_spm_encode", m->encode);
  resolve(library, "llmedit_spm_decode", m->decode);
  resolve(library, "llmedit_spm_id_to_piece", m->id_to_piece);
  resolve(library, "llmedit_spm_piece_to_id", m->piece_to_id);
  resolve(library, "llmedit_spm_piece_size", m->piece_size);
  resolve(library, "llmedit_spm_is_control", m->is_control);
  resolve(library, "llmedit_spm_is_unknown", m->is_unknown);
  resolve(library, "llmedit_spm_special_id", m->special_id);
  resolve(library, "llmedit_spm_train", m->train);
  return m;
}

constexpr int kOpenFlags = RTLD_NOW | RTLD_LOCAL | RTLD_DEEPBIND;

#if defined(__has_feature)
#if __has_feature(address_sanitizer)  // clang's spelling of gcc's __SANITIZE_ADDRESS__
#define LLMEDIT_CLANG_ASAN 1
#endif
#endif

// The first of module_files() that exists, else the module by name through the dynamic linker:
// the program's RUNPATH (llmedit's CMake package adds its library folder to every program that
// links llmedit::llmedit), LD_LIBRARY_PATH and the ldconfig folders.
std::shared_ptr<const SentencePieceModule> open_module() {
#if defined(__SANITIZE_ADDRESS__) || defined(LLMEDIT_CLANG_ASAN)
  // AddressSanitizer aborts on any RTLD_DEEPBIND dlopen (google/sanitizers#611), and without it
  // the module's protobuf crashes in LibTorch's: sanitizer builds have no SentencePiece.
  throw data_error("SentencePiece .model files cannot be read in an AddressSanitizer build");
#endif
  std::string tried;
  for (const std::string& path : module_files()) {
    if (!std::filesystem::exists(path)) {
      tried += " " + path;
      continue;
    }
    void* library = dlopen(path.c_str(), kOpenFlags);
    if (!library) throw data_error("cannot load the SentencePiece module '" + path + "': " + dlerror());
    return bind_module(library);
  }
  if (void* library = dlopen(kModuleName, kOpenFlags)) return bind_module(library);
  throw data_error(std::string("SentencePiece module ") + kModuleName +
                   " not found (set LLMEDIT_SENTENCEPIECE_MODULE); looked at:" + tried +
                   " and the dynamic linker's search path: " + dlerror());
}

std::shared_ptr<const SentencePieceModule> shared_module() {
  static std::once_flag once;
  static std::shared_ptr<const SentencePieceModule> module;
  std::call_once(once, [] { module = open_module(); });
  return module;
}

// Calls fill(buffer, capacity) -> needed length, growing the buffer once if it was too small.
template <typename T, typename Fill>
int with_buffer(std::vector<T>& buffer, Fill fill) {
  int n = fill(buffer.data(), static_cast<int>(buffer.size()));
  if (n >= 0 && n >= static_cast<int>(buffer.size())) {
    buffer.resize(static_cast<size_t>(n) + 1);
    n = fill(buffer.data(), static_cast<int>(buffer.size()));
  }
  return n;
}

}  // namespace

SentencePieceProcessor::SentencePieceProcessor(const std::string& model_file)
    : file_(model_file), module_(shared_module()), handle_(module_->create()) {
  char error[512] = {0};
  if (module_->load(handle_, model_file.c_str(), error, sizeof(error)) != 0) {
    module_->destroy(handle_);
    throw data_error(model_file + ": cannot load SentencePiece model: " + error);
  }
}

void train_sentencepiece(const std::string& flags) {
  char error[1024] = {0};
  if (shared_module()->train(flags.c_str(), error, sizeof(error)) != 0)
    throw data_error(std::string("SentencePiece training failed: ") + error);
}

SentencePieceProcessor::~SentencePieceProcessor() { module_->destroy(handle_); }

std::vector<int> SentencePieceProcessor::encode(const std::string& text) const {
  std::vector<int> ids(text.size() + 8);
  char error[512] = {0};
  const int n = with_buffer(ids, [&](int* out, int capacity) {
    return module_->encode(handle_, text.data(), text.size(), out, capacity, error, sizeof(error));
  });
  if (n < 0) throw Error(ErrorKind::Internal, file_ + ": SentencePiece encode failed: " + error);
  ids.resize(static_cast<size_t>(n));
  return ids;
}

std::string SentencePieceProcessor::decode(const std::vector<int>& ids) const {
  std::vector<char> text(ids.size() * 8 + 16);
  char error[512] = {0};
  const int n = with_buffer(text, [&](char* out, int capacity) {
    return module_->decode(handle_, ids.data(), static_cast<int>(ids.size()), out, capacity, error, sizeof(error));
  });
  if (n < 0) throw Error(ErrorKind::Internal, file_ + ": SentencePiece decode failed: " + error);
  return std::string(text.data(), static_cast<size_t>(n));
}

std::string SentencePieceProcessor::id_to_piece(int id) const {
  std::vector<char> piece(64);
  const int n = with_buffer(piece, [&](char* out, int capacity) { return module_->id_to_piece(handle_, id, out, capacity); });
  return std::string(piece.data(), static_cast<size_t>(n));
}

int SentencePieceProcessor::piece_to_id(const std::string& piece) const {
  return module_->piece_to_id(handle_, piece.data(), piece.size());
}
int SentencePieceProcessor::piece_size() const { return module_->piece_size(handle_); }
bool SentencePieceProcessor::is_control(int id) const { return module_->is_control(handle_, id) != 0; }
bool SentencePieceProcessor::is_unknown(int id) const { return module_->is_unknown(handle_, id) != 0; }
int SentencePieceProcessor::bos_id() const { return module_->special_id(handle_, 0); }
int SentencePieceProcessor::eos_id() const { return module_->special_id(handle_, 1); }
int SentencePieceProcessor::pad_id() const { return module_->special_id(handle_, 2); }

}  // namespace llmedit
