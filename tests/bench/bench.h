/*
 * The benchmark driver shared by every library variant.  Each variant
 * (bench-lib-*.c) fills one struct bench_lib with thin wrappers around its
 * library's calls; bench-main.c owns the experiments, the timing and the
 * output, so every library runs exactly the same experiment.
 */
#ifndef LIBEV_BENCH_H
#define LIBEV_BENCH_H

#include <stddef.h>
#include <stdint.h>

struct bench_lib {
	/* Short name printed in every result line. */
	const char *name;
	/* Bytes of one fd event / one timer as the program embeds it. */
	size_t io_size;
	size_t timer_size;
	/* Creates the loop.  Returns 0 or -1. */
	int (*init)(void);
	/* Allocates n fd event handles (not yet added).  Returns 0 or -1. */
	int (*io_alloc)(int n);
	/* Deletes fd event i if it was added, sets it on fd (persistent read
	 * interest, callback bench_on_read(fd, i)) and adds it. */
	void (*io_rearm)(int i, int fd);
	/* One non-blocking loop pass (EVLOOP_ONCE|EVLOOP_NONBLOCK). */
	void (*loop_nonblock)(void);
	/* Timers; NULL for a variant without timers (the raw epoll loop). */
	int (*timer_alloc)(int n);
	/* Deletes timer i if pending and adds it again to fire after ns
	 * nanoseconds; its callback calls bench_on_timer(i). */
	void (*timer_rearm)(int i, int64_t ns);
	/* Runs fn once from a callback inside the loop, so timer arithmetic
	 * uses the loop's cached time as a server's callbacks do. */
	void (*in_loop)(void (*fn)(void));
	/* One blocking loop iteration (EVLOOP_ONCE). */
	void (*loop_once)(void);
};

/* Provided by each variant. */
extern const struct bench_lib bench_lib;

/* Provided by bench-main.c: what the callbacks do. */
void bench_on_read(int fd, int i);
void bench_on_timer(int i);

#endif
