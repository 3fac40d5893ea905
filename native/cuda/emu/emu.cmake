# The CUDA emulator build (native/cuda/emu): native/cuda's kernels, launchers and CUDA model compiled as C++ against
# emu/include's stand-ins for the toolkit headers, linked with the same core objects into tf_core_emu, and run by
# cuda_check_emu and cuda_model_check_emu as ctest tests. The kernels' own code executes on every machine, with or
# without nvcc or a GPU; what only a GPU shows (speed, real tensor-core rounding, races between concurrently
# running threads) still needs native/gpu/check.sh.
option(TF_CUDA_EMULATOR "Build and test native/cuda under the CPU emulator" ON)
find_program(TF_NODE_EXECUTABLE node)
if(NOT TF_CUDA_EMULATOR)
  message(STATUS "CUDA emulator: off (TF_CUDA_EMULATOR=OFF)")
  return()
endif()
if(NOT TF_NODE_EXECUTABLE)
  message(STATUS "CUDA emulator: not built (node, which translates the .cu files, was not found)")
  return()
endif()

set(TF_EMU_DIR ${CMAKE_CURRENT_LIST_DIR})
set(TF_CUDA_DIR ${CMAKE_CURRENT_LIST_DIR}/..)
set(TF_EMU_GEN ${CMAKE_CURRENT_BINARY_DIR}/cuda_emu_gen)
file(GLOB TF_EMU_CU_SOURCES CONFIGURE_DEPENDS ${TF_CUDA_DIR}/*.cu)
set(TF_EMU_TRANSLATED)
foreach(cu ${TF_EMU_CU_SOURCES})
  get_filename_component(stem ${cu} NAME_WE)
  set(out ${TF_EMU_GEN}/${stem}.cc)
  add_custom_command(OUTPUT ${out}
    COMMAND ${TF_NODE_EXECUTABLE} ${TF_EMU_DIR}/translate.mjs ${cu} ${out}
    DEPENDS ${cu} ${TF_EMU_DIR}/translate.mjs
    COMMENT "tf_emu: translating ${stem}.cu" VERBATIM)
  list(APPEND TF_EMU_TRANSLATED ${out})
endforeach()
# The emulated cuBLASLt (cublaslt.h): its GEMMs are kernels too, so it goes through the same translation.
add_custom_command(OUTPUT ${TF_EMU_GEN}/emu_cublaslt.cc
  COMMAND ${TF_NODE_EXECUTABLE} ${TF_EMU_DIR}/translate.mjs ${TF_EMU_DIR}/cublaslt.cu ${TF_EMU_GEN}/emu_cublaslt.cc
  DEPENDS ${TF_EMU_DIR}/cublaslt.cu ${TF_EMU_DIR}/translate.mjs
  COMMENT "tf_emu: translating emu/cublaslt.cu" VERBATIM)
list(APPEND TF_EMU_TRANSLATED ${TF_EMU_GEN}/emu_cublaslt.cc)
file(GLOB TF_EMU_BACKEND_SOURCES CONFIGURE_DEPENDS ${TF_CUDA_DIR}/backend/*.cc)

# Usage requirements of everything compiled against the emulator: its headers shadow the toolkit's (BEFORE).
# No fused multiply-add contraction: nvcc does contract a * b + c by default (--fmad=true), but where the kernels
# must match the CPU bit for bit they spell their roundings with __fmul_rn and friends, which the emulator keeps;
# elsewhere the emulator rounds each operation, so it is slightly more exact than a device (and __expf is exact
# here), and its tolerances are the bf16-level ones of a device run, not tighter. No type-based alias analysis
# (kernels read bf16 arrays as uint4), #pragma unroll ignored, and stack-clash protection so a large frame cannot
# jump a fiber stack's guard.
add_library(tf_emu_flags INTERFACE)
target_include_directories(tf_emu_flags BEFORE INTERFACE ${TF_EMU_DIR}/include)
target_include_directories(tf_emu_flags INTERFACE ${TF_CUDA_DIR} ${CMAKE_CURRENT_SOURCE_DIR}/src)
target_compile_definitions(tf_emu_flags INTERFACE TF_CUDA_EMULATOR)
# -Wno-sign-compare: blockDim and threadIdx are unsigned, as in CUDA, and nvcc does not warn about comparing them with ints.
target_compile_options(tf_emu_flags INTERFACE -O2 -ffp-contract=off -fno-strict-aliasing -Wno-unknown-pragmas
                       -Wno-sign-compare -fstack-clash-protection)

add_library(tf_cuda_emu_objects OBJECT ${TF_EMU_TRANSLATED} ${TF_EMU_BACKEND_SOURCES}
            ${TF_EMU_DIR}/fiber.cc ${TF_EMU_DIR}/scheduler.cc ${TF_EMU_DIR}/runtime.cc ${TF_EMU_DIR}/memory.cc
            ${TF_EMU_DIR}/fault.cc ${TF_EMU_DIR}/streams.cc ${TF_EMU_DIR}/graphs.cc)
target_link_libraries(tf_cuda_emu_objects PRIVATE tf_emu_flags)
target_compile_definitions(tf_cuda_emu_objects PRIVATE TF_WITH_CUDA)
# PIC like the core's objects: tf_core_emu is linked into the emulated addon (addon.cmake), a shared object.
set_target_properties(tf_cuda_emu_objects PROPERTIES POSITION_INDEPENDENT_CODE ON)
tf_unity_build(tf_cuda_emu_objects)

# One archive, no cycles: the core, the CUDA host plans and the emulated CUDA backend.
add_library(tf_core_emu STATIC $<TARGET_OBJECTS:tf_core_objects> $<TARGET_OBJECTS:tf_cuda_host_objects>
            $<TARGET_OBJECTS:tf_cuda_emu_objects>)
target_include_directories(tf_core_emu PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/src)
target_link_libraries(tf_core_emu PUBLIC tf_emu_flags Threads::Threads ${CMAKE_DL_LIBS})

file(GLOB TF_EMU_CHECK_SOURCES CONFIGURE_DEPENDS ${TF_CUDA_DIR}/check/*.cc)
add_executable(cuda_check_emu ${TF_EMU_CHECK_SOURCES})
target_link_libraries(cuda_check_emu PRIVATE tf_core_emu)
tf_unity_build(cuda_check_emu)
add_executable(cuda_model_check_emu ${TF_CUDA_DIR}/model_check/main.cc)
target_include_directories(cuda_model_check_emu PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/tests)
target_link_libraries(cuda_model_check_emu PRIVATE tf_core_emu)
foreach(t cuda_check_emu cuda_model_check_emu)
  add_test(NAME ${t} COMMAND ${t})
  set_tests_properties(${t} PROPERTIES TIMEOUT 900)
endforeach()
# The whole model once more with every GEMM on the emulated cuBLASLt (cublaslt.h): the path a GPU with libcublasLt takes.
add_test(NAME cuda_model_check_emu_cublaslt COMMAND cuda_model_check_emu)
set_tests_properties(cuda_model_check_emu_cublaslt PROPERTIES TIMEOUT 900
                     ENVIRONMENT "TF_CUDA_EMU_CUBLASLT=1;TF_TEST_SUMMARY_NAME=cuda_model_check_emu_cublaslt")
# The kernels once more under A100 limits (163 KiB of shared memory per block instead of H100's 227 KiB).
add_test(NAME cuda_check_emu_sm80 COMMAND cuda_check_emu)
set_tests_properties(cuda_check_emu_sm80 PROPERTIES TIMEOUT 900
                     ENVIRONMENT "TF_CUDA_EMU_SM=80;TF_TEST_SUMMARY_NAME=cuda_check_emu_sm80")
message(STATUS "CUDA emulator: building cuda_check_emu and cuda_model_check_emu (ctest)")

# The emulator's own tests: .cu files, so they go through the same translation as the kernels.
foreach(stem test_cuda_emulator test_cuda_emulator_streams test_cuda_emulator_ptx)
  add_custom_command(OUTPUT ${TF_EMU_GEN}/${stem}.cc
    COMMAND ${TF_NODE_EXECUTABLE} ${TF_EMU_DIR}/translate.mjs ${TF_EMU_DIR}/tests/${stem}.cu ${TF_EMU_GEN}/${stem}.cc
    DEPENDS ${TF_EMU_DIR}/tests/${stem}.cu ${TF_EMU_DIR}/translate.mjs VERBATIM)
endforeach()
# A C++ test program on the emulated backend: its sources, the shared main(), tf_core_emu, one ctest test.
function(tf_emu_test name)
  add_executable(${name} ${ARGN} ${CMAKE_CURRENT_SOURCE_DIR}/tests/harness_main.cc)
  target_include_directories(${name} PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/tests)
  target_link_libraries(${name} PRIVATE tf_core_emu)
  add_test(NAME ${name} COMMAND ${name})
  set_tests_properties(${name} PROPERTIES TIMEOUT 300)
endfunction()
tf_emu_test(test_cuda_emulator ${TF_EMU_GEN}/test_cuda_emulator.cc)
tf_emu_test(test_cuda_emulator_streams ${TF_EMU_GEN}/test_cuda_emulator_streams.cc)
tf_emu_test(test_cuda_emulator_ptx ${TF_EMU_GEN}/test_cuda_emulator_ptx.cc)
# Translated into the build tree: their shared header stays in the source tree.
target_include_directories(test_cuda_emulator PRIVATE ${TF_EMU_DIR}/tests)
target_include_directories(test_cuda_emulator_streams PRIVATE ${TF_EMU_DIR}/tests)
target_include_directories(test_cuda_emulator_ptx PRIVATE ${TF_EMU_DIR}/tests)

# The CUDA backend through tf::api::Session: training on the emulated GPU, no-device and out-of-memory messages.
tf_emu_test(test_cuda_emulated_session ${TF_EMU_DIR}/tests/test_cuda_emulated_session.cc)
# Its checkpoints: resumed on the device and across backends, written by a cancel, kept when the loss diverges.
tf_emu_test(test_cuda_emulated_checkpoints ${TF_EMU_DIR}/tests/test_cuda_emulated_checkpoints.cc)
# Its other Session paths: scoring, packing, gradient checkpointing, validation, the memory report, NF4.
tf_emu_test(test_cuda_emulated_session_paths ${TF_EMU_DIR}/tests/test_cuda_emulated_session_paths.cc)
# Its second stream (NF4 expansions ahead) and its decode graphs.
tf_emu_test(test_cuda_emulated_streams ${TF_EMU_DIR}/tests/test_cuda_emulated_streams.cc)
# The GEMM dispatcher's cuBLASLt path on the emulated cuBLASLt (cublaslt.h; the program turns it on, on four devices);
# its failure tests once more under TF_CUDA_GEMM=cublaslt, which turns fallbacks into errors.
tf_emu_test(test_cuda_emulated_cublaslt ${TF_EMU_DIR}/tests/test_cuda_emulated_cublaslt.cc)
add_test(NAME test_cuda_emulated_cublaslt_required COMMAND test_cuda_emulated_cublaslt failures_)
set_tests_properties(test_cuda_emulated_cublaslt_required PROPERTIES TIMEOUT 300 ENVIRONMENT
                     "TF_CUDA_GEMM=cublaslt;TF_TEST_SUMMARY_NAME=test_cuda_emulated_cublaslt_required")

# The Node addon on the emulated GPU, for the TypeScript tests of the cuda paths.
include(${TF_EMU_DIR}/addon.cmake)
