#!/usr/bin/env bash
# Buffered I/O benchmark: libev-core against Debian's libevent 2.1.
#   bash tests/bench/run-buffer.sh [rounds] [scale]
# Builds a Release tree (build-release, or $BUILD_DIR), runs
# bench-buffer-libev and bench-buffer-libevent alternately `rounds` times
# (default 3), keeps each row's best run, and prints a markdown table.
# Ratio = libev / libevent throughput (above 1 means libev is faster).
set -euo pipefail
rounds=${1:-3}
scale=${2:-1}
src=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD_DIR:-$src/build-release}

if [ ! -f "$build/CMakeCache.txt" ]; then
  cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
fi
# The benchmark loads the epoll backend module at run time.
cmake --build "$build" -j2 --target bench-buffer-libev bench-buffer-libevent \
  libev-backend-epoll libev-backend-poll >/dev/null

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for i in $(seq "$rounds"); do
  # Alternate which goes first, so neither always runs on a warm machine.
  if [ $((i % 2)) -eq 1 ]; then order="libev libevent"; else order="libevent libev"; fi
  for lib in $order; do
    "$build/bin/bench-buffer-$lib" "$scale" >>"$tmp/$lib"
  done
done

python3 - "$tmp/libev" "$tmp/libevent" <<'EOF'
import sys
def best(path):
    rows, order = {}, []
    for line in open(path):
        name, val = line.rstrip("\n").split("\t")
        if name not in rows:
            order.append(name)
        rows[name] = max(rows.get(name, 0.0), float(val))
    return rows, order
ours, order = best(sys.argv[1])
theirs, _ = best(sys.argv[2])
print("| benchmark | libev MB/s | libevent 2.1 MB/s | ratio |")
print("|---|---:|---:|---:|")
for name in order:
    a, b = ours[name], theirs.get(name, 0.0)
    ratio = a / b if b else float("nan")
    print(f"| {name} | {a:.0f} | {b:.0f} | {ratio:.2f} |")
EOF
