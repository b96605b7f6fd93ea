/*
 * bench-dns-resolve: 100 000 distinct names resolved against one local
 * DNS server by libev-dns, c-ares and libevent 2.1's evdns in the same
 * run, one after the other.  The server is libev-dns's own server in a
 * child process (answering every name with one A record).  Each variant
 * is its own program (libev-dns and libevent export the same symbol
 * names) found next to this one.
 *
 *   bench-dns-resolve [count [inflight]]      (defaults: 100000 1000)
 *
 * A program, not a test: it prints numbers and never fails on them.
 */
#include <arpa/inet.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <evdns.h>
#include <event.h>

static void answer_all(struct evdns_server_request *req, void *arg)
{
	uint32_t a = htonl(0x0a000001);

	(void)arg;
	if (req->nquestions == 1 && req->questions[0]->type == EVDNS_TYPE_A)
		evdns_server_request_add_a_reply(req, req->questions[0]->name,
						 1, &a, 300);
	evdns_server_request_respond(req, 0);
}

static pid_t start_server(int *port)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	int fd = socket(AF_INET, SOCK_DGRAM, 0), big = 8 << 20;
	pid_t pid;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0 ||
	    getsockname(fd, (struct sockaddr *)&sin, &len) < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
	setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof(big));
	*port = ntohs(sin.sin_port);
	pid = fork();
	if (pid == 0) {
		struct event_base *b = event_base_new();

		evdns_add_server_port_with_base(b, fd, 0, answer_all, NULL);
		event_base_dispatch(b);
		_exit(0);
	}
	close(fd);
	return pid;
}

static void run_variant(const char *dir, const char *variant, int port,
			long n, int inflight, double *rate)
{
	char path[4096], cmd[4200], line[256];
	FILE *p;

	*rate = 0;
	snprintf(path, sizeof(path), "%s/bench-dns-resolve-%s", dir, variant);
	if (access(path, X_OK) != 0) {
		printf("%-20s (not built)\n", variant);
		return;
	}
	snprintf(cmd, sizeof(cmd), "%s %d %ld %d", path, port, n, inflight);
	p = popen(cmd, "r");
	if (p == NULL)
		return;
	while (fgets(line, sizeof(line), p)) {
		char name[64];
		double r, secs;
		long ok, failed;

		if (sscanf(line, "RESULT %63s %lf %ld %ld %lf", name, &r, &ok,
			   &failed, &secs) == 5) {
			printf("%-20s %10.0f lookups/s  ok %ld  failed %ld  "
			       "%.2f s\n",
			       name, r, ok, failed, secs);
			*rate = r;
		}
	}
	pclose(p);
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 100000;
	int inflight = argc > 2 ? atoi(argv[2]) : 1000, port;
	char self[4096], *dir;
	double ours, cares, levent;
	pid_t server;

	snprintf(self, sizeof(self), "%s", argv[0]);
	dir = dirname(self);
	server = start_server(&port);
	if (server < 0) {
		perror("server");
		return 1;
	}
	usleep(100000);
	printf("resolving %ld distinct names, %d in flight, server: libev-dns "
	       "on 127.0.0.1:%d\n",
	       n, inflight, port);
	run_variant(dir, "ours", port, n, inflight, &ours);
	run_variant(dir, "cares", port, n, inflight, &cares);
	run_variant(dir, "libevent", port, n, inflight, &levent);
	if (ours > 0 && cares > 0)
		printf("libev-dns / c-ares:   %.2f\n", ours / cares);
	if (ours > 0 && levent > 0)
		printf("libev-dns / libevent: %.2f\n", ours / levent);
	kill(server, SIGTERM);
	waitpid(server, NULL, 0);
	return 0;
}
