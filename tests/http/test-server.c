/*
 * The HTTP server against raw sockets: keep-alive, pipelining, bodies,
 * HEAD, 100-continue, streamed replies with backpressure, streamed
 * uploads, every rejection rule and every limit.  Each refusal is checked
 * for its status code and for the server still serving the next client.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <ev-buffer.h>
#include "http-test-util.h"

struct opts {
	ev_ssize_t max_body, max_headers, max_uri;
	int max_conns;
	struct timeval request_tv, idle_tv;
};

static struct opts default_opts;
static int upload_pieces;
static size_t upload_bytes;

static void hello_cb(struct evhttp_request *req, void *arg)
{
	struct evbuffer *b = evbuffer_new();

	(void)arg;
	evbuffer_add(b, "hello world\n", 12);
	evhttp_add_header(evhttp_request_get_output_headers(req),
	                  "Content-Type", "text/plain");
	evhttp_send_reply(req, HTTP_OK, "OK", b);
	evbuffer_free(b);
}

static void echo_cb(struct evhttp_request *req, void *arg)
{
	char n[16];

	(void)arg;
	snprintf(n, sizeof(n), "%d", (int)evhttp_request_get_command(req));
	evhttp_add_header(req->output_headers, "X-Method", n);
	evhttp_add_header(req->output_headers, "X-Uri", req->uri);
	evhttp_send_reply(req, HTTP_OK, NULL, req->input_buffer);
}

static void stream_cb(struct evhttp_request *req, void *arg)
{
	int i;

	(void)arg;
	evhttp_send_reply_start(req, HTTP_OK, "OK");
	for (i = 0; i < 5; i++) {
		struct evbuffer *b = evbuffer_new();

		evbuffer_add_printf(b, "chunk %d\n", i);
		evhttp_send_reply_chunk(req, b);
		evbuffer_free(b);
	}
	evhttp_send_reply_end(req);
}

/* /big?n=BYTES: sent 64 KiB at a time, the next piece only once the
 * previous one has left, so the server never holds the whole reply. */
struct big {
	struct evhttp_request *req;
	size_t left;
};

static void big_more(struct evhttp_connection *evcon, void *arg)
{
	struct big *b = arg;
	struct evbuffer *buf;
	size_t n = b->left < 65536 ? b->left : 65536;
	static char block[65536];

	(void)evcon;
	if (n == 0) {
		evhttp_send_reply_end(b->req);
		free(b);
		return;
	}
	memset(block, 'x', sizeof(block));
	buf = evbuffer_new();
	evbuffer_add(buf, block, n);
	b->left -= n;
	evhttp_send_reply_chunk_with_cb(b->req, buf, big_more, b);
	evbuffer_free(buf);
}

static void big_cb(struct evhttp_request *req, void *arg)
{
	struct evkeyvalq q;
	struct big *b = calloc(1, sizeof(*b));

	(void)arg;
	evhttp_parse_query(req->uri, &q);
	b->req = req;
	b->left = (size_t)atol(evhttp_find_header(&q, "n"));
	evhttp_clear_headers(&q);
	evhttp_send_reply_start(req, HTTP_OK, "OK");
	big_more(NULL, b);
}

static void upload_chunk(struct evhttp_request *req, void *arg)
{
	(void)arg;
	upload_pieces++;
	upload_bytes += evbuffer_get_length(req->input_buffer);
}

/* /quota: the application itself stops an upload after 100 bytes. */
static void quota_chunk(struct evhttp_request *req, void *arg)
{
	(void)arg;
	upload_bytes += evbuffer_get_length(req->input_buffer);
	if (upload_bytes > 100 && upload_pieces == 0) {
		upload_pieces = 1; /* answered */
		evhttp_send_error(req, HTTP_ENTITYTOOLARGE, "Quota");
	}
}

static int header_cb(struct evhttp_request *req, void *arg)
{
	(void)arg;
	if (strcmp(req->uri, "/quota") == 0) {
		upload_pieces = 0;
		upload_bytes = 0;
		evhttp_request_set_chunked_cb(req, quota_chunk);
	}
	if (strcmp(req->uri, "/upload") == 0) {
		upload_pieces = 0;
		upload_bytes = 0;
		evhttp_request_set_chunked_cb(req, upload_chunk);
	}
	if (strcmp(req->uri, "/refuse") == 0) {
		evhttp_send_error(req, HTTP_EXPECTATIONFAILED, NULL);
		return -1;
	}
	return 0;
}

