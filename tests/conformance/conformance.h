/*
 * Helpers shared by the conformance suite: a per-test watchdog, monotonic
 * time, socket pairs and the fd limit.  Header-only so each test program
 * stays one file.
 */
#ifndef LIBEV_CONFORMANCE_H
#define LIBEV_CONFORMANCE_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <event.h>

/* Every test must end well within this; a hang becomes a SIGALRM death
 * that names the test, rather than a ctest timeout. */
#define CONF_WATCHDOG_S 10

static inline int conf_watchdog_on(void **state)
{
	(void)state;
	alarm(CONF_WATCHDOG_S);
	return 0;
}

static inline int conf_watchdog_off(void **state)
{
	(void)state;
	alarm(0);
	return 0;
}

/** A test run under the watchdog. */
#define CONF_TEST(f)                                                           \
	cmocka_unit_test_setup_teardown(f, conf_watchdog_on, conf_watchdog_off)

static inline int64_t conf_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static inline int64_t conf_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* A non-blocking AF_UNIX stream pair. */
static inline void conf_pair(int sv[2])
{
	assert_int_equal(socketpair(AF_UNIX,
	                            SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	                            0, sv),
	                 0);
}

static inline void conf_close_pair(int sv[2])
{
	close(sv[0]);
	close(sv[1]);
}

static inline void conf_write1(int fd)
{
	assert_int_equal(write(fd, "x", 1), 1);
}

/* Raises the soft fd limit to at least `want` if the hard limit allows.
 * Returns the soft limit in force afterwards. */
static inline long conf_raise_nofile(long want)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return 0;
	if ((long)rl.rlim_cur < want) {
		rl.rlim_cur =
		    rl.rlim_max == RLIM_INFINITY || (long)rl.rlim_max >= want
		        ? (rlim_t)want
		        : rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
		getrlimit(RLIMIT_NOFILE, &rl);
	}
	return (long)rl.rlim_cur;
}

/* A base on the backend chosen by the environment (EV_BACKEND). */
static inline struct event_base *conf_base(void)
{
	struct event_base *base = event_base_new();

	assert_non_null(base);
	return base;
}

#endif
