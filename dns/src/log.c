/*
 * The resolver's log: one process-wide function, as in libevent.  Without
 * one (evdns_set_log_fn), messages go to the core log (evutil_log: the
 * program's event_set_log_callback, stderr by default), as libevent 2.x's
 * evdns falls back to its core log: warnings at EVENT_LOG_WARN, the rest
 * at EVENT_LOG_DEBUG.
 *
 * What the network sends must not be able to put lines on stderr by
 * default, so every call site caused by the network logs with
 * is_warning 0 (debug): errors the kernel reports because of an ICMP
 * message (see ev__dns_errno_from_network), anything about a packet's
 * contents.  Warnings are for local trouble (configuration, sockets,
 * the program's input) and for a nameserver being declared down, which
 * happens at most once per probe interval.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

#include <evutil.h>
#include "dns-internal.h"

static evdns_debug_log_fn_type log_fn;

void evdns_set_log_fn(evdns_debug_log_fn_type fn)
{
	log_fn = fn;
}

void ev__dns_log(int is_warning, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (log_fn != NULL)
		log_fn(is_warning, msg);
	else
		evutil_log(is_warning ? EVENT_LOG_WARN : EVENT_LOG_DEBUG,
		           "evdns: %s", msg);
}

int ev__dns_errno_from_network(int err)
{
	/* An ICMP unreachable (or a reset, for TCP) comes back as one of
	 * these on the next send or connect: anyone on the path can make
	 * them happen for every query. */
	switch (err) {
	case ECONNREFUSED:
	case ECONNRESET:
	case EHOSTUNREACH:
	case ENETUNREACH:
	case EHOSTDOWN:
		return 1;
	default:
		return 0;
	}
}
