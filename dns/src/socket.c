/*
 * A nameserver's UDP sockets.  Each is bound to a port drawn from the
 * CSPRNG and connected to the server.  After `port-rotate:` queries the
 * current socket is retired and a fresh one (new random port) takes over,
 * so a spoofer cannot learn the port once and keep using it; a retired
 * socket stays open until the last request sent from it has finished,
 * and a reply is only accepted on the socket its query left from.
 */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "dns-internal.h"

static void apply_bufsizes(struct evdns_base *base, int fd)
{
	if (base->so_rcvbuf > 0) {
		int got = 0;
		socklen_t gl = sizeof(got);

		if (setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &base->so_rcvbuf,
		               sizeof(base->so_rcvbuf)) < 0)
			ev__dns_log(1, "setsockopt(SO_RCVBUF, %d) failed: %s",
			            base->so_rcvbuf, strerror(errno));
		/* The kernel caps SO_RCVBUF at net.core.rmem_max; with the
		 * privilege for it, go past the cap, since every answer
		 * dropped for lack of room costs a whole retry timeout. */
		if (getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &got, &gl) == 0 &&
		    got / 2 < base->so_rcvbuf &&
		    setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &base->so_rcvbuf,
		               sizeof(base->so_rcvbuf)) < 0)
			ev__dns_log(0, "SO_RCVBUF capped at %d by the kernel",
			            got / 2);
	}
	if (base->so_sndbuf > 0 &&
	    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &base->so_sndbuf,
	               sizeof(base->so_sndbuf)) < 0)
		ev__dns_log(1, "setsockopt(SO_SNDBUF, %d) failed: %s",
		            base->so_sndbuf, strerror(errno));
}

int ev__dns_ns_apply_bufsizes(struct evdns_base *base)
{
	struct evdns_nameserver *ns;
	struct ev__dns_sock *s;

	for (ns = base->servers; ns; ns = ns->next)
		for (s = ns->socks; s; s = s->next)
			apply_bufsizes(base, s->fd);
	return 0;
}

/* Binds to a random port so replies cannot be spoofed by guessing the
 * port; falls back to a kernel-chosen port after a few collisions. */
static int bind_random(struct evdns_base *base, int fd, int family)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int i;

	if (base->bind_len && base->bind_addr.ss_family == family) {
		ss = base->bind_addr;
		len = base->bind_len;
	} else {
		memset(&ss, 0, sizeof(ss));
		ss.ss_family = (sa_family_t)family;
		len = family == AF_INET ? sizeof(struct sockaddr_in)
		                        : sizeof(struct sockaddr_in6);
	}
	for (i = 0; i < 8; i++) {
		uint16_t port;

		ev__dns_random(&port, sizeof(port));
		port = (uint16_t)(1024 + port % (65536 - 1024));
		if (family == AF_INET)
			((struct sockaddr_in *)&ss)->sin_port = htons(port);
		else
			((struct sockaddr_in6 *)&ss)->sin6_port = htons(port);
		if (bind(fd, (struct sockaddr *)&ss, len) == 0)
			return 0;
		if (errno != EADDRINUSE && errno != EACCES)
			break;
	}
	if (family == AF_INET)
		((struct sockaddr_in *)&ss)->sin_port = 0;
	else
		((struct sockaddr_in6 *)&ss)->sin6_port = 0;
	return bind(fd, (struct sockaddr *)&ss, len);
}

static void sock_free(struct ev__dns_sock *s)
{
	struct ev__dns_sock **pp = &s->ns->socks;

	while (*pp != s)
		pp = &(*pp)->next;
	*pp = s->next;
	ev__dns_sendq_flush(s->ns->base);
	event_del(&s->ev);
	close(s->fd);
	free(s);
}

int ev__dns_sock_open(struct evdns_nameserver *ns)
{
	struct evdns_base *base = ns->base;
	const struct sockaddr *sa = (const struct sockaddr *)&ns->addr;
	struct ev__dns_sock *s = calloc(1, sizeof(*s));
	int fd;

	if (s == NULL)
		return -1;
	fd =
	    socket(sa->sa_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		ev__dns_log(1, "socket() for a nameserver failed: %s",
		            strerror(errno));
		free(s);
		return -1;
	}
	if (bind_random(base, fd, sa->sa_family) < 0) {
		ev__dns_log(1, "bind() for a nameserver failed: %s",
		            strerror(errno));
		close(fd);
		free(s);
		return -1;
	}
	apply_bufsizes(base, fd);
	/* Connected: the kernel then drops datagrams from any other source
	 * before we see them, and skips a route lookup per query.  The
	 * source is still checked on every read. */
	s->connected = connect(fd, sa, ns->addrlen) == 0;
	s->fd = fd;
	s->ns = ns;
	event_assign(&s->ev, base->ev_base, fd, EV_READ | EV_PERSIST,
	             ev__dns_ns_readable, s);
	if (event_add(&s->ev, NULL) < 0) {
		close(fd);
		free(s);
		return -1;
	}
	/* The head of the list is the socket new queries leave from. */
	if (ns->socks)
		ns->socks->retired = 1;
	s->next = ns->socks;
	ns->socks = s;
	if (s->next && s->next->pending == 0 && !s->next->in_cb)
		sock_free(s->next);
	return 0;
}

struct ev__dns_sock *ev__dns_sock_for_send(struct evdns_nameserver *ns)
{
	struct evdns_base *base = ns->base;
	struct ev__dns_sock *s = ns->socks;

	/* On failure the old socket simply serves longer. */
	if (base->port_rotate > 0 && s->uses >= (unsigned)base->port_rotate)
		ev__dns_sock_open(ns);
	return ns->socks;
}

void ev__dns_sock_use(struct evdns_request *req, struct ev__dns_sock *s)
{
	if (req->sock == s)
		return;
	ev__dns_sock_release(req);
	req->sock = s;
	s->pending++;
}

void ev__dns_sock_release(struct evdns_request *req)
{
	struct ev__dns_sock *s = req->sock;

	if (s == NULL)
		return;
	req->sock = NULL;
	if (--s->pending == 0 && s->retired && !s->in_cb)
		sock_free(s);
}

void ev__dns_sock_done_reading(struct ev__dns_sock *s)
{
	s->in_cb = 0;
	if (s->retired && s->pending == 0)
		sock_free(s);
}

void ev__dns_sock_free_all(struct evdns_nameserver *ns)
{
	ev__dns_sendq_flush(ns->base);
	while (ns->socks) {
		struct ev__dns_sock *s = ns->socks;

		ns->socks = s->next;
		event_del(&s->ev);
		close(s->fd);
		free(s);
	}
}
