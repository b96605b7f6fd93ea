/* Conformance: loop control, priorities, activation, event_once, the 1.3
 * global API and the lifetime rules. */
#include "conformance.h"

#include <signal.h>
#include <stdio.h>

struct ctr {
	int calls;
	short what;
	evutil_socket_t fd;
	struct event *ev;
	struct event_base *base;
	int exit_at;  /* event_base_loopexit(NULL) at this call */
	int break_at; /* event_base_loopbreak at this call */
	int del_at;   /* event_del(ev) at this call */
};

static void ctr_cb(evutil_socket_t fd, short what, void *arg)
{
	struct ctr *c = arg;

	c->calls++;
	c->what = what;
	c->fd = fd;
	if (c->exit_at && c->calls == c->exit_at)
		event_base_loopexit(c->base, NULL);
	if (c->break_at && c->calls == c->break_at)
		event_base_loopbreak(c->base);
	if (c->del_at && c->calls == c->del_at)
		event_del(c->ev);
}

static void test_empty_returns_1(void **state)
{
	struct event_base *base = conf_base();
	int64_t t0 = conf_now_ms();

	(void)state;
	assert_int_equal(event_base_dispatch(base), 1);
	assert_int_equal(event_base_loop(base, EVLOOP_ONCE), 1);
	assert_int_equal(event_base_loop(base, EVLOOP_NONBLOCK), 1);
	assert_true(conf_now_ms() - t0 < 2000);
	assert_int_equal(event_base_got_exit(base), 0);
	assert_int_equal(event_base_got_break(base), 0);
	event_base_free(base);
}

static void test_loopexit_null(void **state)
{
	struct event_base *base = conf_base();
	struct event tick;
	struct ctr c = {.exit_at = 3};
	struct timeval tv = {0, 5000};

	(void)state;
	c.base = base;
	event_assign(&tick, base, -1, EV_PERSIST, ctr_cb, &c);
	assert_int_equal(evtimer_add(&tick, &tv), 0);
	assert_int_equal(event_base_dispatch(base), 0);
	assert_int_equal(c.calls, 3);
	assert_int_equal(event_base_got_exit(base), 1);
	assert_int_equal(event_base_got_break(base), 0);

	/* Before the loop runs: it exits after one iteration, running what
	 * is ready then. */
	{
		int sv[2];
		struct event rd;
		struct ctr r = {0};

		conf_pair(sv);
		event_assign(&rd, base, sv[0], EV_READ | EV_PERSIST, ctr_cb,
		             &r);
		assert_int_equal(event_add(&rd, NULL), 0);
		conf_write1(sv[1]);
		assert_int_equal(event_base_loopexit(base, NULL), 0);
		assert_int_equal(event_base_dispatch(base), 0);
		assert_int_equal(r.calls, 1);
		assert_int_equal(event_base_got_exit(base), 1);
		event_del(&rd);
		conf_close_pair(sv);
	}
	/* got_exit is cleared when the loop runs again. */
	evtimer_del(&tick);
	assert_int_equal(event_base_loop(base, EVLOOP_NONBLOCK), 1);
	assert_int_equal(event_base_got_exit(base), 0);
	event_base_free(base);
}

static void test_loopexit_delay(void **state)
{
	struct event_base *base = conf_base();
	struct event tick;
	struct ctr c = {0};
	struct timeval tv = {0, 10000}, delay = {0, 150000}, later = {3, 0};
	int64_t t0, dt;

	(void)state;
	c.base = base;
	event_assign(&tick, base, -1, EV_PERSIST, ctr_cb, &c);
	assert_int_equal(evtimer_add(&tick, &tv), 0);
	t0 = conf_now_ms();
	assert_int_equal(event_base_loopexit(base, &delay), 0);
	/* A later exit does not replace the earlier one. */
	assert_int_equal(event_base_loopexit(base, &later), 0);
	assert_int_equal(event_base_dispatch(base), 0);
	dt = conf_now_ms() - t0;
	assert_true(dt >= 149);
	assert_true(dt < 1150);
	assert_true(c.calls >= 3);
	assert_int_equal(event_base_got_exit(base), 1);
	event_base_free(base);
}

