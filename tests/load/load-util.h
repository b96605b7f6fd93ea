/*
 * Helpers shared by the load and fault tests: an HTTP server running its
 * own event base in a thread (so the test's clients, plain sockets driven
 * with poll(), measure it from outside), descriptor counting, the fd
 * limit, and a monotonic clock.  Loopback only.
 */
#ifndef LIBEV_LOAD_UTIL_H
#define LIBEV_LOAD_UTIL_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <event.h>
#include <evhttp.h>

static inline int64_t lu_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Open descriptors of this process (the directory's own fd excluded). */
static inline int lu_count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n - 1;
}

/* Raises the soft fd limit to the hard one; returns the new soft limit. */
static inline long lu_raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return -1;
	rl.rlim_cur = rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
		return -1;
	return (long)rl.rlim_cur;
}

/* A non-blocking TCP connect to 127.0.0.1:port (in progress or done). */
static inline int lu_connect(int port)
{
	struct sockaddr_in sin;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);

	if (fd < 0)
		return -1;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0 &&
	    errno != EINPROGRESS) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Closes with a reset (RST) instead of an orderly FIN. */
static inline void lu_reset(int fd)
{
	struct linger l = {1, 0};

	setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
	close(fd);
}

struct lu_server {
	struct event_base *base;
	struct evhttp *http;
	struct event *stop_ev;
	int stop_pipe[2];
	int port;
	pthread_t thread;
};

static inline void lu_stop_cb(evutil_socket_t fd, short what, void *arg)
{
	struct lu_server *s = arg;

	(void)fd;
	(void)what;
	event_base_loopbreak(s->base);
}

static inline void *lu_server_main(void *arg)
{
	struct lu_server *s = arg;

	event_base_dispatch(s->base);
	return NULL;
}

/* Creates the server on 127.0.0.1:0; configure s->http, then
 * lu_server_run(). */
static inline int lu_server_init(struct lu_server *s)
{
	struct evhttp_bound_socket *b;
	struct sockaddr_in sin;
	socklen_t sl = sizeof(sin);

	memset(s, 0, sizeof(*s));
	s->base = event_base_new();
	if (s->base == NULL || pipe(s->stop_pipe) < 0)
		return -1;
	s->http = evhttp_new(s->base);
	b = evhttp_bind_socket_with_handle(s->http, "127.0.0.1", 0);
	if (s->http == NULL || b == NULL ||
	    getsockname(evhttp_bound_socket_get_fd(b), (struct sockaddr *)&sin,
	                &sl) < 0)
		return -1;
	s->port = ntohs(sin.sin_port);
	s->stop_ev =
	    event_new(s->base, s->stop_pipe[0], EV_READ, lu_stop_cb, s);
	return event_add(s->stop_ev, NULL);
}

static inline int lu_server_run(struct lu_server *s)
{
	return pthread_create(&s->thread, NULL, lu_server_main, s);
}

static inline void lu_server_stop(struct lu_server *s)
{
	if (write(s->stop_pipe[1], "x", 1) != 1)
		return;
	pthread_join(s->thread, NULL);
	evhttp_free(s->http);
	event_free(s->stop_ev);
	event_base_free(s->base);
	close(s->stop_pipe[0]);
	close(s->stop_pipe[1]);
}

/* Length of a complete response at the front of buf[0..len) (head with a
 * Content-Length body), 0 if incomplete; *code gets the status. */
static inline size_t lu_response_len(const char *buf, size_t len, int *code)
{
	const char *end, *cl;
	size_t head, body = 0;

	end = memmem(buf, len, "\r\n\r\n", 4);
	if (end == NULL || len < 12)
		return 0;
	head = (size_t)(end - buf) + 4;
	cl = memmem(buf, head, "Content-Length:", 15);
	if (cl != NULL)
		body = (size_t)strtoul(cl + 15, NULL, 10);
	if (len < head + body)
		return 0;
	*code = atoi(buf + 9);
	return head + body;
}

#endif
