/*
 * Our resolver against our own server on 127.0.0.1: every record type,
 * CNAME chains, search list and ndots, timeouts, failover, TCP fallback,
 * cancel, shutdown with pending requests, the cache, resolv.conf files.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <fcntl.h>

#include "test-zone.h"

struct fx {
	struct event_base *base;
	struct evdns_server_port *udp_port, *tcp_port;
	struct zone_stats zone;
	int port;
	struct evdns_base *dns;
};

struct answer {
	int done;
	int calls;
	int result;
	char type;
	int count;
	int ttl;
	uint32_t a4[32];
	struct in6_addr a6[32];
	char ptr[300];
};

static void on_answer(int result, char type, int count, int ttl,
                      void *addresses, void *arg)
{
	struct answer *a = arg;

	a->calls++;
	a->done = 1;
	a->result = result;
	a->type = type;
	a->count = count;
	a->ttl = ttl;
	if (result == DNS_ERR_NONE && type == DNS_IPv4_A)
		memcpy(a->a4, addresses, (size_t)count * 4);
	else if (result == DNS_ERR_NONE && type == DNS_IPv6_AAAA)
		memcpy(a->a6, addresses, (size_t)count * 16);
	else if (result == DNS_ERR_NONE && type == DNS_PTR)
		snprintf(a->ptr, sizeof(a->ptr), "%s", *(char **)addresses);
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	int udp, tcp;

	assert_non_null(f);
	f->base = event_base_new();
	assert_non_null(f->base);
	assert_int_equal(tu_udp_tcp_pair(&udp, &tcp, &f->port), 0);
	f->udp_port =
	    evdns_add_server_port_with_base(f->base, udp, 0, zone_cb, &f->zone);
	f->tcp_port = evdns_add_server_port_with_base(
	    f->base, tcp, EVDNS_SERVER_PORT_TCP, zone_cb, &f->zone);
	assert_non_null(f->udp_port);
	assert_non_null(f->tcp_port);
	f->dns = tu_resolver(f->base, f->port);
	assert_non_null(f->dns);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	if (f->dns)
		evdns_base_free(f->dns, 0);
	evdns_close_server_port(f->udp_port);
	evdns_close_server_port(f->tcp_port);
	event_base_free(f->base);
	free(f);
	return 0;
}

static void resolve4(struct fx *f, const char *name, int flags,
                     struct answer *a)
{
	memset(a, 0, sizeof(*a));
	assert_non_null(
	    evdns_base_resolve_ipv4(f->dns, name, flags, on_answer, a));
	assert_int_equal(tu_run_until(f->base, &a->done, 3000), 0);
	assert_int_equal(a->calls, 1);
}

static void test_a(void **state)
{
	struct fx *f = *state;
	struct answer a;

	resolve4(f, "a.example.test", 0, &a);
	assert_int_equal(a.result, DNS_ERR_NONE);
	assert_int_equal(a.type, DNS_IPv4_A);
	assert_int_equal(a.count, 2);
	assert_int_equal(a.ttl, 300);
	assert_int_equal(ntohl(a.a4[0]), 0x0a000001);
	assert_int_equal(ntohl(a.a4[1]), 0x0a000002);
}

static void test_aaaa(void **state)
{
	struct fx *f = *state;
	struct answer a = {0};
	struct in6_addr want;

	assert_non_null(evdns_base_resolve_ipv6(f->dns, "a.example.test", 0,
	                                        on_answer, &a));
	assert_int_equal(tu_run_until(f->base, &a.done, 3000), 0);
	assert_int_equal(a.result, DNS_ERR_NONE);
	assert_int_equal(a.type, DNS_IPv6_AAAA);
	assert_int_equal(a.count, 1);
	inet_pton(AF_INET6, "2001:db8::1", &want);
	assert_memory_equal(&a.a6[0], &want, 16);
}

static void test_ptr_v4_v6(void **state)
{
	struct fx *f = *state;
	struct answer a = {0}, b = {0};
	struct in_addr in;
	struct in6_addr in6;

	in.s_addr = htonl(0x0a000001);
	inet_pton(AF_INET6, "2001:db8::1", &in6);
	assert_non_null(
	    evdns_base_resolve_reverse(f->dns, &in, 0, on_answer, &a));
	assert_non_null(
	    evdns_base_resolve_reverse_ipv6(f->dns, &in6, 0, on_answer, &b));
	assert_int_equal(tu_run_until(f->base, &a.done, 3000), 0);
	assert_int_equal(tu_run_until(f->base, &b.done, 3000), 0);
	assert_int_equal(a.result, DNS_ERR_NONE);
	assert_int_equal(a.type, DNS_PTR);
	assert_string_equal(a.ptr, "a.example.test");
	assert_int_equal(b.result, DNS_ERR_NONE);
	assert_string_equal(b.ptr, "v6.example.test");
}

static void test_cname_chain(void **state)
{
	struct fx *f = *state;
	struct answer a;

	resolve4(f, "alias.example.test", 0, &a);
	assert_int_equal(a.result, DNS_ERR_NONE);
	assert_int_equal(a.count, 1);
	assert_int_equal(ntohl(a.a4[0]), 0x0a000001);
	assert_int_equal(a.ttl, 100); /* smallest TTL along the chain */
	/* Alias without the target's records: a second query follows. */
	f->zone.queries = 0;
	resolve4(f, "cnameonly.example.test", 0, &a);
	assert_int_equal(a.result, DNS_ERR_NONE);
	assert_int_equal(a.count, 2);
	assert_int_equal(f->zone.queries, 2);
	assert_int_equal(strcasecmp(f->zone.last_name, "a.example.test"), 0);
	/* A CNAME pointing at itself ends, it does not spin. */
	resolve4(f, "loop.example.test", 0, &a);
	assert_int_equal(a.result, DNS_ERR_NODATA);
}

