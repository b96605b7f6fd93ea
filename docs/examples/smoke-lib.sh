# Helpers shared by the examples' smoke tests (sourced, not run).
# Every server started here is killed on exit; every wait is bounded.

set -u
SMOKE_TMP=$(mktemp -d "${TMPDIR:-/tmp}/ev-smoke.XXXXXX")
SMOKE_PIDS=""

smoke_cleanup() {
	for p in $SMOKE_PIDS; do
		kill "$p" 2>/dev/null
	done
	for p in $SMOKE_PIDS; do
		wait "$p" 2>/dev/null
	done
	rm -rf "$SMOKE_TMP"
}
trap smoke_cleanup EXIT
trap 'exit 1' INT TERM

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

# smoke_start NAME CMD...: runs CMD in the background (under timeout, in
# case this script is killed before its trap runs) and waits up to 10 s
# for its "listening on HOST:PORT" line; sets SMOKE_PORT.  Returns 1 if
# the server exited instead (e.g. its port was taken).
smoke_start() {
	name=$1
	shift
	out="$SMOKE_TMP/$name.out"
	: >"$out"
	timeout 60 "$@" >"$out" 2>"$SMOKE_TMP/$name.err" &
	pid=$!
	SMOKE_PIDS="$SMOKE_PIDS $pid"
	i=0
	while [ $i -lt 100 ]; do
		line=$(grep -m1 'listening on' "$out")
		if [ -n "$line" ]; then
			SMOKE_PORT=$(echo "$line" |
				sed -E 's/.*listening on [^ ]*:([0-9]+).*/\1/')
			SMOKE_PORT=${SMOKE_PORT%%/*}
			return 0
		fi
		kill -0 "$pid" 2>/dev/null || {
			cat "$SMOKE_TMP/$name.err" >&2
			return 1
		}
		sleep 0.1
		i=$((i + 1))
	done
	fail "$name did not start within 10 s"
}

# smoke_random_port: a port in 20000-59999 (for programs that take a fixed
# one; callers retry when it turns out to be taken).
smoke_random_port() {
	echo $((20000 + ($$ * 7919 + RANDOM) % 40000))
}
