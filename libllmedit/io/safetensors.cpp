#include "libllmedit/io/safetensors.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>
#include <optional>
#include <ostream>
#include <set>
#include <tuple>

#include "libllmedit/core/atomic_file.h"
#include "libllmedit/core/error.h"

// Tensor bytes are copied verbatim; safetensors stores them little-endian.
static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "safetensors I/O assumes a little-endian host");

namespace llmedit {

// A read-only private mapping of a whole file; unmapped when the last reader lets go of it.
class MappedFile {
 public:
  explicit MappedFile(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw data_error("cannot open safetensors file '" + path + "': " + std::strerror(errno));
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
      const int err = errno;
      ::close(fd);
      throw data_error("cannot stat safetensors file '" + path + "': " + std::strerror(err));
    }
    size_ = static_cast<uint64_t>(st.st_size);
    // mmap rejects length 0; an empty file is reported as too short by the reader instead.
    if (size_ > 0) {
      void* addr = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd, 0);
      const int err = errno;
      ::close(fd);  // the mapping keeps its own reference to the file
      if (addr == MAP_FAILED)
        throw data_error("cannot map safetensors file '" + path + "': " + std::strerror(err));
      data_ = static_cast<const uint8_t*>(addr);
    } else {
      ::close(fd);
    }
  }
  ~MappedFile() {
    if (data_ != nullptr) ::munmap(const_cast<uint8_t*>(data_), size_);
  }
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  const uint8_t* data() const { return data_; }
  uint64_t size() const { return size_; }

 private:
  const uint8_t* data_ = nullptr;
  uint64_t size_ = 0;
};