static void test_errors(void **state)
{
	struct fx *f = *state;
	struct answer a = {0};

	resolve4(f, "missing.example.test", 0, &a);
	assert_int_equal(a.result, DNS_ERR_NOTEXIST);
	assert_int_equal(a.count, 0);
	assert_non_null(evdns_base_resolve_ipv6(f->dns, "nodata.example.test",
	                                        0, on_answer, &a));
	a.done = 0;
	a.calls = 0;
	assert_int_equal(tu_run_until(f->base, &a.done, 3000), 0);
	assert_int_equal(a.result, DNS_ERR_NODATA);
	resolve4(f, "servfail.example.test", 0, &a);
	assert_int_equal(a.result, DNS_ERR_SERVERFAILED);
	/* Empty names and names that cannot be encoded are refused. */
	assert_null(evdns_base_resolve_ipv4(f->dns, "", 0, on_answer, &a));
	assert_null(evdns_base_resolve_ipv4(f->dns, "a..b", 0, on_answer, &a));
	assert_string_equal(evdns_err_to_string(DNS_ERR_TIMEOUT),
	                    "request timed out");
}

static void test_search_ndots(void **state)
{
	struct fx *f = *state;
	struct answer a;

	evdns_base_search_add(f->dns, "nothere.test");
	evdns_base_search_add(f->dns, "search.test");
	/* No dot: the search list first, so host.search.test answers. */
	resolve4(f, "host", 0, &a);
	assert_int_equal(a.result, DNS_ERR_NONE);
	assert_int_equal(ntohl(a.a4[0]), 0x0a090909);
	/* ndots 1: "x.y" has one dot, tried as-is first. */
	resolve4(f, "x.y", 0, &a);
	assert_int_equal(ntohl(a.a4[0]), 0x01010101);
	/* ndots 2: the search list goes first. */
	evdns_base_search_ndots_set(f->dns, 2);
	resolve4(f, "x.y", 0, &a);
	assert_int_equal(ntohl(a.a4[0]), 0x02020202);
	/* A trailing dot or NO_SEARCH: only the name itself. */
	f->zone.queries = 0;
	resolve4(f, "host.", 0, &a);
	assert_int_equal(a.result, DNS_ERR_NOTEXIST);
	assert_int_equal(f->zone.queries, 1);
	f->zone.queries = 0;
	resolve4(f, "host", DNS_QUERY_NO_SEARCH, &a);
	assert_int_equal(a.result, DNS_ERR_NOTEXIST);
	assert_int_equal(f->zone.queries, 1);
	/* Every candidate missing: NOTEXIST after all three. */
	f->zone.queries = 0;
	resolve4(f, "nohost", 0, &a);
	assert_int_equal(a.result, DNS_ERR_NOTEXIST);
	assert_int_equal(f->zone.queries, 3);
	evdns_base_search_clear(f->dns);
	resolve4(f, "host", 0, &a);
	assert_int_equal(a.result, DNS_ERR_NOTEXIST);
}

