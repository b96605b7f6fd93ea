/*
 * backend-epoll: Linux epoll(7).
 *
 * The core tells us per fd what the interest was and what it becomes, so
 * each change is exactly one epoll_ctl.  Level-triggered unless the fd's
 * events asked for EV_ET.  An fd that was closed behind our back has
 * already left the epoll set (the kernel drops it with its last
 * reference), so ENOENT on MOD means "add it again" and EBADF/ENOENT on DEL
 * mean "already gone".
 *
 * Waiting uses epoll_pwait2(2) (Linux 5.11), whose timeout is a timespec:
 * a 300 us timer fires after about 300 us, not at the next whole
 * millisecond as with epoll_wait(2).  Where the kernel, a seccomp filter
 * or valgrind refuses it, the process falls back to epoll_wait with the
 * timeout rounded up to milliseconds.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "ev-backend.h"

#define EPOLL_INITIAL_EVENTS 64
#define EPOLL_MAX_EVENTS     4096

struct epoll_state {
	struct ev_backend_base *base;
	const struct ev_backend_host *host;
	int epfd;
	int nevents;
	struct epoll_event *events;
};

static int epoll_init(struct ev_backend_base *base,
                      const struct ev_backend_host *host, void **statep)
{
	struct epoll_state *st = calloc(1, sizeof(*st));

	if (st == NULL)
		return -1;
	st->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (st->epfd < 0)
		goto fail;
	st->nevents = EPOLL_INITIAL_EVENTS;
	st->events = calloc((size_t)st->nevents, sizeof(*st->events));
	if (st->events == NULL)
		goto fail;
	st->base = base;
	st->host = host;
	*statep = st;
	return 0;
fail:
	if (st->epfd >= 0)
		close(st->epfd);
	free(st);
	return -1;
}

static uint32_t epoll_mask(int mask)
{
	uint32_t e = 0;

	if (mask & EV_BACKEND_READ)
		e |= EPOLLIN;
	if (mask & EV_BACKEND_WRITE)
		e |= EPOLLOUT;
	if (mask & EV_BACKEND_CLOSED)
		e |= EPOLLRDHUP;
	if (mask & EV_BACKEND_ET)
		e |= EPOLLET;
	return e;
}

static int epoll_add(void *state, int fd, int old_mask, int new_mask,
                     void *fdinfo)
{
	struct epoll_state *st = state;
	struct epoll_event ev;
	int op = old_mask ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;

	(void)fdinfo;
	memset(&ev, 0, sizeof(ev));
	ev.events = epoll_mask(new_mask);
	ev.data.fd = fd;
	/* Unchanged interest: the core suspects the fd was closed and its
	 * number reused.  ADD settles it: it registers a new file, and fails
	 * with EEXIST, without polling the socket or touching the item, when
	 * the same file is still registered with this very mask.  MOD would
	 * poll the socket every time, which costs the next loop iterations
	 * dearly in evicted caches.  Edge-triggered fds keep MOD, which
	 * re-arms the edge as it always did. */
	if (old_mask == new_mask && !(new_mask & EV_BACKEND_ET)) {
		if (epoll_ctl(st->epfd, EPOLL_CTL_ADD, fd, &ev) == 0 ||
		    errno == EEXIST)
			return 0;
		return -1;
	}
	if (epoll_ctl(st->epfd, op, fd, &ev) == 0)
		return 0;
	/* The fd was closed and its number reused: register it afresh. */
	if (op == EPOLL_CTL_MOD && errno == ENOENT)
		return epoll_ctl(st->epfd, EPOLL_CTL_ADD, fd, &ev);
	/* Our view lagged behind (e.g. a dup'ed fd): update instead. */
	if (op == EPOLL_CTL_ADD && errno == EEXIST)
		return epoll_ctl(st->epfd, EPOLL_CTL_MOD, fd, &ev);
	return -1;
}

