/*
 * evdns_getaddrinfo: numeric hosts, a hosts file the test writes, DNS
 * through our server with the search list (both families answered for
 * the same name), flags, errors and cancel.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "test-zone.h"

struct fx {
	struct event_base *base;
	struct evdns_server_port *port;
	struct zone_stats zone;
	struct evdns_base *dns;
	char hosts[64];
};

struct gai {
	int done, calls, err;
	struct evutil_addrinfo *res;
};

static void on_gai(int err, struct evutil_addrinfo *res, void *arg)
{
	struct gai *g = arg;

	g->done = 1;
	g->calls++;
	g->err = err;
	g->res = res;
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	int udp, port, fd;
	FILE *fp;

	f->base = event_base_new();
	udp = tu_udp_socket(0, &port);
	f->port =
	    evdns_add_server_port_with_base(f->base, udp, 0, zone_cb, &f->zone);
	f->dns = tu_resolver(f->base, port);
	strcpy(f->hosts, "/tmp/libev-dns-hostsXXXXXX");
	fd = mkstemp(f->hosts);
	assert_true(fd >= 0);
	fp = fdopen(fd, "w");
	fputs("# test hosts\n"
	      "10.5.5.5   myhost.test myalias   # comment\n"
	      "::5        myhost.test\n"
	      "10.5.5.6   MyHost.Test\n"
	      "bogus      line\n"
	      "10.7.7.7   v4only.test\n",
	      fp);
	fclose(fp);
	assert_int_equal(evdns_base_load_hosts(f->dns, f->hosts), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	unlink(f->hosts);
	evdns_base_free(f->dns, 0);
	evdns_close_server_port(f->port);
	event_base_free(f->base);
	free(f);
	return 0;
}

static int count(const struct evutil_addrinfo *ai, int family)
{
	int n = 0;

	for (; ai; ai = ai->ai_next)
		n += ai->ai_family == family;
	return n;
}

static void run(struct fx *f, const char *node, const char *serv,
                const struct evutil_addrinfo *hints, struct gai *g)
{
	memset(g, 0, sizeof(*g));
	if (evdns_getaddrinfo(f->dns, node, serv, hints, on_gai, g))
		assert_int_equal(tu_run_until(f->base, &g->done, 3000), 0);
	assert_int_equal(g->calls, 1);
}

static void test_numeric(void **state)
{
	struct fx *f = *state;
	struct evutil_addrinfo hints;
	struct sockaddr_in *sin;
	struct gai g;

	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	/* Numeric answers come at once, from inside the call. */
	memset(&g, 0, sizeof(g));
	assert_null(
	    evdns_getaddrinfo(f->dns, "127.0.0.1", "80", &hints, on_gai, &g));
	assert_int_equal(g.calls, 1);
	assert_int_equal(g.err, 0);
	assert_non_null(g.res);
	assert_null(g.res->ai_next);
	sin = (struct sockaddr_in *)g.res->ai_addr;
	assert_int_equal(ntohs(sin->sin_port), 80);
	assert_int_equal(ntohl(sin->sin_addr.s_addr), 0x7f000001);
	assert_int_equal(g.res->ai_protocol, IPPROTO_TCP);
	evutil_freeaddrinfo(g.res);
	run(f, "::1", NULL, NULL, &g); /* TCP and UDP entries */
	assert_int_equal(count(g.res, AF_INET6), 2);
	evutil_freeaddrinfo(g.res);
	hints.ai_family = AF_INET;
	run(f, "::1", NULL, &hints, &g);
	assert_int_not_equal(g.err, 0);
	/* NULL node: loopback, or the wildcard with AI_PASSIVE. */
	hints.ai_flags = AI_PASSIVE;
	run(f, NULL, "8080", &hints, &g);
	assert_int_equal(g.err, 0);
	sin = (struct sockaddr_in *)g.res->ai_addr;
	assert_int_equal(sin->sin_addr.s_addr, htonl(INADDR_ANY));
	evutil_freeaddrinfo(g.res);
	/* Errors. */
	hints.ai_flags = AI_NUMERICHOST;
	run(f, "a.example.test", NULL, &hints, &g);
	assert_int_equal(g.err, EVUTIL_EAI_NONAME);
	hints.ai_flags = AI_NUMERICSERV;
	run(f, "127.0.0.1", "http", &hints, &g);
	assert_int_equal(g.err, EVUTIL_EAI_NONAME);
	hints.ai_flags = 0;
	run(f, "127.0.0.1", "no-such-service-x", &hints, &g);
	assert_int_equal(g.err, EVUTIL_EAI_SERVICE);
	run(f, "", NULL, &hints, &g);
	assert_int_equal(g.err, EVUTIL_EAI_NONAME);
	run(f, NULL, NULL, &hints, &g);
	assert_int_equal(g.err, EVUTIL_EAI_NONAME);
	hints.ai_family = 12345;
	run(f, "127.0.0.1", NULL, &hints, &g);
	assert_int_equal(g.err, EVUTIL_EAI_FAMILY);
}

