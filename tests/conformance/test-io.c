/* Conformance: fd events on the backend forced by EV_BACKEND. */
#include "conformance.h"

#include <signal.h>

/* What one callback saw. */
struct rec {
	int calls;
	short what;    /* last `what` */
	short what_or; /* every `what`, or'ed */
	evutil_socket_t fd;
	int64_t at_ms;
	int nread;        /* bytes the callback reads per call (0: none) */
	struct event *ev; /* the event itself, for callbacks that act on it */
	struct event *other;
	int stop_after; /* event_del(ev) after this many calls (0: never) */
};

static void rec_cb(evutil_socket_t fd, short what, void *arg)
{
	struct rec *r = arg;
	char buf[64];

	r->calls++;
	r->what = what;
	r->what_or |= what;
	r->fd = fd;
	r->at_ms = conf_now_ms();
	if (r->nread > 0 && (what & EV_READ))
		(void)!read(fd, buf, (size_t)r->nread);
	if (r->stop_after && r->calls >= r->stop_after && r->ev)
		event_del(r->ev);
}

static void test_backend_is_forced(void **state)
{
	struct event_base *base = conf_base();
	const char *want = getenv("EV_BACKEND");

	(void)state;
	if (want != NULL && strchr(want, ',') == NULL)
		assert_string_equal(event_base_get_method(base), want);
	event_base_free(base);
}

static void test_read_once(void **state)
{
	struct event_base *base = conf_base();
	struct rec r = {.nread = 1};
	struct event ev;
	int sv[2];

	(void)state;
	conf_pair(sv);
	event_assign(&ev, base, sv[0], EV_READ, rec_cb, &r);
	assert_int_equal(event_add(&ev, NULL), 0);
	assert_int_equal(event_pending(&ev, EV_READ | EV_WRITE, NULL), EV_READ);
	conf_write1(sv[1]);
	conf_write1(sv[1]);
	/* Non-persistent: one call, then the loop has nothing left. */
	assert_int_equal(event_base_dispatch(base), 1);
	assert_int_equal(r.calls, 1);
	assert_int_equal(r.what, EV_READ);
	assert_int_equal(r.fd, sv[0]);
	assert_int_equal(event_pending(&ev, EV_READ, NULL), 0);
	event_base_free(base);
	conf_close_pair(sv);
}

static void test_read_persist(void **state)
{
	struct event_base *base = conf_base();
	struct rec r = {.nread = 1, .stop_after = 3};
	struct event ev;
	int sv[2];

	(void)state;
	conf_pair(sv);
	event_assign(&ev, base, sv[0], EV_READ | EV_PERSIST, rec_cb, &r);
	r.ev = &ev;
	assert_int_equal(event_add(&ev, NULL), 0);
	assert_int_equal(write(sv[1], "abc", 3), 3);
	assert_int_equal(event_base_dispatch(base), 1);
	assert_int_equal(r.calls, 3);
	assert_int_equal(r.what_or, EV_READ);
	event_base_free(base);
	conf_close_pair(sv);
}

static void test_write_once_and_persist(void **state)
{
	struct event_base *base = conf_base();
	struct rec once = {0}, pers = {.stop_after = 4};
	struct event e1, e2;
	int sv[2];

	(void)state;
	conf_pair(sv);
	event_assign(&e1, base, sv[0], EV_WRITE, rec_cb, &once);
	event_assign(&e2, base, sv[1], EV_WRITE | EV_PERSIST, rec_cb, &pers);
	pers.ev = &e2;
	assert_int_equal(event_add(&e1, NULL), 0);
	assert_int_equal(event_add(&e2, NULL), 0);
	assert_int_equal(event_base_dispatch(base), 1);
	assert_int_equal(once.calls, 1);
	assert_int_equal(once.what, EV_WRITE);
	assert_int_equal(pers.calls, 4);
	assert_int_equal(pers.what_or, EV_WRITE);
	event_base_free(base);
	conf_close_pair(sv);
}

