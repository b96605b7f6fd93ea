/*
 * libFuzzer target for libev-dns's packet handling, both sides, through
 * the real code paths: each input is sent as a query to a server port and
 * as a reply to a resolver with a pending request.  For the resolver the
 * first two bytes are overwritten with the pending transaction ID (fixed
 * by evdns_set_transaction_id_fn, case randomisation off) so inputs get
 * past the ID check and reach the question and answer parsers; the seed
 * corpus holds replies to "a.example.test" A.
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <evdns.h>
#include <event.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct {
	struct event_base *base;
	struct evdns_base *dns;
	struct evdns_server_port *port;
	int client;   /* sends queries to the server port */
	int fake;     /* the resolver's nameserver */
	struct sockaddr_storage resolver;
	socklen_t rlen;
	int pending;
} S;

static uint16_t fixed_id(void)
{
	return 0x1234;
}

static void server_cb(struct evdns_server_request *req, void *arg)
{
	uint32_t a = htonl(0x0a000001);
	int i;

	(void)arg;
	for (i = 0; i < req->nquestions; i++)
		evdns_server_request_add_a_reply(req, req->questions[i]->name,
						 1, &a, 60);
	evdns_server_request_add_cname_reply(req, "x.example.test",
					     "y.example.test", 60);
	evdns_server_request_respond(req, 0);
}

static void on_answer(int result, char type, int count, int ttl,
		      void *addresses, void *arg)
{
	(void)result;
	(void)type;
	(void)count;
	(void)ttl;
	(void)addresses;
	(void)arg;
	S.pending = 0;
}

static int udp_bound(struct sockaddr_in *sin)
{
	socklen_t len = sizeof(*sin);
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);

	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)sin, sizeof(*sin)) < 0 ||
	    getsockname(fd, (struct sockaddr *)sin, &len) < 0)
		abort(); /* the harness itself cannot run */
	return fd;
}

static void pump(void)
{
	event_base_loop(S.base, EVLOOP_NONBLOCK);
	event_base_loop(S.base, EVLOOP_NONBLOCK);
}

static void init_once(void)
{
	struct sockaddr_in srv, fk;
	char ns[64];
	int sfd;

	if (S.base)
		return;
	S.base = event_base_new();
	sfd = udp_bound(&srv);
	S.port = evdns_add_server_port_with_base(S.base, sfd, 0, server_cb,
						 NULL);
	S.client = udp_bound(&fk);
	connect(S.client, (struct sockaddr *)&srv, sizeof(srv));
	S.fake = udp_bound(&fk);
	evdns_set_transaction_id_fn(fixed_id);
	S.dns = evdns_base_new(S.base, 0);
	evdns_base_set_option(S.dns, "randomize-case:", "0");
	evdns_base_set_option(S.dns, "timeout:", "600");
	evdns_base_set_option(S.dns, "cache-size:", "4");
	snprintf(ns, sizeof(ns), "127.0.0.1:%d", ntohs(fk.sin_port));
	evdns_base_nameserver_ip_add(S.dns, ns);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t buf[4096], junk[4096];

	init_once();
	if (size > sizeof(buf))
		return 0;
	/* Server side: the input as a query. */
	send(S.client, data, size, 0);
	pump();
	while (recv(S.client, junk, sizeof(junk), MSG_DONTWAIT) > 0)
		;
	/* Resolver side: the input as the reply to a pending request. */
	if (!S.pending) {
		S.pending = 1;
		evdns_base_resolve_ipv4(S.dns, "a.example.test",
					DNS_QUERY_NO_SEARCH, on_answer, NULL);
		pump();
		S.rlen = sizeof(S.resolver);
		while (recvfrom(S.fake, junk, sizeof(junk), MSG_DONTWAIT,
				(struct sockaddr *)&S.resolver, &S.rlen) > 0)
			;
	}
	memcpy(buf, data, size);
	if (size >= 2) {
		buf[0] = 0x12;
		buf[1] = 0x34;
	}
	if (S.rlen)
		sendto(S.fake, buf, size, 0, (struct sockaddr *)&S.resolver,
		       S.rlen);
	pump();
	return 0;
}
