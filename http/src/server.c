/*
 * The evhttp server object: listening sockets, path callbacks, settings.
 * Connections themselves live in server-conn.c.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <ev-listener.h>
#include "http-internal.h"

struct evhttp *evhttp_new(struct event_base *base)
{
	struct evhttp *http;

	if (!base)
		return NULL;
	http = calloc(1, sizeof(*http));
	if (!http)
		return NULL;
	http->base = base;
	TAILQ_INIT(&http->sockets);
	TAILQ_INIT(&http->callbacks);
	TAILQ_INIT(&http->conns);
	http->max_conns = EV__HTTP_DEFAULT_MAX_CONNECTIONS;
	http->timeout_tv.tv_sec = EV__HTTP_DEFAULT_TIMEOUT;
	http->request_tv.tv_sec = EV__HTTP_DEFAULT_REQUEST_TIMEOUT;
	http->max_head = 16 * 1024;
	http->max_uri = 8 * 1024;
	http->max_body = EV__HTTP_DEFAULT_MAX_BODY;
	http->allowed = EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_HEAD |
	                EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE |
	                EVHTTP_REQ_OPTIONS | EVHTTP_REQ_PATCH;
	return http;
}

struct evhttp *evhttp_start(const char *address, ev_uint16_t port)
{
	struct event_base *base = ev__http_current_base();
	struct evhttp *http = evhttp_new(base);

	if (!http)
		return NULL;
	if (evhttp_bind_socket(http, address, port) < 0) {
		evhttp_free(http);
		return NULL;
	}
	return http;
}

void evhttp_free(struct evhttp *http)
{
	struct evhttp_bound_socket *b;
	struct evhttp_cb *cb;
	struct evhttp_connection *evcon;

	if (!http)
		return;
	while ((b = TAILQ_FIRST(&http->sockets)) != NULL)
		evhttp_del_accept_socket(http, b);
	while ((evcon = TAILQ_FIRST(&http->conns)) != NULL)
		ev__http_conn_destroy(evcon);
	while ((cb = TAILQ_FIRST(&http->callbacks)) != NULL) {
		TAILQ_REMOVE(&http->callbacks, cb, link);
		free(cb->path);
		free(cb);
	}
	free(http);
}

static void pause_accept(struct evhttp *http, int pause)
{
	struct evhttp_bound_socket *b;

	if (http->accept_paused == pause)
		return;
	http->accept_paused = pause;
	TAILQ_FOREACH(b, &http->sockets, link)
	{
		if (pause)
			evconnlistener_disable(b->listener);
		else
			evconnlistener_enable(b->listener);
	}
}

static void accept_cb(struct evconnlistener *lev, evutil_socket_t fd,
                      struct sockaddr *sa, int salen, void *arg)
{
	struct evhttp *http = arg;

	(void)lev;
	if (ev__http_server_conn_start(http, fd, sa, salen) < 0) {
		/* Only allocations can fail there (the listener already
		 * logged accept() errors). */
		evutil_log(EVENT_LOG_ERR,
		           "evhttp: out of memory setting up an accepted "
		           "connection (fd %d); dropping it",
		           (int)fd);
		close(fd);
		return;
	}
	if (http->nconns >= http->max_conns)
		pause_accept(http, 1);
}

void ev__http_server_conn_closed(struct evhttp *http,
                                 struct evhttp_connection *evcon)
{
	TAILQ_REMOVE(&http->conns, evcon, link);
	http->nconns--;
	if (http->nconns < http->max_conns)
		pause_accept(http, 0);
}

