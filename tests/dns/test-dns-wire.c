/*
 * Hostile input on the wire.  The resolver gets crafted replies from a
 * fake server (wrong ID, wrong source, wrong question, compression loops,
 * forward pointers, long labels and names, short headers, counts larger
 * than the packet) and must drop and count each, then still accept the
 * genuine reply.  Our server gets malformed queries and must answer
 * FORMERR (or drop), count them, and keep serving.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "fd-hog.h"
#include "log-capture.h"
#include "test-zone.h"

struct fake {
	struct event_base *base;
	int fd, port;
	struct event ev;
	uint8_t q[512];
	int qlen;
	struct sockaddr_storage from;
	socklen_t flen;
};

static void fake_read(evutil_socket_t fd, short what, void *arg)
{
	struct fake *fk = arg;
	ssize_t n;

	(void)what;
	fk->flen = sizeof(fk->from);
	n = recvfrom(fd, fk->q, sizeof(fk->q), 0, (struct sockaddr *)&fk->from,
	             &fk->flen);
	if (n > 0)
		fk->qlen = (int)n;
}

struct answer {
	int done, result, count;
	uint32_t a4[32];
};

static void on_answer(int result, char type, int count, int ttl,
                      void *addresses, void *arg)
{
	struct answer *a = arg;

	(void)type;
	(void)ttl;
	a->done++;
	a->result = result;
	a->count = count;
	if (result == DNS_ERR_NONE)
		memcpy(a->a4, addresses, (size_t)count * 4);
}

/* Length of the question section of the query the fake server got. */
static size_t question_len(const struct fake *fk)
{
	size_t off = 12;

	while (fk->q[off])
		off += fk->q[off] + 1u;
	return off + 1 + 4 - 12;
}

/* A reply: header + the query's question + `an` bytes of answers. */
static size_t reply(const struct fake *fk, uint8_t *out, uint16_t id,
                    uint16_t ancount, const uint8_t *an, size_t anlen)
{
	size_t ql = question_len(fk);

	out[0] = (uint8_t)(id >> 8);
	out[1] = (uint8_t)id;
	out[2] = 0x81;
	out[3] = 0x80;
	out[4] = 0;
	out[5] = 1;
	out[6] = (uint8_t)(ancount >> 8);
	out[7] = (uint8_t)ancount;
	memset(out + 8, 0, 4);
	memcpy(out + 12, fk->q + 12, ql);
	memcpy(out + 12 + ql, an, anlen);
	return 12 + ql + anlen;
}

static void send_to_resolver(struct fake *fk, int fd, const uint8_t *p,
                             size_t len)
{
	int never = 0;

	assert_true(sendto(fd, p, len, 0, (struct sockaddr *)&fk->from,
	                   fk->flen) == (ssize_t)len);
	tu_run_until(fk->base, &never, 30);
}