static void test_loopbreak(void **state)
{
	struct event_base *base = conf_base();
	struct ctr c1 = {.break_at = 1}, c2 = {.break_at = 1};
	struct event e1, e2;
	int a[2], b[2];

	(void)state;
	c1.base = c2.base = base;
	conf_pair(a);
	conf_pair(b);
	event_assign(&e1, base, a[0], EV_READ, ctr_cb, &c1);
	event_assign(&e2, base, b[0], EV_READ, ctr_cb, &c2);
	assert_int_equal(event_add(&e1, NULL), 0);
	assert_int_equal(event_add(&e2, NULL), 0);
	conf_write1(a[1]);
	conf_write1(b[1]);
	/* Both become active in one iteration; the first one breaks. */
	assert_int_equal(event_base_loop(base, EVLOOP_NONBLOCK), 0);
	assert_int_equal(c1.calls + c2.calls, 1);
	assert_int_equal(event_base_got_break(base), 1);
	assert_int_equal(event_base_got_exit(base), 0);
	/* The other one is still active and runs next time. */
	c1.break_at = c2.break_at = 0;
	assert_int_equal(event_base_dispatch(base), 1);
	assert_int_equal(c1.calls, 1);
	assert_int_equal(c2.calls, 1);
	assert_int_equal(event_base_got_break(base), 0);
	/* loopbreak before the loop: it returns at once. */
	assert_int_equal(event_add(&e1, NULL), 0);
	assert_int_equal(event_base_loopbreak(base), 0);
	assert_int_equal(event_base_loopbreak(NULL), -1);
	event_del(&e1);
	event_base_free(base);
	conf_close_pair(a);
	conf_close_pair(b);
}

static void test_loop_once(void **state)
{
	struct event_base *base = conf_base();
	struct ctr c1 = {0}, c2 = {0};
	struct event t1, t2;
	struct timeval tv1 = {0, 30000}, tv2 = {5, 0};
	int64_t t0 = conf_now_ms(), dt;

	(void)state;
	evtimer_assign(&t1, base, ctr_cb, &c1);
	evtimer_assign(&t2, base, ctr_cb, &c2);
	assert_int_equal(evtimer_add(&t1, &tv1), 0);
	assert_int_equal(evtimer_add(&t2, &tv2), 0);
	/* Blocks for the first timer, runs it, returns. */
	assert_int_equal(event_base_loop(base, EVLOOP_ONCE), 0);
	dt = conf_now_ms() - t0;
	assert_int_equal(c1.calls, 1);
	assert_int_equal(c2.calls, 0);
	assert_true(dt >= 29 && dt < 2000);
	assert_int_equal(evtimer_pending(&t2, NULL), EV_TIMEOUT);
	event_base_free(base);
}

static void test_loop_nonblock(void **state)
{
	struct event_base *base = conf_base();
	struct ctr c = {0}, t = {0};
	struct event rd, tm;
	struct timeval tv = {5, 0};
	int64_t t0;
	int sv[2];

	(void)state;
	conf_pair(sv);
	event_assign(&rd, base, sv[0], EV_READ, ctr_cb, &c);
	evtimer_assign(&tm, base, ctr_cb, &t);
	assert_int_equal(event_add(&rd, NULL), 0);
	assert_int_equal(evtimer_add(&tm, &tv), 0);
	t0 = conf_now_ms();
	assert_int_equal(event_base_loop(base, EVLOOP_NONBLOCK), 0);
	assert_int_equal(c.calls, 0);
	conf_write1(sv[1]);
	assert_int_equal(event_base_loop(base, EVLOOP_NONBLOCK), 0);
	assert_int_equal(c.calls, 1);
	assert_true(conf_now_ms() - t0 < 1000);
	assert_int_equal(t.calls, 0);
	event_base_free(base);
	conf_close_pair(sv);
}

/* ---- priorities ------------------------------------------------------- */

struct prio_rec {
	struct event ev;
	int pri;
	int *log;
	int *nlog;
	struct event *to_activate; /* activated from this callback */
};

