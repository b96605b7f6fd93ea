/* Threads: a BEV_OPT_THREADSAFE bufferevent on a base with a lock, used
 * from several threads while its loop runs in another.
 *
 *  - records: 4 threads write numbered records (each one call, or several
 *    calls under bufferevent_lock()) through four different entry points;
 *    the peer receives every record exactly once, in each writer's order,
 *    and intact.
 *  - wake-up: a write from another thread to a loop asleep in its backend
 *    is delivered within a bound far below the loop's 10 s safety timer.
 *  - free: bufferevent_free() from another thread while the loop runs the
 *    bufferevent's handlers; after it returns, no callback runs or is
 *    running, and the peer sees the socket closed.
 *  - read: another thread drains the peer with bufferevent_read() under
 *    a read high watermark, so each drain restarts reading on the loop.
 *  - bufferevent_lock() excludes the other entry points; evbuffers with
 *    evbuffer_enable_locking() exclude each other the same way.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event.h>
#include <event2/thread.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>

#include "thread-util.h"

#define BOUND_MS    2000
#define NWRITERS    4
#define NRECORDS    1500
#define REC_MAGIC   0x7265636fu
#define MAX_PAYLOAD 300

/* A record: header, then `len` payload bytes that depend on (who, seq). */
struct rec_hdr {
	uint32_t magic;
	uint32_t who;
	uint32_t seq;
	uint32_t len;
};

static size_t rec_len(unsigned who, unsigned seq)
{
	return 1 + (who * 131u + seq * 17u) % MAX_PAYLOAD;
}

static unsigned char rec_byte(unsigned who, unsigned seq, size_t i)
{
	return (unsigned char)(who * 7u + seq * 13u + i * 3u);
}

static size_t rec_make(unsigned char *out, unsigned who, unsigned seq)
{
	struct rec_hdr h = {REC_MAGIC, who, seq, (uint32_t)rec_len(who, seq)};
	size_t i;

	memcpy(out, &h, sizeof(h));
	for (i = 0; i < h.len; i++)
		out[sizeof(h) + i] = rec_byte(who, seq, i);
	return sizeof(h) + h.len;
}

struct fx {
	struct tu_safety safety;
	struct event_base *base;
	int sv[2];
	struct bufferevent *w; /* threadsafe, written from other threads */
	struct bufferevent *r; /* the peer, used by the loop only */
	struct event started_ev;
	atomic_int started;
	/* Reader state (loop thread only, read by the test after join). */
	unsigned next_seq[NWRITERS];
	long received;
	long expected;
	int bad; /* first corruption seen, as a code */
	atomic_llong last_at;
	atomic_long delivered;
	atomic_int eof;
};

static void started_cb(evutil_socket_t fd, short what, void *arg)
{
	struct fx *f = arg;

	(void)fd;
	(void)what;
	atomic_store(&f->started, 1);
}

/* Parses every complete record in the input and checks it. */
static void reader_cb(struct bufferevent *bev, void *arg)
{
	struct fx *f = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	struct rec_hdr h;
	unsigned char *p;
	size_t i;

	while (f->bad == 0 && evbuffer_get_length(in) >= sizeof(h)) {
		evbuffer_copyout(in, &h, sizeof(h));
		if (h.magic != REC_MAGIC || h.who >= NWRITERS ||
		    h.len > MAX_PAYLOAD) {
			f->bad = 1;
			break;
		}
		if (evbuffer_get_length(in) < sizeof(h) + h.len)
			break;
		p = evbuffer_pullup(in, (ev_ssize_t)(sizeof(h) + h.len));
		if (h.seq != f->next_seq[h.who] ||
		    h.len != rec_len(h.who, h.seq)) {
			f->bad = 2;
			break;
		}
		for (i = 0; i < h.len; i++)
			if (p[sizeof(h) + i] != rec_byte(h.who, h.seq, i)) {
				f->bad = 3;
				break;
			}
		f->next_seq[h.who]++;
		f->received++;
		atomic_fetch_add(&f->delivered, 1);
		atomic_store(&f->last_at, tu_now_ms());
		evbuffer_drain(in, sizeof(h) + h.len);
	}
	if (f->bad != 0 || (f->expected > 0 && f->received >= f->expected))
		event_base_loopbreak(f->base);
}

