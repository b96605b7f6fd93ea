/*
 * backend-select: POSIX select(2).
 *
 * Keeps its own bit arrays sized to the highest fd, so it is not limited
 * to FD_SETSIZE (Linux's select accepts larger sets; glibc's FD_SET macros
 * would refuse them, so we set the bits ourselves).  Each wait copies the
 * interest sets and scans them: O(highest fd), as select is.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>

#include "ev-backend.h"

typedef unsigned long fdword;
#define WORD_BITS (8 * (int)sizeof(fdword))

struct select_state {
	struct ev_backend_base *base;
	const struct ev_backend_host *host;
	int maxfd;               /* highest fd with interest, -1 when none */
	int nwords;              /* size of each set, in words */
	fdword *want_r, *want_w; /* interest */
	fdword *out_r, *out_w;   /* scratch handed to select() */
};

static int bit_get(const fdword *set, int fd)
{
	return (set[fd / WORD_BITS] >> (fd % WORD_BITS)) & 1;
}

static void bit_put(fdword *set, int fd, int on)
{
	fdword m = (fdword)1 << (fd % WORD_BITS);

	if (on)
		set[fd / WORD_BITS] |= m;
	else
		set[fd / WORD_BITS] &= ~m;
}

static int select_init(struct ev_backend_base *base,
                       const struct ev_backend_host *host, void **statep)
{
	struct select_state *st = calloc(1, sizeof(*st));

	if (st == NULL)
		return -1;
	st->base = base;
	st->host = host;
	st->maxfd = -1;
	*statep = st;
	return 0;
}

static int sets_reserve(struct select_state *st, int fd)
{
	int need = fd / WORD_BITS + 1, n = st->nwords ? st->nwords : 16;
	fdword *sets[4] = {st->want_r, st->want_w, st->out_r, st->out_w};
	int i;

	if (need <= st->nwords)
		return 0;
	while (n < need)
		n *= 2;
	for (i = 0; i < 4; i++) {
		fdword *p = realloc(sets[i], (size_t)n * sizeof(fdword));
		if (p == NULL)
			return -1;
		memset(p + st->nwords, 0,
		       (size_t)(n - st->nwords) * sizeof(fdword));
		sets[i] = p;
		/* Store as we go so a later failure leaks nothing. */
		if (i == 0)
			st->want_r = p;
		else if (i == 1)
			st->want_w = p;
		else if (i == 2)
			st->out_r = p;
		else
			st->out_w = p;
	}
	st->nwords = n;
	return 0;
}

static void set_interest(struct select_state *st, int fd, int mask)
{
	bit_put(st->want_r, fd, mask & EV_BACKEND_READ);
	bit_put(st->want_w, fd, mask & EV_BACKEND_WRITE);
	if (mask && fd > st->maxfd)
		st->maxfd = fd;
	while (st->maxfd >= 0 && !bit_get(st->want_r, st->maxfd) &&
	       !bit_get(st->want_w, st->maxfd))
		st->maxfd--;
}

static int select_add(void *state, int fd, int old_mask, int new_mask,
                      void *fdinfo)
{
	struct select_state *st = state;

	(void)fdinfo;
	/* A bad fd in the sets makes every select() fail with EBADF; refuse
	 * it here so event_add() fails as it does with epoll.  Only when the
	 * fd is new to us: a change of interest needs no system call. */
	if (fd < 0 || ((old_mask == 0 || old_mask == new_mask) &&
	               fcntl(fd, F_GETFD) < 0)) {
		errno = EBADF;
		return -1;
	}
	if (fd >= INT_MAX - WORD_BITS || sets_reserve(st, fd) < 0) {
		errno = fd < 0 ? EBADF : ENOMEM;
		return -1;
	}
	set_interest(st, fd, new_mask);
	return 0;
}

static int select_del(void *state, int fd, int old_mask, int new_mask,
                      void *fdinfo)
{
	struct select_state *st = state;

	(void)old_mask;
	(void)fdinfo;
	if (fd / WORD_BITS < st->nwords)
		set_interest(st, fd, new_mask);
	return 0;
}

/*
 * select() fails as a whole with EBADF when one watched fd was closed: by
 * another thread while we waited (its removal is queued for the next
 * pass), or by a program that closed it without deleting its events.
 * Report each closed fd as readable and writable, so its events (if any
 * remain) run and see the error in read()/write(), instead of failing the
 * loop.
 */
static int select_report_closed(struct select_state *st)
{
	int fd;

	for (fd = 0; fd <= st->maxfd; fd++) {
		if (!bit_get(st->want_r, fd) && !bit_get(st->want_w, fd))
			continue;
		if (fcntl(fd, F_GETFD) < 0 && errno == EBADF) {
			st->host->log(st->base, EV_BACKEND_LOG_DEBUG,
			              "select: watched fd %d is closed", fd);
			st->host->fd_ready(st->base, fd,
			                   EV_BACKEND_READ | EV_BACKEND_WRITE);
		}
	}
	return 0;
}

static int select_dispatch(void *state, const struct timespec *timeout)
{
	struct select_state *st = state;
	int nw = st->maxfd / WORD_BITS + 1;
	int n, w;

	if (st->maxfd >= 0) {
		memcpy(st->out_r, st->want_r, (size_t)nw * sizeof(fdword));
		memcpy(st->out_w, st->want_w, (size_t)nw * sizeof(fdword));
	}
	n = pselect(st->maxfd + 1,
	            st->maxfd >= 0 ? (fd_set *)(void *)st->out_r : NULL,
	            st->maxfd >= 0 ? (fd_set *)(void *)st->out_w : NULL, NULL,
	            timeout, NULL);
	if (n < 0 && errno == EBADF)
		return select_report_closed(st);
	if (n < 0)
		return errno == EINTR ? 0 : -1;
	for (w = 0; w < nw && n > 0; w++) {
		fdword r = st->out_r[w], wr = st->out_w[w], any = r | wr;

		while (any) {
			int bit = __builtin_ctzl(any);
			int what = 0;

			any &= any - 1;
			if ((r >> bit) & 1)
				what |= EV_BACKEND_READ;
			if ((wr >> bit) & 1)
				what |= EV_BACKEND_WRITE;
			st->host->fd_ready(st->base, w * WORD_BITS + bit, what);
		}
	}
	return 0;
}

static void select_dealloc(void *state)
{
	struct select_state *st = state;

	free(st->want_r);
	free(st->want_w);
	free(st->out_r);
	free(st->out_w);
	free(st);
}

static const struct ev_backend_ops select_ops = {
    .abi_version = EV_BACKEND_ABI_VERSION,
    .struct_size = sizeof(struct ev_backend_ops),
    .name = "select",
    .features = EV_BACKEND_FEATURE_FDS,
    .fdinfo_size = 0,
    .need_reinit = 0,            /* no kernel object to rebuild */
    .init = select_init,         /* empty sets */
    .add = select_add,           /* set the fd's bits */
    .del = select_del,           /* clear the fd's bits */
    .dispatch = select_dispatch, /* pselect on copies, report set bits */
    .dealloc = select_dealloc,
    .reinit = NULL,
};

EV_BACKEND_EXPORT(select, select_ops)
