#pragma once
// The emulated devices and their limits. TF_CUDA_EMU_SM lists one compute capability per device, separated by
// commas (default "90"): 90 has H100/H200 limits, 80 A100 limits, anything else (75: a Turing card the kernels do
// not support) A100 limits under its own number. Launches are checked against the current device's limits as the
// driver would, so a launch that would fail on the device fails here.
#include <cstddef>
#include <string>

namespace tf_emu::limits {

constexpr size_t kDefaultSharedBytes = 48 * 1024;  // without cudaFuncAttributeMaxDynamicSharedMemorySize
constexpr unsigned kMaxThreadsPerBlock = 1024;
constexpr unsigned kMaxBlockX = 1024, kMaxBlockY = 1024, kMaxBlockZ = 64;
constexpr unsigned kMaxGridX = 2147483647u, kMaxGridY = 65535, kMaxGridZ = 65535;

struct Device {
  int sm = 90;
  std::string name;
  size_t shared_optin = 0;  // cudaDevAttrMaxSharedMemoryPerBlockOptin
  int multiprocessors = 0;
};
// Read from the environment at every call, so a test can change the machine between calls.
int device_count();
Device device(int index);

}  // namespace tf_emu::limits