static void reader_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct fx *f = arg;

	(void)bev;
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) {
		atomic_store(&f->eof, 1);
		event_base_loopbreak(f->base);
	}
}

static int fx_setup(void **state)
{
	static struct fx f;
	struct timeval zero = {0, 0};

	memset(&f, 0, sizeof(f));
	evthread_use_pthreads();
	f.base = event_base_new();
	assert_non_null(f.base);
	/* AF_UNIX on purpose: Linux signals its write space only after a
	 * failed write, which the rtsig backend must cope with. */
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, f.sv), 0);
	assert_int_equal(evutil_make_socket_nonblocking(f.sv[0]), 0);
	assert_int_equal(evutil_make_socket_nonblocking(f.sv[1]), 0);
	f.w = bufferevent_socket_new(
	    f.base, f.sv[0], BEV_OPT_THREADSAFE | BEV_OPT_CLOSE_ON_FREE);
	f.r = bufferevent_socket_new(f.base, f.sv[1], BEV_OPT_CLOSE_ON_FREE);
	assert_non_null(f.w);
	assert_non_null(f.r);
	bufferevent_setcb(f.r, reader_cb, NULL, reader_event_cb, &f);
	assert_int_equal(bufferevent_enable(f.r, EV_READ), 0);
	assert_int_equal(bufferevent_enable(f.w, EV_WRITE), 0);
	assert_int_equal(tu_safety_start(&f.safety, f.base, 10), 0);
	evtimer_assign(&f.started_ev, f.base, started_cb, &f);
	assert_int_equal(event_add(&f.started_ev, &zero), 0);
	*state = &f;
	return 0;
}

static int fx_teardown(void **state)
{
	struct fx *f = *state;

	event_del(&f->safety.ev);
	event_del(&f->started_ev);
	if (f->w != NULL)
		bufferevent_free(f->w);
	bufferevent_free(f->r);
	event_base_free(f->base);
	return 0;
}

/* ---- records from several threads ------------------------------------- */

struct writer {
	pthread_t thr;
	struct fx *f;
	unsigned who;
	int failures;
};

static void *writer_main(void *arg)
{
	struct writer *wr = arg;
	struct bufferevent *bev = wr->f->w;
	unsigned char rec[sizeof(struct rec_hdr) + MAX_PAYLOAD];
	struct evbuffer *tmp = evbuffer_new();
	unsigned seq;
	size_t n;

	for (seq = 0; seq < NRECORDS; seq++) {
		n = rec_make(rec, wr->who, seq);
		switch (wr->who) {
		case 0: /* one call */
			if (bufferevent_write(bev, rec, n) < 0)
				wr->failures++;
			break;
		case 1: /* a whole buffer moved in */
			if (tmp == NULL || evbuffer_add(tmp, rec, n) < 0 ||
			    bufferevent_write_buffer(bev, tmp) < 0)
				wr->failures++;
			break;
		case 2: /* straight into the output buffer */
			if (evbuffer_add(bufferevent_get_output(bev), rec, n) <
			    0)
				wr->failures++;
			break;
		default: /* three calls made atomic by the lock, with the
		          * write side toggled now and then */
			bufferevent_lock(bev);
			if (seq % 100 == 50)
				bufferevent_disable(bev, EV_WRITE);
			if (bufferevent_write(bev, rec, 5) < 0 ||
			    evbuffer_add_printf(bufferevent_get_output(bev),
			                        "%.*s", 0, "") < 0 ||
			    bufferevent_write(bev, rec + 5, n - 5) < 0)
				wr->failures++;
			if (seq % 100 == 50)
				bufferevent_enable(bev, EV_WRITE);
			bufferevent_unlock(bev);
			break;
		}
	}
	evbuffer_free(tmp);
	return NULL;
}

