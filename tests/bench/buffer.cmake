# ---- buffered I/O benchmark (issue 3): bench-buffer-* ------------------
# One source, two builds: against libev-core and against Debian's libevent
# 2.1.  Programs, not tests; tests/bench/run-buffer.sh runs them.
find_package(PkgConfig REQUIRED)

add_executable(bench-buffer-libev ${CMAKE_CURRENT_LIST_DIR}/bench-buffer.c)
target_link_libraries(bench-buffer-libev PRIVATE libev-core)
libev_warnings(bench-buffer-libev)

# The libevent build sees only libevent's headers (/usr/include), never
# core/include.
pkg_check_modules(BENCH_BUF_LIBEVENT IMPORTED_TARGET libevent_core)
if(BENCH_BUF_LIBEVENT_FOUND)
  add_executable(bench-buffer-libevent ${CMAKE_CURRENT_LIST_DIR}/bench-buffer.c)
  target_link_libraries(bench-buffer-libevent PRIVATE PkgConfig::BENCH_BUF_LIBEVENT)
  libev_warnings(bench-buffer-libevent)
else()
  message(STATUS "libevent_core not found: bench-buffer-libevent not built "
                 "(bash cmake/install-deps.sh bench)")
endif()
