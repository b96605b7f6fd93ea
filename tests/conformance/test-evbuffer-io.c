/* Conformance: evbuffer reads and writes on sockets, pipes and files. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event.h>
#include <event2/buffer.h>

static void pair(int sv[2])
{
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(evutil_make_socket_nonblocking(sv[0]), 0);
	assert_int_equal(evutil_make_socket_nonblocking(sv[1]), 0);
}

static unsigned char pattern(size_t i)
{
	return (unsigned char)(i * 13 + (i >> 9));
}

/* Moves everything from `out` through fd pair (w -> r) into `in`, driving
 * both sides from the loop. */
struct pump {
	struct event_base *base;
	struct evbuffer *out, *in;
	struct event wev, rev;
	size_t want;
	int eof;
};

static void pump_write(evutil_socket_t fd, short what, void *arg)
{
	struct pump *p = arg;

	(void)what;
	if (evbuffer_write(p->out, fd) < 0)
		assert_int_equal(errno, EAGAIN);
	if (evbuffer_get_length(p->out) == 0)
		event_del(&p->wev);
}

static void pump_read(evutil_socket_t fd, short what, void *arg)
{
	struct pump *p = arg;
	int n;

	(void)what;
	n = evbuffer_read(p->in, fd, -1);
	if (n < 0)
		assert_int_equal(errno, EAGAIN);
	if (n == 0)
		p->eof = 1;
	if (n == 0 || evbuffer_get_length(p->in) >= p->want)
		event_del(&p->rev);
}

static void run_pump(struct pump *p, int wfd, int rfd)
{
	struct timeval guard = {10, 0};

	event_assign(&p->wev, p->base, wfd, EV_WRITE | EV_PERSIST, pump_write,
	             p);
	event_assign(&p->rev, p->base, rfd, EV_READ | EV_PERSIST, pump_read, p);
	event_add(&p->wev, NULL);
	event_add(&p->rev, NULL);
	event_base_loopexit(p->base, &guard);
	event_base_dispatch(p->base);
	event_del(&p->wev);
	event_del(&p->rev);
}

static void check_pattern(struct evbuffer *b, size_t n)
{
	unsigned char *d = evbuffer_pullup(b, -1);
	size_t i;

	assert_int_equal(evbuffer_get_length(b), n);
	for (i = 0; i < n; i++)
		if (d[i] != pattern(i))
			fail_msg("byte %zu differs", i);
}

static void test_socket_round_trip(void **state)
{
	struct event_base *base = event_base_new();
	struct pump p = {0};
	static unsigned char ref[100000];
	unsigned char piece[3000];
	size_t total = 0, i, n;
	int sv[2];

	(void)state;
	pair(sv);
	p.base = base;
	p.out = evbuffer_new();
	p.in = evbuffer_new();
	/* Many chunks of mixed kinds: copies and references. */
	for (i = 0; i < sizeof(ref); i++)
		ref[i] = pattern(i + 200000);
	while (total < 200000) {
		n = 1 + total % 2999;
		if (n > 200000 - total)
			n = 200000 - total;
		for (i = 0; i < n; i++)
			piece[i] = pattern(total + i);
		assert_int_equal(evbuffer_add(p.out, piece, n), 0);
		total += n;
	}
	assert_int_equal(
	    evbuffer_add_reference(p.out, ref, sizeof(ref), NULL, NULL), 0);
	total += sizeof(ref);
	p.want = total;
	run_pump(&p, sv[0], sv[1]);
	check_pattern(p.in, total);
	assert_int_equal(evbuffer_get_length(p.out), 0);
	close(sv[0]);
	close(sv[1]);
	evbuffer_free(p.out);
	evbuffer_free(p.in);
	event_base_free(base);
}

static void test_limits_and_eof(void **state)
{
	struct evbuffer *b = evbuffer_new(), *in = evbuffer_new();
	int sv[2];

	(void)state;
	pair(sv);
	assert_int_equal(evbuffer_add(b, "0123456789", 10), 0);
	assert_int_equal(evbuffer_write_atmost(b, sv[0], 4), 4);
	assert_int_equal(evbuffer_get_length(b), 6);
	assert_int_equal(evbuffer_write_atmost(b, sv[0], 0), 0);
	assert_int_equal(evbuffer_read(in, sv[1], 3), 3);
	assert_int_equal(evbuffer_read(in, sv[1], 0), 0);
	assert_int_equal(evbuffer_read(in, sv[1], -1), 1);
	assert_memory_equal(evbuffer_pullup(in, -1), "0123", 4);
	/* Nothing to read yet. */
	assert_int_equal(evbuffer_read(in, sv[1], -1), -1);
	assert_int_equal(errno, EAGAIN);
	/* An empty buffer writes nothing. */
	evbuffer_drain(b, 100);
	assert_int_equal(evbuffer_write(b, sv[0]), 0);
	close(sv[0]);
	assert_int_equal(evbuffer_read(in, sv[1], -1), 0); /* EOF */
	assert_int_equal(evbuffer_get_length(in), 4);
	assert_int_equal(evbuffer_read(in, -1, 10), -1);
	close(sv[1]);
	evbuffer_free(b);
	evbuffer_free(in);
}

