/*
 * Test-only emulation of the Solaris /dev/poll driver on Linux epoll,
 * following poll(7d):
 *
 *  - writing an array of pollfd adds each fd to the set; an fd already in
 *    the set has the new events OR'ed into its old ones (so interest can
 *    only shrink by POLLREMOVE and adding again); POLLREMOVE of an fd not
 *    in the set is not an error; a length that is not a whole number of
 *    pollfd is EINVAL;
 *  - ioctl(DP_POLL) waits up to dp_timeout ms and fills dp_fds with the
 *    ready fds and their revents (level-triggered, like poll(2)); an fd
 *    that was not open when written is reported with POLLNVAL;
 *  - ioctl(DP_ISPOLLED) returns 1 and the events when the fd is in the set;
 *  - closing an fd removes it from the set;
 *  - after fork() the child may not use the parent's descriptor (EACCES).
 *
 * Registrations are EPOLLONESHOT and re-armed at the next DP_POLL, which
 * keeps poll(2)'s level semantics and means a registration epoll still
 * holds for a file whose fd was closed while a dup kept it open (epoll
 * cannot drop it through the old number) fires at most once, and is
 * then ignored because the fd's identity changed.
 *
 * Each /dev/poll descriptor is an epoll descriptor, so close() and fd
 * numbers behave as they would.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>

#include "sys/devpoll.h"

#undef open
#undef write
#undef ioctl
#undef close

#define WAIT_BATCH 64

struct member {
	short events; /* 0: not in the set */
	int nval;     /* not open when written: reported as POLLNVAL */
	int always;   /* epoll refuses it (regular file): always ready */
	int in_epoll;
	dev_t dev;
	ino_t ino;
	uint32_t gen;
};

struct devpoll {
	int epfd;
	pid_t owner;
	uint32_t gen;
	struct member *fds;
	int nfds;
	int nspecial; /* members with nval or always set */
	int *rearm;   /* fds reported by the last DP_POLL */
	int nrearm;
	int rearm_cap;
};

static pthread_mutex_t dp_lock = PTHREAD_MUTEX_INITIALIZER;
static struct devpoll **dps; /* indexed by the epoll fd */
static int ndps;

static struct devpoll *dp_lookup(int fd)
{
	return fd >= 0 && fd < ndps ? dps[fd] : NULL;
}

/* The test module is unloaded with the last base that used it. */
__attribute__((destructor)) static void dp_unload(void)
{
	int i;

	for (i = 0; i < ndps; i++) {
		if (dps[i] == NULL)
			continue;
		free(dps[i]->rearm);
		free(dps[i]->fds);
		free(dps[i]);
	}
	free(dps);
	dps = NULL;
	ndps = 0;
}

int ev_emul_devpoll_open(const char *path, int flags, ...)
{
	struct devpoll *d;
	mode_t mode = 0;
	int fd;

	if (flags & O_CREAT) {
		va_list ap;
		va_start(ap, flags);
		mode = (mode_t)va_arg(ap, int);
		va_end(ap);
	}
	if (path == NULL || strcmp(path, "/dev/poll") != 0)
		return open(path, flags, mode);
	if ((flags & O_ACCMODE) != O_RDWR) {
		errno = EACCES;
		return -1;
	}
	if ((d = calloc(1, sizeof(*d))) == NULL)
		return -1;
	fd = epoll_create1((flags & O_CLOEXEC) ? EPOLL_CLOEXEC : 0);
	if (fd < 0) {
		free(d);
		return -1;
	}
	d->epfd = fd;
	d->owner = getpid();
	pthread_mutex_lock(&dp_lock);
	if (fd >= ndps) {
		int n = fd + 16;
		struct devpoll **p = realloc(dps, (size_t)n * sizeof(*p));
		if (p == NULL) {
			pthread_mutex_unlock(&dp_lock);
			close(fd);
			free(d);
			errno = ENOMEM;
			return -1;
		}
		memset(p + ndps, 0, (size_t)(n - ndps) * sizeof(*p));
		dps = p;
		ndps = n;
	}
	if (dps[fd] != NULL) {
		free(dps[fd]->rearm);
		free(dps[fd]->fds);
		free(dps[fd]);
	}
	dps[fd] = d;
	pthread_mutex_unlock(&dp_lock);
	return fd;
}

int ev_emul_devpoll_close(int fd)
{
	struct devpoll *d;

	pthread_mutex_lock(&dp_lock);
	if ((d = dp_lookup(fd)) != NULL) {
		dps[fd] = NULL;
		free(d->rearm);
		free(d->fds);
		free(d);
	}
	pthread_mutex_unlock(&dp_lock);
	return close(fd);
}

