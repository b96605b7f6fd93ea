#!/usr/bin/env bash
# Packaging test: install pieces of the build into a temporary prefix with
# `cmake --install --component` only, then build programs against that
# prefix the ways users do (CMake package, pkg-config, plain <event.h>) and
# switch the backend at run time without rebuilding.
#
# usage: consumer-test.sh BUILD_DIR SOURCE_DIR LIBDIR C_COMPILER BUILTIN(0|1)
#                         [C_FLAGS]
# C_FLAGS are the build's own (e.g. the asan preset's -fsanitize=...), so
# the consumers can load a sanitized libev-core.
set -euo pipefail
build=$(cd "$1" && pwd) src=$(cd "$2" && pwd) libdir=$3 cc=$4 builtin=$5
extra_cflags=${6:-}
here="$src/tests/consumer"
work=$(mktemp -d "${TMPDIR:-/tmp}/libev-consumer.XXXXXX")
trap 'rm -rf "$work"' EXIT
prefix="$work/prefix"

# The programs must choose their backend from the prefix alone.
unset EV_BACKEND EV_BACKEND_PATH EVENT_NOEPOLL EVENT_NOPOLL EVENT_NOSELECT \
      EVENT_SHOW_METHOD LD_LIBRARY_PATH || true

fail() { echo "consumer-test: FAIL: $*" >&2; exit 1; }
step() { echo "== $*"; }

install_component() {
  cmake --install "$build" --prefix "$prefix" --component "$1" >/dev/null \
    || fail "installing component $1"
}

# run_expect NAME EXPECTED_BACKEND [ENV...]: runs a built consumer with
# the environment given, checks the backend it reports.
run_expect() {
  local exe=$1 want=$2 out
  shift 2
  out=$(env "$@" "$exe" 2>"$work/stderr") \
    || fail "$exe ($*) exited $?: $(cat "$work/stderr")"
  grep -qx "backend: $want" <<<"$out" \
    || fail "$exe ($*) printed '$out', expected backend $want"
  grep -qx "consumer: ok" <<<"$out" || fail "$exe ($*): events did not run"
  echo "   $(basename "$exe") $* -> $want"
}

step "install core + dev + backend-poll only"
install_component core
install_component dev
[ "$builtin" = 1 ] || install_component backend-poll
ls -R "$prefix" >"$work/tree"
if [ "$builtin" != 1 ]; then
  [ -f "$prefix/$libdir/libev/backends/libev-backend-poll.so" ] \
    || fail "backend-poll module not installed"
  if grep -q "libev-backend-epoll\|libev-backend-select" "$work/tree"; then
    fail "other backends installed without being asked for"
  fi
fi
[ -f "$prefix/include/libev/event.h" ] || fail "event.h not installed"
[ -f "$prefix/$libdir/pkgconfig/libev-core.pc" ] || fail "libev-core.pc missing"
[ -f "$prefix/$libdir/cmake/libev/libevConfig.cmake" ] || fail "CMake package missing"

# build_fp DIR TARGET: the find_package consumer linked to TARGET.
build_fp() {
  cmake -S "$here/find-package" -B "$work/$1" -DCMAKE_PREFIX_PATH="$prefix" \
    -DCMAKE_C_COMPILER="$cc" -DCONSUMER_SOURCE="$here/consumer.c" \
    -DCONSUMER_TARGET="$2" -DCMAKE_C_FLAGS="$extra_cflags" \
    -DCMAKE_BUILD_TYPE=Debug >"$work/$1.log" 2>&1 \
    || { cat "$work/$1.log"; fail "configuring the find_package consumer ($2)"; }
  cmake --build "$work/$1" >>"$work/$1.log" 2>&1 \
    || { cat "$work/$1.log"; fail "building the find_package consumer ($2)"; }
}

step "consumer via find_package(libev CONFIG REQUIRED COMPONENTS core)"
build_fp fp libev::core
fp="$work/fp/consumer"
build_fp fps libev::core-static
fps="$work/fps/consumer"
if readelf -d "$fps" | grep -q 'NEEDED.*libev-core'; then
  fail "the libev::core-static consumer needs libev-core.so"
fi
readelf -d "$fp" | grep -q 'NEEDED.*libev-core' \
  || fail "the libev::core consumer does not use libev-core.so"

