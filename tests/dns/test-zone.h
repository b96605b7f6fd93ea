/*
 * The zone our own server answers in the tests (server callback).  It
 * counts queries per name so tests can see what the resolver asked.
 */
#ifndef LIBEV_DNS_TEST_ZONE_H
#define LIBEV_DNS_TEST_ZONE_H

#include <strings.h>

#include "dns-test-util.h"

struct zone_stats {
	int queries;
	int big_queries;
	int last_type;
	char last_name[300];
	int respond; /* 0: answer; 1: drop everything (silent) */
};

static inline void zone_cb(struct evdns_server_request *req, void *arg)
{
	struct zone_stats *st = arg;
	struct evdns_server_question *q;
	const char *n;
	int type;
	uint32_t a1 = htonl(0x0a000001), a2 = htonl(0x0a000002);
	struct in6_addr v6;

	st->queries++;
	if (st->respond || req->nquestions != 1) {
		evdns_server_request_drop(req);
		return;
	}
	q = req->questions[0];
	n = q->name;
	type = q->type;
	st->last_type = type;
	snprintf(st->last_name, sizeof(st->last_name), "%s", n);
	evdns_server_request_set_flags(req, EVDNS_FLAGS_AA);
	inet_pton(AF_INET6, "2001:db8::1", &v6);
	if (!strcasecmp(n, "a.example.test")) {
		uint32_t both[2] = {a1, a2};

		if (type == EVDNS_TYPE_A)
			evdns_server_request_add_a_reply(req, n, 2, both, 300);
		else if (type == EVDNS_TYPE_AAAA)
			evdns_server_request_add_aaaa_reply(req, n, 1, &v6,
							    200);
	} else if (!strcasecmp(n, "alias.example.test")) {
		/* Two hops, final records included. */
		evdns_server_request_add_cname_reply(
			req, n, "alias2.example.test", 100);
		evdns_server_request_add_cname_reply(
			req, "alias2.example.test", "a.example.test", 100);
		if (type == EVDNS_TYPE_A)
			evdns_server_request_add_a_reply(req, "a.example.test",
							 1, &a1, 300);
	} else if (!strcasecmp(n, "cnameonly.example.test")) {
		/* The target's records are left out: the resolver must ask
		 * for the target itself. */
		evdns_server_request_add_cname_reply(req, n, "a.example.test",
						     100);
	} else if (!strcasecmp(n, "loop.example.test")) {
		evdns_server_request_add_cname_reply(req, n,
						     "loop.example.test", 100);
	} else if (!strcasecmp(n, "host.search.test") &&
		   type == EVDNS_TYPE_A) {
		uint32_t a = htonl(0x0a090909);

		evdns_server_request_add_a_reply(req, n, 1, &a, 60);
	} else if (!strcasecmp(n, "x.y") && type == EVDNS_TYPE_A) {
		uint32_t a = htonl(0x01010101);

		evdns_server_request_add_a_reply(req, n, 1, &a, 60);
	} else if (!strcasecmp(n, "x.y.search.test") && type == EVDNS_TYPE_A) {
		uint32_t a = htonl(0x02020202);

		evdns_server_request_add_a_reply(req, n, 1, &a, 60);
	} else if (!strcasecmp(n, "big.example.test") &&
		   type == EVDNS_TYPE_A) {
		uint32_t many[100];
		int i;

		st->big_queries++;
		for (i = 0; i < 100; i++)
			many[i] = htonl(0x0a640000u + (uint32_t)i);
		evdns_server_request_add_a_reply(req, n, 100, many, 60);
	} else if (!strcasecmp(n, "nodata.example.test")) {
		if (type == EVDNS_TYPE_A)
			evdns_server_request_add_a_reply(req, n, 1, &a1, 60);
	} else if (!strcasecmp(n, "1.0.0.10.in-addr.arpa") &&
		   type == EVDNS_TYPE_PTR) {
		evdns_server_request_add_ptr_reply(req, NULL, n,
						   "a.example.test", 60);
	} else if (!strcasecmp(n, "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0."
				  "0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa") &&
		   type == EVDNS_TYPE_PTR) {
		evdns_server_request_add_ptr_reply(req, NULL, n,
						   "v6.example.test", 60);
	} else if (!strcasecmp(n, "servfail.example.test")) {
		evdns_server_request_respond(req, 2);
		return;
	} else {
		evdns_server_request_respond(req, 3);
		return;
	}
	evdns_server_request_respond(req, 0);
}

#endif
