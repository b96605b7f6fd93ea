/*
 * libFuzzer target: resolv.conf parsing.  The input is written to a
 * memory file and read by evdns_base_resolv_conf_parse() (nameservers,
 * search/domain and options; not the hosts file).  No request is made, so
 * nothing is ever sent to the nameservers it names.  Afterwards every
 * search candidate of a name is built, which walks the parsed search list.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <evdns.h>
#include <event.h>

#include "dns-internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct event_base *base;

static void quiet(int severity, const char *msg)
{
	(void)severity;
	(void)msg;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = {"host", "a.b", "a.b.c.d.", ""};
	struct evdns_base *dns;
	char path[64];
	int fd;

	if (base == NULL) {
		base = event_base_new();
		evdns_set_log_fn(quiet);
	}
	fd = memfd_create("resolv.conf", 0);
	if (fd < 0)
		return 0;
	if (write(fd, data, size) != (ssize_t)size) {
		close(fd);
		return 0;
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	dns = evdns_base_new(base, 0);
	if (dns) {
		evdns_base_resolv_conf_parse(dns,
		                             DNS_OPTION_NAMESERVERS |
		                                 DNS_OPTION_SEARCH |
		                                 DNS_OPTION_MISC,
		                             path);
		for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
			int count = ev__dns_search_count(dns, names[i], 0);
			char out[300];

			for (int k = 0; k < count && k < 64; k++)
				ev__dns_search_candidate(dns, names[i], 0, k,
				                         out, sizeof(out));
		}
		evdns_base_free(dns, 0);
	}
	close(fd);
	return 0;
}
