#!/usr/bin/env bash
# HTTP server benchmark: wrk -t1 -c100 -d5s (keep-alive) on loopback against
#   ours     tests/bench/bench-http-server.c on libev-http
#   libevent the same program on Debian's libevent 2.1 evhttp
#   nginx    Debian's nginx, `return 200 "Hello, World!"`, same worker count
# with 1 and 2 server threads/workers; prints req/s, p99 latency, the
# server's CPU time per request (utime+stime from /proc, all its threads or
# worker processes: steadier than req/s on a busy machine) and our ratios
# against the two others.  A program, not a test: it never fails
# on a number.
#   tests/bench/run-http.sh [BUILD_DIR] [DURATION]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$here/../../build}
dur=${2:-5s}
ours=$build/bin/bench-http-server
theirs=$build/bin/bench-http-server-libevent
for b in "$ours" "$theirs"; do
  [ -x "$b" ] || { echo "missing $b: build the tree first" >&2; exit 2; }
done
command -v wrk >/dev/null || { echo "wrk is not installed (cmake/install-deps.sh bench)" >&2; exit 2; }
nginx_bin=$(command -v nginx || echo /usr/sbin/nginx)

tmp=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$tmp"; }
trap cleanup EXIT

free_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
wait_port() {
  for _ in $(seq 100); do
    (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0
    sleep 0.05
  done
  echo "server on port $1 did not start" >&2; return 1
}
# cpu_ticks PID... -> utime+stime clock ticks of those processes
cpu_ticks() {
  local t=0 p
  for p in "$@"; do
    t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null || echo 0)))
  done
  echo "$t"
}
# run_wrk PORT PID... -> "REQS P99_MS CPU_US_PER_REQUEST"
run_wrk() {
  local out rps p99 n c0 c1 port=$1
  shift
  c0=$(cpu_ticks "$@")
  out=$(wrk -t1 -c100 -d"$dur" --latency "http://127.0.0.1:$port/")
  c1=$(cpu_ticks "$@")
  n=$(awk '/requests in/ {print $1}' <<<"$out")
  rps=$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")
  p99=$(awk '$1=="99%" {v=$2; if (v ~ /us$/) {sub(/us$/,"",v); v/=1000} else if (v ~ /ms$/) {sub(/ms$/,"",v)} else if (v ~ /s$/) {sub(/s$/,"",v); v*=1000}; print v}' <<<"$out")
  echo "$rps ${p99:-0} $(awk -v c=$((c1 - c0)) -v n="${n:-0}" -v t="$(getconf CLK_TCK)" \
    'BEGIN { printf "%.2f", (n > 0 ? c / t * 1e6 / n : 0) }')"
}
start_nginx() { # PORT WORKERS
  mkdir -p "$tmp/ngx$1"
  cat >"$tmp/ngx$1/nginx.conf" <<CONF
daemon off;
master_process on;
worker_processes $2;
error_log stderr;
pid $tmp/ngx$1/nginx.pid;
events { worker_connections 1024; }
http {
  access_log off;
  keepalive_requests 100000000;
  client_body_temp_path $tmp/ngx$1; proxy_temp_path $tmp/ngx$1;
  fastcgi_temp_path $tmp/ngx$1; uwsgi_temp_path $tmp/ngx$1; scgi_temp_path $tmp/ngx$1;
  server {
    listen 127.0.0.1:$1;
    location / { default_type text/plain; return 200 "Hello, World!"; }
  }
}
CONF
  "$nginx_bin" -p "$tmp/ngx$1" -c "$tmp/ngx$1/nginx.conf" 2>"$tmp/ngx$1/err" &
  pids+=($!)
}

printf '%-8s %-9s %12s %10s %12s\n' threads server "req/s" "p99(ms)" "cpu-us/req"
declare -A R P C
for t in 1 2; do
  for s in ours libevent nginx; do
    port=$(free_port)
    case $s in
      ours) "$ours" "$port" "$t" & pids+=($!) ;;
      libevent) "$theirs" "$port" "$t" & pids+=($!) ;;
      nginx) start_nginx "$port" "$t" ;;
    esac
    pid=${pids[-1]}
    wait_port "$port"
    cpids=("$pid")
    if [ "$s" = nginx ]; then # the workers, once forked
      for _ in $(seq 100); do
        mapfile -t cpids < <(pgrep -P "$pid")
        [ "${#cpids[@]}" -ge "$t" ] && break
        sleep 0.05
      done
    fi
    read -r rps p99 cpu < <(run_wrk "$port" "${cpids[@]}")
    R[$s$t]=$rps; P[$s$t]=$p99; C[$s$t]=$cpu
    printf '%-8s %-9s %12s %10s %12s\n' "$t" "$s" "$rps" "$p99" "$cpu"
    kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true
  done
done
echo
for t in 1 2; do
  awk -v t="$t" -v o="${R[ours$t]}" -v l="${R[libevent$t]}" -v n="${R[nginx$t]}" \
      -v po="${P[ours$t]}" -v pl="${P[libevent$t]}" -v pn="${P[nginx$t]}" \
      -v co="${C[ours$t]}" -v cl="${C[libevent$t]}" -v cn="${C[nginx$t]}" 'BEGIN {
    printf "threads=%s  req/s ours/libevent %.2f  ours/nginx %.2f   p99 ours/libevent %.2f  ours/nginx %.2f   cpu/req ours/libevent %.2f  ours/nginx %.2f\n",
      t, o/l, o/n, (pl>0?po/pl:0), (pn>0?po/pn:0), (cl>0?co/cl:0), (cn>0?co/cn:0) }'
done
# Scaling: what the second thread/worker brings, for each server.
awk -v o1="${R[ours1]}" -v o2="${R[ours2]}" -v l1="${R[libevent1]}" \
    -v l2="${R[libevent2]}" -v n1="${R[nginx1]}" -v n2="${R[nginx2]}" 'BEGIN {
  printf "scaling 2/1 threads (req/s ratio): ours %.2f  libevent %.2f  nginx %.2f\n",
    o2/o1, l2/l1, n2/n1 }'