static void test_hosts_file(void **state)
{
	struct fx *f = *state;
	struct evutil_addrinfo hints;
	struct gai g;

	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_CANONNAME;
	/* An alias, any case: every matching line, canonical name first. */
	run(f, "MYALIAS", "80", &hints, &g);
	assert_int_equal(g.err, 0);
	assert_int_equal(count(g.res, AF_INET), 1);
	assert_string_equal(g.res->ai_canonname, "myhost.test");
	evutil_freeaddrinfo(g.res);
	run(f, "myhost.test.", "80", &hints, &g);
	assert_int_equal(count(g.res, AF_INET), 2);
	assert_int_equal(count(g.res, AF_INET6), 1);
	evutil_freeaddrinfo(g.res);
	assert_int_equal(f->zone.queries, 0); /* DNS never asked */
	/* Only IPv6 wanted but only IPv4 listed: nothing from the file,
	 * so DNS is asked (and says NXDOMAIN). */
	hints.ai_family = AF_INET6;
	run(f, "v4only.test", "80", &hints, &g);
	assert_int_equal(g.err, EVUTIL_EAI_NONAME);
	assert_true(f->zone.queries > 0);
	/* ... and AI_V4MAPPED maps it. */
	hints.ai_flags = AI_V4MAPPED;
	run(f, "v4only.test", "80", &hints, &g);
	assert_int_equal(g.err, 0);
	assert_int_equal(count(g.res, AF_INET6), 1);
	assert_true(IN6_IS_ADDR_V4MAPPED(
	    &((struct sockaddr_in6 *)g.res->ai_addr)->sin6_addr));
	evutil_freeaddrinfo(g.res);
}

static void test_dns(void **state)
{
	struct fx *f = *state;
	struct evutil_addrinfo hints;
	struct gai g;

	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_DGRAM;
	run(f, "a.example.test", "53", &hints, &g);
	assert_int_equal(g.err, 0);
	assert_int_equal(count(g.res, AF_INET), 2);
	assert_int_equal(count(g.res, AF_INET6), 1);
	evutil_freeaddrinfo(g.res);
	/* Search list: "host" has an A record only under search.test.  The
	 * AAAA query is for that same name (and finds none). */
	evdns_base_search_add(f->dns, "nothere.test");
	evdns_base_search_add(f->dns, "search.test");
	run(f, "host", NULL, &hints, &g);
	assert_int_equal(g.err, 0);
	assert_int_equal(count(g.res, AF_INET), 1);
	assert_int_equal(count(g.res, AF_INET6), 0);
	assert_int_equal(strcasecmp(f->zone.last_name, "host.search.test"), 0);
	evutil_freeaddrinfo(g.res);
	run(f, "nohost", NULL, &hints, &g);
	assert_int_equal(g.err, EVUTIL_EAI_NONAME);
	/* AI_CANONNAME: the end of the CNAME chain, or the name as asked. */
	hints.ai_flags = AI_CANONNAME;
	run(f, "alias.example.test", NULL, &hints, &g);
	assert_int_equal(g.err, 0);
	assert_string_equal(g.res->ai_canonname, "a.example.test");
	evutil_freeaddrinfo(g.res);
	run(f, "cnameonly.example.test", NULL, &hints, &g);
	assert_int_equal(g.err, 0);
	assert_string_equal(g.res->ai_canonname, "a.example.test");
	evutil_freeaddrinfo(g.res);
	run(f, "host", NULL, &hints, &g);
	assert_int_equal(g.err, 0);
	assert_string_equal(g.res->ai_canonname, "host.search.test");
	evutil_freeaddrinfo(g.res);
}

static void test_cancel(void **state)
{
	struct fx *f = *state;
	struct evdns_getaddrinfo_request *r;
	struct gai g = {0};
	int never = 0;

	f->zone.respond = 1;
	r = evdns_getaddrinfo(f->dns, "a.example.test", NULL, NULL, on_gai, &g);
	assert_non_null(r);
	evdns_getaddrinfo_cancel(r);
	assert_int_equal(g.calls, 1);
	assert_int_equal(g.err, EVUTIL_EAI_CANCEL);
	tu_run_until(f->base, &never, 100);
	assert_int_equal(g.calls, 1);
	/* Pending at shutdown: reported as cancelled, nothing leaks. */
	memset(&g, 0, sizeof(g));
	assert_non_null(evdns_getaddrinfo(f->dns, "a.example.test", NULL, NULL,
	                                  on_gai, &g));
	evdns_base_free(f->dns, 1);
	f->dns = tu_resolver(f->base, 0);
	assert_int_equal(g.calls, 1);
	assert_int_equal(g.err, EVUTIL_EAI_CANCEL);
}

struct free_ctx {
	struct evdns_base **dns;
	int calls, err;
};

static void gai_free_base(int err, struct evutil_addrinfo *res, void *arg)
{
	struct free_ctx *c = arg;

	c->calls++;
	c->err = err;
	if (res)
		evutil_freeaddrinfo(res);
	evdns_base_free(*c->dns, 1);
	*c->dns = NULL;
}

/* The getaddrinfo callback frees the resolver: fine, nothing touched. */
static void test_free_in_callback(void **state)
{
	struct fx *f = *state;
	struct free_ctx c = {&f->dns, 0, 0};
	struct gai other = {0};
	int never = 0;

	assert_non_null(evdns_getaddrinfo(f->dns, "a.example.test", NULL, NULL,
	                                  gai_free_base, &c));
	assert_non_null(evdns_getaddrinfo(f->dns, "b.example.test", NULL, NULL,
	                                  on_gai, &other));
	assert_int_equal(tu_run_until(f->base, &c.calls, 3000), 0);
	tu_run_until(f->base, &never, 100);
	assert_int_equal(c.calls, 1);
	assert_int_equal(c.err, 0);
	assert_int_equal(other.calls, 1);
	assert_int_equal(other.err, EVUTIL_EAI_CANCEL);
	f->dns = tu_resolver(f->base, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_numeric, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_hosts_file, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_dns, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_free_in_callback, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_cancel, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
