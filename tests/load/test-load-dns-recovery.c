/*
 * Fault: a resolver whose only nameserver goes silent and comes back
 * recovers.  The nameserver is a loopback socket in the test's own loop
 * that answers A queries, then drops everything for a while, then answers
 * again.  While it is silent, lookups fail with DNS_ERR_TIMEOUT within
 * their timeout budget (never hang); once it answers again, lookups must
 * succeed within a bounded time and stay fast.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include <evdns.h>

#include "load-util.h"
#include "packet.h"

static struct {
	struct event_base *base;
	struct evdns_base *dns;
	struct event *ns_ev;
	int ns_fd;
	int silent;
	int received, dropped;
	int done, result;
	uint32_t addr;
} T;

static void ns_read(evutil_socket_t fd, short what, void *arg)
{
	uint8_t m[1500], wire[EV__DNS_NAME_MAX];
	struct sockaddr_storage from;
	socklen_t fl = sizeof(from);
	ssize_t n;

	(void)what;
	(void)arg;
	while ((n = recvfrom(fd, m, sizeof(m) - 16, MSG_DONTWAIT,
	                     (struct sockaddr *)&from, &fl)) > 0) {
		size_t off = 12, wl;
		uint16_t type, cls;
		static const uint8_t rr[] = {0xc0, 0x0c, 0, 1, 0,  1, 0, 0,
		                             0,    60,   0, 4, 10, 0, 0, 1};

		T.received++;
		if (T.silent) {
			T.dropped++;
			continue;
		}
		if (ev__dns_question_read(m, (size_t)n, &off, wire, &wl, &type,
		                          &cls) < 0)
			continue;
		m[2] = 0x81;
		m[3] = 0x80;
		m[6] = 0;
		m[7] = 1; /* ANCOUNT */
		memset(m + 8, 0, 4);
		memcpy(m + off, rr, sizeof(rr));
		sendto(fd, m, off + sizeof(rr), 0, (struct sockaddr *)&from,
		       fl);
	}
}

static void on_answer(int result, char type, int count, int ttl,
                      void *addresses, void *arg)
{
	(void)type;
	(void)ttl;
	(void)arg;
	T.done = 1;
	T.result = result;
	if (result == DNS_ERR_NONE && count > 0)
		memcpy(&T.addr, addresses, 4);
	event_base_loopbreak(T.base);
}

/* One lookup; returns its result and how long it took (ms). */
static int lookup(const char *name, int64_t *ms)
{
	struct timeval limit = {10, 0};
	int64_t t0 = lu_now_ms();

	T.done = 0;
	T.addr = 0;
	assert_non_null(evdns_base_resolve_ipv4(
	    T.dns, name, DNS_QUERY_NO_SEARCH, on_answer, NULL));
	event_base_loopexit(T.base, &limit);
	event_base_dispatch(T.base);
	assert_true(T.done); /* never hangs */
	*ms = lu_now_ms() - t0;
	return T.result;
}

static void test_silent_then_back(void **state)
{
	struct sockaddr_in sin = {0};
	socklen_t sl = sizeof(sin);
	char ns[64], name[32];
	int64_t ms, t_back, worst = 0;
	int r;

	(void)state;
	T.base = event_base_new();
	T.ns_fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(T.ns_fd, (struct sockaddr *)&sin, sizeof(sin)),
	                 0);
	assert_int_equal(getsockname(T.ns_fd, (struct sockaddr *)&sin, &sl), 0);
	T.ns_ev =
	    event_new(T.base, T.ns_fd, EV_READ | EV_PERSIST, ns_read, NULL);
	event_add(T.ns_ev, NULL);
	T.dns = evdns_base_new(T.base, 0);
	assert_non_null(T.dns);
	snprintf(ns, sizeof(ns), "127.0.0.1:%d", ntohs(sin.sin_port));
	assert_int_equal(evdns_base_nameserver_ip_add(T.dns, ns), 0);
	assert_int_equal(evdns_base_set_option(T.dns, "timeout:", "0.3"), 0);
	assert_int_equal(evdns_base_set_option(T.dns, "attempts:", "2"), 0);
	assert_int_equal(evdns_base_set_option(T.dns, "max-timeouts:", "2"), 0);
	assert_int_equal(
	    evdns_base_set_option(T.dns, "initial-probe-timeout:", "0.5"), 0);
	assert_int_equal(evdns_base_set_option(T.dns, "cache-size:", "0"), 0);

	/* Up. */
	assert_int_equal(lookup("up.example.test", &ms), DNS_ERR_NONE);
	assert_int_equal(T.addr, htonl(0x0a000001));

	/* Silent: each lookup times out, in about timeout x attempts. */
	T.silent = 1;
	for (int i = 0; i < 4; i++) {
		snprintf(name, sizeof(name), "down%d.example.test", i);
		r = lookup(name, &ms);
		assert_int_equal(r, DNS_ERR_TIMEOUT);
		assert_true(ms < 3000);
	}
	assert_true(T.dropped >= 4);

	/* Back: lookups succeed again within a bounded time. */
	T.silent = 0;
	t_back = lu_now_ms();
	r = -1;
	for (int i = 0; r != DNS_ERR_NONE && lu_now_ms() < t_back + 8000; i++) {
		snprintf(name, sizeof(name), "back%d.example.test", i);
		r = lookup(name, &ms);
	}
	assert_int_equal(r, DNS_ERR_NONE);
	t_back = lu_now_ms() - t_back;
	/* And stay fast. */
	for (int i = 0; i < 10; i++) {
		snprintf(name, sizeof(name), "after%d.example.test", i);
		assert_int_equal(lookup(name, &ms), DNS_ERR_NONE);
		if (ms > worst)
			worst = ms;
	}
	assert_true(worst < 1000);
	print_message("recovered %lld ms after the server came back; then 10 "
	              "lookups, slowest %lld ms\n",
	              (long long)t_back, (long long)worst);
	evdns_base_free(T.dns, 0);
	event_free(T.ns_ev);
	close(T.ns_fd);
	event_base_free(T.base);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_silent_then_back),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
