/*
 * The search list, with glibc's rules: a name with a trailing dot, or
 * asked with DNS_QUERY_NO_SEARCH, is asked as it is; otherwise a name
 * with at least `ndots` dots is tried as it is first and then with each
 * search domain, and a name with fewer dots goes through the search
 * domains first and is tried as it is last.
 */
#include <stdio.h>

#include "dns-internal.h"

static int uses_search(const struct evdns_base *base, const char *name,
                       int flags)
{
	size_t n = strlen(name);

	return !(flags & DNS_QUERY_NO_SEARCH) && base->nsearch > 0 && n > 0 &&
	       name[n - 1] != '.';
}

int ev__dns_search_count(const struct evdns_base *base, const char *name,
                         int flags)
{
	return uses_search(base, name, flags) ? base->nsearch + 1 : 1;
}

int ev__dns_search_candidate(const struct evdns_base *base, const char *name,
                             int flags, int i, char *out, size_t size)
{
	int dots = 0, as_is_first, k;
	const char *p;

	if (!uses_search(base, name, flags)) {
		size_t n = strlen(name);

		if (i != 0 || n >= size)
			return -1;
		memcpy(out, name, n + 1);
		return 0;
	}
	for (p = name; *p; p++)
		dots += *p == '.';
	/* Names with at least ndots dots are tried as they are first;
	 * others go through the search list first. */
	as_is_first = dots >= base->ndots;
	if (i < 0 || i > base->nsearch)
		return -1;
	if (as_is_first)
		k = i - 1;
	else
		k = i < base->nsearch ? i : -1;
	if (k < 0)
		return snprintf(out, size, "%s", name) < (int)size ? 0 : -1;
	return snprintf(out, size, "%s.%s", name, base->search[k]) < (int)size
	           ? 0
	           : -1;
}
