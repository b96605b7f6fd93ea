/*
 * Measures what the base lock costs on the hot path: a loop of event_del +
 * event_add on an fd event and on a timer, on a base without a lock
 * ("plain": evthread_use_pthreads() never called; "nolock": called, but the
 * base is configured with EVENT_BASE_FLAG_NOLOCK) and with one ("locked").
 * A second loop, run_loop(), measures one loop iteration that runs one
 * callback (event_active + event_base_loop(EVLOOP_NONBLOCK)), where the
 * lock is dropped around the backend wait and around the callback.
 * Meant to be run under callgrind, counting only one of the two:
 *
 *   valgrind --tool=callgrind --toggle-collect=run_ops \
 *       build/bin/thread-lockcost plain 100000
 *   valgrind --tool=callgrind --toggle-collect=run_loop \
 *       build/bin/thread-lockcost plain 100000
 *
 * Not a test: it prints a time per iteration but never judges it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <event.h>

static void cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
}

/* Kept out of line so callgrind can count exactly this. */
__attribute__((noinline)) static int run_ops(struct event *io, struct event *tm,
                                             long n)
{
	struct timeval tv = {5, 0};
	long i;
	int bad = 0;

	for (i = 0; i < n; i++) {
		bad |= event_del(io);
		bad |= event_add(io, NULL);
		bad |= event_del(tm);
		bad |= event_add(tm, &tv);
	}
	return bad;
}

/* One loop iteration with one callback, n times. */
__attribute__((noinline)) static int run_loop(struct event_base *base,
                                              struct event *ev, long n)
{
	long i;
	int bad = 0;

	for (i = 0; i < n; i++) {
		event_active(ev, EV_TIMEOUT, 1);
		bad |= event_base_loop(base, EVLOOP_NONBLOCK) < 0;
	}
	return bad;
}

static double elapsed_ns(const struct timespec *t0, const struct timespec *t1)
{
	return (double)(t1->tv_sec - t0->tv_sec) * 1e9 +
	       (double)(t1->tv_nsec - t0->tv_nsec);
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "plain";
	long n = argc > 2 ? atol(argv[2]) : 1000000;
	struct event_config *cfg = event_config_new();
	struct event_base *base;
	struct event io, tm, act;
	struct timespec t0, t1;
	int sv[2];
	double ns;

	if (strcmp(mode, "plain") != 0) {
#ifdef EVTHREAD_USE_PTHREADS_IMPLEMENTED
		evthread_use_pthreads();
		if (strcmp(mode, "nolock") == 0)
			event_config_set_flag(cfg, EVENT_BASE_FLAG_NOLOCK);
#else
		fprintf(stderr, "no thread support in this build\n");
		return 2;
#endif
	}
	base = event_base_new_with_config(cfg);
	event_config_free(cfg);
	if (base == NULL || socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
		return 1;
	event_assign(&io, base, sv[0], EV_READ | EV_PERSIST, cb, NULL);
	evtimer_assign(&tm, base, cb, NULL);
	if (event_add(&io, NULL) < 0)
		return 1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (run_ops(&io, &tm, n) != 0)
		return 1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ns = elapsed_ns(&t0, &t1);
	printf("%s: %ld iterations (2 del + 2 add each), %.1f ns/iteration\n",
	       mode, n, ns / (double)n);

	event_assign(&act, base, -1, 0, cb, NULL);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (run_loop(base, &act, n) != 0)
		return 1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ns = elapsed_ns(&t0, &t1);
	printf("%s: %ld loop iterations (1 callback each), %.1f ns/iteration\n",
	       mode, n, ns / (double)n);
	event_del(&io);
	event_del(&tm);
	event_base_free(base);
	close(sv[0]);
	close(sv[1]);
	return 0;
}
