/*
 * Test-only emulation of Solaris/illumos event ports on Linux epoll,
 * following the port_create(3C), port_associate(3C), port_get(3C),
 * port_send(3C) and port_alert(3C) manual pages:
 *
 *  - PORT_SOURCE_FD associations are one-shot: once an event is retrieved
 *    the fd is no longer associated (epoll's EPOLLONESHOT plus a removal);
 *    associating again replaces the events; an fd already ready is posted
 *    at once; closing the fd removes its association;
 *  - port_dissociate fails with ENOENT when there is no association and
 *    EBADFD when the object is not an open fd;
 *  - port_getn waits until *nget events are available; when the timeout
 *    expires first it fails with ETIME and *nget says how many events were
 *    retrieved anyway (partial results); *nget > max is EINVAL; max 0
 *    returns the number of events available without retrieving any;
 *  - port_send posts PORT_SOURCE_USER events; in alert mode every
 *    retrieval returns the PORT_SOURCE_ALERT event at once.
 *
 * A port is an epoll fd, so close() works on it as on Solaris.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "port.h"

#define USER_TAG   UINT64_MAX
#define WAIT_BATCH 64

struct assoc {
	int events; /* poll(2) events; 0 when not associated */
	void *user;
	dev_t dev;
	ino_t ino;
	uint32_t gen;
};

struct uevent {
	struct uevent *next;
	int events;
	void *user;
};

struct port {
	int epfd;
	int efd; /* wakes waiters for user events and alerts */
	uint32_t gen;
	struct assoc *fds;
	int nfds;
	struct uevent *uhead, **utail;
	int alert;
	int alert_events;
	void *alert_user;
};

static pthread_mutex_t port_lock = PTHREAD_MUTEX_INITIALIZER;
static struct port **ports; /* indexed by the epoll fd that is the port fd */
static int nports;

static void port_free(struct port *p)
{
	while (p->uhead) {
		struct uevent *u = p->uhead;
		p->uhead = u->next;
		free(u);
	}
	close(p->efd);
	free(p->fds);
	free(p);
}

/*
 * The test module is unloaded with the last base that used it: whatever a
 * port closed with plain close() left in the table goes with it.
 */
__attribute__((destructor)) static void port_unload(void)
{
	int i;

	for (i = 0; i < nports; i++)
		if (ports[i] != NULL)
			port_free(ports[i]);
	free(ports);
	ports = NULL;
	nports = 0;
}

int port_create(void)
{
	struct epoll_event ev = {.events = EPOLLIN};
	struct port *p = calloc(1, sizeof(*p));
	int fd;

	if (p == NULL)
		return -1;
	p->utail = &p->uhead;
	p->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	fd = epoll_create1(EPOLL_CLOEXEC);
	ev.data.u64 = USER_TAG;
	if (p->efd < 0 || fd < 0 ||
	    epoll_ctl(fd, EPOLL_CTL_ADD, p->efd, &ev) < 0)
		goto fail;
	p->epfd = fd;
	pthread_mutex_lock(&port_lock);
	if (fd >= nports) {
		int n = fd + 16;
		struct port **np = realloc(ports, (size_t)n * sizeof(*np));
		if (np == NULL) {
			pthread_mutex_unlock(&port_lock);
			errno = ENOMEM;
			goto fail;
		}
		memset(np + nports, 0, (size_t)(n - nports) * sizeof(*np));
		ports = np;
		nports = n;
	}
	/* A stale entry: the program closed an old port with close(). */
	if (ports[fd] != NULL)
		port_free(ports[fd]);
	ports[fd] = p;
	pthread_mutex_unlock(&port_lock);
	return fd;
fail:
	if (fd >= 0)
		close(fd);
	if (p->efd >= 0)
		close(p->efd);
	free(p);
	return -1;
}

/* Looks up a port and takes the lock; NULL (EBADF) when there is none. */
static struct port *port_lookup(int port)
{
	struct port *p;

	pthread_mutex_lock(&port_lock);
	p = port >= 0 && port < nports ? ports[port] : NULL;
	if (p == NULL) {
		pthread_mutex_unlock(&port_lock);
		errno = EBADF;
	}
	return p;
}

static int fail_unlock(int err)
{
	pthread_mutex_unlock(&port_lock);
	errno = err;
	return -1;
}

static uint32_t to_epoll(int ev)
{
	uint32_t e = 0;

	if (ev & (POLLIN | POLLRDNORM))
		e |= EPOLLIN;
	if (ev & POLLPRI)
		e |= EPOLLPRI;
	if (ev & (POLLOUT | POLLWRNORM))
		e |= EPOLLOUT;
	return e;
}

static int from_epoll(uint32_t e, int asked)
{
	int r = 0;

	if (e & EPOLLIN)
		r |= asked & (POLLIN | POLLRDNORM);
	if (e & EPOLLPRI)
		r |= POLLPRI;
	if (e & EPOLLOUT)
		r |= asked & (POLLOUT | POLLWRNORM);
	if (e & EPOLLERR)
		r |= POLLERR;
	if (e & EPOLLHUP)
		r |= POLLHUP;
	return r;
}

