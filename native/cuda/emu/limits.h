#pragma once
// The emulated device's limits, those of the GPU named by TF_CUDA_EMU_SM (default 90: H100/H200; 80: A100).
// Launches are checked against them as the driver would, so a launch that would fail on the device fails here.
#include <cstddef>

namespace tf_emu::limits {

constexpr size_t kMaxDynamicSharedBytes = 232448;  // the largest of the emulated devices (sm_90: 227 KB)
constexpr size_t kDefaultSharedBytes = 48 * 1024;  // without cudaFuncAttributeMaxDynamicSharedMemorySize
constexpr unsigned kMaxThreadsPerBlock = 1024;
constexpr unsigned kMaxGridY = 65535, kMaxGridZ = 65535;

struct Device {
  int sm = 90;
  const char* name = "";
  size_t shared_optin = 0;  // cudaDevAttrMaxSharedMemoryPerBlockOptin
  int multiprocessors = 0;
};
// From TF_CUDA_EMU_SM (80 or 90; anything else falls back to 90 with a warning on stderr).
const Device& device();

}  // namespace tf_emu::limits
