/*
 * libev-dns without an evdns_set_log_fn() function: its messages reach the
 * core log callback (warnings at EVENT_LOG_WARN), and what a refusing
 * nameserver on loopback makes happen is never more than the failover
 * warning.  With a log function set, the core callback sees nothing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event.h>
#include <evdns.h>

#include "log-capture.h"

static int dns_fn_calls;

static void dns_fn(int is_warning, const char *msg)
{
	(void)is_warning;
	(void)msg;
	dns_fn_calls++;
}

static int setup(void **state)
{
	(void)state;
	dns_fn_calls = 0;
	evdns_set_log_fn(NULL);
	log_capture_start();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	evdns_set_log_fn(NULL);
	log_capture_stop();
	return 0;
}

static void never(int r, char type, int count, int ttl, void *addrs, void *arg)
{
	(void)r;
	(void)type;
	(void)count;
	(void)ttl;
	(void)addrs;
	(void)arg;
	fail_msg("callback of a refused request ran");
}

static void test_falls_back_to_core_log(void **state)
{
	struct event_base *base = event_base_new();
	struct evdns_base *dns;

	(void)state;
	assert_non_null(base);
	dns = evdns_base_new(base, 0);
	assert_non_null(dns);
	assert_null(evdns_base_resolve_ipv4(dns, "", 0, never, NULL));
	assert_int_equal(ncaptured, 1);
	assert_int_equal(captured[0].severity, EVENT_LOG_WARN);
	assert_non_null(strstr(captured[0].text, "empty name"));

	/* With the resolver's own log function, only that one is called. */
	ncaptured = 0;
	evdns_set_log_fn(dns_fn);
	assert_null(evdns_base_resolve_ipv4(dns, "", 0, never, NULL));
	assert_int_equal(dns_fn_calls, 1);
	assert_int_equal(ncaptured, 0);

	evdns_base_free(dns, 0);
	event_base_free(base);
}

static int answered;
static int answer_err;

static void on_answer(int r, char type, int count, int ttl, void *addrs,
                      void *arg)
{
	(void)type;
	(void)count;
	(void)ttl;
	(void)addrs;
	answer_err = r;
	answered++;
	event_base_loopexit(arg, NULL);
}

/*
 * A nameserver address on loopback where nothing listens: every query
 * comes back as an ICMP port unreachable, which the kernel reports on the
 * next send.  That must not be a warning per query.
 */
static void test_refusing_nameserver_not_warned_per_query(void **state)
{
	struct event_base *base = event_base_new();
	struct evdns_base *dns;
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	struct timeval limit = {10, 0};
	char addr[64];
	int fd, i, warns = 0;

	(void)state;
	assert_non_null(base);
	/* A UDP port bound by nobody: bind one, note it, close it. */
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	assert_true(fd >= 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	close(fd);
	snprintf(addr, sizeof(addr), "127.0.0.1:%u", ntohs(sin.sin_port));

	dns = evdns_base_new(base, 0);
	assert_non_null(dns);
	assert_int_equal(evdns_base_nameserver_ip_add(dns, addr), 0);
	assert_int_equal(evdns_base_set_option(dns, "timeout:", "0.05"), 0);
	assert_int_equal(evdns_base_set_option(dns, "attempts:", "4"), 0);
	answered = 0;
	for (i = 0; i < 4; i++)
		assert_non_null(
		    evdns_base_resolve_ipv4(dns, "a.test", 0, on_answer, base));
	/* Each round ends at an answer or at the time limit: bounded. */
	for (i = 0; i < 8 && answered < 4; i++) {
		int before = answered;

		event_base_loopexit(base, &limit);
		if (event_base_dispatch(base) != 0 || answered == before)
			break;
	}
	assert_int_equal(answered, 4);
	assert_int_not_equal(answer_err, DNS_ERR_NONE);
	for (i = 0; i < ncaptured; i++) {
		if (captured[i].severity < EVENT_LOG_WARN)
			continue;
		warns++;
		if (strstr(captured[i].text, "is down") == NULL)
			fail_msg("unexpected warning: %s", captured[i].text);
	}
	/* The failover warning, once. */
	assert_true(warns <= 1);

	evdns_base_free(dns, 1);
	event_base_free(base);
}

static void no_request(struct evdns_server_request *req, void *arg)
{
	(void)arg;
	evdns_server_request_drop(req);
}

/* A server port that cannot be set up says why, once, at WARN. */
static void test_server_port_refused_is_logged(void **state)
{
	struct event_base *base = event_base_new();

	(void)state;
	assert_null(
	    evdns_add_server_port_with_base(base, -1, 0, no_request, NULL));
	assert_int_equal(ncaptured, 1);
	assert_int_equal(captured[0].severity, EVENT_LOG_WARN);
	assert_non_null(strstr(captured[0].text, "no socket"));
	ncaptured = 0;
	assert_null(evdns_add_server_port_with_base(base, 0, 0, NULL, NULL));
	assert_int_equal(ncaptured, 1);
	assert_non_null(strstr(captured[0].text, "no request callback"));
	event_base_free(base);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_falls_back_to_core_log, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(
	        test_refusing_nameserver_not_warned_per_query, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_server_port_refused_is_logged,
	                                    setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
