/*
 * Test-only emulation of the Solaris /dev/poll driver (poll(7d)) on Linux
 * (see tests/platform/devpoll/devpoll.c).  Names, types and constants
 * follow Solaris <sys/devpoll.h>, so backend-devpoll/devpoll.c compiles
 * against this header unchanged; only the include path differs.
 *
 * /dev/poll cannot exist here, so this header routes open(), write(),
 * ioctl() and close() through the emulation: open("/dev/poll") returns an
 * emulated descriptor, and the other three act on such descriptors and
 * pass every other one to the C library.  The system headers declaring
 * them are included first, so the macros only rename calls.  Never
 * installed.
 */
#ifndef LIBEV_EMUL_SYS_DEVPOLL_H
#define LIBEV_EMUL_SYS_DEVPOLL_H

#include <fcntl.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/types.h>
#include <unistd.h>

#ifdef __cplusplus
extern "C" {
#endif

/* glibc has its own POLLREMOVE under _GNU_SOURCE only: one value for
 * every translation unit, whatever its feature macros, is Solaris's. */
#ifdef POLLREMOVE
#undef POLLREMOVE
#endif
/** pollfd.events bit written to /dev/poll: remove the fd from the set. */
#define POLLREMOVE 0x0800

/** Solaris spelling of struct pollfd. */
typedef struct pollfd pollfd_t;

/** Argument of DP_POLL. */
struct dvpoll {
	pollfd_t *dp_fds; /**< where ready fds and their revents go */
	nfds_t dp_nfds;   /**< room in dp_fds */
	int dp_timeout;   /**< milliseconds; -1 waits forever */
};

/** ioctl group of /dev/poll. */
#define DPIOC (0xD0 << 8)
/** ioctl: wait for ready fds (struct dvpoll *); returns how many. */
#define DP_POLL (DPIOC | 1)
/** ioctl: is pollfd.fd in the set (pollfd_t *)?  revents = its events. */
#define DP_ISPOLLED (DPIOC | 2)

/** open() that knows "/dev/poll". */
int ev_emul_devpoll_open(const char *path, int flags, ...);
/** write() that takes pollfd arrays on /dev/poll descriptors. */
ssize_t ev_emul_devpoll_write(int fd, const void *buf, size_t len);
/** ioctl() that knows DP_POLL and DP_ISPOLLED on /dev/poll descriptors. */
int ev_emul_devpoll_ioctl(int fd, unsigned long request, ...);
/** close() that forgets /dev/poll descriptors. */
int ev_emul_devpoll_close(int fd);

#define open  ev_emul_devpoll_open
#define write ev_emul_devpoll_write
#define ioctl ev_emul_devpoll_ioctl
#define close ev_emul_devpoll_close

#ifdef __cplusplus
}
#endif
#endif