static void upload_cb(struct evhttp_request *req, void *arg)
{
	struct evbuffer *b = evbuffer_new();

	(void)arg;
	evbuffer_add_printf(b, "pieces=%d bytes=%zu left=%zu", upload_pieces,
	                    upload_bytes,
	                    evbuffer_get_length(req->input_buffer));
	evhttp_send_reply(req, HTTP_OK, "OK", b);
	evbuffer_free(b);
}

static void gen_cb(struct evhttp_request *req, void *arg)
{
	struct evbuffer *b = evbuffer_new();

	(void)arg;
	if (strncmp(req->uri, "/path/", 6) != 0) {
		evhttp_send_error(req, HTTP_NOTFOUND, NULL);
		evbuffer_free(b);
		return;
	}
	evbuffer_add_printf(b, "%s", req->uri);
	evhttp_send_reply(req, HTTP_OK, "OK", b);
	evbuffer_free(b);
}

/* Reply fields of 600, 600, 2000 and 1 bytes: the head no longer fits
 * one piece, and one field is larger than the whole staging buffer. */
static void fields_cb(struct evhttp_request *req, void *arg)
{
	static const size_t len[] = {600, 600, 2000, 1};
	static const char *const name[] = {"X-A", "X-B", "X-C", "X-D"};
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);
	char v[2001];
	size_t i;

	(void)arg;
	for (i = 0; i < 4; i++) {
		memset(v, 'a' + (int)i, len[i]);
		v[len[i]] = '\0';
		evhttp_add_header(h, name[i], v);
	}
	evhttp_send_reply(req, HTTP_OK, "Fine", NULL);
}

static void setup_server(struct evhttp *http, void *arg)
{
	struct opts *o = arg;

	evhttp_set_cb(http, "/hello", hello_cb, NULL);
	evhttp_set_cb(http, "/echo", echo_cb, NULL);
	evhttp_set_cb(http, "/stream", stream_cb, NULL);
	evhttp_set_cb(http, "/big", big_cb, NULL);
	evhttp_set_cb(http, "/upload", upload_cb, NULL);
	evhttp_set_cb(http, "/fields", fields_cb, NULL);
	evhttp_set_gencb(http, gen_cb, NULL);
	evhttp_set_header_cb(http, header_cb, NULL);
	if (o->max_body)
		evhttp_set_max_body_size(http, o->max_body);
	if (o->max_headers)
		evhttp_set_max_headers_size(http, o->max_headers);
	if (o->max_uri)
		evhttp_set_max_uri_size(http, o->max_uri);
	if (o->max_conns)
		evhttp_set_max_connections(http, o->max_conns);
	if (o->request_tv.tv_sec || o->request_tv.tv_usec)
		evhttp_set_request_timeout_tv(http, &o->request_tv);
	if (o->idle_tv.tv_sec || o->idle_tv.tv_usec)
		evhttp_set_timeout_tv(http, &o->idle_tv);
}

static int port;
static pid_t server;

static int group_setup(void **state)
{
	(void)state;
	server = tu_fork_server(setup_server, &default_opts, &port);
	return server > 0 ? 0 : -1;
}

static int group_teardown(void **state)
{
	(void)state;
	tu_stop_server(server);
	return 0;
}

static struct tconn c;
static struct tresp r;

#define GET(path) "GET " path " HTTP/1.1\r\nHost: t\r\n\r\n"

static void assert_serving(int p)
{
	assert_int_equal(
	    tu_status_of(p, GET("/hello"), strlen(GET("/hello")), 2000), 200);
}

