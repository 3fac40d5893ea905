// safetensors writer for adapters, checkpoints and merged models. The header is padded with spaces to a
// multiple of 8 (as the reference implementation does) so tensor data is aligned for readers that map it.
// Data goes to <path>.tmp and is renamed into place only when complete, so an interrupted save (crash,
// full disk, cancelled job) never leaves a truncated file where a good one is expected.
#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <set>

#include "common/error.h"
#include "common/json.h"
#include "io/safetensors.h"

namespace tf {

namespace {

class TmpFile {
 public:
  explicit TmpFile(const std::string& path) : path_(path) {
    f_ = std::fopen(path.c_str(), "wb");
    TF_CHECK(f_, "cannot create " + path + ": " + std::strerror(errno));
  }
  ~TmpFile() {
    if (f_) std::fclose(f_);
    if (!committed_) std::remove(path_.c_str());
  }
  void write(const void* p, size_t n) {
    if (n && std::fwrite(p, 1, n, f_) != n)
      throw Error("cannot write " + path_ + ": " + std::strerror(errno) + " (disk full?)");
  }
  void commit(const std::string& final_path) {
    int rc = std::fflush(f_);
    rc |= std::fclose(f_);
    f_ = nullptr;
    TF_CHECK(rc == 0, "cannot write " + path_ + ": " + std::strerror(errno) + " (disk full?)");
    TF_CHECK(std::rename(path_.c_str(), final_path.c_str()) == 0,
             "cannot rename " + path_ + " to " + final_path + ": " + std::strerror(errno));
    committed_ = true;
  }

 private:
  std::string path_;
  std::FILE* f_ = nullptr;
  bool committed_ = false;
};

}  // namespace

void write_safetensors(const std::string& path, const std::vector<TensorToWrite>& tensors,
                       const std::map<std::string, std::string>& metadata) {
  Json header = Json::object();
  if (!metadata.empty()) {
    Json meta = Json::object();
    for (const auto& kv : metadata) meta.set(kv.first, Json::string(kv.second));
    header.set("__metadata__", meta);
  }
  std::set<std::string> seen;
  uint64_t offset = 0;
  for (const TensorToWrite& t : tensors) {
    const std::string what = path + ": tensor " + t.name;
    TF_CHECK(!t.name.empty() && t.name != "__metadata__", path + ": invalid tensor name \"" + t.name + "\"");
    TF_CHECK(seen.insert(t.name).second, what + " is listed twice");
    TF_CHECK(t.dtype == DType::F32 || t.dtype == DType::BF16 || t.dtype == DType::F16,
             what + ": can only write F32, BF16 or F16, not " + dtype_name(t.dtype));
    int64_t numel = 1;
    Json shape = Json::array();
    for (int64_t d : t.shape) {
      TF_CHECK(d >= 0, what + " has a negative dimension");
      numel *= d;
      shape.push(Json::integer(d));
    }
    TF_CHECK(numel == 0 || t.data, what + " has no data");
    uint64_t bytes = uint64_t(numel) * dtype_size(t.dtype);
    Json entry = Json::object();
    entry.set("dtype", Json::string(dtype_name(t.dtype)));
    entry.set("shape", shape);
    Json offs = Json::array();
    offs.push(Json::integer(int64_t(offset)));
    offs.push(Json::integer(int64_t(offset + bytes)));
    entry.set("data_offsets", offs);
    header.set(t.name, entry);
    offset += bytes;
  }
  std::string text = header.dump();
  text.append((8 - text.size() % 8) % 8, ' ');

  TmpFile out(path + ".tmp");
  uint8_t len[8];
  for (int i = 0; i < 8; ++i) len[i] = uint8_t(uint64_t(text.size()) >> (8 * i));
  out.write(len, 8);
  out.write(text.data(), text.size());
  std::vector<uint16_t> buf;
  for (const TensorToWrite& t : tensors) {
    int64_t numel = 1;
    for (int64_t d : t.shape) numel *= d;
    if (t.dtype == DType::F32) {
      out.write(t.data, size_t(numel) * 4);
      continue;
    }
    // Convert in chunks so a multi-GB merged weight does not need a second full-size copy in memory.
    const size_t chunk = 1 << 16;
    buf.resize(chunk);
    for (int64_t i = 0; i < numel; i += chunk) {
      size_t n = size_t(std::min<int64_t>(chunk, numel - i));
      for (size_t j = 0; j < n; ++j)
        buf[j] = t.dtype == DType::BF16 ? f32_to_bf16(t.data[i + j]) : f32_to_f16(t.data[i + j]);
      out.write(buf.data(), n * 2);
    }
  }
  out.commit(path);
}

}  // namespace tf