static void member_clear(struct devpoll *d, int fd)
{
	struct member *m = &d->fds[fd];
	struct epoll_event ev;

	if (m->in_epoll)
		epoll_ctl(d->epfd, EPOLL_CTL_DEL, fd, &ev);
	if (m->nval || m->always)
		d->nspecial--;
	memset(m, 0, sizeof(*m));
}

static int member_sync(struct devpoll *d, int fd)
{
	struct member *m = &d->fds[fd];
	struct epoll_event ev;

	memset(&ev, 0, sizeof(ev));
	if (m->events & (POLLIN | POLLRDNORM))
		ev.events |= EPOLLIN;
	if (m->events & POLLPRI)
		ev.events |= EPOLLPRI;
	if (m->events & (POLLOUT | POLLWRNORM))
		ev.events |= EPOLLOUT;
	ev.events |= EPOLLONESHOT;
	ev.data.u64 = ((uint64_t)m->gen << 32) | (uint32_t)fd;
	if (epoll_ctl(d->epfd, m->in_epoll ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, fd,
	              &ev) == 0) {
		m->in_epoll = 1;
		return 0;
	}
	if (errno == EPERM) {
		m->always = 1;
		d->nspecial++;
		return 0;
	}
	return -1;
}

static int dp_add(struct devpoll *d, const struct pollfd *p)
{
	struct member *m;
	struct stat st;
	int fd = p->fd;

	if (fd < 0)
		return 0; /* poll(2) ignores negative fds too */
	if (fd >= d->nfds) {
		int n = fd < 64 ? 64 : fd + fd / 2 + 1;
		struct member *a = realloc(d->fds, (size_t)n * sizeof(*a));
		if (a == NULL)
			return -1;
		memset(a + d->nfds, 0, (size_t)(n - d->nfds) * sizeof(*a));
		d->fds = a;
		d->nfds = n;
	}
	m = &d->fds[fd];
	if (p->events & POLLREMOVE) {
		member_clear(d, fd);
		return 0;
	}
	if (fstat(fd, &st) < 0) {
		member_clear(d, fd);
		m->events = (short)(p->events ? p->events : POLLERR);
		m->nval = 1;
		d->nspecial++;
		return 0;
	}
	/* A member whose file was closed left the set with it. */
	if (m->events &&
	    (m->nval || m->dev != st.st_dev || m->ino != st.st_ino))
		member_clear(d, fd);
	if (!m->events) {
		m->gen = ++d->gen;
		m->dev = st.st_dev;
		m->ino = st.st_ino;
	}
	m->events |= p->events;
	if (!m->events)
		m->events = POLLERR; /* in the set, errors only */
	if (m->always)
		return 0;
	return member_sync(d, fd);
}

ssize_t ev_emul_devpoll_write(int fd, const void *buf, size_t len)
{
	const struct pollfd *p = buf;
	struct devpoll *d;
	size_t i;

	pthread_mutex_lock(&dp_lock);
	if ((d = dp_lookup(fd)) == NULL) {
		pthread_mutex_unlock(&dp_lock);
		return write(fd, buf, len);
	}
	if (d->owner != getpid() || len % sizeof(*p) != 0) {
		errno = d->owner != getpid() ? EACCES : EINVAL;
		pthread_mutex_unlock(&dp_lock);
		return -1;
	}
	for (i = 0; i < len / sizeof(*p); i++) {
		if (dp_add(d, &p[i]) < 0) {
			int saved = errno;
			pthread_mutex_unlock(&dp_lock);
			errno = saved;
			return -1;
		}
	}
	pthread_mutex_unlock(&dp_lock);
	return (ssize_t)len;
}

static int dp_special(struct devpoll *d, struct pollfd *out, int room)
{
	int fd, n = 0;

	for (fd = 0; fd < d->nfds && n < room && d->nspecial > 0; fd++) {
		struct member *m = &d->fds[fd];
		short r;

		if (!m->events || !(m->nval || m->always))
			continue;
		r = m->nval ? POLLNVAL
		            : (short)(m->events & (POLLIN | POLLRDNORM |
		                                   POLLOUT | POLLWRNORM));
		if (r == 0)
			continue;
		out[n].fd = fd;
		out[n].events = m->events;
		out[n].revents = r;
		n++;
	}
	return n;
}

/* Re-arms the one-shot registrations the last DP_POLL reported, if the
 * fd still names the file it was written with. */