static void test_keepalive(void **state)
{
	int i;

	(void)state;
	assert_int_equal(tu_connect(&c, port), 0);
	for (i = 0; i < 3; i++) {
		assert_int_equal(tu_sends(&c, GET("/hello")), 0);
		assert_int_equal(tu_read_response(&c, &r, 0, 2000), 0);
		assert_int_equal(r.status, 200);
		assert_string_equal(r.body, "hello world\n");
		assert_int_equal(r.closed, 0);
		assert_non_null(evhttp_find_header(&r.headers, "Date"));
		assert_string_equal(
		    evhttp_find_header(&r.headers, "Content-Length"), "12");
		evhttp_clear_headers(&r.headers);
	}
	tu_close(&c);
}

/* Large reply heads keep every field whole, in order, and the framing of
 * the next reply on the connection intact. */
static void test_large_reply_fields(void **state)
{
	static const size_t len[] = {600, 600, 2000, 1};
	static const char *const name[] = {"X-A", "X-B", "X-C", "X-D"};
	size_t i, j;
	int k;

	(void)state;
	assert_int_equal(tu_connect(&c, port), 0);
	for (k = 0; k < 2; k++) {
		assert_int_equal(tu_sends(&c, GET("/fields")), 0);
		assert_int_equal(tu_read_response(&c, &r, 0, 2000), 0);
		assert_int_equal(r.status, 200);
		assert_int_equal(r.body_len, 0);
		for (i = 0; i < 4; i++) {
			const char *v = evhttp_find_header(&r.headers, name[i]);

			assert_non_null(v);
			assert_int_equal(strlen(v), len[i]);
			for (j = 0; j < len[i]; j++)
				assert_int_equal(v[j], 'a' + (int)i);
		}
		evhttp_clear_headers(&r.headers);
	}
	tu_close(&c);
}

/* Targets of changing lengths on one connection (the target buffer is
 * reused between keep-alive requests when it is large enough). */
static void test_keepalive_targets(void **state)
{
	static const char *const path[] = {"/path/a", "/path/a-much-longer-one",
	                                   "/path/b", "/path/x?q=1&r=2",
	                                   "/path/"};
	char req[128];
	size_t i;

	(void)state;
	assert_int_equal(tu_connect(&c, port), 0);
	for (i = 0; i < sizeof(path) / sizeof(path[0]); i++) {
		snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: t\r\n\r\n",
		         path[i]);
		assert_int_equal(tu_sends(&c, req), 0);
		assert_int_equal(tu_read_response(&c, &r, 0, 2000), 0);
		assert_int_equal(r.status, 200);
		r.body[r.body_len] = '\0';
		assert_string_equal(r.body, path[i]);
		evhttp_clear_headers(&r.headers);
	}
	tu_close(&c);
}

static void test_http10(void **state)
{
	(void)state;
	/* 1.0 without keep-alive: the reply, then the close. */
	assert_int_equal(tu_connect(&c, port), 0);
	assert_int_equal(tu_sends(&c, "GET /hello HTTP/1.0\r\n\r\n"), 0);
	assert_int_equal(tu_read_response(&c, &r, 0, 2000), 0);
	assert_int_equal(r.status, 200);
	assert_int_equal(r.closed, 1);
	evhttp_clear_headers(&r.headers);
	assert_int_equal(tu_wait_closed(&c, 2000), 1);
	tu_close(&c);

	/* 1.0 with keep-alive: stays open. */
	assert_int_equal(tu_connect(&c, port), 0);
	assert_int_equal(tu_sends(&c, "GET /hello HTTP/1.0\r\nConnection: "
	                              "keep-alive\r\n\r\n"),
	                 0);
	assert_int_equal(tu_read_response(&c, &r, 0, 2000), 0);
	assert_string_equal(evhttp_find_header(&r.headers, "Connection"),
	                    "keep-alive");
	evhttp_clear_headers(&r.headers);
	assert_int_equal(tu_sends(&c, "GET /hello HTTP/1.0\r\n\r\n"), 0);
	assert_int_equal(tu_read_response(&c, &r, 0, 2000), 0);
	assert_int_equal(r.status, 200);
	evhttp_clear_headers(&r.headers);
	tu_close(&c);
}