static void test_crafted_replies(void **state)
{
	struct fake fk, fk0;
	struct evdns_base *dns;
	struct evdns_base_stats st;
	struct answer a = {0};
	uint8_t pkt[1024], an[600];
	uint16_t id;
	size_t ql, x, n, i;
	int other_port, other;
	static const uint8_t good[] = {0xc0, 0x0c, 0, 1, 0,  1, 0, 0,
	                               0,    60,   0, 4, 10, 9, 8, 7};

	(void)state;
	memset(&fk, 0, sizeof(fk));
	memset(&fk0, 0, sizeof(fk0));
	fk.base = fk0.base = event_base_new();
	fk.fd = tu_udp_socket(0, &fk.port);
	fk0.fd = tu_udp_socket(0, &fk0.port);
	event_assign(&fk.ev, fk.base, fk.fd, EV_READ | EV_PERSIST, fake_read,
	             &fk);
	event_add(&fk.ev, NULL);
	event_assign(&fk0.ev, fk.base, fk0.fd, EV_READ | EV_PERSIST, fake_read,
	             &fk0);
	event_add(&fk0.ev, NULL);
	/* Two servers: the first stays silent, so the retry goes to the
	 * second, which is then the only one allowed to answer. */
	dns = tu_resolver(fk.base, fk0.port);
	evdns_base_set_option(dns, "timeout:", "0.2");
	tu_ns_add(dns, fk.port);
	assert_non_null(
	    evdns_base_resolve_ipv4(dns, "a.example.test", 0, on_answer, &a));
	assert_int_equal(tu_run_until(fk.base, &fk0.qlen, 2000), 0);
	evdns_base_set_option(dns, "timeout:", "5");
	assert_int_equal(tu_run_until(fk.base, &fk.qlen, 2000), 0);
	id = (uint16_t)((fk.q[0] << 8) | fk.q[1]);
	ql = question_len(&fk);
	x = 12 + ql; /* offset of the answer section */

	/* A genuine-looking reply from the first server, which was asked
	 * before but is not the one asked last: rejected. */
	n = reply(&fk0, pkt, id, 1, good, sizeof(good));
	send_to_resolver(&fk0, fk0.fd, pkt, n);
	evdns_base_get_stats(dns, &st);
	assert_int_equal(st.bad_source, 1);
	assert_int_equal(st.accepted, 0);

	/* Wrong ID. */
	n = reply(&fk, pkt, (uint16_t)(id + 1), 1, good, sizeof(good));
	send_to_resolver(&fk, fk.fd, pkt, n);
	evdns_base_get_stats(dns, &st);
	assert_int_equal(st.bad_id, 1);

	/* Right packet from an address never configured: the connected
	 * socket never even hands it to the resolver. */
	other = tu_udp_socket(0, &other_port);
	n = reply(&fk, pkt, id, 1, good, sizeof(good));
	send_to_resolver(&fk, other, pkt, n);
	evdns_base_get_stats(dns, &st);
	assert_int_equal(st.received, 2);
	assert_int_equal(st.accepted, 0);
	assert_int_equal(a.done, 0);
	close(other);

	/* Wrong question: same name, other type. */
	n = reply(&fk, pkt, id, 1, good, sizeof(good));
	pkt[x - 3] = 28;
	send_to_resolver(&fk, fk.fd, pkt, n);
	/* Wrong question: a different name (first letter changed). */
	n = reply(&fk, pkt, id, 1, good, sizeof(good));
	pkt[13] = 'z';
	send_to_resolver(&fk, fk.fd, pkt, n);
	evdns_base_get_stats(dns, &st);
	assert_int_equal(st.bad_question, 2);

	/* Compression loop: the owner name points at itself. */
	memcpy(an, good, sizeof(good));
	an[0] = (uint8_t)(0xc0 | (x >> 8));
	an[1] = (uint8_t)x;
	n = reply(&fk, pkt, id, 1, an, sizeof(good));
	send_to_resolver(&fk, fk.fd, pkt, n);
	/* Two pointers pointing at each other. */
	an[0] = 0xc0 | (uint8_t)((x + 2) >> 8);
	an[1] = (uint8_t)(x + 2);
	an[2] = (uint8_t)(0xc0 | (x >> 8));
	an[3] = (uint8_t)x;
	memcpy(an + 4, good + 2, sizeof(good) - 2);
	n = reply(&fk, pkt, id, 1, an, sizeof(good) + 2);
	send_to_resolver(&fk, fk.fd, pkt, n);
	/* A pointer out of range (past the end). */
	memcpy(an, good, sizeof(good));
	an[0] = 0xff;
	an[1] = 0xff;
	n = reply(&fk, pkt, id, 1, an, sizeof(good));
	send_to_resolver(&fk, fk.fd, pkt, n);
	/* A label over 63 bytes (length byte 64 is a reserved type). */
	an[0] = 64;
	memset(an + 1, 'a', 64);
	an[65] = 0;
	memcpy(an + 66, good + 2, sizeof(good) - 2);
	n = reply(&fk, pkt, id, 1, an, 66 + sizeof(good) - 2);
	send_to_resolver(&fk, fk.fd, pkt, n);
	/* A name over 255 bytes: five labels of 63. */
	for (i = 0; i < 5; i++) {
		an[i * 64] = 63;
		memset(an + i * 64 + 1, 'b', 63);
	}
	an[320] = 0;
	memcpy(an + 321, good + 2, sizeof(good) - 2);
	n = reply(&fk, pkt, id, 1, an, 321 + sizeof(good) - 2);
	send_to_resolver(&fk, fk.fd, pkt, n);
	/* More answers announced than the packet holds. */
	n = reply(&fk, pkt, id, 5, good, sizeof(good));
	send_to_resolver(&fk, fk.fd, pkt, n);
	/* Record data length running past the end. */
	n = reply(&fk, pkt, id, 1, good, sizeof(good));
	pkt[n - 5] = 50;
	send_to_resolver(&fk, fk.fd, pkt, n);
	/* An A record with 5 bytes of data. */
	memcpy(an, good, sizeof(good));
	an[11] = 5;
	an[sizeof(good)] = 1;
	n = reply(&fk, pkt, id, 1, an, sizeof(good) + 1);
	send_to_resolver(&fk, fk.fd, pkt, n);
	/* A truncated header, and a query instead of a reply. */
	n = reply(&fk, pkt, id, 1, good, sizeof(good));
	send_to_resolver(&fk, fk.fd, pkt, 7);
	pkt[2] &= 0x7f;
	send_to_resolver(&fk, fk.fd, pkt, n);
	evdns_base_get_stats(dns, &st);
	assert_int_equal(st.malformed, 10);
	assert_int_equal(a.done, 0); /* nothing accepted so far */
	assert_int_equal(st.accepted, 0);

	/* The genuine reply is still accepted. */
	n = reply(&fk, pkt, id, 1, good, sizeof(good));
	send_to_resolver(&fk, fk.fd, pkt, n);
	assert_int_equal(tu_run_until(fk.base, &a.done, 1000), 0);
	assert_int_equal(a.result, DNS_ERR_NONE);
	assert_int_equal(a.count, 1);
	assert_int_equal(ntohl(a.a4[0]), 0x0a090807);
	evdns_base_get_stats(dns, &st);
	assert_int_equal(st.accepted, 1);
	assert_int_equal(st.received, 15);

	evdns_base_free(dns, 0);
	event_del(&fk.ev);
	event_del(&fk0.ev);
	close(fk.fd);
	close(fk0.fd);
	event_base_free(fk.base);
}

