/*
 * backend-evport: Solaris/illumos event ports (port_create(3C)).
 *
 * An fd association is one-shot: once the port delivers an event for it
 * the fd is no longer associated.  The backend therefore remembers every
 * fd's interest and, after an event, re-associates the fd at the start of
 * the next dispatch, by which time the callbacks have run and may have
 * changed or dropped the interest (a closed fd is then simply not
 * re-associated).  port_getn() may fail with ETIME or EINTR and still have
 * retrieved events: those are reported too, or their fds would be lost.
 *
 * Level-triggered only; poll(2) has no "peer closed" bit here.
 */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <port.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ev-backend.h"

#define EVPORT_INITIAL_EVENTS 64
#define EVPORT_MAX_EVENTS     4096

struct evport_state {
	struct ev_backend_base *base;
	const struct ev_backend_host *host;
	int port;
	port_event_t *events;
	int nevents;
	unsigned char *interest; /* fd -> EV_BACKEND_READ|WRITE wanted */
	unsigned char *fired;    /* fd -> 1 while waiting to re-associate */
	int nfds;
	int *refire; /* fds to re-associate before the next wait */
	int nrefire;
	int refire_cap;
};

static int evport_init(struct ev_backend_base *base,
                       const struct ev_backend_host *host, void **statep)
{
	struct evport_state *st = calloc(1, sizeof(*st));
	int saved;

	if (st == NULL)
		return -1;
	st->port = port_create();
	if (st->port < 0)
		goto fail;
	st->nevents = EVPORT_INITIAL_EVENTS;
	st->events = calloc((size_t)st->nevents, sizeof(*st->events));
	if (st->events == NULL)
		goto fail;
	st->base = base;
	st->host = host;
	*statep = st;
	return 0;
fail:
	saved = errno;
	if (st->port >= 0)
		close(st->port);
	free(st);
	errno = saved;
	return -1;
}

static int evport_reserve(struct evport_state *st, int fd)
{
	unsigned char *a, *b;
	int n;

	if (fd < st->nfds)
		return 0;
	n = fd < 64 ? 64 : (fd > INT_MAX / 2 ? fd + 1 : fd * 2);
	a = realloc(st->interest, (size_t)n);
	if (a == NULL)
		return -1;
	st->interest = a;
	b = realloc(st->fired, (size_t)n);
	if (b == NULL)
		return -1;
	st->fired = b;
	memset(a + st->nfds, 0, (size_t)(n - st->nfds));
	memset(b + st->nfds, 0, (size_t)(n - st->nfds));
	st->nfds = n;
	return 0;
}

static int evport_events(int mask)
{
	int e = 0;

	if (mask & EV_BACKEND_READ)
		e |= POLLIN;
	if (mask & EV_BACKEND_WRITE)
		e |= POLLOUT;
	return e;
}

static int evport_associate(struct evport_state *st, int fd)
{
	return port_associate(st->port, PORT_SOURCE_FD, (uintptr_t)fd,
	                      evport_events(st->interest[fd]), NULL);
}

static int evport_add(void *state, int fd, int old_mask, int new_mask,
                      void *fdinfo)
{
	struct evport_state *st = state;

	(void)old_mask;
	(void)fdinfo;
	if (evport_reserve(st, fd) < 0)
		return -1;
	st->interest[fd] =
	    (unsigned char)(new_mask & (EV_BACKEND_READ | EV_BACKEND_WRITE));
	if (st->interest[fd] == 0)
		return 0; /* EV_CLOSED alone: nothing a port can watch */
	/* Associating again replaces the events of a live association. */
	return evport_associate(st, fd);
}

static int evport_del(void *state, int fd, int old_mask, int new_mask,
                      void *fdinfo)
{
	struct evport_state *st = state;

	(void)old_mask;
	(void)fdinfo;
	if (fd >= st->nfds)
		return 0;
	st->interest[fd] =
	    (unsigned char)(new_mask & (EV_BACKEND_READ | EV_BACKEND_WRITE));
	if (st->interest[fd] != 0) {
		if (evport_associate(st, fd) == 0)
			return 0;
	} else if (port_dissociate(st->port, PORT_SOURCE_FD, (uintptr_t)fd) ==
	           0) {
		return 0;
	}
	/* Closed (EBADFD/EBADF) or already delivered and not re-associated
	 * (ENOENT): either way there is nothing left to remove. */
	if (errno == EBADFD || errno == EBADF || errno == ENOENT)
		return 0;
	return -1;
}

