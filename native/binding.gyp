{
  # The Node addon: every .cc under src/ (tools/sources.mjs lists them), C++17 with exceptions, because the
  # core reports every failure as a tf::Error that the binding turns into a JS error. No -march=native: the
  # kernels choose AVX2/AVX-512 per function at run time, so the addon runs on any x86-64.
  # With nvcc, build-addon.mjs first builds native/cuda and the core with CMake (libtf_cuda.a, libtf_core.a) and
  # records how to link them (tools/cuda-link.mjs): only src/binding/ compiles here then, and CMake's core has the
  # CUDA backend where a CPU-only build has src/backend/cuda_absent.cc.
  "variables": { "tf_cuda%": "<!(node tools/cuda-link.mjs enabled)" },
  "targets": [
    {
      "target_name": "tuneforge_native",
      "include_dirs": ["src", "<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_CPP_EXCEPTIONS"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti", "-std=gnu++17", "-std=gnu++20"],
      "cflags_cc": ["-std=c++17", "-fexceptions", "-frtti", "-O3", "-pthread", "-Wall", "-Wextra", "-Wno-unused-parameter"],
      "ldflags": ["-pthread"],
      "xcode_settings": {
        "GCC_ENABLE_CPP_EXCEPTIONS": "YES",
        "GCC_ENABLE_CPP_RTTI": "YES",
        "CLANG_CXX_LANGUAGE_STANDARD": "c++17",
        "OTHER_CPLUSPLUSFLAGS": ["-O3"]
      },
      "conditions": [
        ["tf_cuda==1", {
          "sources": ["<!@(node tools/sources.mjs binding)"],
          "defines": ["TF_WITH_CUDA"],
          "libraries": ["<!@(node tools/cuda-link.mjs libraries)"]
        }, {
          "sources": ["<!@(node tools/sources.mjs)"]
        }]
      ]
    }
  ]
}
