/*
 * backend-iouring: Linux io_uring readiness (IORING_OP_POLL_ADD), through
 * liburing.  Experimental: the loader uses it only when EV_BACKEND names
 * it, until the benchmarks show it ahead of epoll.
 *
 * Every fd with interest has one poll request in flight; its user_data is
 * (generation << 32 | fd), and the generation changes whenever the
 * request is replaced, so completions of cancelled or superseded requests
 * are recognised and dropped.  Changes are only queued as SQEs: they reach
 * the kernel together with the wait, in one io_uring_enter().
 *
 * A one-shot poll completes as soon as the fd is ready when it is armed,
 * which is exactly level-triggered behaviour once it is re-armed after
 * every completion.  A multishot poll (IORING_POLL_ADD_MULTI, Linux 5.13)
 * stays armed and completes on each new wake-up, which is edge-triggered
 * behaviour: it serves EV_ET interest, falling back to re-arming where
 * the kernel refuses it.
 *
 * init fails with errno set where io_uring is missing, disabled
 * (kernel.io_uring_disabled) or filtered, so the loader moves on.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <liburing.h>
#include <limits.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ev-backend.h"

#define IOURING_ENTRIES 256
#define IOURING_TAG_CTL UINT64_MAX /* completions of removals */

struct iouring_fd {
	uint32_t gen;  /* generation of the request in flight */
	uint8_t mask;  /* interest (EV_BACKEND_*) */
	uint8_t armed; /* a poll request is in flight */
	uint8_t multi; /* ... and it is multishot */
	uint8_t rearm; /* on the re-arm list */
};

struct iouring_state {
	struct ev_backend_base *base;
	const struct ev_backend_host *host;
	struct io_uring ring;
	struct iouring_fd *fds;
	int nfds;
	int no_multishot; /* the kernel refused IORING_POLL_ADD_MULTI */
	int *rearm;       /* fds whose one-shot request completed */
	int nrearm;
	int rearm_cap;
};

static int iouring_setup(struct iouring_state *st)
{
	struct io_uring_probe *probe;
	int r, ok;

	r = io_uring_queue_init(IOURING_ENTRIES, &st->ring, 0);
	if (r < 0) {
		errno = -r;
		return -1;
	}
	probe = io_uring_get_probe_ring(&st->ring);
	ok = probe != NULL &&
	     io_uring_opcode_supported(probe, IORING_OP_POLL_ADD) &&
	     io_uring_opcode_supported(probe, IORING_OP_POLL_REMOVE);
	if (probe != NULL)
		io_uring_free_probe(probe);
	if (!ok) {
		io_uring_queue_exit(&st->ring);
		errno = ENOSYS;
		return -1;
	}
	return 0;
}

static int iouring_init(struct ev_backend_base *base,
                        const struct ev_backend_host *host, void **statep)
{
	struct iouring_state *st = calloc(1, sizeof(*st));

	if (st == NULL)
		return -1;
	if (iouring_setup(st) < 0) {
		int saved = errno;
		host->log(base, EV_BACKEND_LOG_DEBUG,
		          "iouring: unavailable: %s", strerror(saved));
		free(st);
		errno = saved;
		return -1;
	}
	st->base = base;
	st->host = host;
	*statep = st;
	return 0;
}

static int iouring_reserve(struct iouring_state *st, int fd)
{
	struct iouring_fd *p;
	int n;

	if (fd < st->nfds)
		return 0;
	n = fd < 64 ? 64 : (fd > INT_MAX / 2 ? fd + 1 : fd * 2);
	p = realloc(st->fds, (size_t)n * sizeof(*p));
	if (p == NULL)
		return -1;
	memset(p + st->nfds, 0, (size_t)(n - st->nfds) * sizeof(*p));
	st->fds = p;
	st->nfds = n;
	return 0;
}

/* A free SQE; a full queue is handed to the kernel first. */
static struct io_uring_sqe *iouring_sqe(struct iouring_state *st)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&st->ring);

	if (sqe == NULL) {
		int r = io_uring_submit(&st->ring);
		if (r < 0) {
			errno = -r;
			return NULL;
		}
		sqe = io_uring_get_sqe(&st->ring);
		if (sqe == NULL)
			errno = EBUSY;
	}
	return sqe;
}

static uint64_t iouring_data(const struct iouring_state *st, int fd)
{
	return ((uint64_t)st->fds[fd].gen << 32) | (uint32_t)fd;
}

