/* Conformance: signal events, with real kill(). */
#include "conformance.h"

#include <pthread.h>
#include <signal.h>

struct sigrec {
	struct event ev;
	int calls;
	int signo;
	short what;
	int del_after; /* event_del itself after this many calls (0: never) */
};

static void sig_cb(evutil_socket_t sig, short what, void *arg)
{
	struct sigrec *r = arg;

	r->calls++;
	r->signo = (int)sig;
	r->what = what;
	if (r->del_after && r->calls >= r->del_after)
		event_del(&r->ev);
}

static void test_kill_self(void **state)
{
	struct event_base *base = conf_base();
	struct sigrec r = {.del_after = 1};

	(void)state;
	evsignal_assign(&r.ev, base, SIGUSR1, sig_cb, &r);
	assert_int_equal(evsignal_add(&r.ev, NULL), 0);
	assert_int_equal(evsignal_pending(&r.ev, NULL), EV_SIGNAL);
	assert_int_equal(kill(getpid(), SIGUSR1), 0);
	assert_int_equal(event_base_dispatch(base), 1);
	assert_int_equal(r.calls, 1);
	assert_int_equal(r.signo, SIGUSR1);
	assert_int_equal(r.what, EV_SIGNAL);
	assert_int_equal(evsignal_pending(&r.ev, NULL), 0);
	event_base_free(base);
}

static void *killer_main(void *arg)
{
	int signo = *(int *)arg;

	usleep(30000);
	kill(getpid(), signo);
	return NULL;
}

/* The loop is asleep in the backend when the signal comes. */
static void test_wakes_blocked_loop(void **state)
{
	struct event_base *base = conf_base();
	struct sigrec r = {.del_after = 1};
	int signo = SIGUSR2;
	pthread_t th;
	int64_t t0 = conf_now_ms();

	(void)state;
	evsignal_assign(&r.ev, base, signo, sig_cb, &r);
	assert_int_equal(evsignal_add(&r.ev, NULL), 0);
	assert_int_equal(pthread_create(&th, NULL, killer_main, &signo), 0);
	assert_int_equal(event_base_dispatch(base), 1);
	pthread_join(th, NULL);
	assert_int_equal(r.calls, 1);
	assert_true(conf_now_ms() - t0 < 3000);
	event_base_free(base);
}

static void test_several_events_one_signal(void **state)
{
	struct event_base *base = conf_base();
	struct sigrec r[3];
	int i;

	(void)state;
	memset(r, 0, sizeof(r));
	for (i = 0; i < 3; i++) {
		r[i].del_after = 1;
		evsignal_assign(&r[i].ev, base, SIGUSR1, sig_cb, &r[i]);
		assert_int_equal(evsignal_add(&r[i].ev, NULL), 0);
	}
	assert_int_equal(kill(getpid(), SIGUSR1), 0);
	assert_int_equal(event_base_dispatch(base), 1);
	for (i = 0; i < 3; i++) {
		assert_int_equal(r[i].calls, 1);
		assert_int_equal(r[i].signo, SIGUSR1);
	}
	event_base_free(base);
}

static void test_two_bases(void **state)
{
	struct event_base *b1 = conf_base(), *b2 = conf_base();
	struct sigrec r1 = {0}, r2 = {0};

	(void)state;
	/* Non-persistent signal events end after one call. */
	event_assign(&r1.ev, b1, SIGUSR1, EV_SIGNAL, sig_cb, &r1);
	event_assign(&r2.ev, b2, SIGUSR1, EV_SIGNAL, sig_cb, &r2);
	assert_int_equal(event_add(&r1.ev, NULL), 0);
	assert_int_equal(event_add(&r2.ev, NULL), 0);
	assert_int_equal(kill(getpid(), SIGUSR1), 0);
	assert_int_equal(event_base_dispatch(b1), 1);
	assert_int_equal(event_base_dispatch(b2), 1);
	assert_int_equal(r1.calls, 1);
	assert_int_equal(r2.calls, 1);

	/* Freeing one base leaves the other's signals working. */
	assert_int_equal(event_add(&r1.ev, NULL), 0);
	assert_int_equal(event_add(&r2.ev, NULL), 0);
	event_base_free(b1);
	assert_int_equal(kill(getpid(), SIGUSR1), 0);
	assert_int_equal(event_base_dispatch(b2), 1);
	assert_int_equal(r2.calls, 2);
	event_base_free(b2);
}

static void kill3_cb(evutil_socket_t fd, short what, void *arg)
{
	int i;

	(void)fd;
	(void)what;
	(void)arg;
	for (i = 0; i < 3; i++)
		kill(getpid(), SIGUSR1);
}

