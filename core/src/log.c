/*
 * Logging: every message of the library goes through here, to the
 * program's callback (event_set_log_callback) or to stderr by default.
 */
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>

#include "ev-internal.h"

static _Atomic(event_log_cb) log_cb;
static atomic_uint debug_on;

void event_set_log_callback(event_log_cb cb)
{
	atomic_store(&log_cb, cb);
}

void event_enable_debug_logging(ev_uint32_t which)
{
	atomic_store(&debug_on, which);
}

void ev__vlog(int severity, const char *fmt, va_list ap)
{
	static const char *const names[] = {"debug", "msg", "warn", "err"};
	char buf[1024];
	event_log_cb cb;

	if (severity == EVENT_LOG_DEBUG && !atomic_load(&debug_on))
		return;
	vsnprintf(buf, sizeof(buf), fmt, ap);
	cb = atomic_load(&log_cb);
	if (cb != NULL) {
		cb(severity, buf);
		return;
	}
	if (severity < EVENT_LOG_DEBUG || severity > EVENT_LOG_ERR)
		severity = EVENT_LOG_ERR;
	/* The default sink, as libevent's: one line on stderr. */
	fprintf(stderr, "[libev %s] %s\n", names[severity], buf);
}

void ev__log(int severity, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ev__vlog(severity, fmt, ap);
	va_end(ap);
}

/* The public entry for libev-http and libev-dns, which may only use the
 * core's public headers: the same path as the core's own messages. */
void evutil_log(int severity, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ev__vlog(severity, fmt, ap);
	va_end(ap);
}

void ev__backend_log(struct ev_backend_base *base, int severity,
                     const char *fmt, ...)
{
	va_list ap;

	(void)base;
	va_start(ap, fmt);
	ev__vlog(severity, fmt, ap);
	va_end(ap);
}
