/*
 * Buffered I/O benchmark, one source built twice: against libev-core
 * (bench-buffer-libev) and against Debian's libevent 2.1
 * (bench-buffer-libevent).  Only the public libevent 2.x API is used, so
 * both builds run the very same calls.
 *
 * Each row prints "name<TAB>MB/s"; tests/bench/run-buffer.sh runs both
 * programs in turn and prints the table.  Usage:
 *   bench-buffer [scale [filter]]
 * scale multiplies the work (default 1); filter runs only the rows whose
 * name contains it (for profiling one row).
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/util.h>

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void report(const char *name, double bytes, double secs)
{
	printf("%s\t%.1f\n", name, bytes / secs / 1e6);
	fflush(stdout);
}

static volatile size_t sink;
static const char *filter;

static int wanted(const char *name)
{
	return filter == NULL || strstr(name, filter) != NULL;
}

/* Appends `batch` chunks of `chunk` bytes, then drains them chunk by
 * chunk, until `total` bytes went through. */
static void bench_add_drain(const char *name, size_t chunk, size_t total)
{
	struct evbuffer *b = evbuffer_new();
	char *data = malloc(chunk);
	size_t batch = (1u << 20) / chunk + 1, done = 0, i;
	double t0;

	memset(data, 'a', chunk);
	t0 = now_s();
	while (done < total) {
		for (i = 0; i < batch; i++)
			evbuffer_add(b, data, chunk);
		sink += evbuffer_get_length(b);
		for (i = 0; i < batch; i++)
			evbuffer_drain(b, chunk);
		done += batch * chunk;
	}
	report(name, (double)done, now_s() - t0);
	evbuffer_free(b);
	free(data);
}

/* Adds lines of `chunk` bytes (CRLF included), one add per line, and
 * reads them back with evbuffer_readln(EVBUFFER_EOL_CRLF). */
static void bench_readln(const char *name, size_t chunk, size_t total)
{
	struct evbuffer *b = evbuffer_new();
	char *line = malloc(chunk), *got;
	size_t batch = (1u << 20) / chunk + 1, done = 0, i, n;
	double t0;

	memset(line, 'x', chunk - 2);
	line[chunk - 2] = '\r';
	line[chunk - 1] = '\n';
	t0 = now_s();
	while (done < total) {
		for (i = 0; i < batch; i++)
			evbuffer_add(b, line, chunk);
		for (i = 0; i < batch; i++) {
			got = evbuffer_readln(b, &n, EVBUFFER_EOL_CRLF);
			sink += n;
			free(got);
		}
		done += batch * chunk;
	}
	report(name, (double)done, now_s() - t0);
	evbuffer_free(b);
	free(line);
}

/* Echo: A writes `chunk`-sized pieces, B sends everything back, A counts
 * and drains.  Both ends are bufferevents on one socketpair. */
struct echo {
	struct event_base *base;
	char *data;
	size_t chunk, total, sent, got;
};

static void echo_a_write(struct bufferevent *bev, void *arg)
{
	struct echo *e = arg;
	struct evbuffer *out = bufferevent_get_output(bev);

	while (e->sent < e->total && evbuffer_get_length(out) < 4 * e->chunk) {
		bufferevent_write(bev, e->data, e->chunk);
		e->sent += e->chunk;
	}
}

static void echo_a_read(struct bufferevent *bev, void *arg)
{
	struct echo *e = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	size_t n = evbuffer_get_length(in);

	e->got += n;
	evbuffer_drain(in, n);
	if (e->got >= e->total)
		event_base_loopbreak(e->base);
}

static void echo_b_read(struct bufferevent *bev, void *arg)
{
	(void)arg;
	bufferevent_write_buffer(bev, bufferevent_get_input(bev));
}

static void bench_echo(const char *name, size_t chunk, size_t total)
{
	struct echo e;
	struct bufferevent *a, *b;
	evutil_socket_t sv[2];
	double t0;

	memset(&e, 0, sizeof(e));
	e.base = event_base_new();
	if (e.base == NULL) {
		fprintf(stderr, "no event base\n");
		exit(1);
	}
	e.chunk = chunk;
	e.total = total;
	e.data = malloc(chunk);
	memset(e.data, 'e', chunk);
	if (evutil_socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0) {
		perror("socketpair");
		exit(1);
	}
	evutil_make_socket_nonblocking(sv[0]);
	evutil_make_socket_nonblocking(sv[1]);
	a = bufferevent_socket_new(e.base, sv[0], BEV_OPT_CLOSE_ON_FREE);
	b = bufferevent_socket_new(e.base, sv[1], BEV_OPT_CLOSE_ON_FREE);
	bufferevent_setcb(a, echo_a_read, echo_a_write, NULL, &e);
	bufferevent_setcb(b, echo_b_read, NULL, NULL, &e);
	bufferevent_setwatermark(a, EV_WRITE, 2 * chunk, 0);
	bufferevent_enable(a, EV_READ | EV_WRITE);
	bufferevent_enable(b, EV_READ | EV_WRITE);
	t0 = now_s();
	echo_a_write(a, &e);
	event_base_dispatch(e.base);
	report(name, (double)e.got, now_s() - t0);
	bufferevent_free(a);
	bufferevent_free(b);
	event_base_free(e.base);
	free(e.data);
}

int main(int argc, char **argv)
{
	double scale = argc > 1 ? atof(argv[1]) : 1.0;
	size_t gib = (size_t)((double)(1u << 30) * (scale > 0 ? scale : 1.0));

	filter = argc > 2 ? argv[2] : NULL;
#define ROW(fn, name, chunk, total)                                            \
	do {                                                                   \
		if (wanted(name))                                              \
			fn(name, chunk, total);                                \
	} while (0)
	ROW(bench_add_drain, "evbuffer add+drain, 1 KiB chunks", 1024, gib);
	ROW(bench_add_drain, "evbuffer add+drain, 64 KiB chunks", 65536,
	    4 * gib);
	ROW(bench_readln, "evbuffer_readln, 1 KiB lines", 1024, gib / 2);
	ROW(bench_readln, "evbuffer_readln, 64 KiB lines", 65536, 2 * gib);
	ROW(bench_echo, "bufferevent echo, 1 KiB writes", 1024, gib / 4);
	ROW(bench_echo, "bufferevent echo, 64 KiB writes", 65536, gib);
	return sink == 0;
}
