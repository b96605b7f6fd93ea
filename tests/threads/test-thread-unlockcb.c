/* Threads: BEV_OPT_UNLOCK_CALLBACKS.  With BEV_OPT_THREADSAFE |
 * BEV_OPT_DEFER_CALLBACKS | BEV_OPT_UNLOCK_CALLBACKS the user's callbacks
 * run without the bufferevent's lock, so another thread can take it (or
 * free the bufferevent) while one runs.
 *
 *  - read, write and event callbacks: a helper thread, started from
 *    inside the callback, gets bufferevent_lock() while the callback
 *    still runs;
 *  - the same without UNLOCK_CALLBACKS: the helper gets the lock only
 *    after the callback returned (so the probe can tell the two apart);
 *  - UNLOCK_CALLBACKS without DEFER_CALLBACKS: no bufferevent, one WARN;
 *  - bufferevent_free() from an unlocked callback: no other callback of
 *    the same run is called and the socket gets closed;
 *  - bufferevent_free() from another thread while an unlocked callback
 *    runs: it proceeds at once (the callback sees its callbacks cleared),
 *    returns only after the callback, and the pending ones never run.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event.h>
#include <event2/thread.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>

#include "thread-util.h"

#define BOUND_MS 2000
/* Long enough that a helper blocked on the lock is not just slow. */
#define LOCKED_WAIT_MS 200

#define OPTS_UNLOCKED                                                          \
	(BEV_OPT_THREADSAFE | BEV_OPT_CLOSE_ON_FREE |                          \
	 BEV_OPT_DEFER_CALLBACKS | BEV_OPT_UNLOCK_CALLBACKS)
#define OPTS_LOCKED                                                            \
	(BEV_OPT_THREADSAFE | BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS)

/* What the helper thread does when a callback says go (JOB_NONE: the
 * callback frees the bufferevent itself, so the helper must not touch it). */
enum helper_job { JOB_NONE, JOB_LOCK, JOB_FREE };

struct fx {
	struct event_base *base;
	int sv[2];
	struct bufferevent *bev;
	struct tu_safety safety;
	pthread_t helper;
	enum helper_job job;
	int wait_ms;
	atomic_int go;          /* the callback asks the helper to act */
	atomic_int acted;       /* the helper got the lock / free returned */
	atomic_int cb_done;     /* the probing callback is about to return */
	atomic_int acted_in_cb; /* the helper acted before cb_done */
	atomic_int seen_in_cb;  /* the callback saw the helper act */
	atomic_int probes;      /* probing callbacks run */
	atomic_int others;      /* callbacks that must not run */
};

static void *helper_main(void *arg)
{
	struct fx *f = arg;

	if (!tu_wait_flag(&f->go, 5000) || f->job == JOB_NONE)
		return NULL;
	if (f->job == JOB_LOCK) {
		bufferevent_lock(f->bev);
		atomic_store(&f->acted_in_cb, !atomic_load(&f->cb_done));
		atomic_store(&f->acted, 1);
		bufferevent_unlock(f->bev);
	} else {
		bufferevent_free(f->bev);
		atomic_store(&f->acted_in_cb, !atomic_load(&f->cb_done));
		atomic_store(&f->acted, 1);
	}
	return NULL;
}

static void fx_init(struct fx *f, int options, enum helper_job job)
{

	memset(f, 0, sizeof(*f));
	evthread_use_pthreads();
	f->base = event_base_new();
	assert_non_null(f->base);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, f->sv), 0);
	assert_int_equal(evutil_make_socket_nonblocking(f->sv[0]), 0);
	assert_int_equal(evutil_make_socket_nonblocking(f->sv[1]), 0);
	f->bev = bufferevent_socket_new(f->base, f->sv[0], options);
	assert_non_null(f->bev);
	f->job = job;
	assert_int_equal(tu_safety_start(&f->safety, f->base, 10), 0);
	assert_int_equal(pthread_create(&f->helper, NULL, helper_main, f), 0);
}

/* Runs the loop until a probe breaks it, then joins the helper. */
static void fx_run(struct fx *f)
{
	assert_int_equal(event_base_dispatch(f->base), 0);
	atomic_store(&f->go, 1); /* lets the helper go if no probe ran */
	pthread_join(f->helper, NULL);
	assert_int_equal(tu_safety_fired(&f->safety), 0);
}

static void fx_fini(struct fx *f)
{
	event_del(&f->safety.ev);
	if (f->bev != NULL)
		bufferevent_free(f->bev);
	close(f->sv[1]);
	event_base_free(f->base);
}

/* ---- the lock probe ---------------------------------------------------- */