static int epoll_del(void *state, int fd, int old_mask, int new_mask,
                     void *fdinfo)
{
	struct epoll_state *st = state;
	struct epoll_event ev;

	(void)old_mask;
	(void)fdinfo;
	memset(&ev, 0, sizeof(ev));
	if (new_mask != 0) {
		ev.events = epoll_mask(new_mask);
		ev.data.fd = fd;
		if (epoll_ctl(st->epfd, EPOLL_CTL_MOD, fd, &ev) == 0)
			return 0;
	} else if (epoll_ctl(st->epfd, EPOLL_CTL_DEL, fd, &ev) == 0) {
		return 0;
	}
	if (errno == EBADF || errno == ENOENT || errno == EPERM)
		return 0;
	return -1;
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

#if defined(__GLIBC__) &&                                                      \
    (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 35))
#define HAVE_EPOLL_PWAIT2 1
/* Cleared for the whole process the first time the call is refused, so a
 * refusing environment is asked once, not once per base or per wait. */
static atomic_int pwait2_usable = 1;
#endif

static int wait_events(struct epoll_state *st, const struct timespec *timeout)
{
#ifdef HAVE_EPOLL_PWAIT2
	if (atomic_load_explicit(&pwait2_usable, memory_order_relaxed)) {
		int n = epoll_pwait2(st->epfd, st->events, st->nevents, timeout,
		                     NULL);

		/* ENOSYS: an older kernel (or valgrind); EPERM: a seccomp
		 * filter that does not know the call. */
		if (n >= 0 || (errno != ENOSYS && errno != EPERM))
			return n;
		atomic_store(&pwait2_usable, 0);
	}
#endif
	return epoll_wait(st->epfd, st->events, st->nevents,
	                  timeout_ms(timeout));
}

static int epoll_dispatch(void *state, const struct timespec *timeout)
{
	struct epoll_state *st = state;
	int i, n;

	n = wait_events(st, timeout);
	if (n < 0)
		return errno == EINTR ? 0 : -1;
	for (i = 0; i < n; i++) {
		uint32_t e = st->events[i].events;
		int what = 0;

		/* Errors and hang-ups wake both readers and writers, which
		 * then see the condition in read()/write(). */
		if (e & (EPOLLERR | EPOLLHUP))
			what |= EV_BACKEND_READ | EV_BACKEND_WRITE;
		if (e & EPOLLIN)
			what |= EV_BACKEND_READ;
		if (e & EPOLLOUT)
			what |= EV_BACKEND_WRITE;
		if (e & (EPOLLRDHUP | EPOLLHUP))
			what |= EV_BACKEND_CLOSED;
		st->host->fd_ready(st->base, st->events[i].data.fd, what);
	}
	/* A full batch suggests more were waiting: take more next time. */
	if (n == st->nevents && st->nevents < EPOLL_MAX_EVENTS) {
		struct epoll_event *bigger = realloc(
		    st->events, 2 * (size_t)st->nevents * sizeof(*bigger));
		if (bigger != NULL) {
			st->events = bigger;
			st->nevents *= 2;
		}
	}
	return 0;
}

static void epoll_dealloc(void *state)
{
	struct epoll_state *st = state;

	close(st->epfd);
	free(st->events);
	free(st);
}

static int epoll_reinit(void *state)
{
	struct epoll_state *st = state;
	int fd = epoll_create1(EPOLL_CLOEXEC);

	if (fd < 0)
		return -1;
	/* The parent's epoll set is shared with us; leave it to the parent. */
	close(st->epfd);
	st->epfd = fd;
	return 0;
}

static const struct ev_backend_ops epoll_ops = {
    .abi_version = EV_BACKEND_ABI_VERSION,
    .struct_size = sizeof(struct ev_backend_ops),
    .name = "epoll",
    .features = EV_BACKEND_FEATURE_ET | EV_BACKEND_FEATURE_O1 |
                EV_BACKEND_FEATURE_EARLY_CLOSE,
    .fdinfo_size = 0,
    .need_reinit = 1,
    .init = epoll_init,         /* epoll_create1 + event array */
    .add = epoll_add,           /* EPOLL_CTL_ADD, or MOD when old_mask != 0 */
    .del = epoll_del,           /* EPOLL_CTL_MOD, or DEL when new_mask == 0 */
    .dispatch = epoll_dispatch, /* epoll_pwait2, report each ready fd */
    .dealloc = epoll_dealloc,
    .reinit = epoll_reinit, /* a fresh epoll fd in the child */
};

EV_BACKEND_EXPORT(epoll, epoll_ops)
