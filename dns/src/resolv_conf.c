/*
 * Options and resolv.conf.  Option names follow libevent (resolv.conf's
 * names with a trailing colon); values are checked and a bad one is an
 * error rather than silently clamped to something surprising.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

#include "dns-internal.h"

static int parse_int(const char *val, int min, int max, int *out)
{
	char *end;
	long v;

	if (val == NULL)
		return -1;
	errno = 0;
	v = strtol(val, &end, 10);
	if (end == val || *end != '\0' || errno || v < min || v > max)
		return -1;
	*out = (int)v;
	return 0;
}

static int parse_tv(const char *val, struct timeval *tv)
{
	char *end;
	double d;

	if (val == NULL)
		return -1;
	d = strtod(val, &end);
	if (end == val || *end != '\0' || !(d > 0) || d > 3600)
		return -1;
	tv->tv_sec = (time_t)d;
	tv->tv_usec = (suseconds_t)((d - (double)tv->tv_sec) * 1e6);
	if (tv->tv_sec == 0 && tv->tv_usec == 0)
		tv->tv_usec = 1000;
	return 0;
}

int evdns_base_set_option(struct evdns_base *base, const char *option,
			  const char *val)
{
	size_t n;
	int v;

	if (base == NULL || option == NULL)
		return -1;
	n = strlen(option);
	/* Both "ndots:" and "ndots" are accepted. */
	if (n && option[n - 1] == ':')
		n--;
#define IS(name) (n == sizeof(name) - 1 && strncmp(option, name, n) == 0)
	if (IS("ndots")) {
		if (parse_int(val, 0, 15, &v))
			return -1;
		base->ndots = v;
	} else if (IS("timeout")) {
		return parse_tv(val, &base->timeout);
	} else if (IS("initial-probe-timeout")) {
		return parse_tv(val, &base->probe_timeout);
	} else if (IS("attempts")) {
		if (parse_int(val, 1, 255, &v))
			return -1;
		base->attempts = v;
	} else if (IS("max-timeouts")) {
		if (parse_int(val, 1, 255, &v))
			return -1;
		base->max_timeouts = v;
	} else if (IS("max-inflight")) {
		/* Below 65536 so every in-flight request gets its own ID. */
		if (parse_int(val, 1, 60000, &v))
			return -1;
		base->max_inflight = v;
		ev__dns_kick(base);
	} else if (IS("randomize-case")) {
		if (parse_int(val, 0, 1, &v))
			return -1;
		base->randomize_case = v;
	} else if (IS("so-rcvbuf") || IS("so-sndbuf")) {
		if (parse_int(val, 0, INT_MAX, &v))
			return -1;
		if (IS("so-rcvbuf"))
			base->so_rcvbuf = v;
		else
			base->so_sndbuf = v;
		ev__dns_ns_apply_bufsizes(base);
	} else if (IS("bind-to")) {
		struct sockaddr_storage ss;
		socklen_t len;

		if (ev__dns_parse_addr(val, &ss, &len, 0) < 0)
			return -1;
		base->bind_addr = ss;
		base->bind_len = len;
	} else if (IS("rotate")) {
		base->rotate = 1;
	} else if (IS("edns-udp-size")) {
		if (parse_int(val, 0, 65535, &v) || (v && v < 512))
			return -1;
		base->edns_size = v;
	} else if (IS("cache-size")) {
		if (parse_int(val, 0, 1 << 24, &v))
			return -1;
		ev__dns_cache_free(base->cache);
		base->cache = v ? ev__dns_cache_new(v) : NULL;
		if (v && base->cache == NULL)
			return -1;
	} else {
		ev__dns_log(1, "unknown resolver option '%s'", option);
		return -1;
	}
#undef IS
	return 0;
}

static void parse_options(struct evdns_base *base, char *rest)
{
	char *save = NULL, *tok;

	for (tok = strtok_r(rest, " \t\r", &save); tok;
	     tok = strtok_r(NULL, " \t\r", &save)) {
		char *colon = strchr(tok, ':');
		char name[64];
		size_t n;

		if (colon == NULL) {
			if (strcmp(tok, "rotate") == 0)
				base->rotate = 1;
			continue; /* other flags (edns0, inet6...) ignored */
		}
		n = (size_t)(colon - tok) + 1;
		if (n >= sizeof(name))
			continue;
		memcpy(name, tok, n);
		name[n] = '\0';
		/* resolv(5) clamps; a bad value only costs a log line. */
		if (strcmp(name, "ndots:") && strcmp(name, "timeout:") &&
		    strcmp(name, "attempts:") && strcmp(name, "max-timeouts:") &&
		    strcmp(name, "max-inflight:") &&
		    strcmp(name, "randomize-case:") &&
		    strcmp(name, "initial-probe-timeout:"))
			continue;
		if (evdns_base_set_option(base, name, colon + 1) < 0)
			ev__dns_log(1, "resolv.conf: bad value in '%s'", tok);
	}
}

int evdns_base_resolv_conf_parse(struct evdns_base *base, int flags,
				 const char *const filename)
{
	char line[1024];
	int have_search = 0;
	FILE *f;

	if (base == NULL || filename == NULL)
		return -1;
	f = fopen(filename, "re");
	if (f == NULL) {
		ev__dns_log(1, "cannot open %s: %s", filename,
			    strerror(errno));
		if ((flags & DNS_OPTION_NAMESERVERS) && base->nservers == 0 &&
		    !base->no_default_ns) {
			ev__dns_log(1, "no nameserver configured: using "
				       "127.0.0.1");
			evdns_base_nameserver_ip_add(base, "127.0.0.1");
		}
		return 1;
	}
	while (fgets(line, sizeof(line), f)) {
		char *save = NULL, *kw, *arg;

		if (line[0] == '#' || line[0] == ';')
			continue;
		kw = strtok_r(line, " \t\r\n", &save);
		if (kw == NULL)
			continue;
		if (strcmp(kw, "nameserver") == 0) {
			arg = strtok_r(NULL, " \t\r\n", &save);
			if ((flags & DNS_OPTION_NAMESERVERS) && arg &&
			    evdns_base_nameserver_ip_add(base, arg) > 3)
				ev__dns_log(1, "resolv.conf: bad nameserver "
					       "'%s'", arg);
		} else if ((strcmp(kw, "search") == 0 ||
			    strcmp(kw, "domain") == 0) &&
			   (flags & DNS_OPTION_SEARCH)) {
			/* The last search or domain line wins (resolv.conf(5)). */
			if (have_search || base->nsearch)
				evdns_base_search_clear(base);
			have_search = 1;
			while ((arg = strtok_r(NULL, " \t\r\n", &save)))
				evdns_base_search_add(base, arg);
		} else if (strcmp(kw, "options") == 0 &&
			   (flags & DNS_OPTION_MISC)) {
			arg = strtok_r(NULL, "\n", &save);
			if (arg)
				parse_options(base, arg);
		}
	}
	fclose(f);
	if ((flags & DNS_OPTION_NAMESERVERS) && base->nservers == 0 &&
	    !base->no_default_ns) {
		ev__dns_log(1, "%s names no nameserver: using 127.0.0.1",
			    filename);
		evdns_base_nameserver_ip_add(base, "127.0.0.1");
	}
	if (flags & DNS_OPTION_HOSTSFILE)
		evdns_base_load_hosts(base, NULL);
	return 0;
}
