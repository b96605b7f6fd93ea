/*
 * Our client against our server, both on one loop: every method, keep-alive
 * reuse, pipelining, chunked responses through the chunk callback,
 * retries, read timeouts, the close callback, header injection refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <ev-buffer.h>
#ifdef HAVE_LIBEV_DNS
#include <evdns.h>
#endif
#include "http-test-util.h"

struct fx {
	struct event_base *base;
	struct evhttp *http;
	int port;
};

struct result {
	int done;
	int code;
	int failed;
	int error;
	int chunks;
	char body[4096];
	size_t body_len;
	char hdr[128];
	struct event_base *base;
	int expect; /* loopexit once this many are done */
};

static struct fx fx;

static void reply_text(struct evhttp_request *req, const char *text)
{
	struct evbuffer *b = evbuffer_new();

	evbuffer_add(b, text, strlen(text));
	evhttp_send_reply(req, HTTP_OK, "OK", b);
	evbuffer_free(b);
}

static void peer_cb(struct evhttp_request *req, void *arg)
{
	char s[32];

	(void)arg;
	snprintf(s, sizeof(s), "%u", req->remote_port);
	evhttp_add_header(req->output_headers, "X-Uri", req->uri);
	reply_text(req, s);
}

static void echo_cb(struct evhttp_request *req, void *arg)
{
	char n[16];

	(void)arg;
	snprintf(n, sizeof(n), "%d", (int)req->type);
	evhttp_add_header(req->output_headers, "X-Method", n);
	evhttp_send_reply(req, HTTP_OK, "OK", req->input_buffer);
}

static void stream_cb(struct evhttp_request *req, void *arg)
{
	int i;

	(void)arg;
	evhttp_send_reply_start(req, HTTP_OK, "OK");
	for (i = 0; i < 4; i++) {
		struct evbuffer *b = evbuffer_new();

		evbuffer_add_printf(b, "piece %d;", i);
		evhttp_send_reply_chunk(req, b);
		evbuffer_free(b);
	}
	evhttp_send_reply_end(req);
}

static void close_cb(struct evhttp_request *req, void *arg)
{
	(void)arg;
	evhttp_add_header(req->output_headers, "Connection", "close");
	reply_text(req, "bye");
}

static struct evhttp_request *slow_req;

static void slow_cb(struct evhttp_request *req, void *arg)
{
	(void)arg;
	/* Answers only after the client's read timeout has fired. */
	slow_req = req;
}

static int setup(void **state)
{
	struct evhttp_bound_socket *b;
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);

	(void)state;
	fx.base = event_base_new();
	fx.http = evhttp_new(fx.base);
	b = evhttp_bind_socket_with_handle(fx.http, "127.0.0.1", 0);
	if (!b)
		return -1;
	getsockname(evhttp_bound_socket_get_fd(b), (struct sockaddr *)&sin,
	            &len);
	fx.port = ntohs(sin.sin_port);
	evhttp_set_cb(fx.http, "/peer", peer_cb, NULL);
	evhttp_set_cb(fx.http, "/echo", echo_cb, NULL);
	evhttp_set_cb(fx.http, "/stream", stream_cb, NULL);
	evhttp_set_cb(fx.http, "/close", close_cb, NULL);
	evhttp_set_cb(fx.http, "/slow", slow_cb, NULL);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	evhttp_free(fx.http);
	event_base_free(fx.base);
	return 0;
}

static void done_cb(struct evhttp_request *req, void *arg)
{
	struct result *r = arg;

	r->done++;
	if (!req) {
		r->failed++;
	} else {
		size_t n = evbuffer_get_length(req->input_buffer);
		const char *h;

		r->code = req->response_code;
		if (r->body_len + n < sizeof(r->body)) {
			evbuffer_remove(req->input_buffer,
			                r->body + r->body_len, n);
			r->body_len += n;
			r->body[r->body_len] = '\0';
		}
		h = evhttp_find_header(req->input_headers, "X-Method");
		if (h)
			snprintf(r->hdr, sizeof(r->hdr), "%s", h);
	}
	if (r->done >= r->expect)
		event_base_loopexit(r->base, NULL);
}

