/*
 * The fd -> interest map, seen from a backend: through the test-only
 * "recorder" module, check that the core calls the backend once per real
 * interest change, not at all for a del + add in one iteration or for a
 * persistent event that keeps firing, re-registers after fd reuse and
 * event_reinit(), and survives a backend that reports nonsense.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dlfcn.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event.h>

#include "recorder.h"

static struct recorder_stats *st;
static void *module;

static int group_setup(void **state)
{
	char path[4096];
	struct event_base *base;
	recorder_stats_fn fn;

	(void)state;
	setenv("EV_BACKEND_PATH", LIBEV_TEST_EXTRA_MODULE_DIR, 1);
	setenv("EV_BACKEND", "recorder", 1);
	base = event_base_new();
	if (base == NULL)
		return -1;
	snprintf(path, sizeof(path), "%s/libev-backend-recorder.so",
	         LIBEV_TEST_EXTRA_MODULE_DIR);
	/* The same object the core loaded, so the same counters. */
	module = dlopen(path, RTLD_NOW);
	event_base_free(base);
	if (module == NULL)
		return -1;
	*(void **)&fn = dlsym(module, "recorder_stats");
	if (fn == NULL)
		return -1;
	st = fn();
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	if (module)
		dlclose(module);
	return 0;
}

static int reset(void **state)
{
	(void)state;
	memset(st, 0, sizeof(*st));
	return 0;
}

static void nop_cb(evutil_socket_t fd, short what, void *arg)
{
	char buf[8];

	(void)arg;
	if (what & EV_READ)
		(void)!read(fd, buf, sizeof(buf));
}

static struct event_base *rec_base(void)
{
	struct event_base *base = event_base_new();

	assert_non_null(base);
	assert_string_equal(event_base_get_method(base), "recorder");
	return base;
}

static void assert_call(int i, int op, int fd, int old_mask, int new_mask)
{
	assert_true(i < st->ncalls);
	assert_int_equal(st->calls[i].op, op);
	assert_int_equal(st->calls[i].fd, fd);
	assert_int_equal(st->calls[i].old_mask, old_mask);
	assert_int_equal(st->calls[i].new_mask, new_mask);
}

static void test_one_call_per_change(void **state)
{
	struct event_base *base = rec_base();
	struct event r1, r2, w;
	int sv[2];

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	event_assign(&r1, base, sv[0], EV_READ | EV_PERSIST, nop_cb, NULL);
	event_assign(&r2, base, sv[0], EV_READ | EV_PERSIST, nop_cb, NULL);
	event_assign(&w, base, sv[0], EV_WRITE, nop_cb, NULL);

	assert_int_equal(event_add(&r1, NULL), 0);
	assert_int_equal(st->nadd, 1);
	assert_call(0, RECORDER_ADD, sv[0], 0, EV_READ);
	/* Same interest: no call. */
	assert_int_equal(event_add(&r2, NULL), 0);
	assert_int_equal(event_add(&r1, NULL), 0);
	assert_int_equal(st->nadd, 1);
	/* Interest grows: one call, at once. */
	assert_int_equal(event_add(&w, NULL), 0);
	assert_int_equal(st->nadd, 2);
	assert_call(1, RECORDER_ADD, sv[0], EV_READ, EV_READ | EV_WRITE);
	/* Interest shrinks: deferred to the next wait, then one call. */
	assert_int_equal(event_del(&w), 0);
	assert_int_equal(st->ndel, 0);
	assert_int_equal(event_base_loop(base, EVLOOP_NONBLOCK), 0);
	assert_int_equal(st->ndel, 1);
	assert_call(2, RECORDER_DEL, sv[0], EV_READ | EV_WRITE, EV_READ);
	/* One of two readers goes: the fd's interest is unchanged. */
	assert_int_equal(event_del(&r2), 0);
	assert_int_equal(event_base_loop(base, EVLOOP_NONBLOCK), 0);
	assert_int_equal(st->ndel, 1);
	/* The last one goes (a timer keeps the loop from returning before
	 * it waits, which is when removals are flushed). */
	{
		struct event tm;
		struct timeval tv = {10, 0};
		evtimer_assign(&tm, base, nop_cb, NULL);
		assert_int_equal(evtimer_add(&tm, &tv), 0);
		assert_int_equal(event_del(&r1), 0);
		assert_int_equal(event_base_loop(base, EVLOOP_NONBLOCK), 0);
		evtimer_del(&tm);
	}
	assert_int_equal(st->ndel, 2);
	assert_call(3, RECORDER_DEL, sv[0], EV_READ, 0);
	event_base_free(base);
	assert_int_equal(st->bad_fdinfo, 0);
	assert_int_equal(st->ndealloc, 1);
	close(sv[0]);
	close(sv[1]);
}

