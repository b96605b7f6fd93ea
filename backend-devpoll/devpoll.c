/*
 * backend-devpoll: the Solaris /dev/poll driver (poll(7d)).
 *
 * Interest is changed by writing pollfd entries to the /dev/poll fd.  The
 * driver ORs the events of an fd already in the set into its old ones, so
 * any change that is not a pure addition first writes POLLREMOVE for the
 * fd, then the new events.  Changes are queued and written in one write()
 * just before the wait; an fd that was closed in the meantime makes no
 * error there (the driver reports it with POLLNVAL, or has already dropped
 * it), so the core's "ignore closed fds on removal" rule holds by itself.
 *
 * The wait is ioctl(DP_POLL) with a result batch that grows while it
 * comes back full.  The descriptor may not be used by a child after
 * fork(): the child opens its own.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/types.h>
#include <unistd.h>
#include <sys/devpoll.h>

#include "ev-backend.h"

#define DEVPOLL_INITIAL_EVENTS 64
#define DEVPOLL_MAX_EVENTS     4096
#define DEVPOLL_MAX_CHANGES    1024 /* written early beyond this many */

struct devpoll_state {
	struct ev_backend_base *base;
	const struct ev_backend_host *host;
	int dpfd;
	struct pollfd *changes; /* entries not yet written to /dev/poll */
	int nchanges;
	int changes_cap;
	struct pollfd *events; /* DP_POLL results */
	int nevents;
};

static int devpoll_open(void)
{
	int fd = open("/dev/poll", O_RDWR);

	if (fd >= 0 && fcntl(fd, F_SETFD, FD_CLOEXEC) < 0) {
		int saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	return fd;
}

static int devpoll_init(struct ev_backend_base *base,
                        const struct ev_backend_host *host, void **statep)
{
	struct devpoll_state *st = calloc(1, sizeof(*st));
	int saved;

	if (st == NULL)
		return -1;
	st->dpfd = devpoll_open();
	if (st->dpfd < 0)
		goto fail;
	st->nevents = DEVPOLL_INITIAL_EVENTS;
	st->events = calloc((size_t)st->nevents, sizeof(*st->events));
	if (st->events == NULL)
		goto fail;
	st->base = base;
	st->host = host;
	*statep = st;
	return 0;
fail:
	saved = errno;
	if (st->dpfd >= 0)
		close(st->dpfd);
	free(st);
	errno = saved;
	return -1;
}

/* Writes the queued changes; a short write is retried from where it
 * stopped. */
static int devpoll_flush(struct devpoll_state *st)
{
	const char *p = (const char *)st->changes;
	size_t left = (size_t)st->nchanges * sizeof(*st->changes);

	while (left > 0) {
		ssize_t n = write(st->dpfd, p, left);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			st->nchanges = 0;
			return -1;
		}
		p += n;
		left -= (size_t)n;
	}
	st->nchanges = 0;
	return 0;
}

static int devpoll_queue(struct devpoll_state *st, int fd, short events)
{
	if (st->nchanges >= DEVPOLL_MAX_CHANGES && devpoll_flush(st) < 0)
		return -1;
	if (st->nchanges == st->changes_cap) {
		int cap = st->changes_cap ? st->changes_cap * 2 : 64;
		struct pollfd *p =
		    realloc(st->changes, (size_t)cap * sizeof(*p));

		if (p == NULL)
			return -1;
		st->changes = p;
		st->changes_cap = cap;
	}
	st->changes[st->nchanges].fd = fd;
	st->changes[st->nchanges].events = events;
	st->changes[st->nchanges].revents = 0;
	st->nchanges++;
	return 0;
}

static short devpoll_events(int mask)
{
	short e = 0;

	if (mask & EV_BACKEND_READ)
		e |= POLLIN;
	if (mask & EV_BACKEND_WRITE)
		e |= POLLOUT;
	return e;
}