namespace {

using json = nlohmann::json;

constexpr const char* kMetadataKey = "__metadata__";

std::optional<uint64_t> dtype_size(const std::string& dtype) {
  static const std::map<std::string, uint64_t> sizes = {
      {"F64", 8}, {"F32", 4}, {"F16", 2}, {"BF16", 2}, {"I64", 8},
      {"I32", 4}, {"I16", 2}, {"I8", 1},  {"U8", 1},   {"BOOL", 1},
  };
  auto it = sizes.find(dtype);
  if (it == sizes.end()) return std::nullopt;
  return it->second;
}

// The dtypes llmedit computes with; everything else is refused on load and on write.
std::optional<torch::ScalarType> torch_dtype(const std::string& dtype) {
  if (dtype == "F32") return torch::kFloat32;
  if (dtype == "F16") return torch::kFloat16;
  if (dtype == "BF16") return torch::kBFloat16;
  return std::nullopt;
}

std::optional<std::string> safetensors_dtype(torch::ScalarType dtype) {
  if (dtype == torch::kFloat32) return "F32";
  if (dtype == torch::kFloat16) return "F16";
  if (dtype == torch::kBFloat16) return "BF16";
  return std::nullopt;
}

// Header values quoted in messages: JSON-escaped (so one line) and kept short.
std::string show(const json& value) {
  std::string text = value.dump(-1, ' ', false, json::error_handler_t::replace);
  if (text.size() > 80) text = text.substr(0, 77) + "...";
  return text;
}

std::string show_shape(const std::vector<int64_t>& shape) {
  std::string text = "[";
  for (size_t i = 0; i < shape.size(); ++i) text += (i ? ", " : "") + std::to_string(shape[i]);
  return text + "]";
}

std::string one_line(std::string text) {
  std::replace_if(
      text.begin(), text.end(), [](char c) { return c == '\n' || c == '\r'; }, ' ');
  return text;
}

Error file_error(const std::string& path, const std::string& what) {
  return data_error("safetensors file '" + path + "': " + what);
}

Error tensor_error(const std::string& path, const std::string& name, const std::string& what) {
  return data_error("safetensors file '" + path + "': tensor '" + one_line(name) + "': " + what);
}

uint64_t read_u64_le(const uint8_t* bytes) {
  uint64_t value = 0;
  std::memcpy(&value, bytes, sizeof(value));
  return value;
}

json parse_header(const std::string& path, const MappedFile& file) {
  if (file.size() < 8)
    throw file_error(
        path, "file is " + std::to_string(file.size()) + " bytes, shorter than the 8-byte header length");
  const uint64_t header_len = read_u64_le(file.data());
  if (header_len > file.size() - 8)
    throw file_error(path, "header length " + std::to_string(header_len) + " runs past the end of the " +
                               std::to_string(file.size()) + "-byte file");
  const char* begin = reinterpret_cast<const char*>(file.data() + 8);
  json header;
  try {
    header = json::parse(begin, begin + header_len);
  } catch (const json::exception& e) {  // parse_error, or out_of_range for a number like 1e999
    throw file_error(path, "header is not valid JSON: " + one_line(e.what()));
  }
  if (!header.is_object())
    throw file_error(path, std::string("header is a JSON ") + header.type_name() + ", not an object");
  return header;
}

std::map<std::string, std::string> parse_metadata(const std::string& path, const json& value) {
  if (!value.is_object())
    throw file_error(path, "__metadata__ must be an object of strings, got " + show(value));
  std::map<std::string, std::string> metadata;
  for (const auto& [key, item] : value.items()) {
    if (!item.is_string())
      throw file_error(path, "__metadata__ key '" + one_line(key) + "' must be a string, got " + show(item));
    metadata[key] = item.get<std::string>();
  }
  return metadata;
}

const json& field(const std::string& path, const std::string& name, const json& entry, const char* key) {
  auto it = entry.find(key);
  if (it == entry.end()) throw tensor_error(path, name, std::string("missing '") + key + "'");
  return *it;
}

// A JSON integer that fits int64 and is >= 0 (nlohmann keeps big positives as unsigned).
std::optional<int64_t> non_negative_int(const json& value) {
  if (value.is_number_unsigned()) {
    const auto u = value.get<uint64_t>();
    if (u > static_cast<uint64_t>(INT64_MAX)) return std::nullopt;
    return static_cast<int64_t>(u);
  }
  if (value.is_number_integer() && value.get<int64_t>() >= 0) return value.get<int64_t>();
  return std::nullopt;
}

std::vector<int64_t> parse_shape(const std::string& path, const std::string& name, const json& value) {
  if (!value.is_array())
    throw tensor_error(path, name, "'shape' must be an array of integers, got " + show(value));
  std::vector<int64_t> shape;
  for (const auto& dim : value) {
    auto d = non_negative_int(dim);
    if (!d) throw tensor_error(path, name, "'shape' must hold non-negative integers, got " + show(value));
    shape.push_back(*d);
  }
  return shape;
}

std::pair<uint64_t, uint64_t> parse_offsets(const std::string& path, const std::string& name,
                                            const json& value) {
  const auto bad = [&] {
    return tensor_error(path, name,
                        "'data_offsets' must be two non-negative integers [begin, end], got " + show(value));
  };
  if (!value.is_array() || value.size() != 2) throw bad();
  auto begin = non_negative_int(value[0]);
  auto end = non_negative_int(value[1]);
  if (!begin || !end) throw bad();
  if (*begin > *end)
    throw tensor_error(
        path, name,
        "'data_offsets' begin " + std::to_string(*begin) + " is past end " + std::to_string(*end));
  return {static_cast<uint64_t>(*begin), static_cast<uint64_t>(*end)};
}

// prod(shape) x element size, or nullopt when it does not fit in 64 bits.
std::optional<uint64_t> byte_size(const std::vector<int64_t>& shape, uint64_t element_size) {
  uint64_t bytes = element_size;
  for (int64_t dim : shape) {
    if (__builtin_mul_overflow(bytes, static_cast<uint64_t>(dim), &bytes)) return std::nullopt;
  }
  return bytes;
}

SafetensorsEntry parse_entry(const std::string& path, const std::string& name, const json& value,
                             uint64_t data_size) {
  if (!value.is_object()) throw tensor_error(path, name, "entry must be an object, got " + show(value));
  const json& dtype = field(path, name, value, "dtype");
  if (!dtype.is_string()) throw tensor_error(path, name, "'dtype' must be a string, got " + show(dtype));
  SafetensorsEntry entry;
  entry.name = name;
  entry.dtype = dtype.get<std::string>();
  const auto element_size = dtype_size(entry.dtype);
  if (!element_size) throw tensor_error(path, name, "unknown dtype " + show(dtype));
  entry.shape = parse_shape(path, name, field(path, name, value, "shape"));
  std::tie(entry.begin, entry.end) = parse_offsets(path, name, field(path, name, value, "data_offsets"));
  if (entry.end > data_size)
    throw tensor_error(path, name,
                       "data_offsets end " + std::to_string(entry.end) + " is past the " +
                           std::to_string(data_size) + "-byte data section");
  const auto expected = byte_size(entry.shape, *element_size);
  if (!expected)
    throw tensor_error(path, name,
                       "shape " + show_shape(entry.shape) + " x " + entry.dtype + " overflows 64 bits");
  if (*expected != entry.end - entry.begin)
    throw tensor_error(path, name,
                       "shape " + show_shape(entry.shape) + " x " + entry.dtype + " needs " +
                           std::to_string(*expected) + " bytes but data_offsets [" +
                           std::to_string(entry.begin) + ", " + std::to_string(entry.end) + "] hold " +
                           std::to_string(entry.end - entry.begin));
  return entry;
}

// Entries sorted by begin overlap iff some neighbours do; empty tensors occupy no bytes.
void check_no_overlap(const std::string& path, const std::vector<SafetensorsEntry>& sorted) {
  const SafetensorsEntry* previous = nullptr;
  for (const auto& entry : sorted) {
    if (entry.begin == entry.end) continue;
    if (previous != nullptr && entry.begin < previous->end)
      throw file_error(path, "tensors '" + one_line(previous->name) + "' [" +
                                 std::to_string(previous->begin) + ", " + std::to_string(previous->end) +
                                 "] and '" + one_line(entry.name) + "' [" + std::to_string(entry.begin) +
                                 ", " + std::to_string(entry.end) + "] overlap");
    previous = &entry;
  }
}

}  // namespace

