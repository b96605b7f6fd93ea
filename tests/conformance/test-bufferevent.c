/* Conformance: bufferevents over socketpairs and loopback TCP. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_struct.h>
#include <event2/buffer.h>

/* Every test stops its loop after this long, whatever happens. */
static const struct timeval guard = {10, 0};

static void pair(int sv[2])
{
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(evutil_make_socket_nonblocking(sv[0]), 0);
	assert_int_equal(evutil_make_socket_nonblocking(sv[1]), 0);
}

struct rec {
	struct event_base *base;
	int reads, writes, events;
	short what;
	int err;
	size_t got;
	char data[64];
};

static void rec_read(struct bufferevent *bev, void *arg)
{
	struct rec *r = arg;
	size_t n = evbuffer_get_length(bufferevent_get_input(bev));

	r->reads++;
	if (n > sizeof(r->data) - r->got)
		n = sizeof(r->data) - r->got;
	r->got += bufferevent_read(bev, r->data + r->got, n);
}

static void rec_write(struct bufferevent *bev, void *arg)
{
	struct rec *r = arg;

	(void)bev;
	r->writes++;
}

static void rec_event(struct bufferevent *bev, short what, void *arg)
{
	struct rec *r = arg;

	(void)bev;
	r->events++;
	r->what = what;
	r->err = errno;
	/* loopbreak, not loopexit(NULL): a pending exit would outlive a
	 * loop that stops for lack of events and end the next one. */
	event_base_loopbreak(r->base);
}

static void echo_read(struct bufferevent *bev, void *arg)
{
	(void)arg;
	assert_int_equal(
	    bufferevent_write_buffer(bev, bufferevent_get_input(bev)), 0);
}

static void exit_on_read(struct bufferevent *bev, void *arg)
{
	struct rec *r = arg;

	rec_read(bev, arg);
	if (r->got >= 5)
		event_base_loopbreak(r->base);
}

static void test_echo(void **state)
{
	struct event_base *base = event_base_new();
	struct bufferevent *a, *b;
	struct rec r = {0};
	int sv[2];

	(void)state;
	pair(sv);
	r.base = base;
	a = bufferevent_socket_new(base, sv[0], BEV_OPT_CLOSE_ON_FREE);
	b = bufferevent_socket_new(base, sv[1], BEV_OPT_CLOSE_ON_FREE);
	assert_non_null(a);
	assert_non_null(b);
	assert_int_equal(bufferevent_get_enabled(a), EV_WRITE);
	bufferevent_setcb(a, exit_on_read, rec_write, rec_event, &r);
	bufferevent_setcb(b, echo_read, NULL, NULL, NULL);
	assert_int_equal(bufferevent_enable(a, EV_READ), 0);
	assert_int_equal(bufferevent_enable(b, EV_READ | EV_WRITE), 0);
	assert_int_equal(bufferevent_write(a, "hello", 5), 0);
	assert_int_equal(bufferevent_getfd(a), sv[0]);
	assert_ptr_equal(bufferevent_get_base(a), base);
	event_base_loopexit(base, &guard);
	event_base_dispatch(base);
	assert_int_equal(r.got, 5);
	assert_memory_equal(r.data, "hello", 5);
	assert_int_equal(r.writes, 1); /* the output drained once */
	assert_int_equal(r.events, 0);
	bufferevent_free(a);
	bufferevent_free(b);
	/* CLOSE_ON_FREE closed both sockets. */
	assert_int_equal(fcntl(sv[0], F_GETFD), -1);
	assert_int_equal(fcntl(sv[1], F_GETFD), -1);
	event_base_free(base);
}

static void test_eof(void **state)
{
	struct event_base *base = event_base_new();
	struct bufferevent *a;
	struct rec r = {0};
	int sv[2];

	(void)state;
	pair(sv);
	r.base = base;
	a = bufferevent_socket_new(base, sv[0], 0);
	bufferevent_setcb(a, rec_read, NULL, rec_event, &r);
	bufferevent_enable(a, EV_READ);
	assert_int_equal(write(sv[1], "abc", 3), 3);
	close(sv[1]);
	event_base_loopexit(base, &guard);
	event_base_dispatch(base);
	assert_int_equal(r.got, 3);
	assert_int_equal(r.events, 1);
	assert_int_equal(r.what, BEV_EVENT_READING | BEV_EVENT_EOF);
	assert_int_equal(r.what, EVBUFFER_READ | EVBUFFER_EOF);
	assert_false(bufferevent_get_enabled(a) & EV_READ);
	bufferevent_free(a);
	close(sv[0]);
	event_base_free(base);
}

