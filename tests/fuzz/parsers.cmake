# Fuzz targets for the parsers not covered by dns.cmake/http.cmake: URI and
# query decoding, evtag, evbuffer_readln/search, resolv.conf.  With Clang
# each is a libFuzzer binary (tests/fuzz/run.sh builds them in build-fuzz/
# with the whole tree instrumented); with gcc, replay.c runs the same
# entry point over the committed corpus, so the seeds and every crash
# input kept there run as ordinary ctest tests (label fuzz).
function(libev_fuzz_target name)
  cmake_parse_arguments(F "" "" "SOURCES;LIBS;INCLUDES" ${ARGN})
  set(corpus "${CMAKE_CURRENT_SOURCE_DIR}/corpus/${name}")
  if(CMAKE_C_COMPILER_ID STREQUAL "Clang")
    add_executable(fuzz-${name} ${F_SOURCES})
    target_compile_options(fuzz-${name} PRIVATE
      -fsanitize=fuzzer,address,undefined)
    target_link_options(fuzz-${name} PRIVATE
      -fsanitize=fuzzer,address,undefined)
    add_test(NAME fuzz-${name}-seeds COMMAND fuzz-${name} -runs=0 "${corpus}")
  else()
    add_executable(fuzz-${name} ${F_SOURCES} replay.c)
    add_test(NAME fuzz-${name}-seeds COMMAND fuzz-${name} "${corpus}")
  endif()
  target_link_libraries(fuzz-${name} PRIVATE ${F_LIBS})
  target_include_directories(fuzz-${name} PRIVATE ${F_INCLUDES})
  target_compile_definitions(fuzz-${name} PRIVATE _GNU_SOURCE)
  libev_warnings(fuzz-${name})
  set_tests_properties(fuzz-${name}-seeds PROPERTIES TIMEOUT 60
    LABELS "fuzz")
endfunction()

libev_fuzz_target(evbuffer SOURCES fuzz-evbuffer.c LIBS libev-core)
libev_fuzz_target(evtag SOURCES fuzz-evtag.c LIBS libev-core)
if(TARGET libev-http)
  libev_fuzz_target(http-uri SOURCES fuzz-http-uri.c
    LIBS libev-http libev-core)
endif()
if(TARGET libev-dns)
  libev_fuzz_target(resolv-conf SOURCES fuzz-resolv-conf.c
    LIBS libev-dns libev-core
    INCLUDES "${PROJECT_SOURCE_DIR}/dns/src" "${PROJECT_SOURCE_DIR}/dns/include")
endif()
