#!/bin/bash
# Smoke test of docs/examples/consumer: installs the components it needs
# into a temporary prefix (nothing else), then configures, builds and runs
# the example exactly as its CMakeLists.txt tells a user to.
#   smoke-consumer.sh BUILD_DIR C_COMPILER BUILTIN(0|1) [C_FLAGS]
set -u
build=$1 cc=$2 builtin=$3 cflags=${4:-}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/ev-consumer.XXXXXX")
trap 'rm -rf "$work"' EXIT
fail() {
	echo "FAIL: $*" >&2
	[ -f "$work/log" ] && tail -30 "$work/log" >&2
	exit 1
}
# The program must find its backend through the prefix alone.
unset EV_BACKEND EV_BACKEND_PATH EVENT_NOEPOLL EVENT_NOPOLL EVENT_NOSELECT \
	LD_LIBRARY_PATH

comps="core dev"
[ "$builtin" = 1 ] || comps="$comps backend-poll"
for c in $comps; do
	cmake --install "$build" --prefix "$work/prefix" --component "$c" \
		>>"$work/log" 2>&1 || fail "installing component $c"
done
cmake -S "$here/consumer" -B "$work/build" -DCMAKE_PREFIX_PATH="$work/prefix" \
	-DCMAKE_C_COMPILER="$cc" -DCMAKE_C_FLAGS="$cflags" \
	>>"$work/log" 2>&1 || fail "configuring the consumer"
cmake --build "$work/build" >>"$work/log" 2>&1 || fail "building the consumer"
out=$(timeout 20 "$work/build/consumer" 2>&1) || fail "consumer: $out"
echo "$out"
case "$builtin:$out" in
1:*"timer fired"*) ;;
0:*"backend poll: timer fired"*) ;;
*) fail "unexpected output: $out" ;;
esac
echo "ok: consumer"
