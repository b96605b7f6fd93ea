/*
 * Bug class: socket address parsing with over-long input.  "host:port"
 * strings are copied into fixed buffers (INET6_ADDRSTRLEN and friends)
 * before conversion; an over-long host part, an endless port, or a
 * bracket that never closes overflows the copy or walks off the string.
 * Entry points: evdns_base_nameserver_ip_add() (and the resolv.conf
 * nameserver line through it), evhttp_bind_socket() and the Host field
 * read by evhttp_request_get_host().
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
#include <evhttp.h>

/* Over-long forms of an address; built at run time into `buf`. */
static const char *overlong(int kind, char *buf, size_t size)
{
	size_t n = size - 1;

	memset(buf, 0, size);
	/* The fixed-length kinds need room for their text. */
	if (kind >= 4 && size < INET6_ADDRSTRLEN + 4)
		kind = 0;
	switch (kind) {
	case 0: /* a long run of digits and dots */
		for (size_t i = 0; i < n; i++)
			buf[i] = (i % 4 == 3) ? '.' : '1';
		break;
	case 1: /* "[" + long IPv6-looking text + "]:53" */
		buf[0] = '[';
		for (size_t i = 1; i < n - 4; i++)
			buf[i] = (i % 5 == 0) ? ':' : 'f';
		memcpy(buf + n - 4, "]:53", 4);
		break;
	case 2: /* an unclosed bracket */
		buf[0] = '[';
		memset(buf + 1, ':', n - 1);
		break;
	case 3: /* a valid host with an endless port */
		memcpy(buf, "127.0.0.1:", 10);
		memset(buf + 10, '9', n - 10);
		break;
	case 4: /* just past the IPv6 text size, with brackets */
		buf[0] = '[';
		memset(buf + 1, 'a', INET6_ADDRSTRLEN + 1);
		buf[INET6_ADDRSTRLEN + 2] = ']';
		break;
	default: /* exactly INET6_ADDRSTRLEN characters, no brackets */
		memset(buf, '1', INET6_ADDRSTRLEN);
		buf[INET6_ADDRSTRLEN] = '\0';
		break;
	}
	return buf;
}

static void test_nameserver_ip_add(void **state)
{
	struct event_base *base = event_base_new();
	struct evdns_base *dns = evdns_base_new(base, 0);
	static const size_t sizes[] = {47, 48, 64, 300, 5000};
	char *buf;

	(void)state;
	assert_non_null(dns);
	for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		buf = malloc(sizes[s]);
		assert_non_null(buf);
		for (int kind = 0; kind < 6; kind++) {
			assert_int_not_equal(
			    evdns_base_nameserver_ip_add(
			        dns, overlong(kind, buf, sizes[s])),
			    0);
		}
		free(buf);
	}
	assert_int_equal(evdns_base_count_nameservers(dns), 0);
	/* Still works for a sane address. */
	assert_int_equal(evdns_base_nameserver_ip_add(dns, "127.0.0.1:53"), 0);
	assert_int_equal(evdns_base_count_nameservers(dns), 1);
	evdns_base_free(dns, 0);
	event_base_free(base);
}

static void test_http_bind(void **state)
{
	struct event_base *base = event_base_new();
	struct evhttp *http = evhttp_new(base);
	char buf[600];

	(void)state;
	for (int kind = 0; kind < 6; kind++)
		assert_int_equal(evhttp_bind_socket(
		                     http, overlong(kind, buf, sizeof(buf)), 0),
		                 -1);
	evhttp_free(http);
	event_base_free(base);
}

static char seen_host[8192];
static int handled;

static void host_cb(struct evhttp_request *req, void *arg)
{
	const char *h = evhttp_request_get_host(req);

	(void)arg;
	handled++;
	snprintf(seen_host, sizeof(seen_host), "%s", h ? h : "(null)");
	evhttp_send_reply(req, HTTP_OK, "OK", NULL);
}

/* Sends `head` to the server and waits (bounded) for a status line. */
static int exchange(struct event_base *base, int port, const char *head)
{
	struct sockaddr_in sin = {0};
	char reply[256];
	int fd = socket(AF_INET, SOCK_STREAM, 0), code = -1;
	size_t len = strlen(head), off = 0;

	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(connect(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	for (int i = 0; i < 2000 && code < 0; i++) {
		ssize_t n;

		if (off < len) {
			n = send(fd, head + off, len - off, MSG_DONTWAIT);
			if (n > 0)
				off += (size_t)n;
		}
		event_base_loop(base, EVLOOP_NONBLOCK);
		n = recv(fd, reply, sizeof(reply) - 1, MSG_DONTWAIT);
		if (n > 12) {
			reply[n] = '\0';
			code = atoi(reply + 9);
		} else if (n == 0) {
			break;
		} else {
			usleep(1000);
		}
	}
	close(fd);
	return code;
}

static void test_http_host_field(void **state)
{
	struct event_base *base = event_base_new();
	struct evhttp *http = evhttp_new(base);
	struct evhttp_bound_socket *b;
	struct sockaddr_in sin;
	socklen_t sl = sizeof(sin);
	char *head, host[4100];
	int port;

	(void)state;
	b = evhttp_bind_socket_with_handle(http, "127.0.0.1", 0);
	assert_non_null(b);
	getsockname(evhttp_bound_socket_get_fd(b), (struct sockaddr *)&sin,
	            &sl);
	port = ntohs(sin.sin_port);
	evhttp_set_gencb(http, host_cb, NULL);
	head = malloc(8192);
	assert_non_null(head);
	for (int kind = 0; kind < 6; kind++) {
		int code;

		handled = 0;
		snprintf(head, 8192,
		         "GET / HTTP/1.1\r\nHost: %s\r\n"
		         "Connection: close\r\n\r\n",
		         overlong(kind, host, sizeof(host)));
		code = exchange(base, port, head);
		/* Refused (400/431) or served; served means the handler got
		 * a host no longer than what was sent. */
		assert_true(code == 200 || (code >= 400 && code < 500));
		if (code == 200) {
			assert_int_equal(handled, 1);
			assert_true(strlen(seen_host) <= strlen(host));
		}
	}
	free(head);
	evhttp_free(http);
	event_base_free(base);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_nameserver_ip_add),
	    cmocka_unit_test(test_http_bind),
	    cmocka_unit_test(test_http_host_field),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
