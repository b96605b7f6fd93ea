/*
 * The public lookup calls: forward (A, AAAA) names as given, reverse
 * addresses turned into their in-addr.arpa / ip6.arpa names.  Reverse
 * names are absolute, so they never go through the search list.
 */
#include <stdio.h>

#include "dns-internal.h"

static struct evdns_request *resolve(struct evdns_base *base, int type,
                                     const char *name, int flags,
                                     evdns_callback_type cb, void *arg)
{
	if (name == NULL || name[0] == '\0') {
		ev__dns_log(1, "refusing to resolve an empty name");
		return NULL;
	}
	return ev__dns_request_new(base, type, name, flags, cb, arg);
}

struct evdns_request *evdns_base_resolve_ipv4(struct evdns_base *base,
                                              const char *name, int flags,
                                              evdns_callback_type callback,
                                              void *ptr)
{
	return resolve(base, DNS_IPv4_A, name, flags, callback, ptr);
}

struct evdns_request *evdns_base_resolve_ipv6(struct evdns_base *base,
                                              const char *name, int flags,
                                              evdns_callback_type callback,
                                              void *ptr)
{
	return resolve(base, DNS_IPv6_AAAA, name, flags, callback, ptr);
}

struct evdns_request *
evdns_base_resolve_reverse(struct evdns_base *base, const struct in_addr *in,
                           int flags, evdns_callback_type callback, void *ptr)
{
	char name[64];
	const uint8_t *a;

	(void)flags;
	if (in == NULL)
		return NULL;
	a = (const uint8_t *)&in->s_addr;
	snprintf(name, sizeof(name), "%u.%u.%u.%u.in-addr.arpa", a[3], a[2],
	         a[1], a[0]);
	return ev__dns_request_new(base, DNS_PTR, name, DNS_QUERY_NO_SEARCH,
	                           callback, ptr);
}

struct evdns_request *
evdns_base_resolve_reverse_ipv6(struct evdns_base *base,
                                const struct in6_addr *in, int flags,
                                evdns_callback_type callback, void *ptr)
{
	static const char hex[] = "0123456789abcdef";
	char name[80];
	char *p = name;
	int i;

	(void)flags;
	if (in == NULL)
		return NULL;
	for (i = 15; i >= 0; i--) {
		uint8_t b = in->s6_addr[i];

		*p++ = hex[b & 15];
		*p++ = '.';
		*p++ = hex[b >> 4];
		*p++ = '.';
	}
	strcpy(p, "ip6.arpa");
	return ev__dns_request_new(base, DNS_PTR, name, DNS_QUERY_NO_SEARCH,
	                           callback, ptr);
}