static void test_pipelining(void **state)
{
	int i;
	char want[32];

	(void)state;
	assert_int_equal(tu_connect(&c, port), 0);
	/* One write, several requests, one of them slow-bodied. */
	assert_int_equal(
	    tu_sends(&c, GET("/path/1")
	                     GET("/path/2") "POST /echo HTTP/1.1\r\nHost: t\r\n"
	                                    "Content-Length: 3\r\n\r\nabc" GET(
	                                        "/path/4")),
	    0);
	for (i = 1; i <= 4; i++) {
		assert_int_equal(tu_read_response(&c, &r, 0, 2000), 0);
		assert_int_equal(r.status, 200);
		if (i == 3) {
			assert_string_equal(r.body, "abc");
		} else {
			snprintf(want, sizeof(want), "/path/%d", i);
			assert_string_equal(r.body, want);
		}
		evhttp_clear_headers(&r.headers);
	}
	tu_close(&c);
}

static void test_half_close_pipelining(void **state)
{
	(void)state;
	/* printf '...' | nc: the client shuts its side after sending. */
	assert_int_equal(tu_connect(&c, port), 0);
	assert_int_equal(tu_sends(&c, GET("/path/a") GET("/path/b")), 0);
	shutdown(c.fd, SHUT_WR);
	assert_int_equal(tu_read_response(&c, &r, 0, 2000), 0);
	assert_string_equal(r.body, "/path/a");
	evhttp_clear_headers(&r.headers);
	assert_int_equal(tu_read_response(&c, &r, 0, 2000), 0);
	assert_string_equal(r.body, "/path/b");
	evhttp_clear_headers(&r.headers);
	assert_int_equal(tu_wait_closed(&c, 2000), 1);
	tu_close(&c);
}

static void test_bodies(void **state)
{
	(void)state;
	assert_int_equal(tu_connect(&c, port), 0);
	assert_int_equal(tu_sends(&c, "POST /echo?x=1 HTTP/1.1\r\nHost: t\r\n"
	                              "Content-Length: 11\r\n\r\nhello world"),
	                 0);
	assert_int_equal(tu_read_response(&c, &r, 0, 2000), 0);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.body, "hello world");
	assert_string_equal(evhttp_find_header(&r.headers, "X-Method"), "2");
	assert_string_equal(evhttp_find_header(&r.headers, "X-Uri"),
	                    "/echo?x=1");
	evhttp_clear_headers(&r.headers);

	/* Chunked upload, trailers included, in several writes. */
	assert_int_equal(tu_sends(&c, "PUT /echo HTTP/1.1\r\nHost: t\r\n"
	                              "Transfer-Encoding: chunked\r\n\r\n"
	                              "5\r\nhello\r\n"),
	                 0);
	usleep(20000);
	assert_int_equal(tu_sends(&c, "6\r\n world\r\n0\r\nX-T: 1\r\n\r\n"), 0);
	assert_int_equal(tu_read_response(&c, &r, 0, 2000), 0);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.body, "hello world");
	assert_string_equal(evhttp_find_header(&r.headers, "X-Method"), "8");
	evhttp_clear_headers(&r.headers);
	tu_close(&c);
}

static void test_head(void **state)
{
	(void)state;
	assert_int_equal(tu_connect(&c, port), 0);
	assert_int_equal(
	    tu_sends(&c,
	             "HEAD /hello HTTP/1.1\r\nHost: t\r\n\r\n" GET("/hello")),
	    0);
	assert_int_equal(tu_read_response(&c, &r, 1, 2000), 0);
	assert_int_equal(r.status, 200);
	assert_int_equal(r.body_len, 0);
	assert_string_equal(evhttp_find_header(&r.headers, "Content-Length"),
	                    "12");
	evhttp_clear_headers(&r.headers);
	/* Had the server sent a body, it would show up here. */
	assert_int_equal(tu_read_response(&c, &r, 0, 2000), 0);
	assert_string_equal(r.body, "hello world\n");
	evhttp_clear_headers(&r.headers);
	tu_close(&c);
}

