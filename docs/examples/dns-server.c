/*
 * ev-dns-server: a tiny authoritative DNS server answering from records
 * given on the command line.
 *
 *   build/bin/ev-dns-server [-a ADDRESS] [-p PORT] -r NAME=ADDR [-r ...]
 *
 * Defaults: 127.0.0.1, port 5353; port 0 picks a free one.  Listens on UDP
 * and on TCP (same port) and prints "listening on ADDRESS:PORT" once both
 * are open; serves until SIGINT or SIGTERM.  ADDR is IPv4 (an A record) or
 * IPv6 (an AAAA record); a name may be given several times.  Answers:
 * A/AAAA for a known name, PTR for the reverse name of a known address,
 * no records (NODATA) for a known name asked another type, NXDOMAIN for
 * anything else.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event.h>
#include <evdns.h>

#define MAX_RECORDS 64
#define TTL         60

struct record {
	char name[256];
	int family; /* AF_INET or AF_INET6 */
	unsigned char addr[16];
	char reverse[80]; /* in-addr.arpa / ip6.arpa name of addr */
};

static struct record records[MAX_RECORDS];
static int nrecords;

/* Names compare case-insensitively and without a trailing dot. */
static int same_name(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);

	if (la > 0 && a[la - 1] == '.')
		la--;
	if (lb > 0 && b[lb - 1] == '.')
		lb--;
	return la == lb && strncasecmp(a, b, la) == 0;
}

static void make_reverse(struct record *r)
{
	static const char hex[] = "0123456789abcdef";
	char *p = r->reverse;
	int i;

	if (r->family == AF_INET) {
		snprintf(r->reverse, sizeof(r->reverse),
		         "%u.%u.%u.%u.in-addr.arpa", r->addr[3], r->addr[2],
		         r->addr[1], r->addr[0]);
		return;
	}
	for (i = 15; i >= 0; i--) { /* nibbles, lowest first: 64 chars */
		*p++ = hex[r->addr[i] & 0xf];
		*p++ = '.';
		*p++ = hex[r->addr[i] >> 4];
		*p++ = '.';
	}
	strcpy(p, "ip6.arpa"); /* 64 + 8 + 1 <= sizeof(reverse) */
}

/* "name=addr" -> records[nrecords++]; -1 if it does not parse. */
static int add_record(const char *arg)
{
	const char *eq = strchr(arg, '=');
	struct record *r;

	if (nrecords == MAX_RECORDS || eq == NULL || eq == arg ||
	    (size_t)(eq - arg) >= sizeof(r->name))
		return -1;
	r = &records[nrecords];
	memcpy(r->name, arg, (size_t)(eq - arg));
	r->name[eq - arg] = '\0';
	if (inet_pton(AF_INET, eq + 1, r->addr) == 1)
		r->family = AF_INET;
	else if (inet_pton(AF_INET6, eq + 1, r->addr) == 1)
		r->family = AF_INET6;
	else
		return -1;
	make_reverse(r);
	nrecords++;
	return 0;
}

static void on_query(struct evdns_server_request *req, void *arg)
{
	int i, q, known = 0, rcode;

	(void)arg;
	for (q = 0; q < req->nquestions; q++) {
		const struct evdns_server_question *qu = req->questions[q];

		if (qu->dns_question_class != EVDNS_CLASS_INET)
			continue;
		for (i = 0; i < nrecords; i++) {
			const struct record *r = &records[i];

			if (same_name(qu->name, r->reverse)) {
				known = 1;
				if (qu->type == EVDNS_TYPE_PTR)
					evdns_server_request_add_ptr_reply(
					    req, NULL, qu->name, r->name, TTL);
				continue;
			}
			if (!same_name(qu->name, r->name))
				continue;
			known = 1;
			if (qu->type == EVDNS_TYPE_A && r->family == AF_INET)
				evdns_server_request_add_a_reply(
				    req, qu->name, 1, r->addr, TTL);
			else if (qu->type == EVDNS_TYPE_AAAA &&
			         r->family == AF_INET6)
				evdns_server_request_add_aaaa_reply(
				    req, qu->name, 1, r->addr, TTL);
		}
	}
	rcode = known ? 0 : 3; /* NOERROR (maybe no data) or NXDOMAIN */
	evdns_server_request_set_flags(req, EVDNS_FLAGS_AA);
	evdns_server_request_respond(req, rcode);
}