static void test_del_add_costs_nothing(void **state)
{
	struct event_base *base = rec_base();
	struct event ev;
	int sv[2], i;

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	event_assign(&ev, base, sv[0], EV_READ, nop_cb, NULL);
	assert_int_equal(event_add(&ev, NULL), 0);
	assert_int_equal(event_base_loop(base, EVLOOP_NONBLOCK), 0);
	for (i = 0; i < 10; i++) {
		assert_int_equal(event_del(&ev), 0);
		assert_int_equal(event_add(&ev, NULL), 0);
	}
	assert_int_equal(event_base_loop(base, EVLOOP_NONBLOCK), 0);
	assert_int_equal(st->nadd, 1);
	assert_int_equal(st->ndel, 0);
	event_base_free(base);
	close(sv[0]);
	close(sv[1]);
}

/* A one-shot event re-added from its own callback, many times: the
 * backend hears of it once. */
struct rearm {
	struct event ev;
	int left;
};

static void rearm_cb(evutil_socket_t fd, short what, void *arg)
{
	struct rearm *r = arg;
	char c;

	assert_int_equal(what, EV_READ);
	assert_int_equal(read(fd, &c, 1), 1);
	if (--r->left > 0)
		assert_int_equal(event_add(&r->ev, NULL), 0);
}

static void test_steady_state_no_calls(void **state)
{
	struct event_base *base = rec_base();
	struct rearm r = {.left = 50};
	struct event pers;
	char buf[64];
	int a[2], b[2], i, d0;

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, a), 0);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, b), 0);
	event_assign(&r.ev, base, a[0], EV_READ, rearm_cb, &r);
	event_assign(&pers, base, b[0], EV_READ | EV_PERSIST, nop_cb, NULL);
	assert_int_equal(event_add(&r.ev, NULL), 0);
	assert_int_equal(event_add(&pers, NULL), 0);
	memset(buf, 'x', sizeof(buf));
	assert_int_equal(write(a[1], buf, 50), 50);
	d0 = st->ndispatch;
	for (i = 0; i < 50 && r.left > 0; i++) {
		assert_int_equal(write(b[1], "y", 1), 1);
		assert_int_equal(event_base_loop(base, EVLOOP_ONCE), 0);
	}
	assert_int_equal(r.left, 0);
	assert_true(st->ndispatch - d0 >= 50);
	/* Two adds in all; the only removal is a[0]'s, after its last run. */
	assert_int_equal(st->nadd, 2);
	assert_true(st->ndel <= 1);
	event_base_free(base);
	close(a[0]);
	close(a[1]);
	close(b[0]);
	close(b[1]);
}

static void test_fd_reuse_reregisters(void **state)
{
	struct event_base *base = rec_base();
	struct event ev;
	int a[2], b[2], fd;

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, a), 0);
	fd = a[0];
	event_assign(&ev, base, fd, EV_READ, nop_cb, NULL);
	assert_int_equal(event_add(&ev, NULL), 0);
	assert_int_equal(event_del(&ev), 0);
	close(a[0]);
	close(a[1]);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, b), 0);
	if (b[0] != fd) {
		assert_int_equal(dup2(b[0], fd), fd);
		close(b[0]);
		b[0] = fd;
	}
	/* A fresh event_assign on the same number: the removal is still
	 * pending, so the core must tell the backend to register it anew
	 * (old == new), not silently keep the stale registration. */
	event_assign(&ev, base, fd, EV_READ, nop_cb, NULL);
	assert_int_equal(event_add(&ev, NULL), 0);
	assert_int_equal(st->nadd, 2);
	assert_call(1, RECORDER_ADD, fd, EV_READ, EV_READ);
	event_base_free(base);
	close(b[0]);
	close(b[1]);
}