static void test_expect_continue(void **state)
{
	struct tresp *cont = &r;
	long t0;

	(void)state;
	assert_int_equal(tu_connect(&c, port), 0);
	assert_int_equal(tu_sends(&c, "POST /echo HTTP/1.1\r\nHost: t\r\n"
	                              "Expect: 100-continue\r\n"
	                              "Content-Length: 4\r\n\r\n"),
	                 0);
	/* The interim answer comes before we send the body. */
	t0 = tu_now_ms();
	while (c.len < 25 && tu_now_ms() - t0 < 2000)
		if (tu_fill(&c, t0 + 2000) <= 0)
			break;
	assert_true(c.len >= 25);
	assert_memory_equal(c.buf, "HTTP/1.1 100 Continue\r\n\r\n", 25);
	assert_int_equal(tu_sends(&c, "body"), 0);
	assert_int_equal(tu_read_response(&c, cont, 0, 2000), 0);
	assert_int_equal(cont->got_continue, 1);
	assert_int_equal(cont->status, 200);
	assert_string_equal(cont->body, "body");
	evhttp_clear_headers(&cont->headers);
	tu_close(&c);

	/* Refused from the header callback: no 100, a final answer. */
	assert_int_equal(tu_connect(&c, port), 0);
	assert_int_equal(tu_sends(&c, "POST /refuse HTTP/1.1\r\nHost: t\r\n"
	                              "Expect: 100-continue\r\n"
	                              "Content-Length: 4\r\n\r\n"),
	                 0);
	assert_int_equal(tu_read_response(&c, &r, 0, 2000), 0);
	assert_int_equal(r.got_continue, 0);
	assert_int_equal(r.status, 417);
	evhttp_clear_headers(&r.headers);
	tu_close(&c);
	assert_serving(port);
}

static void test_streamed_reply(void **state)
{
	(void)state;
	assert_int_equal(tu_connect(&c, port), 0);
	assert_int_equal(tu_sends(&c, GET("/stream")), 0);
	assert_int_equal(tu_read_response(&c, &r, 0, 2000), 0);
	assert_int_equal(r.status, 200);
	assert_int_equal(r.chunked, 1);
	assert_string_equal(r.body,
	                    "chunk 0\nchunk 1\nchunk 2\nchunk 3\nchunk 4\n");
	evhttp_clear_headers(&r.headers);
	/* HTTP/1.0 client: the same body, delimited by the close. */
	tu_close(&c);
	assert_int_equal(tu_connect(&c, port), 0);
	assert_int_equal(tu_sends(&c, "GET /stream HTTP/1.0\r\n\r\n"), 0);
	assert_int_equal(tu_read_response(&c, &r, 0, 2000), 0);
	assert_int_equal(r.chunked, 0);
	assert_int_equal(r.closed, 1);
	assert_string_equal(r.body,
	                    "chunk 0\nchunk 1\nchunk 2\nchunk 3\nchunk 4\n");
	evhttp_clear_headers(&r.headers);
	tu_close(&c);
}

static void test_backpressure(void **state)
{
	int rcv = 65536;

	(void)state;
	/* A slow reader of an 8 MiB reply: the server sends each 64 KiB
	 * piece only when the previous one has left, and the reply still
	 * arrives whole and in order. */
	assert_int_equal(tu_connect(&c, port), 0);
	setsockopt(c.fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv));
	assert_int_equal(tu_sends(&c, GET("/big?n=8388608")), 0);
	usleep(100000); /* let the server meet a full socket */
	{
		long t0 = tu_now_ms();
		int rc = tu_read_response(&c, &r, 0, 20000);

		if (rc != 0)
			fail_msg("read failed: status %d, %zu bytes in %ld ms",
			         r.status, r.body_total, tu_now_ms() - t0);
	}
	assert_int_equal(r.status, 200);
	assert_int_equal(r.chunked, 1);
	assert_int_equal(r.body_total, 8388608);
	evhttp_clear_headers(&r.headers);
	tu_close(&c);
}

