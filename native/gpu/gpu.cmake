# gpu_ours (native/gpu/ours.cc): our side of native/gpu/check.sh steps 3-4 in C++, so the GPU machine needs no
# Node.js. Built into every tree so it keeps compiling: against tf_core (the real CUDA backend when nvcc is there,
# else the "not built" answers) and, with the emulator, as gpu_ours_emu, which the vitest emu project runs on a tiny
# model on the emulated device (native/gpu/gpu-ours.emu.test.ts, cli/commands/bench/bench-generate-cuda.emu.test.ts:
# the same commands check.sh runs, scaled down; not a ctest test).
add_executable(gpu_ours ${CMAKE_CURRENT_LIST_DIR}/ours.cc)
target_link_libraries(gpu_ours PRIVATE tf_core)
if(TARGET tf_core_emu)
  add_executable(gpu_ours_emu ${CMAKE_CURRENT_LIST_DIR}/ours.cc)
  target_link_libraries(gpu_ours_emu PRIVATE tf_core_emu)
endif()
