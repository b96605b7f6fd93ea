/*
 * evconnlistener: accepts connections on a listening socket and hands each
 * to a callback.  Built on the public event API only.
 *
 * Running out of descriptors (EMFILE/ENFILE, or the kernel out of memory)
 * leaves the connection in the backlog and the socket readable, so a
 * level-triggered loop would spin on accept().  Instead the listener stops
 * watching the socket, retries from a timer, and logs once per episode;
 * the error callback is not called for this, because a program's usual
 * reaction there (stopping the loop) is the wrong one for a passing
 * shortage.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ev-internal.h"
#include "event.h"

/* How long accepting pauses after EMFILE/ENFILE. */
#define PAUSE_MS 100
/* Connections accepted per wake-up, so one busy listener cannot starve
 * the rest of the loop. */
#define ACCEPT_BATCH 64

struct evconnlistener {
	struct event_base *base;
	struct event ev;
	struct event pause_ev;
	evutil_socket_t fd;
	unsigned flags;
	evconnlistener_cb cb;
	evconnlistener_errorcb errorcb;
	void *arg;
	int enabled;
	int paused;
	int refcnt;
	int freed;
};

static void lev_unref(struct evconnlistener *lev)
{
	if (--lev->refcnt > 0)
		return;
	event_del(&lev->ev);
	event_del(&lev->pause_ev);
	if ((lev->flags & LEV_OPT_CLOSE_ON_FREE) && lev->fd >= 0)
		evutil_closesocket(lev->fd);
	free(lev);
}

static int out_of_resources(int e)
{
	return e == EMFILE || e == ENFILE || e == ENOBUFS || e == ENOMEM;
}

static int transient(int e)
{
	/* The peer gave up before we accepted, or a signal: just go on. */
	return e == ECONNABORTED || e == EINTR || e == EPROTO || e == EPERM ||
	       e == ENETDOWN || e == ENOPROTOOPT || e == EHOSTDOWN ||
	       e == ENONET || e == EHOSTUNREACH || e == EOPNOTSUPP ||
	       e == ENETUNREACH;
}

static void lev_pause(struct evconnlistener *lev, int e)
{
	struct timeval tv = {0, PAUSE_MS * 1000};

	if (!lev->paused)
		ev__log(EVENT_LOG_WARN,
		        "evconnlistener: accept on fd %d failed: %s; pausing "
		        "accepts for %d ms at a time until descriptors free up",
		        lev->fd, strerror(e), PAUSE_MS);
	lev->paused = 1;
	event_del(&lev->ev);
	evtimer_add(&lev->pause_ev, &tv);
}

static void lev_resume_cb(evutil_socket_t fd, short what, void *arg)
{
	struct evconnlistener *lev = arg;

	(void)fd;
	(void)what;
	/* Still paused: the accept callback clears it once one succeeds,
	 * so a persisting shortage is not logged again. */
	if (lev->enabled)
		event_add(&lev->ev, NULL);
}

static void lev_accept_cb(evutil_socket_t fd, short what, void *arg)
{
	struct evconnlistener *lev = arg;
	struct sockaddr_storage ss;
	socklen_t len;
	int flags = 0, n, nfd, e;

	(void)what;
	if (!(lev->flags & LEV_OPT_LEAVE_SOCKETS_BLOCKING))
		flags |= SOCK_NONBLOCK;
	if (lev->flags & LEV_OPT_CLOSE_ON_EXEC)
		flags |= SOCK_CLOEXEC;
	lev->refcnt++;
	for (n = 0; n < ACCEPT_BATCH && lev->enabled && !lev->freed; n++) {
		len = sizeof(ss);
		nfd = accept4(fd, (struct sockaddr *)&ss, &len, flags);
		if (nfd < 0) {
			e = errno;
			if (e == EAGAIN || e == EWOULDBLOCK)
				break;
			if (transient(e))
				continue;
			if (out_of_resources(e)) {
				lev_pause(lev, e);
				break;
			}
			ev__log(EVENT_LOG_WARN,
			        "evconnlistener: accept on fd %d failed: %s",
			        fd, strerror(e));
			if (lev->errorcb != NULL) {
				errno = e;
				lev->errorcb(lev, lev->arg);
			}
			break;
		}
		lev->paused = 0;
		if (lev->cb == NULL) {
			/* No one to hand it to (see evconnlistener_new). */
			close(nfd);
			continue;
		}
		lev->cb(lev, nfd, (struct sockaddr *)&ss, (int)len, lev->arg);
	}
	lev_unref(lev);
}