static void prio_cb(evutil_socket_t fd, short what, void *arg)
{
	struct prio_rec *p = arg;

	(void)fd;
	(void)what;
	p->log[(*p->nlog)++] = p->pri;
	if (p->to_activate)
		event_active(p->to_activate, EV_TIMEOUT, 1);
}

static void test_priorities(void **state)
{
	struct event_base *base = conf_base();
	static const int pris[] = {2, 1, 0, 2, 1, 0, 1, 2, 0};
	enum { N = sizeof(pris) / sizeof(pris[0]) };
	struct prio_rec recs[N + 1];
	struct event rd;
	int log[64], nlog = 0, i, sv[2];

	(void)state;
	assert_int_equal(event_base_priority_init(base, 0), -1);
	assert_int_equal(
	    event_base_priority_init(base, EVENT_MAX_PRIORITIES + 1), -1);
	assert_int_equal(event_base_priority_init(base, 3), 0);
	conf_pair(sv);
	for (i = 0; i < N; i++) {
		recs[i].pri = pris[i];
		recs[i].log = log;
		recs[i].nlog = &nlog;
		recs[i].to_activate = NULL;
		evtimer_assign(&recs[i].ev, base, prio_cb, &recs[i]);
		/* New events get the middle priority. */
		assert_int_equal(event_get_priority(&recs[i].ev), 1);
		assert_int_equal(event_priority_set(&recs[i].ev, pris[i]), 0);
	}
	assert_int_equal(event_priority_set(&recs[0].ev, 3), -1);
	assert_int_equal(event_priority_set(&recs[0].ev, -1), -1);
	/* An fd event of priority 1 whose callback activates a priority-0
	 * event: that one still runs before any priority-2 event. */
	recs[N].pri = 1;
	recs[N].log = log;
	recs[N].nlog = &nlog;
	recs[N].to_activate = &recs[2].ev;
	event_assign(&rd, base, sv[0], EV_READ, prio_cb, &recs[N]);
	assert_int_equal(event_priority_set(&rd, 1), 0);
	assert_int_equal(event_add(&rd, NULL), 0);
	conf_write1(sv[1]);
	/* Half activated by timeouts, half by hand, in mixed order. */
	for (i = 0; i < N; i++) {
		struct timeval zero = {0, 0};
		if (i % 2)
			event_active(&recs[i].ev, EV_TIMEOUT, 1);
		else
			assert_int_equal(evtimer_add(&recs[i].ev, &zero), 0);
	}
	/* Priorities cannot change while events are active. */
	assert_int_equal(event_base_priority_init(base, 4), -1);
	assert_int_equal(event_priority_set(&recs[1].ev, 0), -1);
	assert_int_equal(event_base_dispatch(base), 1);
	assert_int_equal(nlog, N + 2);
	/* The sequence of priorities never goes from a worse to a better one,
	 * except for the priority-0 event activated by the priority-1
	 * callback, which must come before any priority 2. */
	{
		int seen2 = 0, zeros = 0;
		for (i = 0; i < nlog; i++) {
			if (log[i] == 2)
				seen2 = 1;
			if (log[i] == 0) {
				zeros++;
				assert_false(seen2);
			}
			if (i > 0 && log[i] != 0)
				assert_true(log[i] >= log[i - 1]);
		}
		assert_int_equal(zeros, 4);
	}
	event_base_free(base);
	conf_close_pair(sv);
}

/* ---- event_active ------------------------------------------------------ */

