#!/usr/bin/env bash
# DNS server benchmark: dnsperf (Debian) against libev-dns's server,
# libevent 2.1's evdns server (the same program built against each) and
# nsd, all with the same 10 000 A records on a loopback port.
#   bash tests/bench/bench-dns-server.sh [build-dir] [seconds]
# Prints queries/s per server.  A program, never a test.
set -euo pipefail
build=${1:-build-rel}
secs=${2:-5}
bin="$build/bin"
command -v dnsperf >/dev/null || { echo "dnsperf missing (install-deps.sh bench)"; exit 1; }
tmp=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$tmp"' EXIT

n=10000
for ((i = 0; i < n; i++)); do echo "n$i.bench.test A"; done > "$tmp/queries"
{
  echo '$TTL 300'
  echo '@ IN SOA ns.bench.test. admin.bench.test. 1 3600 600 86400 300'
  echo '@ IN NS ns.bench.test.'
  echo 'ns IN A 127.0.0.1'
  for ((i = 0; i < n; i++)); do echo "n$i IN A 10.0.0.1"; done
} > "$tmp/bench.test.zone"

port() { python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

run_perf() { # name port
  local out qps
  out=$(dnsperf -s 127.0.0.1 -p "$2" -d "$tmp/queries" -l "$secs" -q 500 2>&1)
  qps=$(echo "$out" | awk '/Queries per second/ {print $4}')
  lost=$(echo "$out" | awk '/Queries lost/ {print $3}')
  printf '%-22s %12s queries/s  lost %s\n' "$1" "${qps:-?}" "${lost:-?}"
  echo "$qps" > "$tmp/qps-$1"
}

for v in libev-dns libevent; do
  exe="$bin/bench-dns-server-${v/libev-dns/ours}"
  [ -x "$exe" ] || { echo "$v: $exe not built"; continue; }
  p=$(port)
  "$exe" "$p" & pid=$!
  sleep 0.3
  run_perf "$v" "$p"
  kill "$pid"; wait "$pid" 2>/dev/null || true
done

if command -v nsd >/dev/null || [ -x /usr/sbin/nsd ]; then
  p=$(port)
  cat > "$tmp/nsd.conf" <<CONF
server:
  port: $p
  ip-address: 127.0.0.1
  zonesdir: "$tmp"
  pidfile: "$tmp/nsd.pid"
  zonelistfile: "$tmp/zone.list"
  xfrdfile: "$tmp/xfrd.state"
  logfile: "$tmp/nsd.log"
  username: ""
  chroot: ""
  server-count: 1
  verbosity: 0
remote-control:
  control-enable: no
zone:
  name: bench.test
  zonefile: bench.test.zone
CONF
  /usr/sbin/nsd -d -c "$tmp/nsd.conf" & pid=$!
  sleep 1
  run_perf nsd "$p"
  kill "$pid"; wait "$pid" 2>/dev/null || true
fi
if [ -s "$tmp/qps-libev-dns" ] && [ -s "$tmp/qps-nsd" ]; then
  python3 -c "print('libev-dns / nsd: %.2f' % ($(cat "$tmp/qps-libev-dns") / $(cat "$tmp/qps-nsd")))"
fi
if [ -s "$tmp/qps-libev-dns" ] && [ -s "$tmp/qps-libevent" ]; then
  python3 -c "print('libev-dns / libevent: %.2f' % ($(cat "$tmp/qps-libev-dns") / $(cat "$tmp/qps-libevent")))"
fi