/* Re-associates the fds whose events were delivered by the last wait. */
static void evport_refire(struct evport_state *st)
{
	int i;

	for (i = 0; i < st->nrefire; i++) {
		int fd = st->refire[i];

		st->fired[fd] = 0;
		if (st->interest[fd] == 0)
			continue;
		if (evport_associate(st, fd) < 0)
			st->host->log(st->base, EV_BACKEND_LOG_WARN,
			              "port_associate(%d) failed: %s", fd,
			              strerror(errno));
	}
	st->nrefire = 0;
}

static int evport_remember(struct evport_state *st, int fd)
{
	if (st->fired[fd])
		return 0;
	if (st->nrefire == st->refire_cap) {
		int cap = st->refire_cap ? st->refire_cap * 2 : 64;
		int *p = realloc(st->refire, (size_t)cap * sizeof(*p));
		if (p == NULL)
			return -1;
		st->refire = p;
		st->refire_cap = cap;
	}
	st->refire[st->nrefire++] = fd;
	st->fired[fd] = 1;
	return 0;
}

static int evport_dispatch(void *state, const struct timespec *timeout)
{
	struct evport_state *st = state;
	uint_t i, nget = 1;
	int r, err = 0;

	evport_refire(st);
	/* Older Solaris headers lack the const on the timeout. */
	r = port_getn(st->port, st->events, (uint_t)st->nevents, &nget,
	              (struct timespec *)(uintptr_t)timeout);
	if (r < 0) {
		err = errno;
		/* ETIME and EINTR may come with events retrieved. */
		if (err != ETIME && err != EINTR)
			return -1;
	}
	for (i = 0; i < nget && i < (uint_t)st->nevents; i++) {
		const port_event_t *e = &st->events[i];
		int fd = (int)e->portev_object, what = 0;

		if (e->portev_source != PORT_SOURCE_FD || fd < 0 ||
		    fd >= st->nfds)
			continue;
		if (e->portev_events & (POLLERR | POLLHUP | POLLNVAL))
			what |= EV_BACKEND_READ | EV_BACKEND_WRITE;
		if (e->portev_events & POLLIN)
			what |= EV_BACKEND_READ;
		if (e->portev_events & POLLOUT)
			what |= EV_BACKEND_WRITE;
		if (evport_remember(st, fd) < 0) {
			/* No room to defer it: re-associate now. */
			if (st->interest[fd])
				evport_associate(st, fd);
		}
		st->host->fd_ready(st->base, fd, what);
	}
	/* A full batch suggests more were waiting: take more next time. */
	if (nget == (uint_t)st->nevents && st->nevents < EVPORT_MAX_EVENTS) {
		port_event_t *p =
		    realloc(st->events, 2 * (size_t)st->nevents * sizeof(*p));
		if (p != NULL) {
			st->events = p;
			st->nevents *= 2;
		}
	}
	return 0;
}

static void evport_dealloc(void *state)
{
	struct evport_state *st = state;

	close(st->port);
	free(st->events);
	free(st->interest);
	free(st->fired);
	free(st->refire);
	free(st);
}

static int evport_reinit(void *state)
{
	struct evport_state *st = state;
	int port = port_create();

	if (port < 0)
		return -1;
	close(st->port);
	st->port = port;
	/* The core re-adds every fd in use; forget the old bookkeeping. */
	if (st->nfds > 0)
		memset(st->fired, 0, (size_t)st->nfds);
	st->nrefire = 0;
	return 0;
}

static const struct ev_backend_ops evport_ops = {
    .abi_version = EV_BACKEND_ABI_VERSION,
    .struct_size = sizeof(struct ev_backend_ops),
    .name = "evport",
    .features = EV_BACKEND_FEATURE_O1,
    .fdinfo_size = 0,
    .need_reinit = 1,
    .init = evport_init,         /* port_create */
    .add = evport_add,           /* port_associate with the new events */
    .del = evport_del,           /* re-associate, or port_dissociate */
    .dispatch = evport_dispatch, /* re-associate fired fds, port_getn */
    .dealloc = evport_dealloc,
    .reinit = evport_reinit, /* a fresh port in the child */
};

EV_BACKEND_EXPORT(evport, evport_ops)