static void dp_rearm(struct devpoll *d)
{
	int i;

	for (i = 0; i < d->nrearm; i++) {
		int fd = d->rearm[i];
		struct member *m = &d->fds[fd];
		struct stat st;

		if (!m->events || !m->in_epoll)
			continue;
		if (fstat(fd, &st) < 0 || m->dev != st.st_dev ||
		    m->ino != st.st_ino) {
			member_clear(d, fd);
			continue;
		}
		member_sync(d, fd);
	}
	d->nrearm = 0;
}

static int dp_reported(struct devpoll *d, int fd)
{
	if (d->nrearm == d->rearm_cap) {
		int cap = d->rearm_cap ? d->rearm_cap * 2 : 64;
		int *p = realloc(d->rearm, (size_t)cap * sizeof(*p));
		if (p == NULL)
			return -1;
		d->rearm = p;
		d->rearm_cap = cap;
	}
	d->rearm[d->nrearm++] = fd;
	return 0;
}

static int dp_poll(struct devpoll *d, struct dvpoll *dv)
{
	struct epoll_event ep[WAIT_BATCH];
	int n, i, got, room, ms = dv->dp_timeout;

	if (dv->dp_nfds == 0 || dv->dp_fds == NULL) {
		errno = EINVAL;
		return -1;
	}
	dp_rearm(d);
	room = dv->dp_nfds > INT_MAX ? INT_MAX : (int)dv->dp_nfds;
	n = dp_special(d, dv->dp_fds, room);
	if (n > 0)
		ms = 0;
	if (n == room)
		return n;
	pthread_mutex_unlock(&dp_lock);
	got = epoll_wait(d->epfd, ep,
	                 room - n < WAIT_BATCH ? room - n : WAIT_BATCH, ms);
	pthread_mutex_lock(&dp_lock);
	if (got < 0)
		return n > 0 ? n : -1;
	if (dp_lookup(d->epfd) != d) {
		errno = EBADF;
		return -1;
	}
	for (i = 0; i < got; i++) {
		int fd = (int)(uint32_t)ep[i].data.u64;
		uint32_t e = ep[i].events;
		struct member *m;
		struct stat st;
		short r = 0;

		if (fd >= d->nfds)
			continue;
		m = &d->fds[fd];
		if (!m->events || m->gen != (uint32_t)(ep[i].data.u64 >> 32))
			continue;
		if (fstat(fd, &st) < 0 || m->dev != st.st_dev ||
		    m->ino != st.st_ino) {
			/* Closed since it was written: out of the set. */
			member_clear(d, fd);
			continue;
		}
		if (dp_reported(d, fd) < 0) {
			/* Cannot remember to re-arm it: do it now. */
			member_sync(d, fd);
		}
		if (e & EPOLLIN)
			r |= m->events & (POLLIN | POLLRDNORM);
		if (e & EPOLLPRI)
			r |= POLLPRI;
		if (e & EPOLLOUT)
			r |= m->events & (POLLOUT | POLLWRNORM);
		if (e & EPOLLERR)
			r |= POLLERR;
		if (e & EPOLLHUP)
			r |= POLLHUP;
		if (r == 0)
			continue;
		dv->dp_fds[n].fd = fd;
		dv->dp_fds[n].events = m->events;
		dv->dp_fds[n].revents = r;
		n++;
	}
	return n;
}

int ev_emul_devpoll_ioctl(int fd, unsigned long request, ...)
{
	struct devpoll *d;
	va_list ap;
	void *arg;
	int r;

	va_start(ap, request);
	arg = va_arg(ap, void *);
	va_end(ap);
	pthread_mutex_lock(&dp_lock);
	if ((d = dp_lookup(fd)) == NULL) {
		pthread_mutex_unlock(&dp_lock);
		return ioctl(fd, request, arg);
	}
	if (d->owner != getpid()) {
		pthread_mutex_unlock(&dp_lock);
		errno = EACCES;
		return -1;
	}
	if (request == DP_POLL) {
		r = dp_poll(d, arg);
	} else if (request == DP_ISPOLLED) {
		struct pollfd *p = arg;
		struct stat st;
		struct member *m =
		    p->fd >= 0 && p->fd < d->nfds ? &d->fds[p->fd] : NULL;
		r = 0;
		if (m != NULL && m->events &&
		    (m->nval || (fstat(p->fd, &st) == 0 &&
		                 m->dev == st.st_dev && m->ino == st.st_ino))) {
			p->revents = m->events;
			r = 1;
		}
	} else {
		errno = EINVAL;
		r = -1;
	}
	if (r < 0) {
		int saved = errno;
		pthread_mutex_unlock(&dp_lock);
		errno = saved;
		return -1;
	}
	pthread_mutex_unlock(&dp_lock);
	return r;
}