static void test_several_events_same_fd(void **state)
{
	struct event_base *base = conf_base();
	struct rec r1 = {0}, r2 = {0}, w = {0};
	struct event e1, e2, ew;
	char buf[8];
	int sv[2];

	(void)state;
	conf_pair(sv);
	event_assign(&e1, base, sv[0], EV_READ, rec_cb, &r1);
	event_assign(&e2, base, sv[0], EV_READ, rec_cb, &r2);
	event_assign(&ew, base, sv[0], EV_WRITE, rec_cb, &w);
	assert_int_equal(event_add(&e1, NULL), 0);
	assert_int_equal(event_add(&e2, NULL), 0);
	assert_int_equal(event_add(&ew, NULL), 0);
	conf_write1(sv[1]);
	assert_int_equal(event_base_dispatch(base), 1);
	assert_int_equal(r1.calls, 1);
	assert_int_equal(r2.calls, 1);
	assert_int_equal(w.calls, 1);
	assert_int_equal(r1.what, EV_READ);
	assert_int_equal(r2.what, EV_READ);
	assert_int_equal(w.what, EV_WRITE);

	/* Deleting one of two readers leaves the other working. */
	assert_int_equal(event_add(&e1, NULL), 0);
	assert_int_equal(event_add(&e2, NULL), 0);
	assert_int_equal(event_del(&e1), 0);
	assert_int_equal(event_base_dispatch(base), 1);
	assert_int_equal(r1.calls, 1);
	assert_int_equal(r2.calls, 2);
	assert_int_equal(read(sv[0], buf, sizeof(buf)), 1);
	event_base_free(base);
	conf_close_pair(sv);
}

/* READ|WRITE in one event: both bits may come in one call. */
static void test_read_write_one_event(void **state)
{
	struct event_base *base = conf_base();
	struct rec r = {.nread = 8};
	struct event ev;
	int sv[2];

	(void)state;
	conf_pair(sv);
	event_assign(&ev, base, sv[0], EV_READ | EV_WRITE, rec_cb, &r);
	assert_int_equal(event_add(&ev, NULL), 0);
	conf_write1(sv[1]);
	assert_int_equal(event_base_dispatch(base), 1);
	assert_int_equal(r.calls, 1);
	assert_int_equal(r.what, EV_READ | EV_WRITE);
	event_base_free(base);
	conf_close_pair(sv);
}

static void test_del_self_in_callback(void **state)
{
	struct event_base *base = conf_base();
	struct rec r = {.stop_after = 1};
	struct event ev;
	int sv[2];

	(void)state;
	conf_pair(sv);
	/* Persistent and never read: only the event_del() ends it. */
	event_assign(&ev, base, sv[0], EV_READ | EV_PERSIST, rec_cb, &r);
	r.ev = &ev;
	assert_int_equal(event_add(&ev, NULL), 0);
	conf_write1(sv[1]);
	assert_int_equal(event_base_dispatch(base), 1);
	assert_int_equal(r.calls, 1);
	assert_int_equal(event_pending(&ev, EV_READ, NULL), 0);
	event_base_free(base);
	conf_close_pair(sv);
}

static void del_other_cb(evutil_socket_t fd, short what, void *arg)
{
	struct rec *r = arg;

	(void)fd;
	(void)what;
	r->calls++;
	event_del(r->other);
	event_del(r->ev);
}

static void test_del_other_in_callback(void **state)
{
	struct event_base *base = conf_base();
	struct rec r1 = {0}, r2 = {0};
	struct event e1, e2;
	int a[2], b[2];

	(void)state;
	conf_pair(a);
	conf_pair(b);
	/* Both are ready in the same iteration; whichever runs first deletes
	 * the other, which is then already active and must not run. */
	event_assign(&e1, base, a[0], EV_READ | EV_PERSIST, del_other_cb, &r1);
	event_assign(&e2, base, b[0], EV_READ | EV_PERSIST, del_other_cb, &r2);
	r1.ev = &e1;
	r1.other = &e2;
	r2.ev = &e2;
	r2.other = &e1;
	assert_int_equal(event_add(&e1, NULL), 0);
	assert_int_equal(event_add(&e2, NULL), 0);
	conf_write1(a[1]);
	conf_write1(b[1]);
	assert_int_equal(event_base_dispatch(base), 1);
	assert_int_equal(r1.calls + r2.calls, 1);
	event_base_free(base);
	conf_close_pair(a);
	conf_close_pair(b);
}

