/*
 * The libevent-API variant.  This one source is built twice: against
 * libev-core and against the system's libevent 2.1, with the 1.3 calls
 * that the classic benchmark uses (event_set/event_add/event_del/
 * event_loop on the current base).
 */
#include <stdint.h>
#include <stdlib.h>
#include <sys/time.h>

#include <event.h>

#include "bench.h"

#ifndef BENCH_LIB_NAME
#define BENCH_LIB_NAME "libevent"
#endif

static struct event *ios;
static struct event *timers;

static void read_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)what;
	bench_on_read((int)fd, (int)(intptr_t)arg);
}

static void timer_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	bench_on_timer((int)(intptr_t)arg);
}

static int ev_init(void)
{
	return event_init() != NULL ? 0 : -1;
}

static int ev_io_alloc(int n)
{
	ios = calloc((size_t)n, sizeof(*ios));
	return ios != NULL ? 0 : -1;
}

static void ev_io_rearm(int i, int fd)
{
	if (event_initialized(&ios[i]))
		event_del(&ios[i]);
	event_set(&ios[i], fd, EV_READ | EV_PERSIST, read_cb,
	          (void *)(intptr_t)i);
	event_add(&ios[i], NULL);
}

static void ev_loop_nonblock(void)
{
	event_loop(EVLOOP_ONCE | EVLOOP_NONBLOCK);
}

static int ev_timer_alloc(int n)
{
	int i;

	timers = calloc((size_t)n, sizeof(*timers));
	if (timers == NULL)
		return -1;
	for (i = 0; i < n; i++)
		evtimer_set(&timers[i], timer_cb, (void *)(intptr_t)i);
	return 0;
}

static void ev_timer_rearm(int i, int64_t ns)
{
	struct timeval tv;

	tv.tv_sec = (time_t)(ns / 1000000000);
	tv.tv_usec = (suseconds_t)(ns % 1000000000 / 1000);
	evtimer_del(&timers[i]);
	evtimer_add(&timers[i], &tv);
}

static void (*in_loop_fn)(void);

static void in_loop_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	in_loop_fn();
}

static void ev_in_loop(void (*fn)(void))
{
	struct timeval zero = {0, 0};

	in_loop_fn = fn;
	event_once(-1, EV_TIMEOUT, in_loop_cb, NULL, &zero);
	event_loop(EVLOOP_ONCE);
}

static void ev_loop_once(void)
{
	event_loop(EVLOOP_ONCE);
}

const struct bench_lib bench_lib = {
    .name = BENCH_LIB_NAME,
    .io_size = sizeof(struct event),
    .timer_size = sizeof(struct event),
    .init = ev_init,
    .io_alloc = ev_io_alloc,
    .io_rearm = ev_io_rearm,
    .loop_nonblock = ev_loop_nonblock,
    .timer_alloc = ev_timer_alloc,
    .timer_rearm = ev_timer_rearm,
    .in_loop = ev_in_loop,
    .loop_once = ev_loop_once,
};
