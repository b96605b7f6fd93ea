/*
 * Asynchronous getaddrinfo: numeric hosts and the hosts file answer at
 * once; otherwise A and AAAA are asked for the same search candidate at
 * the same time, and the search moves to the next candidate only when
 * both came back empty, so the two families are always answers for one
 * and the same name (as glibc does).
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>

#include "dns-internal.h"

struct evdns_getaddrinfo_request {
	struct evdns_base *base;
	struct evdns_getaddrinfo_request *next, *prev;
	evdns_getaddrinfo_cb cb;
	void *arg;
	struct evutil_addrinfo hints;
	char *node;
	int port;
	int want4, want6;
	int candidate, ncandidates;
	struct evdns_request *r4, *r6;
	int err4, err6;
	int n4, n6;
	struct in_addr a4[EV__DNS_MAX_ADDRS];
	struct in6_addr a6[EV__DNS_MAX_ADDRS];
	int user_done; /* the user's callback has run */
};

#define KNOWN_FLAGS                                                            \
	(AI_PASSIVE | AI_CANONNAME | AI_NUMERICHOST | AI_NUMERICSERV |         \
	 AI_V4MAPPED | AI_ALL | AI_ADDRCONFIG)

/* One result entry; laid out like glibc's so freeaddrinfo(3) frees it. */
static struct addrinfo *entry(int family, const void *addr, int port,
			      int socktype, int protocol)
{
	struct addrinfo *ai = calloc(1, sizeof(*ai) +
					       sizeof(struct sockaddr_in6));

	if (ai == NULL)
		return NULL;
	ai->ai_family = family;
	ai->ai_socktype = socktype;
	ai->ai_protocol = protocol;
	ai->ai_addr = (struct sockaddr *)(ai + 1);
	if (family == AF_INET) {
		struct sockaddr_in *s = (struct sockaddr_in *)ai->ai_addr;

		s->sin_family = AF_INET;
		s->sin_port = htons((uint16_t)port);
		memcpy(&s->sin_addr, addr, 4);
		ai->ai_addrlen = sizeof(*s);
	} else {
		struct sockaddr_in6 *s = (struct sockaddr_in6 *)ai->ai_addr;

		s->sin6_family = AF_INET6;
		s->sin6_port = htons((uint16_t)port);
		memcpy(&s->sin6_addr, addr, 16);
		ai->ai_addrlen = sizeof(*s);
	}
	return ai;
}

/* Appends one entry per socket type the hints allow. */
static int add_addr(struct addrinfo ***tail, const struct addrinfo *hints,
		    int family, const void *addr, int port)
{
	static const int types[2][2] = {{SOCK_STREAM, IPPROTO_TCP},
					{SOCK_DGRAM, IPPROTO_UDP}};
	int i;

	for (i = 0; i < 2; i++) {
		struct addrinfo *ai;

		if (hints->ai_socktype && hints->ai_socktype != types[i][0])
			continue;
		if (hints->ai_protocol && hints->ai_protocol != types[i][1])
			continue;
		ai = entry(family, addr, port, types[i][0], types[i][1]);
		if (ai == NULL)
			return -1;
		**tail = ai;
		*tail = &ai->ai_next;
	}
	return 0;
}

static int parse_service(const char *serv, const struct addrinfo *hints,
			 int *port)
{
	struct servent se, *res = NULL;
	char buf[1024], *end;
	long v;

	*port = 0;
	if (serv == NULL)
		return 0;
	v = strtol(serv, &end, 10);
	if (*serv && *end == '\0') {
		if (v < 0 || v > 65535)
			return EAI_SERVICE;
		*port = (int)v;
		return 0;
	}
	if (hints->ai_flags & AI_NUMERICSERV)
		return EAI_NONAME;
	getservbyname_r(serv, hints->ai_socktype == SOCK_DGRAM ? "udp" : "tcp",
			&se, buf, sizeof(buf), &res);
	if (res == NULL)
		return EAI_SERVICE;
	*port = ntohs((uint16_t)res->s_port);
	return 0;
}

