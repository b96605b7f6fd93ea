/* Threads: LEV_OPT_THREADSAFE listeners.  The loop runs in thread A; the
 * test's main thread, or a helper, plays thread B.
 *
 *  - B disables the listener, a client connects, no accept callback runs
 *    (200 ms); B enables it and the connection is accepted;
 *  - inside the accept callback (A), B's evconnlistener_disable() and
 *    evconnlistener_get_fd() complete while the callback waits for them,
 *    so the callback runs without the listener's lock; the connection
 *    queued behind it is then not accepted;
 *  - B frees the listener while the accept callback runs: free returns
 *    only after the callback did, the queued connection is never handed
 *    over, and nothing touches freed memory (run under the asan preset);
 *  - many connects while B toggles enable/disable: every connection is
 *    accepted exactly once (run under the tsan preset).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event.h>
#include <event2/listener.h>
#include <event2/thread.h>

#include "thread-util.h"

#define BOUND_MS 2000
/* Long enough that a callback that did not run is not just late. */
#define QUIET_MS 200
/* Clients of the toggling test, and the most toggles of its helper. */
#define NCLIENTS    200
#define MAX_TOGGLES 20000

/* What the helper does when the accept callback says go. */
enum job { JOB_DISABLE_GETFD, JOB_FREE };

struct fx {
	struct event_base *base;
	struct evconnlistener *lev;
	struct sockaddr_in sin; /* where it listens */
	struct tu_safety safety;
	struct tu_loop loop;
	int lfd; /* its socket, as got at creation */
	enum job job;
	pthread_t helper;
	int helper_started;
	atomic_int accepted;   /* accept callbacks run */
	atomic_int go;         /* the callback asks the helper to act */
	atomic_int started;    /* the helper is about to call in */
	atomic_int acted;      /* the helper's calls returned */
	atomic_int cb_done;    /* the probing callback is about to return */
	atomic_int seen_in_cb; /* the callback saw the helper finish */
	atomic_int got_fd;     /* what get_fd returned to the helper */
	atomic_int cb_done_at_return; /* cb_done when free returned */
	/* The toggling test: accepted peers' ports, written by A only. */
	unsigned short ports[NCLIENTS];
	int nports;
	atomic_int toggling;
};

static void count_cb(struct evconnlistener *lev, evutil_socket_t fd,
                     struct sockaddr *sa, int socklen, void *arg)
{
	struct fx *f = arg;

	(void)lev;
	if (sa->sa_family == AF_INET &&
	    socklen >= (int)sizeof(struct sockaddr_in) && f->nports < NCLIENTS)
		f->ports[f->nports++] =
		    ntohs(((struct sockaddr_in *)(void *)sa)->sin_port);
	close(fd);
	atomic_fetch_add(&f->accepted, 1);
}

static void fx_init(struct fx *f, evconnlistener_cb cb, unsigned flags)
{
	socklen_t len = sizeof(f->sin);

	memset(f, 0, sizeof(*f));
	assert_int_equal(evthread_use_pthreads(), 0);
	f->base = event_base_new();
	assert_non_null(f->base);
	f->sin.sin_family = AF_INET;
	f->sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	f->lev = evconnlistener_new_bind(
	    f->base, cb, f,
	    LEV_OPT_THREADSAFE | LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE |
	        flags,
	    1024, (struct sockaddr *)&f->sin, sizeof(f->sin));
	assert_non_null(f->lev);
	f->lfd = evconnlistener_get_fd(f->lev);
	assert_int_equal(getsockname(f->lfd, (struct sockaddr *)&f->sin, &len),
	                 0);
	assert_int_equal(tu_safety_start(&f->safety, f->base, 10), 0);
	assert_int_equal(tu_loop_start(&f->loop, f->base, 0), 0);
}

/* Stops the loop thread and frees what is left. */
static void fx_fini(struct fx *f)
{
	event_base_loopbreak(f->base);
	assert_int_equal(tu_loop_join(&f->loop), 0);
	if (f->helper_started)
		pthread_join(f->helper, NULL);
	assert_int_equal(tu_safety_fired(&f->safety), 0);
	event_del(&f->safety.ev);
	evconnlistener_free(f->lev);
	event_base_free(f->base);
}

/* A connected (blocking: loopback completes in the kernel) client. */
static int client(const struct fx *f)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	assert_int_equal(
	    connect(fd, (const struct sockaddr *)&f->sin, sizeof(f->sin)), 0);
	return fd;
}

/* Waits (bounded) until at least n connections were accepted. */
static int wait_accepted(struct fx *f, int n, int timeout_ms)
{
	int64_t end = tu_now_ms() + timeout_ms;

	while (atomic_load(&f->accepted) < n && tu_now_ms() < end)
		tu_sleep_ms(1);
	return atomic_load(&f->accepted);
}

/* ---- disable / enable from another thread ------------------------------ */

static void test_disable_enable(void **state)
{
	struct fx f;
	int c;

	(void)state;
	fx_init(&f, count_cb, 0);
	/* The listener is enabled and the loop runs: B stops it. */
	assert_int_equal(evconnlistener_disable(f.lev), 0);
	c = client(&f);
	tu_sleep_ms(QUIET_MS);
	assert_int_equal(atomic_load(&f.accepted), 0);
	assert_int_equal(evconnlistener_enable(f.lev), 0);
	assert_int_equal(wait_accepted(&f, 1, BOUND_MS), 1);
	close(c);
	fx_fini(&f);
	assert_int_equal(f.nports, 1);
}

/* ---- the accept callback runs unlocked --------------------------------- */

