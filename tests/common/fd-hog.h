/*
 * Test helper: runs the process out of file descriptors, to test what
 * code does on EMFILE.  The soft RLIMIT_NOFILE is lowered to a little
 * above the highest descriptor the test needs, then filled with dup(0).
 * Header-only.
 */
#ifndef LIBEV_TEST_FD_HOG_H
#define LIBEV_TEST_FD_HOG_H

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

/* Lowers the limit to `highest_fd` + 8 (saving the old one in *old) and
 * opens descriptors into hog[] until dup() fails with EMFILE.  Returns how
 * many were opened, or -1 when the limit could not be set or was not
 * reached within `max` descriptors. */
static inline int fd_hog_fill(int highest_fd, struct rlimit *old, int *hog,
                              int max)
{
	struct rlimit low;
	int n = 0;

	if (getrlimit(RLIMIT_NOFILE, old) != 0)
		return -1;
	low = *old;
	low.rlim_cur = (rlim_t)highest_fd + 8;
	if (setrlimit(RLIMIT_NOFILE, &low) != 0)
		return -1;
	while (n < max) {
		int fd = dup(0);

		if (fd < 0)
			return errno == EMFILE ? n : -1;
		hog[n++] = fd;
	}
	return -1;
}

/* Closes the n descriptors and restores the old limit. */
static inline int fd_hog_release(const struct rlimit *old, int *hog, int n)
{
	while (n > 0)
		close(hog[--n]);
	return setrlimit(RLIMIT_NOFILE, old);
}

/* valgrind keeps a descriptor table and limit of its own, where this
 * does not work as natively. */
static inline int fd_hog_under_valgrind(void)
{
	const char *p = getenv("LD_PRELOAD");

	return p != NULL && strstr(p, "vgpreload") != NULL;
}

/* CPU time of this process in ms: a loop spinning on a readable listener
 * it cannot accept from burns about as much CPU as wall time passes. */
static inline long process_cpu_ms(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000L +
	       (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1000L;
}

#endif