static int set_canon(struct addrinfo *res, const char *name)
{
	if (res == NULL || name == NULL)
		return 0;
	res->ai_canonname = strdup(name);
	return res->ai_canonname ? 0 : -1;
}

/* Turns the collected addresses into a result list. */
static int build(const struct addrinfo *hints, int port, int n4,
		 const struct in_addr *a4, int n6, const struct in6_addr *a6,
		 const char *canon, struct addrinfo **out)
{
	struct addrinfo *res = NULL, **tail = &res;
	int i, map = hints->ai_family == AF_INET6;

	*out = NULL;
	for (i = 0; i < n6; i++)
		if (add_addr(&tail, hints, AF_INET6, &a6[i], port))
			goto nomem;
	/* IPv4 under AF_INET6 only as mapped addresses (AI_V4MAPPED), and
	 * then only when no IPv6 address came back unless AI_ALL. */
	if (!map || (hints->ai_flags & AI_ALL) || n6 == 0) {
		for (i = 0; i < n4; i++) {
			if (map) {
				struct in6_addr m;

				memset(&m, 0, sizeof(m));
				m.s6_addr[10] = m.s6_addr[11] = 0xff;
				memcpy(&m.s6_addr[12], &a4[i], 4);
				if (add_addr(&tail, hints, AF_INET6, &m, port))
					goto nomem;
			} else if (add_addr(&tail, hints, AF_INET, &a4[i],
					    port)) {
				goto nomem;
			}
		}
	}
	if (res == NULL)
		return EAI_NONAME;
	if ((hints->ai_flags & AI_CANONNAME) && set_canon(res, canon))
		goto nomem;
	*out = res;
	return 0;
nomem:
	freeaddrinfo(res);
	return EAI_MEMORY;
}

static void user_done(struct evdns_getaddrinfo_request *g, int err,
		      struct addrinfo *res)
{
	g->user_done = 1;
	g->cb(err, res, g->arg);
}

static void gai_unlink_free(struct evdns_getaddrinfo_request *g)
{
	if (g->prev)
		g->prev->next = g->next;
	else
		g->base->gai_list = g->next;
	if (g->next)
		g->next->prev = g->prev;
	free(g->node);
	free(g);
}

static void dns_done(int result, char type, int count, int ttl,
		     void *addresses, void *arg);

static int ask(struct evdns_getaddrinfo_request *g)
{
	char name[EV__DNS_TEXT_MAX + 256];

	while (g->candidate < g->ncandidates) {
		if (ev__dns_search_candidate(g->base, g->node, 0,
					     g->candidate, name,
					     sizeof(name)) == 0)
			break;
		g->candidate++;
	}
	if (g->candidate >= g->ncandidates)
		return -1;
	g->n4 = g->n6 = 0;
	g->err4 = g->err6 = DNS_ERR_NODATA;
	if (g->want4) {
		g->r4 = ev__dns_request_new(g->base, DNS_IPv4_A, name,
					    DNS_QUERY_NO_SEARCH, dns_done, g);
		if (g->r4 == NULL)
			return -1;
	}
	if (g->want6) {
		g->r6 = ev__dns_request_new(g->base, DNS_IPv6_AAAA, name,
					    DNS_QUERY_NO_SEARCH, dns_done, g);
		if (g->r6 == NULL) {
			if (g->r4)
				evdns_cancel_request(g->base, g->r4);
			return -1;
		}
	}
	return 0;
}

static int dns_err_to_eai(int err)
{
	switch (err) {
	case DNS_ERR_NOTEXIST:
	case DNS_ERR_NODATA: return EAI_NONAME;
	case DNS_ERR_TIMEOUT:
	case DNS_ERR_SERVERFAILED: return EAI_AGAIN;
	case DNS_ERR_CANCEL:
	case DNS_ERR_SHUTDOWN: return EVUTIL_EAI_CANCEL;
	}
	return EAI_FAIL;
}

