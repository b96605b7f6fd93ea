# DNS packet fuzz target (included by tests/fuzz/CMakeLists.txt).  The
# libev-dns sources are compiled into it so libFuzzer sees their coverage.
# With Clang: a libFuzzer binary plus a ctest over the seed corpus;
# otherwise the same entry point is driven by dns-replay.c over the seeds.
if(TARGET libev-dns)
  get_property(dns_sources GLOBAL PROPERTY LIBEV_DNS_SOURCES)
  set(corpus "${CMAKE_CURRENT_SOURCE_DIR}/corpus/dns-packet")
  if(CMAKE_C_COMPILER_ID STREQUAL "Clang")
    add_executable(fuzz-dns-packet fuzz-dns-packet.c ${dns_sources})
    target_compile_options(fuzz-dns-packet PRIVATE -fsanitize=fuzzer,address)
    target_link_options(fuzz-dns-packet PRIVATE -fsanitize=fuzzer,address)
    add_test(NAME fuzz-dns-packet-seeds
      COMMAND fuzz-dns-packet -runs=0 "${corpus}")
  else()
    add_executable(fuzz-dns-packet fuzz-dns-packet.c dns-replay.c
      ${dns_sources})
    add_test(NAME fuzz-dns-packet-seeds COMMAND fuzz-dns-packet "${corpus}")
  endif()
  target_include_directories(fuzz-dns-packet PRIVATE
    "${PROJECT_SOURCE_DIR}/dns/include" "${PROJECT_SOURCE_DIR}/dns/src")
  target_compile_definitions(fuzz-dns-packet PRIVATE _GNU_SOURCE)
  target_link_libraries(fuzz-dns-packet PRIVATE libev-core)
  libev_warnings(fuzz-dns-packet)
  set_tests_properties(fuzz-dns-packet-seeds PROPERTIES TIMEOUT 60
    LABELS "fuzz;dns")
endif()