static void test_records(void **state)
{
	struct fx *f = *state;
	struct writer wr[NWRITERS];
	struct tu_loop l;
	unsigned i;

	f->expected = (long)NWRITERS * NRECORDS;
	assert_int_equal(tu_loop_start(&l, f->base, 0), 0);
	assert_true(tu_wait_flag(&f->started, 5000));
	for (i = 0; i < NWRITERS; i++) {
		wr[i].f = f;
		wr[i].who = i;
		wr[i].failures = 0;
		assert_int_equal(
		    pthread_create(&wr[i].thr, NULL, writer_main, &wr[i]), 0);
	}
	for (i = 0; i < NWRITERS; i++) {
		pthread_join(wr[i].thr, NULL);
		assert_int_equal(wr[i].failures, 0);
	}
	assert_int_equal(tu_loop_join(&l), 0);
	if (f->bad != 0 || f->received != f->expected) {
		int unread = -1;
		ioctl(f->sv[1], FIONREAD, &unread);
		fail_msg("received %ld of %ld records, error %d, unread %d, "
		         "out %zu in %zu",
		         f->received, f->expected, f->bad, unread,
		         evbuffer_get_length(bufferevent_get_output(f->w)),
		         evbuffer_get_length(bufferevent_get_input(f->r)));
	}
	assert_int_equal(tu_safety_fired(&f->safety), 0);
	for (i = 0; i < NWRITERS; i++)
		assert_int_equal(f->next_seq[i], NRECORDS);
	assert_int_equal(evbuffer_get_length(bufferevent_get_input(f->r)), 0);
}

/* ---- wake-up ------------------------------------------------------------ */

static void test_write_wakes(void **state)
{
	struct fx *f = *state;
	unsigned char rec[sizeof(struct rec_hdr) + MAX_PAYLOAD];
	struct tu_loop l;
	int64_t t0, took;
	unsigned seq;

	assert_int_equal(tu_loop_start(&l, f->base, 0), 0);
	assert_true(tu_wait_flag(&f->started, 5000));
	for (seq = 0; seq < 5; seq++) {
		/* Let the loop fall asleep in the backend: nothing else is
		 * due for 10 s. */
		tu_sleep_ms(50);
		t0 = tu_now_ms();
		assert_int_equal(
		    bufferevent_write(f->w, rec, rec_make(rec, 0, seq)), 0);
		while (atomic_load(&f->delivered) <= (long)seq &&
		       tu_now_ms() - t0 < 5000)
			tu_sleep_ms(1);
		assert_int_equal(atomic_load(&f->delivered), (long)seq + 1);
		took = atomic_load(&f->last_at) - t0;
		if (took >= BOUND_MS)
			fail_msg("delivered after %lld ms (bound %d)",
			         (long long)took, BOUND_MS);
	}
	event_base_loopbreak(f->base);
	assert_int_equal(tu_loop_join(&l), 0);
	assert_int_equal(f->bad, 0);
	assert_int_equal(tu_safety_fired(&f->safety), 0);
}

/* ---- free from another thread ------------------------------------------- */

struct busy {
	atomic_int calls;   /* write callback runs */
	atomic_int in_cb;   /* a callback is running now */
	atomic_int entered; /* the slow callback has started */
	int slow;
};

/* Keeps the loop busy in this bufferevent's handlers: each drain refills
 * the output. */
static void busy_write_cb(struct bufferevent *bev, void *arg)
{
	struct busy *b = arg;
	static const char chunk[4096];

	atomic_store(&b->in_cb, 1);
	atomic_fetch_add(&b->calls, 1);
	atomic_store(&b->entered, 1);
	if (b->slow)
		tu_sleep_ms(30);
	bufferevent_write(bev, chunk, sizeof(chunk));
	atomic_store(&b->in_cb, 0);
}

/* The reader drains and discards everything. */
static void discard_cb(struct bufferevent *bev, void *arg)
{
	(void)arg;
	evbuffer_drain(bufferevent_get_input(bev),
	               evbuffer_get_length(bufferevent_get_input(bev)));
}

