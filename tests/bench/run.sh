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
# BENCH_BACKENDS (default "poll rtsig iouring") names the other libev-core
# backend modules run in the classic loop experiment beside the default
# (epoll), chosen with EV_BACKEND; the timer runs do not depend on the
# backend and use the default only.  BENCH_BACKEND_RUNS (default 15, at
# most BENCH_RUNS) sets how many of the runs include them, which keeps them
# to about a minute of the whole.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
runs=${BENCH_RUNS:-25}
timers=100000
churn_rounds=5
read -r -a backends <<<"${BENCH_BACKENDS-poll rtsig iouring}"
backend_runs=${BENCH_BACKEND_RUNS:-15}
((backend_runs > runs)) && backend_runs=$runs

bash cmake/install-deps.sh bench
cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DLIBEV_BUILD_TESTS=ON >/dev/null
libs=(libev libevent libev4 libuv epoll)
targets=()
for l in "${libs[@]}"; do targets+=("bench-loop-$l"); done
mods=(libev-backend-epoll)
known=$(cmake --build build-bench --target help)
for b in "${backends[@]}"; do
  # A module this machine cannot build (no liburing) is left out here and
  # reported as failing to load.
  if grep -q "libev-backend-$b\b" <<<"$known"; then
    mods+=("libev-backend-$b")
  fi
done
cmake --build build-bench -j2 --target "${targets[@]}" "${mods[@]}" >/dev/null

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
  echo -e "info\tsigpending\t$(ulimit -i)"
  echo -e "info\tmemlock\t$(ulimit -l)"
  echo -e "info\tiouring_disabled\t$(cat /proc/sys/kernel/io_uring_disabled 2>/dev/null || echo n/a)"
  echo -e "info\tbackends\t${backends[*]}"
  echo -e "info\tbackend_runs\t$backend_runs"
  echo -e "info\tload_start\t$(cut -d' ' -f1-3 /proc/loadavg)"
  echo -e "info\truns\t$runs"
  echo -e "info\tcommit\t$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
  for p in libevent-dev libev-dev libuv1-dev liburing-dev; do
    echo -e "info\tpkg_$p\t$(dpkg-query -W -f='${Version}' "$p" 2>/dev/null || echo missing)"
  done
} >>"$res"

scenarios=("100 1 100" "1000 1 100" "5000 1 100" "max 1 100" "1000 100 1000" "max 100 1000")
timer_libs=(libev libevent libev4 libuv)
# libev-core on the other backends: every scenario but N = 5000 (to keep
# the run short; poll at N = 5000 alone costs a fifth of a second a run).
backend_scenarios=("100 1 100" "1000 1 100" "max 1 100" "1000 100 1000" "max 100 1000")
declare -A in_backend_scenarios=()
for s in "${backend_scenarios[@]}"; do in_backend_scenarios["$s"]=1; done
variants=("${libs[@]}")
for b in "${backends[@]}"; do variants+=("libev@$b"); done

# One timed run of libev-core on backend $1: run $2, scenario $3.  A
# backend that cannot run (fails to initialise, errors out, hangs, or the
# loader picked another one) is recorded as a "fail" line with its reason
# for the report, and is not tried again in that scenario.
declare -A failed=()
run_backend() {
  local b=$1 r=$2 s=$3 rc=0 o why
  [[ -n ${failed["$b $s"]:-} ]] && return 0
  # shellcheck disable=SC2086
  o=$(EV_BACKEND=$b EVENT_SHOW_METHOD=1 timeout 60 "$bin/bench-loop-libev" loop $s 1 \
      2>"$out/stderr") || rc=$?
  if [[ $rc -eq 0 ]] && ! grep -q "libev using: $b\$" "$out/stderr"; then
    rc=-1
  fi
  if [[ $rc -ne 0 ]]; then
    if [[ $rc -eq 124 ]]; then
      why="did not finish within 60 s"
    elif [[ $rc -eq -1 ]]; then
      why="the loader did not use $b ($(grep -o 'libev using: .*' "$out/stderr" || echo 'no method shown'))"
    else
      # The loader's own explanation when there is one, else the last word.
      why=$(grep -m1 '\[libev err\]' "$out/stderr" || tail -n1 "$out/stderr")
      why="exit status $rc: ${why:-no message}"
    fi
    failed["$b $s"]=1
    why=$(tr '\t\n' '  ' <<<"$why" | sed 's/ *$//' | cut -c1-400)
    printf 'fail\tlibev-core/%s\t%s\t%s\t%s\n' "$b" "${s// /$'\t'}" "$r" "$why" >>"$res"
    echo -n "!" >&2
    return 0
  fi
  awk -F'\t' -v OFS='\t' -v name="libev-core/$b" -v r="$r" '{ $2 = name; $6 = r; print }' \
    <<<"$o" >>"$res"
}

echo "bench: $runs runs of ${#scenarios[@]} loop scenarios (libev-core also on:" \
  "${backends[*]:-nothing else}), timer churn and fire" >&2
for ((r = 0; r < runs; r++)); do
  # Rotate the order every run so no library always goes first.
  order=("${variants[@]:r%${#variants[@]}}" "${variants[@]:0:r%${#variants[@]}}")
  for s in "${scenarios[@]}"; do
    for l in "${order[@]}"; do
      if [[ $l == libev@* ]]; then
        if ((r < backend_runs)) && [[ -n ${in_backend_scenarios["$s"]:-} ]]; then
          run_backend "${l#libev@}" "$r" "$s"
        fi
        continue
      fi
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