struct evhttp_bound_socket *
evhttp_accept_socket_with_handle(struct evhttp *http, evutil_socket_t fd)
{
	struct evhttp_bound_socket *b;
	unsigned flags = LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC;

	if (!http || fd < 0) {
		evutil_log(EVENT_LOG_WARN, "evhttp_accept_socket: %s (fd %d)",
		           !http ? "no evhttp" : "invalid descriptor", (int)fd);
		errno = EINVAL;
		return NULL;
	}
	b = calloc(1, sizeof(*b));
	if (!b) {
		evutil_log(EVENT_LOG_ERR,
		           "evhttp_accept_socket: out of memory (fd %d)",
		           (int)fd);
		return NULL;
	}
	if (http->accept_paused)
		flags |= LEV_OPT_DISABLED;
	/* Backlog 0: the socket is already listening (evhttp_bind_socket's
	 * 511, or the caller's); -1 would listen() again with 128 and make
	 * bursts of connects wait for SYN retransmissions. */
	b->listener =
	    evconnlistener_new(http->base, accept_cb, http, flags, 0, fd);
	if (!b->listener) {
		int e = errno;

		evutil_log(EVENT_LOG_WARN,
		           "evhttp_accept_socket: cannot accept on fd %d: %s",
		           (int)fd, strerror(e));
		free(b);
		errno = e;
		return NULL;
	}
	TAILQ_INSERT_TAIL(&http->sockets, b, link);
	return b;
}

int evhttp_accept_socket(struct evhttp *http, evutil_socket_t fd)
{
	return evhttp_accept_socket_with_handle(http, fd) ? 0 : -1;
}

struct evhttp_bound_socket *evhttp_bind_socket_with_handle(struct evhttp *http,
                                                           const char *address,
                                                           ev_uint16_t port)
{
	struct sockaddr_storage ss;
	socklen_t len;
	struct evhttp_bound_socket *b;
	const char *what;
	int fd, one = 1;

	memset(&ss, 0, sizeof(ss));
	if (!address)
		address = "0.0.0.0";
	if (inet_pton(AF_INET, address,
	              &((struct sockaddr_in *)&ss)->sin_addr) == 1) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		len = sizeof(*sin);
	} else if (inet_pton(AF_INET6, address,
	                     &((struct sockaddr_in6 *)&ss)->sin6_addr) == 1) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		len = sizeof(*sin6);
	} else {
		evutil_log(EVENT_LOG_WARN,
		           "evhttp_bind_socket: '%s' is not a numeric IPv4 or "
		           "IPv6 address (port %u)",
		           address, (unsigned)port);
		errno = EINVAL;
		return NULL;
	}
	fd =
	    socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		what = "socket";
		goto fail;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	what = "bind";
	if (bind(fd, (struct sockaddr *)&ss, len) < 0)
		goto fail;
	what = "listen";
	if (listen(fd, 511) < 0)
		goto fail;
	/* Logs its own failures. */
	b = evhttp_accept_socket_with_handle(http, fd);
	if (!b) {
		what = NULL;
		goto fail;
	}
	return b;
fail : {
	int e = errno;

	if (what)
		evutil_log(EVENT_LOG_WARN,
		           "evhttp_bind_socket: %s on %s%s%s:%u failed: %s",
		           what, ss.ss_family == AF_INET6 ? "[" : "", address,
		           ss.ss_family == AF_INET6 ? "]" : "", (unsigned)port,
		           strerror(e));
	if (fd >= 0)
		close(fd);
	errno = e;
}
	return NULL;
}

int evhttp_bind_socket(struct evhttp *http, const char *address,
                       ev_uint16_t port)
{
	return evhttp_bind_socket_with_handle(http, address, port) ? 0 : -1;
}

evutil_socket_t evhttp_bound_socket_get_fd(struct evhttp_bound_socket *bound)
{
	return evconnlistener_get_fd(bound->listener);
}

void evhttp_del_accept_socket(struct evhttp *http,
                              struct evhttp_bound_socket *bound)
{
	TAILQ_REMOVE(&http->sockets, bound, link);
	evconnlistener_free(bound->listener);
	free(bound);
}

int evhttp_set_cb(struct evhttp *http, const char *path, evhttp_request_cb cb,
                  void *arg)
{
	struct evhttp_cb *c;

	TAILQ_FOREACH(c, &http->callbacks, link)
	if (strcmp(c->path, path) == 0)
		return -1;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -1;
	c->path = strdup(path);
	if (!c->path) {
		free(c);
		return -1;
	}
	c->cb = cb;
	c->arg = arg;
	TAILQ_INSERT_TAIL(&http->callbacks, c, link);
	return 0;
}