static void free_while_running(struct fx *f, int slow)
{
	static const char chunk[4096];
	struct busy b;
	struct tu_loop l;
	int calls;

	memset(&b, 0, sizeof(b));
	b.slow = slow;
	bufferevent_setcb(f->r, discard_cb, NULL, reader_event_cb, f);
	bufferevent_setcb(f->w, NULL, busy_write_cb, NULL, &b);
	assert_int_equal(bufferevent_write(f->w, chunk, sizeof(chunk)), 0);
	assert_int_equal(tu_loop_start(&l, f->base, 0), 0);
	/* Wait until the write side is cycling in the loop. */
	assert_true(tu_wait_flag(&b.entered, 5000));
	if (!slow)
		tu_sleep_ms(5);
	bufferevent_free(f->w);
	f->w = NULL;
	/* The rule: once free returns, no callback is running and none
	 * starts again. */
	assert_int_equal(atomic_load(&b.in_cb), 0);
	calls = atomic_load(&b.calls);
	/* The peer then sees the close (BEV_OPT_CLOSE_ON_FREE). */
	assert_int_equal(tu_loop_join(&l), 0);
	assert_int_equal(tu_safety_fired(&f->safety), 0);
	assert_int_equal(atomic_load(&f->eof), 1);
	assert_int_equal(atomic_load(&b.calls), calls);
}

static void test_free_busy(void **state)
{
	free_while_running(*state, 0);
}

static void test_free_slow_callback(void **state)
{
	free_while_running(*state, 1);
}

/* ---- reading from another thread --------------------------------------- */

#define READ_TOTAL (256 * 1024)

struct rd {
	struct bufferevent *bev;
	size_t got;
	int bad;
};

/* Pulls with bufferevent_read() until everything came (bounded). */
static void *reader_main(void *arg)
{
	struct rd *r = arg;
	unsigned char buf[1000];
	int64_t end = tu_now_ms() + 10000;
	size_t n, i;

	while (r->got < READ_TOTAL && tu_now_ms() < end) {
		n = bufferevent_read(r->bev, buf, sizeof(buf));
		if (n == 0) {
			tu_sleep_ms(1);
			continue;
		}
		for (i = 0; i < n; i++)
			if (buf[i] != (unsigned char)((r->got + i) % 251))
				r->bad = 1;
		r->got += n;
	}
	return NULL;
}

/* The peer reads from a thread of its own, with a read high watermark:
 * the loop stops reading whenever 4 KiB wait, and each bufferevent_read()
 * from the other thread that drains below it must restart reading and
 * wake the loop. */
static void test_read_other_thread(void **state)
{
	struct fx *f = *state;
	static unsigned char data[READ_TOTAL];
	struct bufferevent *rb;
	struct tu_loop l;
	struct rd r;
	pthread_t t;
	size_t i;

	for (i = 0; i < sizeof(data); i++)
		data[i] = (unsigned char)(i % 251);
	/* A threadsafe peer on the same socket replaces the plain one. */
	bufferevent_disable(f->r, EV_READ);
	rb = bufferevent_socket_new(f->base, bufferevent_getfd(f->r),
	                            BEV_OPT_THREADSAFE);
	assert_non_null(rb);
	bufferevent_setwatermark(rb, EV_READ, 0, 4096);
	assert_int_equal(bufferevent_enable(rb, EV_READ), 0);
	memset(&r, 0, sizeof(r));
	r.bev = rb;
	assert_int_equal(tu_loop_start(&l, f->base, 0), 0);
	assert_true(tu_wait_flag(&f->started, 5000));
	assert_int_equal(pthread_create(&t, NULL, reader_main, &r), 0);
	assert_int_equal(bufferevent_write(f->w, data, sizeof(data)), 0);
	pthread_join(t, NULL);
	bufferevent_free(rb);
	event_base_loopbreak(f->base);
	assert_int_equal(tu_loop_join(&l), 0);
	assert_int_equal(r.bad, 0);
	assert_int_equal(r.got, READ_TOTAL);
	assert_int_equal(tu_safety_fired(&f->safety), 0);
}

/* ---- the locks exclude --------------------------------------------------- */

struct excl {
	struct bufferevent *bev;
	struct evbuffer *buf;
	atomic_int done;
};

