/*
 * Bug class: DNS name parsing past the packet end.  A label length, a
 * compression pointer or a pointer target may point beyond the received
 * bytes; a reader trusting them reads whatever follows the packet in
 * memory.  Each packet here is copied into a heap block of exactly its
 * length, so any read past the end is caught by ASan or valgrind, and the
 * reader must return an error instead.  The last case sends every
 * truncation of a valid query to a real server port, which must survive
 * and still answer.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include <evdns.h>
#include <event.h>

#include "packet.h"

/* Parses a name at `off` of an exact-size copy of msg[0..len). */
static int read_name_exact(const uint8_t *msg, size_t len, size_t off)
{
	uint8_t *copy = malloc(len ? len : 1);
	uint8_t wire[EV__DNS_NAME_MAX + 1];
	size_t wl = 0;
	int r;

	assert_non_null(copy);
	memcpy(copy, msg, len);
	r = ev__dns_name_read(copy, len, &off, wire, &wl);
	if (r >= 0)
		assert_true(wl <= EV__DNS_NAME_MAX);
	free(copy);
	return r;
}

static void test_label_past_end(void **state)
{
	/* 12-byte header, then "\x3f" claiming 63 bytes with 3 present. */
	uint8_t m[12 + 4] = {0};

	(void)state;
	m[12] = 63;
	memcpy(m + 13, "abc", 3);
	assert_true(read_name_exact(m, sizeof(m), 12) < 0);
	/* No terminating zero: the last label ends exactly at the end. */
	m[12] = 3;
	assert_true(read_name_exact(m, sizeof(m), 12) < 0);
	/* The offset itself at or past the end. */
	assert_true(read_name_exact(m, sizeof(m), sizeof(m)) < 0);
	assert_true(read_name_exact(m, sizeof(m), sizeof(m) + 100) < 0);
}

static void test_pointer_past_end(void **state)
{
	uint8_t m[16] = {0};

	(void)state;
	/* A pointer's first byte as the packet's last byte. */
	m[15] = 0xc0;
	assert_true(read_name_exact(m, sizeof(m), 15) < 0);
	/* A pointer to beyond the packet. */
	m[14] = 0xc0;
	m[15] = 0xff;
	assert_true(read_name_exact(m, sizeof(m), 14) < 0);
	m[14] = 0xff;
	assert_true(read_name_exact(m, sizeof(m), 14) < 0);
	/* A pointer to itself, and a two-pointer loop. */
	m[12] = 0xc0;
	m[13] = 12;
	assert_true(read_name_exact(m, sizeof(m), 12) < 0);
	m[12] = 0xc0;
	m[13] = 14;
	m[14] = 0xc0;
	m[15] = 12;
	assert_true(read_name_exact(m, sizeof(m), 14) < 0);
	assert_true(read_name_exact(m, sizeof(m), 12) < 0);
}

static void test_name_over_255_through_pointers(void **state)
{
	/* Labels of 63 bytes, each name pointing back at the previous one:
	 * every piece is in bounds but the whole name passes 255 bytes. */
	uint8_t m[12 + 5 * 66];
	size_t p = 12, prev = 0;

	(void)state;
	memset(m, 0, sizeof(m));
	for (int i = 0; i < 5; i++) {
		size_t start = p;

		m[p++] = 63;
		memset(m + p, 'a' + i, 63);
		p += 63;
		if (i == 0) {
			m[p++] = 0;
			m[p++] = 0;
		} else {
			m[p++] = (uint8_t)(0xc0 | (prev >> 8));
			m[p++] = (uint8_t)(prev & 0xff);
		}
		prev = start;
	}
	assert_true(read_name_exact(m, p, prev) < 0);
}

/* A query for a.example.test A, built by hand. */
static size_t make_query(uint8_t *q)
{
	static const uint8_t hdr[12] = {0x12, 0x34, 0x01, 0x00, 0, 1,
	                                0,    0,    0,    0,    0, 0};
	static const uint8_t name[] = "\1a\7example\4test";
	size_t n = 0;

	memcpy(q, hdr, 12);
	n = 12;
	memcpy(q + n, name, sizeof(name)); /* includes the final zero */
	n += sizeof(name);
	q[n++] = 0;
	q[n++] = 1;
	q[n++] = 0;
	q[n++] = 1;
	return n;
}

static void test_every_truncation_parses_safely(void **state)
{
	uint8_t q[64];
	size_t n = make_query(q);

	(void)state;
	for (size_t len = 0; len <= n; len++) {
		int r = read_name_exact(q, len, 12);

		/* Only the lengths holding the whole name succeed. */
		if (len >= 12 + 16)
			assert_true(r >= 0);
		else
			assert_true(r < 0);
	}
}

static int answered;

static void server_cb(struct evdns_server_request *req, void *arg)
{
	uint32_t a = htonl(0x7f000001);

	(void)arg;
	answered++;
	evdns_server_request_add_a_reply(req, req->questions[0]->name, 1, &a,
	                                 60);
	evdns_server_request_respond(req, 0);
}

static void test_server_survives_truncated_queries(void **state)
{
	struct event_base *base = event_base_new();
	struct evdns_server_port *port;
	struct sockaddr_in sin = {0};
	socklen_t sl = sizeof(sin);
	struct timeval tv = {0, 20000};
	uint8_t q[64], reply[512];
	size_t n = make_query(q);
	int sfd, cfd;
	ssize_t got = -1;

	(void)state;
	sfd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	cfd = socket(AF_INET, SOCK_DGRAM, 0);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(sfd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(getsockname(sfd, (struct sockaddr *)&sin, &sl), 0);
	assert_int_equal(connect(cfd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	port = evdns_add_server_port_with_base(base, sfd, 0, server_cb, NULL);
	assert_non_null(port);
	for (size_t len = 0; len < n; len++) {
		assert_int_equal(send(cfd, q, len, 0), (ssize_t)len);
		event_base_loopexit(base, &tv);
		event_base_dispatch(base);
	}
	assert_int_equal(answered, 0); /* none of them was a whole query */
	/* Drain any error replies, then the whole query is answered. */
	while (recv(cfd, reply, sizeof(reply), MSG_DONTWAIT) > 0)
		;
	assert_int_equal(send(cfd, q, n, 0), (ssize_t)n);
	for (int i = 0; i < 50 && got < 0; i++) {
		event_base_loopexit(base, &tv);
		event_base_dispatch(base);
		got = recv(cfd, reply, sizeof(reply), MSG_DONTWAIT);
	}
	assert_int_equal(answered, 1);
	assert_true(got > 12);
	assert_int_equal(reply[0], 0x12);
	assert_int_equal(reply[1], 0x34);
	evdns_close_server_port(port); /* closes sfd */
	close(cfd);
	event_base_free(base);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_label_past_end),
	    cmocka_unit_test(test_pointer_past_end),
	    cmocka_unit_test(test_name_over_255_through_pointers),
	    cmocka_unit_test(test_every_truncation_parses_safely),
	    cmocka_unit_test(test_server_survives_truncated_queries),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
