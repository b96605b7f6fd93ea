/*
 * Nameservers: their sockets, the order they are tried in, and the
 * dead/alive bookkeeping.  A server that times out `max-timeouts` times in
 * a row is marked dead and is then only probed, with a growing interval,
 * until it answers again; requests go to live servers meanwhile.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "dns-internal.h"

#define PROBE_MAX_SEC 300

int ev__dns_parse_addr(const char *text, struct sockaddr_storage *ss,
		       socklen_t *len, int default_port)
{
	char host[INET6_ADDRSTRLEN + 1];
	const char *port_s = NULL, *end;
	long port = default_port;
	size_t n;

	memset(ss, 0, sizeof(*ss));
	if (text == NULL)
		return -1;
	if (text[0] == '[') {
		end = strchr(text, ']');
		if (end == NULL)
			return -1;
		n = (size_t)(end - text - 1);
		if (n >= sizeof(host))
			return -1;
		memcpy(host, text + 1, n);
		host[n] = '\0';
		if (end[1] == ':')
			port_s = end + 2;
		else if (end[1] != '\0')
			return -1;
	} else {
		const char *colon = strchr(text, ':');

		/* One colon: IPv4 with a port; more: a bare IPv6 address. */
		if (colon && strchr(colon + 1, ':') == NULL) {
			n = (size_t)(colon - text);
			port_s = colon + 1;
		} else {
			n = strlen(text);
		}
		if (n >= sizeof(host))
			return -1;
		memcpy(host, text, n);
		host[n] = '\0';
	}
	if (port_s) {
		char *e;

		port = strtol(port_s, &e, 10);
		if (*port_s == '\0' || *e != '\0' || port < 1 || port > 65535)
			return -1;
	}
	if (inet_pton(AF_INET, host, &((struct sockaddr_in *)ss)->sin_addr) ==
	    1) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
		*len = sizeof(*s4);
		return 0;
	}
	if (inet_pton(AF_INET6, host,
		      &((struct sockaddr_in6 *)ss)->sin6_addr) == 1) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		*len = sizeof(*s6);
		return 0;
	}
	return -1;
}

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

	for (ns = base->servers; ns; ns = ns->next)
		apply_bufsizes(base, ns->fd);
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

static void probe_due(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	ev__dns_probe_send(arg);
}

int ev__dns_ns_add(struct evdns_base *base, const struct sockaddr *sa,
		   socklen_t len)
{
	struct evdns_nameserver *ns, **tail;
	int fd;

	if (len > sizeof(ns->addr) ||
	    (sa->sa_family != AF_INET && sa->sa_family != AF_INET6))
		return 2;
	for (ns = base->servers; ns; ns = ns->next)
		if (ev__dns_sa_equal((const struct sockaddr *)&ns->addr, sa))
			return 3;
	ns = calloc(1, sizeof(*ns));
	if (ns == NULL)
		return -1;
	fd = socket(sa->sa_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    0);
	if (fd < 0) {
		ev__dns_log(1, "socket() for a nameserver failed: %s",
			    strerror(errno));
		free(ns);
		return 2;
	}
	if (bind_random(base, fd, sa->sa_family) < 0) {
		ev__dns_log(1, "bind() for a nameserver failed: %s",
			    strerror(errno));
		close(fd);
		free(ns);
		return 2;
	}
	apply_bufsizes(base, fd);
	ns->base = base;
	ns->fd = fd;
	memcpy(&ns->addr, sa, len);
	ns->addrlen = len;
	ns->index = base->nservers;
	event_assign(&ns->read_ev, base->ev_base, fd, EV_READ | EV_PERSIST,
		     ev__dns_ns_readable, ns);
	evtimer_assign(&ns->probe_ev, base->ev_base, probe_due, ns);
	if (event_add(&ns->read_ev, NULL) < 0) {
		close(fd);
		free(ns);
		return 2;
	}
	for (tail = &base->servers; *tail; tail = &(*tail)->next)
		;
	*tail = ns;
	base->nservers++;
	ev__dns_kick(base);
	return 0;
}

void ev__dns_ns_free_all(struct evdns_base *base)
{
	struct evdns_nameserver *ns, *next;

	for (ns = base->servers; ns; ns = next) {
		next = ns->next;
		event_del(&ns->read_ev);
		event_del(&ns->probe_ev);
		close(ns->fd);
		free(ns);
	}
	base->servers = NULL;
	base->nservers = 0;
}

struct evdns_nameserver *ev__dns_ns_pick(struct evdns_base *base,
					 struct evdns_nameserver *after)
{
	struct evdns_nameserver *start, *ns;
	int i, k;

	if (base->nservers == 0)
		return NULL;
	/* Listed order (glibc): the first live server, or the one after the
	 * server just tried when retrying.  With `rotate`, round robin. */
	if (after)
		k = after->index + 1;
	else if (base->rotate)
		k = (int)(base->rotate_next++ % (unsigned)base->nservers);
	else
		k = 0;
	k %= base->nservers;
	for (start = base->servers; k--; start = start->next)
		;
	ns = start;
	for (i = 0; i < base->nservers; i++) {
		if (!ns->dead)
			return ns;
		ns = ns->next ? ns->next : base->servers;
	}
	/* Everything is dead: asking one beats failing without trying. */
	return start;
}

void ev__dns_ns_timed_out(struct evdns_nameserver *ns)
{
	struct evdns_base *base = ns->base;

	if (ns->dead || ++ns->timeouts < base->max_timeouts)
		return;
	ns->dead = 1;
	ns->probe_wait = base->probe_timeout;
	ev__dns_log(1, "nameserver %d is down; probing it in %ld.%06lds",
		    ns->index, (long)ns->probe_wait.tv_sec,
		    (long)ns->probe_wait.tv_usec);
	event_add(&ns->probe_ev, &ns->probe_wait);
}

void ev__dns_ns_answered(struct evdns_nameserver *ns)
{
	ns->timeouts = 0;
	if (!ns->dead)
		return;
	ns->dead = 0;
	event_del(&ns->probe_ev);
	ev__dns_log(0, "nameserver %d is up again", ns->index);
}

/* Called when a probe failed: wait longer before the next one. */
void ev__dns_ns_probe_failed(struct evdns_nameserver *ns)
{
	if (!ns->dead)
		return;
	ns->probe_wait.tv_sec *= 2;
	ns->probe_wait.tv_usec *= 2;
	while (ns->probe_wait.tv_usec >= 1000000) {
		ns->probe_wait.tv_sec++;
		ns->probe_wait.tv_usec -= 1000000;
	}
	if (ns->probe_wait.tv_sec >= PROBE_MAX_SEC) {
		ns->probe_wait.tv_sec = PROBE_MAX_SEC;
		ns->probe_wait.tv_usec = 0;
	}
	event_add(&ns->probe_ev, &ns->probe_wait);
}