static void on_signal(evutil_socket_t signo, short what, void *arg)
{
	(void)signo;
	(void)what;
	event_base_loopexit(arg, NULL);
}

/* A socket of `type` bound to address:port (port 0: any free one). */
static int open_socket(const struct sockaddr_storage *ss, socklen_t len,
                       int type)
{
	int one = 1;
	int fd = socket(ss->ss_family, type | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	if (type == SOCK_STREAM)
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (const struct sockaddr *)ss, len) != 0 ||
	    (type == SOCK_STREAM && listen(fd, 64) != 0)) {
		close(fd);
		return -1;
	}
	return fd;
}

static int usage(void)
{
	fprintf(stderr, "usage: ev-dns-server [-a ADDRESS] [-p PORT] "
	                "-r NAME=ADDR [-r NAME=ADDR ...]\n");
	return 2;
}

int main(int argc, char **argv)
{
	const char *address = "127.0.0.1";
	long port = 5353;
	struct sockaddr_storage ss;
	socklen_t len;
	struct event_base *base;
	struct evdns_server_port *udp, *tcp;
	struct event *sigint, *sigterm;
	int opt, ufd = -1, tfd = -1, tries;

	while ((opt = getopt(argc, argv, "a:p:r:")) != -1) {
		switch (opt) {
		case 'a':
			address = optarg;
			break;
		case 'p':
			port = strtol(optarg, NULL, 10);
			if (port < 0 || port > 65535)
				return usage();
			break;
		case 'r':
			if (add_record(optarg) != 0) {
				fprintf(stderr, "bad record: %s\n", optarg);
				return usage();
			}
			break;
		default:
			return usage();
		}
	}
	if (optind != argc || nrecords == 0)
		return usage();

	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, address,
	              &((struct sockaddr_in *)&ss)->sin_addr) == 1) {
		ss.ss_family = AF_INET;
		len = sizeof(struct sockaddr_in);
	} else if (inet_pton(AF_INET6, address,
	                     &((struct sockaddr_in6 *)&ss)->sin6_addr) == 1) {
		ss.ss_family = AF_INET6;
		len = sizeof(struct sockaddr_in6);
	} else {
		fprintf(stderr, "bad address: %s\n", address);
		return usage();
	}

	/*
	 * UDP first; TCP on the same port.  With port 0 the UDP port the
	 * kernel picked may be taken for TCP: try a few times.
	 */
	for (tries = 0; tries < 20 && tfd < 0; tries++) {
		((struct sockaddr_in *)&ss)->sin_port =
		    htons((ev_uint16_t)port);
		ufd = open_socket(&ss, len, SOCK_DGRAM);
		if (ufd < 0)
			break;
		getsockname(ufd, (struct sockaddr *)&ss, &len);
		tfd = open_socket(&ss, len, SOCK_STREAM);
		if (tfd < 0) {
			close(ufd);
			ufd = -1;
			if (port != 0)
				break;
		}
	}
	if (tfd < 0) {
		fprintf(stderr, "cannot listen on %s:%ld\n", address, port);
		return 1;
	}
	port = ntohs(((struct sockaddr_in *)&ss)->sin_port);

	base = event_base_new();
	if (base == NULL)
		return 1;
	/* The ports own the sockets from here on. */
	udp = evdns_add_server_port_with_base(base, ufd, 0, on_query, NULL);
	tcp = evdns_add_server_port_with_base(base, tfd, EVDNS_SERVER_PORT_TCP,
	                                      on_query, NULL);
	sigint = evsignal_new(base, SIGINT, on_signal, base);
	sigterm = evsignal_new(base, SIGTERM, on_signal, base);
	if (udp == NULL || tcp == NULL || sigint == NULL || sigterm == NULL ||
	    evsignal_add(sigint, NULL) || evsignal_add(sigterm, NULL)) {
		fprintf(stderr, "cannot start serving\n");
		return 1;
	}
	printf("listening on %s:%ld\n", address, port);
	fflush(stdout);

	event_base_dispatch(base);
	evdns_close_server_port(udp);
	evdns_close_server_port(tcp);
	event_free(sigint);
	event_free(sigterm);
	event_base_free(base);
	return 0;
}