static void test_timeout_silent(void **state)
{
	struct fx *f = *state;
	struct evdns_base_stats st;
	struct answer a;
	int sport, silent = tu_udp_socket(0, &sport);

	assert_true(silent >= 0);
	evdns_base_free(f->dns, 0);
	f->dns = tu_resolver(f->base, sport);
	evdns_base_set_option(f->dns, "timeout:", "0.2");
	resolve4(f, "a.example.test", 0, &a);
	assert_int_equal(a.result, DNS_ERR_TIMEOUT);
	evdns_base_get_stats(f->dns, &st);
	assert_int_equal(st.timeouts, 2); /* attempts: 2 */
	assert_int_equal(st.sent, 2);
	close(silent);
}

static void test_failover(void **state)
{
	struct fx *f = *state;
	struct evdns_base_stats st;
	struct answer a;
	int sport, silent = tu_udp_socket(0, &sport);

	evdns_base_free(f->dns, 0);
	f->dns = tu_resolver(f->base, 0);
	evdns_base_set_option(f->dns, "timeout:", "0.2");
	evdns_base_set_option(f->dns, "max-timeouts:", "1");
	tu_ns_add(f->dns, sport); /* first, and silent */
	tu_ns_add(f->dns, f->port);
	assert_int_equal(evdns_base_count_nameservers(f->dns), 2);
	resolve4(f, "a.example.test", 0, &a);
	assert_int_equal(a.result, DNS_ERR_NONE);
	evdns_base_get_stats(f->dns, &st);
	assert_true(st.timeouts >= 1);
	/* The silent server is now marked down: the next request goes
	 * straight to the live one, without waiting for a timeout. */
	resolve4(f, "a.example.test", 0, &a);
	assert_int_equal(a.result, DNS_ERR_NONE);
	evdns_base_get_stats(f->dns, &st);
	assert_int_equal(st.timeouts <= 2, 1);
	/* Once it starts answering, a probe revives it and it is used
	 * first again. */
	{
		struct zone_stats z2 = {0};
		struct evdns_server_port *p2;
		char junk[512];
		int i, never = 0;

		/* Forget what was sent while it was silent. */
		while (recv(silent, junk, sizeof(junk), MSG_DONTWAIT) > 0)
			;
		p2 = evdns_add_server_port_with_base(f->base, silent, 0,
		                                     zone_cb, &z2);

		assert_non_null(p2);
		for (i = 0; i < 40 && z2.queries == 0; i++)
			tu_run_until(f->base, &never, 50);
		assert_true(z2.queries >= 1);      /* the probe */
		tu_run_until(f->base, &never, 50); /* its reply is read */
		z2.queries = 0;
		resolve4(f, "a.example.test", 0, &a);
		assert_int_equal(a.result, DNS_ERR_NONE);
		assert_int_equal(z2.queries, 1);
		evdns_close_server_port(p2); /* closes `silent` */
	}
}

