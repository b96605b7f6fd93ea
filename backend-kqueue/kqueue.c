/*
 * backend-kqueue: BSD/macOS kqueue(2).
 *
 * One knote per fd and direction (EVFILT_READ, EVFILT_WRITE).  Changes that
 * grow interest are submitted at once with EV_RECEIPT, so the kernel
 * answers for every change separately and add() can return the error of
 * its own fd.  Removals are queued and ride along with the next wait: they
 * are frequent, cannot fail in a way the caller could act on, and batching
 * them saves a system call per change.  Their failures come back as
 * EV_ERROR entries among the events; EBADF and ENOENT only mean that the
 * fd was closed (close() removes its knotes) and are ignored.
 *
 * Edge-triggered interest maps to EV_CLEAR.  A kqueue is not inherited by
 * fork(), so the child builds a new one.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/event.h>
#include <sys/time.h>
#include <unistd.h>

#include "ev-backend.h"

/* Without EV_RECEIPT (older OpenBSD) interest growth is queued like the
 * removals, and its errors can only be logged at the next wait. */
#ifdef EV_RECEIPT
#define KQ_HAVE_RECEIPT 1
#else
#define KQ_HAVE_RECEIPT 0
#define EV_RECEIPT      0
#endif

#define KQ_INITIAL_EVENTS 64
#define KQ_MAX_EVENTS     4096

struct kq_state {
	struct ev_backend_base *base;
	const struct ev_backend_host *host;
	int kq;
	struct kevent *changes; /* removals not yet handed to the kernel */
	int nchanges;
	int changes_cap;
	struct kevent *events;
	int nevents;
};

/*
 * Some kqueue implementations (old macOS) accept changes they cannot
 * honour and never report them.  Adding an invalid fd must come back as
 * an EV_ERROR receipt with EBADF; anything else means this kqueue cannot
 * be trusted, and init fails so the loader moves on.
 */
static int kq_sane(int kq)
{
	const struct timespec zero = {0, 0};
	struct kevent ch, res;
	int n;

	EV_SET(&ch, (uintptr_t)-1, EVFILT_READ, EV_ADD | EV_RECEIPT, 0, 0, 0);
	memset(&res, 0, sizeof(res));
	n = kevent(kq, &ch, 1, &res, 1, &zero);
	if (n != 1 || !(res.flags & EV_ERROR) || res.ident != ch.ident ||
	    res.data != EBADF) {
		errno = ENOSYS;
		return -1;
	}
	return 0;
}

static int kq_init(struct ev_backend_base *base,
                   const struct ev_backend_host *host, void **statep)
{
	struct kq_state *st = calloc(1, sizeof(*st));
	int saved;

	if (st == NULL)
		return -1;
	st->kq = kqueue();
	if (st->kq < 0)
		goto fail;
	if (kq_sane(st->kq) < 0) {
		host->log(
		    base, EV_BACKEND_LOG_WARN,
		    "kqueue: does not report errors on bad fds; not used");
		goto fail;
	}
	st->nevents = KQ_INITIAL_EVENTS;
	st->events = calloc((size_t)st->nevents, sizeof(*st->events));
	if (st->events == NULL)
		goto fail;
	st->base = base;
	st->host = host;
	*statep = st;
	return 0;
fail:
	saved = errno;
	if (st->kq >= 0)
		close(st->kq);
	free(st);
	errno = saved;
	return -1;
}

static int kq_queue(struct kq_state *st, int fd, short filter,
                    unsigned short flags)
{
	if (st->nchanges == st->changes_cap) {
		int cap = st->changes_cap ? st->changes_cap * 2 : 64;
		struct kevent *p =
		    realloc(st->changes, (size_t)cap * sizeof(*p));
		if (p == NULL)
			return -1;
		st->changes = p;
		st->changes_cap = cap;
	}
	EV_SET(&st->changes[st->nchanges], (uintptr_t)fd, filter, flags, 0, 0,
	       0);
	st->nchanges++;
	return 0;
}