static void test_read_timeout(void **state)
{
	struct event_base *base = event_base_new();
	struct bufferevent *a;
	struct rec r = {0};
	struct timeval tv = {0, 50000};
	int sv[2];

	(void)state;
	pair(sv);
	r.base = base;
	a = bufferevent_socket_new(base, sv[0], BEV_OPT_CLOSE_ON_FREE);
	bufferevent_setcb(a, rec_read, NULL, rec_event, &r);
	assert_int_equal(bufferevent_set_timeouts(a, &tv, NULL), 0);
	bufferevent_enable(a, EV_READ);
	event_base_loopexit(base, &guard);
	event_base_dispatch(base);
	assert_int_equal(r.events, 1);
	assert_int_equal(r.what, BEV_EVENT_READING | BEV_EVENT_TIMEOUT);
	assert_false(bufferevent_get_enabled(a) & EV_READ);
	/* Data that arrives before the timeout postpones it. */
	r.events = 0;
	bufferevent_enable(a, EV_READ);
	assert_int_equal(write(sv[1], "x", 1), 1);
	event_base_loopexit(base, &guard);
	event_base_dispatch(base);
	assert_int_equal(r.got, 1);
	assert_int_equal(r.events, 1);
	assert_int_equal(r.what, BEV_EVENT_READING | BEV_EVENT_TIMEOUT);
	bufferevent_free(a);
	close(sv[1]);
	event_base_free(base);
}

static void test_write_timeout_and_1_3_settimeout(void **state)
{
	struct event_base *base = event_base_new();
	struct bufferevent *a;
	struct rec r = {0};
	struct timeval tv = {0, 50000};
	char junk[65536];
	int sv[2];

	(void)state;
	pair(sv);
	r.base = base;
	memset(junk, 'j', sizeof(junk));
	a = bufferevent_socket_new(base, sv[0], BEV_OPT_CLOSE_ON_FREE);
	bufferevent_setcb(a, NULL, rec_write, rec_event, &r);
	/* Fill the socket: the peer never reads. */
	while (write(sv[0], junk, sizeof(junk)) > 0)
		;
	bufferevent_settimeout(a, 0, 1);
	assert_int_equal(bufferevent_set_timeouts(a, NULL, &tv), 0);
	assert_int_equal(bufferevent_write(a, junk, sizeof(junk)), 0);
	event_base_loopexit(base, &guard);
	event_base_dispatch(base);
	assert_int_equal(r.events, 1);
	assert_int_equal(r.what, EVBUFFER_WRITE | EVBUFFER_TIMEOUT);
	assert_int_equal(r.writes, 0);
	assert_false(bufferevent_get_enabled(a) & EV_WRITE);
	bufferevent_free(a);
	close(sv[1]);
	event_base_free(base);
}

/* Reads a bit, then closes: the writer must see an error, not SIGPIPE. */
static void test_peer_closes_mid_write(void **state)
{
	struct event_base *base = event_base_new();
	struct bufferevent *a;
	struct rec r = {0};
	char *big = calloc(1, 4 << 20), tmp[4096];
	int sv[2];

	(void)state;
	pair(sv);
	r.base = base;
	a = bufferevent_socket_new(base, sv[0], BEV_OPT_CLOSE_ON_FREE);
	bufferevent_setcb(a, NULL, rec_write, rec_event, &r);
	assert_int_equal(bufferevent_write(a, big, 4 << 20), 0);
	/* Let some of it go out, then the peer reads a little and leaves. */
	event_base_loop(base, EVLOOP_NONBLOCK);
	assert_true(read(sv[1], tmp, sizeof(tmp)) > 0);
	close(sv[1]);
	event_base_loopexit(base, &guard);
	event_base_dispatch(base);
	assert_int_equal(r.events, 1);
	assert_int_equal(r.what, BEV_EVENT_WRITING | BEV_EVENT_ERROR);
	assert_true(r.err == EPIPE || r.err == ECONNRESET);
	assert_true(evbuffer_get_length(bufferevent_get_output(a)) > 0);
	bufferevent_free(a);
	free(big);
	event_base_free(base);
}

/* Backpressure: the reader drains slowly from a timer; the input never
 * exceeds the high watermark and every byte arrives in order. */
