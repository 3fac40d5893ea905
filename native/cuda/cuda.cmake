# CUDA kernels (native/cuda) and cuda_check, built only when an nvcc is found; without one nothing here runs
# and the rest of the tree is unchanged. cuda_check is deliberately NOT a ctest test: CI and the dev machines
# have nvcc but no GPU, and a test that cannot run must not show up as a skipped test. native/gpu/check.sh runs
# it on a GPU machine.
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
  # backend/entry.cc implements backend/cuda_entry.h only under TF_WITH_CUDA (cuda_absent.cc is its opposite).
  target_compile_definitions(tf_cuda PRIVATE TF_WITH_CUDA)
  target_compile_options(tf_cuda PRIVATE $<$<COMPILE_LANGUAGE:CUDA>:-Xcompiler=-Wall,-Wextra,-Wno-unused-parameter>)
  target_link_libraries(tf_cuda PUBLIC tf_cuda_host tf_core CUDA::cudart_static)
  file(GLOB TF_CUDA_CHECK_SOURCES CONFIGURE_DEPENDS ${CMAKE_CURRENT_LIST_DIR}/check/*.cu
       ${CMAKE_CURRENT_LIST_DIR}/check/*.cc)
  add_executable(cuda_check ${TF_CUDA_CHECK_SOURCES})
  target_link_libraries(cuda_check PRIVATE tf_cuda tf_core)
  message(STATUS "CUDA ${CMAKE_CUDA_COMPILER_VERSION}: building tf_cuda and cuda_check for ${CMAKE_CUDA_ARCHITECTURES}")
else()
  message(STATUS "no nvcc: CUDA kernels not built")
endif()
