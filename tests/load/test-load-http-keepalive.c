/*
 * Load: the HTTP server holds 5 000 concurrent keep-alive connections and
 * serves them all with zero errors.  All clients connect (in batches, so
 * the listen backlog is not the subject), each gets a response, then -
 * with all 5 000 connections open at once on the server - each sends a
 * second request on the same connection and gets it answered too.  After
 * the clients close, every server-side descriptor must be released.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <poll.h>

#include <cmocka.h>

#include "load-util.h"

#define NCLIENTS 5000
#define BATCH    200

struct client {
	int fd;
	size_t len;
	int responses;
	char buf[512];
};

static struct client *cl;
static struct pollfd *pfd;
static int served;

static void reply_cb(struct evhttp_request *req, void *arg)
{
	struct evbuffer *b = evbuffer_new();

	(void)arg;
	served++;
	evbuffer_add_printf(b, "ok %s", evhttp_request_get_uri(req));
	evhttp_send_reply(req, HTTP_OK, "OK", b);
	evbuffer_free(b);
}

/* Waits for the connects of clients [from, to) to complete. */
static void finish_connects(int from, int to)
{
	int left = to - from;
	int64_t deadline = lu_now_ms() + 15000;

	for (int i = from; i < to; i++) {
		pfd[i].fd = cl[i].fd;
		pfd[i].events = POLLOUT;
		pfd[i].revents = 0;
	}
	while (left > 0 && lu_now_ms() < deadline) {
		assert_true(poll(pfd + from, (nfds_t)(to - from), 1000) >= 0);
		for (int i = from; i < to; i++) {
			if (!(pfd[i].revents & (POLLOUT | POLLERR | POLLHUP)))
				continue;
			assert_false(pfd[i].revents & (POLLERR | POLLHUP));
			pfd[i].fd = -1; /* done: poll skips it */
			left--;
		}
	}
	assert_int_equal(left, 0);
}

static void send_all(int round)
{
	char req[128];

	for (int i = 0; i < NCLIENTS; i++) {
		int n = snprintf(req, sizeof(req),
		                 "GET /c%d/r%d HTTP/1.1\r\nHost: l\r\n\r\n", i,
		                 round);

		assert_int_equal(send(cl[i].fd, req, (size_t)n, 0), n);
	}
}

/* Reads until every client has `want` responses; any error fails. */
static void read_all(int want)
{
	int left = NCLIENTS;
	int64_t deadline = lu_now_ms() + 15000;

	for (int i = 0; i < NCLIENTS; i++) {
		pfd[i].fd = cl[i].fd;
		pfd[i].events = POLLIN;
	}
	while (left > 0 && lu_now_ms() < deadline) {
		assert_true(poll(pfd, NCLIENTS, 1000) >= 0);
		for (int i = 0; i < NCLIENTS; i++) {
			struct client *c = &cl[i];
			char expect[64];
			size_t rl;
			ssize_t n;
			int code = 0;

			if (!(pfd[i].revents & (POLLIN | POLLERR | POLLHUP)))
				continue;
			n = recv(c->fd, c->buf + c->len,
			         sizeof(c->buf) - 1 - c->len, 0);
			assert_true(n > 0); /* no EOF, no reset */
			c->len += (size_t)n;
			rl = lu_response_len(c->buf, c->len, &code);
			if (rl == 0)
				continue;
			assert_int_equal(code, 200);
			assert_true(c->len == rl); /* nothing extra */
			snprintf(expect, sizeof(expect), "ok /c%d/r%d", i,
			         want - 1);
			c->buf[c->len] = '\0';
			assert_non_null(strstr(c->buf, expect));
			c->len = 0;
			c->responses++;
			assert_int_equal(c->responses, want);
			pfd[i].fd = -1;
			left--;
		}
	}
	assert_int_equal(left, 0);
}

static void test_5000_keepalive(void **state)
{
	struct lu_server s;
	long limit = lu_raise_nofile();
	int base_fds, peak_fds;
	int64_t t0 = lu_now_ms(), deadline;

	(void)state;
	if (limit < 2 * NCLIENTS + 100) {
		print_message("RLIMIT_NOFILE hard limit %ld too low\n", limit);
		skip();
	}
	cl = calloc(NCLIENTS, sizeof(*cl));
	pfd = calloc(NCLIENTS, sizeof(*pfd));
	assert_non_null(cl);
	assert_non_null(pfd);
	assert_int_equal(lu_server_init(&s), 0);
	evhttp_set_gencb(s.http, reply_cb, NULL);
	assert_int_equal(lu_server_run(&s), 0);
	base_fds = lu_count_fds();

	for (int from = 0; from < NCLIENTS; from += BATCH) {
		for (int i = from; i < from + BATCH; i++) {
			cl[i].fd = lu_connect(s.port);
			assert_true(cl[i].fd >= 0);
		}
		finish_connects(from, from + BATCH);
		if (getenv("LOAD_DEBUG"))
			print_message("batch %d connected at %lld ms\n", from,
			              (long long)(lu_now_ms() - t0));
		/* Pace on the server: the next batch once this one is
		 * accepted, so the listen queue never overflows (an
		 * overflow costs a 1 s SYN retransmission). */
		deadline = lu_now_ms() + 10000;
		while (lu_count_fds() < base_fds + 2 * (from + BATCH) &&
		       lu_now_ms() < deadline)
			usleep(1000);
		if (getenv("LOAD_DEBUG"))
			print_message("batch %d accepted at %lld ms\n", from,
			              (long long)(lu_now_ms() - t0));
	}
	print_message("connected: %lld ms\n", (long long)(lu_now_ms() - t0));
	send_all(0);
	read_all(1);
	print_message("round 1: %lld ms\n", (long long)(lu_now_ms() - t0));
	/* Every connection is open on both sides now. */
	peak_fds = lu_count_fds();
	assert_true(peak_fds >= base_fds + 2 * NCLIENTS);
	send_all(1);
	read_all(2);
	print_message("round 2: %lld ms\n", (long long)(lu_now_ms() - t0));
	for (int i = 0; i < NCLIENTS; i++)
		close(cl[i].fd);
	/* The server notices every close and frees its side. */
	deadline = lu_now_ms() + 10000;
	while (lu_count_fds() > base_fds && lu_now_ms() < deadline)
		usleep(20000);
	assert_int_equal(lu_count_fds(), base_fds);
	lu_server_stop(&s);
	assert_int_equal(served, 2 * NCLIENTS);
	print_message("%d connections, %d requests, peak %d fds, %lld ms\n",
	              NCLIENTS, served, peak_fds,
	              (long long)(lu_now_ms() - t0));
	free(cl);
	free(pfd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_5000_keepalive),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
