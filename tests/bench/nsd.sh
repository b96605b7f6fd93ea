# Shared by the DNS benchmark scripts (sourced, not run): nsd, a real
# authoritative server no one here wrote, serving bench.test on a loopback
# port from a temporary directory.
#   bench_zone DIR N          write DIR/bench.test.zone: n0..n<N-1> A 10.0.0.1
#   bench_nsd_start DIR PORT  start nsd in the foreground of a background
#                             job; its pid is left in BENCH_NSD_PID
#   bench_port                print a free UDP port on 127.0.0.1

bench_port() {
  python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

bench_zone() { # dir n
  local i
  {
    echo '$TTL 300'
    echo '@ IN SOA ns.bench.test. admin.bench.test. 1 3600 600 86400 300'
    echo '@ IN NS ns.bench.test.'
    echo 'ns IN A 127.0.0.1'
    for ((i = 0; i < $2; i++)); do echo "n$i IN A 10.0.0.1"; done
  } > "$1/bench.test.zone"
}

bench_nsd_start() { # dir port
  cat > "$1/nsd.conf" <<CONF
server:
  port: $2
  ip-address: 127.0.0.1
  zonesdir: "$1"
  pidfile: "$1/nsd.pid"
  zonelistfile: "$1/zone.list"
  xfrdfile: "$1/xfrd.state"
  logfile: "$1/nsd.log"
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
  /usr/sbin/nsd -d -c "$1/nsd.conf" &
  BENCH_NSD_PID=$!
  # Loading a large zone takes a moment; wait until it answers.
  local t
  for ((t = 0; t < 100; t++)); do
    dig +short +time=1 +tries=1 -p "$2" @127.0.0.1 ns.bench.test A 2>/dev/null | grep -q 127.0.0.1 && return 0
    sleep 0.1
  done
  echo "nsd did not start (see $1/nsd.log)" >&2
  return 1
}