/* A server that rejects EDNS0 with FORMERR gets the question again without
 * the OPT record (RFC 6891 6.2.2), and its answer is accepted. */
static void test_edns_fallback(void **state)
{
	struct fake fk;
	struct evdns_base *dns;
	struct answer a = {0};
	uint8_t pkt[1024];
	static const uint8_t good[] = {0xc0, 0x0c, 0, 1, 0,  1, 0, 0,
	                               0,    60,   0, 4, 10, 1, 1, 1};
	uint16_t id;
	size_t n;

	(void)state;
	memset(&fk, 0, sizeof(fk));
	fk.base = event_base_new();
	fk.fd = tu_udp_socket(0, &fk.port);
	event_assign(&fk.ev, fk.base, fk.fd, EV_READ | EV_PERSIST, fake_read,
	             &fk);
	event_add(&fk.ev, NULL);
	dns = tu_resolver(fk.base, fk.port);
	evdns_base_set_option(dns, "timeout:", "5");
	assert_non_null(
	    evdns_base_resolve_ipv4(dns, "a.example.test", 0, on_answer, &a));
	assert_int_equal(tu_run_until(fk.base, &fk.qlen, 2000), 0);
	assert_int_equal(fk.q[11], 1); /* ARCOUNT 1: the OPT record */
	id = (uint16_t)((fk.q[0] << 8) | fk.q[1]);
	n = reply(&fk, pkt, id, 0, good, 0);
	pkt[3] = 0x81; /* FORMERR */
	fk.qlen = 0;
	send_to_resolver(&fk, fk.fd, pkt, n);
	assert_int_equal(tu_run_until(fk.base, &fk.qlen, 2000), 0);
	assert_int_equal(fk.q[11], 0); /* asked again, without EDNS0 */
	n = reply(&fk, pkt, (uint16_t)((fk.q[0] << 8) | fk.q[1]), 1, good,
	          sizeof(good));
	send_to_resolver(&fk, fk.fd, pkt, n);
	assert_int_equal(tu_run_until(fk.base, &a.done, 1000), 0);
	assert_int_equal(a.result, DNS_ERR_NONE);
	assert_int_equal(ntohl(a.a4[0]), 0x0a010101);
	evdns_base_free(dns, 0);
	event_del(&fk.ev);
	close(fk.fd);
	event_base_free(fk.base);
}