/* From a callback: starts the helper, waits (bounded) for it to take the
 * bufferevent's lock, and records whether it did before we return. */
static void probe(struct bufferevent *bev, struct fx *f)
{
	char buf[64];

	atomic_fetch_add(&f->probes, 1);
	while (bufferevent_read(bev, buf, sizeof(buf)) > 0)
		;
	atomic_store(&f->go, 1);
	atomic_store(&f->seen_in_cb, tu_wait_flag(&f->acted, f->wait_ms));
	atomic_store(&f->cb_done, 1);
	event_base_loopbreak(f->base);
}

static void probe_data_cb(struct bufferevent *bev, void *arg)
{
	probe(bev, arg);
}

static void probe_event_cb(struct bufferevent *bev, short what, void *arg)
{
	(void)what;
	probe(bev, arg);
}

enum which { PROBE_READ, PROBE_WRITE, PROBE_EVENT };

/* Makes the bufferevent run one callback, `which`, from the loop. */
static void probe_setup(struct fx *f, enum which which)
{
	switch (which) {
	case PROBE_READ:
		bufferevent_setcb(f->bev, probe_data_cb, NULL, NULL, f);
		assert_int_equal(write(f->sv[1], "x", 1), 1);
		assert_int_equal(bufferevent_enable(f->bev, EV_READ), 0);
		break;
	case PROBE_WRITE:
		bufferevent_setcb(f->bev, NULL, probe_data_cb, NULL, f);
		assert_int_equal(bufferevent_write(f->bev, "x", 1), 0);
		break;
	case PROBE_EVENT:
		bufferevent_setcb(f->bev, NULL, NULL, probe_event_cb, f);
		assert_int_equal(shutdown(f->sv[1], SHUT_WR), 0);
		assert_int_equal(bufferevent_enable(f->bev, EV_READ), 0);
		break;
	}
}

static void run_unlocked(enum which which)
{
	struct fx f;

	fx_init(&f, OPTS_UNLOCKED, JOB_LOCK);
	f.wait_ms = BOUND_MS;
	probe_setup(&f, which);
	fx_run(&f);
	assert_int_equal(atomic_load(&f.probes), 1);
	/* The helper got the lock while the callback was running. */
	assert_int_equal(atomic_load(&f.seen_in_cb), 1);
	assert_int_equal(atomic_load(&f.acted_in_cb), 1);
	fx_fini(&f);
}

static void test_unlocked_readcb(void **state)
{
	(void)state;
	run_unlocked(PROBE_READ);
}

static void test_unlocked_writecb(void **state)
{
	(void)state;
	run_unlocked(PROBE_WRITE);
}

static void test_unlocked_eventcb(void **state)
{
	(void)state;
	run_unlocked(PROBE_EVENT);
}

/* The control: without UNLOCK_CALLBACKS the same probe finds the lock
 * held for the whole callback, and free right after it. */
static void test_locked_readcb(void **state)
{
	struct fx f;

	(void)state;
	fx_init(&f, OPTS_LOCKED, JOB_LOCK);
	f.wait_ms = LOCKED_WAIT_MS;
	probe_setup(&f, PROBE_READ);
	fx_run(&f);
	assert_int_equal(atomic_load(&f.probes), 1);
	assert_int_equal(atomic_load(&f.seen_in_cb), 0);
	assert_int_equal(atomic_load(&f.acted), 1);
	assert_int_equal(atomic_load(&f.acted_in_cb), 0);
	fx_fini(&f);
}

/* ---- creation ---------------------------------------------------------- */

static atomic_int warns;

static void count_warns(int severity, const char *msg)
{
	(void)msg;
	if (severity == EVENT_LOG_WARN)
		atomic_fetch_add(&warns, 1);
}

static void test_unlock_requires_defer(void **state)
{
	struct event_base *base;
	struct bufferevent *bev;
	int sv[2];

	(void)state;
	evthread_use_pthreads();
	base = event_base_new();
	assert_non_null(base);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	atomic_store(&warns, 0);
	event_set_log_callback(count_warns);
	bev = bufferevent_socket_new(
	    base, sv[0], BEV_OPT_THREADSAFE | BEV_OPT_UNLOCK_CALLBACKS);
	event_set_log_callback(NULL);
	assert_null(bev);
	assert_int_equal(atomic_load(&warns), 1);
	/* Without THREADSAFE too, as libevent. */
	event_set_log_callback(count_warns);
	bev = bufferevent_socket_new(base, sv[0], BEV_OPT_UNLOCK_CALLBACKS);
	event_set_log_callback(NULL);
	assert_null(bev);
	assert_int_equal(atomic_load(&warns), 2);
	/* With DEFER it is accepted, quietly. */
	event_set_log_callback(count_warns);
	bev = bufferevent_socket_new(base, sv[0], OPTS_UNLOCKED);
	event_set_log_callback(NULL);
	assert_non_null(bev);
	assert_int_equal(atomic_load(&warns), 2);
	bufferevent_free(bev); /* closes sv[0] */
	close(sv[1]);
	event_base_free(base);
}

