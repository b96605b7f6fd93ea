#!/usr/bin/env bash
# The whole test suite, from a clean checkout on a fresh Debian 12 machine:
# installs what is missing, then runs the suite three ways plus a short
# fuzzing pass, failing on the first pass that fails:
#   1. Debug build (build-test/), every ctest test but the valgrind ones;
#   2. the asan preset (build-asan/: ASan + UBSan, halt_on_error,
#      detect_leaks=1), every test not labelled no-asan;
#   3. valgrind memcheck over the core and conformance tests (the tests
#      labelled valgrind in build-test/, from -DLIBEV_TEST_VALGRIND=ON);
#   4. each libFuzzer target for LIBEV_CI_FUZZ_SECONDS (default 10; 0 skips)
#      through tests/fuzz/run.sh (clang, build-fuzz/).
# Before the passes: the C sources must match .clang-format, and cmocka
# must be there (without it the build would quietly skip the tests).
# LIBEV_CI_PASSES="debug asan valgrind fuzz" (the default) picks passes.
set -euo pipefail
cd "$(dirname "$0")/.."
bash cmake/install-deps.sh test
jobs=$(nproc)
passes=${LIBEV_CI_PASSES:-debug asan valgrind fuzz}
fuzz_secs=${LIBEV_CI_FUZZ_SECONDS:-10}
start=$(date +%s)
t0=$start

if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  git ls-files -z '*.c' '*.h' | xargs -0 clang-format --dry-run -Werror
  echo "== format check passed (clang-format, .clang-format)"
fi
pkg-config --exists cmocka || { echo "cmocka is missing" >&2; exit 1; }

want() { [[ " $passes " == *" $1 "* ]]; }
lap() {
  local now
  now=$(date +%s)
  echo "== $1 finished in $((now - t0))s"
  t0=$now
}

if want debug || want valgrind; then
  cmake -S . -B build-test -DCMAKE_BUILD_TYPE=Debug -DLIBEV_BUILD_TESTS=ON \
    -DLIBEV_TEST_VALGRIND="$(want valgrind && echo ON || echo OFF)" >/dev/null
  cmake --build build-test -j"$jobs"
fi
if want debug; then
  ctest --test-dir build-test --output-on-failure -j"$jobs" --timeout 300 \
    -LE '^valgrind$'
  lap "pass 1 (Debug)"
fi
if want asan; then
  # Options as in the asan test preset, spelled out for ctest --test-dir.
  cmake --preset asan >/dev/null
  cmake --build build-asan -j"$jobs"
  ASAN_OPTIONS=halt_on_error=1:detect_leaks=1 \
  UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
    ctest --test-dir build-asan --output-on-failure -j"$jobs" --timeout 300 \
      -LE no-asan
  lap "pass 2 (ASan+UBSan)"
fi
if want valgrind; then
  ctest --test-dir build-test --output-on-failure -j"$jobs" --timeout 300 \
    -L '^valgrind$'
  lap "pass 3 (valgrind)"
fi
if want fuzz && [ "$fuzz_secs" -gt 0 ]; then
  bash tests/fuzz/run.sh "$fuzz_secs"
  lap "pass 4 (fuzz, ${fuzz_secs}s per target)"
fi

echo "test suite finished in $(( $(date +%s) - start ))s"
