/*
 * evutil: the small portable helpers of the libevent API.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "ev-internal.h"

int evutil_make_socket_nonblocking(evutil_socket_t fd)
{
	int flags = fcntl(fd, F_GETFL, 0);

	if (flags < 0)
		return -1;
	if (flags & O_NONBLOCK)
		return 0;
	return fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0 ? -1 : 0;
}

int evutil_make_socket_closeonexec(evutil_socket_t fd)
{
	int flags = fcntl(fd, F_GETFD, 0);

	if (flags < 0)
		return -1;
	if (flags & FD_CLOEXEC)
		return 0;
	return fcntl(fd, F_SETFD, flags | FD_CLOEXEC) < 0 ? -1 : 0;
}

int evutil_make_listen_socket_reuseable(evutil_socket_t sock)
{
	int one = 1;

	return setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
}

int evutil_make_listen_socket_reuseable_port(evutil_socket_t sock)
{
#ifdef SO_REUSEPORT
	int one = 1;

	return setsockopt(sock, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
#else
	(void)sock;
	errno = ENOPROTOOPT;
	return -1;
#endif
}

int evutil_closesocket(evutil_socket_t sock)
{
	return close(sock);
}

int evutil_socketpair(int domain, int type, int protocol, evutil_socket_t sv[2])
{
	return socketpair(domain, type, protocol, sv);
}

int evutil_gettimeofday(struct timeval *tv, struct timezone *tz)
{
	(void)tz;
	return gettimeofday(tv, NULL);
}

ev_int64_t evutil_strtoll(const char *s, char **endptr, int base)
{
	return strtoll(s, endptr, base);
}

int evutil_snprintf(char *buf, size_t buflen, const char *format, ...)
{
	va_list ap;
	int r;

	va_start(ap, format);
	r = vsnprintf(buf, buflen, format, ap);
	va_end(ap);
	if (buflen > 0)
		buf[buflen - 1] = '\0';
	return r;
}

static int ascii_lower(int c)
{
	return (c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c;
}

int evutil_ascii_strncasecmp(const char *s1, const char *s2, size_t n)
{
	for (; n > 0; n--, s1++, s2++) {
		int a = ascii_lower((unsigned char)*s1);
		int b = ascii_lower((unsigned char)*s2);
		if (a != b)
			return a < b ? -1 : 1;
		if (a == 0)
			return 0;
	}
	return 0;
}

int evutil_ascii_strcasecmp(const char *s1, const char *s2)
{
	return evutil_ascii_strncasecmp(s1, s2, (size_t)-1);
}
