/*
 * libev-http's failures reach the core log callback: a bind failure at
 * WARN naming the port, a malformed request at DEBUG only (hostile input
 * must not reach stderr by default), a client request to a closed port at
 * WARN.  Server and clients run in this process, on loopback.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <event.h>
#include <evhttp.h>

#include "log-capture.h"

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000;
}

/* A socket bound (and listening, when listening) on 127.0.0.1. */
static int bound_socket(int listening, int *port)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0)
		return -1;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0 ||
	    (listening && listen(fd, 16) < 0) ||
	    getsockname(fd, (struct sockaddr *)&sin, &len) < 0) {
		close(fd);
		return -1;
	}
	*port = ntohs(sin.sin_port);
	return fd;
}

static void test_bind_failure_warns(void **state)
{
	struct event_base *base = event_base_new();
	struct evhttp *http;
	const char *text = NULL;
	char portstr[16];
	int port, fd;

	(void)state;
	assert_non_null(base);
	http = evhttp_new(base);
	assert_non_null(http);
	fd = bound_socket(1, &port);
	assert_true(fd >= 0);

	errno = 0;
	assert_int_equal(evhttp_bind_socket(http, "127.0.0.1", (uint16_t)port),
	                 -1);
	assert_int_equal(errno, EADDRINUSE);
	assert_int_equal(log_capture_count(EVENT_LOG_WARN, &text), 1);
	snprintf(portstr, sizeof(portstr), ":%d", port);
	assert_non_null(strstr(text, portstr));
	assert_non_null(strstr(text, "127.0.0.1"));
	assert_non_null(strstr(text, strerror(EADDRINUSE)));

	/* A bind that works logs nothing. */
	ncaptured = 0;
	assert_int_equal(evhttp_bind_socket(http, "127.0.0.1", 0), 0);
	assert_int_equal(ncaptured, 0);

	close(fd);
	evhttp_free(http);
	event_base_free(base);
}

static void never_called(struct evhttp_request *req, void *arg)
{
	(void)arg;
	evhttp_send_reply(req, 200, "OK", NULL);
}

/*
 * Sends `request` to a server on `base` and returns what came back before
 * the server closed (bounded: 5 s).
 */