static void test_tcp_fallback(void **state)
{
	struct fx *f = *state;
	struct evdns_base_stats st;
	struct evdns_server_stats ss;
	struct answer a;

	resolve4(f, "big.example.test", 0, &a);
	assert_int_equal(a.result, DNS_ERR_NONE);
	assert_int_equal(a.count, 32); /* capped per callback */
	assert_int_equal(ntohl(a.a4[0]), 0x0a640000);
	evdns_base_get_stats(f->dns, &st);
	assert_int_equal(st.tcp_retries, 1);
	assert_int_equal(f->zone.big_queries, 2); /* UDP, then TCP */
	evdns_server_port_get_stats(f->udp_port, &ss);
	assert_int_equal(ss.truncated, 1);
}

static void test_cancel(void **state)
{
	struct fx *f = *state;
	struct evdns_request *r;
	struct answer a = {0};
	int never = 0;

	f->zone.respond = 1; /* server drops everything */
	r = evdns_base_resolve_ipv4(f->dns, "a.example.test", 0, on_answer, &a);
	assert_non_null(r);
	tu_run_until(f->base, &never, 20);
	evdns_cancel_request(f->dns, r);
	assert_int_equal(tu_run_until(f->base, &a.done, 3000), 0);
	assert_int_equal(a.result, DNS_ERR_CANCEL);
	/* The callback ran once, and never again. */
	tu_run_until(f->base, &never, 500);
	assert_int_equal(a.calls, 1);
}

static void test_shutdown_pending(void **state)
{
	struct fx *f = *state;
	struct answer a[5];
	int i;

	memset(a, 0, sizeof(a));
	f->zone.respond = 1;
	evdns_base_set_option(f->dns, "max-inflight:", "2"); /* some wait */
	for (i = 0; i < 5; i++)
		assert_non_null(evdns_base_resolve_ipv4(
		    f->dns, "a.example.test", 0, on_answer, &a[i]));
	evdns_base_free(f->dns, 1);
	f->dns = NULL;
	for (i = 0; i < 5; i++) {
		assert_int_equal(a[i].calls, 1);
		assert_int_equal(a[i].result, DNS_ERR_SHUTDOWN);
	}
	/* Without fail_requests nothing is called back. */
	f->dns = tu_resolver(f->base, f->port);
	memset(a, 0, sizeof(a));
	assert_non_null(evdns_base_resolve_ipv4(f->dns, "a.example.test", 0,
	                                        on_answer, &a[0]));
	evdns_base_free(f->dns, 0);
	f->dns = NULL;
	assert_int_equal(a[0].calls, 0);
}

/* A callback may free the resolver (a common libevent pattern); the other
 * pending request then gets DNS_ERR_SHUTDOWN, and nothing is touched
 * after the free. */
struct free_in_cb {
	struct evdns_base **dns;
	struct answer *other;
	int calls;
};

static void free_base_cb(int result, char type, int count, int ttl,
                         void *addresses, void *arg)
{
	struct free_in_cb *c = arg;

	(void)type;
	(void)count;
	(void)ttl;
	(void)addresses;
	assert_int_equal(result, DNS_ERR_NONE);
	c->calls++;
	evdns_base_free(*c->dns, 1);
	*c->dns = NULL;
	assert_int_equal(c->other->calls, 1);
	assert_int_equal(c->other->result, DNS_ERR_SHUTDOWN);
}

static void test_free_in_callback(void **state)
{
	struct fx *f = *state;
	struct answer other = {0};
	struct free_in_cb c = {&f->dns, &other, 0};
	int never = 0;

	/* "missing" is answered after "a": the server answers in order. */
	assert_non_null(evdns_base_resolve_ipv4(
	    f->dns, "a.example.test", DNS_QUERY_NO_SEARCH, free_base_cb, &c));
	f->zone.respond = 0;
	assert_non_null(evdns_base_resolve_ipv6(f->dns, "a.example.test", 0,
	                                        on_answer, &other));
	assert_int_equal(tu_run_until(f->base, &c.calls, 3000), 0);
	tu_run_until(f->base, &never, 100);
	assert_int_equal(c.calls, 1);
	assert_int_equal(other.calls, 1);
	assert_null(f->dns);
}