static void error_cb(enum evhttp_request_error err, void *arg)
{
	struct result *r = arg;

	r->error = (int)err + 100;
}

static void chunk_cb(struct evhttp_request *req, void *arg)
{
	struct result *r = arg;
	size_t n = evbuffer_get_length(req->input_buffer);

	r->chunks++;
	if (r->body_len + n < sizeof(r->body)) {
		evbuffer_remove(req->input_buffer, r->body + r->body_len, n);
		r->body_len += n;
		r->body[r->body_len] = '\0';
	}
}

static struct evhttp_request *new_req(struct result *r)
{
	struct evhttp_request *req = evhttp_request_new(done_cb, r);

	evhttp_request_set_error_cb(req, error_cb);
	return req;
}

/* Runs the loop with a safety net so a bug cannot hang the test. */
static void run(void)
{
	struct timeval tv = {10, 0};

	event_base_loopexit(fx.base, &tv);
	event_base_dispatch(fx.base);
}

static void test_get(void **state)
{
	struct evhttp_connection *evcon;
	struct result r = {0};

	(void)state;
	r.base = fx.base;
	r.expect = 1;
	evcon = evhttp_connection_base_new(fx.base, NULL, "127.0.0.1",
	                                   (ev_uint16_t)fx.port);
	assert_non_null(evcon);
	assert_int_equal(
	    evhttp_make_request(evcon, new_req(&r), EVHTTP_REQ_GET, "/echo?x"),
	    0);
	run();
	assert_int_equal(r.done, 1);
	assert_int_equal(r.code, 200);
	assert_string_equal(r.hdr, "1");
	evhttp_connection_free(evcon);
}

static void test_methods(void **state)
{
	static const enum evhttp_cmd_type types[] = {
	    EVHTTP_REQ_POST,    EVHTTP_REQ_PUT,   EVHTTP_REQ_DELETE,
	    EVHTTP_REQ_OPTIONS, EVHTTP_REQ_PATCH, EVHTTP_REQ_HEAD};
	struct evhttp_connection *evcon;
	size_t i;

	(void)state;
	evhttp_set_allowed_methods(fx.http, 0x1ff);
	evcon = evhttp_connection_base_new(fx.base, NULL, "127.0.0.1",
	                                   (ev_uint16_t)fx.port);
	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		struct result r = {0};
		struct evhttp_request *req = new_req(&r);
		char want[16];

		r.base = fx.base;
		r.expect = 1;
		evbuffer_add_printf(req->output_buffer, "body%zu", i);
		assert_int_equal(
		    evhttp_make_request(evcon, req, types[i], "/echo"), 0);
		run();
		assert_int_equal(r.code, 200);
		snprintf(want, sizeof(want), "%d", (int)types[i]);
		assert_string_equal(r.hdr, want);
		if (types[i] == EVHTTP_REQ_HEAD) {
			assert_int_equal(r.body_len, 0);
		} else {
			snprintf(want, sizeof(want), "body%zu", i);
			assert_string_equal(r.body, want);
		}
	}
	evhttp_connection_free(evcon);
}

static void test_keepalive_and_pipelining(void **state)
{
	struct evhttp_connection *evcon;
	struct result r[4];
	int i;

	(void)state;
	memset(r, 0, sizeof(r));
	evcon = evhttp_connection_base_new(fx.base, NULL, "127.0.0.1",
	                                   (ev_uint16_t)fx.port);
	/* Sequential: the second request reuses the connection. */
	for (i = 0; i < 2; i++) {
		r[i].base = fx.base;
		r[i].expect = 1;
		assert_int_equal(evhttp_make_request(evcon, new_req(&r[i]),
		                                     EVHTTP_REQ_GET, "/peer"),
		                 0);
		run();
		assert_int_equal(r[i].code, 200);
	}
	assert_string_equal(r[0].body, r[1].body);
	/* Pipelined: two queued at once, answered in order, same socket. */
	r[2].base = r[3].base = fx.base;
	r[2].expect = 99;
	r[3].expect = 1;
	assert_int_equal(evhttp_make_request(evcon, new_req(&r[2]),
	                                     EVHTTP_REQ_GET, "/peer?2"),
	                 0);
	assert_int_equal(evhttp_make_request(evcon, new_req(&r[3]),
	                                     EVHTTP_REQ_GET, "/peer?3"),
	                 0);
	run();
	assert_int_equal(r[2].done, 1);
	assert_int_equal(r[3].done, 1);
	assert_string_equal(r[2].body, r[0].body);
	assert_string_equal(r[3].body, r[0].body);
	evhttp_connection_free(evcon);
}