/* A pending (not yet ready) event deleted from another's callback. */
static void test_del_pending_other(void **state)
{
	struct event_base *base = conf_base();
	struct rec r1 = {0}, r2 = {0};
	struct event e1, e2;
	int a[2], b[2];

	(void)state;
	conf_pair(a);
	conf_pair(b);
	event_assign(&e1, base, a[0], EV_READ, del_other_cb, &r1);
	event_assign(&e2, base, b[0], EV_READ | EV_PERSIST, rec_cb, &r2);
	r1.ev = &e1;
	r1.other = &e2;
	assert_int_equal(event_add(&e1, NULL), 0);
	assert_int_equal(event_add(&e2, NULL), 0);
	conf_write1(a[1]);
	assert_int_equal(event_base_dispatch(base), 1);
	assert_int_equal(r1.calls, 1);
	assert_int_equal(r2.calls, 0);
	event_base_free(base);
	conf_close_pair(a);
	conf_close_pair(b);
}

static void test_timeout_no_data(void **state)
{
	struct event_base *base = conf_base();
	struct rec r = {0};
	struct timeval tv = {0, 50000};
	struct event ev;
	int64_t t0;
	int sv[2];

	(void)state;
	conf_pair(sv);
	event_assign(&ev, base, sv[0], EV_READ, rec_cb, &r);
	t0 = conf_now_ms();
	assert_int_equal(event_add(&ev, &tv), 0);
	assert_int_equal(event_pending(&ev, EV_READ | EV_TIMEOUT, NULL),
	                 EV_READ | EV_TIMEOUT);
	assert_int_equal(event_base_dispatch(base), 1);
	assert_int_equal(r.calls, 1);
	assert_int_equal(r.what, EV_TIMEOUT);
	assert_true(r.at_ms - t0 >= 49);
	assert_true(r.at_ms - t0 < 2000);
	/* A fired non-persistent event is no longer pending at all. */
	assert_int_equal(event_pending(&ev, EV_READ | EV_TIMEOUT, NULL), 0);
	event_base_free(base);
	conf_close_pair(sv);
}

static void test_data_before_timeout(void **state)
{
	struct event_base *base = conf_base();
	struct rec r = {.nread = 1};
	struct timeval tv = {0, 100000};
	struct event ev;
	int sv[2];

	(void)state;
	conf_pair(sv);
	event_assign(&ev, base, sv[0], EV_READ, rec_cb, &r);
	assert_int_equal(event_add(&ev, &tv), 0);
	conf_write1(sv[1]);
	assert_int_equal(event_base_dispatch(base), 1);
	/* The read ends the event: its timeout must not come later. */
	assert_int_equal(r.calls, 1);
	assert_int_equal(r.what, EV_READ);
	assert_int_equal(event_pending(&ev, EV_TIMEOUT, NULL), 0);
	event_base_free(base);
	conf_close_pair(sv);
}

static void test_persist_timeout_rearmed(void **state)
{
	struct event_base *base = conf_base();
	struct rec r = {.stop_after = 3};
	struct timeval tv = {0, 20000};
	struct event ev;
	int64_t t0;
	int sv[2];

	(void)state;
	conf_pair(sv);
	event_assign(&ev, base, sv[0], EV_READ | EV_PERSIST, rec_cb, &r);
	r.ev = &ev;
	t0 = conf_now_ms();
	assert_int_equal(event_add(&ev, &tv), 0);
	assert_int_equal(event_base_dispatch(base), 1);
	assert_int_equal(r.calls, 3);
	assert_int_equal(r.what_or, EV_TIMEOUT);
	assert_true(r.at_ms - t0 >= 59);
	event_base_free(base);
	conf_close_pair(sv);
}

/* Reads push the persistent event's timeout back each time. */
struct feeder {
	struct event tick;
	int fd;
	int left;
	struct timeval every;
};

static void feeder_cb(evutil_socket_t fd, short what, void *arg)
{
	struct feeder *f = arg;

	(void)fd;
	(void)what;
	conf_write1(f->fd);
	if (--f->left > 0)
		evtimer_add(&f->tick, &f->every);
}

struct watcher {
	struct event ev;
	int reads;
	int reads_before_timeout;
	int timeouts;
};

