#pragma once
// safetensors: u64 little-endian header length, JSON header {name: {dtype, shape, data_offsets}} with an
// optional __metadata__ map, then raw little-endian tensor bytes. Files are mmapped read-only; every
// offset, size and dtype is validated before any byte is touched, so a truncated or lying file gives a
// tf::Error naming the file and tensor instead of a crash.
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace tf {

class ThreadPool;

enum class DType { F32, F16, BF16, I64, I32, U8, I8, BOOL, F64, I16 };
const char* dtype_name(DType d);
size_t dtype_size(DType d);

struct TensorInfo {
  std::string name;
  DType dtype;
  std::vector<int64_t> shape;
  uint64_t begin = 0, end = 0;  // offsets relative to the data section
  int64_t numel() const;
};

class SafetensorsFile {
 public:
  explicit SafetensorsFile(const std::string& path);  // mmap + validate; throws tf::Error
  ~SafetensorsFile();
  SafetensorsFile(const SafetensorsFile&) = delete;
  SafetensorsFile& operator=(const SafetensorsFile&) = delete;

  const std::string& path() const { return path_; }
  const std::map<std::string, TensorInfo>& tensors() const { return tensors_; }
  const std::map<std::string, std::string>& metadata() const { return metadata_; }
  bool has(const std::string& name) const { return tensors_.count(name) != 0; }
  const TensorInfo& info(const std::string& name) const;  // throws naming the file
  const uint8_t* data(const TensorInfo& t) const;

  // Converts F32/F16/BF16 to fp32. `expected_shape` (when non-empty) must match exactly, otherwise the
  // error says "<file>: tensor <name> has shape [a, b], config expects [c, d]".
  std::vector<float> read_f32(const std::string& name, const std::vector<int64_t>& expected_shape = {}) const;
  // The same into `out`, resized without giving memory back: loading reuses one buffer for every weight it
  // quantizes, instead of faulting in fresh pages per tensor (about 2.5 s per GB on our VMs). With a pool, a large
  // tensor is converted on all its threads.
  void read_f32_into(const std::string& name, const std::vector<int64_t>& expected_shape, std::vector<float>& out,
                     ThreadPool* pool = nullptr) const;

 private:
  std::string path_;
  int fd_ = -1;
  const uint8_t* map_ = nullptr;
  size_t size_ = 0;
  size_t data_offset_ = 0;
  std::map<std::string, TensorInfo> tensors_;
  std::map<std::string, std::string> metadata_;
};

// Parses only the header bytes (for fuzzing and tests); `file_size` is the total file size.
// Throws tf::Error on any inconsistency.
std::map<std::string, TensorInfo> parse_safetensors_header(const uint8_t* bytes, size_t file_size,
                                                           const std::string& source,
                                                           std::map<std::string, std::string>* metadata = nullptr,
                                                           size_t* data_offset = nullptr);

// A model's weights, single-file or sharded (model.safetensors.index.json → weight_map).
class WeightStore {
 public:
  explicit WeightStore(const std::string& model_dir);  // throws listing what is missing
  bool has(const std::string& name) const;
  const TensorInfo& info(const std::string& name) const;
  std::vector<float> read_f32(const std::string& name, const std::vector<int64_t>& expected_shape = {}) const;
  // The same into `out`, resized without giving memory back: loading reuses one buffer for every weight it
  // quantizes, instead of faulting in fresh pages per tensor (about 2.5 s per GB on our VMs). With a pool, a large
  // tensor is converted on all its threads.
  void read_f32_into(const std::string& name, const std::vector<int64_t>& expected_shape, std::vector<float>& out,
                     ThreadPool* pool = nullptr) const;
  std::vector<std::string> names() const;

 private:
  std::vector<std::unique_ptr<SafetensorsFile>> files_;
  std::map<std::string, size_t> where_;  // tensor name → index in files_
};

struct TensorToWrite {
  std::string name;
  DType dtype;  // F32 or BF16 (or F16); data is converted from fp32
  std::vector<int64_t> shape;
  const float* data;
};

// Writes a safetensors file (tensors in the given order, 8-byte aligned header as the reference
// implementation does). Writes to <path>.tmp then renames, so a crash never leaves half a file.
void write_safetensors(const std::string& path, const std::vector<TensorToWrite>& tensors,
                       const std::map<std::string, std::string>& metadata = {});

uint16_t f32_to_bf16(float f);  // round to nearest even; NaN stays NaN
float bf16_to_f32(uint16_t h);
float f16_to_f32(uint16_t h);
uint16_t f32_to_f16(float f);

}  // namespace tf