static unsigned iouring_events(int mask)
{
	unsigned e = 0;

	if (mask & EV_BACKEND_READ)
		e |= POLLIN;
	if (mask & EV_BACKEND_WRITE)
		e |= POLLOUT;
	if (mask & EV_BACKEND_CLOSED)
		e |= POLLRDHUP;
	return e;
}

static int iouring_cancel(struct iouring_state *st, int fd)
{
	struct io_uring_sqe *sqe;

	if (!st->fds[fd].armed)
		return 0;
	if ((sqe = iouring_sqe(st)) == NULL)
		return -1;
	io_uring_prep_poll_remove(sqe, iouring_data(st, fd));
	io_uring_sqe_set_data64(sqe, IOURING_TAG_CTL);
	st->fds[fd].armed = 0;
	st->fds[fd].gen++;
	return 0;
}

static int iouring_arm(struct iouring_state *st, int fd)
{
	struct iouring_fd *f = &st->fds[fd];
	struct io_uring_sqe *sqe;
	unsigned events = iouring_events(f->mask);

	if (events == 0 || f->armed)
		return 0;
	if ((sqe = iouring_sqe(st)) == NULL)
		return -1;
	f->gen++;
	f->multi = (f->mask & EV_BACKEND_ET) && !st->no_multishot;
	if (f->multi)
		io_uring_prep_poll_multishot(sqe, fd, events);
	else
		io_uring_prep_poll_add(sqe, fd, events);
	io_uring_sqe_set_data64(sqe, iouring_data(st, fd));
	f->armed = 1;
	return 0;
}

static int iouring_set(struct iouring_state *st, int fd, int mask)
{
	if (iouring_reserve(st, fd) < 0)
		return -1;
	if (iouring_cancel(st, fd) < 0)
		return -1;
	st->fds[fd].mask = (uint8_t)mask;
	return iouring_arm(st, fd);
}

static int iouring_add(void *state, int fd, int old_mask, int new_mask,
                       void *fdinfo)
{
	(void)old_mask;
	(void)fdinfo;
	/* The poll request would fail only later, in a completion: say
	 * now that the fd is not open, as epoll_ctl would. */
	if (fcntl(fd, F_GETFD) < 0)
		return -1;
	return iouring_set(state, fd, new_mask);
}

static int iouring_del(void *state, int fd, int old_mask, int new_mask,
                       void *fdinfo)
{
	struct iouring_state *st = state;

	(void)old_mask;
	(void)fdinfo;
	if (fd >= st->nfds)
		return 0;
	/* A closed fd's request has completed or will, with an error the
	 * generation check drops. */
	return iouring_set(st, fd, new_mask);
}

static int iouring_remember(struct iouring_state *st, int fd)
{
	if (st->nrearm == st->rearm_cap) {
		int cap = st->rearm_cap ? st->rearm_cap * 2 : 64;
		int *p = realloc(st->rearm, (size_t)cap * sizeof(*p));
		if (p == NULL)
			return -1;
		st->rearm = p;
		st->rearm_cap = cap;
	}
	st->rearm[st->nrearm++] = fd;
	st->fds[fd].rearm = 1;
	return 0;
}

static void iouring_complete(struct iouring_state *st,
                             const struct io_uring_cqe *cqe)
{
	uint64_t data = io_uring_cqe_get_data64(cqe);
	int fd = (int)(uint32_t)data, what = 0;
	struct iouring_fd *f;

	if (data == IOURING_TAG_CTL || fd >= st->nfds)
		return;
	f = &st->fds[fd];
	if (!f->armed || f->gen != (uint32_t)(data >> 32))
		return; /* cancelled or superseded */
	if (!(cqe->flags & IORING_CQE_F_MORE))
		f->armed = 0;
	if (cqe->res < 0) {
		if (cqe->res == -EINVAL && f->multi && !st->no_multishot) {
			/* Multishot is newer than this kernel. */
			st->no_multishot = 1;
			iouring_arm(st, fd);
			return;
		}
		if (cqe->res != -EBADF && cqe->res != -ECANCELED)
			st->host->log(st->base, EV_BACKEND_LOG_WARN,
			              "iouring: poll of fd %d failed: %s", fd,
			              strerror(-cqe->res));
		return; /* the fd went away: the core will drop it */
	}
	if (cqe->res & (POLLERR | POLLHUP | POLLNVAL))
		what |= EV_BACKEND_READ | EV_BACKEND_WRITE;
	if (cqe->res & POLLIN)
		what |= EV_BACKEND_READ;
	if (cqe->res & POLLOUT)
		what |= EV_BACKEND_WRITE;
	if (cqe->res & (POLLRDHUP | POLLHUP))
		what |= EV_BACKEND_CLOSED;
	/* A one-shot request is re-armed by the next dispatch, after the
	 * callbacks have run: armed now, it could reach the kernel early
	 * (a full queue is submitted at once) and complete again for data
	 * the callbacks are about to read. */
	if (!f->armed && !f->rearm && iouring_remember(st, fd) < 0 &&
	    iouring_arm(st, fd) < 0)
		st->host->log(st->base, EV_BACKEND_LOG_WARN,
		              "iouring: re-arming fd %d failed: %s", fd,
		              strerror(errno));
	st->host->fd_ready(st->base, fd, what);
}