static void watcher_cb(evutil_socket_t fd, short what, void *arg)
{
	struct watcher *w = arg;
	char c;

	if (what & EV_READ) {
		assert_int_equal(read(fd, &c, 1), 1);
		w->reads++;
	}
	if (what & EV_TIMEOUT) {
		w->timeouts++;
		w->reads_before_timeout = w->reads;
		event_del(&w->ev);
	}
}

static void test_persist_timeout_reset_by_data(void **state)
{
	struct event_base *base = conf_base();
	struct feeder f = {.left = 5, .every = {0, 20000}};
	struct watcher w = {0};
	struct timeval tv = {0, 250000};
	int sv[2];

	(void)state;
	conf_pair(sv);
	f.fd = sv[1];
	evtimer_assign(&f.tick, base, feeder_cb, &f);
	event_assign(&w.ev, base, sv[0], EV_READ | EV_PERSIST, watcher_cb, &w);
	assert_int_equal(event_add(&w.ev, &tv), 0);
	assert_int_equal(evtimer_add(&f.tick, &f.every), 0);
	assert_int_equal(event_base_dispatch(base), 1);
	assert_int_equal(w.reads, 5);
	assert_int_equal(w.timeouts, 1);
	assert_int_equal(w.reads_before_timeout, 5);
	event_base_free(base);
	conf_close_pair(sv);
}

static void test_readd_reschedules(void **state)
{
	struct event_base *base = conf_base();
	struct rec r = {0};
	struct timeval long_tv = {5, 0}, short_tv = {0, 20000},
	               mid_tv = {0, 150000};
	struct event ev;
	int64_t t0;
	int sv[2];

	(void)state;
	conf_pair(sv);
	/* Shorter: a 5 s timeout re-added as 20 ms fires early. */
	event_assign(&ev, base, sv[0], EV_READ, rec_cb, &r);
	t0 = conf_now_ms();
	assert_int_equal(event_add(&ev, &long_tv), 0);
	assert_int_equal(event_add(&ev, &short_tv), 0);
	assert_int_equal(event_base_dispatch(base), 1);
	assert_int_equal(r.calls, 1);
	assert_int_equal(r.what, EV_TIMEOUT);
	assert_true(r.at_ms - t0 < 1000);

	/* Longer: 20 ms re-added as 150 ms does not fire at 20 ms. */
	r.calls = 0;
	t0 = conf_now_ms();
	assert_int_equal(event_add(&ev, &short_tv), 0);
	assert_int_equal(event_add(&ev, &mid_tv), 0);
	assert_int_equal(event_base_dispatch(base), 1);
	assert_int_equal(r.calls, 1);
	assert_true(r.at_ms - t0 >= 149);

	/* Re-adding with NULL keeps the pending timeout. */
	r.calls = 0;
	t0 = conf_now_ms();
	assert_int_equal(event_add(&ev, &short_tv), 0);
	assert_int_equal(event_add(&ev, NULL), 0);
	assert_int_equal(event_pending(&ev, EV_TIMEOUT, NULL), EV_TIMEOUT);
	assert_int_equal(event_base_dispatch(base), 1);
	assert_int_equal(r.calls, 1);
	assert_int_equal(r.what, EV_TIMEOUT);
	event_base_free(base);
	conf_close_pair(sv);
}

/* Deleted and added again in the same iteration: still delivered. */
struct readd {
	struct event ev;
	int peer;
	int calls;
};

static void readd_cb(evutil_socket_t fd, short what, void *arg)
{
	struct readd *d = arg;
	char c;

	assert_int_equal(what, EV_READ);
	assert_int_equal(read(fd, &c, 1), 1);
	d->calls++;
	event_del(&d->ev);
	if (d->calls < 3) {
		assert_int_equal(event_add(&d->ev, NULL), 0);
		/* New data only after the re-add: it must still wake us. */
		conf_write1(d->peer);
	}
}

static void test_del_add_same_iteration(void **state)
{
	struct event_base *base = conf_base();
	struct readd d = {0};
	int sv[2];

	(void)state;
	conf_pair(sv);
	d.peer = sv[1];
	event_assign(&d.ev, base, sv[0], EV_READ | EV_PERSIST, readd_cb, &d);
	assert_int_equal(event_add(&d.ev, NULL), 0);
	conf_write1(sv[1]);
	assert_int_equal(event_base_dispatch(base), 1);
	assert_int_equal(d.calls, 3);
	event_base_free(base);
	conf_close_pair(sv);
}

