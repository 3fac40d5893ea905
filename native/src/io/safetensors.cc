// safetensors reader. The header is untrusted (downloaded models, truncated copies), so every field is
// checked before a single tensor byte is touched: header length within the file and under 100 MB, JSON
// well-formed, known dtypes, non-negative shapes without overflow, offsets inside the data section with
// end - begin == numel * dtype size, and no two tensors sharing bytes. Errors name the file and tensor.
#include "io/safetensors.h"

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/error.h"
#include "common/threadpool.h"
#include "common/json.h"

namespace tf {

namespace {

// The reference implementation refuses headers above 100 MB; a lying length must not make us allocate more.
constexpr uint64_t kMaxHeaderBytes = 100ull * 1000 * 1000;
// A dimension this large cannot be real and would overflow numel * dtype size.
constexpr int64_t kMaxDim = int64_t(1) << 48;

bool parse_dtype(const std::string& s, DType* out) {
  static const struct { const char* name; DType d; } kTable[] = {
      {"F32", DType::F32}, {"F16", DType::F16}, {"BF16", DType::BF16}, {"I64", DType::I64}, {"I32", DType::I32},
      {"U8", DType::U8},   {"I8", DType::I8},   {"BOOL", DType::BOOL}, {"F64", DType::F64}, {"I16", DType::I16}};
  for (const auto& e : kTable) {
    if (s == e.name) {
      *out = e.d;
      return true;
    }
  }
  return false;
}

std::string shape_str(const std::vector<int64_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

TensorInfo parse_tensor_entry(const std::string& name, const Json& entry, uint64_t data_size, const std::string& where) {
  TF_CHECK(!name.empty(), where + ": a tensor has an empty name");
  TF_CHECK(entry.is_object(), where + ": entry for tensor " + name + " is not an object");
  const std::string what = where + ": tensor " + name;
  TensorInfo t;
  t.name = name;

  const Json* dtype = entry.find("dtype");
  TF_CHECK(dtype, what + " has no dtype");
  const std::string& ds = dtype->as_string(what + " dtype");
  TF_CHECK(parse_dtype(ds, &t.dtype),
           what + " has dtype " + ds + ", which is not supported (F32, F16, BF16, F64, I64, I32, I16, I8, U8, BOOL)");

  const Json* shape = entry.find("shape");
  TF_CHECK(shape, what + " has no shape");
  uint64_t numel = 1;
  for (const Json& d : shape->as_array(what + " shape")) {
    int64_t v = d.as_int(what + " shape");
    TF_CHECK(v >= 0 && v <= kMaxDim, what + " has an impossible dimension " + std::to_string(v));
    t.shape.push_back(v);
    // Checked per step so numel stays <= 2^60 and numel * dtype size (<= 8) cannot overflow 64 bits.
    TF_CHECK(v == 0 || numel <= (uint64_t(1) << 60) / uint64_t(v), what + " has too many elements");
    numel *= uint64_t(v);
  }
  TF_CHECK(t.shape.size() <= 8, what + " has " + std::to_string(t.shape.size()) + " dimensions; at most 8 are supported");

  const Json* offs = entry.find("data_offsets");
  TF_CHECK(offs, what + " has no data_offsets");
  const auto& o = offs->as_array(what + " data_offsets");
  TF_CHECK(o.size() == 2, what + " data_offsets must be [begin, end]");
  int64_t b = o[0].as_int(what + " data_offsets"), e = o[1].as_int(what + " data_offsets");
  TF_CHECK(b >= 0 && e >= b, what + " has data_offsets [" + std::to_string(b) + ", " + std::to_string(e) +
                                 "] (must be 0 <= begin <= end)");
  TF_CHECK(uint64_t(e) <= data_size, what + " ends at byte " + std::to_string(e) + " of the data section, but only " +
                                         std::to_string(data_size) + " bytes follow the header (truncated file?)");
  t.begin = uint64_t(b);
  t.end = uint64_t(e);
  uint64_t expect = numel * dtype_size(t.dtype);
  TF_CHECK(t.end - t.begin == expect, what + " " + dtype_name(t.dtype) + " " + shape_str(t.shape) + " needs " +
                                          std::to_string(expect) + " bytes but data_offsets span " +
                                          std::to_string(t.end - t.begin));
  return t;
}

}  // namespace

int64_t TensorInfo::numel() const {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

std::map<std::string, TensorInfo> parse_safetensors_header(const uint8_t* bytes, size_t file_size,
                                                           const std::string& source,
                                                           std::map<std::string, std::string>* metadata,
                                                           size_t* data_offset) {
  TF_CHECK(file_size >= 8, source + ": " + std::to_string(file_size) +
                               " bytes is too small for a safetensors file (the header length alone is 8 bytes)");
  uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | bytes[i];  // little-endian regardless of the host
  TF_CHECK(n <= kMaxHeaderBytes, source + ": header length " + std::to_string(n) +
                                     " bytes is over the 100 MB limit (not a safetensors file, or corrupt)");
  TF_CHECK(n <= file_size - 8, source + ": header length " + std::to_string(n) + " bytes runs past the end of the " +
                                   std::to_string(file_size) + "-byte file (truncated download?)");
  TF_CHECK(n >= 2 && bytes[8] == '{', source + ": the header does not start with '{' (not a safetensors file)");
  const std::string text(reinterpret_cast<const char*>(bytes + 8), size_t(n));
  const Json header = parse_json(text, source + " header");
  TF_CHECK(header.is_object(), source + ": the header is not a JSON object");
  const uint64_t data_size = file_size - 8 - n;

  std::map<std::string, TensorInfo> tensors;
  for (const auto& kv : header.as_object()) {
    if (kv.first == "__metadata__") {
      for (const auto& m : kv.second.as_object(source + ": __metadata__")) {
        const std::string& v = m.second.as_string(source + ": __metadata__ value of " + m.first);
        if (metadata) (*metadata)[m.first] = v;
      }
      continue;
    }
    tensors.emplace(kv.first, parse_tensor_entry(kv.first, kv.second, data_size, source));
  }

  // Two tensors sharing bytes means a crafted or corrupt file; sort by start and compare neighbours
  // (empty tensors occupy no bytes and may sit anywhere).
  std::vector<const TensorInfo*> order;
  for (const auto& kv : tensors)
    if (kv.second.end > kv.second.begin) order.push_back(&kv.second);
  std::sort(order.begin(), order.end(), [](const TensorInfo* a, const TensorInfo* b) { return a->begin < b->begin; });
  for (size_t i = 1; i < order.size(); ++i) {
    TF_CHECK(order[i]->begin >= order[i - 1]->end, source + ": tensors " + order[i - 1]->name + " and " +
                                                       order[i]->name + " overlap in the data section");
  }
  if (data_offset) *data_offset = size_t(8 + n);
  return tensors;
}

SafetensorsFile::SafetensorsFile(const std::string& path) : path_(path) {
  fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  TF_CHECK(fd_ >= 0, "cannot open " + path + ": " + std::strerror(errno));
  struct stat st;
  if (::fstat(fd_, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd_);
    fd_ = -1;
    throw Error(path + " is not a regular file");
  }
  size_ = size_t(st.st_size);
  try {
    TF_CHECK(size_ >= 8, path + ": " + std::to_string(size_) +
                             " bytes is too small for a safetensors file (the header length alone is 8 bytes)");
    void* p = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd_, 0);
    TF_CHECK(p != MAP_FAILED, "cannot map " + path + ": " + std::strerror(errno));
    map_ = static_cast<const uint8_t*>(p);
    tensors_ = parse_safetensors_header(map_, size_, path, &metadata_, &data_offset_);
  } catch (...) {
    if (map_) ::munmap(const_cast<uint8_t*>(map_), size_);
    ::close(fd_);
    map_ = nullptr;
    fd_ = -1;
    throw;
  }
}

SafetensorsFile::~SafetensorsFile() {
  if (map_) ::munmap(const_cast<uint8_t*>(map_), size_);
  if (fd_ >= 0) ::close(fd_);
}

const TensorInfo& SafetensorsFile::info(const std::string& name) const {
  auto it = tensors_.find(name);
  if (it == tensors_.end())
    throw Error(path_ + ": no tensor named " + name + " (the file has " + std::to_string(tensors_.size()) + " tensors)");
  return it->second;
}

const uint8_t* SafetensorsFile::data(const TensorInfo& t) const { return map_ + data_offset_ + t.begin; }

std::vector<float> SafetensorsFile::read_f32(const std::string& name, const std::vector<int64_t>& expected_shape) const {
  std::vector<float> out;
  read_f32_into(name, expected_shape, out);
  return out;
}

namespace {

// Values [begin, end) of a tensor's data as fp32. Tensor data need not be aligned (odd header lengths exist in the
// wild), so it is read through memcpy; bf16 is the top half of an fp32, written inline so the loop vectorizes.
void to_f32(DType dtype, const uint8_t* src, size_t begin, size_t end, float* out) {
  switch (dtype) {
    case DType::F32:
      if (end > begin) std::memcpy(out + begin, src + 4 * begin, (end - begin) * 4);
      break;
    case DType::BF16:
      for (size_t i = begin; i < end; ++i) {
        uint16_t h;
        std::memcpy(&h, src + 2 * i, 2);
        const uint32_t bits = static_cast<uint32_t>(h) << 16;
        std::memcpy(out + i, &bits, 4);
      }
      break;
    default:  // F16; the caller refused the others
      for (size_t i = begin; i < end; ++i) {
        uint16_t h;
        std::memcpy(&h, src + 2 * i, 2);
        out[i] = f16_to_f32(h);
      }
  }
}

// Below this many values a tensor is converted on the calling thread.
constexpr size_t kParallelMinValues = size_t(1) << 20;

}  // namespace

void SafetensorsFile::read_f32_into(const std::string& name, const std::vector<int64_t>& expected_shape,
                                    std::vector<float>& out, ThreadPool* pool) const {
  const TensorInfo& t = info(name);
  if (!expected_shape.empty() && expected_shape != t.shape) {
    throw Error(path_ + ": tensor " + name + " has shape " + shape_str(t.shape) + ", config expects " +
                shape_str(expected_shape));
  }
  if (t.dtype != DType::F32 && t.dtype != DType::BF16 && t.dtype != DType::F16)
    throw Error(path_ + ": tensor " + name + " has dtype " + dtype_name(t.dtype) +
                "; weights must be F32, F16 or BF16");
  const size_t n = size_t(t.numel());
  out.resize(n);
  const uint8_t* src = data(t);
  // With a pool the mapped file's pages are faulted in, and the values converted, on every thread.
  if (pool && pool->size() > 1 && n >= kParallelMinValues)
    pool->parallel_for(int64_t(n), [&](int64_t b, int64_t e, int) { to_f32(t.dtype, src, size_t(b), size_t(e), out.data()); });
  else
    to_f32(t.dtype, src, 0, n, out.data());
}

}  // namespace tf
