#!/bin/bash
# Smoke tests of the HTTP examples, loopback only.
#   smoke-http.sh dirserver EV-HTTP-DIRSERVER EV-HTTP-GET
#   smoke-http.sh hello EV-HTTP-HELLO EV-HTTP-GET
#   smoke-http.sh multicore EV-HTTP-MULTICORE EV-HTTP-GET
. "$(dirname "$0")/smoke-lib.sh"

mode=$1
server=$2
get=$3
command -v curl >/dev/null || { echo "curl missing: skipped"; exit 77; }

# status PATH [curl args]: the HTTP status of GET PATH, sent as written.
status() {
	p=$1
	shift
	curl -s --path-as-is -o /dev/null -w '%{http_code}' --max-time 5 \
		"$@" "http://127.0.0.1:$SMOKE_PORT$p"
}

case "$mode" in
dirserver)
	www="$SMOKE_TMP/www"
	mkdir -p "$www/sub"
	echo "secret outside the root" >"$SMOKE_TMP/secret"
	head -c 200000 /dev/urandom >"$www/blob.bin"
	echo "<h1>index</h1>" >"$www/index.html"
	echo "plain text" >"$www/sub/note.txt"
	: >"$www/empty.txt"
	ln -s ../secret "$www/link-out"
	smoke_start dirserver "$server" -p 0 "$www" || fail "server did not start"
	base="http://127.0.0.1:$SMOKE_PORT"

	curl -s --max-time 5 -o "$SMOKE_TMP/got.bin" "$base/blob.bin" ||
		fail "curl blob.bin"
	cmp "$www/blob.bin" "$SMOKE_TMP/got.bin" || fail "blob.bin differs (curl)"
	"$get" "$base/blob.bin" >"$SMOKE_TMP/got2.bin" 2>/dev/null ||
		fail "ev-http-get blob.bin"
	cmp "$www/blob.bin" "$SMOKE_TMP/got2.bin" ||
		fail "blob.bin differs (ev-http-get)"
	curl -s --max-time 5 "$base/" | cmp - "$www/index.html" ||
		fail "/ is not index.html"
	curl -s --max-time 5 "$base/sub/note.txt" | cmp - "$www/sub/note.txt" ||
		fail "sub/note.txt differs"
	[ "$(status /empty.txt)" = 200 ] || fail "empty file"

	ct=$(curl -s --max-time 5 -o /dev/null -w '%{content_type}' \
		"$base/sub/note.txt")
	case "$ct" in text/plain*) ;; *) fail "note.txt: Content-Type $ct" ;; esac
	ct=$(curl -s --max-time 5 -o /dev/null -w '%{content_type}' "$base/")
	case "$ct" in text/html*) ;; *) fail "index: Content-Type $ct" ;; esac
	ct=$(curl -s --max-time 5 -o /dev/null -w '%{content_type}' \
		"$base/blob.bin")
	[ "$ct" = application/octet-stream ] || fail "blob: Content-Type $ct"

	# Traversal, plain, encoded, deeper, and through a symbolic link.
	for p in /../secret /%2e%2e/secret /%2E%2E%2Fsecret /sub/../../secret \
		/sub/%2e%2e/%2e%2e/secret /link-out; do
		s=$(status "$p")
		[ "$s" = 403 ] || fail "$p answered $s, not 403"
	done
	body=$(curl -s --path-as-is --max-time 5 "$base/../secret")
	case "$body" in *secret*) fail "traversal leaked the file" ;; esac
	[ "$(status /missing.txt)" = 404 ] || fail "missing file not 404"
	[ "$(status /sub)" = 404 ] || fail "directory without slash not 404"
	[ "$(status /%00)" = 400 ] || fail "NUL not refused"
	[ "$(status /blob.bin -X POST)" = 405 ] || fail "POST not refused"
	if "$get" "$base/missing.txt" >/dev/null 2>&1; then
		fail "ev-http-get succeeded on a 404"
	fi
	;;
hello | multicore)
	if [ "$mode" = hello ]; then
		# The hello example takes a fixed port: retry if it is taken.
		ok=0
		for _ in 1 2 3 4 5 6 7 8 9 10; do
			port=$(smoke_random_port)
			if smoke_start hello "$server" "$port"; then
				ok=1
				break
			fi
		done
		[ $ok = 1 ] || fail "no free port found"
		want="Hello from libev: /some/path"
	else
		smoke_start multicore "$server" -t 2 -p 0 || fail "did not start"
		want="hello from worker"
	fi
	got=$(curl -s --max-time 5 "http://127.0.0.1:$SMOKE_PORT/some/path")
	case "$got" in "$want"*) ;; *) fail "curl got: $got" ;; esac
	got=$("$get" "http://127.0.0.1:$SMOKE_PORT/some/path" 2>/dev/null) ||
		fail "ev-http-get failed"
	case "$got" in "$want"*) ;; *) fail "ev-http-get got: $got" ;; esac
	;;
*)
	fail "unknown mode $mode"
	;;
esac
echo "ok: $mode"