static void test_inflight_bound(void **state)
{
	struct fx *f = *state;
	struct answer a[20];
	int i;

	memset(a, 0, sizeof(a));
	evdns_base_set_option(f->dns, "max-inflight:", "3");
	for (i = 0; i < 20; i++)
		assert_non_null(evdns_base_resolve_ipv4(
		    f->dns, "a.example.test", 0, on_answer, &a[i]));
	for (i = 0; i < 20; i++) {
		assert_int_equal(tu_run_until(f->base, &a[i].done, 3000), 0);
		assert_int_equal(a[i].result, DNS_ERR_NONE);
	}
	assert_int_equal(evdns_base_set_option(f->dns, "max-inflight:", "0"),
	                 -1);
	assert_int_equal(evdns_base_set_option(f->dns, "no-such-option:", "1"),
	                 -1);
	assert_int_equal(evdns_base_set_option(f->dns, "so-rcvbuf:", "262144"),
	                 0);
}

static void test_cache(void **state)
{
	struct fx *f = *state;
	struct evdns_base_stats st;
	struct answer a;

	assert_int_equal(evdns_base_set_option(f->dns, "cache-size:", "8"), 0);
	f->zone.queries = 0;
	resolve4(f, "a.example.test", 0, &a);
	resolve4(f, "A.Example.Test", 0, &a);
	assert_int_equal(a.result, DNS_ERR_NONE);
	assert_int_equal(a.count, 2);
	assert_true(a.ttl > 0 && a.ttl <= 300);
	assert_int_equal(f->zone.queries, 1);
	evdns_base_get_stats(f->dns, &st);
	assert_int_equal(st.cache_hits, 1);
	/* Off again: the server is asked. */
	evdns_base_set_option(f->dns, "cache-size:", "0");
	resolve4(f, "a.example.test", 0, &a);
	assert_int_equal(f->zone.queries, 2);
}

static void write_file(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
}

static void test_resolv_conf(void **state)
{
	struct fx *f = *state;
	char path[] = "/tmp/libev-dns-resolvXXXXXX", text[512];
	struct answer a;
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	close(fd);
	snprintf(text, sizeof(text),
	         "# test\n; comment\nnameserver 127.0.0.1:%d\n"
	         "nameserver [::1]:%d\n"
	         "domain ignored.test\n"
	         "search nothere.test search.test\n"
	         "options ndots:2 timeout:0.2 attempts:1 rotate bogus:1\n",
	         f->port, f->port);
	write_file(path, text);
	evdns_base_free(f->dns, 0);
	f->dns = evdns_base_new(f->base, 0);
	assert_int_equal(
	    evdns_base_resolv_conf_parse(
	        f->dns, DNS_OPTIONS_ALL & ~DNS_OPTION_HOSTSFILE, path),
	    0);
	assert_int_equal(evdns_base_count_nameservers(f->dns), 2);
	/* Only the IPv4 server answers; keep the test on it. */
	evdns_base_clear_nameservers_and_suspend(f->dns);
	tu_ns_add(f->dns, f->port);
	evdns_base_resume(f->dns);
	resolve4(f, "x.y", 0, &a); /* ndots:2 -> search first */
	assert_int_equal(ntohl(a.a4[0]), 0x02020202);
	resolve4(f, "host", 0, &a);
	assert_int_equal(ntohl(a.a4[0]), 0x0a090909);

	/* Empty or missing files fall back to 127.0.0.1 without failing. */
	write_file(path, "# nothing\n");
	evdns_base_free(f->dns, 0);
	f->dns = evdns_base_new(f->base, 0);
	assert_int_equal(
	    evdns_base_resolv_conf_parse(
	        f->dns, DNS_OPTIONS_ALL & ~DNS_OPTION_HOSTSFILE, path),
	    0);
	assert_int_equal(evdns_base_count_nameservers(f->dns), 1);
	unlink(path);
	evdns_base_free(f->dns, 0);
	f->dns = evdns_base_new(f->base, 0);
	assert_int_equal(
	    evdns_base_resolv_conf_parse(f->dns, DNS_OPTIONS_ALL, path), 1);
	assert_int_equal(evdns_base_count_nameservers(f->dns), 1);
}