/*
 * A failed removal of a closed fd is expected; anything else is logged.
 * The kernel overwrites the flags of an error entry (FreeBSD leaves only
 * EV_ERROR), so the caller says whether the change was a removal.
 */
static void kq_change_failed(struct kq_state *st, const struct kevent *r,
                             int removal)
{
	int err = (int)r->data;

	if (err == 0)
		return;
	if (removal && (err == EBADF || err == ENOENT))
		return;
	st->host->log(st->base, EV_BACKEND_LOG_WARN,
	              "kevent: change of fd %d filter %d failed: %s",
	              (int)r->ident, (int)r->filter, strerror(err));
}

static int kq_del(void *state, int fd, int old_mask, int new_mask,
                  void *fdinfo);

static int kq_add(void *state, int fd, int old_mask, int new_mask, void *fdinfo)
{
	const struct timespec zero = {0, 0}; /* receipts only: never wait */
	struct kq_state *st = state;
	unsigned short clear = (new_mask & EV_BACKEND_ET) ? EV_CLEAR : 0;
	struct kevent ch[2], res[2];
	int n = 0, i, got, err = 0;

	(void)fdinfo;
	if (!KQ_HAVE_RECEIPT) {
		unsigned short add = EV_ADD | EV_ENABLE | clear;

		if ((new_mask & EV_BACKEND_READ) &&
		    kq_queue(st, fd, EVFILT_READ, add) < 0)
			return -1;
		if ((new_mask & EV_BACKEND_WRITE) &&
		    kq_queue(st, fd, EVFILT_WRITE, add) < 0)
			return -1;
		return kq_del(state, fd, old_mask, new_mask, fdinfo);
	}
	/* Removals still queued for this fd must reach the kernel before
	 * the new interest, or they would undo it. */
	for (i = 0; i < st->nchanges; i++)
		if (st->changes[i].ident == (uintptr_t)fd)
			break;
	if (i < st->nchanges) {
		struct kevent *r = calloc((size_t)st->nchanges, sizeof(*r));
		if (r == NULL)
			return -1;
		/* Receipts for all, so the call returns at once and takes no
		 * event meant for the next dispatch. */
		for (i = 0; i < st->nchanges; i++)
			st->changes[i].flags |= EV_RECEIPT;
		got = kevent(st->kq, st->changes, st->nchanges, r, st->nchanges,
		             &zero);
		for (i = 0; i < got; i++)
			if (r[i].flags & EV_ERROR)
				kq_change_failed(st, &r[i], 1);
		free(r);
		st->nchanges = 0;
	}
	if (new_mask & EV_BACKEND_READ)
		EV_SET(&ch[n++], (uintptr_t)fd, EVFILT_READ,
		       EV_ADD | EV_ENABLE | EV_RECEIPT | clear, 0, 0, 0);
	else if (old_mask & EV_BACKEND_READ)
		EV_SET(&ch[n++], (uintptr_t)fd, EVFILT_READ,
		       EV_DELETE | EV_RECEIPT, 0, 0, 0);
	if (new_mask & EV_BACKEND_WRITE)
		EV_SET(&ch[n++], (uintptr_t)fd, EVFILT_WRITE,
		       EV_ADD | EV_ENABLE | EV_RECEIPT | clear, 0, 0, 0);
	else if (old_mask & EV_BACKEND_WRITE)
		EV_SET(&ch[n++], (uintptr_t)fd, EVFILT_WRITE,
		       EV_DELETE | EV_RECEIPT, 0, 0, 0);
	if (n == 0)
		return 0; /* EV_CLOSED alone: kqueue reports it with EV_EOF */
	got = kevent(st->kq, ch, n, res, n, &zero);
	if (got < 0)
		return -1;
	/* Receipts come back in the order of the changes. */
	for (i = 0; i < got && i < n; i++) {
		int e = (res[i].flags & EV_ERROR) ? (int)res[i].data : 0;
		if (e == 0)
			continue;
		if (ch[i].flags & EV_DELETE) {
			kq_change_failed(st, &res[i], 1);
			continue;
		}
		err = e;
	}
	if (err) {
		errno = err;
		return -1;
	}
	return 0;
}