static void test_event_active(void **state)
{
	struct event_base *base = conf_base();
	struct ctr c = {0}, s = {0};
	struct event ev, sig;
	int sv[2];

	(void)state;
	conf_pair(sv);
	/* Never added, never ready: runs once with the given result. */
	event_assign(&ev, base, sv[0], EV_READ | EV_WRITE, ctr_cb, &c);
	event_active(&ev, EV_WRITE, 1);
	assert_int_equal(event_pending(&ev, EV_WRITE | EV_READ, NULL),
	                 EV_WRITE);
	assert_int_equal(event_base_dispatch(base), 1);
	assert_int_equal(c.calls, 1);
	assert_int_equal(c.what, EV_WRITE);
	assert_int_equal(c.fd, sv[0]);
	assert_int_equal(event_pending(&ev, EV_WRITE | EV_READ, NULL), 0);

	/* Activated twice before running: once, with both results. */
	event_active(&ev, EV_READ, 1);
	event_active(&ev, EV_TIMEOUT, 1);
	assert_int_equal(event_base_dispatch(base), 1);
	assert_int_equal(c.calls, 2);
	assert_int_equal(c.what, EV_READ | EV_TIMEOUT);

	/* A signal event activated with ncalls runs ncalls times. */
	evsignal_assign(&sig, base, SIGUSR1, ctr_cb, &s);
	event_active(&sig, EV_SIGNAL, 3);
	assert_int_equal(event_base_dispatch(base), 1);
	assert_int_equal(s.calls, 3);
	assert_int_equal(s.what, EV_SIGNAL);

	/* event_del of an active event cancels it. */
	event_active(&ev, EV_READ, 1);
	assert_int_equal(event_del(&ev), 0);
	assert_int_equal(event_base_dispatch(base), 1);
	assert_int_equal(c.calls, 2);
	event_base_free(base);
	conf_close_pair(sv);
}

/* ---- event_once -------------------------------------------------------- */

struct once_rec {
	int calls;
	short what;
	evutil_socket_t fd;
	int64_t at;
};

static void once_cb(evutil_socket_t fd, short what, void *arg)
{
	struct once_rec *o = arg;

	o->calls++;
	o->what = what;
	o->fd = fd;
	o->at = conf_now_ms();
}

static void test_event_once(void **state)
{
	struct event_base *base = conf_base();
	struct once_rec rd = {0}, to = {0}, tm = {0}, tm2 = {0};
	struct timeval tv = {0, 30000};
	/* The ready fd's timeout is long: on a loaded machine (valgrind)
	 * 30 ms can pass before dispatch and add EV_TIMEOUT to its report. */
	struct timeval tv_long = {10, 0};
	int a[2], b[2];
	int64_t t0;

	(void)state;
	conf_pair(a);
	conf_pair(b);
	conf_write1(a[1]);
	t0 = conf_now_ms();
	/* Ready fd: EV_READ.  Silent fd with a timeout: EV_TIMEOUT.  Timer
	 * with NULL tv: next iteration.  Timer with tv: after tv. */
	assert_int_equal(
	    event_base_once(base, a[0], EV_READ, once_cb, &rd, &tv_long), 0);
	assert_int_equal(
	    event_base_once(base, b[0], EV_READ, once_cb, &to, &tv), 0);
	assert_int_equal(
	    event_base_once(base, -1, EV_TIMEOUT, once_cb, &tm, NULL), 0);
	assert_int_equal(
	    event_base_once(base, -1, EV_TIMEOUT, once_cb, &tm2, &tv), 0);
	/* Refused: signals and persistence. */
	assert_int_equal(
	    event_base_once(base, SIGUSR1, EV_SIGNAL, once_cb, &tm, NULL), -1);
	assert_int_equal(event_base_once(base, a[0], EV_READ | EV_PERSIST,
	                                 once_cb, &tm, NULL),
	                 -1);
	assert_int_equal(event_base_dispatch(base), 1);
	assert_int_equal(rd.calls, 1);
	assert_int_equal(rd.what, EV_READ);
	assert_int_equal(rd.fd, a[0]);
	assert_int_equal(to.calls, 1);
	assert_int_equal(to.what, EV_TIMEOUT);
	assert_true(to.at - t0 >= 29);
	assert_int_equal(tm.calls, 1);
	assert_int_equal(tm.what, EV_TIMEOUT);
	assert_true(tm.at - t0 < 1000);
	assert_int_equal(tm2.calls, 1);
	assert_true(tm2.at - t0 >= 29);
	event_base_free(base);
	conf_close_pair(a);
	conf_close_pair(b);
}

