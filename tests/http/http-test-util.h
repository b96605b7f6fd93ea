/*
 * Test fixture for libev-http: a server in a child process on a loopback
 * port, and a raw-socket client that reads responses with our own parser
 * (tested on its own in test-parser.c) and a deadline on every read.
 */
#ifndef HTTP_TEST_UTIL_H
#define HTTP_TEST_UTIL_H

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <event.h>
#include <evhttp.h>
#include "parser.h"

/* A listening socket on 127.0.0.1, port chosen by the kernel. */
__attribute__((unused)) static int tu_listen(int *port)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;

	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0 ||
	    listen(fd, 64) < 0 ||
	    getsockname(fd, (struct sockaddr *)&sin, &len) < 0) {
		close(fd);
		return -1;
	}
	*port = ntohs(sin.sin_port);
	return fd;
}

/*
 * Forks a server: setup(http, arg) installs callbacks and limits in the
 * child, which then runs its loop until killed.
 */
__attribute__((unused)) static pid_t
tu_fork_server(void (*setup)(struct evhttp *, void *), void *arg, int *port)
{
	int fd = tu_listen(port);
	pid_t pid;

	if (fd < 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		struct event_base *base = event_base_new();
		struct evhttp *http = base ? evhttp_new(base) : NULL;

		if (!http || evhttp_accept_socket(http, fd) < 0)
			_exit(3);
		setup(http, arg);
		event_base_dispatch(base);
		evhttp_free(http);
		event_base_free(base);
		_exit(0);
	}
	close(fd);
	return pid;
}

__attribute__((unused)) static void tu_stop_server(pid_t pid)
{
	int st;

	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
}

__attribute__((unused)) static long tu_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000;
}

/* A raw client connection that remembers unread bytes between replies. */
struct tconn {
	int fd;
	char buf[256 * 1024];
	size_t len;
};

struct tresp {
	int status;
	int got_continue;
	size_t body_len;
	size_t body_total; /* all body bytes, even those not kept */
	int chunked;
	int closed; /* the server closed after this response */
	struct evkeyvalq headers;
	char body[1 << 20]; /* last: everything before it is reset */
};

__attribute__((unused)) static int tu_connect(struct tconn *c, int port)
{
	struct sockaddr_in sin;
	int one = 1;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	c->len = 0;
	c->fd = socket(AF_INET, SOCK_STREAM, 0);
	if (c->fd < 0)
		return -1;
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(c->fd, (struct sockaddr *)&sin, sizeof(sin)) < 0) {
		close(c->fd);
		return -1;
	}
	return 0;
}

__attribute__((unused)) static int tu_send(struct tconn *c, const void *data,
                                           size_t len)
{
	const char *p = data;

	while (len > 0) {
		ssize_t n = send(c->fd, p, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

__attribute__((unused)) static int tu_sends(struct tconn *c, const char *s)
{
	return tu_send(c, s, strlen(s));
}

/* Reads more bytes before the deadline: >0 read, 0 EOF, -1 error/timeout. */
__attribute__((unused)) static ssize_t tu_fill(struct tconn *c, long deadline)
{
	struct pollfd pfd = {c->fd, POLLIN, 0};
	long left = deadline - tu_now_ms();
	ssize_t n;

	if (c->len == sizeof(c->buf))
		return -1;
	if (left <= 0 || poll(&pfd, 1, (int)left) != 1)
		return -1;
	n = recv(c->fd, c->buf + c->len, sizeof(c->buf) - c->len, 0);
	if (n > 0)
		c->len += (size_t)n;
	return n < 0 ? -1 : n;
}

/*
 * Reads one response (skipping, but noting, a 100 Continue).  no_body:
 * the request was HEAD.  Returns 0, or -1 on timeout/reset/garbage.
 */
__attribute__((unused)) static int
tu_read_response(struct tconn *c, struct tresp *r, int no_body, int timeout_ms)
{
	struct ev__http_parser p;
	long deadline = tu_now_ms() + timeout_ms;
	int ret = -1;

	memset(r, 0, offsetof(struct tresp, body));
	TAILQ_INIT(&r->headers);
	ev__http_parser_init(&p, EV__HTTP_PARSE_RESPONSE);
	p.no_body = no_body;
	for (;;) {
		size_t used = 0, blen;
		const char *body;
		enum ev__http_result res = EV__HTTP_NEED_MORE;

		if (c->len > 0 || !ev__http_parser_idle(&p))
			res = ev__http_parse(&p, c->buf, c->len, &used, &body,
			                     &blen);
		if (res == EV__HTTP_BODY) {
			r->body_total += blen;
			if (r->body_len + blen < sizeof(r->body)) {
				memcpy(r->body + r->body_len, body, blen);
				r->body_len += blen;
			}
		}
		memmove(c->buf, c->buf + used, c->len - used);
		c->len -= used;
		if (res == EV__HTTP_ERROR)
			goto out;
		if (res == EV__HTTP_HEAD) {
			size_t i;

			if (p.status == 100) {
				r->got_continue = 1;
				ev__http_parser_reset(&p);
				p.no_body = no_body;
				continue;
			}
			r->status = p.status;
			r->chunked = p.framing == EV__HTTP_BODY_CHUNKED;
			r->closed = p.conn_close;
			for (i = 0; i < p.nfields; i++) {
				const char *n, *v;

				ev__http_parser_field(&p, i, &n, &v);
				evhttp_add_header(&r->headers, n, v);
			}
			continue;
		}
		if (res == EV__HTTP_DONE) {
			ret = 0;
			goto out;
		}
		if (res == EV__HTTP_BODY)
			continue;
		{
			ssize_t n = tu_fill(c, deadline);

			if (n == 0) {
				if (ev__http_parse_eof(&p) == EV__HTTP_DONE) {
					r->closed = 1;
					ret = 0;
				}
				goto out;
			}
			if (n < 0)
				goto out;
		}
	}
out:
	r->body[r->body_len < sizeof(r->body) ? r->body_len : 0] = '\0';
	ev__http_parser_free(&p);
	return ret;
}

/* 1 if the peer closed (EOF or reset) before the deadline, else 0. */
__attribute__((unused)) static int tu_wait_closed(struct tconn *c,
                                                  int timeout_ms)
{
	long deadline = tu_now_ms() + timeout_ms;

	for (;;) {
		ssize_t n;

		c->len = 0;
		n = tu_fill(c, deadline);
		if (n == 0)
			return 1;
		if (n < 0)
			return errno == ECONNRESET ? 1 : 0;
	}
}

__attribute__((unused)) static void tu_close(struct tconn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}

/* One request on a fresh connection; returns the status (or -1). */
__attribute__((unused)) static int tu_status_of(int port, const void *req,
                                                size_t len, int timeout_ms)
{
	static struct tconn c;
	static struct tresp r;
	int st = -1;

	if (tu_connect(&c, port) < 0)
		return -1;
	if (tu_send(&c, req, len) == 0 &&
	    tu_read_response(&c, &r, 0, timeout_ms) == 0)
		st = r.status;
	evhttp_clear_headers(&r.headers);
	tu_close(&c);
	return st;
}

#endif