static void test_write_to_closed_peer(void **state)
{
	struct evbuffer *b = evbuffer_new();
	int sv[2];

	(void)state;
	pair(sv);
	close(sv[1]);
	assert_int_equal(evbuffer_add(b, "lost", 4), 0);
	/* No SIGPIPE: the test would die of it. */
	assert_int_equal(evbuffer_write(b, sv[0]), -1);
	assert_int_equal(errno, EPIPE);
	assert_int_equal(evbuffer_get_length(b), 4);
	close(sv[0]);
	evbuffer_free(b);
}

static void test_pipe(void **state)
{
	struct event_base *base = event_base_new();
	struct pump p = {0};
	unsigned char piece[5000];
	size_t i;
	int fds[2];

	(void)state;
	assert_int_equal(pipe(fds), 0);
	evutil_make_socket_nonblocking(fds[0]);
	evutil_make_socket_nonblocking(fds[1]);
	p.base = base;
	p.out = evbuffer_new();
	p.in = evbuffer_new();
	for (i = 0; i < sizeof(piece); i++)
		piece[i] = pattern(i);
	assert_int_equal(evbuffer_add(p.out, piece, sizeof(piece)), 0);
	p.want = sizeof(piece);
	run_pump(&p, fds[1], fds[0]);
	check_pattern(p.in, sizeof(piece));
	close(fds[0]);
	close(fds[1]);
	evbuffer_free(p.out);
	evbuffer_free(p.in);
	event_base_free(base);
}

static int temp_file(size_t n, size_t base)
{
	char path[] = "/tmp/libev-evbuffer-io-XXXXXX";
	unsigned char *d = malloc(n);
	size_t i;
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	unlink(path);
	for (i = 0; i < n; i++)
		d[i] = pattern(base + i);
	assert_int_equal(write(fd, d, n), (ssize_t)n);
	free(d);
	return fd;
}

/* Memory, then a file range (sent with sendfile), then memory again. */
static void test_sendfile(void **state)
{
	struct event_base *base = event_base_new();
	struct pump p = {0};
	unsigned char head[1000], tail[1000];
	size_t fsize = 300000, i;
	int sv[2], ffd;

	(void)state;
	pair(sv);
	p.base = base;
	p.out = evbuffer_new();
	p.in = evbuffer_new();
	evbuffer_set_flags(p.out, EVBUFFER_FLAG_DRAINS_TO_FD);
	for (i = 0; i < sizeof(head); i++)
		head[i] = pattern(i);
	for (i = 0; i < sizeof(tail); i++)
		tail[i] = pattern(sizeof(head) + fsize + i);
	/* The file holds the pattern from offset 1000 on, after 500 bytes
	 * that must be skipped. */
	ffd = temp_file(fsize + 500, sizeof(head) - 500);
	assert_int_equal(evbuffer_add(p.out, head, sizeof(head)), 0);
	assert_int_equal(evbuffer_add_file(p.out, ffd, 500, (ev_off_t)fsize),
	                 0);
	assert_int_equal(evbuffer_add(p.out, tail, sizeof(tail)), 0);
	assert_int_equal(evbuffer_get_length(p.out),
	                 sizeof(head) + fsize + sizeof(tail));
	p.want = sizeof(head) + fsize + sizeof(tail);
	run_pump(&p, sv[0], sv[1]);
	check_pattern(p.in, p.want);
	/* The buffer closed the file once it was sent. */
	assert_int_equal(fcntl(ffd, F_GETFD), -1);
	close(sv[0]);
	close(sv[1]);
	evbuffer_free(p.out);
	evbuffer_free(p.in);
	event_base_free(base);
}

/* sendfile() into a pipe, and a file chunk freed unsent closes the fd. */
static void test_sendfile_pipe_and_unsent(void **state)
{
	struct event_base *base = event_base_new();
	struct pump p = {0};
	struct evbuffer *b = evbuffer_new();
	int fds[2], ffd;

	(void)state;
	assert_int_equal(pipe(fds), 0);
	evutil_make_socket_nonblocking(fds[0]);
	evutil_make_socket_nonblocking(fds[1]);
	p.base = base;
	p.out = evbuffer_new();
	p.in = evbuffer_new();
	evbuffer_set_flags(p.out, EVBUFFER_FLAG_DRAINS_TO_FD);
	ffd = temp_file(20000, 0);
	assert_int_equal(evbuffer_add_file(p.out, ffd, 0, -1), 0);
	p.want = 20000;
	run_pump(&p, fds[1], fds[0]);
	check_pattern(p.in, 20000);
	evbuffer_set_flags(b, EVBUFFER_FLAG_DRAINS_TO_FD);
	ffd = temp_file(10, 0);
	assert_int_equal(evbuffer_add_file(b, ffd, 0, 10), 0);
	evbuffer_free(b);
	assert_int_equal(fcntl(ffd, F_GETFD), -1);
	close(fds[0]);
	close(fds[1]);
	evbuffer_free(p.out);
	evbuffer_free(p.in);
	event_base_free(base);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_socket_round_trip),
	    cmocka_unit_test(test_limits_and_eof),
	    cmocka_unit_test(test_write_to_closed_peer),
	    cmocka_unit_test(test_pipe),
	    cmocka_unit_test(test_sendfile),
	    cmocka_unit_test(test_sendfile_pipe_and_unsent),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
