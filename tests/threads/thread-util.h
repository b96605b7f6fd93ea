/* Helpers shared by the thread tests: a monotonic clock, sleeps, and a
 * loop thread. */
#ifndef LIBEV_TEST_THREAD_UTIL_H
#define LIBEV_TEST_THREAD_UTIL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <time.h>

#include <event.h>

static inline int64_t tu_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static inline void tu_sleep_ms(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000};

	while (nanosleep(&ts, &ts) != 0)
		;
}

/* Waits (bounded) until *flag becomes non-zero; returns it. */
static inline int tu_wait_flag(atomic_int *flag, int timeout_ms)
{
	int64_t end = tu_now_ms() + timeout_ms;

	while (!atomic_load(flag) && tu_now_ms() < end)
		tu_sleep_ms(1);
	return atomic_load(flag);
}

/* A timer that stops a test's loop if the test hangs: it records the
 * timeout (checked by the test) and breaks the loop. */
struct tu_safety {
	struct event ev;
	struct event_base *base;
	atomic_int timed_out;
};

static void tu_safety_cb(evutil_socket_t fd, short what, void *arg)
{
	struct tu_safety *s = arg;

	(void)fd;
	(void)what;
	atomic_store(&s->timed_out, 1);
	event_base_loopbreak(s->base);
}

/* Arms the timer for `seconds` on `base`; returns event_add()'s result. */
static inline int tu_safety_start(struct tu_safety *s, struct event_base *base,
                                  int seconds)
{
	struct timeval tv = {seconds, 0};

	s->base = base;
	atomic_store(&s->timed_out, 0);
	evtimer_assign(&s->ev, base, tu_safety_cb, s);
	return event_add(&s->ev, &tv);
}

/* Whether the timer fired. */
static inline int tu_safety_fired(struct tu_safety *s)
{
	return atomic_load(&s->timed_out);
}

/* A loop run in its own thread. */
struct tu_loop {
	pthread_t thr;
	struct event_base *base;
	int flags;
	int ret;
};

static void *tu_loop_main(void *arg)
{
	struct tu_loop *l = arg;

	l->ret = event_base_loop(l->base, l->flags);
	return NULL;
}

static inline int tu_loop_start(struct tu_loop *l, struct event_base *base,
                                int flags)
{
	l->base = base;
	l->flags = flags;
	l->ret = -2;
	return pthread_create(&l->thr, NULL, tu_loop_main, l);
}

static inline int tu_loop_join(struct tu_loop *l)
{
	pthread_join(l->thr, NULL);
	return l->ret;
}

#endif