static void test_suspend_resume(void **state)
{
	struct fx *f = *state;
	struct answer a = {0};
	int never = 0;

	evdns_base_clear_nameservers_and_suspend(f->dns);
	assert_int_equal(evdns_base_count_nameservers(f->dns), 0);
	assert_non_null(evdns_base_resolve_ipv4(f->dns, "a.example.test", 0,
	                                        on_answer, &a));
	tu_run_until(f->base, &never, 100);
	assert_int_equal(a.calls, 0); /* held while suspended */
	tu_ns_add(f->dns, f->port);
	evdns_base_resume(f->dns);
	assert_int_equal(tu_run_until(f->base, &a.done, 3000), 0);
	assert_int_equal(a.result, DNS_ERR_NONE);
}

static void test_rotate(void **state)
{
	struct fx *f = *state;
	struct zone_stats z2 = {0};
	struct evdns_server_port *p2;
	struct answer a;
	int i, port2, udp2 = tu_udp_socket(0, &port2);

	p2 = evdns_add_server_port_with_base(f->base, udp2, 0, zone_cb, &z2);
	tu_ns_add(f->dns, port2);
	/* Listed order: the first server gets everything. */
	for (i = 0; i < 4; i++)
		resolve4(f, "a.example.test", 0, &a);
	assert_int_equal(f->zone.queries, 4);
	assert_int_equal(z2.queries, 0);
	/* rotate: spread over both. */
	assert_int_equal(evdns_base_set_option(f->dns, "rotate", NULL), 0);
	for (i = 0; i < 4; i++)
		resolve4(f, "a.example.test", 0, &a);
	assert_int_equal(f->zone.queries, 6);
	assert_int_equal(z2.queries, 2);
	evdns_close_server_port(p2);
}

struct port_log {
	struct zone_stats zone;
	int ports[64];
	int n;
};

static void port_log_cb(struct evdns_server_request *req, void *arg)
{
	struct port_log *pl = arg;
	struct sockaddr_storage ss;
	int port, i;

	evdns_server_request_get_requesting_addr(req, (struct sockaddr *)&ss,
	                                         sizeof(ss));
	port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
	for (i = 0; i < pl->n && pl->ports[i] != port; i++)
		;
	if (i == pl->n && pl->n < 64)
		pl->ports[pl->n++] = port;
	zone_cb(req, &pl->zone);
}

static int count_fds(void)
{
	int n = 0, fd;

	for (fd = 0; fd < 1024; fd++)
		n += fcntl(fd, F_GETFD) != -1;
	return n;
}

/* Source ports are drawn again every `port-rotate:` queries; sockets of
 * retired ports close once their last request is done. */
static void test_port_rotation(void **state)
{
	struct fx *f = *state;
	struct port_log pl;
	struct evdns_server_port *p;
	struct answer a[10];
	int udp, port, i, fds;

	memset(&pl, 0, sizeof(pl));
	udp = tu_udp_socket(0, &port);
	p = evdns_add_server_port_with_base(f->base, udp, 0, port_log_cb, &pl);
	evdns_base_free(f->dns, 0);
	f->dns = tu_resolver(f->base, port);
	fds = count_fds();
	assert_int_equal(evdns_base_set_option(f->dns, "port-rotate:", "2"), 0);
	for (i = 0; i < 6; i++) {
		resolve4(f, "a.example.test", 0, &a[0]);
		assert_int_equal(a[0].result, DNS_ERR_NONE);
	}
	assert_int_equal(pl.n, 3);
	/* Many in flight, a new port for every query. */
	evdns_base_set_option(f->dns, "port-rotate:", "1");
	memset(a, 0, sizeof(a));
	for (i = 0; i < 10; i++)
		assert_non_null(evdns_base_resolve_ipv4(
		    f->dns, "a.example.test", 0, on_answer, &a[i]));
	for (i = 0; i < 10; i++) {
		assert_int_equal(tu_run_until(f->base, &a[i].done, 3000), 0);
		assert_int_equal(a[i].result, DNS_ERR_NONE);
	}
	assert_int_equal(pl.n, 13);
	/* Only the current socket is left open. */
	assert_int_equal(count_fds(), fds);
	evdns_close_server_port(p);
}

