/*
 * DNS resolver benchmark: each variant resolves `n` distinct names
 * ("n<i>.bench.test", A) against one server on 127.0.0.1:port, keeping
 * `inflight` lookups outstanding, and prints one result line:
 *   RESULT <variant> <lookups/s> <ok> <failed> <seconds> <cpu-seconds>
 * where cpu-seconds is the process's user + system time: the cost of the
 * resolver itself, which the rate alone hides once the server (shared by
 * every variant) is the slower side.
 */
#ifndef LIBEV_BENCH_DNS_H
#define LIBEV_BENCH_DNS_H

#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>

static inline double bd_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static inline void bd_name(char *buf, size_t size, long i)
{
	snprintf(buf, size, "n%ld.bench.test", i);
}

static inline void bd_args(int argc, char **argv, int *port, long *n,
                           int *inflight)
{
	if (argc < 4) {
		fprintf(stderr, "usage: %s port count inflight\n", argv[0]);
		exit(2);
	}
	*port = atoi(argv[1]);
	*n = atol(argv[2]);
	*inflight = atoi(argv[3]);
}

static inline double bd_tv(struct timeval tv)
{
	return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

static inline void bd_report(const char *variant, long ok, long failed,
                             double secs)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	printf("RESULT %s %.0f %ld %ld %.3f %.3f\n", variant,
	       (double)(ok + failed) / secs, ok, failed, secs,
	       bd_tv(ru.ru_utime) + bd_tv(ru.ru_stime));
	fflush(stdout);
}

#endif
