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
 *
 * Lifetime: the object is reference counted.  The handlers hold a
 * reference while they run, so evconnlistener_free() from a callback only
 * marks it freed and removes its events; the memory (and, with
 * LEV_OPT_CLOSE_ON_FREE, the socket) goes when the handler returns.
 *
 * Threads: with LEV_OPT_THREADSAFE on a base that has a lock, a mutex
 * guards the listener's state in every public function and in both
 * handlers.  The accept handler drops it around the user's callbacks
 * (so they may call any listener function, and other threads are not held
 * up by a slow callback), then re-locks and re-checks `enabled` and
 * `freed` before accepting again.  Lock order: this lock, then the base's.
 * While holding it we never wait for a running handler (lev_event_del),
 * since that handler may be blocked on this lock; only
 * evconnlistener_free() waits, after dropping it.  Without a lock
 * (has_lock 0) every lock site is one test of a field.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
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
	/* LEV_OPT_THREADSAFE on a locked base: set at creation, never
	 * changed, so it is read without the lock. */
	int has_lock;
	pthread_mutex_t lock;
};

static inline void lev_lock(struct evconnlistener *lev)
{
	if (lev->has_lock)
		pthread_mutex_lock(&lev->lock);
}

static inline void lev_unlock(struct evconnlistener *lev)
{
	if (lev->has_lock)
		pthread_mutex_unlock(&lev->lock);
}

/* event_del() for use under the listener's lock.  The public one, from a
 * thread other than the loop's, waits for the event's running handler,
 * which may be waiting for the lock we hold: this one removes the event
 * and returns (the handler re-checks `enabled` and `freed` under the
 * lock). */
static int lev_event_del(struct evconnlistener *lev, struct event *ev)
{
	int r;

	if (!lev->has_lock)
		return event_del(ev);
	ev__lock(lev->base);
	r = ev__event_del_nolock(ev);
	ev__unlock_notify(lev->base);
	return r;
}

/* Called once no one holds a reference, so no handler runs (each holds
 * one) and no other thread may still use lev. */
static void lev_destroy(struct evconnlistener *lev)
{
	lev_event_del(lev, &lev->ev);
	lev_event_del(lev, &lev->pause_ev);
	if ((lev->flags & LEV_OPT_CLOSE_ON_FREE) && lev->fd >= 0)
		evutil_closesocket(lev->fd);
	if (lev->has_lock)
		pthread_mutex_destroy(&lev->lock);
	free(lev);
}

/* Drops a reference; called with the lock held, releases it. */
static void lev_unref_unlock(struct evconnlistener *lev)
{
	int left = --lev->refcnt;

	lev_unlock(lev);
	if (left == 0)
		lev_destroy(lev);
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
	lev_event_del(lev, &lev->ev);
	evtimer_add(&lev->pause_ev, &tv);
}

static void lev_resume_cb(evutil_socket_t fd, short what, void *arg)
{
	struct evconnlistener *lev = arg;

	(void)fd;
	(void)what;
	lev_lock(lev);
	/* Still paused: the accept callback clears it once one succeeds,
	 * so a persisting shortage is not logged again. */
	if (lev->enabled && !lev->freed)
		event_add(&lev->ev, NULL);
	lev_unlock(lev);
}

static void lev_accept_cb(evutil_socket_t fd, short what, void *arg)
{
	struct evconnlistener *lev = arg;
	struct sockaddr_storage ss;
	socklen_t len;
	int flags = 0, n, nfd, e;
	evconnlistener_cb cb;
	evconnlistener_errorcb errorcb;
	void *cbarg;

	(void)what;
	if (!(lev->flags & LEV_OPT_LEAVE_SOCKETS_BLOCKING))
		flags |= SOCK_NONBLOCK;
	if (lev->flags & LEV_OPT_CLOSE_ON_EXEC)
		flags |= SOCK_CLOEXEC;
	lev_lock(lev);
	/* Keeps lev alive across the unlocked callbacks, even if one of
	 * them, or another thread, frees it. */
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
			errorcb = lev->errorcb;
			cbarg = lev->arg;
			if (errorcb != NULL) {
				lev_unlock(lev);
				errno = e;
				errorcb(lev, cbarg);
				lev_lock(lev);
			}
			break;
		}
		lev->paused = 0;
		cb = lev->cb;
		cbarg = lev->arg;
		if (cb == NULL) {
			/* No one to hand it to (see evconnlistener_new). */
			close(nfd);
			continue;
		}
		lev_unlock(lev);
		cb(lev, nfd, (struct sockaddr *)&ss, (int)len, cbarg);
		lev_lock(lev);
	}
	lev_unref_unlock(lev);
}