/* The same from outside the loop: del, add, then the data comes. */
static void test_del_add_outside_loop(void **state)
{
	struct event_base *base = conf_base();
	struct rec r = {.nread = 1};
	struct event ev;
	int sv[2];

	(void)state;
	conf_pair(sv);
	event_assign(&ev, base, sv[0], EV_READ, rec_cb, &r);
	assert_int_equal(event_add(&ev, NULL), 0);
	assert_int_equal(event_base_loop(base, EVLOOP_NONBLOCK), 0);
	assert_int_equal(event_del(&ev), 0);
	assert_int_equal(event_add(&ev, NULL), 0);
	conf_write1(sv[1]);
	assert_int_equal(event_base_dispatch(base), 1);
	assert_int_equal(r.calls, 1);
	event_base_free(base);
	conf_close_pair(sv);
}

/*
 * The fd is closed and the number comes back for a new socket: a fresh
 * event_set() + event_add() on it must be delivered.  With epoll the old
 * registration vanished with the close while the core may still think
 * the fd is registered.
 */
static void reuse_case(int run_loop_before_close, int del_before_close)
{
	struct event_base *base = conf_base();
	struct rec r1 = {0}, r2 = {.nread = 1};
	struct event e1, e2;
	int a[2], b[2], fd;

	conf_pair(a);
	fd = a[0];
	event_assign(&e1, base, fd, EV_READ | EV_PERSIST, rec_cb, &r1);
	assert_int_equal(event_add(&e1, NULL), 0);
	if (run_loop_before_close)
		assert_int_equal(event_base_loop(base, EVLOOP_NONBLOCK), 0);
	if (del_before_close)
		assert_int_equal(event_del(&e1), 0);
	close(a[0]);
	close(a[1]);
	if (!del_before_close)
		assert_int_equal(event_del(&e1), 0);
	conf_pair(b);
	/* Make sure the number is the same one. */
	if (b[0] != fd) {
		assert_int_equal(dup2(b[0], fd), fd);
		close(b[0]);
		b[0] = fd;
	}
	event_assign(&e2, base, fd, EV_READ, rec_cb, &r2);
	assert_int_equal(event_add(&e2, NULL), 0);
	conf_write1(b[1]);
	assert_int_equal(event_base_dispatch(base), 1);
	assert_int_equal(r2.calls, 1);
	assert_int_equal(r1.calls, 0);
	event_base_free(base);
	conf_close_pair(b);
}

static void test_fd_reuse_after_close(void **state)
{
	(void)state;
	reuse_case(0, 1);
	reuse_case(1, 1);
	reuse_case(1, 0);
	reuse_case(0, 0);
}

/* The same event (1.3 style) re-set on the new fd of the same number. */
static void test_fd_reuse_same_event(void **state)
{
	struct event_base *base = conf_base();
	struct rec r = {.nread = 1};
	struct event ev;
	int a[2], b[2], fd;

	(void)state;
	conf_pair(a);
	fd = a[0];
	event_assign(&ev, base, fd, EV_READ, rec_cb, &r);
	assert_int_equal(event_add(&ev, NULL), 0);
	conf_write1(a[1]);
	assert_int_equal(event_base_dispatch(base), 1);
	assert_int_equal(r.calls, 1);
	/* Added again, run once so the backend really holds it, then closed
	 * while still added. */
	assert_int_equal(event_add(&ev, NULL), 0);
	assert_int_equal(event_base_loop(base, EVLOOP_NONBLOCK), 0);
	event_del(&ev);
	close(a[0]);
	close(a[1]);
	conf_pair(b);
	if (b[0] != fd) {
		assert_int_equal(dup2(b[0], fd), fd);
		close(b[0]);
		b[0] = fd;
	}
	event_assign(&ev, base, fd, EV_READ, rec_cb, &r);
	assert_int_equal(event_add(&ev, NULL), 0);
	conf_write1(b[1]);
	assert_int_equal(event_base_dispatch(base), 1);
	assert_int_equal(r.calls, 2);
	event_base_free(base);
	conf_close_pair(b);
}