SafetensorsReader::SafetensorsReader(const std::string& path)
    : path_(path), file_(std::make_shared<MappedFile>(path)) {
  const json header = parse_header(path_, *file_);
  data_offset_ = 8 + read_u64_le(file_->data());
  const uint64_t data_size = file_->size() - data_offset_;
  for (const auto& [name, value] : header.items()) {
    if (name == kMetadataKey)
      metadata_ = parse_metadata(path_, value);
    else
      entries_.push_back(parse_entry(path_, name, value, data_size));
  }
  // File order is the natural order for callers (and matches the order a writer used).
  std::stable_sort(entries_.begin(), entries_.end(), [](const auto& a, const auto& b) {
    return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
  });
  check_no_overlap(path_, entries_);
  for (size_t i = 0; i < entries_.size(); ++i) index_[entries_[i].name] = i;
}

bool SafetensorsReader::contains(const std::string& name) const { return index_.count(name) > 0; }

const SafetensorsEntry& SafetensorsReader::entry(const std::string& name) const {
  auto it = index_.find(name);
  if (it == index_.end()) throw tensor_error(path_, name, "no such tensor in the file");
  return entries_[it->second];
}

torch::Tensor SafetensorsReader::load(const std::string& name) const {
  const SafetensorsEntry& e = entry(name);
  const auto dtype = torch_dtype(e.dtype);
  if (!dtype)
    throw file_error(
        path_, "tensor '" + one_line(name) + "' has dtype " + e.dtype + "; llmedit loads F32, F16 and BF16");
  // A copy, not a view of the mapping: the tensor must outlive the reader and be writable.
  torch::Tensor tensor = torch::empty(e.shape, torch::TensorOptions().dtype(*dtype).device(torch::kCPU));
  const uint64_t bytes = e.end - e.begin;
  if (bytes > 0) std::memcpy(tensor.data_ptr(), file_->data() + data_offset_ + e.begin, bytes);
  return tensor;
}