/* Finds the association of an open fd, dropping one left by a closed file
 * whose number was reused.  Returns an errno. */
static int assoc_find(struct port *p, int fd, struct stat *st, int grow)
{
	if (fd < 0 || fstat(fd, st) < 0)
		return EBADFD;
	if (fd >= p->nfds) {
		int n = fd < 64 ? 64 : fd + fd / 2 + 1;
		struct assoc *a;
		if (!grow)
			return ENOENT;
		a = realloc(p->fds, (size_t)n * sizeof(*a));
		if (a == NULL)
			return ENOMEM;
		memset(a + p->nfds, 0, (size_t)(n - p->nfds) * sizeof(*a));
		p->fds = a;
		p->nfds = n;
	}
	if (p->fds[fd].events &&
	    (p->fds[fd].dev != st->st_dev || p->fds[fd].ino != st->st_ino))
		memset(&p->fds[fd], 0, sizeof(p->fds[fd]));
	return 0;
}

int port_associate(int port, int source, uintptr_t object, int events,
                   void *user)
{
	struct epoll_event ev;
	struct port *p;
	struct assoc *a;
	struct stat st;
	int fd, err, op;

	if ((p = port_lookup(port)) == NULL)
		return -1;
	if (source != PORT_SOURCE_FD)
		return fail_unlock(EINVAL);
	if (object > INT_MAX)
		return fail_unlock(EBADFD);
	fd = (int)object;
	if ((err = assoc_find(p, fd, &st, 1)) != 0)
		return fail_unlock(err);
	if (to_epoll(events) == 0 && events != 0)
		return fail_unlock(EINVAL);
	a = &p->fds[fd];
	memset(&ev, 0, sizeof(ev));
	ev.events = to_epoll(events) | EPOLLONESHOT;
	op = a->events ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;
	if (!a->events)
		a->gen = ++p->gen;
	ev.data.u64 = ((uint64_t)a->gen << 32) | (uint32_t)fd;
	if (epoll_ctl(p->epfd, op, fd, &ev) < 0) {
		if (op == EPOLL_CTL_MOD && errno == ENOENT)
			op = EPOLL_CTL_ADD;
		else if (op == EPOLL_CTL_ADD && errno == EEXIST)
			op = EPOLL_CTL_MOD;
		else
			return fail_unlock(errno == EPERM ? EINVAL : errno);
		if (epoll_ctl(p->epfd, op, fd, &ev) < 0)
			return fail_unlock(errno == EPERM ? EINVAL : errno);
	}
	/* poll(2) always reports errors and hang-ups: keep an event mask
	 * even when none was asked for. */
	a->events = events ? events : POLLERR;
	a->user = user;
	a->dev = st.st_dev;
	a->ino = st.st_ino;
	pthread_mutex_unlock(&port_lock);
	return 0;
}

static void assoc_drop(struct port *p, int fd)
{
	struct epoll_event ev;

	epoll_ctl(p->epfd, EPOLL_CTL_DEL, fd, &ev);
	memset(&p->fds[fd], 0, sizeof(p->fds[fd]));
}

int port_dissociate(int port, int source, uintptr_t object)
{
	struct port *p;
	struct stat st;
	int fd, err;

	if ((p = port_lookup(port)) == NULL)
		return -1;
	if (source != PORT_SOURCE_FD)
		return fail_unlock(EINVAL);
	if (object > INT_MAX)
		return fail_unlock(EBADFD);
	fd = (int)object;
	if ((err = assoc_find(p, fd, &st, 0)) != 0)
		return fail_unlock(err);
	if (!p->fds[fd].events)
		return fail_unlock(ENOENT);
	assoc_drop(p, fd);
	pthread_mutex_unlock(&port_lock);
	return 0;
}

static void wake(struct port *p)
{
	uint64_t one = 1;

	if (write(p->efd, &one, sizeof(one)) < 0) {
		/* The counter is saturated: waiters are awake anyway. */
	}
}

int port_send(int port, int events, void *user)
{
	struct uevent *u;
	struct port *p;

	if ((p = port_lookup(port)) == NULL)
		return -1;
	if ((u = calloc(1, sizeof(*u))) == NULL)
		return fail_unlock(EAGAIN);
	u->events = events;
	u->user = user;
	*p->utail = u;
	p->utail = &u->next;
	wake(p);
	pthread_mutex_unlock(&port_lock);
	return 0;
}

int port_alert(int port, int flags, int events, void *user)
{
	struct port *p;

	if ((p = port_lookup(port)) == NULL)
		return -1;
	if (flags != PORT_ALERT_SET && flags != PORT_ALERT_UPDATE)
		return fail_unlock(EINVAL);
	if (flags == PORT_ALERT_UPDATE && p->alert)
		return fail_unlock(EBUSY);
	p->alert = events != 0;
	p->alert_events = events;
	p->alert_user = user;
	if (p->alert)
		wake(p);
	pthread_mutex_unlock(&port_lock);
	return 0;
}