/* A UDP reply longer than the resolver's read slots (a server ignoring
 * our EDNS0 size of 1232) is never parsed from its cut-off copy: it is
 * handled as truncated and asked again over TCP (refused here, since the
 * fake server has no TCP listener). */
static void test_oversized_udp_reply(void **state)
{
	struct fake fk;
	struct evdns_base *dns;
	struct evdns_base_stats st;
	struct answer a = {0};
	static uint8_t pkt[4096], an[3200];
	static const uint8_t rr[] = {0xc0, 0x0c, 0, 1, 0,  1, 0, 0,
	                             0,    60,   0, 4, 10, 1, 1, 1};
	size_t i, n;

	(void)state;
	memset(&fk, 0, sizeof(fk));
	fk.base = event_base_new();
	fk.fd = tu_udp_socket(0, &fk.port);
	event_assign(&fk.ev, fk.base, fk.fd, EV_READ | EV_PERSIST, fake_read,
	             &fk);
	event_add(&fk.ev, NULL);
	dns = tu_resolver(fk.base, fk.port);
	evdns_base_set_option(dns, "timeout:", "5");
	/* No second try over UDP once TCP is refused: the request fails. */
	evdns_base_set_option(dns, "attempts:", "1");
	assert_non_null(
	    evdns_base_resolve_ipv4(dns, "a.example.test", 0, on_answer, &a));
	assert_int_equal(tu_run_until(fk.base, &fk.qlen, 2000), 0);
	for (i = 0; i < sizeof(an) / sizeof(rr); i++)
		memcpy(an + i * sizeof(rr), rr, sizeof(rr));
	n = reply(&fk, pkt, (uint16_t)((fk.q[0] << 8) | fk.q[1]),
	          (uint16_t)(sizeof(an) / sizeof(rr)), an, sizeof(an));
	assert_true(n > 2048);
	send_to_resolver(&fk, fk.fd, pkt, n);
	assert_int_equal(tu_run_until(fk.base, &a.done, 3000), 0);
	assert_int_not_equal(a.result, DNS_ERR_NONE);
	evdns_base_get_stats(dns, &st);
	assert_int_equal(st.tcp_retries, 1);
	assert_int_equal(st.malformed, 0);
	evdns_base_free(dns, 0);
	event_del(&fk.ev);
	close(fk.fd);
	event_base_free(fk.base);
}

/* ---- the server side --------------------------------------------------- */

struct client {
	struct event_base *base;
	int fd;
	struct event ev;
	uint8_t buf[4096];
	int len;
	int total; /* bytes received over the client's life */
};

static void client_read(evutil_socket_t fd, short what, void *arg)
{
	struct client *c = arg;
	ssize_t n = recv(fd, c->buf, sizeof(c->buf), 0);

	(void)what;
	if (n > 0) {
		c->len = (int)n;
		c->total += (int)n;
	}
}

/* Sends `p` and waits up to 300 ms for a reply; returns its length or 0. */
static int ask(struct client *c, const uint8_t *p, size_t len)
{
	c->len = 0;
	assert_true(send(c->fd, p, len, 0) == (ssize_t)len);
	tu_run_until(c->base, &c->len, 300);
	return c->len;
}

