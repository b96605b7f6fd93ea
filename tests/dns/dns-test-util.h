/*
 * Helpers shared by the libev-dns tests: loopback sockets, a bounded
 * loop runner, and a small zone served by our own DNS server.
 */
#ifndef LIBEV_DNS_TEST_UTIL_H
#define LIBEV_DNS_TEST_UTIL_H

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <evdns.h>
#include <event.h>

/* A UDP socket on 127.0.0.1, port chosen by the kernel (0 = any). */
static inline int tu_udp_socket(int port, int *bound_port)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons((uint16_t)port);
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0 ||
	    getsockname(fd, (struct sockaddr *)&sin, &len) < 0) {
		close(fd);
		return -1;
	}
	if (bound_port)
		*bound_port = ntohs(sin.sin_port);
	return fd;
}

/* A listening TCP socket on 127.0.0.1:port. */
static inline int tu_tcp_listener(int port)
{
	struct sockaddr_in sin;
	int one = 1, fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons((uint16_t)port);
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0 ||
	    listen(fd, 16) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* UDP and TCP sockets on the same loopback port (for TC fallback). */
static inline int tu_udp_tcp_pair(int *udp, int *tcp, int *port)
{
	int i;

	for (i = 0; i < 50; i++) {
		*udp = tu_udp_socket(0, port);
		if (*udp < 0)
			return -1;
		*tcp = tu_tcp_listener(*port);
		if (*tcp >= 0)
			return 0;
		close(*udp);
	}
	return -1;
}

static inline void tu_expire(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	*(int *)arg = 1;
}

/* Runs the loop until *flag becomes non-zero or `ms` pass.  Returns 0 when
 * the flag was set, -1 on the time limit. */
static inline int tu_run_until(struct event_base *b, const int *flag, int ms)
{
	struct event guard;
	struct timeval tv = {ms / 1000, (ms % 1000) * 1000};
	int expired = 0;

	evtimer_assign(&guard, b, tu_expire, &expired);
	evtimer_add(&guard, &tv);
	while (!*flag && !expired)
		event_base_loop(b, EVLOOP_ONCE);
	evtimer_del(&guard);
	return *flag ? 0 : -1;
}

static inline void tu_ns_add(struct evdns_base *dns, int port)
{
	char buf[64];

	snprintf(buf, sizeof(buf), "127.0.0.1:%d", port);
	evdns_base_nameserver_ip_add(dns, buf);
}

/* A resolver with no default nameservers and short timeouts. */
static inline struct evdns_base *tu_resolver(struct event_base *b, int port)
{
	struct evdns_base *dns = evdns_base_new(b, 0);

	if (dns == NULL)
		return NULL;
	evdns_base_set_option(dns, "timeout:", "0.2");
	evdns_base_set_option(dns, "attempts:", "2");
	evdns_base_set_option(dns, "initial-probe-timeout:", "0.1");
	if (port)
		tu_ns_add(dns, port);
	return dns;
}

#endif