static void test_streaming_upload(void **state)
{
	int i;

	(void)state;
	assert_int_equal(tu_connect(&c, port), 0);
	assert_int_equal(tu_sends(&c, "POST /upload HTTP/1.1\r\nHost: t\r\n"
	                              "Transfer-Encoding: chunked\r\n\r\n"),
	                 0);
	for (i = 0; i < 4; i++) {
		assert_int_equal(tu_sends(&c, "a\r\n0123456789\r\n"), 0);
		usleep(20000);
	}
	assert_int_equal(tu_sends(&c, "0\r\n\r\n"), 0);
	assert_int_equal(tu_read_response(&c, &r, 0, 2000), 0);
	assert_int_equal(r.status, 200);
	/* Four separate writes: the application saw them as they came, and
	 * the library kept nothing for the final callback. */
	{
		int pieces = 0;
		size_t bytes = 0, left = 99;

		assert_int_equal(sscanf(r.body, "pieces=%d bytes=%zu left=%zu",
		                        &pieces, &bytes, &left),
		                 3);
		assert_true(pieces >= 4);
		assert_int_equal(bytes, 40);
		assert_int_equal(left, 0);
	}
	evhttp_clear_headers(&r.headers);
	tu_close(&c);
}

static void test_early_reply_from_chunk_cb(void **state)
{
	char block[64];
	int i;

	(void)state;
	memset(block, 'q', sizeof(block));
	assert_int_equal(tu_connect(&c, port), 0);
	assert_int_equal(tu_sends(&c, "POST /quota HTTP/1.1\r\nHost: t\r\n"
	                              "Transfer-Encoding: chunked\r\n\r\n"),
	                 0);
	/* Keep sending after the answer: the reply must still arrive whole
	 * (lingering close, no reset), then the connection closes. */
	for (i = 0; i < 8; i++) {
		if (tu_sends(&c, "40\r\n") < 0 ||
		    tu_send(&c, block, sizeof(block)) < 0 ||
		    tu_sends(&c, "\r\n") < 0)
			break;
		usleep(10000);
	}
	assert_int_equal(tu_read_response(&c, &r, 0, 3000), 0);
	assert_int_equal(r.status, 413);
	assert_int_equal(r.closed, 1);
	evhttp_clear_headers(&r.headers);
	assert_int_equal(tu_wait_closed(&c, 3000), 1);
	tu_close(&c);
	assert_serving(port);
}

static void test_not_found(void **state)
{
	(void)state;
	assert_int_equal(tu_status_of(port, GET("/nothing-here"),
	                              strlen(GET("/nothing-here")), 2000),
	                 404);
}

/* Every rejection rule of the parser, end to end. */
static void test_rejections(void **state)
{
	static const struct {
		const char *req;
		int status;
	} cases[] = {
	    {"POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked"
	     "\r\nContent-Length: 3\r\n\r\n0\r\n\r\n",
	     400},
	    {"POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked,"
	     " chunked\r\n\r\n0\r\n\r\n",
	     400},
	    {"POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked,"
	     " gzip\r\n\r\n",
	     400},
	    {"POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: gzip\r\n"
	     "\r\n",
	     501},
	    {"GET /hello HTTP/1.1\nHost: t\r\n\r\n", 400},
	    {"GET /hello HTTP/1.1\r\nHost: t\rX: y\r\n\r\n", 400},
	    {"GET /hello HTTP/1.1\r\nHost: t\r\nX: a\x01\r\n\r\n", 400},
	    {"GET /hello HTTP/1.1\r\n: t\r\n\r\n", 400},
	    {"GET /hello HTTP/1.1\r\nHo(st: t\r\n\r\n", 400},
	    {"GET /hello HTTP/1.1\r\nHost : t\r\n\r\n", 400},
	    {"GET /hello HTTP/1.1\r\nHost: t\r\nX: a\r\n  b\r\n\r\n", 400},
	    {"POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked"
	     "\r\n\r\n11111111111111111\r\n",
	     400},
	    {"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: "
	     "99999999999999999999\r\n\r\n",
	     400},
	    {"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 1\r\n"
	     "Content-Length: 2\r\n\r\n",
	     400},
	    {"POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked"
	     "\r\n\r\n0\r\nContent-Length: 5\r\n\r\n",
	     400},
	    {"POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked"
	     "\r\n\r\n3\r\nabcX\r\n",
	     400},
	    {"GET /hello HTTP/1.1\r\n\r\n", 400},
	    {"GET /hello HTTP/2.0\r\nHost: t\r\n\r\n", 505},
	    {"BREW /pot HTTP/1.1\r\nHost: t\r\n\r\n", 501},
	    {"TRACE /hello HTTP/1.1\r\nHost: t\r\n\r\n", 405},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int st = tu_status_of(port, cases[i].req, strlen(cases[i].req),
		                      2000);

		if (st != cases[i].status)
			fail_msg("case %zu: status %d, expected %d", i, st,
			         cases[i].status);
		assert_serving(port);
	}
	/* NUL in the head needs an explicit length. */
	{
		static const char nul[] =
		    "GET /hel\0lo HTTP/1.1\r\nHost: t\r\n\r\n";

		assert_int_equal(tu_status_of(port, nul, sizeof(nul) - 1, 2000),
		                 400);
		assert_serving(port);
	}
}

