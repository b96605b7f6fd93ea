/* The 1.3 API: one process-wide resolver on the current base. */
#include "dns-internal.h"

static struct evdns_base *global_base;

struct evdns_base *evdns_get_global_base(void)
{
	return global_base;
}

int evdns_init(void)
{
	struct event probe;

	if (global_base)
		return 0;
	/* event_set() binds to the current base (the one event_init()
	 * made); reading ev_base is the public way to find it. */
	event_set(&probe, -1, 0, NULL, NULL);
	if (probe.ev_base == NULL)
		return -1;
	global_base = evdns_base_new(probe.ev_base,
				     EVDNS_BASE_INITIALIZE_NAMESERVERS);
	return global_base ? 0 : -1;
}

void evdns_shutdown(int fail_requests)
{
	struct evdns_base *b = global_base;

	global_base = NULL;
	evdns_base_free(b, fail_requests);
}

int evdns_nameserver_add(unsigned long int address)
{
	return evdns_base_nameserver_add(global_base, address);
}

int evdns_count_nameservers(void)
{
	return evdns_base_count_nameservers(global_base);
}

int evdns_clear_nameservers_and_suspend(void)
{
	return evdns_base_clear_nameservers_and_suspend(global_base);
}

int evdns_resume(void)
{
	return evdns_base_resume(global_base);
}

int evdns_nameserver_ip_add(const char *ip_as_string)
{
	return evdns_base_nameserver_ip_add(global_base, ip_as_string);
}

int evdns_resolve_ipv4(const char *name, int flags,
		       evdns_callback_type callback, void *ptr)
{
	return evdns_base_resolve_ipv4(global_base, name, flags, callback,
				       ptr)
		       ? 0
		       : -1;
}

int evdns_resolve_ipv6(const char *name, int flags,
		       evdns_callback_type callback, void *ptr)
{
	return evdns_base_resolve_ipv6(global_base, name, flags, callback,
				       ptr)
		       ? 0
		       : -1;
}

int evdns_resolve_reverse(const struct in_addr *ip, int flags,
			  evdns_callback_type callback, void *ptr)
{
	return evdns_base_resolve_reverse(global_base, ip, flags, callback,
					  ptr)
		       ? 0
		       : -1;
}

int evdns_resolve_reverse_ipv6(const struct in6_addr *ip, int flags,
			       evdns_callback_type callback, void *ptr)
{
	return evdns_base_resolve_reverse_ipv6(global_base, ip, flags,
					       callback, ptr)
		       ? 0
		       : -1;
}

int evdns_set_option(const char *option, const char *val, int flags)
{
	(void)flags;
	return evdns_base_set_option(global_base, option, val);
}

int evdns_resolv_conf_parse(int flags, const char *const filename)
{
	if (global_base == NULL) {
		struct event probe;

		event_set(&probe, -1, 0, NULL, NULL);
		if (probe.ev_base == NULL)
			return -1;
		global_base = evdns_base_new(probe.ev_base, 0);
		if (global_base == NULL)
			return 6;
	}
	return evdns_base_resolv_conf_parse(global_base, flags, filename);
}

void evdns_search_clear(void)
{
	evdns_base_search_clear(global_base);
}

void evdns_search_add(const char *domain)
{
	evdns_base_search_add(global_base, domain);
}

void evdns_search_ndots_set(const int ndots)
{
	evdns_base_search_ndots_set(global_base, ndots);
}
