/*
 * Bug class: an empty hostname in the search path.  Empty or dot-only
 * entries in the search list (from "search . \"\"" or a bare "domain"
 * line), and empty names to resolve, lead naive code to build names like
 * "host." + "" or "" + ".example", i.e. empty labels or a lone dot, and to
 * index past the end of an empty string.  Every lookup must end in exactly
 * one callback, and every query that reaches the (loopback) nameserver
 * must carry a well-formed name.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
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

static struct {
	struct event_base *base;
	struct evdns_base *dns;
	struct event *ns_ev;
	int ns_fd;
	int queries, bad_names, callbacks, pending;
	char last[EV__DNS_TEXT_MAX];
} T;

/* The fake nameserver: checks each query's name, answers NXDOMAIN. */
static void ns_read(evutil_socket_t fd, short what, void *arg)
{
	uint8_t m[1500], wire[EV__DNS_NAME_MAX];
	struct sockaddr_storage from;
	socklen_t fl = sizeof(from);
	ssize_t n;

	(void)what;
	(void)arg;
	while ((n = recvfrom(fd, m, sizeof(m), MSG_DONTWAIT,
	                     (struct sockaddr *)&from, &fl)) > 0) {
		size_t off = 12, wl = 0;
		uint16_t type, cls;

		T.queries++;
		if (n < 12 || ev__dns_question_read(m, (size_t)n, &off, wire,
		                                    &wl, &type, &cls) < 0) {
			T.bad_names++;
			continue;
		}
		if (ev__dns_name_to_text(wire, T.last, sizeof(T.last)) < 0)
			T.bad_names++;
		/* An empty label can only be the root's final zero. */
		for (size_t i = 0; i < wl && wire[i]; i += (size_t)wire[i] + 1)
			if (wire[i] > EV__DNS_LABEL_MAX)
				T.bad_names++;
		m[2] = 0x81;
		m[3] = 0x83; /* response, RD RA, NXDOMAIN */
		sendto(fd, m, off, 0, (struct sockaddr *)&from, fl);
	}
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
	T.callbacks++;
	if (--T.pending == 0)
		event_base_loopbreak(T.base);
}

static int setup(void **state)
{
	struct sockaddr_in sin = {0};
	socklen_t sl = sizeof(sin);
	char ns[64];

	(void)state;
	memset(&T, 0, sizeof(T));
	T.base = event_base_new();
	T.ns_fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (!T.base || bind(T.ns_fd, (struct sockaddr *)&sin, sizeof(sin)) ||
	    getsockname(T.ns_fd, (struct sockaddr *)&sin, &sl))
		return -1;
	T.ns_ev =
	    event_new(T.base, T.ns_fd, EV_READ | EV_PERSIST, ns_read, NULL);
	event_add(T.ns_ev, NULL);
	T.dns = evdns_base_new(T.base, 0);
	snprintf(ns, sizeof(ns), "127.0.0.1:%d", ntohs(sin.sin_port));
	if (!T.dns || evdns_base_nameserver_ip_add(T.dns, ns) != 0)
		return -1;
	evdns_base_set_option(T.dns, "timeout:", "1");
	evdns_base_set_option(T.dns, "attempts:", "1");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	evdns_base_free(T.dns, 0);
	event_free(T.ns_ev);
	close(T.ns_fd);
	event_base_free(T.base);
	return 0;
}

static void resolve_all(const char *const *names, size_t n)
{
	struct timeval limit = {10, 0};

	T.callbacks = 0;
	T.pending = 0;
	for (size_t i = 0; i < n; i++) {
		int before = T.callbacks;

		T.pending++;
		/* A refused lookup reports through the callback or returns
		 * NULL; both end it. */
		if (evdns_base_resolve_ipv4(T.dns, names[i], 0, on_answer,
		                            NULL) == NULL &&
		    T.callbacks == before) {
			T.pending--;
			T.callbacks++;
		}
	}
	if (T.pending > 0) {
		event_base_loopexit(T.base, &limit);
		event_base_dispatch(T.base);
	}
	assert_int_equal(T.pending, 0);
	assert_int_equal(T.callbacks, (int)n);
	assert_int_equal(T.bad_names, 0);
}

static void test_empty_entries_in_search_list(void **state)
{
	static const char *const names[] = {"host", "a.b", "host.", "x.y.z.w"};
	static const char *const entries[] = {
	    "", ".", "..", "...", "example.test", "."};

	(void)state;
	evdns_base_search_clear(T.dns);
	for (size_t i = 0; i < sizeof(entries) / sizeof(entries[0]); i++)
		evdns_base_search_add(T.dns, entries[i]);
	resolve_all(names, sizeof(names) / sizeof(names[0]));
	assert_true(T.queries > 0);
}

static void test_empty_name_with_search_list(void **state)
{
	static const char *const names[] = {"", ".", "..", "a..b", ".lead"};

	(void)state;
	evdns_base_search_clear(T.dns);
	evdns_base_search_add(T.dns, "example.test");
	evdns_base_search_ndots_set(T.dns, 1);
	resolve_all(names, sizeof(names) / sizeof(names[0]));
}

static void test_empty_search_from_resolv_conf(void **state)
{
	static const char *const names[] = {"host", ""};
	char path[] = "/tmp/libev-regress-resolv-XXXXXX";
	int fd = mkstemp(path);
	static const char conf[] = "search . \"\" ..\ndomain\nsearch\n";

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, conf, sizeof(conf) - 1),
	                 (ssize_t)sizeof(conf) - 1);
	close(fd);
	assert_int_equal(
	    evdns_base_resolv_conf_parse(T.dns, DNS_OPTION_SEARCH, path), 0);
	unlink(path);
	resolve_all(names, sizeof(names) / sizeof(names[0]));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_empty_entries_in_search_list,
	                                    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_empty_name_with_search_list,
	                                    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_empty_search_from_resolv_conf,
	                                    setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