static void test_edge_triggered(void **state)
{
	struct event_base *base = conf_base();
	struct rec r = {.nread = 1};
	struct timeval tv = {0, 60000};
	struct event ev;
	int sv[2];

	(void)state;
	if (!(event_base_get_features(base) & EV_FEATURE_ET)) {
		event_base_free(base);
		skip();
	}
	conf_pair(sv);
	event_assign(&ev, base, sv[0], EV_READ | EV_PERSIST | EV_ET, rec_cb,
	             &r);
	assert_int_equal(event_add(&ev, NULL), 0);
	assert_int_equal(write(sv[1], "abcd", 4), 4);
	/* One edge, one call, though 3 bytes stay unread (a level-triggered
	 * event would be called again and again until the exit). */
	assert_int_equal(event_base_loopexit(base, &tv), 0);
	assert_int_equal(event_base_dispatch(base), 0);
	assert_int_equal(r.calls, 1);
	/* New data is a new edge. */
	conf_write1(sv[1]);
	assert_int_equal(event_base_loopexit(base, &tv), 0);
	assert_int_equal(event_base_dispatch(base), 0);
	assert_int_equal(r.calls, 2);
	/* Mixing ET and level-triggered on one fd is refused. */
	{
		struct event lt;
		event_assign(&lt, base, sv[0], EV_READ, rec_cb, &r);
		assert_int_equal(event_add(&lt, NULL), -1);
	}
	event_del(&ev);
	event_base_free(base);
	conf_close_pair(sv);
}

static void test_early_close(void **state)
{
	struct event_base *base = conf_base();
	struct rec r = {0};
	struct event ev;
	int sv[2];

	(void)state;
	if (!(event_base_get_features(base) & EV_FEATURE_EARLY_CLOSE)) {
		event_base_free(base);
		skip();
	}
	conf_pair(sv);
	event_assign(&ev, base, sv[0], EV_CLOSED, rec_cb, &r);
	assert_int_equal(event_add(&ev, NULL), 0);
	assert_int_equal(event_base_loop(base, EVLOOP_NONBLOCK), 0);
	assert_int_equal(r.calls, 0);
	close(sv[1]);
	assert_int_equal(event_base_dispatch(base), 1);
	assert_int_equal(r.calls, 1);
	assert_true(r.what & EV_CLOSED);
	event_base_free(base);
	close(sv[0]);
}

static void test_high_fd(void **state)
{
	struct event_base *base = conf_base();
	struct rec r = {.nread = 1}, w = {0};
	struct event ev, ew;
	int sv[2];
	int hi = 1500, hi2;

	(void)state;
	if (conf_raise_nofile(2048) < 2048) {
		event_base_free(base);
		skip();
	}
	/* Two unused numbers (dup2 would silently replace a used one). */
	while (hi < 2000 &&
	       (fcntl(hi, F_GETFD) >= 0 || fcntl(hi + 1, F_GETFD) >= 0))
		hi += 2;
	hi2 = hi + 1;
	conf_pair(sv);
	assert_int_equal(dup2(sv[0], hi), hi);
	assert_int_equal(dup2(sv[1], hi2), hi2);
	event_assign(&ev, base, hi, EV_READ, rec_cb, &r);
	event_assign(&ew, base, hi2, EV_WRITE, rec_cb, &w);
	assert_int_equal(event_add(&ev, NULL), 0);
	assert_int_equal(event_add(&ew, NULL), 0);
	conf_write1(sv[1]);
	assert_int_equal(event_base_dispatch(base), 1);
	assert_int_equal(r.calls, 1);
	assert_int_equal(r.fd, hi);
	assert_int_equal(w.calls, 1);
	assert_int_equal(w.fd, hi2);
	event_base_free(base);
	close(hi);
	close(hi2);
	conf_close_pair(sv);
}

