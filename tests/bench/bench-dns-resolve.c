/*
 * bench-dns-resolve: 100 000 distinct names resolved against one local
 * DNS server by libev-dns, c-ares and libevent 2.1's evdns in the same
 * run, one after the other.  The server is libev-dns's own server in a
 * child process (answering every name with one A record).  Each variant
 * is its own program (libev-dns and libevent export the same symbol
 * names) found next to this one.
 *
 *   bench-dns-resolve [count [inflight [rounds [port]]]]  (100000 1000 3)
 *
 * With `port`, the variants ask the server already listening on
 * 127.0.0.1:port instead (bench-dns-resolve-nsd.sh starts nsd there).
 *
 * The variants run interleaved, `rounds` times each (each round starting
 * with the next variant), and the best and the
 * median rate of each are reported: on a shared machine the best round is
 * the one least disturbed by other load.  So is each variant's CPU time
 * per lookup (user + system): client and server each saturate a core, so
 * once the server is the slower side the rates converge and the CPU cost
 * is what still tells the resolvers apart.
 *
 * Each resolver runs on both readiness mechanisms, because the choice
 * moves the result by more than the resolvers differ: libev-dns on its
 * default backend (epoll) and on poll (EV_BACKEND=poll, the same program),
 * c-ares in a poll(2) loop and in an epoll loop (BENCH_CARES_LOOP=epoll).
 * An fd registered with epoll stays on the socket's wait queue, so every
 * datagram the socket sends (its write-space wake-up) and receives takes
 * the epoll callback, which poll(2) only pays while it sleeps.  Pairs on
 * the same mechanism are compared.
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

/* One variant: a program next to this one, run with one environment
 * setting (or none). */
struct variant {
	const char *label;
	const char *program;
	const char *env;
};

static const struct variant variants[] = {
    {"libev-dns/epoll", "ours", ""},
    {"libev-dns/poll", "ours", "EV_BACKEND=poll"},
    {"c-ares/poll", "cares", ""},
    {"c-ares/epoll", "cares", "BENCH_CARES_LOOP=epoll"},
    {"libevent/epoll", "libevent", ""},
};
#define NVARIANTS (int)(sizeof(variants) / sizeof(variants[0]))

/* Same-mechanism pairs compared at the end: ours, theirs. */
static const int pairs[][2] = {{0, 3}, {1, 2}, {0, 2}, {0, 4}};

static void run_variant(const char *dir, const struct variant *v, int port,
                        long n, int inflight, double *rate, double *cpu_us)
{
	char path[4096], cmd[4400], line[256];
	FILE *p;

	*rate = 0;
	*cpu_us = 0;
	snprintf(path, sizeof(path), "%s/bench-dns-resolve-%s", dir,
	         v->program);
	if (access(path, X_OK) != 0) {
		printf("%-16s (not built)\n", v->label);
		return;
	}
	snprintf(cmd, sizeof(cmd), "env %s %s %d %ld %d", v->env, path, port, n,
	         inflight);
	p = popen(cmd, "r");
	if (p == NULL)
		return;
	while (fgets(line, sizeof(line), p)) {
		char name[64];
		double r, secs, cpu;
		long ok, failed;

		if (sscanf(line, "RESULT %63s %lf %ld %ld %lf %lf", name, &r,
		           &ok, &failed, &secs, &cpu) == 6) {
			printf("%-16s %10.0f lookups/s  ok %ld  failed %ld  "
			       "%.2f s  cpu %.2f us/lookup\n",
			       v->label, r, ok, failed, secs,
			       cpu * 1e6 / (double)n);
			*rate = r;
			*cpu_us = cpu * 1e6 / (double)n;
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
	long n = argc > 1 ? atol(argv[1]) : 100000;
	int inflight = argc > 2 ? atoi(argv[2]) : 1000, port;
	int rounds = argc > 3 ? atoi(argv[3]) : 3, r, v, k;
	int external = argc > 4 ? atoi(argv[4]) : 0;
	double rate[NVARIANTS][32], best[NVARIANTS], median[NVARIANTS];
	double cpu[NVARIANTS][32], cpu_best[NVARIANTS], cpu_median[NVARIANTS];
	char self[4096], *dir;
	pid_t server = 0;

	if (rounds < 1 || rounds > 32)
		rounds = 3;
	snprintf(self, sizeof(self), "%s", argv[0]);
	dir = dirname(self);
	if (external > 0 && external < 65536) {
		port = external;
	} else {
		server = start_server(&port);
		if (server < 0) {
			perror("server");
			return 1;
		}
		usleep(100000);
	}
	printf("resolving %ld distinct names, %d in flight, %d rounds, server: "
	       "%s on 127.0.0.1:%d\n",
	       n, inflight, rounds, server ? "libev-dns" : "external", port);
	/* Each round starts with another variant, so no variant always
	 * runs right after libevent's slow, timeout-ridden run. */
	for (r = 0; r < rounds; r++)
		for (k = 0; k < NVARIANTS; k++) {
			v = (r + k) % NVARIANTS;
			run_variant(dir, &variants[v], port, n, inflight,
			            &rate[v][r], &cpu[v][r]);
		}
	for (v = 0; v < NVARIANTS; v++) {
		qsort(rate[v], (size_t)rounds, sizeof(double), cmp_double);
		qsort(cpu[v], (size_t)rounds, sizeof(double), cmp_double);
		best[v] = rate[v][rounds - 1];
		median[v] = rate[v][rounds / 2];
		cpu_best[v] = cpu[v][0];
		cpu_median[v] = cpu[v][rounds / 2];
		printf("%-16s best %8.0f  median %8.0f lookups/s   cpu best "
		       "%.2f  median %.2f us/lookup\n",
		       variants[v].label, best[v], median[v], cpu_best[v],
		       cpu_median[v]);
	}
	/* Rates: higher is better, so ours / theirs; CPU per lookup: lower
	 * is better, so theirs / ours.  Either way above 1 means ahead. */
	for (k = 0; k < (int)(sizeof(pairs) / sizeof(pairs[0])); k++) {
		int a = pairs[k][0], b = pairs[k][1];

		if (best[a] > 0 && best[b] > 0 && cpu_best[a] > 0)
			printf("%s vs %s: rate best %.2f median %.2f   cpu "
			       "efficiency best %.2f median %.2f\n",
			       variants[a].label, variants[b].label,
			       best[a] / best[b], median[a] / median[b],
			       cpu_best[b] / cpu_best[a],
			       cpu_median[b] / cpu_median[a]);
	}
	if (server > 0) {
		kill(server, SIGTERM);
		waitpid(server, NULL, 0);
	}
	return 0;
}
