# Benchmarks (not tests): include(bench/bench.cmake) from native/CMakeLists.txt after tf_core is defined.
add_executable(bench_trainer ${CMAKE_CURRENT_LIST_DIR}/bench_trainer.cc)
target_link_libraries(bench_trainer PRIVATE tf_core)
add_executable(bench_nf4_linear ${CMAKE_CURRENT_LIST_DIR}/bench_nf4_linear.cc)
target_link_libraries(bench_nf4_linear PRIVATE tf_core)
add_executable(bench_checkpoint_log ${CMAKE_CURRENT_LIST_DIR}/bench_checkpoint_log.cc)
target_link_libraries(bench_checkpoint_log PRIVATE tf_core)