/* ---- freeing while unlocked -------------------------------------------- */

static void other_data_cb(struct bufferevent *bev, void *arg)
{
	struct fx *f = arg;

	(void)bev;
	atomic_fetch_add(&f->others, 1);
}

static void other_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct fx *f = arg;

	(void)bev;
	(void)what;
	atomic_fetch_add(&f->others, 1);
}

static void free_self_cb(struct bufferevent *bev, void *arg)
{
	struct fx *f = arg;

	atomic_fetch_add(&f->probes, 1);
	bufferevent_free(bev);
	f->bev = NULL;
	event_base_loopbreak(f->base);
}

/* Queues read, write and event callbacks for one deferred run. */
static void queue_all(struct fx *f)
{
	bufferevent_trigger(f->bev, EV_READ | EV_WRITE,
	                    BEV_TRIG_IGNORE_WATERMARKS |
	                        BEV_TRIG_DEFER_CALLBACKS);
	bufferevent_trigger_event(f->bev, BEV_EVENT_EOF,
	                          BEV_TRIG_DEFER_CALLBACKS);
}

static void assert_peer_closed(struct fx *f)
{
	char c;
	ssize_t n;
	int64_t end = tu_now_ms() + BOUND_MS;

	do {
		n = read(f->sv[1], &c, 1);
		if (n < 0 && errno == EAGAIN)
			tu_sleep_ms(1);
	} while (n < 0 && errno == EAGAIN && tu_now_ms() < end);
	assert_int_equal(n, 0);
}

static void test_free_from_unlocked_cb(void **state)
{
	struct fx f;

	(void)state;
	fx_init(&f, OPTS_UNLOCKED, JOB_NONE);
	bufferevent_setcb(f.bev, free_self_cb, other_data_cb, other_event_cb,
	                  &f);
	queue_all(&f);
	fx_run(&f);
	assert_int_equal(atomic_load(&f.probes), 1);
	assert_int_equal(atomic_load(&f.others), 0);
	assert_null(f.bev);
	assert_peer_closed(&f);
	fx_fini(&f);
}

/* Asks the helper to free the bufferevent, and waits (bounded) until the
 * free has visibly started: our callbacks are cleared. */
static void wait_free_cb(struct bufferevent *bev, void *arg)
{
	struct fx *f = arg;
	bufferevent_data_cb rcb = wait_free_cb;
	int64_t end = tu_now_ms() + BOUND_MS;

	atomic_fetch_add(&f->probes, 1);
	atomic_store(&f->go, 1);
	while (tu_now_ms() < end) {
		bufferevent_getcb(bev, &rcb, NULL, NULL, NULL);
		if (rcb == NULL)
			break;
		tu_sleep_ms(1);
	}
	atomic_store(&f->seen_in_cb, rcb == NULL);
	/* Give a free that did not wait for us time to return. */
	tu_sleep_ms(50);
	atomic_store(&f->cb_done, 1);
	event_base_loopbreak(f->base);
}

static void test_free_from_thread_while_unlocked(void **state)
{
	struct fx f;

	(void)state;
	fx_init(&f, OPTS_UNLOCKED, JOB_FREE);
	bufferevent_setcb(f.bev, wait_free_cb, other_data_cb, other_event_cb,
	                  &f);
	queue_all(&f);
	fx_run(&f);
	f.bev = NULL; /* the helper freed it */
	assert_int_equal(atomic_load(&f.probes), 1);
	assert_int_equal(atomic_load(&f.seen_in_cb), 1);
	assert_int_equal(atomic_load(&f.acted), 1);
	/* free returned only after the running callback. */
	assert_int_equal(atomic_load(&f.acted_in_cb), 0);
	assert_int_equal(atomic_load(&f.others), 0);
	assert_peer_closed(&f);
	fx_fini(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_unlocked_readcb),
	    cmocka_unit_test(test_unlocked_writecb),
	    cmocka_unit_test(test_unlocked_eventcb),
	    cmocka_unit_test(test_locked_readcb),
	    cmocka_unit_test(test_unlock_requires_defer),
	    cmocka_unit_test(test_free_from_unlocked_cb),
	    cmocka_unit_test(test_free_from_thread_while_unlocked),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
