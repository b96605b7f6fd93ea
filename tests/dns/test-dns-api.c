/*
 * Source compatibility: a program written for libevent 2.x's DNS headers,
 * built as strict C11 without POSIX feature macros (no _GNU_SOURCE), uses
 * the resolver, getaddrinfo and the server on loopback.
 */
#include <event2/dns.h>
#include <event2/dns_compat.h>
#include <event2/dns_struct.h>
#include <event2/event.h>
#include <event2/util.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <cmocka.h>

static int done, result, gai_done, gai_err, gai_family;

static void on_a(int r, char type, int count, int ttl, void *addrs, void *arg)
{
	(void)type;
	(void)ttl;
	(void)arg;
	result = r;
	if (r == DNS_ERR_NONE && count == 1)
		assert_int_equal(((struct in_addr *)addrs)->s_addr,
		                 htonl(0x7f000002));
	done = 1;
}

static void on_gai(int err, struct evutil_addrinfo *res, void *arg)
{
	(void)arg;
	gai_err = err;
	gai_family = res ? res->ai_family : -1;
	if (res)
		evutil_freeaddrinfo(res);
	gai_done = 1;
}

static void serve(struct evdns_server_request *req, void *arg)
{
	struct in_addr a;

	(void)arg;
	a.s_addr = htonl(0x7f000002);
	if (req->nquestions == 1 && req->questions[0]->type == EVDNS_TYPE_A)
		evdns_server_request_add_a_reply(req, req->questions[0]->name,
		                                 1, &a, 10);
	evdns_server_request_respond(req, 0);
}

static void test_strict_program(void **state)
{
	struct event_base *base = event_base_new();
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	struct evdns_server_port *port;
	struct evdns_base *dns;
	struct evutil_addrinfo hints;
	char ns[64];
	int fd, i;

	(void)state;
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(0x7f000001);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	getsockname(fd, (struct sockaddr *)&sin, &len);
	port = evdns_add_server_port_with_base(base, fd, 0, serve, NULL);
	assert_non_null(port);
	dns = evdns_base_new(base, 0);
	evutil_snprintf(ns, sizeof(ns), "127.0.0.1:%d", ntohs(sin.sin_port));
	assert_int_equal(evdns_base_nameserver_ip_add(dns, ns), 0);
	assert_int_equal(evdns_base_set_option(dns, "timeout:", "1"), 0);
	assert_non_null(evdns_base_resolve_ipv4(dns, "x.test", 0, on_a, NULL));
	for (i = 0; i < 100 && !done; i++)
		event_base_loop(base, EVLOOP_ONCE);
	assert_int_equal(result, DNS_ERR_NONE);
	memset(&hints, 0, sizeof(hints));
	hints.ai_flags = EVUTIL_AI_NUMERICHOST;
	hints.ai_socktype = SOCK_STREAM;
	assert_null(evdns_getaddrinfo(dns, "::1", "80", &hints, on_gai, NULL));
	assert_int_equal(gai_done, 1);
	assert_int_equal(gai_err, 0);
	assert_int_equal(gai_family, AF_INET6);
	evdns_base_free(dns, 0);
	evdns_close_server_port(port);
	event_base_free(base);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_strict_program),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
