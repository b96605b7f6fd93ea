#!/usr/bin/env bash
# DNS server benchmark: dnsperf (Debian) against libev-dns's server,
# libevent 2.1's evdns server (the same program built against each) and
# nsd, all with the same 10 000 A records on a loopback port.
#   bash tests/bench/bench-dns-server.sh [build-dir] [seconds] [rounds]
# The servers take turns, `rounds` times; best and median queries/s per
# server are printed (the best round is the least disturbed one on a
# shared machine), and the server's own CPU time per query (user + system
# of the server and its child processes, from /proc): dnsperf and the
# server share the two cores, so the rate also depends on how much CPU
# the server leaves to dnsperf.  A program, never a test.
set -euo pipefail
build=${1:-build-rel}
secs=${2:-5}
rounds=${3:-3}
bin="$build/bin"
command -v dnsperf >/dev/null || { echo "dnsperf missing (install-deps.sh bench)"; exit 1; }
here=$(cd "$(dirname "$0")" && pwd)
. "$here/nsd.sh"
tmp=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$tmp"' EXIT

n=10000
for ((i = 0; i < n; i++)); do echo "n$i.bench.test A"; done > "$tmp/queries"
bench_zone "$tmp" "$n"

tick=$(getconf CLK_TCK)
# nsd forks its serving processes (and replaces them on reloads), so the
# processes are found by their command line, not by parentage.
server_ticks() { # pgrep -f pattern -> user + system clock ticks of all
  local p sum=0 c
  for p in $(pgrep -f -- "$1" 2>/dev/null || true); do
    # Fields 14 and 15; the name in field 2 may hold spaces ("nsd:
    # server 1"), so count from the ")" that closes it.
    c=$(sed 's/.*) //' "/proc/$p/stat" 2>/dev/null | awk '{print $12 + $13}')
    c=${c:-0}
    sum=$((sum + c))
  done
  echo "$sum"
}

run_perf() { # name port server-command-line-pattern
  local out qps lost t0 t1 us
  t0=$(server_ticks "$3")
  out=$(dnsperf -s 127.0.0.1 -p "$2" -d "$tmp/queries" -l "$secs" -q 500 2>&1)
  t1=$(server_ticks "$3")
  qps=$(echo "$out" | awk '/Queries per second/ {print $4}')
  lost=$(echo "$out" | awk '/Queries lost/ {print $3}')
  us=$(awk -v d=$((t1 - t0)) -v q="${qps:-0}" -v s="$secs" -v hz="$tick" \
    'BEGIN { if (q > 0) printf "%.2f", d / hz * 1e6 / (q * s); else print "?" }')
  printf '%-22s %12s queries/s  lost %s  server cpu %s us/query\n' \
    "$1" "${qps:-?}" "${lost:-?}" "$us"
  [ -n "$qps" ] && echo "$qps" >> "$tmp/qps-$1"
  [ "$us" != "?" ] && echo "$us" >> "$tmp/cpu-$1"
  return 0
}

for ((r = 0; r < rounds; r++)); do
for v in libev-dns libevent; do
  exe="$bin/bench-dns-server-${v/libev-dns/ours}"
  [ -x "$exe" ] || { echo "$v: $exe not built"; continue; }
  p=$(bench_port)
  "$exe" "$p" & pid=$!
  sleep 0.3
  run_perf "$v" "$p" "$exe $p"
  kill "$pid"; wait "$pid" 2>/dev/null || true
done

if command -v nsd >/dev/null || [ -x /usr/sbin/nsd ]; then
  p=$(bench_port)
  bench_nsd_start "$tmp" "$p"; pid=$BENCH_NSD_PID
  run_perf nsd "$p" "$tmp/nsd.conf"
  kill "$pid"; wait "$pid" 2>/dev/null || true
fi
done

stat() { # file -> "highest lowest median"
  sort -g "$1" | awk '{v[NR]=$1} END {printf "%s %s %s", v[NR], v[1], v[int((NR+1)/2)]}'
}
for s in libev-dns libevent nsd; do
  [ -s "$tmp/qps-$s" ] || continue
  read -r best _ med <<<"$(stat "$tmp/qps-$s")"
  cbest=? cmed=?
  [ -s "$tmp/cpu-$s" ] && read -r _ cbest cmed <<<"$(stat "$tmp/cpu-$s")"
  printf '%-10s best %10.0f  median %10.0f queries/s   cpu best %s  median %s us/query\n' \
    "$s" "$best" "$med" "$cbest" "$cmed"
  echo "$best $med $cbest $cmed" > "$tmp/sum-$s"
done
# Rates: ours / theirs; CPU per query: theirs / ours.  Above 1 is ahead.
for o in nsd libevent; do
  [ -s "$tmp/sum-libev-dns" ] && [ -s "$tmp/sum-$o" ] || continue
  python3 - "$tmp/sum-libev-dns" "$tmp/sum-$o" "$o" <<'PY'
import sys
a = [float(x) for x in open(sys.argv[1]).read().split()]
b = [float(x) for x in open(sys.argv[2]).read().split()]
print('libev-dns vs %-9s rate best %.2f median %.2f   cpu efficiency best %.2f median %.2f'
      % (sys.argv[3] + ':', a[0] / b[0], a[1] / b[1], b[2] / a[2], b[3] / a[3]))
PY
done