static void test_ipv6_nameserver(void **state)
{
	struct fx *f = *state;
	struct sockaddr_in6 sin6;
	socklen_t len = sizeof(sin6);
	struct evdns_server_port *p6;
	struct zone_stats z = {0};
	struct answer a;
	char ns[64];
	int fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	memset(&sin6, 0, sizeof(sin6));
	sin6.sin6_family = AF_INET6;
	sin6.sin6_addr = in6addr_loopback;
	if (fd < 0 || bind(fd, (struct sockaddr *)&sin6, sizeof(sin6)) < 0) {
		if (fd >= 0)
			close(fd);
		skip(); /* no IPv6 loopback here */
	}
	getsockname(fd, (struct sockaddr *)&sin6, &len);
	p6 = evdns_add_server_port_with_base(f->base, fd, 0, zone_cb, &z);
	assert_non_null(p6);
	evdns_base_free(f->dns, 0);
	f->dns = tu_resolver(f->base, 0);
	snprintf(ns, sizeof(ns), "[::1]:%d", ntohs(sin6.sin6_port));
	assert_int_equal(evdns_base_nameserver_ip_add(f->dns, ns), 0);
	assert_int_equal(evdns_base_nameserver_ip_add(f->dns, ns), 3);
	assert_int_equal(evdns_base_nameserver_ip_add(f->dns, "[::1"), 4);
	resolve4(f, "a.example.test", 0, &a);
	assert_int_equal(a.result, DNS_ERR_NONE);
	assert_int_equal(z.queries, 1);
	evdns_close_server_port(p6);
}

static void test_compat_api(void **state)
{
	struct fx *f = *state;
	struct answer a = {0};
	char ns[64];
	struct event_base *cur = event_init();

	(void)f;
	assert_non_null(cur);
	/* evdns_init reads this machine's resolv.conf; that server is then
	 * removed before anything is sent. */
	assert_int_equal(evdns_init(), 0);
	assert_non_null(evdns_get_global_base());
	evdns_clear_nameservers_and_suspend();
	assert_int_equal(evdns_count_nameservers(), 0);
	{
		/* A server for the current base. */
		int udp, p;
		struct zone_stats z = {0};
		struct evdns_server_port *sp;

		udp = tu_udp_socket(0, &p);
		sp = evdns_add_server_port(udp, 0, zone_cb, &z);
		assert_non_null(sp);
		snprintf(ns, sizeof(ns), "127.0.0.1:%d", p);
		assert_int_equal(evdns_nameserver_ip_add(ns), 0);
		evdns_search_clear();
		evdns_resume();
		assert_int_equal(evdns_set_option("timeout:", "0.2", 0), 0);
		assert_int_equal(
		    evdns_resolve_ipv4("a.example.test", 0, on_answer, &a), 0);
		assert_int_equal(tu_run_until(cur, &a.done, 3000), 0);
		assert_int_equal(a.result, DNS_ERR_NONE);
		evdns_shutdown(0);
		evdns_close_server_port(sp);
	}
	event_base_free(cur);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_a, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_aaaa, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_ptr_v4_v6, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_cname_chain, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_search_ndots, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_timeout_silent, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_failover, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_tcp_fallback, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_cancel, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_shutdown_pending, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_free_in_callback, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_inflight_bound, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_cache, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_resolv_conf, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_suspend_resume, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_rotate, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_port_rotation, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_ipv6_nameserver, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_compat_api, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