struct slow {
	struct event_base *base;
	struct bufferevent *rd;
	struct event tick;
	size_t high, max_seen, got, total;
	unsigned char next;
	int reads;
	int bad;
};

static void slow_read(struct bufferevent *bev, void *arg)
{
	struct slow *s = arg;
	size_t n = evbuffer_get_length(bufferevent_get_input(bev));

	s->reads++;
	if (n > s->max_seen)
		s->max_seen = n;
	/* Consume nothing here: the timer does, slowly. */
}

static void slow_tick(evutil_socket_t fd, short what, void *arg)
{
	struct slow *s = arg;
	unsigned char buf[8192];
	struct evbuffer *in = bufferevent_get_input(s->rd);
	size_t n = evbuffer_get_length(in), i;
	struct timeval tv = {0, 1000};

	(void)fd;
	(void)what;
	if (n > s->max_seen)
		s->max_seen = n;
	n = (size_t)evbuffer_remove(in, buf, sizeof(buf));
	for (i = 0; i < n; i++)
		if (buf[i] != (unsigned char)(s->next++))
			s->bad++;
	s->got += n;
	if (s->got >= s->total)
		event_base_loopbreak(s->base);
	else
		evtimer_add(&s->tick, &tv);
}

static void test_read_watermark_backpressure(void **state)
{
	struct event_base *base = event_base_new();
	struct bufferevent *w, *rd;
	struct slow s;
	size_t total = 1 << 20, i;
	unsigned char *data = malloc(total);
	struct timeval tv = {0, 1000};
	int sv[2];
	size_t lo, hi;

	(void)state;
	memset(&s, 0, sizeof(s));
	for (i = 0; i < total; i++)
		data[i] = (unsigned char)i;
	pair(sv);
	s.base = base;
	s.high = 32768;
	s.total = total;
	w = bufferevent_socket_new(base, sv[0], BEV_OPT_CLOSE_ON_FREE);
	rd = bufferevent_socket_new(base, sv[1], BEV_OPT_CLOSE_ON_FREE);
	s.rd = rd;
	bufferevent_setcb(rd, slow_read, NULL, NULL, &s);
	bufferevent_setwatermark(rd, EV_READ, 100, s.high);
	assert_int_equal(bufferevent_getwatermark(rd, EV_READ, &lo, &hi), 0);
	assert_int_equal(lo, 100);
	assert_int_equal(hi, s.high);
	assert_int_equal(
	    bufferevent_getwatermark(rd, EV_READ | EV_WRITE, &lo, &hi), -1);
	bufferevent_enable(rd, EV_READ);
	assert_int_equal(bufferevent_write(w, data, total), 0);
	evtimer_assign(&s.tick, base, slow_tick, &s);
	evtimer_add(&s.tick, &tv);
	event_base_loopexit(base, &guard);
	event_base_dispatch(base);
	assert_int_equal(s.got, total);
	assert_int_equal(s.bad, 0);
	assert_true(s.max_seen <= s.high);
	assert_true(s.max_seen >= 100);
	assert_true(s.reads > 0);
	bufferevent_free(w);
	bufferevent_free(rd);
	free(data);
	event_base_free(base);
}

static void test_read_low_watermark(void **state)
{
	struct event_base *base = event_base_new();
	struct bufferevent *a;
	struct rec r = {0};
	int sv[2];

	(void)state;
	pair(sv);
	r.base = base;
	a = bufferevent_socket_new(base, sv[0], BEV_OPT_CLOSE_ON_FREE);
	bufferevent_setcb(a, exit_on_read, NULL, NULL, &r);
	bufferevent_setwatermark(a, EV_READ, 5, 0);
	bufferevent_enable(a, EV_READ);
	assert_int_equal(write(sv[1], "ab", 2), 2);
	event_base_loop(base, EVLOOP_NONBLOCK);
	event_base_loop(base, EVLOOP_NONBLOCK);
	assert_int_equal(r.reads, 0); /* below the low mark */
	assert_int_equal(evbuffer_get_length(bufferevent_get_input(a)), 2);
	assert_int_equal(write(sv[1], "cde", 3), 3);
	event_base_loopexit(base, &guard);
	event_base_dispatch(base);
	assert_int_equal(r.reads, 1);
	assert_memory_equal(r.data, "abcde", 5);
	bufferevent_free(a);
	close(sv[1]);
	event_base_free(base);
}

