/*
 * Fault: clients that reset (RST) mid-request or mid-response.  Five
 * kinds, 40 clients each: reset right after connecting, in the middle of
 * a request head, in the middle of a declared body, after reading part of
 * a 4 MiB response, and an orderly close with the response unread.  The
 * server must release every connection: the process's descriptor count
 * returns to what it was, every 4 MiB reply's memory (an
 * evbuffer_add_reference() with a counting cleanup) is released, and a
 * normal request is still served.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <poll.h>

#include <cmocka.h>

#include "load-util.h"

#define PER_KIND 40
#define BIG      (4 << 20)

static char *big;
static int big_started, big_released, served;

static void big_release(const void *data, size_t len, void *arg)
{
	(void)data;
	(void)len;
	(void)arg;
	__atomic_add_fetch(&big_released, 1, __ATOMIC_SEQ_CST);
}

static void reply_cb(struct evhttp_request *req, void *arg)
{
	struct evbuffer *b = evbuffer_new();

	(void)arg;
	served++;
	if (strcmp(evhttp_request_get_uri(req), "/big") == 0) {
		__atomic_add_fetch(&big_started, 1, __ATOMIC_SEQ_CST);
		evbuffer_add_reference(b, big, BIG, big_release, NULL);
	} else {
		evbuffer_add(b, "small", 5);
	}
	evhttp_send_reply(req, HTTP_OK, "OK", b);
	evbuffer_free(b);
}

static int connected(int port)
{
	struct pollfd p;
	int fd = lu_connect(port);

	assert_true(fd >= 0);
	p.fd = fd;
	p.events = POLLOUT;
	assert_int_equal(poll(&p, 1, 5000), 1);
	return fd;
}

static void send_str(int fd, const char *s)
{
	assert_int_equal(send(fd, s, strlen(s), MSG_NOSIGNAL),
	                 (ssize_t)strlen(s));
}

/* Reads at least `n` bytes (bounded wait). */
static void read_some(int fd, size_t n)
{
	char buf[4096];
	size_t got = 0;
	struct pollfd p = {fd, POLLIN, 0};

	while (got < n && poll(&p, 1, 5000) == 1) {
		ssize_t r = recv(fd, buf, sizeof(buf), 0);

		assert_true(r > 0);
		got += (size_t)r;
	}
	assert_true(got >= n);
}

static int wait_fds(int want, int ms)
{
	int64_t deadline = lu_now_ms() + ms;
	int n;

	while ((n = lu_count_fds()) > want && lu_now_ms() < deadline)
		usleep(20000);
	return n;
}

static void test_resets(void **state)
{
	struct lu_server s;
	int base_fds, fds[PER_KIND];
	char buf[256];
	int code = 0;

	(void)state;
	big = malloc(BIG);
	assert_non_null(big);
	memset(big, 'x', BIG);
	assert_int_equal(lu_server_init(&s), 0);
	evhttp_set_gencb(s.http, reply_cb, NULL);
	assert_int_equal(lu_server_run(&s), 0);
	base_fds = lu_count_fds();

	/* 1. Reset right after connecting. */
	for (int i = 0; i < PER_KIND; i++)
		lu_reset(connected(s.port));
	/* 2. Mid-request head. */
	for (int i = 0; i < PER_KIND; i++) {
		fds[i] = connected(s.port);
		send_str(fds[i], "GET /partial HTTP/1.1\r\nHost: l\r\nX-A: ");
	}
	usleep(50000);
	for (int i = 0; i < PER_KIND; i++)
		lu_reset(fds[i]);
	/* 3. Mid-body: 100 000 bytes declared, 10 sent. */
	for (int i = 0; i < PER_KIND; i++) {
		fds[i] = connected(s.port);
		send_str(fds[i], "POST /body HTTP/1.1\r\nHost: l\r\n"
		                 "Content-Length: 100000\r\n\r\n0123456789");
	}
	usleep(50000);
	for (int i = 0; i < PER_KIND; i++)
		lu_reset(fds[i]);
	/* 4. Mid-response: part of 4 MiB read, then reset. */
	for (int i = 0; i < PER_KIND; i++) {
		fds[i] = connected(s.port);
		send_str(fds[i], "GET /big HTTP/1.1\r\nHost: l\r\n\r\n");
	}
	for (int i = 0; i < PER_KIND; i++) {
		read_some(fds[i], 1000);
		lu_reset(fds[i]);
	}
	/* 5. Orderly close with the response unread (the kernel resets). */
	for (int i = 0; i < PER_KIND; i++) {
		fds[i] = connected(s.port);
		send_str(fds[i], "GET /big HTTP/1.1\r\nHost: l\r\n\r\n");
	}
	usleep(50000);
	for (int i = 0; i < PER_KIND; i++)
		close(fds[i]);

	/* Every server-side connection goes away (bounded wait). */
	assert_int_equal(wait_fds(base_fds, 10000), base_fds);
	{
		int64_t deadline = lu_now_ms() + 5000;

		while (__atomic_load_n(&big_released, __ATOMIC_SEQ_CST) <
		           __atomic_load_n(&big_started, __ATOMIC_SEQ_CST) &&
		       lu_now_ms() < deadline)
			usleep(20000);
	}
	assert_true(big_started >= PER_KIND);
	assert_int_equal(big_released, big_started);

	/* Still serving. */
	{
		int fd = connected(s.port);
		size_t len = 0;
		struct pollfd p = {fd, POLLIN, 0};

		send_str(fd, "GET /ok HTTP/1.1\r\nHost: l\r\n\r\n");
		while (lu_response_len(buf, len, &code) == 0 &&
		       poll(&p, 1, 5000) == 1) {
			ssize_t r = recv(fd, buf + len, sizeof(buf) - len, 0);

			assert_true(r > 0);
			len += (size_t)r;
		}
		assert_int_equal(code, 200);
		close(fd);
	}
	assert_int_equal(wait_fds(base_fds, 5000), base_fds);
	lu_server_stop(&s);
	print_message("%d resets of 5 kinds; %d large replies started and "
	              "released; descriptors back to %d\n",
	              5 * PER_KIND, big_started, base_fds);
	free(big);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_resets),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
