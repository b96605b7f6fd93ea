/* Conformance: pure timers. */
#include "conformance.h"

#include <pthread.h>

#define NTIMERS 200

struct timer_rec {
	struct event ev;
	int64_t interval_us;
	int64_t fired_us;
	int order;
	int calls;
	int *next_order;
};

static void order_cb(evutil_socket_t fd, short what, void *arg)
{
	struct timer_rec *t = arg;

	assert_int_equal(fd, -1);
	assert_int_equal(what, EV_TIMEOUT);
	t->fired_us = conf_now_us();
	t->order = (*t->next_order)++;
	t->calls++;
}

struct adder {
	struct timer_rec *recs;
	int n;
};

/* Adds every timer from inside a callback, where the loop's time is
 * cached: all deadlines are then "the same now" plus their interval, so
 * the firing order must follow the intervals exactly. */
static void add_all_cb(evutil_socket_t fd, short what, void *arg)
{
	struct adder *a = arg;
	int i;

	(void)fd;
	(void)what;
	for (i = 0; i < a->n; i++) {
		struct timeval tv = {0, (suseconds_t)a->recs[i].interval_us};
		assert_int_equal(evtimer_add(&a->recs[i].ev, &tv), 0);
	}
}

static void test_random_order(void **state)
{
	struct event_base *base = conf_base();
	static struct timer_rec recs[NTIMERS];
	struct adder a = {recs, NTIMERS};
	struct event kick;
	struct timeval zero = {0, 0};
	int next = 0, i, j;
	unsigned seed = 12345;
	int64_t t_before;

	(void)state;
	for (i = 0; i < NTIMERS; i++) {
		memset(&recs[i], 0, sizeof(recs[i]));
		seed = seed * 1103515245u + 12345u;
		/* 0..150 ms in 100 us steps: many distinct deadlines, some
		 * equal. */
		recs[i].interval_us = (int64_t)((seed >> 8) % 1500) * 100;
		recs[i].next_order = &next;
		evtimer_assign(&recs[i].ev, base, order_cb, &recs[i]);
	}
	evtimer_assign(&kick, base, add_all_cb, &a);
	assert_int_equal(evtimer_add(&kick, &zero), 0);
	/* The loop reads its clock after this, so every deadline is at least
	 * t_before + interval. */
	t_before = conf_now_us();
	assert_int_equal(event_base_dispatch(base), 1);
	assert_int_equal(next, NTIMERS);
	for (i = 0; i < NTIMERS; i++) {
		assert_int_equal(recs[i].calls, 1);
		/* Never early. */
		assert_true(recs[i].fired_us - t_before >=
		            recs[i].interval_us - 1);
		for (j = 0; j < NTIMERS; j++)
			if (recs[i].interval_us < recs[j].interval_us)
				assert_true(recs[i].order < recs[j].order);
	}
	event_base_free(base);
}

static void count_cb(evutil_socket_t fd, short what, void *arg)
{
	int *n = arg;

	(void)fd;
	assert_int_equal(what, EV_TIMEOUT);
	(*n)++;
}

static void test_same_deadline(void **state)
{
	struct event_base *base = conf_base();
	struct event evs[50];
	struct timeval tv = {0, 30000};
	int n = 0, i;
	int64_t t0 = conf_now_ms();

	(void)state;
	for (i = 0; i < 50; i++) {
		evtimer_assign(&evs[i], base, count_cb, &n);
		assert_int_equal(evtimer_add(&evs[i], &tv), 0);
	}
	/* Added outside the loop, each reads the clock, so their deadlines
	 * differ by the time the adds took (long under valgrind): allow a few
	 * passes, but every timer must run, none early. */
	for (i = 0; i < 50 && n < 50; i++)
		assert_int_equal(event_base_loop(base, EVLOOP_ONCE), 0);
	assert_int_equal(n, 50);
	assert_true(conf_now_ms() - t0 >= 29);
	assert_int_equal(event_base_dispatch(base), 1);
	event_base_free(base);
}

struct periodic {
	struct event ev;
	int ticks;
	int64_t at[6];
};