/* Never run: event_base_free releases it (valgrind/asan see no leak). */
static void test_event_once_freed_with_base(void **state)
{
	struct event_base *base = conf_base();
	struct once_rec o = {0};
	struct timeval tv = {10, 0};
	int sv[2];

	(void)state;
	conf_pair(sv);
	assert_int_equal(
	    event_base_once(base, -1, EV_TIMEOUT, once_cb, &o, &tv), 0);
	assert_int_equal(
	    event_base_once(base, sv[0], EV_READ, once_cb, &o, NULL), 0);
	assert_int_equal(
	    event_base_once(base, sv[0], EV_READ, once_cb, &o, &tv), 0);
	assert_int_equal(event_base_loop(base, EVLOOP_NONBLOCK), 0);
	event_base_free(base);
	assert_int_equal(o.calls, 0);
	conf_close_pair(sv);
}

/* ---- the 1.3 global API ------------------------------------------------ */

static int g13_reads, g13_ticks;
static struct event g13_tick;

static void g13_read_cb(int fd, short what, void *arg)
{
	char c;

	(void)arg;
	assert_int_equal(what, EV_READ);
	assert_int_equal(read(fd, &c, 1), 1);
	g13_reads++;
}

static void g13_tick_cb(int fd, short what, void *arg)
{
	struct timeval tv = {0, 5000};

	(void)fd;
	(void)arg;
	assert_int_equal(what, EV_TIMEOUT);
	if (++g13_ticks < 3)
		timeout_add(&g13_tick, &tv);
}

static void test_global_api(void **state)
{
	struct event_base *base;
	struct event rd;
	struct timeval tv = {0, 5000}, exit_tv = {0, 100000};
	int sv[2];

	(void)state;
	base = event_init();
	assert_non_null(base);
	assert_non_null(event_get_method());
	assert_string_equal(event_get_method(), event_base_get_method(base));
	assert_int_equal(event_priority_init(1), 0);
	conf_pair(sv);
	event_set(&rd, sv[0], EV_READ | EV_PERSIST, g13_read_cb, NULL);
	assert_true(event_initialized(&rd));
	assert_ptr_equal(rd.ev_base, base);
	assert_true(rd.ev_flags & EVLIST_INIT);
	assert_int_equal(event_add(&rd, NULL), 0);
	assert_true(rd.ev_flags & EVLIST_INSERTED);
	evtimer_set(&g13_tick, g13_tick_cb, NULL);
	assert_int_equal(evtimer_add(&g13_tick, &tv), 0);
	conf_write1(sv[1]);
	conf_write1(sv[1]);
	assert_int_equal(event_loop(EVLOOP_NONBLOCK), 0);
	assert_true(g13_reads >= 1);
	assert_int_equal(event_loopexit(&exit_tv), 0);
	assert_int_equal(event_dispatch(), 0);
	assert_int_equal(g13_reads, 2);
	assert_int_equal(g13_ticks, 3);
	assert_int_equal(event_base_got_exit(base), 1);
	/* event_once on the current base. */
	{
		struct once_rec o = {0};
		assert_int_equal(event_once(-1, EV_TIMEOUT, once_cb, &o, NULL),
		                 0);
		event_del(&rd);
		assert_int_equal(event_dispatch(), 1);
		assert_int_equal(o.calls, 1);
	}
	event_base_free(base);
	/* The current base is gone with it. */
	assert_null(event_get_method());
	conf_close_pair(sv);
}

static void test_event_base_set(void **state)
{
	struct event_base *b1 = conf_base(), *b2 = conf_base();
	struct ctr c = {0};
	struct event ev;
	int sv[2];

	(void)state;
	conf_pair(sv);
	event_assign(&ev, b1, sv[0], EV_READ, ctr_cb, &c);
	assert_int_equal(event_base_set(b2, &ev), 0);
	assert_ptr_equal(event_get_base(&ev), b2);
	assert_int_equal(event_add(&ev, NULL), 0);
	/* Not while added. */
	assert_int_equal(event_base_set(b1, &ev), -1);
	conf_write1(sv[1]);
	assert_int_equal(event_base_loop(b1, EVLOOP_NONBLOCK), 1);
	assert_int_equal(c.calls, 0);
	assert_int_equal(event_base_dispatch(b2), 1);
	assert_int_equal(c.calls, 1);
	event_base_free(b1);
	event_base_free(b2);
	conf_close_pair(sv);
}

/* ---- logging ----------------------------------------------------------- */

static int log_warns;
static char log_last[256];

