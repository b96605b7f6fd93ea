/*
 * DNS over TCP for server ports: accepted connections carry queries with
 * a two-byte length prefix (RFC 1035 4.2.2), possibly several in a row
 * (RFC 7766 pipelining); replies are queued and written as the socket
 * allows.  Idle connections are closed; a client that stops reading is
 * cut off once a bounded amount of output is queued.
 *
 * Running out of descriptors (EMFILE/ENFILE, or kernel memory) leaves the
 * connection in the listen queue, so the listening socket stays readable:
 * accepting pauses for ACCEPT_PAUSE_MS instead of spinning, and the
 * condition is logged once until an accept succeeds again.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "server.h"

#define TCP_IDLE_SEC    10
#define TCP_MAX_OUT     (1u << 20)
#define TCP_MAX_CONNS   512
#define ACCEPT_PAUSE_MS 100

struct ev__dns_tcp_conn {
	struct evdns_server_port *port;
	struct ev__dns_tcp_conn *next, *prev;
	int fd;
	int refcnt; /* 1 while open, +1 per request being answered */
	int dead;
	struct event rev, wev;
	struct sockaddr_storage addr;
	socklen_t addrlen;
	size_t have;
	uint8_t *out;
	size_t outlen, outoff, outcap;
	uint8_t in[2 + 65535];
};

void ev__dns_tcp_conn_ref(struct ev__dns_tcp_conn *c)
{
	c->refcnt++;
}

void ev__dns_tcp_conn_unref(struct ev__dns_tcp_conn *c)
{
	struct evdns_server_port *port = c->port;

	if (--c->refcnt)
		return;
	free(c->out);
	free(c);
	ev__dns_port_unref(port);
}

/* Closes the socket and unlinks the connection; the memory stays until
 * the last reference goes.  Returns 1 if it did something. */
static int conn_shutdown(struct ev__dns_tcp_conn *c)
{
	struct evdns_server_port *port = c->port;

	if (c->dead)
		return 0;
	c->dead = 1;
	event_del(&c->rev);
	event_del(&c->wev);
	close(c->fd);
	c->fd = -1;
	if (c->prev)
		c->prev->next = c->next;
	else
		port->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	return 1;
}

static void conn_close(struct ev__dns_tcp_conn *c)
{
	if (conn_shutdown(c))
		ev__dns_tcp_conn_unref(
		    c); /* the reference of the open socket */
}

static int flush(struct ev__dns_tcp_conn *c)
{
	while (c->outoff < c->outlen) {
		ssize_t n =
		    write(c->fd, c->out + c->outoff, c->outlen - c->outoff);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			event_add(&c->wev, NULL);
			return 0;
		}
		if (n <= 0)
			return -1;
		c->outoff += (size_t)n;
	}
	c->outoff = c->outlen = 0;
	event_del(&c->wev);
	return 0;
}

int ev__dns_tcp_conn_send(struct ev__dns_tcp_conn *c, const uint8_t *msg,
                          size_t len)
{
	size_t need;

	if (c->dead)
		return -1;
	need = c->outlen + 2 + len;
	if (need - c->outoff > TCP_MAX_OUT) {
		conn_close(c);
		return -1;
	}
	if (need > c->outcap) {
		size_t cap = c->outcap ? c->outcap : 1024;
		uint8_t *nb;

		while (cap < need)
			cap *= 2;
		nb = realloc(c->out, cap);
		if (nb == NULL) {
			conn_close(c);
			return -1;
		}
		c->out = nb;
		c->outcap = cap;
	}
	c->out[c->outlen] = (uint8_t)(len >> 8);
	c->out[c->outlen + 1] = (uint8_t)len;
	memcpy(c->out + c->outlen + 2, msg, len);
	c->outlen = need;
	if (flush(c) < 0) {
		conn_close(c);
		return -1;
	}
	return 0;
}

static void conn_writable(evutil_socket_t fd, short what, void *arg)
{
	struct ev__dns_tcp_conn *c = arg;

	(void)fd;
	(void)what;
	if (flush(c) < 0)
		conn_close(c);
}