struct evconnlistener *evconnlistener_new(struct event_base *base,
                                          evconnlistener_cb cb, void *ptr,
                                          unsigned flags, int backlog,
                                          evutil_socket_t fd)
{
	struct evconnlistener *lev;

	if (base == NULL || fd < 0) {
		errno = EINVAL;
		return NULL;
	}
	if (backlog != 0 && listen(fd, backlog > 0 ? backlog : 128) < 0) {
		ev__log(EVENT_LOG_WARN, "evconnlistener_new: listen(%d): %s",
		        fd, strerror(errno));
		return NULL;
	}
	if (evutil_make_socket_nonblocking(fd) < 0)
		return NULL;
	lev = calloc(1, sizeof(*lev));
	if (lev == NULL)
		return NULL;
	lev->base = base;
	lev->fd = fd;
	lev->flags = flags;
	lev->cb = cb;
	lev->arg = ptr;
	lev->refcnt = 1;
	if (event_assign(&lev->ev, base, fd, EV_READ | EV_PERSIST,
	                 lev_accept_cb, lev) < 0 ||
	    event_assign(&lev->pause_ev, base, -1, 0, lev_resume_cb, lev) < 0) {
		free(lev);
		return NULL;
	}
	if (!(flags & LEV_OPT_DISABLED) && evconnlistener_enable(lev) < 0) {
		free(lev);
		return NULL;
	}
	return lev;
}

static int setopt_int(int fd, int level, int name, const char *what)
{
	int one = 1;

	if (setsockopt(fd, level, name, &one, sizeof(one)) == 0)
		return 0;
	ev__log(EVENT_LOG_WARN, "evconnlistener_new_bind: %s: %s", what,
	        strerror(errno));
	return -1;
}

struct evconnlistener *evconnlistener_new_bind(struct event_base *base,
                                               evconnlistener_cb cb, void *ptr,
                                               unsigned flags, int backlog,
                                               const struct sockaddr *sa,
                                               int socklen)
{
	struct evconnlistener *lev;
	int fd, family = sa != NULL ? sa->sa_family : AF_INET, e;
	int type = SOCK_STREAM | SOCK_NONBLOCK;

	if (base == NULL || (sa != NULL && socklen <= 0)) {
		errno = EINVAL;
		return NULL;
	}
	if (flags & LEV_OPT_CLOSE_ON_EXEC)
		type |= SOCK_CLOEXEC;
	fd = socket(family, type, 0);
	if (fd < 0)
		return NULL;
	if ((flags & LEV_OPT_REUSEABLE) &&
	    setopt_int(fd, SOL_SOCKET, SO_REUSEADDR, "SO_REUSEADDR") < 0)
		goto fail;
	if ((flags & LEV_OPT_REUSEABLE_PORT) &&
	    setopt_int(fd, SOL_SOCKET, SO_REUSEPORT, "SO_REUSEPORT") < 0)
		goto fail;
	if ((flags & LEV_OPT_BIND_IPV6ONLY) && family == AF_INET6 &&
	    setopt_int(fd, IPPROTO_IPV6, IPV6_V6ONLY, "IPV6_V6ONLY") < 0)
		goto fail;
	if ((flags & LEV_OPT_DEFERRED_ACCEPT) &&
	    (family == AF_INET || family == AF_INET6))
		/* Only an optimisation: its failure is not fatal. */
		(void)setopt_int(fd, IPPROTO_TCP, TCP_DEFER_ACCEPT,
		                 "TCP_DEFER_ACCEPT");
	if (sa != NULL && bind(fd, sa, (socklen_t)socklen) < 0)
		goto fail;
	/* The socket is ours: it goes with the listener. */
	lev = evconnlistener_new(base, cb, ptr, flags | LEV_OPT_CLOSE_ON_FREE,
	                         backlog, fd);
	if (lev == NULL)
		goto fail;
	return lev;
fail:
	e = errno;
	close(fd);
	errno = e;
	return NULL;
}

void evconnlistener_free(struct evconnlistener *lev)
{
	if (lev == NULL || lev->freed)
		return;
	lev->freed = 1;
	lev->enabled = 0;
	lev->cb = NULL;
	lev->errorcb = NULL;
	event_del(&lev->ev);
	event_del(&lev->pause_ev);
	lev_unref(lev);
}

int evconnlistener_enable(struct evconnlistener *lev)
{
	if (lev == NULL || lev->freed)
		return -1;
	lev->enabled = 1;
	/* While paused, the timer re-adds the event. */
	if (event_pending(&lev->pause_ev, EV_TIMEOUT, NULL))
		return 0;
	return event_add(&lev->ev, NULL);
}

int evconnlistener_disable(struct evconnlistener *lev)
{
	if (lev == NULL)
		return -1;
	lev->enabled = 0;
	return event_del(&lev->ev);
}

struct event_base *evconnlistener_get_base(struct evconnlistener *lev)
{
	return lev != NULL ? lev->base : NULL;
}

evutil_socket_t evconnlistener_get_fd(struct evconnlistener *lev)
{
	return lev != NULL ? lev->fd : -1;
}

void evconnlistener_set_cb(struct evconnlistener *lev, evconnlistener_cb cb,
                           void *arg)
{
	if (lev == NULL || lev->freed)
		return;
	lev->cb = cb;
	lev->arg = arg;
}

void evconnlistener_set_error_cb(struct evconnlistener *lev,
                                 evconnlistener_errorcb errorcb)
{
	if (lev == NULL || lev->freed)
		return;
	lev->errorcb = errorcb;
}
