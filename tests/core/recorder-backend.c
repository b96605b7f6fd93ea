/*
 * Test-only backend "recorder": a poll(2) backend that also counts and
 * logs every add/del/reinit call the core makes, so tests can check the
 * fd map's promises (one backend call per real interest change, none for
 * del+add in one iteration, re-registration after fork or fd reuse).
 *
 * The counters live in one static struct that the test reaches by
 * dlopen()ing this same module and calling recorder_stats(): a fixture,
 * not a pattern for real backends (which keep all state per base).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include "ev-backend.h"
#include "recorder.h"

static struct recorder_stats stats;

__attribute__((visibility("default"))) struct recorder_stats *
recorder_stats(void)
{
	return &stats;
}

struct rec_state {
	struct ev_backend_base *base;
	const struct ev_backend_host *host;
	int mask[RECORDER_MAX_FD];
};

static void note(int op, int fd, int old_mask, int new_mask)
{
	struct recorder_call *c;

	if (op == RECORDER_ADD)
		stats.nadd++;
	else if (op == RECORDER_DEL)
		stats.ndel++;
	else
		stats.nreinit++;
	if (stats.ncalls >= RECORDER_LOG)
		return;
	c = &stats.calls[stats.ncalls++];
	c->op = op;
	c->fd = fd;
	c->old_mask = old_mask;
	c->new_mask = new_mask;
}

static int rec_init(struct ev_backend_base *base,
                    const struct ev_backend_host *host, void **statep)
{
	struct rec_state *st = calloc(1, sizeof(*st));

	if (st == NULL)
		return -1;
	st->base = base;
	st->host = host;
	stats.ninit++;
	*statep = st;
	return 0;
}

static int rec_add(void *state, int fd, int old_mask, int new_mask,
                   void *fdinfo)
{
	struct rec_state *st = state;
	unsigned char *info = fdinfo;

	note(RECORDER_ADD, fd, old_mask, new_mask);
	/* The core promises zeroed scratch for a new fd and keeps ours. */
	if (old_mask == 0 && info[0] != 0 && info[0] != 0xa5)
		stats.bad_fdinfo++;
	info[0] = 0xa5;
	if (fd < 0 || fd >= RECORDER_MAX_FD) {
		errno = EBADF;
		return -1;
	}
	st->mask[fd] = new_mask;
	return 0;
}

static int rec_del(void *state, int fd, int old_mask, int new_mask,
                   void *fdinfo)
{
	struct rec_state *st = state;

	(void)fdinfo;
	note(RECORDER_DEL, fd, old_mask, new_mask);
	if (fd >= 0 && fd < RECORDER_MAX_FD)
		st->mask[fd] = new_mask;
	return 0;
}

static int rec_dispatch(void *state, const struct timespec *timeout)
{
	struct rec_state *st = state;
	struct pollfd pfd[RECORDER_MAX_FD];
	int n = 0, i, r;

	stats.ndispatch++;
	if (stats.inject_bogus) {
		/* A confused backend must not crash the core. */
		st->host->fd_ready(st->base, -1, EV_BACKEND_READ);
		st->host->fd_ready(st->base, 1 << 20, EV_BACKEND_READ);
		st->host->fd_ready(st->base, RECORDER_MAX_FD - 1, 0x7fff);
	}
	for (i = 0; i < RECORDER_MAX_FD; i++) {
		if (!st->mask[i])
			continue;
		pfd[n].fd = i;
		pfd[n].events =
		    (short)((st->mask[i] & EV_BACKEND_READ ? POLLIN : 0) |
		            (st->mask[i] & EV_BACKEND_WRITE ? POLLOUT : 0));
		pfd[n].revents = 0;
		n++;
	}
	r = ppoll(pfd, (nfds_t)n, timeout, NULL);
	if (r < 0)
		return errno == EINTR ? 0 : -1;
	for (i = 0; i < n; i++) {
		int what = 0;
		if (pfd[i].revents & (POLLIN | POLLHUP | POLLERR))
			what |= EV_BACKEND_READ;
		if (pfd[i].revents & (POLLOUT | POLLERR))
			what |= EV_BACKEND_WRITE;
		if (what)
			st->host->fd_ready(st->base, pfd[i].fd, what);
	}
	return 0;
}

static void rec_dealloc(void *state)
{
	stats.ndealloc++;
	free(state);
}

static int rec_reinit(void *state)
{
	struct rec_state *st = state;

	note(RECORDER_REINIT, -1, 0, 0);
	/* The core re-adds every fd after this. */
	memset(st->mask, 0, sizeof(st->mask));
	return 0;
}

static const struct ev_backend_ops recorder_ops = {
    .abi_version = EV_BACKEND_ABI_VERSION,
    .struct_size = sizeof(struct ev_backend_ops),
    .name = "recorder",
    .features = EV_BACKEND_FEATURE_FDS,
    .fdinfo_size = 8,
    .need_reinit = 1,
    .init = rec_init,
    .add = rec_add,
    .del = rec_del,
    .dispatch = rec_dispatch,
    .dealloc = rec_dealloc,
    .reinit = rec_reinit,
};

EV_BACKEND_EXPORT(recorder, recorder_ops)
