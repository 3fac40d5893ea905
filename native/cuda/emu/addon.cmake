# The Node addon once more, linked against the emulated CUDA backend (tf_core_emu): tuneforge_native_emu.node in
# the CMake tree. Loaded through TUNEFORGE_NATIVE_ADDON (native/index.ts), it lets the TypeScript side — the
# binding's cuda paths, the GPU worker, doctor, the CLI — run on the "cuda" backend on machines without a GPU
# (native/cuda/emu/*.emu.test.ts, run by `npm run test:native` after ctest). Users never load it: the real addon is
# built by node-gyp (binding.gyp); this one compiles the same binding sources.
set(TF_REPO_ROOT ${CMAKE_CURRENT_SOURCE_DIR}/..)
set(TF_NAPI_DIR ${TF_REPO_ROOT}/node_modules/node-addon-api)
# Node's headers where build-addon.mjs looks for them: npm's nodedir, next to this node, then the usual prefixes.
execute_process(COMMAND ${TF_NODE_EXECUTABLE} -p "require('path').resolve(process.execPath, '..', '..')"
                OUTPUT_VARIABLE TF_NODE_PREFIX OUTPUT_STRIP_TRAILING_WHITESPACE)
set(TF_NODE_INCLUDE "")
foreach(prefix $ENV{npm_config_nodedir} ${TF_NODE_PREFIX} /usr /usr/local)
  if(NOT TF_NODE_INCLUDE AND EXISTS ${prefix}/include/node/node_api.h)
    set(TF_NODE_INCLUDE ${prefix}/include/node)
  endif()
endforeach()
if(NOT EXISTS ${TF_NAPI_DIR}/napi.h OR NOT TF_NODE_INCLUDE)
  message(STATUS "CUDA emulator: no emulated addon (needs node_modules/node-addon-api and Node's headers)")
  return()
endif()

file(GLOB TF_BINDING_SOURCES CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/src/binding/*.cc)
add_library(tuneforge_native_emu MODULE ${TF_BINDING_SOURCES})
tf_unity_build(tuneforge_native_emu)
set_target_properties(tuneforge_native_emu PROPERTIES PREFIX "" SUFFIX ".node")
target_include_directories(tuneforge_native_emu PRIVATE ${TF_NODE_INCLUDE} ${TF_NAPI_DIR})
# As binding.gyp: C++ exceptions through node-addon-api (every tf::Error becomes a JS error).
target_compile_definitions(tuneforge_native_emu PRIVATE NAPI_CPP_EXCEPTIONS)
target_link_libraries(tuneforge_native_emu PRIVATE tf_core_emu)
message(STATUS "CUDA emulator: building tuneforge_native_emu.node (the addon on the emulated GPU)")
