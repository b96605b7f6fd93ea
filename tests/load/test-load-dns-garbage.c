/*
 * Fault: a DNS server port flooded with garbage keeps answering valid
 * queries.  20 000 datagrams of random bytes, and of valid queries with
 * random bytes flipped (to get past the header checks), go to the port
 * (its own event base in a thread); after every 200, a valid query must
 * be answered correctly.  Loopback UDP may drop under the flood, so a
 * valid query is retried (at most 5 times, 200 ms apart) - but each must
 * end with its answer.  The PRNG is seeded: a failure replays.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <poll.h>
#include <pthread.h>

#include <cmocka.h>

#include <evdns.h>

#include "load-util.h"

#define NGARBAGE 20000
#define EVERY    200

static struct event_base *base;
static struct event *stop_ev;
static int stop_pipe[2];
static int answered;

static void stop_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	event_base_loopbreak(base);
}

static void *server_main(void *arg)
{
	(void)arg;
	event_base_dispatch(base);
	return NULL;
}

static void server_cb(struct evdns_server_request *req, void *arg)
{
	uint32_t a = htonl(0x0a000001);

	(void)arg;
	__atomic_add_fetch(&answered, 1, __ATOMIC_SEQ_CST);
	if (req->nquestions == 1 && req->questions[0]->type == EVDNS_TYPE_A)
		evdns_server_request_add_a_reply(req, req->questions[0]->name,
		                                 1, &a, 60);
	evdns_server_request_respond(req, 0);
}

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint32_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)rng;
}

/* A query for q<id>.example.test A with transaction ID `id`. */
static size_t make_query(uint8_t *q, uint16_t id)
{
	char label[16];
	size_t n = 12, l;

	memset(q, 0, 12);
	q[0] = (uint8_t)(id >> 8);
	q[1] = (uint8_t)id;
	q[2] = 0x01; /* RD */
	q[5] = 1;    /* QDCOUNT */
	l = (size_t)snprintf(label, sizeof(label), "q%u", id);
	q[n++] = (uint8_t)l;
	memcpy(q + n, label, l);
	n += l;
	memcpy(q + n, "\7example\4test\0\0\1\0\1", 18);
	return n + 18;
}

/* Sends a valid query and waits for its answer (with retries). */
static int ask(int fd, uint16_t id)
{
	uint8_t q[64], r[512];
	size_t n = make_query(q, id);

	for (int attempt = 0; attempt < 5; attempt++) {
		int64_t deadline = lu_now_ms() + 200;

		assert_int_equal(send(fd, q, n, 0), (ssize_t)n);
		while (lu_now_ms() < deadline) {
			struct pollfd p = {fd, POLLIN, 0};
			ssize_t got;

			if (poll(&p, 1, 50) <= 0)
				continue;
			got = recv(fd, r, sizeof(r), 0);
			/* An answer to this query: same ID, QR set, RCODE 0,
			 * one answer record carrying 10.0.0.1. */
			if (got > (ssize_t)n && r[0] == q[0] && r[1] == q[1] &&
			    (r[2] & 0x80) && (r[3] & 0x0f) == 0 && r[7] == 1 &&
			    memcmp(r + got - 4, "\x0a\0\0\x01", 4) == 0)
				return attempt;
		}
	}
	return -1;
}

static void test_garbage_flood(void **state)
{
	struct evdns_server_port *port;
	struct sockaddr_in sin = {0};
	socklen_t sl = sizeof(sin);
	pthread_t th;
	int sfd, gfd, qfd, retries = 0, asked = 0;
	uint8_t pkt[700], valid[64];
	size_t vlen = make_query(valid, 7);
	int64_t t0 = lu_now_ms();

	(void)state;
	base = event_base_new();
	assert_non_null(base);
	sfd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(sfd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(getsockname(sfd, (struct sockaddr *)&sin, &sl), 0);
	port = evdns_add_server_port_with_base(base, sfd, 0, server_cb, NULL);
	assert_non_null(port);
	assert_int_equal(pipe(stop_pipe), 0);
	stop_ev = event_new(base, stop_pipe[0], EV_READ, stop_cb, NULL);
	event_add(stop_ev, NULL);
	gfd = socket(AF_INET, SOCK_DGRAM, 0);
	qfd = socket(AF_INET, SOCK_DGRAM, 0);
	assert_int_equal(connect(gfd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(connect(qfd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(pthread_create(&th, NULL, server_main, NULL), 0);

	for (int i = 0; i < NGARBAGE; i++) {
		size_t len;

		if (i & 1) { /* random bytes, random length */
			len = rnd() % sizeof(pkt);
			for (size_t k = 0; k < len; k++)
				pkt[k] = (uint8_t)rnd();
		} else { /* a valid query with a few bytes changed */
			len = vlen;
			memcpy(pkt, valid, vlen);
			for (int k = 0; k < 3; k++)
				pkt[rnd() % vlen] = (uint8_t)rnd();
			if (rnd() % 4 == 0)
				len = rnd() % (vlen + 1); /* truncated */
		}
		/* The flood may fill the socket buffer: that is the point;
		 * a blocked send just waits for the server. */
		send(gfd, pkt, len, 0);
		if (i % EVERY == EVERY - 1) {
			int r = ask(qfd, (uint16_t)(1000 + i / EVERY));

			assert_true(r >= 0);
			retries += r;
			asked++;
		}
	}
	assert_int_equal(asked, NGARBAGE / EVERY);
	assert_int_equal(write(stop_pipe[1], "x", 1), 1);
	pthread_join(th, NULL);
	print_message("%d garbage datagrams, %d valid queries all answered "
	              "(%d retries), server callbacks %d, %lld ms\n",
	              NGARBAGE, asked, retries, answered,
	              (long long)(lu_now_ms() - t0));
	evdns_close_server_port(port);
	event_free(stop_ev);
	event_base_free(base);
	close(gfd);
	close(qfd);
	close(stop_pipe[0]);
	close(stop_pipe[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_garbage_flood),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