struct evconnlistener *evconnlistener_new(struct event_base *base,
                                          evconnlistener_cb cb, void *ptr,
                                          unsigned flags, int backlog,
                                          evutil_socket_t fd)
{
	struct evconnlistener *lev;
	int e;

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
	    event_assign(&lev->pause_ev, base, -1, 0, lev_resume_cb, lev) < 0)
		goto fail;
	/* Only a base with a lock can be used from several threads, so only
	 * then is a lock worth its cost. */
	if ((flags & LEV_OPT_THREADSAFE) && base->th != NULL) {
		if (pthread_mutex_init(&lev->lock, NULL) != 0) {
			ev__log(EVENT_LOG_WARN, "evconnlistener_new: no mutex");
			goto fail;
		}
		lev->has_lock = 1;
	}
	if (!(flags & LEV_OPT_DISABLED) && evconnlistener_enable(lev) < 0)
		goto fail;
	return lev;
fail:
	e = errno;
	if (lev->has_lock)
		pthread_mutex_destroy(&lev->lock);
	free(lev);
	errno = e;
	return NULL;
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
	if (lev == NULL)
		return;
	lev_lock(lev);
	if (lev->freed) {
		lev_unlock(lev);
		return;
	}
	lev->freed = 1;
	lev->enabled = 0;
	lev->cb = NULL;
	lev->errorcb = NULL;
	lev_unlock(lev);
	/* Unlocked, and the waiting event_del(): from another thread, a
	 * handler of lev that runs now finishes first (it sees `freed` and
	 * stops), so none can start on freed memory; from the loop thread,
	 * nothing waits and the running handler's reference keeps lev alive
	 * until it returns.  Handlers never re-add after `freed`. */
	event_del(&lev->ev);
	event_del(&lev->pause_ev);
	lev_lock(lev);
	lev_unref_unlock(lev);
}

int evconnlistener_enable(struct evconnlistener *lev)
{
	int r = 0;

	if (lev == NULL)
		return -1;
	lev_lock(lev);
	if (lev->freed) {
		lev_unlock(lev);
		return -1;
	}
	lev->enabled = 1;
	/* While paused, the timer re-adds the event. */
	if (!event_pending(&lev->pause_ev, EV_TIMEOUT, NULL))
		r = event_add(&lev->ev, NULL);
	lev_unlock(lev);
	return r;
}

int evconnlistener_disable(struct evconnlistener *lev)
{
	int r;

	if (lev == NULL)
		return -1;
	lev_lock(lev);
	lev->enabled = 0;
	r = lev_event_del(lev, &lev->ev);
	lev_unlock(lev);
	return r;
}

struct event_base *evconnlistener_get_base(struct evconnlistener *lev)
{
	struct event_base *base;

	if (lev == NULL)
		return NULL;
	lev_lock(lev);
	base = lev->base;
	lev_unlock(lev);
	return base;
}

evutil_socket_t evconnlistener_get_fd(struct evconnlistener *lev)
{
	evutil_socket_t fd;

	if (lev == NULL)
		return -1;
	lev_lock(lev);
	fd = lev->fd;
	lev_unlock(lev);
	return fd;
}

void evconnlistener_set_cb(struct evconnlistener *lev, evconnlistener_cb cb,
                           void *arg)
{
	if (lev == NULL)
		return;
	lev_lock(lev);
	if (!lev->freed) {
		lev->cb = cb;
		lev->arg = arg;
	}
	lev_unlock(lev);
}

void evconnlistener_set_error_cb(struct evconnlistener *lev,
                                 evconnlistener_errorcb errorcb)
{
	if (lev == NULL)
		return;
	lev_lock(lev);
	if (!lev->freed)
		lev->errorcb = errorcb;
	lev_unlock(lev);
}
