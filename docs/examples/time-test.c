/*
 * time-test: a timer that re-adds itself, in the spirit of libevent's
 * classic sample.  The callback runs `count` times (default 5) at `ms`
 * millisecond intervals (default 100), printing how long each wait took.
 *
 *   time-test [count [ms]]
 *
 * Exits 0 when every tick came and the whole run took at least count * ms
 * (a timer may fire late under load, never early); 1 otherwise.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <event.h>

struct state {
	struct event timer;
	struct timeval interval;
	struct timespec last;
	int left;
};

static double ms_since(const struct timespec *t0, struct timespec *now)
{
	clock_gettime(CLOCK_MONOTONIC, now);
	return (double)(now->tv_sec - t0->tv_sec) * 1e3 +
	       (double)(now->tv_nsec - t0->tv_nsec) / 1e6;
}

static void on_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct state *st = arg;
	struct timespec now;
	double took = ms_since(&st->last, &now);

	(void)fd;
	printf("timeout (what=0x%x): %.1f ms after the previous one\n",
	       (unsigned)what, took);
	st->last = now;
	/* A non-persistent timer is no longer pending once its callback
	 * runs: adding it again is how it repeats. */
	if (--st->left > 0)
		evtimer_add(&st->timer, &st->interval);
}

int main(int argc, char **argv)
{
	struct state st = {0};
	struct timespec start, end;
	double total;
	int count = argc > 1 ? atoi(argv[1]) : 5;
	int ms = argc > 2 ? atoi(argv[2]) : 100;

	if (count < 1 || ms < 0) {
		fprintf(stderr, "usage: time-test [count>0 [ms>=0]]\n");
		return 2;
	}
	if (event_init() == NULL) {
		fprintf(stderr,
		        "time-test: no event backend could be loaded\n");
		return 1;
	}
	st.left = count;
	st.interval.tv_sec = ms / 1000;
	st.interval.tv_usec = (ms % 1000) * 1000;
	clock_gettime(CLOCK_MONOTONIC, &st.last);
	start = st.last;

	evtimer_set(&st.timer, on_timeout, &st);
	evtimer_add(&st.timer, &st.interval);
	/* Returns when no event is left: after the last tick. */
	event_dispatch();

	/* Each deadline is counted from the loop's clock when the timer is
	 * re-added, which is never before the previous deadline: the whole
	 * run cannot be shorter than count intervals. */
	total = ms_since(&start, &end);
	printf("%d ticks of %d ms on \"%s\" in %.1f ms\n", count - st.left, ms,
	       event_get_method(), total);
	event_base_free(NULL);
	return st.left == 0 && total >= (double)count * ms ? 0 : 1;
}