static void log_cb(int severity, const char *msg)
{
	if (severity == _EVENT_LOG_WARN)
		log_warns++;
	snprintf(log_last, sizeof(log_last), "%s", msg);
}

static void test_log_callback(void **state)
{
	struct event_base *base = conf_base();
	struct event ev;
	struct ctr c = {0};

	(void)state;
	log_warns = 0;
	log_last[0] = '\0';
	event_set_log_callback(log_cb);
	event_assign(&ev, base, -1, EV_READ, ctr_cb, &c);
	assert_int_equal(event_add(&ev, NULL), -1);
	event_set_log_callback(NULL);
	assert_true(log_warns >= 1);
	assert_non_null(strstr(log_last, "-1"));
	/* With the callback removed, nothing reaches it. */
	log_warns = 0;
	assert_int_equal(event_add(&ev, NULL), -1);
	assert_int_equal(log_warns, 0);
	event_base_free(base);
}

/* ---- lifetimes ----------------------------------------------------------- */

struct selffree {
	struct event *ev;
	int *calls;
};

static void selffree_cb(evutil_socket_t fd, short what, void *arg)
{
	struct selffree *s = arg;

	(void)fd;
	(void)what;
	(*s->calls)++;
	event_free(s->ev);
}

static void test_event_free_in_callback(void **state)
{
	struct event_base *base = conf_base();
	struct selffree s1, s2, s3;
	struct timeval tv = {0, 1000};
	int calls = 0, sv[2];

	(void)state;
	conf_pair(sv);
	s1.calls = s2.calls = s3.calls = &calls;
	/* Persistent timer, persistent fd event and a one-shot fd event, each
	 * freeing itself from its own callback. */
	s1.ev = event_new(base, -1, EV_PERSIST, selffree_cb, &s1);
	s2.ev = event_new(base, sv[0], EV_READ | EV_PERSIST, selffree_cb, &s2);
	s3.ev = event_new(base, sv[0], EV_READ, selffree_cb, &s3);
	assert_non_null(s1.ev);
	assert_non_null(s2.ev);
	assert_non_null(s3.ev);
	assert_int_equal(event_add(s1.ev, &tv), 0);
	assert_int_equal(event_add(s2.ev, &tv), 0);
	assert_int_equal(event_add(s3.ev, NULL), 0);
	conf_write1(sv[1]);
	assert_int_equal(event_base_dispatch(base), 1);
	assert_int_equal(calls, 3);
	event_base_free(base);
	conf_close_pair(sv);
}

static int new_in_cb_child_calls;
static struct selffree new_in_cb_child;

static void new_in_cb(evutil_socket_t fd, short what, void *arg)
{
	struct event_base *base = arg;
	struct timeval zero = {0, 0};

	(void)fd;
	(void)what;
	/* An event made in a callback runs in the same dispatch and frees
	 * itself there. */
	new_in_cb_child.calls = &new_in_cb_child_calls;
	new_in_cb_child.ev = evtimer_new(base, selffree_cb, &new_in_cb_child);
	assert_non_null(new_in_cb_child.ev);
	assert_int_equal(evtimer_add(new_in_cb_child.ev, &zero), 0);
}

static void test_event_new_in_callback(void **state)
{
	struct event_base *base = conf_base();
	struct event *ev = evtimer_new(base, new_in_cb, base);
	struct timeval zero = {0, 0};

	(void)state;
	assert_non_null(ev);
	new_in_cb_child_calls = 0;
	assert_int_equal(evtimer_add(ev, &zero), 0);
	assert_int_equal(event_base_dispatch(base), 1);
	assert_int_equal(new_in_cb_child_calls, 1);
	event_free(ev);
	event_base_free(base);
}