static void periodic_cb(evutil_socket_t fd, short what, void *arg)
{
	struct periodic *p = arg;

	(void)fd;
	assert_int_equal(what, EV_TIMEOUT);
	p->at[p->ticks++] = conf_now_ms();
	/* Still pending: a persistent timer is re-armed before its callback. */
	assert_int_equal(evtimer_pending(&p->ev, NULL), EV_TIMEOUT);
	if (p->ticks == 5)
		evtimer_del(&p->ev);
}

static void test_persistent_period(void **state)
{
	struct event_base *base = conf_base();
	struct periodic p = {0};
	struct timeval tv = {0, 25000};
	int64_t t0;
	int i;

	(void)state;
	event_assign(&p.ev, base, -1, EV_PERSIST, periodic_cb, &p);
	t0 = conf_now_ms();
	assert_int_equal(evtimer_add(&p.ev, &tv), 0);
	assert_int_equal(event_base_dispatch(base), 1);
	assert_int_equal(p.ticks, 5);
	for (i = 0; i < 5; i++)
		assert_true(p.at[i] - t0 >= 25 * (i + 1) - 1);
	/* Steady period: not drifting by a full period per tick. */
	assert_true(p.at[4] - t0 < 125 + 1000);
	event_base_free(base);
}

static void test_pending_tv(void **state)
{
	struct event_base *base = conf_base();
	struct event ev;
	struct timeval tv = {2, 500000}, exp, now;
	int n = 0;
	int64_t diff_ms;

	(void)state;
	evtimer_assign(&ev, base, count_cb, &n);
	assert_int_equal(evtimer_pending(&ev, NULL), 0);
	assert_int_equal(evtimer_add(&ev, &tv), 0);
	memset(&exp, 0, sizeof(exp));
	assert_int_equal(evtimer_pending(&ev, &exp), EV_TIMEOUT);
	assert_int_equal(event_pending(&ev, EV_READ, &exp), 0);
	assert_int_equal(evtimer_pending(&ev, &exp), EV_TIMEOUT);
	gettimeofday(&now, NULL);
	assert_true(exp.tv_usec >= 0 && exp.tv_usec < 1000000);
	diff_ms = ((int64_t)exp.tv_sec - now.tv_sec) * 1000 +
	          (exp.tv_usec - now.tv_usec) / 1000;
	/* Wall-clock expiry about 2.5 s from now. */
	assert_true(diff_ms > 1500 && diff_ms <= 2500);
	assert_int_equal(evtimer_del(&ev), 0);
	assert_int_equal(evtimer_pending(&ev, &exp), 0);
	assert_int_equal(event_base_dispatch(base), 1);
	assert_int_equal(n, 0);
	event_base_free(base);
}

struct killer {
	struct event *victim;
	int calls;
};

static void killer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct killer *k = arg;

	(void)fd;
	(void)what;
	k->calls++;
	assert_int_equal(evtimer_del(k->victim), 0);
}

static void test_del_from_other_timer(void **state)
{
	struct event_base *base = conf_base();
	struct event a, b;
	struct killer ka = {&b, 0};
	struct timeval ta = {0, 10000}, tb = {4, 0};
	int nb = 0;
	int64_t t0 = conf_now_ms();

	(void)state;
	evtimer_assign(&a, base, killer_cb, &ka);
	evtimer_assign(&b, base, count_cb, &nb);
	assert_int_equal(evtimer_add(&a, &ta), 0);
	assert_int_equal(evtimer_add(&b, &tb), 0);
	assert_int_equal(event_base_dispatch(base), 1);
	assert_int_equal(ka.calls, 1);
	assert_int_equal(nb, 0);
	/* The loop ended without waiting for b's deadline. */
	assert_true(conf_now_ms() - t0 < 3000);
	event_base_free(base);
}

static void test_del_expired_same_iteration(void **state)
{
	struct event_base *base = conf_base();
	struct event a, b;
	struct killer ka = {&b, 0}, kb = {&a, 0};
	struct timeval tv = {0, 10000};

	(void)state;
	/* Both expire together; the first to run deletes the other, which
	 * is already active and must not run. */
	evtimer_assign(&a, base, killer_cb, &ka);
	evtimer_assign(&b, base, killer_cb, &kb);
	assert_int_equal(evtimer_add(&a, &tv), 0);
	assert_int_equal(evtimer_add(&b, &tv), 0);
	assert_int_equal(event_base_dispatch(base), 1);
	assert_int_equal(ka.calls + kb.calls, 1);
	event_base_free(base);
}

