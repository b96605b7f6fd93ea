/*
 * Interop: our resolver asks Debian's dnsmasq, started by the test on a
 * free loopback port with only local records (no upstream, no hosts
 * file, no configuration file).  Skipped only when dnsmasq is absent.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "spawn.h"

struct fx {
	struct event_base *base;
	struct evdns_base *dns;
	pid_t pid;
	int out_fd;
};

struct answer {
	int done, result, count;
	char type;
	uint32_t a4[32];
	struct in6_addr a6[32];
	char ptr[300];
};

static void on_answer(int result, char type, int count, int ttl,
                      void *addresses, void *arg)
{
	struct answer *a = arg;

	(void)ttl;
	a->done = 1;
	a->result = result;
	a->type = type;
	a->count = count;
	if (result || !count)
		return;
	if (type == DNS_IPv4_A)
		memcpy(a->a4, addresses, (size_t)count * 4);
	else if (type == DNS_IPv6_AAAA)
		memcpy(a->a6, addresses, (size_t)count * 16);
	else
		snprintf(a->ptr, sizeof(a->ptr), "%s", *(char **)addresses);
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	char path[256], portarg[32];
	int port, i;

	*state = f;
	if (!sp_find("dnsmasq", path, sizeof(path)))
		return 0; /* the tests skip */
	port = sp_free_port();
	assert_true(port > 0);
	snprintf(portarg, sizeof(portarg), "--port=%d", port);
	{
		char *argv[] = {
		    path,
		    (char *)"-k",
		    (char *)"--conf-file=/dev/null",
		    (char *)"--no-resolv",
		    (char *)"--no-hosts",
		    (char *)"--no-poll",
		    (char *)"--pid-file=",
		    (char *)"--user=root",
		    portarg,
		    (char *)"--listen-address=127.0.0.1",
		    (char *)"--bind-interfaces",
		    (char *)"--address=/example.test/10.1.2.3",
		    (char *)"--host-record=host.lan,10.4.4.4,fd00::4",
		    (char *)"--cname=alias.lan,host.lan",
		    (char *)"--local-ttl=60",
		    NULL};

		if (getuid() != 0)
			argv[7] = (char *)"--log-facility=-";
		f->pid = sp_start(argv, &f->out_fd);
	}
	assert_true(f->pid > 0);
	f->base = event_base_new();
	f->dns = tu_resolver(f->base, port);
	evdns_base_set_option(f->dns, "timeout:", "0.2");
	/* Wait (bounded) until dnsmasq answers. */
	for (i = 0; i < 40; i++) {
		struct answer a = {0};

		evdns_base_resolve_ipv4(f->dns, "host.lan", DNS_QUERY_NO_SEARCH,
		                        on_answer, &a);
		tu_run_until(f->base, &a.done, 1000);
		if (a.result == DNS_ERR_NONE)
			break;
		usleep(50000);
	}
	assert_true(i < 40);
	evdns_base_set_option(f->dns, "timeout:", "1");
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	if (f->pid > 0) {
		kill(f->pid, SIGTERM);
		waitpid(f->pid, NULL, 0);
		close(f->out_fd);
	}
	if (f->dns)
		evdns_base_free(f->dns, 0);
	if (f->base)
		event_base_free(f->base);
	free(f);
	return 0;
}

static void ask(struct fx *f, int type, const char *name, int flags,
                struct answer *a)
{
	memset(a, 0, sizeof(*a));
	if (type == DNS_IPv4_A)
		assert_non_null(
		    evdns_base_resolve_ipv4(f->dns, name, flags, on_answer, a));
	else
		assert_non_null(
		    evdns_base_resolve_ipv6(f->dns, name, flags, on_answer, a));
	assert_int_equal(tu_run_until(f->base, &a->done, 3000), 0);
}

static void test_records(void **state)
{
	struct fx *f = *state;
	struct answer a;
	struct in6_addr want;
	struct in_addr in;

	if (f->pid <= 0)
		skip();
	ask(f, DNS_IPv4_A, "www.example.test", 0, &a);
	assert_int_equal(a.result, DNS_ERR_NONE);
	assert_int_equal(ntohl(a.a4[0]), 0x0a010203);
	ask(f, DNS_IPv4_A, "host.lan", 0, &a);
	assert_int_equal(ntohl(a.a4[0]), 0x0a040404);
	ask(f, DNS_IPv6_AAAA, "host.lan", 0, &a);
	assert_int_equal(a.result, DNS_ERR_NONE);
	inet_pton(AF_INET6, "fd00::4", &want);
	assert_memory_equal(&a.a6[0], &want, 16);
	/* CNAME followed to the host record. */
	ask(f, DNS_IPv4_A, "alias.lan", 0, &a);
	assert_int_equal(a.result, DNS_ERR_NONE);
	assert_int_equal(ntohl(a.a4[0]), 0x0a040404);
	/* Reverse lookups from the host record. */
	memset(&a, 0, sizeof(a));
	in.s_addr = htonl(0x0a040404);
	assert_non_null(
	    evdns_base_resolve_reverse(f->dns, &in, 0, on_answer, &a));
	assert_int_equal(tu_run_until(f->base, &a.done, 3000), 0);
	assert_int_equal(a.result, DNS_ERR_NONE);
	assert_string_equal(a.ptr, "host.lan");
	memset(&a, 0, sizeof(a));
	assert_non_null(
	    evdns_base_resolve_reverse_ipv6(f->dns, &want, 0, on_answer, &a));
	assert_int_equal(tu_run_until(f->base, &a.done, 3000), 0);
	assert_int_equal(a.result, DNS_ERR_NONE);
	assert_string_equal(a.ptr, "host.lan");
}

static void test_search(void **state)
{
	struct fx *f = *state;
	struct answer a;

	if (f->pid <= 0)
		skip();
	evdns_base_search_add(f->dns, "lan");
	ask(f, DNS_IPv4_A, "host", 0, &a);
	assert_int_equal(a.result, DNS_ERR_NONE);
	assert_int_equal(ntohl(a.a4[0]), 0x0a040404);
}

struct gai {
	int done, err;
	struct evutil_addrinfo *res;
};

static void on_gai(int err, struct evutil_addrinfo *res, void *arg)
{
	struct gai *g = arg;

	g->done = 1;
	g->err = err;
	g->res = res;
}

static void test_getaddrinfo(void **state)
{
	struct fx *f = *state;
	struct evutil_addrinfo hints, *ai;
	struct gai g = {0};
	int v4 = 0, v6 = 0;

	if (f->pid <= 0)
		skip();
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	evdns_base_load_hosts(f->dns, "/dev/null");
	assert_non_null(
	    evdns_getaddrinfo(f->dns, "host.lan", "443", &hints, on_gai, &g));
	assert_int_equal(tu_run_until(f->base, &g.done, 3000), 0);
	assert_int_equal(g.err, 0);
	for (ai = g.res; ai; ai = ai->ai_next) {
		v4 += ai->ai_family == AF_INET;
		v6 += ai->ai_family == AF_INET6;
	}
	assert_int_equal(v4, 1);
	assert_int_equal(v6, 1);
	evutil_freeaddrinfo(g.res);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_records, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_search, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_getaddrinfo, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