static void test_limits(void **state)
{
	struct opts o = default_opts;
	static char big[70000];
	int p;
	pid_t pid;

	(void)state;
	o.max_body = 1000;
	o.max_headers = 2048;
	o.max_uri = 512;
	pid = tu_fork_server(setup_server, &o, &p);
	assert_true(pid > 0);

	/* 431: header section over the limit. */
	snprintf(big, sizeof(big),
	         "GET /hello HTTP/1.1\r\nHost: t\r\nX: %0*d"
	         "\r\n\r\n",
	         3000, 0);
	assert_int_equal(tu_status_of(p, big, strlen(big), 2000), 431);
	assert_serving(p);

	/* 414: target over the limit. */
	snprintf(big, sizeof(big), "GET /%0*d HTTP/1.1\r\nHost: t\r\n\r\n", 600,
	         0);
	assert_int_equal(tu_status_of(p, big, strlen(big), 2000), 414);
	assert_serving(p);

	/* 413 on the announced length, sent before the close even though
	 * the client keeps sending its (large) body: no reset. */
	assert_int_equal(tu_connect(&c, p), 0);
	assert_int_equal(tu_sends(&c, "POST /echo HTTP/1.1\r\nHost: t\r\n"
	                              "Content-Length: 60000\r\n\r\n"),
	                 0);
	memset(big, 'b', 60000);
	assert_int_equal(tu_send(&c, big, 60000), 0);
	assert_int_equal(tu_read_response(&c, &r, 0, 3000), 0);
	assert_int_equal(r.status, 413);
	assert_int_equal(r.closed, 1);
	evhttp_clear_headers(&r.headers);
	tu_close(&c);
	assert_serving(p);

	/* 413 on a chunked body that grows past the limit. */
	assert_int_equal(tu_connect(&c, p), 0);
	assert_int_equal(tu_sends(&c, "POST /echo HTTP/1.1\r\nHost: t\r\n"
	                              "Transfer-Encoding: chunked\r\n\r\n"
	                              "200\r\n"),
	                 0);
	assert_int_equal(tu_send(&c, big, 512), 0);
	assert_int_equal(tu_sends(&c, "\r\n400\r\n"), 0);
	assert_int_equal(tu_read_response(&c, &r, 0, 3000), 0);
	assert_int_equal(r.status, 413);
	evhttp_clear_headers(&r.headers);
	tu_close(&c);
	assert_serving(p);

	/* Under the limits all is well. */
	assert_int_equal(tu_connect(&c, p), 0);
	assert_int_equal(tu_sends(&c, "POST /echo HTTP/1.1\r\nHost: t\r\n"
	                              "Content-Length: 1000\r\n\r\n"),
	                 0);
	assert_int_equal(tu_send(&c, big, 1000), 0);
	assert_int_equal(tu_read_response(&c, &r, 0, 3000), 0);
	assert_int_equal(r.status, 200);
	assert_int_equal(r.body_len, 1000);
	evhttp_clear_headers(&r.headers);
	tu_close(&c);
	tu_stop_server(pid);
}

