/*
 * Our client against a server nobody here wrote: nginx (Debian's
 * nginx-light), started on a free loopback port with a temporary config
 * and killed at the end.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <sys/stat.h>

#include <ev-buffer.h>
#include "http-test-util.h"

static char dir[] = "/tmp/libev-nginx-XXXXXX";
static pid_t nginx;
static int port;

static const char *nginx_path(void)
{
	static const char *const paths[] = {"/usr/sbin/nginx", "/usr/bin/nginx",
	                                    "/usr/local/sbin/nginx"};
	size_t i;

	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
		if (access(paths[i], X_OK) == 0)
			return paths[i];
	return NULL;
}

static int group_setup(void **state)
{
	const char *bin = nginx_path();
	char conf[512], path[600];
	FILE *f;
	int fd, i;

	(void)state;
	if (!bin) {
		fprintf(stderr, "nginx is not installed (nginx-light)\n");
		return -1;
	}
	if (!mkdtemp(dir))
		return -1;
	/* A free port: bind to 0, note it, release it for nginx. */
	fd = tu_listen(&port);
	if (fd < 0)
		return -1;
	close(fd);
	snprintf(conf, sizeof(conf), "%s/nginx.conf", dir);
	f = fopen(conf, "w");
	if (!f)
		return -1;
	fprintf(f,
	        "daemon off;\nmaster_process off;\nerror_log stderr;\n"
	        "pid %s/nginx.pid;\nevents { worker_connections 64; }\n"
	        "http {\n  access_log off;\n"
	        "  client_body_temp_path %s;\n  proxy_temp_path %s;\n"
	        "  fastcgi_temp_path %s;\n  uwsgi_temp_path %s;\n"
	        "  scgi_temp_path %s;\n"
	        "  server {\n    listen 127.0.0.1:%d;\n"
	        "    location / { return 200 \"hello\"; }\n"
	        "    location /chunked { chunked_transfer_encoding on;"
	        " return 200 \"chunky\"; }\n"
	        "  }\n}\n",
	        dir, dir, dir, dir, dir, dir, port);
	fclose(f);
	nginx = fork();
	if (nginx == 0) {
		execl(bin, bin, "-p", dir, "-c", conf, (char *)NULL);
		_exit(127);
	}
	/* Wait (bounded) until it accepts connections. */
	for (i = 0; i < 100; i++) {
		struct tconn *c = calloc(1, sizeof(*c));
		int ok = tu_connect(c, port) == 0;

		if (ok)
			tu_close(c);
		free(c);
		if (ok)
			return 0;
		usleep(50000);
	}
	snprintf(path, sizeof(path), "rm -rf %s", dir);
	(void)system(path);
	return -1;
}

static int group_teardown(void **state)
{
	char cmd[600];

	(void)state;
	kill(nginx, SIGTERM);
	waitpid(nginx, NULL, 0);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

struct result {
	struct event_base *base;
	int done, code, expect;
	char body[256];
};

static void done_cb(struct evhttp_request *req, void *arg)
{
	struct result *r = arg;

	r->done++;
	if (req) {
		size_t n = evbuffer_get_length(req->input_buffer);

		r->code = req->response_code;
		if (n >= sizeof(r->body))
			n = sizeof(r->body) - 1;
		evbuffer_remove(req->input_buffer, r->body, n);
		r->body[n] = '\0';
	}
	if (r->done >= r->expect)
		event_base_loopexit(r->base, NULL);
}

static void run(struct event_base *base)
{
	struct timeval tv = {10, 0};

	event_base_loopexit(base, &tv);
	event_base_dispatch(base);
}

static void test_get_keepalive(void **state)
{
	struct event_base *base = event_base_new();
	struct evhttp_connection *evcon;
	int i;

	(void)state;
	evcon = evhttp_connection_base_new(base, NULL, "127.0.0.1",
	                                   (ev_uint16_t)port);
	for (i = 0; i < 3; i++) {
		struct result r = {base, 0, 0, 1, ""};

		assert_int_equal(
		    evhttp_make_request(evcon, evhttp_request_new(done_cb, &r),
		                        EVHTTP_REQ_GET, "/"),
		    0);
		run(base);
		assert_int_equal(r.done, 1);
		assert_int_equal(r.code, 200);
		assert_string_equal(r.body, "hello");
	}
	evhttp_connection_free(evcon);
	event_base_free(base);
}

static void test_pipelined_and_head(void **state)
{
	struct event_base *base = event_base_new();
	struct evhttp_connection *evcon;
	struct result a = {base, 0, 0, 99, ""}, b = {base, 0, 0, 99, ""},
	              h = {base, 0, 0, 1, ""};

	(void)state;
	evcon = evhttp_connection_base_new(base, NULL, "127.0.0.1",
	                                   (ev_uint16_t)port);
	assert_int_equal(evhttp_make_request(evcon,
	                                     evhttp_request_new(done_cb, &a),
	                                     EVHTTP_REQ_GET, "/x"),
	                 0);
	assert_int_equal(evhttp_make_request(evcon,
	                                     evhttp_request_new(done_cb, &b),
	                                     EVHTTP_REQ_POST, "/y"),
	                 0);
	assert_int_equal(evhttp_make_request(evcon,
	                                     evhttp_request_new(done_cb, &h),
	                                     EVHTTP_REQ_HEAD, "/z"),
	                 0);
	run(base);
	assert_int_equal(a.code, 200);
	assert_string_equal(a.body, "hello");
	assert_int_equal(b.code, 200);
	assert_string_equal(b.body, "hello");
	assert_int_equal(h.code, 200);
	assert_string_equal(h.body, "");
	evhttp_connection_free(evcon);
	event_base_free(base);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_get_keepalive),
	    cmocka_unit_test(test_pipelined_and_head),
	};
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
