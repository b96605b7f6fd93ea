/*
 * The experiments, identical for every library variant:
 *
 *   loop N A W RUNS   the classic libevent benchmark.  N socketpairs, each
 *                     with a persistent read event; before each run every
 *                     event is deleted, set and added again and A evenly
 *                     spaced pairs get one byte (not timed); the timed part
 *                     loops with EVLOOP_ONCE|EVLOOP_NONBLOCK until every
 *                     byte is read, each read callback passing one byte on
 *                     to the next pair while the write budget W lasts.
 *                     N may be "max": as many pairs as RLIMIT_NOFILE allows.
 *                     One untimed warm-up run precedes the RUNS timed ones.
 *   churn N ROUNDS    N timers with random deadlines, each deleted and
 *                     added again with a new deadline ROUNDS times.
 *   fire N            N timers with random deadlines 1 to 3 ms away, all
 *                     expired before the timed loop starts firing them.
 *   mem N T           sizes and resident memory for N fd events (N may be
 *                     "max") and T timers.
 *
 * Output: one tab-separated line per measurement, first field the mode,
 * second the library (see run.sh and report.py).
 *
 * The program also counts the epoll_ctl calls made during each timed
 * phase, by defining epoll_ctl itself (exported, so libraries and dlopen'd
 * modules bind to it) and forwarding to the system call.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

/* File descriptors kept free for the libraries' own use (epoll fd, wake-up
 * pipes, eventfds, signal fds) and stdio. */
#define FD_RESERVE 50

static int npairs;
static int (*pairs)[2];
static long count, fired, writes, failures;
static int timing;
static long ctl_calls;
static long timers_fired;

int epoll_ctl(int epfd, int op, int fd, struct epoll_event *event)
{
	if (timing)
		ctl_calls++;
	return (int)syscall(SYS_epoll_ctl, epfd, op, fd, event);
}

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* A fixed xorshift sequence: every library gets the same deadlines. */
static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static void die(const char *what)
{
	fprintf(stderr, "%s: %s: %s\n", bench_lib.name, what, strerror(errno));
	exit(1);
}

static long resident_bytes(void)
{
	long pages = 0, rss = 0;
	FILE *f = fopen("/proc/self/statm", "r");

	if (f == NULL)
		return 0;
	if (fscanf(f, "%ld %ld", &pages, &rss) != 2)
		rss = 0;
	fclose(f);
	return rss * sysconf(_SC_PAGESIZE);
}

/* Raises the soft fd limit to the hard one; returns the pairs that fit. */
static int max_pairs(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		die("getrlimit");
	if (rl.rlim_max == RLIM_INFINITY || rl.rlim_max > 1000000)
		rl.rlim_max = 1000000;
	rl.rlim_cur = rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
		die("setrlimit");
	return (int)((rl.rlim_cur - FD_RESERVE) / 2);
}

static int parse_n(const char *s)
{
	int max = max_pairs();
	int n = strcmp(s, "max") == 0 ? max : atoi(s);

	if (n < 1 || n > max) {
		fprintf(stderr, "N must be 1..%d or max\n", max);
		exit(2);
	}
	return n;
}

static void make_pairs(int n)
{
	int i;

	pairs = calloc((size_t)n, sizeof(*pairs));
	if (pairs == NULL)
		die("calloc");
	for (i = 0; i < n; i++)
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0,
		               pairs[i]) < 0)
			die("socketpair");
	npairs = n;
}

void bench_on_read(int fd, int i)
{
	unsigned char ch;
	ssize_t n = recv(fd, &ch, 1, 0);

	if (n >= 0)
		count += n;
	else
		failures++;
	if (writes > 0) {
		int w = i + 1 < npairs ? i + 1 : 0;
		if (send(pairs[w][1], "e", 1, 0) != 1)
			failures++;
		writes--;
		fired++;
	}
}

void bench_on_timer(int i)
{
	(void)i;
	timers_fired++;
}

/* One run of the classic experiment; returns the timed part in ns. */
static int64_t loop_run(int active, int budget)
{
	int i, space = npairs / active;
	long passes = 0;
	int64_t t0, t1;

	for (i = 0; i < npairs; i++)
		bench_lib.io_rearm(i, pairs[i][0]);
	fired = 0;
	for (i = 0; i < active; i++, fired++)
		if (send(pairs[i * space][1], "e", 1, 0) != 1)
			die("send");
	count = 0;
	writes = budget;
	ctl_calls = 0;
	timing = 1;
	t0 = now_ns();
	do {
		bench_lib.loop_nonblock();
		/* A broken library must not hang the benchmark. */
		if (++passes > 100000000L) {
			fprintf(stderr, "%s: run did not finish\n",
			        bench_lib.name);
			exit(1);
		}
	} while (count != fired);
	t1 = now_ns();
	timing = 0;
	if (failures) {
		fprintf(stderr, "%s: %ld socket errors\n", bench_lib.name,
		        failures);
		exit(1);
	}
	return t1 - t0;
}

static int mode_loop(int argc, char **argv)
{
	int n, active, budget, runs, r;

	if (argc != 6)
		return 2;
	n = parse_n(argv[2]);
	active = atoi(argv[3]);
	budget = atoi(argv[4]);
	runs = atoi(argv[5]);
	if (active < 1 || active > n || budget < 0 || runs < 1)
		return 2;
	make_pairs(n);
	if (bench_lib.init() < 0 || bench_lib.io_alloc(n) < 0)
		die("init");
	loop_run(active, budget); /* warm-up */
	for (r = 0; r < runs; r++) {
		int64_t ns = loop_run(active, budget);
		printf("loop\t%s\t%d\t%d\t%d\t%d\t%.1f\t%ld\n", bench_lib.name,
		       n, active, budget, r, ns / 1000.0, ctl_calls);
	}
	return 0;
}