static void dns_done(int result, char type, int count, int ttl,
		     void *addresses, void *arg)
{
	struct evdns_getaddrinfo_request *g = arg;
	struct addrinfo *res;
	char name[EV__DNS_TEXT_MAX + 256];
	int err, empty4, empty6;

	(void)ttl;
	if (type == DNS_IPv4_A) {
		g->r4 = NULL;
		g->err4 = result;
		if (result == DNS_ERR_NONE) {
			g->n4 = count;
			memcpy(g->a4, addresses, (size_t)count * 4);
		}
	} else {
		g->r6 = NULL;
		g->err6 = result;
		if (result == DNS_ERR_NONE) {
			g->n6 = count;
			memcpy(g->a6, addresses, (size_t)count * 16);
		}
	}
	if (g->r4 || g->r6)
		return; /* wait for the other family */
	if (g->user_done) {
		gai_unlink_free(g);
		return;
	}
	if (g->n4 || g->n6) {
		ev__dns_search_candidate(g->base, g->node, 0, g->candidate,
					 name, sizeof(name));
		err = build(&g->hints, g->port, g->n4, g->a4, g->n6, g->a6,
			    name, &res);
		user_done(g, err, res);
		gai_unlink_free(g);
		return;
	}
	empty4 = !g->want4 || g->err4 == DNS_ERR_NOTEXIST ||
		 g->err4 == DNS_ERR_NODATA;
	empty6 = !g->want6 || g->err6 == DNS_ERR_NOTEXIST ||
		 g->err6 == DNS_ERR_NODATA;
	if (empty4 && empty6) {
		g->candidate++;
		if (g->candidate < g->ncandidates && ask(g) == 0)
			return;
		err = EAI_NONAME;
	} else {
		err = dns_err_to_eai(g->want4 && !empty4 ? g->err4 : g->err6);
	}
	user_done(g, err, NULL);
	gai_unlink_free(g);
}

static int numeric(const char *node, const struct addrinfo *hints, int port,
		   struct addrinfo **res)
{
	struct in_addr a4;
	struct in6_addr a6;

	if (inet_pton(AF_INET, node, &a4) == 1) {
		if (hints->ai_family == AF_INET6 &&
		    !(hints->ai_flags & AI_V4MAPPED))
			return EVUTIL_EAI_ADDRFAMILY;
		return build(hints, port, 1, &a4, 0, NULL, node, res);
	}
	if (inet_pton(AF_INET6, node, &a6) == 1) {
		if (hints->ai_family == AF_INET)
			return EVUTIL_EAI_ADDRFAMILY;
		return build(hints, port, 0, NULL, 1, &a6, node, res);
	}
	return 1; /* not numeric */
}