static void conn_readable(evutil_socket_t fd, short what, void *arg)
{
	struct ev__dns_tcp_conn *c = arg;
	struct timeval idle = {TCP_IDLE_SEC, 0};
	ssize_t n;

	if (what & EV_TIMEOUT) {
		/* Idle: close unless answers are still owed. */
		if (c->refcnt == 1 && c->outlen == 0)
			conn_close(c);
		else
			event_add(&c->rev, &idle);
		return;
	}
	n = read(fd, c->in + c->have, sizeof(c->in) - c->have);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		conn_close(c);
		return;
	}
	c->have += (size_t)n;
	c->refcnt++; /* the user callback may close the connection */
	while (!c->dead && c->have >= 2) {
		size_t len = ev__dns_get_u16(c->in);

		if (len == 0) {
			/* We hold a reference: drop the socket's without
			 * freeing, the unref below does that. */
			if (conn_shutdown(c))
				c->refcnt--;
			break;
		}
		if (c->have < 2 + len)
			break;
		ev__dns_server_handle(c->port, c, c->in + 2, len,
		                      (struct sockaddr *)&c->addr, c->addrlen);
		if (c->dead)
			break;
		memmove(c->in, c->in + 2 + len, c->have - 2 - len);
		c->have -= 2 + len;
	}
	if (!c->dead)
		event_add(&c->rev, &idle);
	ev__dns_tcp_conn_unref(c);
}

static int out_of_resources(int e)
{
	return e == EMFILE || e == ENFILE || e == ENOBUFS || e == ENOMEM;
}

static void resume_accepting(evutil_socket_t fd, short what, void *arg)
{
	struct evdns_server_port *port = arg;

	(void)fd;
	(void)what;
	if (!port->closing)
		event_add(&port->ev, NULL);
}

static void pause_accepting(struct evdns_server_port *port, int err)
{
	struct timeval tv = {0, ACCEPT_PAUSE_MS * 1000};

	if (!port->accept_warned)
		ev__dns_log(1,
		            "DNS server TCP port: accept: %s; accepting "
		            "pauses for %d ms at a time until it succeeds",
		            strerror(err), ACCEPT_PAUSE_MS);
	port->accept_warned = 1;
	event_del(&port->ev);
	event_add(&port->accept_pause, &tv);
}

void ev__dns_tcp_port_init(struct evdns_server_port *port)
{
	evtimer_assign(&port->accept_pause, port->base, resume_accepting, port);
}

void ev__dns_tcp_accept(evutil_socket_t fd, short what, void *arg)
{
	struct evdns_server_port *port = arg;
	int i;

	(void)what;
	for (i = 0; i < 64; i++) {
		struct sockaddr_storage ss;
		socklen_t len = sizeof(ss);
		struct timeval idle = {TCP_IDLE_SEC, 0};
		struct ev__dns_tcp_conn *c;
		int cfd, nconns = 0;

		cfd = accept4(fd, (struct sockaddr *)&ss, &len,
		              SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (cfd < 0) {
			if (out_of_resources(errno))
				pause_accepting(port, errno);
			break;
		}
		port->accept_warned = 0;
		for (c = port->conns; c; c = c->next)
			nconns++;
		if (nconns >= TCP_MAX_CONNS) {
			close(cfd);
			continue;
		}
		c = calloc(1, sizeof(*c));
		if (c == NULL) {
			close(cfd);
			continue;
		}
		c->port = port;
		c->fd = cfd;
		c->refcnt = 1;
		memcpy(&c->addr, &ss, len);
		c->addrlen = len;
		event_assign(&c->rev, port->base, cfd, EV_READ | EV_PERSIST,
		             conn_readable, c);
		event_assign(&c->wev, port->base, cfd, EV_WRITE | EV_PERSIST,
		             conn_writable, c);
		if (event_add(&c->rev, &idle) < 0) {
			close(cfd);
			free(c);
			continue;
		}
		port->refcnt++;
		c->next = port->conns;
		if (c->next)
			c->next->prev = c;
		port->conns = c;
	}
}

void ev__dns_tcp_close_all(struct evdns_server_port *port)
{
	if (port->tcp)
		event_del(&port->accept_pause);
	while (port->conns)
		conn_close(port->conns);
}
