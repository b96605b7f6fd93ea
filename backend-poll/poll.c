/*
 * backend-poll: POSIX poll(2).
 *
 * A dense pollfd array plus an fd -> slot index, so adding, changing and
 * removing an fd are O(1) (removal moves the last slot into the hole).
 * The wait itself is O(number of fds), as poll is.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include "ev-backend.h"

struct poll_state {
	struct ev_backend_base *base;
	const struct ev_backend_host *host;
	struct pollfd *fds; /* the set handed to poll() */
	int nfds;
	int cap;
	int *slot; /* fd -> index in fds, -1 when absent */
	int nslot;
};

static int poll_init(struct ev_backend_base *base,
                     const struct ev_backend_host *host, void **statep)
{
	struct poll_state *st = calloc(1, sizeof(*st));

	if (st == NULL)
		return -1;
	st->base = base;
	st->host = host;
	*statep = st;
	return 0;
}

static short poll_mask(int mask)
{
	short e = 0;

	if (mask & EV_BACKEND_READ)
		e |= POLLIN;
	if (mask & EV_BACKEND_WRITE)
		e |= POLLOUT;
#ifdef POLLRDHUP
	if (mask & EV_BACKEND_CLOSED)
		e |= POLLRDHUP;
#endif
	return e;
}

static int slot_reserve(struct poll_state *st, int fd)
{
	int n = st->nslot ? st->nslot : 64;
	int *p, i;

	if (fd < st->nslot)
		return 0;
	while (n <= fd)
		n = n > INT_MAX / 2 ? fd + 1 : n * 2;
	p = realloc(st->slot, (size_t)n * sizeof(*p));
	if (p == NULL)
		return -1;
	for (i = st->nslot; i < n; i++)
		p[i] = -1;
	st->slot = p;
	st->nslot = n;
	return 0;
}

static int poll_add(void *state, int fd, int old_mask, int new_mask,
                    void *fdinfo)
{
	struct poll_state *st = state;
	int idx;

	(void)fdinfo;
	/* poll() would only flag a bad fd with POLLNVAL on every wait; refuse
	 * it here so event_add() fails as it does with epoll.  Only when the
	 * fd is new to us: a change of interest needs no system call. */
	if (fd < 0 || ((old_mask == 0 || old_mask == new_mask) &&
	               fcntl(fd, F_GETFD) < 0)) {
		errno = EBADF;
		return -1;
	}
	if (slot_reserve(st, fd) < 0)
		return -1;
	idx = st->slot[fd];
	if (idx < 0) {
		if (st->nfds == st->cap) {
			int cap = st->cap ? st->cap * 2 : 64;
			struct pollfd *p =
			    realloc(st->fds, (size_t)cap * sizeof(*p));
			if (p == NULL)
				return -1;
			st->fds = p;
			st->cap = cap;
		}
		idx = st->nfds++;
		st->slot[fd] = idx;
		st->fds[idx].fd = fd;
	}
	st->fds[idx].events = poll_mask(new_mask);
	st->fds[idx].revents = 0;
	return 0;
}

static int poll_del(void *state, int fd, int old_mask, int new_mask,
                    void *fdinfo)
{
	struct poll_state *st = state;
	int idx, last;

	(void)old_mask;
	(void)fdinfo;
	if (fd >= st->nslot || st->slot[fd] < 0)
		return 0;
	idx = st->slot[fd];
	if (new_mask != 0) {
		st->fds[idx].events = poll_mask(new_mask);
		return 0;
	}
	last = --st->nfds;
	if (idx != last) {
		st->fds[idx] = st->fds[last];
		st->slot[st->fds[idx].fd] = idx;
	}
	st->slot[fd] = -1;
	return 0;
}

static int poll_dispatch(void *state, const struct timespec *timeout)
{
	struct poll_state *st = state;
	int i, n, seen = 0;

	n = ppoll(st->fds, (nfds_t)st->nfds, timeout, NULL);
	if (n < 0)
		return errno == EINTR ? 0 : -1;
	for (i = 0; i < st->nfds && seen < n; i++) {
		short r = st->fds[i].revents;
		int what = 0;

		if (r == 0)
			continue;
		seen++;
		if (r & (POLLERR | POLLHUP | POLLNVAL))
			what |= EV_BACKEND_READ | EV_BACKEND_WRITE;
		if (r & POLLIN)
			what |= EV_BACKEND_READ;
		if (r & POLLOUT)
			what |= EV_BACKEND_WRITE;
#ifdef POLLRDHUP
		if (r & (POLLRDHUP | POLLHUP))
			what |= EV_BACKEND_CLOSED;
#endif
		st->host->fd_ready(st->base, st->fds[i].fd, what);
	}
	return 0;
}

static void poll_dealloc(void *state)
{
	struct poll_state *st = state;

	free(st->fds);
	free(st->slot);
	free(st);
}

static const struct ev_backend_ops poll_ops = {
    .abi_version = EV_BACKEND_ABI_VERSION,
    .struct_size = sizeof(struct ev_backend_ops),
    .name = "poll",
    .features = EV_BACKEND_FEATURE_FDS,
    .fdinfo_size = 0,
    .need_reinit = 0,          /* no kernel object to rebuild */
    .init = poll_init,         /* empty set */
    .add = poll_add,           /* append a pollfd or update its events */
    .del = poll_del,           /* update, or swap-remove the pollfd */
    .dispatch = poll_dispatch, /* ppoll, report each fd with revents */
    .dealloc = poll_dealloc,
    .reinit = NULL,
};

EV_BACKEND_EXPORT(poll, poll_ops)
