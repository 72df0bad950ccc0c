// Tokenizer throughput: encodes a few MB of mixed text (the fixture strings, repeated) with
// each tokenizer under a fixtures folder, on one thread, and prints MB/s.
// Usage: bench_tokenize_bench TOKENIZERS_DIR [MEGABYTES]   (run by scripts/bench/tokenize.sh)
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "libllmedit/tokenizer/tokenizer.h"

namespace {

// The fixture strings joined by newlines, repeated up to `bytes`, cut into ~4 KB documents
// on character boundaries (so documents do not repeat exactly).
std::vector<std::string> make_documents(const std::string& strings_json, size_t bytes) {
  std::ifstream in(strings_json);
  if (!in) throw std::runtime_error("cannot open " + strings_json);
  const auto strings = nlohmann::json::parse(in).get<std::vector<std::string>>();
  std::string corpus;
  while (corpus.size() < bytes)
    for (const std::string& s : strings) corpus += s + "\n";
  std::vector<std::string> documents;
  const size_t target = 4093;
  for (size_t pos = 0; pos < corpus.size();) {
    size_t end = std::min(corpus.size(), pos + target);
    while (end < corpus.size() && (static_cast<unsigned char>(corpus[end]) & 0xC0) == 0x80) ++end;
    documents.push_back(corpus.substr(pos, end - pos));
    pos = end;
  }
  return documents;
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

void bench(const std::filesystem::path& folder, const std::vector<std::string>& documents, size_t bytes) {
  const std::string name = folder.filename().string();
  std::unique_ptr<llmedit::Tokenizer> tokenizer;
  auto start = std::chrono::steady_clock::now();
  try {
    tokenizer = llmedit::load_tokenizer(folder.string());
  } catch (const std::exception& e) {
    std::printf("%-12s  not supported: %s\n", name.c_str(), e.what());
    return;
  }
  const double load_s = seconds_since(start);
  size_t tokens = 0;
  start = std::chrono::steady_clock::now();
  std::vector<std::vector<int64_t>> encoded;
  encoded.reserve(documents.size());
  for (const std::string& doc : documents) {
    encoded.push_back(tokenizer->encode(doc, false));
    tokens += encoded.back().size();
  }
  const double encode_s = seconds_since(start);
  start = std::chrono::steady_clock::now();
  for (const auto& ids : encoded) (void)tokenizer->decode(ids);
  const double decode_s = seconds_since(start);
  const double mb = static_cast<double>(bytes) / 1e6;
  std::printf("%-12s  load %5.2f s   encode %7.2f MB/s (%6.2f M tokens/s)   decode %7.2f MB/s\n", name.c_str(), load_s,
              mb / encode_s, static_cast<double>(tokens) / 1e6 / encode_s, mb / decode_s);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: " << argv[0] << " TOKENIZERS_DIR [MEGABYTES]\n";
    return 2;
  }
  const std::filesystem::path dir = argv[1];
  const double megabytes = argc > 2 ? std::stod(argv[2]) : 4.0;
  try {
    const auto documents = make_documents((dir / "strings.json").string(), static_cast<size_t>(megabytes * 1e6));
    size_t bytes = 0;
    for (const auto& d : documents) bytes += d.size();
    std::printf("%.1f MB of mixed text in %zu documents, one thread\n", static_cast<double>(bytes) / 1e6, documents.size());
    std::vector<std::filesystem::path> folders;
    for (const auto& entry : std::filesystem::directory_iterator(dir))
      if (entry.is_directory() && entry.path().filename() != "vectors") folders.push_back(entry.path());
    std::sort(folders.begin(), folders.end());
    for (const auto& folder : folders) bench(folder, documents, bytes);
  } catch (const std::exception& e) {
    std::cerr << "bench_tokenize_bench: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