static void test_server_malformed(void **state)
{
	struct event_base *base = event_base_new();
	struct zone_stats z = {0};
	struct evdns_server_stats ss;
	struct evdns_server_port *port;
	struct sockaddr_in sin;
	struct client c;
	int sfd, sport;
	static const uint8_t query[] = {
	    0x12, 0x34, 0x01, 0x00, 0,   1,   0,   0,   0,   0,   0,
	    0,    1,    'a',  7,    'e', 'x', 'a', 'm', 'p', 'l', 'e',
	    4,    't',  'e',  's',  't', 0,   0,   1,   0,   1};
	uint8_t p[64];

	(void)state;
	sfd = tu_udp_socket(0, &sport);
	port = evdns_add_server_port_with_base(base, sfd, 0, zone_cb, &z);
	assert_non_null(port);
	memset(&c, 0, sizeof(c));
	c.base = base;
	c.fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons((uint16_t)sport);
	assert_int_equal(connect(c.fd, (struct sockaddr *)&sin, sizeof(sin)),
	                 0);
	event_assign(&c.ev, base, c.fd, EV_READ | EV_PERSIST, client_read, &c);
	event_add(&c.ev, NULL);

	/* Too short for a header: dropped. */
	assert_int_equal(ask(&c, query, 5), 0);
	/* A reply sent to the server: dropped. */
	memcpy(p, query, sizeof(query));
	p[2] |= 0x80;
	assert_int_equal(ask(&c, p, sizeof(query)), 0);
	/* The question is cut short: FORMERR with the ID echoed. */
	assert_int_equal(ask(&c, query, 20), 12);
	assert_int_equal(c.buf[0], 0x12);
	assert_int_equal(c.buf[1], 0x34);
	assert_int_equal(c.buf[3] & 0xf, 1);
	assert_true(c.buf[2] & 0x80);
	/* A compression loop in the question: FORMERR. */
	memcpy(p, query, 12);
	p[12] = 0xc0;
	p[13] = 12;
	memset(p + 14, 0, 4);
	p[15] = 1;
	p[17] = 1;
	assert_int_equal(ask(&c, p, 18), 12);
	assert_int_equal(c.buf[3] & 0xf, 1);
	/* A label over 63 bytes in the question: FORMERR. */
	memcpy(p, query, 12);
	p[12] = 0x41;
	assert_int_equal(ask(&c, p, 20), 12);
	assert_int_equal(c.buf[3] & 0xf, 1);
	/* No question at all: FORMERR. */
	memcpy(p, query, 12);
	p[5] = 0;
	assert_int_equal(ask(&c, p, 12), 12);
	/* Opcode STATUS: NOTIMPL. */
	memcpy(p, query, sizeof(query));
	p[2] = 0x10;
	assert_int_equal(ask(&c, p, sizeof(query)), 12);
	assert_int_equal(c.buf[3] & 0xf, 4);
	evdns_server_port_get_stats(port, &ss);
	assert_int_equal(ss.formerr, 4);
	assert_int_equal(ss.dropped, 2);
	assert_int_equal(z.queries, 0); /* none reached the callback */

	/* The server still serves, and compresses its answer names. */
	assert_true(ask(&c, query, sizeof(query)) > 12);
	assert_int_equal(c.buf[3] & 0xf, 0);
	assert_int_equal(c.buf[7], 2); /* two A records */
	/* Answer owners are pointers to the question name at 12. */
	assert_int_equal(c.buf[sizeof(query)], 0xc0);
	assert_int_equal(c.buf[sizeof(query) + 1], 12);
	assert_int_equal(c.len, (int)sizeof(query) + 2 * 16);
	assert_int_equal(z.queries, 1);

	event_del(&c.ev);
	close(c.fd);
	evdns_close_server_port(port);
	event_base_free(base);
}

/* "a.example.test A" with a two-byte length prefix, for TCP ports. */
static const uint8_t tcp_query[] = {
    0, 32,  0x00, 0x07, 0x01, 0x00, 0,   1,   0,   0,   0,   0,
    0, 0,   1,    'a',  7,    'e',  'x', 'a', 'm', 'p', 'l', 'e',
    4, 't', 'e',  's',  't',  0,    0,   1,   0,   1};

