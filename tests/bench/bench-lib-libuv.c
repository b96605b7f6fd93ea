/*
 * The libuv variant: uv_poll_t per socket and uv_timer_t timers.  "Delete,
 * set, add" is uv_poll_stop then uv_poll_start (a uv_poll_t is bound to
 * its fd at init; re-initialising needs a close round trip that no other
 * library pays).  Timer deadlines are rounded up to libuv's milliseconds.
 */
#include <stdint.h>
#include <stdlib.h>

#include <uv.h>

#include "bench.h"

static uv_loop_t *loop;
static uv_poll_t *ios;
static char *io_ready;
static uv_timer_t *timers;

static void read_cb(uv_poll_t *h, int status, int events)
{
	(void)status;
	(void)events;
	bench_on_read(*(int *)h->data, (int)(h - ios));
}

static void timer_cb(uv_timer_t *h)
{
	bench_on_timer((int)(h - timers));
}

static int uv_b_init(void)
{
	loop = uv_default_loop();
	return loop != NULL ? 0 : -1;
}

static int *io_fds;

static int uv_b_io_alloc(int n)
{
	ios = calloc((size_t)n, sizeof(*ios));
	io_ready = calloc((size_t)n, 1);
	io_fds = calloc((size_t)n, sizeof(*io_fds));
	return ios && io_ready && io_fds ? 0 : -1;
}

static void uv_b_io_rearm(int i, int fd)
{
	if (!io_ready[i]) {
		uv_poll_init_socket(loop, &ios[i], fd);
		io_fds[i] = fd;
		ios[i].data = &io_fds[i];
		io_ready[i] = 1;
	}
	uv_poll_stop(&ios[i]);
	uv_poll_start(&ios[i], UV_READABLE, read_cb);
}

static void uv_b_loop_nonblock(void)
{
	uv_run(loop, UV_RUN_NOWAIT);
}

static int uv_b_timer_alloc(int n)
{
	int i;

	timers = calloc((size_t)n, sizeof(*timers));
	if (timers == NULL)
		return -1;
	for (i = 0; i < n; i++)
		uv_timer_init(loop, &timers[i]);
	return 0;
}

static void uv_b_timer_rearm(int i, int64_t ns)
{
	uv_timer_stop(&timers[i]);
	uv_timer_start(&timers[i], timer_cb, (uint64_t)(ns + 999999) / 1000000,
	               0);
}

static void (*in_loop_fn)(void);
static uv_timer_t in_loop_timer;

static void in_loop_cb(uv_timer_t *h)
{
	(void)h;
	in_loop_fn();
}

static void uv_b_in_loop(void (*fn)(void))
{
	static int ready;

	in_loop_fn = fn;
	if (!ready) {
		uv_timer_init(loop, &in_loop_timer);
		ready = 1;
	}
	uv_timer_start(&in_loop_timer, in_loop_cb, 0, 0);
	uv_run(loop, UV_RUN_NOWAIT);
}

static void uv_b_loop_once(void)
{
	uv_run(loop, UV_RUN_ONCE);
}

const struct bench_lib bench_lib = {
    .name = "libuv",
    .io_size = sizeof(uv_poll_t),
    .timer_size = sizeof(uv_timer_t),
    .init = uv_b_init,
    .io_alloc = uv_b_io_alloc,
    .io_rearm = uv_b_io_rearm,
    .loop_nonblock = uv_b_loop_nonblock,
    .timer_alloc = uv_b_timer_alloc,
    .timer_rearm = uv_b_timer_rearm,
    .in_loop = uv_b_in_loop,
    .loop_once = uv_b_loop_once,
};