static void test_bad_fd(void **state)
{
	struct event_base *base = conf_base();
	struct rec r = {0};
	struct event ev;
	int p[2], bad;

	(void)state;
	event_assign(&ev, base, -1, EV_READ, rec_cb, &r);
	assert_int_equal(event_add(&ev, NULL), -1);
	event_assign(&ev, base, -7, EV_WRITE, rec_cb, &r);
	assert_int_equal(event_add(&ev, NULL), -1);
	/* A number that is not an open fd. */
	assert_int_equal(pipe(p), 0);
	bad = p[0];
	close(p[0]);
	close(p[1]);
	event_assign(&ev, base, bad, EV_READ, rec_cb, &r);
	assert_int_equal(event_add(&ev, NULL), -1);
	assert_int_equal(event_pending(&ev, EV_READ, NULL), 0);
	/* Huge numbers that cannot be open fds: refused, without sizing the
	 * fd map (or the backend's sets) to them first. */
	event_assign(&ev, base, 1 << 28, EV_READ, rec_cb, &r);
	assert_int_equal(event_add(&ev, NULL), -1);
	event_assign(&ev, base, 0x7fffffff, EV_WRITE, rec_cb, &r);
	assert_int_equal(event_add(&ev, NULL), -1);
	/* The base is unharmed. */
	assert_int_equal(
	    event_base_get_num_events(base, EVENT_BASE_COUNT_ADDED), 0);
	assert_int_equal(event_base_dispatch(base), 1);
	assert_int_equal(r.calls, 0);
	event_base_free(base);
}

/* A watched fd closed without event_del (or closed by another thread
 * while its removal waits for the next pass) must not fail the loop:
 * select() and poll() see it as an error on one fd, not of the wait. */
static void test_closed_watched_fd(void **state)
{
	struct event_base *base = conf_base();
	struct rec r = {0};
	struct event ev, other;
	int sv[2], keep[2];

	(void)state;
	conf_pair(sv);
	conf_pair(keep);
	event_assign(&ev, base, sv[0], EV_READ | EV_PERSIST, rec_cb, &r);
	assert_int_equal(event_add(&ev, NULL), 0);
	event_assign(&other, base, keep[0], EV_READ, rec_cb, &r);
	assert_int_equal(event_add(&other, NULL), 0);
	close(sv[0]);
	close(sv[1]);
	assert_int_equal(event_base_loop(base, EVLOOP_NONBLOCK), 0);
	event_del(&ev);
	/* The loop still delivers on the fds that are open. */
	assert_int_equal(write(keep[1], "x", 1), 1);
	r.calls = 0;
	assert_int_equal(event_base_dispatch(base), 1);
	assert_true(r.calls >= 1);
	close(keep[0]);
	close(keep[1]);
	event_base_free(base);
}

#define MANY 500

static void test_many_fds(void **state)
{
	struct event_base *base = conf_base();
	static int pairs[MANY][2];
	static struct event evs[MANY];
	static struct rec recs[MANY];
	int i;

	(void)state;
	if (conf_raise_nofile(2 * MANY + 64) < 2 * MANY + 64) {
		event_base_free(base);
		skip();
	}
	for (i = 0; i < MANY; i++) {
		conf_pair(pairs[i]);
		memset(&recs[i], 0, sizeof(recs[i]));
		recs[i].nread = 1;
		event_assign(&evs[i], base, pairs[i][0], EV_READ, rec_cb,
		             &recs[i]);
		assert_int_equal(event_add(&evs[i], NULL), 0);
	}
	/* Half now, half after a first pass of the loop. */
	for (i = 0; i < MANY; i += 2)
		conf_write1(pairs[i][1]);
	assert_int_equal(event_base_loop(base, EVLOOP_ONCE), 0);
	for (i = 1; i < MANY; i += 2)
		conf_write1(pairs[i][1]);
	assert_int_equal(event_base_dispatch(base), 1);
	for (i = 0; i < MANY; i++) {
		assert_int_equal(recs[i].calls, 1);
		assert_int_equal(recs[i].fd, pairs[i][0]);
	}
	event_base_free(base);
	for (i = 0; i < MANY; i++)
		conf_close_pair(pairs[i]);
}

/* A regular file: always ready where the backend takes files (FDS
 * feature); refused cleanly by event_add where it does not (epoll). */