static void test_free_base_with_events(void **state)
{
	struct event_base *base = conf_base();
	struct event rd, wr, tm, sig, act;
	struct ctr c = {0};
	struct timeval tv = {10, 0};
	struct sigaction before, after;
	int sv[2];

	(void)state;
	conf_pair(sv);
	sigaction(SIGUSR1, NULL, &before);
	event_assign(&rd, base, sv[0], EV_READ | EV_PERSIST, ctr_cb, &c);
	event_assign(&wr, base, sv[0], EV_WRITE, ctr_cb, &c);
	evtimer_assign(&tm, base, ctr_cb, &c);
	evsignal_assign(&sig, base, SIGUSR1, ctr_cb, &c);
	evtimer_assign(&act, base, ctr_cb, &c);
	assert_int_equal(event_add(&rd, &tv), 0);
	assert_int_equal(event_add(&wr, NULL), 0);
	assert_int_equal(evtimer_add(&tm, &tv), 0);
	assert_int_equal(evsignal_add(&sig, NULL), 0);
	event_active(&act, EV_TIMEOUT, 1);
	assert_int_equal(
	    event_base_once(base, -1, EV_TIMEOUT, once_cb, NULL, &tv), 0);
	assert_int_equal(
	    event_base_get_num_events(base, EVENT_BASE_COUNT_ADDED), 5);
	event_base_free(base);
	assert_int_equal(c.calls, 0);
	/* The events are left neither pending nor active.  (Read from the
	 * public ev_flags: event_pending() may not be called any more, its
	 * base is gone.) */
#define DETACHED(e)                                                            \
	(((e).ev_flags & (EVLIST_INSERTED | EVLIST_TIMEOUT | EVLIST_ACTIVE |   \
	                  EVLIST_SIGNAL)) == 0)
	assert_true(DETACHED(rd));
	assert_true(DETACHED(wr));
	assert_true(DETACHED(tm));
	assert_true(DETACHED(sig));
	assert_true(DETACHED(act));
#undef DETACHED
	sigaction(SIGUSR1, NULL, &after);
	assert_true(before.sa_handler == after.sa_handler);
	conf_close_pair(sv);
}

static void reenter_cb(evutil_socket_t fd, short what, void *arg)
{
	struct ctr *c = arg;
	struct timeval tv;

	(void)fd;
	(void)what;
	c->calls++;
	/* Re-entering the running loop is refused, not a crash. */
	c->what = (short)event_base_loop(c->base, EVLOOP_NONBLOCK);
	assert_int_equal(event_base_gettimeofday_cached(c->base, &tv), 0);
	assert_true(tv.tv_sec > 0);
}

static void test_reentrant_loop_refused(void **state)
{
	struct event_base *base = conf_base();
	struct ctr c = {0};
	struct event ev;
	struct timeval zero = {0, 0};

	(void)state;
	c.base = base;
	evtimer_assign(&ev, base, reenter_cb, &c);
	assert_int_equal(evtimer_add(&ev, &zero), 0);
	assert_int_equal(event_base_dispatch(base), 1);
	assert_int_equal(c.calls, 1);
	assert_int_equal(c.what, -1);
	event_base_free(base);
}

/* EVENT_BASE_FLAG_NO_CACHE_TIME: a timeout added late in a slow callback
 * counts from the real time, not from the start of the iteration. */
struct nocache {
	struct event timer;
	int64_t added_ms;
	int64_t fired_ms;
};

static void nocache_fire(evutil_socket_t fd, short what, void *arg)
{
	struct nocache *n = arg;

	(void)fd;
	(void)what;
	n->fired_ms = conf_now_ms();
}

static void nocache_slow(evutil_socket_t fd, short what, void *arg)
{
	struct nocache *n = arg;
	struct timeval tv = {0, 50000};

	(void)fd;
	(void)what;
	usleep(60000);
	n->added_ms = conf_now_ms();
	assert_int_equal(evtimer_add(&n->timer, &tv), 0);
}

static void test_no_cache_time(void **state)
{
	struct event_config *cfg = event_config_new();
	struct event_base *base;
	struct nocache n = {0};
	struct event slow;
	struct timeval zero = {0, 0};

	(void)state;
	assert_int_equal(
	    event_config_set_flag(cfg, EVENT_BASE_FLAG_NO_CACHE_TIME), 0);
	base = event_base_new_with_config(cfg);
	event_config_free(cfg);
	assert_non_null(base);
	evtimer_assign(&n.timer, base, nocache_fire, &n);
	evtimer_assign(&slow, base, nocache_slow, &n);
	assert_int_equal(evtimer_add(&slow, &zero), 0);
	assert_int_equal(event_base_dispatch(base), 1);
	assert_true(n.fired_ms - n.added_ms >= 49);
	event_base_free(base);
}

