#!/usr/bin/env bash
# Builds the libFuzzer targets with clang in build-fuzz/ (the whole tree
# instrumented: -fsanitize=fuzzer-no-link,address,undefined) and runs each
# for SECONDS (default 10), one after the other, each a single process on
# one core.
# New inputs go to build-fuzz/corpus/<target> (the committed seeds in
# tests/fuzz/corpus/<target> are read, never written); a crash leaves
# build-fuzz/artifacts/<target>/crash-* and makes the script fail.
#   bash tests/fuzz/run.sh [SECONDS] [TARGET...]
# LIBEV_FUZZ_BUILD_DIR overrides the build directory (default build-fuzz).
set -euo pipefail
cd "$(dirname "$0")/../.."
secs=${1:-10}
shift || true
dir=${LIBEV_FUZZ_BUILD_DIR:-build-fuzz}
san="-fsanitize=address,undefined -fno-sanitize-recover=undefined"
cmake -S . -B "$dir" -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=Debug \
  -DLIBEV_BUILD_TESTS=ON \
  -DCMAKE_C_FLAGS="-O1 -fno-omit-frame-pointer -fsanitize=fuzzer-no-link $san" \
  -DCMAKE_EXE_LINKER_FLAGS="$san" -DCMAKE_SHARED_LINKER_FLAGS="$san" \
  -DCMAKE_MODULE_LINKER_FLAGS="$san" >/dev/null

targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for d in tests/fuzz/corpus/*/; do targets+=("$(basename "$d")"); done
fi
# The targets and the backend modules the loop loads at run time.
cmake --build "$dir" -j2 --target "${targets[@]/#/fuzz-}" \
  libev-backend-epoll libev-backend-poll >/dev/null

export ASAN_OPTIONS=halt_on_error=1:detect_leaks=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
fail=0
for t in "${targets[@]}"; do
  mkdir -p "$dir/corpus/$t" "$dir/artifacts/$t"
  echo "== fuzz-$t for ${secs}s"
  if ! "$dir/bin/fuzz-$t" -max_total_time="$secs" \
      -print_final_stats=1 -artifact_prefix="$dir/artifacts/$t/" \
      "$dir/corpus/$t" "tests/fuzz/corpus/$t" >"$dir/fuzz-$t.log" 2>&1; then
    echo "fuzz-$t FAILED (see $dir/fuzz-$t.log, inputs in $dir/artifacts/$t)"
    tail -40 "$dir/fuzz-$t.log"
    fail=1
  fi
  grep -E "stat::number_of_executed_units|stat::new_units_added" \
    "$dir/fuzz-$t.log" | sed "s/^/  /"
done
exit $fail