/* Sets fd's events to exactly `mask` (0: out of the set). */
static int devpoll_set(struct devpoll_state *st, int fd, int old_mask, int mask)
{
	short was = devpoll_events(old_mask), now = devpoll_events(mask);

	/* Growing interest is an OR, which the driver does by itself; an
	 * equal mask means the fd may have been closed and reopened. */
	if (was && (was & ~now || was == now) &&
	    devpoll_queue(st, fd, POLLREMOVE) < 0)
		return -1;
	if (now && devpoll_queue(st, fd, now) < 0)
		return -1;
	return 0;
}

static int devpoll_add(void *state, int fd, int old_mask, int new_mask,
                       void *fdinfo)
{
	(void)fdinfo;
	return devpoll_set(state, fd, old_mask, new_mask);
}

static int devpoll_del(void *state, int fd, int old_mask, int new_mask,
                       void *fdinfo)
{
	(void)fdinfo;
	(void)old_mask;
	/* Anything but growth needs the removal first: force it. */
	return devpoll_set(
	    state, fd, old_mask | EV_BACKEND_READ | EV_BACKEND_WRITE, new_mask);
}

static int timeout_ms(const struct timespec *ts)
{
	long long ms;

	if (ts == NULL)
		return -1;
	/* Round up: waking early would just spin through another wait. */
	ms = (long long)ts->tv_sec * 1000 + (ts->tv_nsec + 999999) / 1000000;
	return ms > INT_MAX ? INT_MAX : (int)ms;
}

static int devpoll_dispatch(void *state, const struct timespec *timeout)
{
	struct devpoll_state *st = state;
	struct dvpoll dvp;
	int i, n;

	if (st->nchanges > 0 && devpoll_flush(st) < 0)
		st->host->log(st->base, EV_BACKEND_LOG_WARN,
		              "write to /dev/poll failed: %s", strerror(errno));
	dvp.dp_fds = st->events;
	dvp.dp_nfds = (nfds_t)st->nevents;
	dvp.dp_timeout = timeout_ms(timeout);
	n = ioctl(st->dpfd, DP_POLL, &dvp);
	if (n < 0)
		return errno == EINTR ? 0 : -1;
	for (i = 0; i < n; i++) {
		short r = st->events[i].revents;
		int what = 0;

		if (r & (POLLERR | POLLHUP | POLLNVAL))
			what |= EV_BACKEND_READ | EV_BACKEND_WRITE;
		if (r & POLLIN)
			what |= EV_BACKEND_READ;
		if (r & POLLOUT)
			what |= EV_BACKEND_WRITE;
		st->host->fd_ready(st->base, st->events[i].fd, what);
	}
	/* A full batch suggests more were waiting: take more next time. */
	if (n == st->nevents && st->nevents < DEVPOLL_MAX_EVENTS) {
		struct pollfd *p =
		    realloc(st->events, 2 * (size_t)st->nevents * sizeof(*p));
		if (p != NULL) {
			st->events = p;
			st->nevents *= 2;
		}
	}
	return 0;
}

static void devpoll_dealloc(void *state)
{
	struct devpoll_state *st = state;

	close(st->dpfd);
	free(st->changes);
	free(st->events);
	free(st);
}

static int devpoll_reinit(void *state)
{
	struct devpoll_state *st = state;
	int fd = devpoll_open();

	if (fd < 0)
		return -1;
	/* The parent's set is unusable here; the core re-adds every fd. */
	close(st->dpfd);
	st->dpfd = fd;
	st->nchanges = 0;
	return 0;
}

static const struct ev_backend_ops devpoll_ops = {
    .abi_version = EV_BACKEND_ABI_VERSION,
    .struct_size = sizeof(struct ev_backend_ops),
    .name = "devpoll",
    .features = EV_BACKEND_FEATURE_O1,
    .fdinfo_size = 0,
    .need_reinit = 1,
    .init = devpoll_init,         /* open("/dev/poll") */
    .add = devpoll_add,           /* queue [POLLREMOVE,] new events */
    .del = devpoll_del,           /* queue POLLREMOVE [, new events] */
    .dispatch = devpoll_dispatch, /* write the queue, ioctl(DP_POLL) */
    .dealloc = devpoll_dealloc,
    .reinit = devpoll_reinit, /* a fresh /dev/poll fd in the child */
};

EV_BACKEND_EXPORT(devpoll, devpoll_ops)