struct wlow {
	struct event_base *base;
	size_t at_cb;
	int calls;
};

static void wlow_write(struct bufferevent *bev, void *arg)
{
	struct wlow *w = arg;

	w->calls++;
	w->at_cb = evbuffer_get_length(bufferevent_get_output(bev));
	event_base_loopbreak(w->base);
}

static void test_write_low_watermark(void **state)
{
	struct event_base *base = event_base_new();
	struct bufferevent *a;
	struct wlow w = {base, 0, 0};
	char *big = calloc(1, 1 << 20), sink[65536];
	int sv[2];

	(void)state;
	pair(sv);
	a = bufferevent_socket_new(base, sv[0], BEV_OPT_CLOSE_ON_FREE);
	bufferevent_setcb(a, NULL, wlow_write, NULL, &w);
	bufferevent_setwatermark(a, EV_WRITE, 256 * 1024, 0);
	assert_int_equal(bufferevent_write(a, big, 1 << 20), 0);
	/* The peer reads until the writer reports "below the low mark". */
	while (w.calls == 0) {
		event_base_loop(base, EVLOOP_NONBLOCK);
		if (read(sv[1], sink, sizeof(sink)) < 0)
			assert_int_equal(errno, EAGAIN);
	}
	assert_int_equal(w.calls, 1);
	assert_true(w.at_cb <= 256 * 1024);
	bufferevent_free(a);
	close(sv[1]);
	free(big);
	event_base_free(base);
}

static void free_in_read(struct bufferevent *bev, void *arg)
{
	struct rec *r = arg;

	r->reads++;
	bufferevent_free(bev);
	event_base_loopbreak(r->base);
}

static void test_free_inside_callback(void **state)
{
	struct event_base *base = event_base_new();
	struct bufferevent *a;
	struct rec r = {0};
	int sv[2];

	(void)state;
	pair(sv);
	r.base = base;
	a = bufferevent_socket_new(base, sv[0], BEV_OPT_CLOSE_ON_FREE);
	bufferevent_setcb(a, free_in_read, NULL, rec_event, &r);
	bufferevent_enable(a, EV_READ);
	assert_int_equal(write(sv[1], "abc", 3), 3);
	close(sv[1]); /* EOF right after: must not reach the freed one */
	event_base_loopexit(base, &guard);
	event_base_dispatch(base);
	assert_int_equal(r.reads, 1);
	assert_int_equal(r.events, 0);
	assert_int_equal(fcntl(sv[0], F_GETFD), -1);
	event_base_free(base);
}

static void test_deferred_callbacks(void **state)
{
	struct event_base *base = event_base_new();
	struct bufferevent *a, *b;
	struct rec r = {0};
	int sv[2];

	(void)state;
	pair(sv);
	r.base = base;
	a = bufferevent_socket_new(
	    base, sv[0], BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS);
	b = bufferevent_socket_new(
	    base, sv[1], BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS);
	bufferevent_setcb(a, exit_on_read, NULL, rec_event, &r);
	bufferevent_setcb(b, echo_read, NULL, NULL, NULL);
	bufferevent_enable(a, EV_READ);
	bufferevent_enable(b, EV_READ);
	assert_int_equal(bufferevent_write(a, "hello", 5), 0);
	event_base_loopexit(base, &guard);
	event_base_dispatch(base);
	assert_int_equal(r.got, 5);
	/* Triggered callbacks. */
	r.reads = 0;
	/* Triggered callbacks are deferred too on a deferring bufferevent. */
	bufferevent_trigger(a, EV_READ, BEV_TRIG_IGNORE_WATERMARKS);
	bufferevent_trigger_event(a, BEV_EVENT_EOF, 0);
	assert_int_equal(r.reads, 0);
	event_base_loop(base, EVLOOP_NONBLOCK);
	assert_int_equal(r.reads, 1);
	assert_int_equal(r.events, 1);
	assert_int_equal(r.what, BEV_EVENT_EOF);
	bufferevent_free(a);
	bufferevent_free(b);
	event_base_free(base);
}

static int listen_tcp(struct sockaddr_in *sin)
{
	socklen_t len = sizeof(*sin);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)sin, sizeof(*sin)), 0);
	assert_int_equal(listen(fd, 8), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)sin, &len), 0);
	return fd;
}