static void test_zero_timeout(void **state)
{
	struct event_base *base = conf_base();
	struct event ev;
	struct timeval zero = {0, 0};
	int n = 0;
	int64_t t0 = conf_now_ms();

	(void)state;
	evtimer_assign(&ev, base, count_cb, &n);
	assert_int_equal(evtimer_add(&ev, &zero), 0);
	assert_int_equal(event_base_dispatch(base), 1);
	assert_int_equal(n, 1);
	assert_true(conf_now_ms() - t0 < 2000);
	/* A negative timeout counts as zero. */
	zero.tv_sec = -5;
	assert_int_equal(evtimer_add(&ev, &zero), 0);
	assert_int_equal(event_base_dispatch(base), 1);
	assert_int_equal(n, 2);
	event_base_free(base);
}

struct waker {
	int fd;
	int delay_ms;
};

static void *waker_main(void *arg)
{
	struct waker *w = arg;

	usleep((useconds_t)w->delay_ms * 1000);
	(void)!write(w->fd, "x", 1);
	return NULL;
}

static void read_stop_cb(evutil_socket_t fd, short what, void *arg)
{
	char c;

	(void)arg;
	assert_int_equal(what, EV_READ);
	assert_int_equal(read(fd, &c, 1), 1);
}

static void test_huge_timeout(void **state)
{
	struct event_base *base = conf_base();
	struct event huge[3], rd;
	struct timeval tvs[3] = {
	    {0x7fffffff, 0},
	    {(time_t)9223372035LL, 999999}, /* just under INT64_MAX ns */
	    {(time_t)(((unsigned long long)1 << 62) - 1), 999999},
	};
	struct timeval exp, now;
	struct waker w;
	pthread_t th;
	int n = 0, i, sv[2];

	(void)state;
	conf_pair(sv);
	gettimeofday(&now, NULL);
	for (i = 0; i < 3; i++) {
		evtimer_assign(&huge[i], base, count_cb, &n);
		assert_int_equal(evtimer_add(&huge[i], &tvs[i]), 0);
		assert_int_equal(evtimer_pending(&huge[i], &exp), EV_TIMEOUT);
		/* Far in the future, not wrapped into the past. */
		assert_true(exp.tv_sec > now.tv_sec + 365 * 24 * 3600);
	}
	/* The loop sleeps on the huge timeout until the fd wakes it. */
	event_assign(&rd, base, sv[0], EV_READ, read_stop_cb, NULL);
	assert_int_equal(event_add(&rd, NULL), 0);
	w.fd = sv[1];
	w.delay_ms = 30;
	assert_int_equal(pthread_create(&th, NULL, waker_main, &w), 0);
	assert_int_equal(event_base_loop(base, EVLOOP_ONCE), 0);
	pthread_join(th, NULL);
	assert_int_equal(n, 0);
	assert_int_equal(event_base_loop(base, EVLOOP_NONBLOCK), 0);
	assert_int_equal(n, 0);
	for (i = 0; i < 3; i++)
		assert_int_equal(evtimer_pending(&huge[i], NULL), EV_TIMEOUT);
	event_base_free(base);
	conf_close_pair(sv);
}

/* Heap churn: many timers added, some deleted, some rescheduled, all in
 * one callback (one cached "now"), then checked against their final
 * intervals. */
#define CHURN 600

struct churn {
	struct timer_rec *recs;
	int *deleted;
	int64_t *final_us;
};

static unsigned churn_seed;

static unsigned churn_rand(void)
{
	churn_seed = churn_seed * 1103515245u + 12345u;
	return churn_seed >> 8;
}

static void churn_cb(evutil_socket_t fd, short what, void *arg)
{
	struct churn *c = arg;
	int i;

	(void)fd;
	(void)what;
	for (i = 0; i < CHURN; i++) {
		struct timeval tv = {
		    0, (suseconds_t)(1000 + churn_rand() % 60000)};
		c->final_us[i] = tv.tv_usec;
		assert_int_equal(evtimer_add(&c->recs[i].ev, &tv), 0);
	}
	for (i = 0; i < CHURN; i++) {
		unsigned r = churn_rand() % 3;
		if (r == 0) {
			assert_int_equal(evtimer_del(&c->recs[i].ev), 0);
			c->deleted[i] = 1;
		} else if (r == 1) {
			struct timeval tv = {
			    0, (suseconds_t)(1000 + churn_rand() % 60000)};
			c->final_us[i] = tv.tv_usec;
			assert_int_equal(evtimer_add(&c->recs[i].ev, &tv), 0);
		}
	}
}