static size_t exchange(struct event_base *base, int port, const char *request,
                       char *buf, size_t cap)
{
	struct sockaddr_in sin;
	long deadline = now_ms() + 5000;
	size_t len = 0;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(connect(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(send(fd, request, strlen(request), MSG_NOSIGNAL),
	                 (ssize_t)strlen(request));
	while (now_ms() < deadline && len < cap - 1) {
		struct pollfd pfd = {fd, POLLIN, 0};
		ssize_t n;

		event_base_loop(base, EVLOOP_NONBLOCK);
		if (poll(&pfd, 1, 10) != 1)
			continue;
		n = recv(fd, buf + len, cap - 1 - len, MSG_DONTWAIT);
		if (n == 0)
			break;
		if (n > 0)
			len += (size_t)n;
	}
	buf[len] = '\0';
	close(fd);
	return len;
}

static void bad_request_round(int debug)
{
	struct event_base *base = event_base_new();
	struct evhttp *http;
	struct evhttp_bound_socket *b;
	struct sockaddr_in sin;
	socklen_t slen = sizeof(sin);
	const char *text = NULL;
	char buf[4096];

	assert_non_null(base);
	http = evhttp_new(base);
	assert_non_null(http);
	evhttp_set_gencb(http, never_called, NULL);
	b = evhttp_bind_socket_with_handle(http, "127.0.0.1", 0);
	assert_non_null(b);
	assert_int_equal(getsockname(evhttp_bound_socket_get_fd(b),
	                             (struct sockaddr *)&sin, &slen),
	                 0);
	if (debug)
		event_enable_debug_logging(EVENT_DBG_ALL);
	ncaptured = 0;
	/* A space inside the header name: malformed. */
	exchange(base, ntohs(sin.sin_port),
	         "GET / HTTP/1.1\r\nHost: x\r\nBad Name: y\r\n\r\n", buf,
	         sizeof(buf));
	assert_true(strncmp(buf, "HTTP/1.1 400 ", 13) == 0);
	if (debug) {
		assert_true(log_capture_count(EVENT_LOG_DEBUG, &text) >= 1);
		assert_non_null(strstr(text, "127.0.0.1:"));
		assert_non_null(strstr(text, "400"));
	} else {
		assert_int_equal(log_capture_count(EVENT_LOG_DEBUG, NULL), 0);
	}
	/* Never more than debug: a client cannot make the server warn. */
	assert_int_equal(log_capture_count(EVENT_LOG_WARN, NULL), 0);
	assert_int_equal(log_capture_count(EVENT_LOG_ERR, NULL), 0);
	assert_int_equal(log_capture_count(EVENT_LOG_MSG, NULL), 0);

	evhttp_free(http);
	event_base_free(base);
}

static void test_malformed_request_debug(void **state)
{
	(void)state;
	bad_request_round(1);
}

static void test_malformed_request_silent_by_default(void **state)
{
	(void)state;
	bad_request_round(0);
}

static void test_header_block_over_limit_debug(void **state)
{
	struct event_base *base = event_base_new();
	struct evhttp *http;
	struct evhttp_bound_socket *b;
	struct sockaddr_in sin;
	socklen_t slen = sizeof(sin);
	const char *text = NULL;
	char req[2048], buf[4096];

	(void)state;
	assert_non_null(base);
	http = evhttp_new(base);
	assert_non_null(http);
	evhttp_set_gencb(http, never_called, NULL);
	evhttp_set_max_headers_size(http, 256);
	b = evhttp_bind_socket_with_handle(http, "127.0.0.1", 0);
	assert_non_null(b);
	assert_int_equal(getsockname(evhttp_bound_socket_get_fd(b),
	                             (struct sockaddr *)&sin, &slen),
	                 0);
	event_enable_debug_logging(EVENT_DBG_ALL);
	snprintf(req, sizeof(req),
	         "GET / HTTP/1.1\r\nHost: x\r\nX: %0600d\r\n\r\n", 0);
	exchange(base, ntohs(sin.sin_port), req, buf, sizeof(buf));
	assert_true(strncmp(buf, "HTTP/1.1 431 ", 13) == 0);
	assert_int_equal(log_capture_count(EVENT_LOG_DEBUG, &text), 1);
	/* The limit that was hit is named. */
	assert_non_null(strstr(text, "256"));
	assert_int_equal(log_capture_count(EVENT_LOG_WARN, NULL), 0);

	evhttp_free(http);
	event_base_free(base);
}

static int client_done;

static void client_cb(struct evhttp_request *req, void *arg)
{
	struct event_base *base = arg;

	/* NULL: the request failed. */
	client_done = req == NULL ? 1 : 2;
	event_base_loopexit(base, NULL);
}

static void test_client_refused_warns(void **state)
{
	struct event_base *base = event_base_new();
	struct evhttp_connection *evcon;
	struct evhttp_request *req;
	struct timeval limit = {5, 0};
	const char *text = NULL;
	char portstr[16];
	int port, fd;

	(void)state;
	assert_non_null(base);
	/* A port nobody listens on: bound, not listening, for the test. */
	fd = bound_socket(0, &port);
	assert_true(fd >= 0);
	evcon =
	    evhttp_connection_base_new(base, NULL, "127.0.0.1", (uint16_t)port);
	assert_non_null(evcon);
	evhttp_connection_set_retries(evcon, 2);
	{
		struct timeval quick = {0, 10000};

		evhttp_connection_set_initial_retry_tv(evcon, &quick);
	}
	client_done = 0;
	req = evhttp_request_new(client_cb, base);
	assert_non_null(req);
	assert_int_equal(
	    evhttp_make_request(evcon, req, EVHTTP_REQ_GET, "/nothing"), 0);
	event_base_loopexit(base, &limit);
	event_base_dispatch(base);
	assert_int_equal(client_done, 1);

	/* One warning for the request, not one per attempt. */
	assert_int_equal(log_capture_count(EVENT_LOG_WARN, &text), 1);
	snprintf(portstr, sizeof(portstr), "127.0.0.1:%d", port);
	assert_non_null(strstr(text, portstr));
	assert_non_null(strstr(text, "/nothing"));
	assert_non_null(strstr(text, strerror(ECONNREFUSED)));
	assert_non_null(strstr(text, "3 attempts"));

	evhttp_connection_free(evcon);
	close(fd);
	event_base_free(base);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_bind_failure_warns,
	                                    log_capture_setup,
	                                    log_capture_teardown),
	    cmocka_unit_test_setup_teardown(test_malformed_request_debug,
	                                    log_capture_setup,
	                                    log_capture_teardown),
	    cmocka_unit_test_setup_teardown(
	        test_malformed_request_silent_by_default, log_capture_setup,
	        log_capture_teardown),
	    cmocka_unit_test_setup_teardown(test_header_block_over_limit_debug,
	                                    log_capture_setup,
	                                    log_capture_teardown),
	    cmocka_unit_test_setup_teardown(test_client_refused_warns,
	                                    log_capture_setup,
	                                    log_capture_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