static void test_regular_file(void **state)
{
	struct event_base *base = conf_base();
	struct rec r = {0};
	struct event ev;
	char path[] = "/tmp/libev-conf-XXXXXX";
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	unlink(path);
	assert_int_equal(write(fd, "data", 4), 4);
	/* Data ahead of the offset: readable for every backend that takes
	 * files (kqueue's EVFILT_READ waits at the end of a file). */
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	event_assign(&ev, base, fd, EV_READ, rec_cb, &r);
	if (event_base_get_features(base) & EV_FEATURE_FDS) {
		assert_int_equal(event_add(&ev, NULL), 0);
		assert_int_equal(event_base_dispatch(base), 1);
		assert_int_equal(r.calls, 1);
		assert_int_equal(r.what, EV_READ);
	} else if (event_add(&ev, NULL) == 0) {
		/* Accepted after all: then it must be delivered. */
		assert_int_equal(event_base_dispatch(base), 1);
		assert_int_equal(r.calls, 1);
	} else {
		assert_int_equal(event_pending(&ev, EV_READ, NULL), 0);
		assert_int_equal(event_base_dispatch(base), 1);
		assert_int_equal(r.calls, 0);
	}
	event_base_free(base);
	close(fd);
}

/* Two persistent readers bounce a counter back and forth: many
 * iterations, reads and writes interleaved on both ends. */
struct bouncer {
	struct event ev;
	int fd;
	int seen;
	int limit;
};

static void bounce_cb(evutil_socket_t fd, short what, void *arg)
{
	struct bouncer *b = arg;
	unsigned v;

	assert_int_equal(what, EV_READ);
	assert_int_equal(read(fd, &v, sizeof(v)), (ssize_t)sizeof(v));
	assert_int_equal(v, (unsigned)b->seen * 2 + (b->fd == fd ? 0 : 1));
	b->seen++;
	v++;
	if ((int)v < b->limit)
		assert_int_equal(write(fd, &v, sizeof(v)), (ssize_t)sizeof(v));
	if (b->seen * 2 >= b->limit - 1)
		event_del(&b->ev);
}

static void test_ping_pong(void **state)
{
	struct event_base *base = conf_base();
	struct bouncer a = {.limit = 2000}, b = {.limit = 2000};
	unsigned v = 0;
	int sv[2];

	(void)state;
	conf_pair(sv);
	a.fd = sv[0];
	b.fd = sv[0]; /* not its own fd: b expects the odd numbers */
	event_assign(&a.ev, base, sv[0], EV_READ | EV_PERSIST, bounce_cb, &a);
	event_assign(&b.ev, base, sv[1], EV_READ | EV_PERSIST, bounce_cb, &b);
	assert_int_equal(event_add(&a.ev, NULL), 0);
	assert_int_equal(event_add(&b.ev, NULL), 0);
	assert_int_equal(write(sv[1], &v, sizeof(v)), (ssize_t)sizeof(v));
	assert_int_equal(event_base_dispatch(base), 1);
	assert_int_equal(a.seen, 1000);
	assert_int_equal(b.seen, 1000);
	event_base_free(base);
	conf_close_pair(sv);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    CONF_TEST(test_backend_is_forced),
	    CONF_TEST(test_read_once),
	    CONF_TEST(test_read_persist),
	    CONF_TEST(test_write_once_and_persist),
	    CONF_TEST(test_several_events_same_fd),
	    CONF_TEST(test_read_write_one_event),
	    CONF_TEST(test_del_self_in_callback),
	    CONF_TEST(test_del_other_in_callback),
	    CONF_TEST(test_del_pending_other),
	    CONF_TEST(test_timeout_no_data),
	    CONF_TEST(test_data_before_timeout),
	    CONF_TEST(test_persist_timeout_rearmed),
	    CONF_TEST(test_persist_timeout_reset_by_data),
	    CONF_TEST(test_readd_reschedules),
	    CONF_TEST(test_del_add_same_iteration),
	    CONF_TEST(test_del_add_outside_loop),
	    CONF_TEST(test_fd_reuse_after_close),
	    CONF_TEST(test_fd_reuse_same_event),
	    CONF_TEST(test_edge_triggered),
	    CONF_TEST(test_early_close),
	    CONF_TEST(test_high_fd),
	    CONF_TEST(test_bad_fd),
	    CONF_TEST(test_closed_watched_fd),
	    CONF_TEST(test_many_fds),
	    CONF_TEST(test_regular_file),
	    CONF_TEST(test_ping_pong),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
