# Helpers shared by the examples' smoke tests (sourced, not run).
# Every server started here is killed on exit; every wait is bounded.

set -u
SMOKE_TMP=$(mktemp -d "${TMPDIR:-/tmp}/ev-smoke.XXXXXX")
SMOKE_PIDS=""

# A server that does not exit within 10 s of SIGTERM is a failure: its
# threads' states are printed (for a hang that only shows under load) and
# it is killed, instead of the test waiting for ctest's timeout.
smoke_cleanup() {
	status=$?
	for p in $SMOKE_PIDS; do
		kill "$p" 2>/dev/null
	done
	for p in $SMOKE_PIDS; do
		i=0
		while kill -0 "$p" 2>/dev/null && [ $i -lt 100 ]; do
			sleep 0.1
			i=$((i + 1))
		done
		if kill -0 "$p" 2>/dev/null; then
			echo "FAIL: server (pid $p) still running 10 s after SIGTERM" >&2
			for t in /proc/[0-9]*/task/[0-9]*; do
				case "$(cat "$t/../../stat" 2>/dev/null | cut -d' ' -f4)" in
				"$p") echo "  $t: $(cut -d' ' -f3 "$t/stat") $(cat "$t/wchan" 2>/dev/null) $(cat "$t/comm")" >&2 ;;
				esac
			done
			pkill -KILL -P "$p" 2>/dev/null
			kill -KILL "$p" 2>/dev/null
			status=1
		fi
		wait "$p" 2>/dev/null
	done
	rm -rf "$SMOKE_TMP"
	exit $status
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