static void test_caught_several_times(void **state)
{
	struct event_base *base = conf_base();
	struct sigrec r = {0};
	struct event kicker;
	struct timeval zero = {0, 0}, stop = {0, 100000};

	(void)state;
	evsignal_assign(&r.ev, base, SIGUSR1, sig_cb, &r);
	assert_int_equal(evsignal_add(&r.ev, NULL), 0);
	evtimer_assign(&kicker, base, kill3_cb, NULL);
	assert_int_equal(evtimer_add(&kicker, &zero), 0);
	assert_int_equal(event_base_loopexit(base, &stop), 0);
	assert_int_equal(event_base_dispatch(base), 0);
	/* Caught three times (each kill to ourselves is delivered before it
	 * returns): the callback runs three times, as libevent's ncalls. */
	assert_int_equal(r.calls, 3);
	event_del(&r.ev);
	event_base_free(base);
}

/* event_del() from the callback stops the remaining repeats. */
static void test_del_stops_repeats(void **state)
{
	struct event_base *base = conf_base();
	struct sigrec r = {.del_after = 1};
	struct event kicker;
	struct timeval zero = {0, 0};

	(void)state;
	evsignal_assign(&r.ev, base, SIGUSR1, sig_cb, &r);
	assert_int_equal(evsignal_add(&r.ev, NULL), 0);
	evtimer_assign(&kicker, base, kill3_cb, NULL);
	assert_int_equal(evtimer_add(&kicker, &zero), 0);
	assert_int_equal(event_base_dispatch(base), 1);
	assert_int_equal(r.calls, 1);
	event_base_free(base);
}

static volatile sig_atomic_t prev_hits;

static void prev_handler(int signo)
{
	(void)signo;
	prev_hits++;
}

static void test_del_restores_disposition(void **state)
{
	struct event_base *base = conf_base();
	struct sigrec r1 = {0}, r2 = {0};
	struct sigaction sa, cur;

	(void)state;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = prev_handler;
	sigemptyset(&sa.sa_mask);
	assert_int_equal(sigaction(SIGUSR2, &sa, NULL), 0);
	prev_hits = 0;

	evsignal_assign(&r1.ev, base, SIGUSR2, sig_cb, &r1);
	evsignal_assign(&r2.ev, base, SIGUSR2, sig_cb, &r2);
	assert_int_equal(evsignal_add(&r1.ev, NULL), 0);
	assert_int_equal(evsignal_add(&r2.ev, NULL), 0);
	assert_int_equal(sigaction(SIGUSR2, NULL, &cur), 0);
	assert_true(cur.sa_handler != prev_handler);

	/* One event left: libev still owns the signal. */
	assert_int_equal(evsignal_del(&r1.ev), 0);
	assert_int_equal(sigaction(SIGUSR2, NULL, &cur), 0);
	assert_true(cur.sa_handler != prev_handler);

	assert_int_equal(evsignal_del(&r2.ev), 0);
	assert_int_equal(sigaction(SIGUSR2, NULL, &cur), 0);
	assert_true(cur.sa_handler == prev_handler);
	kill(getpid(), SIGUSR2);
	assert_int_equal(prev_hits, 1);
	assert_int_equal(event_base_loop(base, EVLOOP_NONBLOCK), 1);
	assert_int_equal(r1.calls + r2.calls, 0);

	/* SIG_IGN comes back too, also when the base is freed with the
	 * event still added. */
	sa.sa_handler = SIG_IGN;
	assert_int_equal(sigaction(SIGUSR2, &sa, NULL), 0);
	assert_int_equal(evsignal_add(&r1.ev, NULL), 0);
	assert_int_equal(sigaction(SIGUSR2, NULL, &cur), 0);
	assert_true(cur.sa_handler != SIG_IGN);
	event_base_free(base);
	assert_int_equal(sigaction(SIGUSR2, NULL, &cur), 0);
	assert_true(cur.sa_handler == SIG_IGN);
	sa.sa_handler = SIG_DFL;
	sigaction(SIGUSR2, &sa, NULL);
}

static void test_invalid_signal(void **state)
{
	struct event_base *base = conf_base();
	struct sigrec r = {0};
	int bad[] = {0, -1, NSIG, NSIG + 100, 100000, SIGKILL, SIGSTOP};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		evsignal_assign(&r.ev, base, bad[i], sig_cb, &r);
		assert_int_equal(evsignal_add(&r.ev, NULL), -1);
		assert_int_equal(evsignal_pending(&r.ev, NULL), 0);
	}
	/* EV_SIGNAL with EV_READ is refused. */
	assert_int_equal(
	    event_assign(&r.ev, base, SIGUSR1, EV_SIGNAL | EV_READ, sig_cb, &r),
	    -1);
	/* Nothing half-added: the loop has no events. */
	assert_int_equal(event_base_loop(base, EVLOOP_NONBLOCK), 1);
	/* And a good signal still works afterwards. */
	r.del_after = 1;
	evsignal_assign(&r.ev, base, SIGUSR1, sig_cb, &r);
	assert_int_equal(evsignal_add(&r.ev, NULL), 0);
	kill(getpid(), SIGUSR1);
	assert_int_equal(event_base_dispatch(base), 1);
	assert_int_equal(r.calls, 1);
	event_base_free(base);
}

