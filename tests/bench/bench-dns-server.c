/*
 * DNS server benchmark program: answers "n<i>.bench.test" A queries on
 * 127.0.0.1:<port> until killed.  One source, built twice: against
 * libev-dns and against Debian's libevent 2.1 (the API is the same, which
 * is the point of libev), so the two servers run identical code.
 *
 *   bench-dns-server-<variant> port
 */
#include <arpa/inet.h>
#include <event2/dns.h>
#include <event2/dns_struct.h>
#include <event2/event.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

static void answer(struct evdns_server_request *req, void *arg)
{
	uint32_t a = htonl(0x0a000001);

	(void)arg;
	if (req->nquestions == 1 && req->questions[0]->type == EVDNS_TYPE_A &&
	    strncmp(req->questions[0]->name, "n", 1) == 0) {
		evdns_server_request_add_a_reply(req, req->questions[0]->name,
						 1, &a, 300);
		evdns_server_request_respond(req, 0);
		return;
	}
	evdns_server_request_respond(req, 3);
}

int main(int argc, char **argv)
{
	struct sockaddr_in sin;
	struct event_base *base;
	int fd, big = 8 << 20;

	if (argc < 2) {
		fprintf(stderr, "usage: %s port\n", argv[0]);
		return 2;
	}
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons((uint16_t)atoi(argv[1]));
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0) {
		perror("bind");
		return 1;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
	base = event_base_new();
	if (!evdns_add_server_port_with_base(base, fd, 0, answer, NULL))
		return 1;
	event_base_dispatch(base);
	return 0;
}