step "consumer via pkg-config --cflags --libs libev-core"
export PKG_CONFIG_PATH="$prefix/$libdir/pkgconfig"
cflags=$(pkg-config --cflags libev-core) || fail "pkg-config --cflags"
libs=$(pkg-config --libs libev-core) || fail "pkg-config --libs"
pclibdir=$(pkg-config --variable=libdir libev-core)
[ "$(cd "$pclibdir" && pwd -P)" = "$(cd "$prefix/$libdir" && pwd -P)" ] \
  || fail "libev-core.pc points at $pclibdir, not the prefix it was installed to"
# shellcheck disable=SC2086
"$cc" $extra_cflags -Wall -Wextra -Werror $cflags "$here/consumer.c" -o "$work/pc-consumer" \
  $libs -Wl,-rpath,"$pclibdir" || fail "building the pkg-config consumer"
pc="$work/pc-consumer"

step "libevent programs compiled -Wall -Wextra -Werror against the prefix"
for prog in compat-13 compat-2x; do
  # shellcheck disable=SC2086
  "$cc" $extra_cflags -Wall -Wextra -Werror $cflags "$src/tests/compat/$prog.c" \
    -o "$work/$prog" $libs -Wl,-rpath,"$pclibdir" || fail "building $prog"
done

if [ "$builtin" = 1 ]; then
  step "built-in backends: switch between them"
  for exe in "$fp" "$fps" "$pc"; do
    run_expect "$exe" epoll
    run_expect "$exe" poll EV_BACKEND=poll
    run_expect "$exe" select EV_BACKEND=select
  done
else
  step "run with only poll installed"
  for exe in "$fp" "$pc"; do
    run_expect "$exe" poll
    # epoll is not installed: asking for it fails, and says why.
    if env EV_BACKEND=epoll "$exe" >"$work/out" 2>"$work/stderr"; then
      fail "$exe ran with EV_BACKEND=epoll but epoll is not installed"
    fi
    grep -q "epoll" "$work/stderr" \
      || fail "no log line naming epoll: $(cat "$work/stderr")"
  done

  step "install backend-epoll too, switch with EV_BACKEND (no rebuild)"
  install_component backend-epoll
  for exe in "$fp" "$pc"; do
    run_expect "$exe" epoll
    run_expect "$exe" poll EV_BACKEND=poll
    run_expect "$exe" poll EV_BACKEND=select,poll
  done
  # The static core has no directory of its own: it loads the installed
  # modules when told where they are.
  moddir="$prefix/$libdir/libev/backends"
  run_expect "$fps" epoll EV_BACKEND_PATH="$moddir"
  run_expect "$fps" poll EV_BACKEND_PATH="$moddir" EV_BACKEND=poll
  env EVENT_SHOW_METHOD=1 EV_BACKEND=poll "$pc" >/dev/null 2>"$work/stderr" \
    || fail "EVENT_SHOW_METHOD run"
  grep -q "poll" "$work/stderr" \
    || fail "EVENT_SHOW_METHOD did not name the backend: $(cat "$work/stderr")"
fi

step "compat programs run from the prefix"
for prog in compat-13 compat-2x; do
  "$work/$prog" >/dev/null || fail "$prog failed"
  [ "$builtin" = 1 ] || env EV_BACKEND=poll "$work/$prog" >/dev/null \
    || fail "$prog failed on poll"
done

step "find_package(libev COMPONENTS http) REQUIRED fails clearly"
if cmake -S "$here/find-http" -B "$work/fh" -DCMAKE_PREFIX_PATH="$prefix" \
     -DCMAKE_C_COMPILER="$cc" >"$work/fh.log" 2>&1; then
  fail "find_package succeeded though http is not installed"
fi
grep -q "component 'http' is not installed" "$work/fh.log" \
  || { cat "$work/fh.log"; fail "the error does not name the missing component"; }

step "dev alone (CMake files, no libraries): COMPONENTS core fails clearly"
cmake --install "$build" --prefix "$work/devonly" --component dev >/dev/null \
  || fail "installing component dev alone"
if cmake -S "$here/find-package" -B "$work/fd" -DCMAKE_PREFIX_PATH="$work/devonly" \
     -DCMAKE_C_COMPILER="$cc" -DCONSUMER_SOURCE="$here/consumer.c" \
     >"$work/fd.log" 2>&1; then
  fail "find_package(libev COMPONENTS core) succeeded without libev-core.so"
fi
grep -q "component 'core' is not installed" "$work/fd.log" \
  || { cat "$work/fd.log"; fail "the error does not name the missing core"; }

echo "consumer-test: ok"