static void test_reinit_readds_everything(void **state)
{
	struct event_base *base = rec_base();
	struct event r, w, sig;
	int a[2], b[2], i, na = 0, nb = 0, nsig = 0;

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, a), 0);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, b), 0);
	event_assign(&r, base, a[0], EV_READ, nop_cb, NULL);
	event_assign(&w, base, b[0], EV_WRITE, nop_cb, NULL);
	evsignal_assign(&sig, base, SIGUSR1, nop_cb, NULL);
	assert_int_equal(event_add(&r, NULL), 0);
	assert_int_equal(event_add(&w, NULL), 0);
	assert_int_equal(evsignal_add(&sig, NULL), 0);
	st->ncalls = 0;
	assert_int_equal(event_reinit(base), 0);
	assert_int_equal(st->nreinit, 1);
	/* The backend is rebuilt first, then every fd in use is added to it
	 * from interest 0: a[0] and b[0] once each, and the new signal pipe
	 * (perhaps twice: by the signal code and by the re-registration). */
	assert_true(st->ncalls > 0);
	assert_int_equal(st->calls[0].op, RECORDER_REINIT);
	for (i = 1; i < st->ncalls; i++) {
		if (st->calls[i].op == RECORDER_DEL)
			continue; /* the old pipe, already closed */
		assert_int_equal(st->calls[i].op, RECORDER_ADD);
		assert_int_equal(st->calls[i].old_mask, 0);
		if (st->calls[i].fd == a[0]) {
			assert_int_equal(st->calls[i].new_mask, EV_READ);
			na++;
		} else if (st->calls[i].fd == b[0]) {
			assert_int_equal(st->calls[i].new_mask, EV_WRITE);
			nb++;
		} else {
			nsig++;
		}
	}
	assert_int_equal(na, 1);
	assert_int_equal(nb, 1);
	assert_true(nsig >= 1 && nsig <= 2);
	/* And the base still delivers. */
	assert_int_equal(write(a[1], "z", 1), 1);
	kill(getpid(), SIGUSR1);
	assert_int_equal(event_base_loop(base, EVLOOP_NONBLOCK), 0);
	assert_int_equal(event_pending(&r, EV_READ, NULL), 0);
	assert_int_equal(event_pending(&w, EV_WRITE, NULL), 0);
	event_del(&sig);
	event_base_free(base);
	close(a[0]);
	close(a[1]);
	close(b[0]);
	close(b[1]);
}

static void test_bogus_reports_ignored(void **state)
{
	struct event_base *base = rec_base();
	struct event ev;
	int sv[2], calls = 0;

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	event_assign(&ev, base, sv[0], EV_READ | EV_PERSIST, nop_cb, &calls);
	assert_int_equal(event_add(&ev, NULL), 0);
	st->inject_bogus = 1;
	assert_int_equal(event_base_loop(base, EVLOOP_NONBLOCK), 0);
	assert_int_equal(event_pending(&ev, EV_READ, NULL), EV_READ);
	st->inject_bogus = 0;
	event_base_free(base);
	close(sv[0]);
	close(sv[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_one_call_per_change, reset),
	    cmocka_unit_test_setup(test_del_add_costs_nothing, reset),
	    cmocka_unit_test_setup(test_steady_state_no_calls, reset),
	    cmocka_unit_test_setup(test_fd_reuse_reregisters, reset),
	    cmocka_unit_test_setup(test_reinit_readds_everything, reset),
	    cmocka_unit_test_setup(test_bogus_reports_ignored, reset),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
