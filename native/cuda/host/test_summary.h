#pragma once
// cuda_check and cuda_model_check under ctest (the emulator build): their pass/fail counts in the form every
// native test executable leaves for `npm run test:native` (tests/harness.h): "<passed> <failed>" in
// $TF_TEST_SUMMARY_DIR/<program>.txt, when that variable is set.
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>

namespace tf::cuda::check {

inline void write_test_summary(const char* argv0, int passed, int failed) {
  const char* dir = std::getenv("TF_TEST_SUMMARY_DIR");
  if (!dir) return;
  // A ctest test that runs the same program another way (the emulator with A100 limits) names itself.
  const char* prog = std::getenv("TF_TEST_SUMMARY_NAME");
  if (!prog) {
    prog = std::strrchr(argv0, '/');
    prog = prog ? prog + 1 : argv0;
  }
  std::ofstream(std::string(dir) + "/" + prog + ".txt") << passed << " " << failed << "\n";
}

}  // namespace tf::cuda::check