static void *excl_bev_main(void *arg)
{
	struct excl *e = arg;

	bufferevent_write(e->bev, "x", 1);
	atomic_store(&e->done, 1);
	return NULL;
}

static void *excl_buf_main(void *arg)
{
	struct excl *e = arg;

	evbuffer_add(e->buf, "x", 1);
	atomic_store(&e->done, 1);
	return NULL;
}

static void test_lock_excludes(void **state)
{
	struct fx *f = *state;
	struct excl e;
	pthread_t t;

	memset(&e, 0, sizeof(e));
	e.bev = f->w;
	bufferevent_lock(f->w);
	assert_int_equal(pthread_create(&t, NULL, excl_bev_main, &e), 0);
	tu_sleep_ms(50);
	/* The writer waits for the lock we hold. */
	assert_int_equal(atomic_load(&e.done), 0);
	bufferevent_unlock(f->w);
	pthread_join(t, NULL);
	assert_int_equal(atomic_load(&e.done), 1);
	assert_int_equal(evbuffer_get_length(bufferevent_get_output(f->w)), 1);

	/* A plain evbuffer with its own lock. */
	e.buf = evbuffer_new();
	atomic_store(&e.done, 0);
	assert_non_null(e.buf);
	assert_int_equal(evbuffer_enable_locking(e.buf, NULL), 0);
	assert_int_equal(evbuffer_enable_locking(e.buf, NULL), -1);
	evbuffer_lock(e.buf);
	assert_int_equal(pthread_create(&t, NULL, excl_buf_main, &e), 0);
	tu_sleep_ms(50);
	assert_int_equal(atomic_load(&e.done), 0);
	evbuffer_unlock(e.buf);
	pthread_join(t, NULL);
	assert_int_equal(evbuffer_get_length(e.buf), 1);
	evbuffer_free(e.buf);
}

/* Without a lock on the base, BEV_OPT_THREADSAFE changes nothing and the
 * lock calls are no-ops: taking the "lock" twice from two threads in turn
 * does not block. */
static void test_nolock_base(void **state)
{
	struct event_config *cfg = event_config_new();
	struct event_base *base;
	struct bufferevent *bev;
	struct excl e;
	pthread_t t;
	int sv[2];

	(void)state;
	evthread_use_pthreads();
	assert_non_null(cfg);
	assert_int_equal(event_config_set_flag(cfg, EVENT_BASE_FLAG_NOLOCK), 0);
	base = event_base_new_with_config(cfg);
	event_config_free(cfg);
	assert_non_null(base);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	bev = bufferevent_socket_new(
	    base, sv[0], BEV_OPT_THREADSAFE | BEV_OPT_CLOSE_ON_FREE);
	assert_non_null(bev);
	memset(&e, 0, sizeof(e));
	e.bev = bev;
	bufferevent_lock(bev);
	/* The other thread only touches the bufferevent while this one does
	 * nothing with it (no lock means no concurrent use). */
	assert_int_equal(pthread_create(&t, NULL, excl_bev_main, &e), 0);
	pthread_join(t, NULL);
	assert_int_equal(atomic_load(&e.done), 1);
	bufferevent_unlock(bev);
	assert_int_equal(evbuffer_get_length(bufferevent_get_output(bev)), 1);
	bufferevent_free(bev);
	close(sv[1]);
	event_base_free(base);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_records, fx_setup,
	                                    fx_teardown),
	    cmocka_unit_test_setup_teardown(test_write_wakes, fx_setup,
	                                    fx_teardown),
	    cmocka_unit_test_setup_teardown(test_free_busy, fx_setup,
	                                    fx_teardown),
	    cmocka_unit_test_setup_teardown(test_free_slow_callback, fx_setup,
	                                    fx_teardown),
	    cmocka_unit_test_setup_teardown(test_read_other_thread, fx_setup,
	                                    fx_teardown),
	    cmocka_unit_test_setup_teardown(test_lock_excludes, fx_setup,
	                                    fx_teardown),
	    cmocka_unit_test(test_nolock_base),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