static void test_connect(void **state)
{
	struct event_base *base = event_base_new();
	struct bufferevent *a;
	struct sockaddr_in sin;
	struct rec r = {0};
	char buf[8];
	int lfd, cfd;

	(void)state;
	r.base = base;
	lfd = listen_tcp(&sin);
	a = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
	bufferevent_setcb(a, NULL, NULL, rec_event, &r);
	assert_int_equal(bufferevent_write(a, "queued", 6), 0);
	assert_int_equal(
	    bufferevent_socket_connect(a, (struct sockaddr *)&sin, sizeof(sin)),
	    0);
	assert_true(bufferevent_getfd(a) >= 0);
	event_base_loopexit(base, &guard);
	event_base_dispatch(base);
	assert_int_equal(r.events, 1);
	assert_int_equal(r.what, BEV_EVENT_CONNECTED);
	/* Output queued before the connect goes out after it. */
	cfd = accept(lfd, NULL, NULL);
	assert_true(cfd >= 0);
	event_base_loop(base, EVLOOP_NONBLOCK);
	assert_int_equal(recv(cfd, buf, 6, MSG_WAITALL), 6);
	assert_memory_equal(buf, "queued", 6);
	bufferevent_free(a);
	close(cfd);
	close(lfd);
	event_base_free(base);
}

static void test_connect_refused(void **state)
{
	struct event_base *base = event_base_new();
	struct bufferevent *a;
	struct sockaddr_in sin;
	struct rec r = {0};

	(void)state;
	r.base = base;
	close(listen_tcp(&sin)); /* a port nobody listens on now */
	a = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
	bufferevent_setcb(a, NULL, NULL, rec_event, &r);
	assert_int_equal(
	    bufferevent_socket_connect(a, (struct sockaddr *)&sin, sizeof(sin)),
	    0);
	event_base_loopexit(base, &guard);
	event_base_dispatch(base);
	assert_int_equal(r.events, 1);
	assert_int_equal(r.what, BEV_EVENT_ERROR);
	assert_int_equal(r.err, ECONNREFUSED);
	bufferevent_free(a);
	/* No address at all is an error at once. */
	a = bufferevent_socket_new(base, -1, 0);
	assert_int_equal(bufferevent_socket_connect(a, NULL, 0), -1);
	bufferevent_free(a);
	event_base_free(base);
}

/* The 1.3 API: current base, bufferevent_new, public input/output. */
static void old_read(struct bufferevent *bev, void *arg)
{
	struct rec *r = arg;

	r->reads++;
	r->got = EVBUFFER_LENGTH(bev->input);
	memcpy(r->data, EVBUFFER_DATA(bev->input), r->got);
	evbuffer_drain(bev->input, r->got);
	event_loopexit(NULL);
}

static void test_api_1_3(void **state)
{
	struct event_base *base = event_init(), *other = event_base_new();
	struct bufferevent *a;
	struct rec r = {0};
	int sv[2];

	(void)state;
	pair(sv);
	r.base = base;
	a = bufferevent_new(sv[0], old_read, rec_write, rec_event, &r);
	assert_non_null(a);
	assert_ptr_equal(EVBUFFER_INPUT(a), a->input);
	assert_ptr_equal(EVBUFFER_OUTPUT(a), a->output);
	assert_int_equal(bufferevent_base_set(other, a), 0);
	assert_int_equal(bufferevent_base_set(base, a), 0);
	assert_int_equal(bufferevent_priority_set(a, 0), 0);
	assert_int_equal(bufferevent_get_priority(a), 0);
	bufferevent_settimeout(a, 5, 5);
	assert_int_equal(bufferevent_enable(a, EV_READ), 0);
	assert_int_equal(write(sv[1], "old!", 4), 4);
	event_loopexit(&guard);
	event_dispatch();
	assert_int_equal(r.reads, 1);
	assert_int_equal(r.got, 4);
	assert_memory_equal(r.data, "old!", 4);
	bufferevent_free(a);
	close(sv[0]);
	close(sv[1]);
	event_base_free(other);
	event_base_free(base);
}

/* 1 GiB-class echo: A writes a pattern, B echoes with backpressure, A
 * reads it back slowly and checks it.  Peak memory must stay bounded by
 * the watermarks, not by the amount moved.  LIBEV_ECHO_BYTES sets the
 * size (default 64 MiB per backend; CI and the 1 GiB run set it). */
