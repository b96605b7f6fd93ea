#!/usr/bin/env bash
# Installs libev with the libevent-compat component into a scratch prefix,
# then builds and runs a libevent program three ways, knowing only
# libevent's names:
#   pkg-config libevent, pkg-config libevent_core   (PKG_CONFIG_PATH=<dir>)
#   -I<dir>/include -L<dir>/lib -levent_core         (--with-libevent=<dir>)
# Usage: test-libevent-compat.sh BUILD SCRATCH COMPAT_REL COMPONENTS CC PKGCONFIG
#        LIBDIR CMAKE [CFLAGS]
# CFLAGS: the build's CMAKE_C_FLAGS, given to every program built here so a
# sanitizer build links the sanitizer runtime first (ASan refuses to run
# otherwise: the installed libraries are instrumented).
set -euo pipefail
build=$1 scratch=$2 compat_rel=$3 comps=$4 cc=$5 pkgconfig=$6 libdir=$7 cmake=$8
extra_cflags=${9:-}
prefix=$scratch/prefix
rm -rf "$scratch"
mkdir -p "$scratch"
IFS=, read -r -a components <<<"$comps"
for c in "${components[@]}"; do
	"$cmake" --install "$build" --prefix "$prefix" --component "$c" >/dev/null
done
dir=$prefix/$compat_rel

cat >"$scratch/prog.c" <<'PROG'
/* A libevent 1.x program: a timer and the version check memcached does. */
#include <stdio.h>
#include <string.h>
#include <event.h>

static int fired;

static void cb(int fd, short what, void *arg)
{
	(void)fd; (void)what; (void)arg;
	fired = 1;
}

int main(void)
{
	struct event ev;
	struct timeval tv = {0, 1000};

	if (event_init() == NULL || strncmp(event_get_version(), "1.", 2) == 0)
		return 1;
	evtimer_set(&ev, cb, NULL);
	evtimer_add(&ev, &tv);
	event_dispatch();
	printf("%s on %s: %s\n", event_get_version(), event_get_method(),
	       fired ? "ok" : "timer did not fire");
	return fired ? 0 : 1;
}
PROG

run() {
	local name=$1
	shift
	# shellcheck disable=SC2086 # the flags are meant to split
	"$cc" $extra_cflags -o "$scratch/$name" "$scratch/prog.c" "$@"
	LD_LIBRARY_PATH="$prefix/$libdir" "$scratch/$name"
}
for pc in libevent libevent_core; do
	flags=$(PKG_CONFIG_PATH="$dir" PKG_CONFIG_LIBDIR=/nonexistent \
		"$pkgconfig" --cflags --libs "$pc")
	echo "pkg-config $pc: $flags"
	# shellcheck disable=SC2086 # the flags are meant to split
	run "prog-$pc" $flags
done
flags=$(PKG_CONFIG_PATH="$dir/lib/pkgconfig" PKG_CONFIG_LIBDIR=/nonexistent \
	"$pkgconfig" --cflags --libs libevent_pthreads)
echo "pkg-config (lib/pkgconfig) libevent_pthreads: $flags"
# shellcheck disable=SC2086
run prog-pthreads $flags
run prog-with-libevent -I"$dir/include" -L"$dir/lib" -levent_core
rm -rf "$scratch"
echo "libevent-compat: all builds ran"