static void test_chunked_response(void **state)
{
	struct evhttp_connection *evcon;
	struct result r = {0};
	struct evhttp_request *req;

	(void)state;
	r.base = fx.base;
	r.expect = 1;
	evcon = evhttp_connection_base_new(fx.base, NULL, "127.0.0.1",
	                                   (ev_uint16_t)fx.port);
	req = new_req(&r);
	evhttp_request_set_chunked_cb(req, chunk_cb);
	assert_int_equal(
	    evhttp_make_request(evcon, req, EVHTTP_REQ_GET, "/stream"), 0);
	run();
	assert_int_equal(r.code, 200);
	assert_true(r.chunks >= 1);
	assert_string_equal(r.body, "piece 0;piece 1;piece 2;piece 3;");
	evhttp_connection_free(evcon);
}

static void test_read_timeout(void **state)
{
	struct evhttp_connection *evcon;
	struct result r = {0};
	struct timeval tv = {0, 200000};
	long t0;

	(void)state;
	r.base = fx.base;
	r.expect = 1;
	evcon = evhttp_connection_base_new(fx.base, NULL, "127.0.0.1",
	                                   (ev_uint16_t)fx.port);
	evhttp_connection_set_read_timeout_tv(evcon, &tv);
	assert_int_equal(
	    evhttp_make_request(evcon, new_req(&r), EVHTTP_REQ_GET, "/slow"),
	    0);
	t0 = tu_now_ms();
	run();
	assert_int_equal(r.failed, 1);
	assert_int_equal(r.error, 100 + EVREQ_HTTP_TIMEOUT);
	assert_true(tu_now_ms() - t0 >= 150);
	assert_true(tu_now_ms() - t0 < 5000);
	evhttp_connection_free(evcon);
	/* The late answer goes nowhere, harmlessly, and frees the request. */
	assert_non_null(slow_req);
	reply_text(slow_req, "late");
	slow_req = NULL;
	{
		struct timeval t = {0, 100000};

		event_base_loopexit(fx.base, &t);
		event_base_dispatch(fx.base);
	}
}

static void test_retries(void **state)
{
	struct evhttp_connection *evcon;
	struct result r = {0};
	struct timeval tv = {0, 50000};
	int p, fd = tu_listen(&p);
	long t0;

	(void)state;
	/* A port nobody listens on any more: every connect is refused. */
	close(fd);
	r.base = fx.base;
	r.expect = 1;
	evcon = evhttp_connection_base_new(fx.base, NULL, "127.0.0.1",
	                                   (ev_uint16_t)p);
	evhttp_connection_set_retries(evcon, 2);
	evhttp_connection_set_initial_retry_tv(evcon, &tv);
	assert_int_equal(
	    evhttp_make_request(evcon, new_req(&r), EVHTTP_REQ_GET, "/"), 0);
	t0 = tu_now_ms();
	run();
	/* Two retries, 50 then 100 ms apart, then the failure. */
	assert_int_equal(r.failed, 1);
	assert_true(tu_now_ms() - t0 >= 140);
	assert_true(tu_now_ms() - t0 < 5000);
	evhttp_connection_free(evcon);
}

static int closes;

static void on_close(struct evhttp_connection *evcon, void *arg)
{
	(void)evcon;
	(void)arg;
	closes++;
}