struct echo {
	struct event_base *base;
	struct bufferevent *a, *b;
	size_t total, sent, got;
	ev_uint64_t pos;
	int bad;
	size_t max_buffered;
};

#define ECHO_CHUNK 65536
#define ECHO_HIGH  (256 * 1024)

static void echo_fill(struct bufferevent *bev, void *arg)
{
	struct echo *e = arg;
	static unsigned char chunk[ECHO_CHUNK];
	static int init;
	size_t n;

	if (!init) {
		for (n = 0; n < ECHO_CHUNK; n++)
			chunk[n] = (unsigned char)(n * 31 + 7);
		init = 1;
	}
	while (e->sent < e->total &&
	       evbuffer_get_length(bufferevent_get_output(bev)) < ECHO_CHUNK) {
		n = e->total - e->sent < ECHO_CHUNK ? e->total - e->sent
		                                    : ECHO_CHUNK;
		/* Zero-copy: the static pattern is referenced, not copied. */
		assert_int_equal(
		    evbuffer_add_reference(bufferevent_get_output(bev), chunk,
		                           n, NULL, NULL),
		    0);
		e->sent += n;
	}
}

static void echo_b_read(struct bufferevent *bev, void *arg)
{
	struct echo *e = arg;
	struct evbuffer *out = bufferevent_get_output(bev);

	evbuffer_add_buffer(out, bufferevent_get_input(bev));
	if (evbuffer_get_length(out) >= ECHO_HIGH)
		bufferevent_disable(bev, EV_READ); /* the peer is slow */
	if (evbuffer_get_length(out) > e->max_buffered)
		e->max_buffered = evbuffer_get_length(out);
}

static void echo_b_write(struct bufferevent *bev, void *arg)
{
	(void)arg;
	bufferevent_enable(bev, EV_READ); /* drained below the low mark */
}

static void echo_a_read(struct bufferevent *bev, void *arg)
{
	struct echo *e = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	struct evbuffer_iovec v;
	size_t k;

	/* A slow consumer: it checks every byte, one chunk at a time. */
	if (evbuffer_get_length(in) > e->max_buffered)
		e->max_buffered = evbuffer_get_length(in);
	while (evbuffer_peek(in, -1, NULL, &v, 1) > 0) {
		const unsigned char *p = v.iov_base;

		for (k = 0; k < v.iov_len; k++, e->pos++)
			if (p[k] !=
			    (unsigned char)((e->pos % ECHO_CHUNK) * 31 + 7))
				e->bad++;
		evbuffer_drain(in, v.iov_len);
		e->got += v.iov_len;
	}
	if (e->got >= e->total)
		event_base_loopbreak(e->base);
}