/* EVLOOP_NONBLOCK polls once and returns, and EVLOOP_ONCE blocks once and
 * returns, even when an fd stays ready forever (a persistent event whose
 * callback never drains it) and several priorities are active. */
static void test_once_nonblock_return_with_busy_fd(void **state)
{
	struct event_base *base = conf_base();
	struct ctr busy = {0}, low = {0}, sigc = {0};
	struct event rd, lowev, sig;
	int sv[2];

	(void)state;
	assert_int_equal(event_base_priority_init(base, 2), 0);
	conf_pair(sv);
	event_assign(&rd, base, sv[0], EV_READ | EV_PERSIST, ctr_cb, &busy);
	assert_int_equal(event_priority_set(&rd, 0), 0);
	assert_int_equal(event_add(&rd, NULL), 0);
	conf_write1(sv[1]);

	assert_int_equal(event_base_loop(base, EVLOOP_NONBLOCK), 0);
	assert_int_equal(busy.calls, 1);
	assert_int_equal(event_base_loop(base, EVLOOP_ONCE), 0);
	assert_int_equal(busy.calls, 2);

	/* A lower priority active too: it still runs before the return. */
	evtimer_assign(&lowev, base, ctr_cb, &low);
	assert_int_equal(event_priority_set(&lowev, 1), 0);
	event_active(&lowev, EV_TIMEOUT, 1);
	assert_int_equal(event_base_loop(base, EVLOOP_NONBLOCK), 0);
	assert_int_equal(low.calls, 1);
	event_active(&lowev, EV_TIMEOUT, 1);
	assert_int_equal(event_base_loop(base, EVLOOP_ONCE), 0);
	assert_int_equal(low.calls, 2);
	assert_int_equal(busy.calls, 4);

	/* A signal caught before a NONBLOCK pass is delivered in that pass. */
	evsignal_assign(&sig, base, SIGUSR1, ctr_cb, &sigc);
	assert_int_equal(evsignal_add(&sig, NULL), 0);
	kill(getpid(), SIGUSR1);
	assert_int_equal(event_base_loop(base, EVLOOP_NONBLOCK), 0);
	assert_int_equal(sigc.calls, 1);
	event_base_free(base);
	conf_close_pair(sv);
}

/* EVLOOP_NO_EXIT_ON_EMPTY: no events, yet the loop waits for its exit. */
static void test_no_exit_on_empty(void **state)
{
	struct event_base *base = conf_base();
	struct timeval tv = {0, 60000};
	int64_t t0 = conf_now_ms(), dt;

	(void)state;
	assert_int_equal(event_base_loopexit(base, &tv), 0);
	assert_int_equal(event_base_loop(base, EVLOOP_NO_EXIT_ON_EMPTY), 0);
	dt = conf_now_ms() - t0;
	assert_true(dt >= 59);
	assert_true(dt < 1060);
	assert_int_equal(event_base_got_exit(base), 1);
	event_base_free(base);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    CONF_TEST(test_empty_returns_1),
	    CONF_TEST(test_loopexit_null),
	    CONF_TEST(test_loopexit_delay),
	    CONF_TEST(test_loopbreak),
	    CONF_TEST(test_loop_once),
	    CONF_TEST(test_loop_nonblock),
	    CONF_TEST(test_once_nonblock_return_with_busy_fd),
	    CONF_TEST(test_priorities),
	    CONF_TEST(test_event_active),
	    CONF_TEST(test_event_once),
	    CONF_TEST(test_event_once_freed_with_base),
	    CONF_TEST(test_global_api),
	    CONF_TEST(test_event_base_set),
	    CONF_TEST(test_log_callback),
	    CONF_TEST(test_event_free_in_callback),
	    CONF_TEST(test_event_new_in_callback),
	    CONF_TEST(test_free_base_with_events),
	    CONF_TEST(test_reentrant_loop_refused),
	    CONF_TEST(test_no_cache_time),
	    CONF_TEST(test_no_exit_on_empty),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