namespace {

struct PreparedTensor {
  std::string name;
  torch::Tensor tensor;  // CPU, contiguous
  uint64_t bytes;
};

Error write_error(const std::string& path, const std::string& name, const std::string& what) {
  return data_error("cannot write safetensors file '" + path + "': tensor '" + one_line(name) + "' " + what);
}

PreparedTensor prepare(const std::string& path, const std::string& name, const torch::Tensor& tensor) {
  if (name == kMetadataKey) throw write_error(path, name, "uses the reserved header key as a tensor name");
  if (!tensor.defined()) throw write_error(path, name, "is undefined");
  if (tensor.layout() != torch::kStrided) throw write_error(path, name, "is not a dense (strided) tensor");
  if (!safetensors_dtype(tensor.scalar_type()))
    throw write_error(path, name,
                      "has dtype " + std::string(c10::toString(tensor.scalar_type())) +
                          "; llmedit writes F32, F16 and BF16");
  torch::Tensor cpu = tensor.detach().to(torch::kCPU).contiguous();
  const auto bytes = static_cast<uint64_t>(cpu.numel()) * cpu.element_size();
  return {name, cpu, bytes};
}

// Header with entries in the caller's order (ordered_json), padded with spaces to a multiple of
// 8 bytes like the reference implementation, so the data section starts 8-byte aligned.
std::string build_header(const std::string& path, const std::vector<PreparedTensor>& tensors,
                         const std::map<std::string, std::string>& metadata) {
  nlohmann::ordered_json header = nlohmann::ordered_json::object();
  if (!metadata.empty()) header[kMetadataKey] = metadata;
  uint64_t offset = 0;
  for (const auto& t : tensors) {
    header[t.name] = {{"dtype", *safetensors_dtype(t.tensor.scalar_type())},
                      {"shape", t.tensor.sizes().vec()},
                      {"data_offsets", {offset, offset + t.bytes}}};
    offset += t.bytes;
  }
  std::string text;
  try {
    text = header.dump();
  } catch (const nlohmann::ordered_json::exception& e) {
    throw data_error("cannot write safetensors file '" + path +
                     "': header cannot be encoded: " + one_line(e.what()));
  }
  text.append((8 - text.size() % 8) % 8, ' ');
  return text;
}

}  // namespace

void write_safetensors(const std::string& path, const NamedTensors& tensors,
                       const std::map<std::string, std::string>& metadata) {
  // Everything that can fail is checked before the temp file is opened.
  std::vector<PreparedTensor> prepared;
  std::set<std::string> seen;
  for (const auto& [name, tensor] : tensors) {
    if (!seen.insert(name).second) throw write_error(path, name, "appears twice");
    prepared.push_back(prepare(path, name, tensor));
  }
  const std::string header = build_header(path, prepared, metadata);
  write_file_atomic(path, [&](std::ostream& out) {
    const uint64_t header_len = header.size();
    char len_bytes[8];
    std::memcpy(len_bytes, &header_len, sizeof(len_bytes));
    out.write(len_bytes, sizeof(len_bytes));
    out.write(header.data(), static_cast<std::streamsize>(header.size()));
    for (const auto& t : prepared) {
      if (t.bytes > 0)
        out.write(static_cast<const char*>(t.tensor.data_ptr()), static_cast<std::streamsize>(t.bytes));
    }
  });
}

}  // namespace llmedit
