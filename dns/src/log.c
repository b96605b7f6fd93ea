/* The resolver's log: one process-wide function, as in libevent. */
#include <stdarg.h>
#include <stdio.h>

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

	/* Nothing is printed without a log function: library code must not
	 * write to stderr because of what the network sent. */
	if (log_fn == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_fn(is_warning, msg);
}