static void test_timeouts(void **state)
{
	struct opts o = default_opts;
	long t0;
	int p;
	pid_t pid;

	(void)state;
	o.request_tv.tv_usec = 300000;
	o.idle_tv.tv_usec = 500000;
	pid = tu_fork_server(setup_server, &o, &p);
	assert_true(pid > 0);

	/* 408: a head that never completes, then the close. */
	assert_int_equal(tu_connect(&c, p), 0);
	assert_int_equal(tu_sends(&c, "GET /hello HTTP/1.1\r\nHost:"), 0);
	t0 = tu_now_ms();
	assert_int_equal(tu_read_response(&c, &r, 0, 3000), 0);
	assert_int_equal(r.status, 408);
	assert_true(tu_now_ms() - t0 >= 250);
	evhttp_clear_headers(&r.headers);
	assert_int_equal(tu_wait_closed(&c, 3000), 1);
	tu_close(&c);
	assert_serving(p);

	/* A trickle does not extend the head deadline. */
	assert_int_equal(tu_connect(&c, p), 0);
	t0 = tu_now_ms();
	{
		const char *s = "GET /hello HTTP/1.1\r\nHost: t\r\nX: ";
		int st = -1, i;

		assert_int_equal(tu_sends(&c, s), 0);
		for (i = 0; i < 20; i++) {
			if (tu_sends(&c, "a") < 0)
				break;
			usleep(50000);
			if (tu_read_response(&c, &r, 0, 1) == 0) {
				st = r.status;
				evhttp_clear_headers(&r.headers);
				break;
			}
		}
		assert_int_equal(st, 408);
		assert_true(tu_now_ms() - t0 < 3000);
	}
	tu_close(&c);

	/* Idle keep-alive connection: closed quietly after the timeout. */
	assert_int_equal(tu_connect(&c, p), 0);
	assert_int_equal(tu_sends(&c, GET("/hello")), 0);
	assert_int_equal(tu_read_response(&c, &r, 0, 2000), 0);
	evhttp_clear_headers(&r.headers);
	t0 = tu_now_ms();
	assert_int_equal(tu_wait_closed(&c, 3000), 1);
	assert_true(tu_now_ms() - t0 >= 400);
	tu_close(&c);
	assert_serving(p);
	tu_stop_server(pid);
}

static void test_max_connections(void **state)
{
	struct opts o = default_opts;
	struct tconn *a = calloc(1, sizeof(*a)), *b = calloc(1, sizeof(*b));
	int p;
	pid_t pid;

	(void)state;
	o.max_conns = 2;
	pid = tu_fork_server(setup_server, &o, &p);
	assert_true(pid > 0);
	assert_int_equal(tu_connect(a, p), 0);
	assert_int_equal(tu_sends(a, GET("/hello")), 0);
	assert_int_equal(tu_read_response(a, &r, 0, 2000), 0);
	evhttp_clear_headers(&r.headers);
	assert_int_equal(tu_connect(b, p), 0);
	assert_int_equal(tu_sends(b, GET("/hello")), 0);
	assert_int_equal(tu_read_response(b, &r, 0, 2000), 0);
	evhttp_clear_headers(&r.headers);

	/* The third waits in the listen queue... */
	assert_int_equal(tu_connect(&c, p), 0);
	assert_int_equal(tu_sends(&c, GET("/hello")), 0);
	assert_int_equal(tu_read_response(&c, &r, 0, 300), -1);
	/* ...until one of the first two leaves. */
	tu_close(a);
	assert_int_equal(tu_read_response(&c, &r, 0, 2000), 0);
	assert_int_equal(r.status, 200);
	evhttp_clear_headers(&r.headers);
	tu_close(&c);
	tu_close(b);
	free(a);
	free(b);
	tu_stop_server(pid);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_keepalive),
	    cmocka_unit_test(test_http10),
	    cmocka_unit_test(test_large_reply_fields),
	    cmocka_unit_test(test_keepalive_targets),
	    cmocka_unit_test(test_pipelining),
	    cmocka_unit_test(test_half_close_pipelining),
	    cmocka_unit_test(test_bodies),
	    cmocka_unit_test(test_head),
	    cmocka_unit_test(test_expect_continue),
	    cmocka_unit_test(test_streamed_reply),
	    cmocka_unit_test(test_backpressure),
	    cmocka_unit_test(test_streaming_upload),
	    cmocka_unit_test(test_early_reply_from_chunk_cb),
	    cmocka_unit_test(test_not_found),
	    cmocka_unit_test(test_rejections),
	    cmocka_unit_test(test_limits),
	    cmocka_unit_test(test_timeouts),
	    cmocka_unit_test(test_max_connections),
	};
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
