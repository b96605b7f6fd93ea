#!/usr/bin/env bash
# Core loop benchmarks: libev-core against libevent 2.1, libev 4, libuv and
# a raw epoll loop.  One command, from a clean checkout:
#
#   bash tests/bench/run.sh
#
# installs the peers (Debian packages) when missing, builds a Release tree
# in build-bench/, runs every experiment with the libraries interleaved run
# by run (these machines are noisy, so each library sees the same noise),
# and writes docs/benchmarks-core.md with plots in docs/bench/.
# BENCH_RUNS (default 25) sets the number of runs per experiment.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
runs=${BENCH_RUNS:-25}
timers=100000
churn_rounds=5

bash cmake/install-deps.sh bench
cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DLIBEV_BUILD_TESTS=ON >/dev/null
libs=(libev libevent libev4 libuv epoll)
targets=()
for l in "${libs[@]}"; do targets+=("bench-loop-$l"); done
cmake --build build-bench -j2 --target "${targets[@]}" libev-backend-epoll >/dev/null

bin="$root/build-bench/bin"
out="$root/build-bench/bench"
mkdir -p "$out"
res="$out/results.tsv"
: >"$res"

# The machine, and how busy it was around the run.
{
  echo -e "info\tdate\t$(date -u '+%Y-%m-%d %H:%M UTC')"
  echo -e "info\tcpu\t$(lscpu | sed -n 's/^Model name: *//p' | head -1)"
  echo -e "info\tcores\t$(nproc)"
  virt=$(lscpu | sed -n 's/^Hypervisor vendor: *//p' | head -1)
  echo -e "info\tvirt\t${virt:-none}"
  echo -e "info\tkernel\t$(uname -sr)"
  echo -e "info\tnofile_hard\t$(ulimit -Hn)"
  echo -e "info\tload_start\t$(cut -d' ' -f1-3 /proc/loadavg)"
  echo -e "info\truns\t$runs"
  echo -e "info\tcommit\t$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
  for p in libevent-dev libev-dev libuv1-dev; do
    echo -e "info\tpkg_$p\t$(dpkg-query -W -f='${Version}' "$p" 2>/dev/null || echo missing)"
  done
} >>"$res"

scenarios=("100 1 100" "1000 1 100" "5000 1 100" "max 1 100" "1000 100 1000" "max 100 1000")
timer_libs=(libev libevent libev4 libuv)

echo "bench: $runs runs of ${#scenarios[@]} loop scenarios, timer churn and fire" >&2
for ((r = 0; r < runs; r++)); do
  # Rotate the order every run so no library always goes first.
  order=("${libs[@]:r%${#libs[@]}}" "${libs[@]:0:r%${#libs[@]}}")
  for s in "${scenarios[@]}"; do
    for l in "${order[@]}"; do
      # shellcheck disable=SC2086
      "$bin/bench-loop-$l" loop $s 1 | sed "s/\t0\t\([^\t]*\)\t\([^\t]*\)$/\t$r\t\1\t\2/" >>"$res"
    done
  done
  torder=("${timer_libs[@]:r%${#timer_libs[@]}}" "${timer_libs[@]:0:r%${#timer_libs[@]}}")
  for l in "${torder[@]}"; do
    "$bin/bench-loop-$l" churn "$timers" "$churn_rounds" | sed "s/$/\t$r/" >>"$res"
    "$bin/bench-loop-$l" fire "$timers" | sed "s/$/\t$r/" >>"$res"
  done
  echo -n "." >&2
done
echo >&2
for l in "${libs[@]}"; do
  "$bin/bench-loop-$l" mem max "$timers" >>"$res"
done
# Cross-check of the epoll_ctl counter from outside: strace over a whole
# process (setup included) of N=1000, A=1, warm-up + 5 runs.
if command -v strace >/dev/null; then
  calls=$(strace -f -c -e trace=epoll_ctl "$bin/bench-loop-libev" loop 1000 1 100 5 2>&1 >/dev/null |
          awk '$NF == "epoll_ctl" { print $4 "\t" ($5 ~ /^[0-9]+$/ ? $5 : 0) }')
  echo -e "strace\tlibev-core\t1000\t6\t${calls:-0\t0}" >>"$res"
fi
echo -e "info\tload_end\t$(cut -d' ' -f1-3 /proc/loadavg)" >>"$res"

mkdir -p docs/bench
python3 tests/bench/report.py "$res" docs/benchmarks-core.md docs/bench "$out"
echo "bench: wrote docs/benchmarks-core.md and docs/bench/*.png (raw data: $res)" >&2