struct evdns_getaddrinfo_request *
evdns_getaddrinfo(struct evdns_base *dns_base, const char *nodename,
		  const char *servname, const struct evutil_addrinfo *hints_in,
		  evdns_getaddrinfo_cb cb, void *arg)
{
	struct evdns_getaddrinfo_request *g;
	struct addrinfo hints, *res = NULL;
	int port, err, fam;

	if (cb == NULL)
		return NULL;
	memset(&hints, 0, sizeof(hints));
	if (hints_in) {
		hints.ai_family = hints_in->ai_family;
		hints.ai_socktype = hints_in->ai_socktype;
		hints.ai_protocol = hints_in->ai_protocol;
		hints.ai_flags = hints_in->ai_flags;
	}
	fam = hints.ai_family;
	if (fam != AF_UNSPEC && fam != AF_INET && fam != AF_INET6) {
		cb(EAI_FAMILY, NULL, arg);
		return NULL;
	}
	if (hints.ai_flags & ~KNOWN_FLAGS) {
		cb(EAI_BADFLAGS, NULL, arg);
		return NULL;
	}
	if (nodename == NULL && servname == NULL) {
		cb(EAI_NONAME, NULL, arg);
		return NULL;
	}
	err = parse_service(servname, &hints, &port);
	if (err) {
		cb(err, NULL, arg);
		return NULL;
	}
	if (nodename == NULL) {
		/* No host: the wildcard (AI_PASSIVE) or loopback address. */
		struct in_addr a4;
		struct in6_addr a6;
		int passive = hints.ai_flags & AI_PASSIVE;

		a4.s_addr = htonl(passive ? INADDR_ANY : INADDR_LOOPBACK);
		a6 = passive ? in6addr_any : in6addr_loopback;
		err = build(&hints, port, fam == AF_INET6 ? 0 : 1, &a4,
			    fam == AF_INET ? 0 : 1, &a6, NULL, &res);
		cb(err, res, arg);
		return NULL;
	}
	err = numeric(nodename, &hints, port, &res);
	if (err != 1) {
		cb(err, res, arg);
		return NULL;
	}
	if ((hints.ai_flags & AI_NUMERICHOST) || nodename[0] == '\0' ||
	    dns_base == NULL) {
		cb(EAI_NONAME, NULL, arg);
		return NULL;
	}
	if (!dns_base->hosts_loaded)
		evdns_base_load_hosts(dns_base, NULL);
	if (dns_base->hosts) {
		struct in_addr a4[EV__DNS_MAX_ADDRS];
		struct in6_addr a6[EV__DNS_MAX_ADDRS];
		const char *c4 = NULL, *c6 = NULL;
		int n4 = 0, n6 = 0;

		if (fam != AF_INET6 || (hints.ai_flags & AI_V4MAPPED))
			n4 = ev__dns_hosts_lookup(dns_base->hosts, nodename,
						  AF_INET, a4,
						  EV__DNS_MAX_ADDRS, &c4);
		if (fam != AF_INET)
			n6 = ev__dns_hosts_lookup(dns_base->hosts, nodename,
						  AF_INET6, a6,
						  EV__DNS_MAX_ADDRS, &c6);
		if (n4 || n6) {
			err = build(&hints, port, n4, a4, n6, a6,
				    c4 ? c4 : c6, &res);
			if (err != EAI_NONAME) {
				cb(err, res, arg);
				return NULL;
			}
		}
	}
	g = calloc(1, sizeof(*g));
	if (g == NULL || (g->node = strdup(nodename)) == NULL) {
		free(g);
		cb(EAI_MEMORY, NULL, arg);
		return NULL;
	}
	g->base = dns_base;
	g->cb = cb;
	g->arg = arg;
	g->hints = hints;
	g->port = port;
	g->want4 = fam != AF_INET6 || (hints.ai_flags & AI_V4MAPPED);
	g->want6 = fam != AF_INET;
	g->ncandidates = ev__dns_search_count(dns_base, nodename, 0);
	g->next = dns_base->gai_list;
	if (g->next)
		g->next->prev = g;
	dns_base->gai_list = g;
	if (ask(g) < 0) {
		if (g->r4 || g->r6) {
			/* A started half will finish as cancelled. */
			user_done(g, EAI_FAIL, NULL);
			return NULL;
		}
		gai_unlink_free(g);
		cb(EAI_FAIL, NULL, arg);
		return NULL;
	}
	return g;
}

void evdns_getaddrinfo_cancel(struct evdns_getaddrinfo_request *g)
{
	if (g == NULL || g->user_done)
		return;
	user_done(g, EVUTIL_EAI_CANCEL, NULL);
	/* The lookups report DNS_ERR_CANCEL later; the last one frees g. */
	if (g->r4)
		evdns_cancel_request(g->base, g->r4);
	if (g->r6)
		evdns_cancel_request(g->base, g->r6);
}

void ev__dns_gai_free_all(struct evdns_base *base)
{
	struct evdns_getaddrinfo_request *g;

	while ((g = base->gai_list) != NULL) {
		/* The lookups themselves are freed with the base's requests;
		 * they must not call back into g. */
		if (g->r4)
			g->r4->cb = NULL;
		if (g->r6)
			g->r6->cb = NULL;
		if (!g->user_done)
			user_done(g, EVUTIL_EAI_CANCEL, NULL);
		gai_unlink_free(g);
	}
}

void evdns_freeaddrinfo(struct addrinfo *ai)
{
	freeaddrinfo(ai);
}
