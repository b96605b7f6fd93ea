#!/usr/bin/env bash
# Installs the Debian packages libev needs, only those that are missing.
#   bash cmake/install-deps.sh build   compiler, cmake, pkg-config
#   bash cmake/install-deps.sh test    the above + cmocka, valgrind and the
#                                      real peers the tests talk to
#   bash cmake/install-deps.sh bench   the above + the libraries and servers
#                                      the benchmarks compare against
set -euo pipefail
set_name=${1:-build}

pkgs=(gcc make cmake pkg-config libc6-dev)
case "$set_name" in
build) ;;
test)
  pkgs+=(libcmocka-dev valgrind curl bind9-dnsutils dnsmasq-base nginx-light
         netcat-openbsd clang libclang-rt-14-dev python3 procps
         clang-format liburing-dev)
  pkgs+=(doxygen graphviz groff-base) # docs target, man-page check
  ;;
bench)
  pkgs+=(libcmocka-dev libevent-dev libev-dev libuv1-dev libc-ares-dev wrk
         nginx-light dnsperf nsd gnuplot-nox hyperfine linux-perf python3
         liburing-dev strace)
  ;;
*) echo "usage: $0 build|test|bench" >&2; exit 2 ;;
esac

missing=()
for p in "${pkgs[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "installing: ${missing[*]}" >&2
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