static void test_heap_churn(void **state)
{
	struct event_base *base = conf_base();
	static struct timer_rec recs[CHURN];
	static int deleted[CHURN];
	static int64_t final_us[CHURN];
	struct churn c = {recs, deleted, final_us};
	struct event kick;
	struct timeval zero = {0, 0};
	int next = 0, i, j, fired = 0;
	int64_t t_before;

	(void)state;
	churn_seed = 777;
	for (i = 0; i < CHURN; i++) {
		memset(&recs[i], 0, sizeof(recs[i]));
		deleted[i] = 0;
		recs[i].next_order = &next;
		evtimer_assign(&recs[i].ev, base, order_cb, &recs[i]);
	}
	evtimer_assign(&kick, base, churn_cb, &c);
	assert_int_equal(evtimer_add(&kick, &zero), 0);
	t_before = conf_now_us();
	assert_int_equal(event_base_dispatch(base), 1);
	for (i = 0; i < CHURN; i++) {
		if (deleted[i]) {
			assert_int_equal(recs[i].calls, 0);
			continue;
		}
		fired++;
		assert_int_equal(recs[i].calls, 1);
		assert_true(recs[i].fired_us - t_before >= final_us[i] - 1);
		for (j = 0; j < CHURN; j++)
			if (!deleted[j] && final_us[i] < final_us[j])
				assert_true(recs[i].order < recs[j].order);
	}
	assert_int_equal(next, fired);
	assert_true(fired > CHURN / 2);
	event_base_free(base);
}

/* A timeout shorter than a millisecond is kept to within the kernel's
 * timer slack, not rounded up to the next whole millisecond: every
 * backend whose wait takes a timespec or timeval must show it.  The
 * shortest of 20 waits is compared, which load can only lengthen. */
static void test_sub_ms_precision(void **state)
{
	static const char *const ms_granular[] = {
	    "devpoll", /* DP_POLL's timeout is in milliseconds */
	    "kqueue",  /* here an emulation on epoll_wait's milliseconds */
	    "evport",  /* likewise */
	};
	struct event_base *base = conf_base();
	const char *method = event_base_get_method(base);
	const char *preload = getenv("LD_PRELOAD");
	struct event ev;
	int64_t best = INT64_MAX;
	int i, n = 0;

	(void)state;
	for (i = 0; i < (int)(sizeof(ms_granular) / sizeof(ms_granular[0]));
	     i++)
		if (strcmp(method, ms_granular[i]) == 0) {
			event_base_free(base);
			skip();
		}
	/* valgrind runs the wait itself and refuses epoll_pwait2. */
	if (preload != NULL && strstr(preload, "vgpreload") != NULL) {
		event_base_free(base);
		skip();
	}
	evtimer_assign(&ev, base, count_cb, &n);
	for (i = 0; i < 20; i++) {
		struct timeval tv = {0, 300};
		int64_t t0 = conf_now_us(), took;

		assert_int_equal(evtimer_add(&ev, &tv), 0);
		assert_int_equal(event_base_dispatch(base), 1);
		took = conf_now_us() - t0;
		assert_true(took >= 300);
		if (took < best)
			best = took;
	}
	assert_int_equal(n, 20);
	assert_true(best < 900);
	event_base_free(base);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    CONF_TEST(test_random_order),
	    CONF_TEST(test_same_deadline),
	    CONF_TEST(test_persistent_period),
	    CONF_TEST(test_pending_tv),
	    CONF_TEST(test_del_from_other_timer),
	    CONF_TEST(test_del_expired_same_iteration),
	    CONF_TEST(test_zero_timeout),
	    CONF_TEST(test_huge_timeout),
	    CONF_TEST(test_heap_churn),
	    CONF_TEST(test_sub_ms_precision),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