int evhttp_del_cb(struct evhttp *http, const char *path)
{
	struct evhttp_cb *c;

	TAILQ_FOREACH(c, &http->callbacks, link)
	{
		if (strcmp(c->path, path) == 0) {
			TAILQ_REMOVE(&http->callbacks, c, link);
			free(c->path);
			free(c);
			return 0;
		}
	}
	return -1;
}

void evhttp_set_gencb(struct evhttp *http, evhttp_request_cb cb, void *arg)
{
	http->gencb = cb;
	http->gencb_arg = arg;
}

void evhttp_set_header_cb(struct evhttp *http,
                          int (*cb)(struct evhttp_request *, void *), void *arg)
{
	http->header_cb = cb;
	http->header_cb_arg = arg;
}

void evhttp_set_timeout(struct evhttp *http, int timeout_in_secs)
{
	struct timeval tv = {timeout_in_secs, 0};

	if (timeout_in_secs <= 0)
		tv.tv_sec = EV__HTTP_DEFAULT_TIMEOUT;
	evhttp_set_timeout_tv(http, &tv);
}

void evhttp_set_timeout_tv(struct evhttp *http, const struct timeval *tv)
{
	if (tv && (tv->tv_sec > 0 || tv->tv_usec > 0)) {
		http->timeout_tv = *tv;
	} else {
		http->timeout_tv.tv_sec = EV__HTTP_DEFAULT_TIMEOUT;
		http->timeout_tv.tv_usec = 0;
	}
}

void evhttp_set_request_timeout_tv(struct evhttp *http,
                                   const struct timeval *tv)
{
	if (tv && (tv->tv_sec > 0 || tv->tv_usec > 0)) {
		http->request_tv = *tv;
	} else {
		http->request_tv.tv_sec = EV__HTTP_DEFAULT_REQUEST_TIMEOUT;
		http->request_tv.tv_usec = 0;
	}
}

void evhttp_set_max_headers_size(struct evhttp *http, ev_ssize_t n)
{
	http->max_head = n > 0 ? (size_t)n : 16 * 1024;
}

void evhttp_set_max_body_size(struct evhttp *http, ev_ssize_t n)
{
	http->max_body = n >= 0 ? (uint64_t)n : UINT64_MAX;
}

void evhttp_set_max_uri_size(struct evhttp *http, ev_ssize_t n)
{
	http->max_uri = n > 0 ? (size_t)n : 8 * 1024;
}

void evhttp_set_max_connections(struct evhttp *http, int n)
{
	http->max_conns = n > 0 ? n : EV__HTTP_DEFAULT_MAX_CONNECTIONS;
	pause_accept(http, http->nconns >= http->max_conns);
}

void evhttp_set_allowed_methods(struct evhttp *http, ev_uint16_t methods)
{
	http->allowed = methods;
}

int evhttp_get_connection_count(struct evhttp *http)
{
	return http->nconns;
}

const char *ev__http_date(struct evhttp *http)
{
	static const char days[7][4] = {"Sun", "Mon", "Tue", "Wed",
	                                "Thu", "Fri", "Sat"};
	static const char months[12][4] = {"Jan", "Feb", "Mar", "Apr",
	                                   "May", "Jun", "Jul", "Aug",
	                                   "Sep", "Oct", "Nov", "Dec"};
	time_t now = time(NULL);

	/* One formatting per second is plenty for a Date field; the names
	 * are spelled out because strftime() follows the program's locale. */
	if ((long)now != http->date_sec) {
		struct tm tm;

		gmtime_r(&now, &tm);
		snprintf(http->date, sizeof(http->date),
		         "%s, %02d %s %04d %02d:%02d:%02d GMT",
		         days[tm.tm_wday % 7], tm.tm_mday,
		         months[tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour,
		         tm.tm_min, tm.tm_sec);
		http->date_sec = (long)now;
	}
	return http->date;
}
