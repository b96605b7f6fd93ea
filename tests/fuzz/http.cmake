# HTTP parser fuzz targets (included by tests/fuzz/CMakeLists.txt).
# With Clang: real libFuzzer binaries (fuzz-http-*), plus a ctest that runs
# each over its seed corpus.  Otherwise: the replay driver runs the seeds.
foreach(t request response chunked)
  set(corpus "${CMAKE_CURRENT_SOURCE_DIR}/corpus/http-${t}")
  if(CMAKE_C_COMPILER_ID STREQUAL "Clang")
    # The parser is compiled here, instrumented, so libFuzzer sees its
    # coverage (the object library is built without -fsanitize=fuzzer).
    add_executable(fuzz-http-${t} fuzz-http-${t}.c
      "${PROJECT_SOURCE_DIR}/http/src/parser.c")
    target_compile_options(fuzz-http-${t} PRIVATE -fsanitize=fuzzer,address)
    target_link_options(fuzz-http-${t} PRIVATE -fsanitize=fuzzer,address)
    add_test(NAME fuzz-http-${t}-seeds
      COMMAND fuzz-http-${t} -runs=0 "${corpus}")
  else()
    add_executable(fuzz-http-${t} fuzz-http-${t}.c replay.c
      $<TARGET_OBJECTS:ev-http-parser>)
    add_test(NAME fuzz-http-${t}-seeds COMMAND fuzz-http-${t} "${corpus}")
  endif()
  target_include_directories(fuzz-http-${t} PRIVATE
    "${PROJECT_SOURCE_DIR}/http/src")
  libev_warnings(fuzz-http-${t})
  set_tests_properties(fuzz-http-${t}-seeds PROPERTIES TIMEOUT 60
    LABELS "fuzz;http")
endforeach()