/* A blocking TCP connection to 127.0.0.1:port, not yet watched. */
static void tcp_client_open(struct client *c, struct event_base *base, int port)
{
	struct sockaddr_in sin;

	memset(c, 0, sizeof(*c));
	c->base = base;
	c->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(c->fd >= 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons((uint16_t)port);
	assert_int_equal(connect(c->fd, (struct sockaddr *)&sin, sizeof(sin)),
	                 0);
}

static void test_server_tcp_pipelined(void **state)
{
	struct event_base *base = event_base_new();
	struct zone_stats z = {0};
	struct evdns_server_port *port;
	struct client c;
	int lfd, udp, lport, total = 0, i;
	uint8_t two[2 * sizeof(tcp_query)];

	(void)state;
	assert_int_equal(tu_udp_tcp_pair(&udp, &lfd, &lport), 0);
	close(udp);
	port = evdns_add_server_port_tcp_with_base(base, lfd, 0, zone_cb, &z);
	assert_non_null(port);
	tcp_client_open(&c, base, lport);
	evutil_make_socket_nonblocking(c.fd);
	event_assign(&c.ev, base, c.fd, EV_READ | EV_PERSIST, client_read, &c);
	event_add(&c.ev, NULL);
	/* Two queries in one write, the second one byte at a time later. */
	memcpy(two, tcp_query, sizeof(tcp_query));
	memcpy(two + sizeof(tcp_query), tcp_query, sizeof(tcp_query));
	two[sizeof(tcp_query) + 3] = 8; /* second ID 0x0008 */
	assert_true(send(c.fd, two, sizeof(tcp_query), 0) > 0);
	for (i = 0; i < (int)sizeof(tcp_query); i++) {
		int never = 0;

		assert_int_equal(send(c.fd, two + sizeof(tcp_query) + i, 1, 0),
		                 1);
		tu_run_until(base, &never, 1);
	}
	for (i = 0; i < 20 && z.queries < 2; i++) {
		int never = 0;

		tu_run_until(base, &never, 20);
	}
	assert_int_equal(z.queries, 2);
	/* Both replies, length-prefixed, in order. */
	for (i = 0; i < 20 && c.total < 2 * (2 + 32 + 32); i++) {
		c.len = 0;
		tu_run_until(base, &c.len, 50);
	}
	total = c.total;
	assert_int_equal(total, 2 * (2 + 32 + 32));
	event_del(&c.ev);
	close(c.fd);
	evdns_close_server_port(port);
	event_base_free(base);
}

/* Out of descriptors, a TCP port must not spin on its readable listening
 * socket: it pauses accepting, says so once, and serves the waiting
 * client once descriptors are free again. */
static void test_server_tcp_emfile(void **state)
{
	struct event_base *base = event_base_new();
	struct zone_stats z = {0};
	struct evdns_server_port *port;
	struct client c;
	struct rlimit old;
	const char *warning = NULL;
	int lfd, udp, lport, hog[64], nhog, i;
	long cpu;

	(void)state;
	if (fd_hog_under_valgrind()) {
		event_base_free(base);
		skip();
	}
	assert_int_equal(tu_udp_tcp_pair(&udp, &lfd, &lport), 0);
	close(udp);
	port = evdns_add_server_port_tcp_with_base(base, lfd, 0, zone_cb, &z);
	assert_non_null(port);
	tcp_client_open(&c, base, lport);
	assert_true(send(c.fd, tcp_query, sizeof(tcp_query), 0) > 0);
	/* Use up every descriptor under a low limit. */
	nhog = fd_hog_fill(c.fd, &old, hog, 64);
	assert_true(nhog >= 0);
	log_capture_start();
	cpu = process_cpu_ms();
	for (i = 0; i < 8; i++) {
		int never = 0;

		tu_run_until(base, &never, 50);
	}
	cpu = process_cpu_ms() - cpu;
	assert_int_equal(z.queries, 0);
	assert_int_equal(log_capture_count(EVENT_LOG_WARN, &warning), 1);
	assert_non_null(strstr(warning, "accept"));
	assert_true(cpu < 200); /* a spinning loop would burn ~400 ms */
	/* Free descriptors: the waiting client is accepted and answered. */
	assert_int_equal(fd_hog_release(&old, hog, nhog), 0);
	evutil_make_socket_nonblocking(c.fd);
	event_assign(&c.ev, base, c.fd, EV_READ | EV_PERSIST, client_read, &c);
	event_add(&c.ev, NULL);
	for (i = 0; i < 40 && c.total < 2 + 32 + 32; i++) {
		c.len = 0;
		tu_run_until(base, &c.len, 50);
	}
	assert_int_equal(z.queries, 1);
	assert_int_equal(c.total, 2 + 32 + 32);
	assert_int_equal(log_capture_count(EVENT_LOG_WARN, NULL), 1);
	log_capture_stop();
	event_del(&c.ev);
	close(c.fd);
	evdns_close_server_port(port);
	event_base_free(base);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_crafted_replies),
	    cmocka_unit_test(test_edns_fallback),
	    cmocka_unit_test(test_oversized_udp_reply),
	    cmocka_unit_test(test_server_malformed),
	    cmocka_unit_test(test_server_tcp_pipelined),
	    cmocka_unit_test(test_server_tcp_emfile),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
