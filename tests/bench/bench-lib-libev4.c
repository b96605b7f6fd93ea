/*
 * The variant for libev 4's native API (Debian's libev-dev, <ev.h>): the
 * same experiment with ev_io and ev_timer watchers.  "Delete, set, add"
 * is ev_io_stop, ev_io_set, ev_io_start.
 */
#include <stdint.h>
#include <stdlib.h>

#include <ev.h>

#include "bench.h"

static struct ev_loop *loop;
static ev_io *ios;
static ev_timer *timers;

static void read_cb(struct ev_loop *l, ev_io *w, int revents)
{
	(void)l;
	(void)revents;
	bench_on_read(w->fd, (int)(intptr_t)w->data);
}

static void timer_cb(struct ev_loop *l, ev_timer *w, int revents)
{
	(void)l;
	(void)revents;
	bench_on_timer((int)(intptr_t)w->data);
}

static int l4_init(void)
{
	loop = ev_loop_new(EVBACKEND_EPOLL);
	return loop != NULL ? 0 : -1;
}

static int l4_io_alloc(int n)
{
	int i;

	ios = calloc((size_t)n, sizeof(*ios));
	if (ios == NULL)
		return -1;
	for (i = 0; i < n; i++) {
		ev_init(&ios[i], read_cb);
		ios[i].data = (void *)(intptr_t)i;
	}
	return 0;
}

static void l4_io_rearm(int i, int fd)
{
	ev_io_stop(loop, &ios[i]);
	ev_io_set(&ios[i], fd, EV_READ);
	ev_io_start(loop, &ios[i]);
}

static void l4_loop_nonblock(void)
{
	ev_run(loop, EVRUN_ONCE | EVRUN_NOWAIT);
}

static int l4_timer_alloc(int n)
{
	int i;

	timers = calloc((size_t)n, sizeof(*timers));
	if (timers == NULL)
		return -1;
	for (i = 0; i < n; i++) {
		ev_init(&timers[i], timer_cb);
		timers[i].data = (void *)(intptr_t)i;
	}
	return 0;
}

static void l4_timer_rearm(int i, int64_t ns)
{
	ev_timer_stop(loop, &timers[i]);
	ev_timer_set(&timers[i], (ev_tstamp)ns * 1e-9, 0.);
	ev_timer_start(loop, &timers[i]);
}

static void (*in_loop_fn)(void);

static void in_loop_cb(int revents, void *arg)
{
	(void)revents;
	(void)arg;
	in_loop_fn();
}

static void l4_in_loop(void (*fn)(void))
{
	in_loop_fn = fn;
	ev_once(loop, -1, 0, 0., in_loop_cb, NULL);
	ev_run(loop, EVRUN_ONCE);
}

static void l4_loop_once(void)
{
	ev_run(loop, EVRUN_ONCE);
}

const struct bench_lib bench_lib = {
    .name = "libev4",
    .io_size = sizeof(ev_io),
    .timer_size = sizeof(ev_timer),
    .init = l4_init,
    .io_alloc = l4_io_alloc,
    .io_rearm = l4_io_rearm,
    .loop_nonblock = l4_loop_nonblock,
    .timer_alloc = l4_timer_alloc,
    .timer_rearm = l4_timer_rearm,
    .in_loop = l4_in_loop,
    .loop_once = l4_loop_once,
};