/* A signal event with a timeout gets EV_TIMEOUT when no signal comes. */
static void test_signal_with_timeout(void **state)
{
	struct event_base *base = conf_base();
	struct sigrec r = {0};
	struct timeval tv = {0, 30000};

	(void)state;
	event_assign(&r.ev, base, SIGUSR1, EV_SIGNAL, sig_cb, &r);
	assert_int_equal(event_add(&r.ev, &tv), 0);
	assert_int_equal(event_base_dispatch(base), 1);
	assert_int_equal(r.calls, 1);
	assert_int_equal(r.what, EV_TIMEOUT);
	event_base_free(base);
}

/* A heap-allocated signal event freed by its own callback while further
 * repeats are due: the repeats stop, nothing touches the freed event. */
struct selffree_sig {
	struct event *ev;
	int calls;
};

static void selffree_sig_cb(evutil_socket_t sig, short what, void *arg)
{
	struct selffree_sig *s = arg;

	(void)sig;
	(void)what;
	s->calls++;
	event_free(s->ev);
}

static void test_free_in_repeated_callback(void **state)
{
	struct event_base *base = conf_base();
	struct selffree_sig s = {0};
	struct event kicker;
	struct timeval zero = {0, 0};

	(void)state;
	s.ev = evsignal_new(base, SIGUSR1, selffree_sig_cb, &s);
	assert_non_null(s.ev);
	assert_int_equal(evsignal_add(s.ev, NULL), 0);
	evtimer_assign(&kicker, base, kill3_cb, NULL);
	assert_int_equal(evtimer_add(&kicker, &zero), 0);
	assert_int_equal(event_base_dispatch(base), 1);
	assert_int_equal(s.calls, 1);

	/* The same through event_active's ncalls. */
	s.calls = 0;
	s.ev = evsignal_new(base, SIGUSR1, selffree_sig_cb, &s);
	assert_non_null(s.ev);
	event_active(s.ev, EV_SIGNAL, 5);
	assert_int_equal(event_base_dispatch(base), 1);
	assert_int_equal(s.calls, 1);
	event_base_free(base);
}

/* More bases watching signals than the library has slots for: the extra
 * ones fail cleanly, and the slots come back when bases are freed. */
#define MANY_BASES 80

static void test_many_bases(void **state)
{
	static struct event_base *bases[MANY_BASES];
	static struct sigrec recs[MANY_BASES];
	int i, ok = 0, refused = 0;

	(void)state;
	for (i = 0; i < MANY_BASES; i++) {
		bases[i] = conf_base();
		memset(&recs[i], 0, sizeof(recs[i]));
		evsignal_assign(&recs[i].ev, bases[i], SIGUSR1, sig_cb,
		                &recs[i]);
		if (evsignal_add(&recs[i].ev, NULL) == 0)
			ok++;
		else
			refused++;
	}
	assert_true(ok >= 2);
	assert_int_equal(ok + refused, MANY_BASES);
	assert_int_equal(kill(getpid(), SIGUSR1), 0);
	for (i = 0; i < MANY_BASES; i++) {
		int watching = evsignal_pending(&recs[i].ev, NULL) != 0;
		/* A refused base has no events: the loop says so. */
		assert_int_equal(event_base_loop(bases[i], EVLOOP_NONBLOCK),
		                 watching ? 0 : 1);
		assert_int_equal(recs[i].calls, watching ? 1 : 0);
	}
	for (i = 0; i < MANY_BASES; i++)
		event_base_free(bases[i]);
	/* All slots free again. */
	for (i = 0; i < ok; i++) {
		bases[i] = conf_base();
		evsignal_assign(&recs[i].ev, bases[i], SIGUSR1, sig_cb,
		                &recs[i]);
		assert_int_equal(evsignal_add(&recs[i].ev, NULL), 0);
	}
	for (i = 0; i < ok; i++)
		event_base_free(bases[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    CONF_TEST(test_kill_self),
	    CONF_TEST(test_wakes_blocked_loop),
	    CONF_TEST(test_several_events_one_signal),
	    CONF_TEST(test_two_bases),
	    CONF_TEST(test_caught_several_times),
	    CONF_TEST(test_del_stops_repeats),
	    CONF_TEST(test_del_restores_disposition),
	    CONF_TEST(test_invalid_signal),
	    CONF_TEST(test_signal_with_timeout),
	    CONF_TEST(test_free_in_repeated_callback),
	    CONF_TEST(test_many_bases),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