static void test_close_callback(void **state)
{
	struct evhttp_connection *evcon;
	struct result r = {0}, r2 = {0};

	(void)state;
	closes = 0;
	r.base = r2.base = fx.base;
	r.expect = r2.expect = 1;
	evcon = evhttp_connection_base_new(fx.base, NULL, "127.0.0.1",
	                                   (ev_uint16_t)fx.port);
	evhttp_connection_set_closecb(evcon, on_close, NULL);
	assert_int_equal(
	    evhttp_make_request(evcon, new_req(&r), EVHTTP_REQ_GET, "/close"),
	    0);
	run();
	assert_string_equal(r.body, "bye");
	assert_int_equal(closes, 1);
	/* The connection object reconnects for the next request. */
	assert_int_equal(
	    evhttp_make_request(evcon, new_req(&r2), EVHTTP_REQ_GET, "/echo"),
	    0);
	run();
	assert_int_equal(r2.code, 200);
	evhttp_connection_free(evcon);
	assert_int_equal(closes, 2);
}

static void free_in_cb(struct evhttp_request *req, void *arg)
{
	struct result *r = arg;

	r->code = req ? req->response_code : -1;
	evhttp_connection_free(evhttp_request_get_connection(req));
	r->done++;
	event_base_loopexit(r->base, NULL);
}

static void test_free_from_callback(void **state)
{
	struct evhttp_connection *evcon;
	struct result r = {0};

	(void)state;
	r.base = fx.base;
	evcon = evhttp_connection_base_new(fx.base, NULL, "127.0.0.1",
	                                   (ev_uint16_t)fx.port);
	assert_int_equal(evhttp_make_request(evcon,
	                                     evhttp_request_new(free_in_cb, &r),
	                                     EVHTTP_REQ_GET, "/echo"),
	                 0);
	run();
	assert_int_equal(r.done, 1);
	assert_int_equal(r.code, 200);
}

static void test_refuses_injection(void **state)
{
	struct evhttp_connection *evcon;
	struct evhttp_request *req;

	(void)state;
	evcon = evhttp_connection_base_new(fx.base, NULL, "127.0.0.1",
	                                   (ev_uint16_t)fx.port);
	assert_int_equal(evhttp_make_request(evcon, new_req(NULL),
	                                     EVHTTP_REQ_GET,
	                                     "/a HTTP/1.1\r\nX: y\r\n\r\n"),
	                 -1);
	assert_int_equal(
	    evhttp_make_request(evcon, new_req(NULL), EVHTTP_REQ_GET, "/a b"),
	    -1);
	req = new_req(NULL);
	assert_int_equal(
	    evhttp_add_header(req->output_headers, "X", "v\r\nInjected: 1"),
	    -1);
	evhttp_request_free(req);
	evhttp_connection_free(evcon);
}

static int bound_port(struct evhttp_bound_socket *b)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	getsockname(evhttp_bound_socket_get_fd(b), (struct sockaddr *)&ss,
	    &len);
	return ss.ss_family == AF_INET6 ?
		   ntohs(((struct sockaddr_in6 *)&ss)->sin6_port) :
		   ntohs(((struct sockaddr_in *)&ss)->sin_port);
}

/* One server, several listening sockets (IPv4 and, if the host has it,
 * IPv6 loopback); each serves, and one can be removed. */
static void test_several_sockets(void **state)
{
	struct evhttp_bound_socket *b4, *b6;
	const char *addrs[2] = {"127.0.0.1", "::1"};
	int ports[2], i;

	(void)state;
	b4 = evhttp_bind_socket_with_handle(fx.http, "127.0.0.1", 0);
	assert_non_null(b4);
	ports[0] = bound_port(b4);
	b6 = evhttp_bind_socket_with_handle(fx.http, "::1", 0);
	ports[1] = b6 ? bound_port(b6) : 0;
	for (i = 0; i < 2; i++) {
		struct evhttp_connection *evcon;
		struct result r = {0};

		if (!ports[i])
			continue; /* no IPv6 loopback here */
		r.base = fx.base;
		r.expect = 1;
		evcon = evhttp_connection_base_new(fx.base, NULL, addrs[i],
		    (ev_uint16_t)ports[i]);
		assert_int_equal(evhttp_make_request(evcon, new_req(&r),
				     EVHTTP_REQ_GET, "/echo"),
		    0);
		run();
		assert_int_equal(r.code, 200);
		evhttp_connection_free(evcon);
	}
	evhttp_del_accept_socket(fx.http, b4);
	if (b6)
		evhttp_del_accept_socket(fx.http, b6);
	assert_int_equal(tu_status_of(ports[0], "GET / HTTP/1.0\r\n\r\n", 18,
			     500),
	    -1);
}

