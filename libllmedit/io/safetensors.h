// safetensors files: a little-endian u64 header length, a JSON header, then raw tensor bytes.
// Format: https://github.com/huggingface/safetensors (README, "Format").
#pragma once
#include <torch/types.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace llmedit {

// One tensor entry of the header, offsets relative to the start of the data section.
struct SafetensorsEntry {
  std::string name;
  std::string dtype;  // as written in the file: "F32", "F16", "BF16", "I64", ...
  std::vector<int64_t> shape;
  uint64_t begin = 0;
  uint64_t end = 0;
};

class MappedFile;

// Memory-maps a .safetensors file and validates the header before trusting it: header length
// within the file, header is a JSON object, every dtype known, offsets in range and not
// overlapping, prod(shape) x dtype size == byte length. Each violation throws a data error
// naming the file and the tensor.
class SafetensorsReader {
 public:
  explicit SafetensorsReader(const std::string& path);

  const std::string& path() const { return path_; }
  const std::vector<SafetensorsEntry>& entries() const { return entries_; }
  const std::map<std::string, std::string>& metadata() const { return metadata_; }
  bool contains(const std::string& name) const;
  const SafetensorsEntry& entry(const std::string& name) const;

  // An owned CPU tensor in the stored dtype (F32, F16 or BF16; other dtypes throw a data error).
  torch::Tensor load(const std::string& name) const;

 private:
  std::string path_;
  std::shared_ptr<MappedFile> file_;
  std::vector<SafetensorsEntry> entries_;
  std::map<std::string, size_t> index_;
  std::map<std::string, std::string> metadata_;
  uint64_t data_offset_ = 0;
};

using NamedTensors = std::vector<std::pair<std::string, torch::Tensor>>;

// Writes tensors (any device, F32/F16/BF16) atomically: a temp file, then rename.
void write_safetensors(const std::string& path, const NamedTensors& tensors,
                       const std::map<std::string, std::string>& metadata = {});

}  // namespace llmedit