static void *helper_main(void *arg)
{
	struct fx *f = arg;

	if (!tu_wait_flag(&f->go, 5000))
		return NULL;
	atomic_store(&f->started, 1);
	if (f->job == JOB_DISABLE_GETFD) {
		evconnlistener_disable(f->lev);
		atomic_store(&f->got_fd, evconnlistener_get_fd(f->lev));
	} else {
		evconnlistener_free(f->lev);
		f->lev = NULL;
		atomic_store(&f->cb_done_at_return, atomic_load(&f->cb_done));
	}
	atomic_store(&f->acted, 1);
	return NULL;
}

static void probe_cb(struct evconnlistener *lev, evutil_socket_t fd,
                     struct sockaddr *sa, int socklen, void *arg)
{
	struct fx *f = arg;

	(void)lev;
	(void)sa;
	(void)socklen;
	close(fd);
	if (atomic_fetch_add(&f->accepted, 1) > 0)
		return; /* must not happen: checked by the tests */
	atomic_store(&f->go, 1);
	if (f->job == JOB_DISABLE_GETFD) {
		atomic_store(&f->seen_in_cb, tu_wait_flag(&f->acted, BOUND_MS));
	} else {
		/* Free is under way in B while we are still running. */
		tu_wait_flag(&f->started, BOUND_MS);
		tu_sleep_ms(50);
		atomic_store(&f->seen_in_cb, atomic_load(&f->acted));
	}
	atomic_store(&f->cb_done, 1);
}

/* Two clients queue while the listener is disabled; enabling it runs the
 * probe for the first in A while the helper acts from B. */
static void run_probe(struct fx *f, enum job job, int c[2])
{
	fx_init(f, probe_cb, LEV_OPT_DISABLED);
	f->job = job;
	assert_int_equal(pthread_create(&f->helper, NULL, helper_main, f), 0);
	f->helper_started = 1;
	c[0] = client(f);
	c[1] = client(f);
	assert_int_equal(evconnlistener_enable(f->lev), 0);
	assert_int_equal(wait_accepted(f, 1, BOUND_MS), 1);
	assert_int_equal(tu_wait_flag(&f->cb_done, 2 * BOUND_MS), 1);
	assert_int_equal(tu_wait_flag(&f->acted, BOUND_MS), 1);
	tu_sleep_ms(QUIET_MS);
}

static void test_callback_unlocked(void **state)
{
	struct fx f;
	int c[2];

	(void)state;
	run_probe(&f, JOB_DISABLE_GETFD, c);
	/* B's calls took the listener's lock and returned while the
	 * callback was still running. */
	assert_int_equal(atomic_load(&f.seen_in_cb), 1);
	assert_int_equal(atomic_load(&f.got_fd), f.lfd);
	/* Disabled from B: the second queued client is left alone. */
	assert_int_equal(atomic_load(&f.accepted), 1);
	close(c[0]);
	close(c[1]);
	fx_fini(&f);
}

static void test_free_during_callback(void **state)
{
	struct fx f;
	int c[2];

	(void)state;
	run_probe(&f, JOB_FREE, c);
	/* Free waited for the running callback, which saw it pending. */
	assert_int_equal(atomic_load(&f.seen_in_cb), 0);
	assert_int_equal(atomic_load(&f.cb_done_at_return), 1);
	/* The queued second client was never handed over. */
	assert_int_equal(atomic_load(&f.accepted), 1);
	close(c[0]);
	close(c[1]);
	fx_fini(&f); /* f.lev is NULL: already freed by B */
}

/* ---- toggling while clients connect ------------------------------------ */

static void *toggler_main(void *arg)
{
	struct fx *f = arg;
	int i;

	for (i = 0; i < MAX_TOGGLES && atomic_load(&f->toggling); i++) {
		evconnlistener_disable(f->lev);
		if (i % 8 == 0)
			sched_yield();
		evconnlistener_enable(f->lev);
	}
	evconnlistener_enable(f->lev);
	return NULL;
}

static int cmp_port(const void *a, const void *b)
{
	return (int)*(const unsigned short *)a -
	       (int)*(const unsigned short *)b;
}

static void test_toggle_stress(void **state)
{
	struct fx f;
	pthread_t toggler;
	unsigned short want[NCLIENTS];
	struct sockaddr_in me;
	socklen_t len;
	int c[NCLIENTS], i;

	(void)state;
	fx_init(&f, count_cb, 0);
	atomic_store(&f.toggling, 1);
	assert_int_equal(pthread_create(&toggler, NULL, toggler_main, &f), 0);
	for (i = 0; i < NCLIENTS; i++) {
		c[i] = client(&f);
		len = sizeof(me);
		assert_int_equal(
		    getsockname(c[i], (struct sockaddr *)&me, &len), 0);
		want[i] = ntohs(me.sin_port);
	}
	atomic_store(&f.toggling, 0);
	pthread_join(toggler, NULL);
	assert_int_equal(wait_accepted(&f, NCLIENTS, 2 * BOUND_MS), NCLIENTS);
	tu_sleep_ms(50);
	fx_fini(&f);
	/* Exactly once each: the same multiset of ports. */
	assert_int_equal(atomic_load(&f.accepted), NCLIENTS);
	assert_int_equal(f.nports, NCLIENTS);
	qsort(want, NCLIENTS, sizeof(want[0]), cmp_port);
	qsort(f.ports, NCLIENTS, sizeof(f.ports[0]), cmp_port);
	assert_memory_equal(want, f.ports, sizeof(want));
	for (i = 0; i < NCLIENTS; i++)
		close(c[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_disable_enable),
	    cmocka_unit_test(test_callback_unlocked),
	    cmocka_unit_test(test_free_during_callback),
	    cmocka_unit_test(test_toggle_stress),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