static long vm_hwm_kb(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long kb = -1;

	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "VmHWM: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

static void test_echo_bounded_memory(void **state)
{
	struct event_base *base = event_base_new();
	struct echo e;
	const char *env = getenv("LIBEV_ECHO_BYTES");
	struct timeval long_guard = {600, 0};
	long before, after;
	int sv[2];

	(void)state;
	memset(&e, 0, sizeof(e));
	e.base = base;
	e.total = env != NULL ? (size_t)strtoull(env, NULL, 10) : 64u << 20;
	pair(sv);
	e.a = bufferevent_socket_new(base, sv[0], BEV_OPT_CLOSE_ON_FREE);
	e.b = bufferevent_socket_new(base, sv[1], BEV_OPT_CLOSE_ON_FREE);
	bufferevent_setcb(e.a, echo_a_read, echo_fill, NULL, &e);
	bufferevent_setcb(e.b, echo_b_read, echo_b_write, NULL, &e);
	bufferevent_setwatermark(e.a, EV_READ, 0, ECHO_HIGH);
	bufferevent_setwatermark(e.b, EV_READ, 0, ECHO_HIGH);
	bufferevent_setwatermark(e.b, EV_WRITE, ECHO_HIGH / 4, 0);
	bufferevent_setwatermark(e.a, EV_WRITE, ECHO_CHUNK / 2, 0);
	bufferevent_enable(e.a, EV_READ);
	bufferevent_enable(e.b, EV_READ);
	before = vm_hwm_kb();
	echo_fill(e.a, &e);
	event_base_loopexit(base, &long_guard);
	event_base_dispatch(base);
	after = vm_hwm_kb();
	print_message("echo: %zu bytes, peak RSS %ld kB -> %ld kB, largest "
	              "buffer %zu bytes\n",
	              e.got, before, after, e.max_buffered);
	assert_int_equal(e.got, e.total);
	assert_int_equal(e.bad, 0);
	/* Buffers hold at most a few watermarks' worth. */
	assert_true(e.max_buffered <= 2 * ECHO_HIGH + ECHO_CHUNK);
#ifndef __SANITIZE_ADDRESS__
	/* (ASan's quarantine keeps freed memory resident: no RSS check.) */
	assert_true(after - before < 16 * 1024);
#else
	(void)before;
	(void)after;
#endif
	bufferevent_free(e.a);
	bufferevent_free(e.b);
	event_base_free(base);
}

/* The small calls: setfd/getfd, getcb, read_buffer, refcounts, no-ops. */
static void test_misc_calls(void **state)
{
	struct event_base *base = event_base_new();
	struct bufferevent *a;
	struct evbuffer *sinkbuf = evbuffer_new();
	bufferevent_data_cb rcb, wcb;
	bufferevent_event_cb ecb;
	void *arg;
	struct rec r = {0};
	int sv[2];

	(void)state;
	pair(sv);
	r.base = base;
	a = bufferevent_socket_new(base, -1, 0);
	assert_int_equal(bufferevent_getfd(a), -1);
	/* Enabling without a socket is remembered, not an error. */
	assert_int_equal(bufferevent_enable(a, EV_READ), 0);
	assert_int_equal(bufferevent_setfd(a, sv[0]), 0);
	assert_int_equal(bufferevent_getfd(a), sv[0]);
	bufferevent_setcb(a, exit_on_read, rec_write, rec_event, &r);
	bufferevent_getcb(a, &rcb, &wcb, &ecb, &arg);
	assert_ptr_equal(rcb, exit_on_read);
	assert_ptr_equal(wcb, rec_write);
	assert_ptr_equal(ecb, rec_event);
	assert_ptr_equal(arg, &r);
	bufferevent_getcb(a, NULL, NULL, NULL, NULL);
	assert_null(bufferevent_get_underlying(a));
	assert_int_equal(bufferevent_flush(a, EV_WRITE, BEV_FLUSH), 0);
	bufferevent_lock(a);
	bufferevent_unlock(a);
	assert_int_equal(write(sv[1], "12345", 5), 5);
	event_base_loopexit(base, &guard);
	event_base_dispatch(base);
	assert_int_equal(r.got, 5);
	/* read_buffer moves the whole input. */
	bufferevent_setcb(a, NULL, NULL, NULL, NULL);
	assert_int_equal(write(sv[1], "678", 3), 3);
	event_base_loop(base, EVLOOP_NONBLOCK);
	assert_int_equal(bufferevent_read_buffer(a, sinkbuf), 0);
	assert_int_equal(evbuffer_get_length(sinkbuf), 3);
	assert_int_equal(bufferevent_read(a, r.data, 1), 0);
	/* A reference keeps the object through bufferevent_free(). */
	bufferevent_incref(a);
	bufferevent_free(a);
	assert_int_equal(bufferevent_get_input(a) != NULL, 1);
	assert_int_equal(bufferevent_decref(a), 1);
	/* NULL is tolerated everywhere. */
	bufferevent_free(NULL);
	assert_int_equal(bufferevent_write(NULL, "x", 1), -1);
	assert_int_equal(bufferevent_enable(NULL, EV_READ), -1);
	assert_null(bufferevent_get_input(NULL));
	evbuffer_free(sinkbuf);
	close(sv[0]);
	close(sv[1]);
	event_base_free(base);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_echo),
	    cmocka_unit_test(test_eof),
	    cmocka_unit_test(test_read_timeout),
	    cmocka_unit_test(test_write_timeout_and_1_3_settimeout),
	    cmocka_unit_test(test_peer_closes_mid_write),
	    cmocka_unit_test(test_read_watermark_backpressure),
	    cmocka_unit_test(test_read_low_watermark),
	    cmocka_unit_test(test_write_low_watermark),
	    cmocka_unit_test(test_free_inside_callback),
	    cmocka_unit_test(test_deferred_callbacks),
	    cmocka_unit_test(test_connect),
	    cmocka_unit_test(test_connect_refused),
	    cmocka_unit_test(test_api_1_3),
	    cmocka_unit_test(test_misc_calls),
	    cmocka_unit_test(test_echo_bounded_memory),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
