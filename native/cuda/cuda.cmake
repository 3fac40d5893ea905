# CUDA kernels and the CUDA model (native/cuda), cuda_check and cuda_model_check, built only when an nvcc is found; without one nothing here runs
# and the rest of the tree is unchanged. cuda_check is deliberately NOT a ctest test: CI and the dev machines
# have nvcc but no GPU, and a test that cannot run must not show up as a skipped test. native/gpu/check.sh runs
# them on a GPU machine.
include(CheckLanguage)
check_language(CUDA)
if(CMAKE_CUDA_COMPILER AND CMAKE_VERSION VERSION_LESS 3.24)
  message(STATUS "nvcc found, but CUDA kernels need CMake >= 3.24 (sm_90a); not building tf_cuda")
elseif(CMAKE_CUDA_COMPILER)
  # sm_80 (A100) and sm_90a (H100/H200); set before enable_language so CMake does not probe a default.
  if(NOT DEFINED CMAKE_CUDA_ARCHITECTURES)
    set(CMAKE_CUDA_ARCHITECTURES "80;90a")
  endif()
  enable_language(CUDA)
  find_package(CUDAToolkit REQUIRED)
  set(CMAKE_CUDA_STANDARD 17)
  set(CMAKE_CUDA_STANDARD_REQUIRED ON)
  file(GLOB TF_CUDA_SOURCES CONFIGURE_DEPENDS ${CMAKE_CURRENT_LIST_DIR}/*.cu)
  # The CUDA model (backend/): host C++ that calls the launchers; .cc files compile with the host compiler and
  # get cuda_runtime.h from CUDA::cudart_static's include directories.
  file(GLOB TF_CUDA_BACKEND_SOURCES CONFIGURE_DEPENDS ${CMAKE_CURRENT_LIST_DIR}/backend/*.cc
       ${CMAKE_CURRENT_LIST_DIR}/backend/*.cu)
  add_library(tf_cuda STATIC ${TF_CUDA_SOURCES} ${TF_CUDA_BACKEND_SOURCES})
  target_compile_options(tf_cuda PRIVATE $<$<COMPILE_LANGUAGE:CUDA>:-Xcompiler=-Wall,-Wextra,-Wno-unused-parameter>)
  target_link_libraries(tf_cuda PUBLIC tf_cuda_host tf_core CUDA::cudart_static)
  # npm run native:build links these static libraries into the addon, a shared object.
  set_target_properties(tf_cuda tf_cuda_host PROPERTIES POSITION_INDEPENDENT_CODE ON)
  # The whole tree gets the CUDA backend: backend/entry.cc (under TF_WITH_CUDA) implements backend/cuda_entry.h,
  # so Session (tf_core) resolves "auto"/"cuda" to it and every test executable links it (and still runs without a
  # GPU: the device list is then empty and says why). tf_core and tf_cuda need each other; CMake repeats cyclic
  # static libraries on the link line.
  target_compile_definitions(tf_cuda PRIVATE TF_WITH_CUDA)
  target_link_libraries(tf_core PUBLIC tf_cuda)
  file(GLOB TF_CUDA_CHECK_SOURCES CONFIGURE_DEPENDS ${CMAKE_CURRENT_LIST_DIR}/check/*.cu
       ${CMAKE_CURRENT_LIST_DIR}/check/*.cc)
  add_executable(cuda_check ${TF_CUDA_CHECK_SOURCES})
  target_link_libraries(cuda_check PRIVATE tf_cuda tf_core)
  tf_unity_build(cuda_check)
  # check.sh step 2: the whole CUDA model against the CPU backend on tiny models (uses the model tests' fixtures).
  add_executable(cuda_model_check ${CMAKE_CURRENT_LIST_DIR}/model_check/main.cc)
  target_include_directories(cuda_model_check PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/tests)
  target_link_libraries(cuda_model_check PRIVATE tf_cuda tf_core)
  message(STATUS "CUDA ${CMAKE_CUDA_COMPILER_VERSION}: building tf_cuda, cuda_check and cuda_model_check for ${CMAKE_CUDA_ARCHITECTURES}")
endif()
if(NOT TARGET tf_cuda)
  message(STATUS "no nvcc: CUDA kernels not built")
  target_sources(tf_core PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/src/backend/cuda_absent.cc)
endif()