/* The 1.3 API: the current base (event_init()), evhttp_start(),
 * evhttp_connection_new(), event_dispatch(). */
static void hello13(struct evhttp_request *req, void *arg)
{
	(void)arg;
	reply_text(req, "old school");
}

static void test_13_api(void **state)
{
	struct event_base *base = event_init();
	struct evhttp *http;
	struct evhttp_connection *evcon;
	struct result r = {0};
	struct timeval tv = {10, 0};
	int p, fd = tu_listen(&p);

	(void)state;
	close(fd);
	http = evhttp_start("127.0.0.1", (ev_uint16_t)p);
	assert_non_null(http);
	evhttp_set_gencb(http, hello13, NULL);
	evcon = evhttp_connection_new("127.0.0.1", (ev_uint16_t)p);
	assert_non_null(evcon);
	assert_ptr_equal(evhttp_connection_get_base(evcon), base);
	r.base = base;
	r.expect = 1;
	assert_int_equal(
	    evhttp_make_request(evcon, new_req(&r), EVHTTP_REQ_GET, "/"), 0);
	event_loopexit(&tv);
	event_dispatch();
	assert_int_equal(r.code, 200);
	assert_string_equal(r.body, "old school");
	evhttp_connection_free(evcon);
	evhttp_free(http);
	event_base_free(base);
}

#ifdef HAVE_LIBEV_DNS
/* A name looked up through libev-dns: from a hosts file only, with no
 * nameserver configured, so nothing leaves the machine. */
static void test_name_lookup(void **state)
{
	char hosts[] = "/tmp/libev-http-hosts-XXXXXX";
	struct evdns_base *dns;
	struct evhttp_connection *evcon;
	struct result r = {0}, bad = {0};
	int fd = mkstemp(hosts);
	long t0;

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "127.0.0.1 web.libev.test\n", 25), 25);
	close(fd);
	dns = evdns_base_new(fx.base, 0);
	assert_non_null(dns);
	assert_int_equal(evdns_base_load_hosts(dns, hosts), 0);
	unlink(hosts);

	r.base = bad.base = fx.base;
	r.expect = bad.expect = 1;
	evcon = evhttp_connection_base_new(fx.base, dns, "web.libev.test",
	                                   (ev_uint16_t)fx.port);
	assert_int_equal(
	    evhttp_make_request(evcon, new_req(&r), EVHTTP_REQ_GET, "/echo"),
	    0);
	run();
	assert_int_equal(r.code, 200);
	evhttp_connection_free(evcon);

	/* Unknown name and no nameserver to ask: the connect timeout, which
	 * covers the lookup, ends it cleanly. */
	evcon = evhttp_connection_base_new(fx.base, dns, "nowhere.libev.test",
	                                   (ev_uint16_t)fx.port);
	{
		struct timeval tv = {0, 300000};

		evhttp_connection_set_connect_timeout_tv(evcon, &tv);
	}
	assert_int_equal(
	    evhttp_make_request(evcon, new_req(&bad), EVHTTP_REQ_GET, "/echo"),
	    0);
	t0 = tu_now_ms();
	run();
	assert_int_equal(bad.failed, 1);
	assert_int_equal(bad.error, 100 + EVREQ_HTTP_TIMEOUT);
	assert_true(tu_now_ms() - t0 < 5000);
	evhttp_connection_free(evcon);
	evdns_base_free(dns, 0);
}
#endif

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_get),
	    cmocka_unit_test(test_methods),
	    cmocka_unit_test(test_keepalive_and_pipelining),
	    cmocka_unit_test(test_chunked_response),
	    cmocka_unit_test(test_read_timeout),
	    cmocka_unit_test(test_retries),
	    cmocka_unit_test(test_close_callback),
	    cmocka_unit_test(test_free_from_callback),
	    cmocka_unit_test(test_refuses_injection),
	    cmocka_unit_test(test_13_api),
	    cmocka_unit_test(test_several_sockets),
#ifdef HAVE_LIBEV_DNS
	    cmocka_unit_test(test_name_lookup),
#endif
	};
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, setup, teardown);
}