static int kq_del(void *state, int fd, int old_mask, int new_mask, void *fdinfo)
{
	struct kq_state *st = state;

	(void)fdinfo;
	if ((old_mask & EV_BACKEND_READ) && !(new_mask & EV_BACKEND_READ) &&
	    kq_queue(st, fd, EVFILT_READ, EV_DELETE) < 0)
		return -1;
	if ((old_mask & EV_BACKEND_WRITE) && !(new_mask & EV_BACKEND_WRITE) &&
	    kq_queue(st, fd, EVFILT_WRITE, EV_DELETE) < 0)
		return -1;
	return 0;
}

static int kq_dispatch(void *state, const struct timespec *timeout)
{
	struct kq_state *st = state;
	int i, n;

	/* The event list must hold an error entry for every change. */
	if (st->nchanges > st->nevents) {
		int want = st->nchanges;
		struct kevent *p =
		    realloc(st->events, (size_t)want * sizeof(*p));
		if (p == NULL)
			return -1;
		st->events = p;
		st->nevents = want;
	}
	n = kevent(st->kq, st->changes, st->nchanges, st->events, st->nevents,
	           timeout);
	/* Changes are applied even when the wait is interrupted. */
	st->nchanges = 0;
	if (n < 0)
		return errno == EINTR ? 0 : -1;
	for (i = 0; i < n; i++) {
		const struct kevent *e = &st->events[i];
		int what;

		if (e->flags & EV_ERROR) {
			/* Only removals travel with the wait. */
			kq_change_failed(st, e, 1);
			continue;
		}
		if (e->filter == EVFILT_READ)
			what = EV_BACKEND_READ;
		else if (e->filter == EVFILT_WRITE)
			what = EV_BACKEND_WRITE;
		else
			continue;
		if (e->flags & EV_EOF)
			what |= EV_BACKEND_CLOSED;
		st->host->fd_ready(st->base, (int)e->ident, what);
	}
	/* A full batch suggests more were waiting: take more next time. */
	if (n == st->nevents && st->nevents < KQ_MAX_EVENTS) {
		struct kevent *p =
		    realloc(st->events, 2 * (size_t)st->nevents * sizeof(*p));
		if (p != NULL) {
			st->events = p;
			st->nevents *= 2;
		}
	}
	return 0;
}

static void kq_dealloc(void *state)
{
	struct kq_state *st = state;

	close(st->kq);
	free(st->changes);
	free(st->events);
	free(st);
}

static int kq_reinit(void *state)
{
	struct kq_state *st = state;
	int kq = kqueue();

	if (kq < 0)
		return -1;
	/* The parent's kqueue was not inherited: its number is not ours to
	 * close.  Queued removals referred to it and are void. */
	st->kq = kq;
	st->nchanges = 0;
	return 0;
}

static const struct ev_backend_ops kqueue_ops = {
    .abi_version = EV_BACKEND_ABI_VERSION,
    .struct_size = sizeof(struct ev_backend_ops),
    .name = "kqueue",
    .features = EV_BACKEND_FEATURE_ET | EV_BACKEND_FEATURE_O1,
    .fdinfo_size = 0,
    .need_reinit = 1,
    .init = kq_init,         /* kqueue() + a check that errors are reported */
    .add = kq_add,           /* EV_ADD/EV_DELETE with EV_RECEIPT, at once */
    .del = kq_del,           /* EV_DELETE queued for the next wait */
    .dispatch = kq_dispatch, /* kevent: flush removals, then wait */
    .dealloc = kq_dealloc,
    .reinit = kq_reinit, /* a fresh kqueue in the child */
};

EV_BACKEND_EXPORT(kqueue, kqueue_ops)
