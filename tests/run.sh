#!/usr/bin/env bash
# The whole test suite, from a clean checkout on a fresh Debian 12 machine:
# installs what is missing, builds in build-test/, runs ctest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash cmake/install-deps.sh test
jobs=$(nproc)
start=$(date +%s)

cmake -S . -B build-test -DCMAKE_BUILD_TYPE=Debug -DLIBEV_BUILD_TESTS=ON >/dev/null
cmake --build build-test -j"$jobs"
ctest --test-dir build-test --output-on-failure -j"$jobs" --timeout 300

echo "test suite finished in $(( $(date +%s) - start ))s"