static int ntimers, churn_rounds;
static int64_t churn_ns;

/* Deadlines far enough away that nothing fires while we churn. */
static int64_t far_deadline(void)
{
	return 10000000000LL + (int64_t)(rng() % 10000000000ULL);
}

static void churn_arm(void)
{
	int i;

	for (i = 0; i < ntimers; i++)
		bench_lib.timer_rearm(i, far_deadline());
}

static void churn_timed(void)
{
	int i, r;
	int64_t t0 = now_ns();

	for (r = 0; r < churn_rounds; r++)
		for (i = 0; i < ntimers; i++)
			bench_lib.timer_rearm(i, far_deadline());
	churn_ns = now_ns() - t0;
}

static int mode_churn(int argc, char **argv)
{
	if (argc != 4)
		return 2;
	ntimers = atoi(argv[2]);
	churn_rounds = atoi(argv[3]);
	if (ntimers < 1 || churn_rounds < 1)
		return 2;
	if (bench_lib.timer_alloc == NULL)
		return 3;
	if (bench_lib.init() < 0 || bench_lib.timer_alloc(ntimers) < 0)
		die("init");
	bench_lib.in_loop(churn_arm);
	bench_lib.in_loop(churn_timed);
	printf("churn\t%s\t%d\t%d\t%.2f\n", bench_lib.name, ntimers,
	       churn_rounds,
	       (double)churn_ns / ((double)ntimers * churn_rounds));
	return 0;
}

static void fire_arm(void)
{
	int i;

	for (i = 0; i < ntimers; i++)
		bench_lib.timer_rearm(i,
		                      1000000 + (int64_t)(rng() % 2000000ULL));
}

static int mode_fire(int argc, char **argv)
{
	struct timespec pause = {0, 20000000};
	int64_t t0, t1;
	long passes = 0;

	if (argc != 3)
		return 2;
	ntimers = atoi(argv[2]);
	if (ntimers < 1)
		return 2;
	if (bench_lib.timer_alloc == NULL)
		return 3;
	if (bench_lib.init() < 0 || bench_lib.timer_alloc(ntimers) < 0)
		die("init");
	/* Armed from inside the loop (cached time, like the churn), then
	 * left to expire while we sleep. */
	bench_lib.in_loop(fire_arm);
	nanosleep(&pause, NULL);
	t0 = now_ns();
	while (timers_fired < ntimers) {
		bench_lib.loop_once();
		if (++passes > 10000000L) {
			fprintf(stderr, "%s: timers did not fire\n",
			        bench_lib.name);
			exit(1);
		}
	}
	t1 = now_ns();
	printf("fire\t%s\t%d\t%.2f\n", bench_lib.name, ntimers,
	       (double)(t1 - t0) / ntimers);
	return 0;
}

static void mem_arm(void)
{
	int i;

	for (i = 0; i < ntimers; i++)
		bench_lib.timer_rearm(i, far_deadline());
}

static int mode_mem(int argc, char **argv)
{
	struct rusage ru;
	long rss0, rss1, rss2, rss3;
	int n, i;

	if (argc != 4)
		return 2;
	n = parse_n(argv[2]);
	ntimers = atoi(argv[3]);
	if (ntimers < 0)
		return 2;
	make_pairs(n);
	if (bench_lib.init() < 0)
		die("init");
	rss0 = resident_bytes();
	if (bench_lib.io_alloc(n) < 0)
		die("io_alloc");
	for (i = 0; i < n; i++)
		bench_lib.io_rearm(i, pairs[i][0]);
	bench_lib.loop_nonblock();
	rss1 = resident_bytes();
	rss2 = rss3 = 0;
	if (bench_lib.timer_alloc != NULL && ntimers > 0) {
		rss2 = resident_bytes();
		if (bench_lib.timer_alloc(ntimers) < 0)
			die("timer_alloc");
		bench_lib.in_loop(mem_arm);
		rss3 = resident_bytes();
	}
	getrusage(RUSAGE_SELF, &ru);
	printf("mem\t%s\t%d\t%zu\t%.1f\t%d\t%zu\t%.1f\t%ld\n", bench_lib.name,
	       n, bench_lib.io_size, (double)(rss1 - rss0) / n,
	       bench_lib.timer_alloc ? ntimers : 0, bench_lib.timer_size,
	       ntimers && bench_lib.timer_alloc
	           ? (double)(rss3 - rss2) / ntimers
	           : 0.0,
	       ru.ru_maxrss);
	return 0;
}

int main(int argc, char **argv)
{
	int rc = 2;

	if (argc >= 2 && strcmp(argv[1], "loop") == 0)
		rc = mode_loop(argc, argv);
	else if (argc >= 2 && strcmp(argv[1], "churn") == 0)
		rc = mode_churn(argc, argv);
	else if (argc >= 2 && strcmp(argv[1], "fire") == 0)
		rc = mode_fire(argc, argv);
	else if (argc >= 2 && strcmp(argv[1], "mem") == 0)
		rc = mode_mem(argc, argv);
	if (rc == 3) {
		fprintf(stderr, "%s: no timers in this variant\n",
		        bench_lib.name);
		return 3;
	}
	if (rc == 2)
		fprintf(stderr,
		        "usage: %s loop N|max A W RUNS | churn N ROUNDS | "
		        "fire N | mem N|max TIMERS\n",
		        argv[0]);
	return rc;
}
