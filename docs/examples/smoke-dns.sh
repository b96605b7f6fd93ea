#!/bin/bash
# Smoke test of the DNS examples, loopback only: ev-dns-server answers
# from its command line; ev-dns-lookup (and dig, when installed) ask it,
# and only it.  With the HTTP examples given too, ev-http-get fetches a
# page by a name that only ev-dns-server knows.
#   smoke-dns.sh EV-DNS-SERVER EV-DNS-LOOKUP [EV-HTTP-DIRSERVER EV-HTTP-GET]
. "$(dirname "$0")/smoke-lib.sh"

server=$1
lookup=$2
dirserver=${3:-}
get=${4:-}

smoke_start dns "$server" -p 0 -r www.example.test=127.0.0.1 \
	-r www.example.test=192.0.2.7 -r v6.example.test=2001:db8::5 -r web.example.test=127.0.0.1 ||
	fail "ev-dns-server did not start"
ns="127.0.0.1:$SMOKE_PORT"

# expect WANT CMD...: CMD's output, sorted, must be WANT.
expect() {
	want=$1
	shift
	got=$("$@" 2>&1 | sort)
	[ "$got" = "$want" ] || fail "$*: got '$got', want '$want'"
}

expect "www.example.test A 127.0.0.1
www.example.test A 192.0.2.7" "$lookup" www.example.test -s "$ns"
expect "WWW.Example.Test A 127.0.0.1
WWW.Example.Test A 192.0.2.7" "$lookup" WWW.Example.Test -s "$ns" -t A
expect "v6.example.test AAAA 2001:db8::5" \
	"$lookup" v6.example.test -s "$ns" -t AAAA
expect "192.0.2.7 PTR www.example.test" "$lookup" 192.0.2.7 -s "$ns" -t PTR
expect "2001:db8::5 PTR v6.example.test" \
	"$lookup" 2001:db8::5 -s "$ns" -t PTR
if "$lookup" nowhere.example.test -s "$ns" 2>"$SMOKE_TMP/nx.err"; then
	fail "an unknown name was found"
fi
grep -qi 'not exist' "$SMOKE_TMP/nx.err" ||
	fail "unknown name: $(cat "$SMOKE_TMP/nx.err")"
if "$lookup" v6.example.test -s "$ns" -t A 2>/dev/null; then
	fail "an A record appeared for an AAAA-only name"
fi

if command -v dig >/dev/null; then
	d="dig @127.0.0.1 -p $SMOKE_PORT +time=2 +tries=2"
	expect "127.0.0.1
192.0.2.7" $d +short www.example.test A
	expect "127.0.0.1
192.0.2.7" $d +short +tcp www.example.test A
	expect "2001:db8::5" $d +short v6.example.test AAAA
	$d nowhere.example.test A | grep -q 'status: NXDOMAIN' ||
		fail "dig: no NXDOMAIN for an unknown name"
	$d www.example.test A | grep -q 'flags:.* aa' ||
		fail "dig: answer not authoritative"
else
	echo "dig missing: its part skipped"
fi

if [ -n "$dirserver" ]; then
	www="$SMOKE_TMP/www"
	mkdir -p "$www"
	echo "fetched by name" >"$www/page.txt"
	smoke_start http "$dirserver" -p 0 "$www" || fail "dirserver"
	got=$("$get" -s "$ns" "http://web.example.test:$SMOKE_PORT/page.txt" \
		2>/dev/null) || fail "ev-http-get by name failed"
	[ "$got" = "fetched by name" ] || fail "ev-http-get by name got: $got"
fi
echo "ok"
