/*
 * Our server against a client nobody here wrote: curl.  GET, POST with a
 * body, a chunked upload, several URLs over one kept-alive connection,
 * HEAD and Expect: 100-continue.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <ev-buffer.h>
#include "http-test-util.h"

static int port;
static pid_t server;

static void hello_cb(struct evhttp_request *req, void *arg)
{
	struct evbuffer *b = evbuffer_new();

	(void)arg;
	evbuffer_add_printf(b, "hello %s\n", req->uri);
	evhttp_send_reply(req, HTTP_OK, "OK", b);
	evbuffer_free(b);
}

static void echo_cb(struct evhttp_request *req, void *arg)
{
	const char *te =
	    evhttp_find_header(req->input_headers, "Transfer-Encoding");

	(void)arg;
	evhttp_add_header(req->output_headers, "X-Got-TE", te ? te : "none");
	evhttp_send_reply(req, HTTP_OK, "OK", req->input_buffer);
}

static void setup(struct evhttp *http, void *arg)
{
	(void)arg;
	evhttp_set_cb(http, "/echo", echo_cb, NULL);
	evhttp_set_gencb(http, hello_cb, NULL);
}

static int group_setup(void **state)
{
	(void)state;
	if (system("curl --version >/dev/null 2>&1") != 0) {
		fprintf(stderr, "curl is not installed\n");
		return -1;
	}
	server = tu_fork_server(setup, NULL, &port);
	return server > 0 ? 0 : -1;
}

static int group_teardown(void **state)
{
	(void)state;
	tu_stop_server(server);
	return 0;
}

/* Runs a shell command and returns its stdout (static buffer). */
static const char *run(const char *fmt, ...)
{
	static char out[65536];
	char cmd[4096];
	va_list ap;
	FILE *f;
	size_t n;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	f = popen(cmd, "r");
	assert_non_null(f);
	n = fread(out, 1, sizeof(out) - 1, f);
	out[n] = '\0';
	pclose(f);
	return out;
}

#define CURL "curl -sS --max-time 10 --noproxy '*' "

static void test_get(void **state)
{
	(void)state;
	assert_string_equal(run(CURL "http://127.0.0.1:%d/a/b?c=d", port),
	                    "hello /a/b?c=d\n");
	assert_string_equal(run(CURL "-o /dev/null -w '%%{http_code}' "
	                             "http://127.0.0.1:%d/echo",
	                        port),
	                    "200");
	assert_string_equal(run(CURL "--http1.0 http://127.0.0.1:%d/x", port),
	                    "hello /x\n");
}

static void test_post(void **state)
{
	(void)state;
	assert_string_equal(run(CURL "--data-binary 'some body=1&x' "
	                             "http://127.0.0.1:%d/echo",
	                        port),
	                    "some body=1&x");
	/* A body of 200 KB, well past the socket buffers. */
	assert_string_equal(run("head -c 200000 /dev/zero | tr '\\0' z | " CURL
	                        "--data-binary @- http://127.0.0.1:%d/echo"
	                        " | wc -c",
	                        port),
	                    "200000\n");
}

static void test_chunked_upload(void **state)
{
	(void)state;
	assert_string_equal(run(CURL "-H 'Transfer-Encoding: chunked' "
	                             "--data-binary 'chunked body' -D - "
	                             "http://127.0.0.1:%d/echo | "
	                             "tr -d '\\r' | grep -i -e '^x-got-te' -e "
	                             "body",
	                        port),
	                    "X-Got-TE: chunked\nchunked body\n");
	assert_string_equal(run("head -c 100000 /dev/zero | tr '\\0' q | " CURL
	                        "-H 'Transfer-Encoding: chunked' "
	                        "--data-binary @- http://127.0.0.1:%d/echo"
	                        " | wc -c",
	                        port),
	                    "100000\n");
}

static int count(const char *hay, const char *needle)
{
	int n = 0;

	while ((hay = strstr(hay, needle)) != NULL) {
		n++;
		hay += strlen(needle);
	}
	return n;
}

static void test_keepalive_several_urls(void **state)
{
	const char *out;

	(void)state;
	out = run(CURL "-v http://127.0.0.1:%d/1 http://127.0.0.1:%d/2 "
	               "http://127.0.0.1:%d/3 2>&1",
	          port, port, port);
	assert_int_equal(count(out, "hello /1\n"), 1);
	assert_int_equal(count(out, "hello /2\n"), 1);
	assert_int_equal(count(out, "hello /3\n"), 1);
	/* One TCP connection, reused twice (curl says so). */
	assert_int_equal(count(out, "Connected to"), 1);
	assert_int_equal(count(out, "Re-using existing connection"), 2);
}

static void test_head_and_expect(void **state)
{
	(void)state;
	assert_string_equal(run(CURL "-I http://127.0.0.1:%d/h | tr -d '\\r' "
	                             "| grep -i -e '^HTTP/' -e "
	                             "'^content-length'",
	                        port),
	                    "HTTP/1.1 200 OK\nContent-Length: 9\n");
	assert_string_equal(run(CURL "-v -H 'Expect: 100-continue' "
	                             "--data-binary 'waited' "
	                             "http://127.0.0.1:%d/echo 2>&1 | "
	                             "grep -c -e 'HTTP/1.1 100 Continue' -e "
	                             "'^waited'",
	                        port),
	                    "2\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_get),
	    cmocka_unit_test(test_post),
	    cmocka_unit_test(test_chunked_upload),
	    cmocka_unit_test(test_keepalive_several_urls),
	    cmocka_unit_test(test_head_and_expect),
	};
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
