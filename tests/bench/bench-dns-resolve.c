/*
 * bench-dns-resolve: 100 000 distinct names resolved against one local
 * DNS server by libev-dns, c-ares and libevent 2.1's evdns in the same
 * run, one after the other.  The server is libev-dns's own server in a
 * child process (answering every name with one A record).  Each variant
 * is its own program (libev-dns and libevent export the same symbol
 * names) found next to this one.
 *
 *   bench-dns-resolve [count [inflight [rounds]]]  (100000 1000 3)
 *
 * The variants run interleaved, `rounds` times each (each round starting
 * with the next variant), and the best and the
 * median rate of each are reported: on a shared machine the best round is
 * the one least disturbed by other load.
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

static void run_variant(const char *dir, const char *variant, int port, long n,
                        int inflight, double *rate)
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

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	static const char *const variants[] = {"ours", "cares", "libevent"};
	long n = argc > 1 ? atol(argv[1]) : 100000;
	int inflight = argc > 2 ? atoi(argv[2]) : 1000, port;
	int rounds = argc > 3 ? atoi(argv[3]) : 3, r, v;
	double rate[3][32], best[3], median[3];
	char self[4096], *dir;
	pid_t server;

	if (rounds < 1 || rounds > 32)
		rounds = 3;
	snprintf(self, sizeof(self), "%s", argv[0]);
	dir = dirname(self);
	server = start_server(&port);
	if (server < 0) {
		perror("server");
		return 1;
	}
	usleep(100000);
	printf("resolving %ld distinct names, %d in flight, %d rounds, server: "
	       "libev-dns on 127.0.0.1:%d\n",
	       n, inflight, rounds, port);
	/* Each round starts with another variant, so no variant always
	 * runs right after libevent's slow, timeout-ridden run. */
	for (r = 0; r < rounds; r++)
		for (int k = 0; k < 3; k++) {
			v = (r + k) % 3;
			run_variant(dir, variants[v], port, n, inflight,
			            &rate[v][r]);
		}
	for (v = 0; v < 3; v++) {
		qsort(rate[v], (size_t)rounds, sizeof(double), cmp_double);
		best[v] = rate[v][rounds - 1];
		median[v] = rate[v][rounds / 2];
		printf("%-10s best %10.0f  median %10.0f lookups/s\n",
		       variants[v], best[v], median[v]);
	}
	if (best[0] > 0 && best[1] > 0)
		printf("libev-dns / c-ares:   best %.2f  median %.2f\n",
		       best[0] / best[1], median[0] / median[1]);
	if (best[0] > 0 && best[2] > 0)
		printf("libev-dns / libevent: best %.2f  median %.2f\n",
		       best[0] / best[2], median[0] / median[2]);
	kill(server, SIGTERM);
	waitpid(server, NULL, 0);
	return 0;
}
