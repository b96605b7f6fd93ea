/* Resolver bases: creation, freeing, nameserver and search list calls. */
#include <arpa/inet.h>
#include <stdlib.h>

#include "dns-internal.h"

struct evdns_base *evdns_base_new(struct event_base *event_base, int flags)
{
	struct evdns_base *base;

	if (event_base == NULL)
		return NULL;
	base = calloc(1, sizeof(*base));
	if (base == NULL)
		return NULL;
	base->ev_base = event_base;
	/* libevent's defaults, except EDNS0 which libevent lacks. */
	base->ndots = 1;
	base->timeout.tv_sec = 5;
	base->attempts = 3;
	base->max_timeouts = 3;
	base->max_inflight = 64;
	base->randomize_case = 1;
	base->probe_timeout.tv_sec = 10;
	base->edns_size = 1232;
	if (flags & EVDNS_BASE_INITIALIZE_NAMESERVERS) {
		int r;

		base->no_default_ns =
			(flags & EVDNS_BASE_NAMESERVERS_NO_DEFAULT) != 0;
		r = evdns_base_resolv_conf_parse(base, DNS_OPTIONS_ALL,
						 "/etc/resolv.conf");
		base->no_default_ns = 0;

		if (r && r != 1 && r != 2) {
			evdns_base_free(base, 0);
			return NULL;
		}
		if (base->nservers == 0 &&
		    !(flags & EVDNS_BASE_NAMESERVERS_NO_DEFAULT)) {
			ev__dns_log(1, "no nameserver configured: using "
				       "127.0.0.1");
			evdns_base_nameserver_ip_add(base, "127.0.0.1");
		}
	}
	return base;
}

void evdns_base_free(struct evdns_base *base, int fail_requests)
{
	int i;

	if (base == NULL)
		return;
	base->freeing = 1;
	ev__dns_gai_free_all(base);
	ev__dns_requests_free_all(base, fail_requests);
	ev__dns_ns_free_all(base);
	for (i = 0; i < base->nsearch; i++)
		free(base->search[i]);
	free(base->search);
	ev__dns_hosts_free(base->hosts);
	ev__dns_cache_free(base->cache);
	free(base);
}

int evdns_base_nameserver_add(struct evdns_base *base,
			      unsigned long int address)
{
	struct sockaddr_in sin;

	if (base == NULL)
		return -1;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = (in_addr_t)address;
	sin.sin_port = htons(53);
	return ev__dns_ns_add(base, (struct sockaddr *)&sin, sizeof(sin));
}

int evdns_base_nameserver_ip_add(struct evdns_base *base,
				 const char *ip_as_string)
{
	struct sockaddr_storage ss;
	socklen_t len;

	if (base == NULL)
		return -1;
	if (ev__dns_parse_addr(ip_as_string, &ss, &len, 53) < 0) {
		ev__dns_log(1, "unparseable nameserver address '%s'",
			    ip_as_string ? ip_as_string : "(null)");
		return 4;
	}
	return ev__dns_ns_add(base, (struct sockaddr *)&ss, len);
}

int evdns_base_nameserver_sockaddr_add(struct evdns_base *base,
				       const struct sockaddr *sa,
				       ev_socklen_t len, unsigned flags)
{
	(void)flags;
	if (base == NULL || sa == NULL)
		return -1;
	return ev__dns_ns_add(base, sa, len);
}

int evdns_base_count_nameservers(struct evdns_base *base)
{
	return base ? base->nservers : 0;
}

int evdns_base_clear_nameservers_and_suspend(struct evdns_base *base)
{
	if (base == NULL)
		return -1;
	base->suspended = 1;
	ev__dns_requeue_all(base);
	ev__dns_ns_free_all(base);
	base->ns_generation++;
	return 0;
}

int evdns_base_resume(struct evdns_base *base)
{
	if (base == NULL)
		return -1;
	base->suspended = 0;
	ev__dns_kick(base);
	return 0;
}

void evdns_base_search_clear(struct evdns_base *base)
{
	int i;

	if (base == NULL)
		return;
	for (i = 0; i < base->nsearch; i++)
		free(base->search[i]);
	free(base->search);
	base->search = NULL;
	base->nsearch = 0;
}

void evdns_base_search_add(struct evdns_base *base, const char *domain)
{
	char **ns, *d;
	size_t n;

	if (base == NULL || domain == NULL)
		return;
	while (*domain == '.')
		domain++;
	n = strlen(domain);
	while (n && domain[n - 1] == '.')
		n--;
	if (n == 0)
		return;
	d = strndup(domain, n);
	ns = realloc(base->search, sizeof(*ns) * (size_t)(base->nsearch + 1));
	if (d == NULL || ns == NULL) {
		free(d);
		if (ns)
			base->search = ns;
		return;
	}
	ns[base->nsearch++] = d;
	base->search = ns;
}

void evdns_base_search_ndots_set(struct evdns_base *base, const int ndots)
{
	if (base && ndots >= 0)
		base->ndots = ndots;
}

void evdns_base_get_stats(const struct evdns_base *base,
			  struct evdns_base_stats *out)
{
	if (base && out)
		*out = base->stats;
}

const char *evdns_err_to_string(int err)
{
	switch (err) {
	case DNS_ERR_NONE: return "no error";
	case DNS_ERR_FORMAT: return "misformatted query";
	case DNS_ERR_SERVERFAILED: return "server failed";
	case DNS_ERR_NOTEXIST: return "name does not exist";
	case DNS_ERR_NOTIMPL: return "query not implemented";
	case DNS_ERR_REFUSED: return "refused";
	case DNS_ERR_TRUNCATED: return "reply truncated or ill-formed";
	case DNS_ERR_UNKNOWN: return "unknown";
	case DNS_ERR_TIMEOUT: return "request timed out";
	case DNS_ERR_SHUTDOWN: return "dns subsystem shut down";
	case DNS_ERR_CANCEL: return "dns request canceled";
	case DNS_ERR_NODATA: return "no records in the reply";
	}
	return "[Unknown error code]";
}