static int take_user(struct port *p, port_event_t *list, unsigned room)
{
	unsigned n = 0;
	uint64_t cnt;

	while (p->uhead && n < room) {
		struct uevent *u = p->uhead;
		list[n].portev_events = u->events;
		list[n].portev_source = PORT_SOURCE_USER;
		list[n].portev_pad = 0;
		list[n].portev_object = (uintptr_t)getpid();
		list[n].portev_user = u->user;
		n++;
		p->uhead = u->next;
		free(u);
	}
	if (p->uhead == NULL) {
		p->utail = &p->uhead;
		if (read(p->efd, &cnt, sizeof(cnt)) < 0) {
			/* Already drained. */
		}
	}
	return (int)n;
}

/* max == 0: how many events could be retrieved now, without taking any. */
static unsigned count_ready(struct port *p)
{
	unsigned n = 0;
	struct uevent *u;
	int fd;

	for (u = p->uhead; u; u = u->next)
		n++;
	for (fd = 0; fd < p->nfds; fd++) {
		struct pollfd pfd = {.fd = fd, .events = 0};
		if (!p->fds[fd].events)
			continue;
		pfd.events = (short)p->fds[fd].events;
		if (poll(&pfd, 1, 0) == 1)
			n++;
	}
	return n;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int port_getn(int port, port_event_t list[], uint_t max, uint_t *nget,
              const timespec_t *timeout)
{
	struct epoll_event ep[WAIT_BATCH];
	long long deadline = -1;
	unsigned n = 0, want;
	struct port *p;
	int i, got, ms;

	if (timeout != NULL) {
		if (timeout->tv_sec < 0 || timeout->tv_nsec < 0 ||
		    timeout->tv_nsec >= 1000000000) {
			errno = EINVAL;
			return -1;
		}
		deadline = now_ms() + (long long)timeout->tv_sec * 1000 +
		           (timeout->tv_nsec + 999999) / 1000000;
	}
	if ((p = port_lookup(port)) == NULL)
		return -1;
	if (nget == NULL || (max > 0 && list == NULL))
		return fail_unlock(EFAULT);
	if (max == 0) {
		*nget = count_ready(p);
		pthread_mutex_unlock(&port_lock);
		return 0;
	}
	if (*nget > max)
		return fail_unlock(EINVAL);
	want = *nget ? *nget : 1;
	for (;;) {
		if (p->alert) {
			list[0].portev_events = p->alert_events;
			list[0].portev_source = PORT_SOURCE_ALERT;
			list[0].portev_pad = 0;
			list[0].portev_object = (uintptr_t)port;
			list[0].portev_user = p->alert_user;
			*nget = 1;
			pthread_mutex_unlock(&port_lock);
			return 0;
		}
		n += (unsigned)take_user(p, list + n, max - n);
		if (n == max)
			break;
		if (n >= want) {
			ms = 0;
		} else if (deadline < 0) {
			ms = -1;
		} else {
			long long left = deadline - now_ms();
			ms = left <= 0        ? 0
			     : left > INT_MAX ? INT_MAX
			                      : (int)left;
		}
		pthread_mutex_unlock(&port_lock);
		got = epoll_wait(
		    port, ep,
		    max - n < WAIT_BATCH ? (int)(max - n) : WAIT_BATCH, ms);
		if (got < 0) {
			*nget = n;
			return -1; /* EINTR: partial results stand */
		}
		pthread_mutex_lock(&port_lock);
		if (port >= nports || ports[port] != p) {
			*nget = n;
			return fail_unlock(EBADF);
		}
		for (i = 0; i < got; i++) {
			int fd = (int)(uint32_t)ep[i].data.u64;
			struct assoc *a;
			struct stat st;

			if (ep[i].data.u64 == USER_TAG)
				continue;
			if (fd >= p->nfds)
				continue;
			a = &p->fds[fd];
			if (!a->events ||
			    a->gen != (uint32_t)(ep[i].data.u64 >> 32))
				continue;
			if (fstat(fd, &st) < 0 || st.st_dev != a->dev ||
			    st.st_ino != a->ino) {
				/* Closed since (a dup kept the file, and so
				 * epoll's registration, alive). */
				memset(a, 0, sizeof(*a));
				continue;
			}
			list[n].portev_events =
			    from_epoll(ep[i].events, a->events);
			list[n].portev_source = PORT_SOURCE_FD;
			list[n].portev_pad = 0;
			list[n].portev_object = (uintptr_t)fd;
			list[n].portev_user = a->user;
			n++;
			/* Delivered: the fd is no longer associated. */
			assoc_drop(p, fd);
		}
		if (n >= want || ms == 0)
			break;
	}
	*nget = n;
	if (n < want)
		return fail_unlock(ETIME);
	pthread_mutex_unlock(&port_lock);
	return 0;
}

int port_get(int port, port_event_t *pe, const timespec_t *timeout)
{
	uint_t nget = 1;

	if (port_getn(port, pe, 1, &nget, timeout) < 0)
		return -1;
	return 0;
}
