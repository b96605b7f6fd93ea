/*
 * ev-dns-lookup: looks up one name (or, for PTR, one address) with
 * libev-dns and prints the answer.
 *
 *   build/bin/ev-dns-lookup NAME [-s SERVER[:PORT]] [-t A|AAAA|PTR]
 *
 * With -s, only that server is asked (e.g. -s 127.0.0.1:5353 for
 * ev-dns-server); without, the servers in /etc/resolv.conf.  Default type:
 * A.  Prints one line per answer ("NAME A 192.0.2.1", "ADDR PTR host.").
 *
 * Exit status: 0 with an answer, 1 without (the reason, as
 * evdns_err_to_string() words it, goes to standard error), 2 for bad usage.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <event.h>
#include <evdns.h>

struct lookup {
	struct event_base *base;
	const char *name;
	int result; /* DNS_ERR_* */
};

static void on_answer(int result, char type, int count, int ttl,
                      void *addresses, void *arg)
{
	struct lookup *l = arg;
	char text[INET6_ADDRSTRLEN];
	int i;

	(void)ttl;
	l->result = result;
	event_base_loopexit(l->base, NULL);
	if (result != DNS_ERR_NONE)
		return;
	for (i = 0; i < count; i++) {
		switch (type) {
		case DNS_IPv4_A:
			inet_ntop(AF_INET, (struct in_addr *)addresses + i,
			          text, sizeof(text));
			printf("%s A %s\n", l->name, text);
			break;
		case DNS_IPv6_AAAA:
			inet_ntop(AF_INET6, (struct in6_addr *)addresses + i,
			          text, sizeof(text));
			printf("%s AAAA %s\n", l->name, text);
			break;
		case DNS_PTR:
			/*
			 * libev passes the name itself here (libevent 2.x
			 * passes a pointer to it: see evdns(3)).
			 */
			printf("%s PTR %s\n", l->name, *(char **)addresses);
			return;
		}
	}
}

static int usage(void)
{
	fprintf(stderr, "usage: ev-dns-lookup NAME [-s SERVER[:PORT]] "
	                "[-t A|AAAA|PTR]\n");
	return 2;
}

int main(int argc, char **argv)
{
	const char *server = NULL, *type = "A";
	struct lookup l = {NULL, NULL, DNS_ERR_UNKNOWN};
	struct evdns_base *dns;
	struct evdns_request *req = NULL;
	struct in_addr a4;
	struct in6_addr a6;
	int opt;

	/* NAME may come first (as in the usage line) or after the options. */
	if (argc > 1 && argv[1][0] != '-') {
		l.name = argv[1];
		optind = 2;
	}
	while ((opt = getopt(argc, argv, "s:t:")) != -1) {
		switch (opt) {
		case 's':
			server = optarg;
			break;
		case 't':
			type = optarg;
			break;
		default:
			return usage();
		}
	}
	if (l.name == NULL && optind < argc)
		l.name = argv[optind++];
	if (l.name == NULL || optind != argc)
		return usage();

	l.base = event_base_new();
	if (l.base == NULL)
		return 1;
	dns = evdns_base_new(l.base,
	                     server ? 0 : EVDNS_BASE_INITIALIZE_NAMESERVERS);
	if (dns == NULL ||
	    (server && evdns_base_nameserver_ip_add(dns, server) != 0)) {
		fprintf(stderr, "ev-dns-lookup: bad server %s\n",
		        server ? server : "(resolv.conf)");
		return 1;
	}
	/* Give up after about 4 seconds rather than the default 5 s x 3. */
	evdns_base_set_option(dns, "timeout:", "2");
	evdns_base_set_option(dns, "attempts:", "2");

	if (strcasecmp(type, "A") == 0)
		req = evdns_base_resolve_ipv4(dns, l.name, DNS_QUERY_NO_SEARCH,
		                              on_answer, &l);
	else if (strcasecmp(type, "AAAA") == 0)
		req = evdns_base_resolve_ipv6(dns, l.name, DNS_QUERY_NO_SEARCH,
		                              on_answer, &l);
	else if (strcasecmp(type, "PTR") == 0 &&
	         inet_pton(AF_INET, l.name, &a4) == 1)
		req = evdns_base_resolve_reverse(dns, &a4, DNS_QUERY_NO_SEARCH,
		                                 on_answer, &l);
	else if (strcasecmp(type, "PTR") == 0 &&
	         inet_pton(AF_INET6, l.name, &a6) == 1)
		req = evdns_base_resolve_reverse_ipv6(
		    dns, &a6, DNS_QUERY_NO_SEARCH, on_answer, &l);
	else
		return usage(); /* unknown type, or PTR of a non-address */
	if (req == NULL) {
		fprintf(stderr, "ev-dns-lookup: cannot start the query\n");
		return 1;
	}
	event_base_dispatch(l.base);

	if (l.result != DNS_ERR_NONE)
		fprintf(stderr, "%s: %s\n", l.name,
		        evdns_err_to_string(l.result));
	evdns_base_free(dns, 0);
	event_base_free(l.base);
	return l.result == DNS_ERR_NONE ? 0 : 1;
}