static void iouring_rearm(struct iouring_state *st)
{
	int i;

	for (i = 0; i < st->nrearm; i++) {
		int fd = st->rearm[i];

		st->fds[fd].rearm = 0;
		if (iouring_arm(st, fd) < 0)
			st->host->log(st->base, EV_BACKEND_LOG_WARN,
			              "iouring: re-arming fd %d failed: %s", fd,
			              strerror(errno));
	}
	st->nrearm = 0;
}

static int iouring_dispatch(void *state, const struct timespec *timeout)
{
	struct iouring_state *st = state;
	struct __kernel_timespec kts;
	struct io_uring_cqe *cqe;
	unsigned head, n = 0;
	int r;

	iouring_rearm(st);
	if (timeout != NULL && timeout->tv_sec == 0 && timeout->tv_nsec == 0) {
		r = io_uring_submit(&st->ring);
	} else {
		struct __kernel_timespec *tp = NULL;
		if (timeout != NULL) {
			kts.tv_sec = timeout->tv_sec;
			kts.tv_nsec = timeout->tv_nsec;
			tp = &kts;
		}
		r = io_uring_submit_and_wait_timeout(&st->ring, &cqe, 1, tp,
		                                     NULL);
	}
	if (r < 0 && r != -ETIME && r != -EINTR && r != -EAGAIN &&
	    r != -EBUSY) {
		errno = -r;
		return -1;
	}
	io_uring_for_each_cqe(&st->ring, head, cqe)
	{
		iouring_complete(st, cqe);
		n++;
	}
	io_uring_cq_advance(&st->ring, n);
	return 0;
}

static void iouring_dealloc(void *state)
{
	struct iouring_state *st = state;

	io_uring_queue_exit(&st->ring);
	free(st->fds);
	free(st->rearm);
	free(st);
}

static int iouring_reinit(void *state)
{
	struct iouring_state *st = state;
	struct io_uring old = st->ring;
	int fd;

	if (iouring_setup(st) < 0) {
		st->ring = old;
		return -1;
	}
	/* The parent keeps its ring; this unmaps and closes our copies. */
	io_uring_queue_exit(&old);
	for (fd = 0; fd < st->nfds; fd++) {
		st->fds[fd].armed = 0;
		st->fds[fd].mask = 0;
		st->fds[fd].rearm = 0;
		st->fds[fd].gen++;
	}
	st->nrearm = 0;
	return 0;
}

static const struct ev_backend_ops iouring_ops = {
    .abi_version = EV_BACKEND_ABI_VERSION,
    .struct_size = sizeof(struct ev_backend_ops),
    .name = "iouring",
    .features = EV_BACKEND_FEATURE_ET | EV_BACKEND_FEATURE_O1 |
                EV_BACKEND_FEATURE_EARLY_CLOSE,
    .fdinfo_size = 0,
    .need_reinit = 1,
    .init = iouring_init,         /* a ring, if the kernel allows one */
    .add = iouring_add,           /* queue removal + new poll request */
    .del = iouring_del,           /* same, or only the removal */
    .dispatch = iouring_dispatch, /* submit queued SQEs and wait, reap */
    .dealloc = iouring_dealloc,
    .reinit = iouring_reinit, /* a fresh ring in the child */
};

EV_BACKEND_EXPORT(iouring, iouring_ops)
