#!/usr/bin/env bash
# Resolver benchmark against nsd, the setting the issue measured in: nsd
# (Debian) serves n0..n<count-1>.bench.test on a loopback port, and
# bench-dns-resolve runs libev-dns, c-ares and libevent 2.1's evdns
# against it, interleaved, `rounds` times each.
#   bash tests/bench/bench-dns-resolve-nsd.sh [build-dir] [count] [inflight] [rounds]
# A program, never a test.
set -euo pipefail
build=${1:-build-rel}
count=${2:-100000}
inflight=${3:-1000}
rounds=${4:-5}
[ -x /usr/sbin/nsd ] || { echo "nsd missing (install-deps.sh bench)"; exit 1; }
here=$(cd "$(dirname "$0")" && pwd)
. "$here/nsd.sh"
tmp=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$tmp"' EXIT
bench_zone "$tmp" "$count"
p=$(bench_port)
bench_nsd_start "$tmp" "$p"
"$build/bin/bench-dns-resolve" "$count" "$inflight" "$rounds" "$p"
