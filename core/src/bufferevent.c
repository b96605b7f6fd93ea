/*
 * Socket bufferevents: an input and an output evbuffer driven by two
 * persistent events on one socket.  Built on the public event API only.
 *
 * Flow control: with a read high watermark, reading stops (the read event
 * is deleted) while the input holds that much, and a callback on the input
 * buffer resumes it as soon as the program drains below it; so a slow
 * consumer bounds memory.  The write event is pending only while there is
 * output (or a connect is in progress); a callback on the output buffer
 * adds it when data is added by any means.
 *
 * Lifetime: the object is reference counted.  The event handlers hold a
 * reference while they run user callbacks, so bufferevent_free() from a
 * callback only clears the callbacks and events; the memory (and, with
 * BEV_OPT_CLOSE_ON_FREE, the socket) goes when the handler returns.
 *
 * Threads: with BEV_OPT_THREADSAFE on a base that has a lock, the
 * bufferevent gets a recursive mutex, shared with its two evbuffers, so
 * a buffer operation and the bufferevent's reaction to it (its evbuffer
 * callbacks) are one critical section.  The handlers take it too, and run
 * the user's callbacks under it, except that with BEV_OPT_UNLOCK_CALLBACKS
 * (which requires BEV_OPT_DEFER_CALLBACKS) the deferred handler drops it
 * around each user callback.  Lock order: this lock, then the base's.
 * While holding it we never wait for a callback (bev_event_del below), since
 * the callback may be a handler of this very bufferevent blocked on the
 * lock; only bufferevent_free() waits, after dropping it.  Without a lock
 * (has_lock 0) every lock site is one test of a field.
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "buffer-internal.h"
#include "ev-internal.h"
#include "event.h"

struct bev {
	struct bufferevent pub; /* first: the public part */
	struct event_base *base;
	struct event ev_read;
	struct event ev_write;
	struct event ev_deferred;
	evutil_socket_t fd;
	int options;
	bufferevent_data_cb readcb;
	bufferevent_data_cb writecb;
	bufferevent_event_cb eventcb;
	void *cbarg;
	struct timeval tv_read;
	struct timeval tv_write;
	size_t wm_read_low, wm_read_high;
	size_t wm_write_low, wm_write_high;
	short enabled;
	/* Reading stopped because the input reached the high watermark. */
	unsigned read_suspended : 1;
	/* A connect is in progress; the write event reports its end. */
	unsigned connecting : 1;
	/* bufferevent_free() was called; only the memory is left. */
	unsigned freed : 1;
	/* A connect failed at once; its errno, reported from the loop. */
	int connect_errno;
	int refcnt;
	/* BEV_OPT_DEFER_CALLBACKS: what the deferred event must run. */
	unsigned pending_read : 1;
	unsigned pending_write : 1;
	short pending_what;
	int pending_errno;
	struct evbuffer_cb_entry *in_cbe;
	struct evbuffer_cb_entry *out_cbe;
	/* BEV_OPT_THREADSAFE on a locked base: set at creation, never
	 * changed, so it is read without the lock. */
	int has_lock;
	pthread_mutex_t lock;
};

static struct bev *bev_of(struct bufferevent *b)
{
	return (struct bev *)(void *)b;
}

/* ---- locking ---------------------------------------------------------- */

static inline void bev_lock(struct bev *p)
{
	if (p->has_lock)
		pthread_mutex_lock(&p->lock);
}

static inline void bev_unlock(struct bev *p)
{
	if (p->has_lock)
		pthread_mutex_unlock(&p->lock);
}

static inline struct bev *bev_lock_ret(struct bev *p)
{
	bev_lock(p);
	return p;
}

static inline void bev_unlock_guard(struct bev *const *pp)
{
	bev_unlock(*pp);
}

/* Holds p's lock (if it has one) until the enclosing function returns.
 * "unused": the guard is never read, only cleaned up (clang warns). */
#define BEV_LOCKED(p)                                                          \
	struct bev *const bev_guard_                                           \
	    __attribute__((unused, cleanup(bev_unlock_guard))) =               \
	        bev_lock_ret(p)

/* event_del() for use under the bufferevent lock.  The public one, from a
 * thread other than the loop's, waits for the event's running callback,
 * which may be our own handler waiting for the lock we hold: this one
 * removes the event and returns. */
static int bev_event_del(struct bev *p, struct event *ev)
{
	struct event_base *base = ev->ev_base;
	int r;

	if (!p->has_lock || base == NULL || base->th == NULL)
		return event_del(ev);
	ev__lock(base);
	r = ev__event_del_nolock(ev);
	ev__unlock_notify(base);
	return r;
}

static const struct timeval *tv_or_null(const struct timeval *tv)
{
	return (tv->tv_sec || tv->tv_usec) ? tv : NULL;
}

/* ---- arming the events ------------------------------------------------ */

static int bev_arm_read(struct bev *p)
{
	if (p->fd < 0 || p->freed || !(p->enabled & EV_READ) ||
	    p->read_suspended || p->base == NULL)
		return 0;
	return event_add(&p->ev_read, tv_or_null(&p->tv_read));
}

static int bev_arm_write(struct bev *p)
{
	if (p->fd < 0 || p->freed || p->base == NULL)
		return 0;
	if (p->connecting ||
	    ((p->enabled & EV_WRITE) && evbuffer_get_length(p->pub.output) > 0))
		return event_add(&p->ev_write, tv_or_null(&p->tv_write));
	return 0;
}

/* Re-checks the read watermark after the input or the mark changed. */
static void bev_check_suspend(struct bev *p)
{
	int full = p->wm_read_high != 0 &&
	           evbuffer_get_length(p->pub.input) >= p->wm_read_high;

	if (full && !p->read_suspended) {
		p->read_suspended = 1;
		bev_event_del(p, &p->ev_read);
	} else if (!full && p->read_suspended) {
		p->read_suspended = 0;
		bev_arm_read(p);
	}
}

static void bev_input_cb(struct evbuffer *buf,
                         const struct evbuffer_cb_info *info, void *arg)
{
	struct bev *p = arg;

	(void)buf;
	if (info->n_deleted > 0 && p->read_suspended)
		bev_check_suspend(p);
}

static void bev_output_cb(struct evbuffer *buf,
                          const struct evbuffer_cb_info *info, void *arg)
{
	struct bev *p = arg;

	(void)buf;
	if (info->n_added > 0 && (p->enabled & EV_WRITE) && !p->connecting &&
	    !event_pending(&p->ev_write, EV_WRITE, NULL))
		bev_arm_write(p);
}

/* ---- reference counting ----------------------------------------------- */

/* Called with the lock released, once no one holds a reference; so no
 * handler runs (each holds one) and no other thread may still use p. */
static void bev_destroy(struct bev *p)
{
	bev_event_del(p, &p->ev_read);
	bev_event_del(p, &p->ev_write);
	bev_event_del(p, &p->ev_deferred);
	if ((p->options & BEV_OPT_CLOSE_ON_FREE) && p->fd >= 0)
		evutil_closesocket(p->fd);
	evbuffer_free(p->pub.input);
	evbuffer_free(p->pub.output);
	if (p->has_lock)
		pthread_mutex_destroy(&p->lock);
	free(p);
}

void bufferevent_incref(struct bufferevent *bev)
{
	struct bev *p;

	if (bev == NULL)
		return;
	p = bev_of(bev);
	bev_lock(p);
	p->refcnt++;
	bev_unlock(p);
}

static __attribute__((noinline)) int bev_decref_locked(struct bev *p)
{
	pthread_mutex_lock(&p->lock);
	if (--p->refcnt > 0) {
		pthread_mutex_unlock(&p->lock);
		return 0;
	}
	pthread_mutex_unlock(&p->lock);
	bev_destroy(p);
	return 1;
}

int bufferevent_decref(struct bufferevent *bev)
{
	struct bev *p;

	if (bev == NULL)
		return 0;
	p = bev_of(bev);
	if (p->has_lock)
		return bev_decref_locked(p);
	if (--p->refcnt > 0)
		return 0;
	bev_destroy(p);
	return 1;
}

/* ---- running the user's callbacks ------------------------------------- */

static void bev_schedule_deferred(struct bev *p)
{
	/* With a lock, ev_flags belongs to the base lock: let event_active()
	 * look (activating an active event only merges the result bits). */
	if (p->has_lock || !(p->ev_deferred.ev_flags & EVLIST_ACTIVE))
		event_active(&p->ev_deferred, EV_TIMEOUT, 1);
}

static void bev_run_readcb(struct bev *p)
{
	if (p->readcb == NULL)
		return;
	if (p->options & BEV_OPT_DEFER_CALLBACKS) {
		p->pending_read = 1;
		bev_schedule_deferred(p);
		return;
	}
	p->readcb(&p->pub, p->cbarg);
}

static void bev_run_writecb(struct bev *p)
{
	if (p->writecb == NULL)
		return;
	if (p->options & BEV_OPT_DEFER_CALLBACKS) {
		p->pending_write = 1;
		bev_schedule_deferred(p);
		return;
	}
	p->writecb(&p->pub, p->cbarg);
}

static void bev_run_eventcb(struct bev *p, short what)
{
	if (p->eventcb == NULL)
		return;
	if (p->options & BEV_OPT_DEFER_CALLBACKS) {
		p->pending_what |= what;
		p->pending_errno = errno;
		bev_schedule_deferred(p);
		return;
	}
	p->eventcb(&p->pub, what, p->cbarg);
}

/* With BEV_OPT_UNLOCK_CALLBACKS (and a lock) the deferred handler drops
 * the lock around each user callback, so another thread may use the
 * bufferevent meanwhile.  Everything the call needs is taken under the
 * lock first, and after it the handler touches only lock-protected fields,
 * re-read under the lock, and its own reference keeps p alive. */
static int bev_unlocked_cbs(const struct bev *p)
{
	return p->has_lock && (p->options & BEV_OPT_UNLOCK_CALLBACKS);
}

static void bev_call_data(struct bev *p, bufferevent_data_cb cb, void *cbarg,
                          int unlock)
{
	if (cb == NULL)
		return;
	if (unlock)
		bev_unlock(p);
	cb(&p->pub, cbarg);
	if (unlock)
		bev_lock(p);
}

static void bev_deferred_cb(evutil_socket_t fd, short what, void *arg)
{
	struct bev *p = arg;
	int unlock = bev_unlocked_cbs(p);
	bufferevent_event_cb ecb;
	void *cbarg;
	short ev;
	int e;

	(void)fd;
	(void)what;
	bev_lock(p);
	p->refcnt++;
	/* `freed` is re-checked before each call: the previous callback,
	 * or another thread while the lock was dropped, may have freed. */
	if (p->pending_read && !p->freed) {
		p->pending_read = 0;
		bev_call_data(p, p->readcb, p->cbarg, unlock);
	}
	if (p->pending_write && !p->freed) {
		p->pending_write = 0;
		bev_call_data(p, p->writecb, p->cbarg, unlock);
	}
	if (p->pending_what && !p->freed) {
		ev = p->pending_what;
		p->pending_what = 0;
		e = p->pending_errno;
		ecb = p->eventcb;
		cbarg = p->cbarg;
		if (ecb != NULL) {
			if (unlock)
				bev_unlock(p);
			errno = e;
			ecb(&p->pub, ev, cbarg);
			if (unlock)
				bev_lock(p);
		}
	}
	bev_unlock(p);
	bufferevent_decref(&p->pub);
}

/* ---- the I/O handlers ------------------------------------------------- */

static int would_block(int e)
{
	return e == EAGAIN || e == EWOULDBLOCK || e == EINTR;
}

static void bev_read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct bev *p = arg;
	struct evbuffer *in = p->pub.input;
	short err;
	int howmuch = -1, n;

	bev_lock(p);
	p->refcnt++;
	if (p->freed)
		goto done;
	if (what & EV_TIMEOUT) {
		err = BEV_EVENT_READING | BEV_EVENT_TIMEOUT;
		goto error;
	}
	if (p->wm_read_high != 0) {
		size_t len = evbuffer_get_length(in);

		if (len >= p->wm_read_high) {
			bev_check_suspend(p);
			goto done;
		}
		if (p->wm_read_high - len < (size_t)INT_MAX)
			howmuch = (int)(p->wm_read_high - len);
	}
	n = evbuffer_read(in, fd, howmuch);
	if (n < 0) {
		if (would_block(errno))
			goto done;
		err = BEV_EVENT_READING | BEV_EVENT_ERROR;
		goto error;
	}
	if (n == 0) {
		err = BEV_EVENT_READING | BEV_EVENT_EOF;
		goto error;
	}
	if (p->wm_read_high != 0)
		bev_check_suspend(p);
	if (evbuffer_get_length(in) >= p->wm_read_low)
		bev_run_readcb(p);
	goto done;
error : {
	int e = errno;

	p->enabled &= ~EV_READ;
	bev_event_del(p, &p->ev_read);
	errno = e;
}
	bev_run_eventcb(p, err);
done:
	bev_unlock(p);
	bufferevent_decref(&p->pub);
}

/* Returns 1 when connected, 0 while still connecting, -1 on failure. */
static int bev_finish_connect(struct bev *p)
{
	int e = p->connect_errno;
	socklen_t len = sizeof(e);

	if (e == 0 && getsockopt(p->fd, SOL_SOCKET, SO_ERROR, &e, &len) < 0)
		e = errno;
	if (e == EINPROGRESS || e == EINTR)
		return 0; /* spurious wake-up: still connecting */
	p->connecting = 0;
	p->connect_errno = 0;
	if (e != 0) {
		bev_event_del(p, &p->ev_write);
		bev_event_del(p, &p->ev_read);
		errno = e;
		bev_run_eventcb(p, BEV_EVENT_ERROR);
		return -1;
	}
	if (!(p->enabled & EV_WRITE) || evbuffer_get_length(p->pub.output) == 0)
		bev_event_del(p, &p->ev_write);
	bev_arm_read(p);
	bev_run_eventcb(p, BEV_EVENT_CONNECTED);
	return 1;
}

static void bev_write_cb(evutil_socket_t fd, short what, void *arg)
{
	struct bev *p = arg;
	struct evbuffer *out = p->pub.output;
	short err;
	int n = 0, connected_now = 0;

	bev_lock(p);
	p->refcnt++;
	if (p->freed)
		goto done;
	if (what & EV_TIMEOUT) {
		err = BEV_EVENT_WRITING | BEV_EVENT_TIMEOUT;
		goto error;
	}
	if (p->connecting) {
		if (bev_finish_connect(p) <= 0 || p->freed || fd != p->fd)
			goto done;
		if (!(p->enabled & EV_WRITE)) {
			bev_event_del(p, &p->ev_write);
			goto done;
		}
		connected_now = 1;
	}
	if (evbuffer_get_length(out) > 0) {
		n = evbuffer_write(out, fd);
		if (n < 0) {
			if (would_block(errno))
				goto done;
			err = BEV_EVENT_WRITING | BEV_EVENT_ERROR;
			goto error;
		}
		if (n == 0) {
			err = BEV_EVENT_WRITING | BEV_EVENT_EOF;
			goto error;
		}
	}
	if (evbuffer_get_length(out) == 0)
		bev_event_del(p, &p->ev_write);
	/* As libevent: a wake-up that was not the connect finishing reports
	 * the (empty or low) output too. */
	if ((n > 0 || !connected_now) &&
	    evbuffer_get_length(out) <= p->wm_write_low)
		bev_run_writecb(p);
	goto done;
error : {
	int e = errno;

	p->enabled &= ~EV_WRITE;
	bev_event_del(p, &p->ev_write);
	errno = e;
}
	bev_run_eventcb(p, err);
done:
	bev_unlock(p);
	bufferevent_decref(&p->pub);
}

/* ---- construction ----------------------------------------------------- */

/* (Re)initialises the two I/O events for p->fd on p->base. */
static int bev_assign_events(struct bev *p)
{
	int pri = p->ev_read.ev_flags & EVLIST_INIT ? p->ev_read.ev_pri : -1;

	if (p->base == NULL) {
		/* 1.3 bufferevent_new() before event_init(): bind later with
		 * bufferevent_base_set(). */
		event_set(&p->ev_read, p->fd, EV_READ | EV_PERSIST, bev_read_cb,
		          p);
		event_set(&p->ev_write, p->fd, EV_WRITE | EV_PERSIST,
		          bev_write_cb, p);
		event_set(&p->ev_deferred, -1, 0, bev_deferred_cb, p);
		return 0;
	}
	if (event_assign(&p->ev_read, p->base, p->fd, EV_READ | EV_PERSIST,
	                 bev_read_cb, p) < 0 ||
	    event_assign(&p->ev_write, p->base, p->fd, EV_WRITE | EV_PERSIST,
	                 bev_write_cb, p) < 0 ||
	    event_assign(&p->ev_deferred, p->base, -1, 0, bev_deferred_cb, p) <
	        0)
		return -1;
	if (pri >= 0) {
		event_priority_set(&p->ev_read, pri);
		event_priority_set(&p->ev_write, pri);
		event_priority_set(&p->ev_deferred, pri);
	}
	return 0;
}

struct bufferevent *bufferevent_socket_new(struct event_base *base,
                                           evutil_socket_t fd, int options)
{
	struct bev *p;

	/* As libevent: callbacks can only run unlocked from the deferred
	 * handler, which has nothing of the I/O handlers' state to protect. */
	if ((options & BEV_OPT_UNLOCK_CALLBACKS) &&
	    !(options & BEV_OPT_DEFER_CALLBACKS)) {
		ev__log(EVENT_LOG_WARN,
		        "bufferevent_socket_new: BEV_OPT_UNLOCK_CALLBACKS "
		        "requires BEV_OPT_DEFER_CALLBACKS");
		errno = EINVAL;
		return NULL;
	}
	p = calloc(1, sizeof(*p));
	if (p == NULL) {
		ev__log(EVENT_LOG_WARN,
		        "bufferevent_socket_new: out of memory");
		return NULL;
	}
	p->base = base;
	p->fd = fd;
	p->options = options;
	p->refcnt = 1;
	p->enabled = EV_WRITE;
	p->pub.input = evbuffer_new();
	p->pub.output = evbuffer_new();
	if (p->pub.input == NULL || p->pub.output == NULL)
		goto fail;
	/* Only a base with a lock can be used from several threads, so only
	 * then is a lock worth its cost. */
	if ((options & BEV_OPT_THREADSAFE) && base != NULL &&
	    base->th != NULL) {
		if (ev__mutex_init_recursive(&p->lock) < 0) {
			ev__log(EVENT_LOG_WARN,
			        "bufferevent_socket_new: no mutex");
			goto fail;
		}
		p->has_lock = 1;
		evbuffer_enable_locking(p->pub.input, &p->lock);
		evbuffer_enable_locking(p->pub.output, &p->lock);
	}
	evbuffer_set_flags(p->pub.output, EVBUFFER_FLAG_DRAINS_TO_FD);
	p->in_cbe = evbuffer_add_cb(p->pub.input, bev_input_cb, p);
	p->out_cbe = evbuffer_add_cb(p->pub.output, bev_output_cb, p);
	if (p->in_cbe == NULL || p->out_cbe == NULL)
		goto fail;
	if (bev_assign_events(p) < 0)
		goto fail;
	return &p->pub;
fail:
	evbuffer_free(p->pub.input);
	evbuffer_free(p->pub.output);
	if (p->has_lock)
		pthread_mutex_destroy(&p->lock);
	free(p);
	return NULL;
}

struct bufferevent *bufferevent_new(evutil_socket_t fd, evbuffercb readcb,
                                    evbuffercb writecb, everrorcb errorcb,
                                    void *cbarg)
{
	struct bufferevent *bev;

	bev = bufferevent_socket_new(ev__current_base, fd, 0);
	if (bev != NULL)
		bufferevent_setcb(bev, readcb, writecb, errorcb, cbarg);
	return bev;
}

void bufferevent_free(struct bufferevent *bev)
{
	struct bev *p;

	if (bev == NULL)
		return;
	p = bev_of(bev);
	bev_lock(p);
	if (p->freed) {
		bev_unlock(p);
		return;
	}
	p->freed = 1;
	p->readcb = NULL;
	p->writecb = NULL;
	p->eventcb = NULL;
	bev_unlock(p);
	/* Unlocked, and the waiting event_del(): from another thread, a
	 * handler of p that runs now finishes first (it sees `freed` and
	 * calls nothing), so none can start on freed memory; from the loop
	 * thread, nothing waits and the running handler's reference keeps
	 * p alive until it returns.  Handlers never re-add after `freed`. */
	event_del(&p->ev_read);
	event_del(&p->ev_write);
	event_del(&p->ev_deferred);
	bufferevent_decref(bev);
}

int bufferevent_socket_connect(struct bufferevent *bev,
                               const struct sockaddr *sa, int socklen)
{
	struct bev *p;
	evutil_socket_t fd;
	int made = 0, now = 0;

	if (bev == NULL)
		return -1;
	p = bev_of(bev);
	BEV_LOCKED(p);
	fd = p->fd;
	if (fd < 0) {
		if (sa == NULL) {
			errno = EINVAL;
			return -1;
		}
		fd = socket(sa->sa_family,
		            SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fd < 0)
			return -1;
		made = 1;
	}
	p->connect_errno = 0;
	if (sa != NULL) {
		if (socklen <= 0) {
			errno = EINVAL;
			goto fail;
		}
		if (connect(fd, sa, (socklen_t)socklen) == 0) {
			now = 1; /* e.g. AF_UNIX: done already */
		} else if (errno == EINPROGRESS || errno == EINTR) {
			/* the usual case */
		} else if (errno == ECONNREFUSED) {
			/* Loopback may refuse at once; report it from the
			 * loop like any other failed connect. */
			p->connect_errno = ECONNREFUSED;
			now = 1;
		} else {
			goto fail;
		}
	}
	if (made && bufferevent_setfd(bev, fd) < 0)
		goto fail;
	p->connecting = 1;
	if (p->base == NULL) {
		errno = EINVAL;
		goto fail_unset;
	}
	if (event_add(&p->ev_write, tv_or_null(&p->tv_write)) < 0)
		goto fail_unset;
	if (now)
		event_active(&p->ev_write, EV_WRITE, 1);
	return 0;
fail_unset:
	p->connecting = 0;
	if (made) {
		bev_event_del(p, &p->ev_read);
		bev_event_del(p, &p->ev_write);
		p->fd = -1;
	}
fail:
	if (made) {
		int e = errno;

		close(fd);
		errno = e;
	}
	return -1;
}

/* ---- settings --------------------------------------------------------- */

int bufferevent_base_set(struct event_base *base, struct bufferevent *bev)
{
	struct bev *p;

	if (base == NULL || bev == NULL)
		return -1;
	p = bev_of(bev);
	BEV_LOCKED(p);
	bev_event_del(p, &p->ev_read);
	bev_event_del(p, &p->ev_write);
	bev_event_del(p, &p->ev_deferred);
	p->base = base;
	if (bev_assign_events(p) < 0)
		return -1;
	if (bev_arm_read(p) < 0 || bev_arm_write(p) < 0)
		return -1;
	return 0;
}

struct event_base *bufferevent_get_base(struct bufferevent *bev)
{
	if (bev == NULL)
		return NULL;
	BEV_LOCKED(bev_of(bev));
	return bev_of(bev)->base;
}

int bufferevent_priority_set(struct bufferevent *bev, int pri)
{
	struct bev *p;

	if (bev == NULL)
		return -1;
	p = bev_of(bev);
	BEV_LOCKED(p);
	if (event_priority_set(&p->ev_read, pri) < 0 ||
	    event_priority_set(&p->ev_write, pri) < 0)
		return -1;
	event_priority_set(&p->ev_deferred, pri);
	return 0;
}

int bufferevent_get_priority(const struct bufferevent *bev)
{
	const struct bev *p = (const struct bev *)(const void *)bev;

	return bev != NULL ? p->ev_read.ev_pri : -1;
}

void bufferevent_setcb(struct bufferevent *bev, bufferevent_data_cb readcb,
                       bufferevent_data_cb writecb,
                       bufferevent_event_cb eventcb, void *cbarg)
{
	struct bev *p;

	if (bev == NULL)
		return;
	p = bev_of(bev);
	BEV_LOCKED(p);
	if (p->freed)
		return;
	p->readcb = readcb;
	p->writecb = writecb;
	p->eventcb = eventcb;
	p->cbarg = cbarg;
}

void bufferevent_getcb(struct bufferevent *bev, bufferevent_data_cb *readcb_ptr,
                       bufferevent_data_cb *writecb_ptr,
                       bufferevent_event_cb *eventcb_ptr, void **cbarg_ptr)
{
	struct bev *p = bev_of(bev);
	BEV_LOCKED(p);

	if (readcb_ptr != NULL)
		*readcb_ptr = p->readcb;
	if (writecb_ptr != NULL)
		*writecb_ptr = p->writecb;
	if (eventcb_ptr != NULL)
		*eventcb_ptr = p->eventcb;
	if (cbarg_ptr != NULL)
		*cbarg_ptr = p->cbarg;
}

int bufferevent_setfd(struct bufferevent *bev, evutil_socket_t fd)
{
	struct bev *p;

	if (bev == NULL)
		return -1;
	p = bev_of(bev);
	BEV_LOCKED(p);
	bev_event_del(p, &p->ev_read);
	bev_event_del(p, &p->ev_write);
	p->fd = fd;
	p->connecting = 0;
	p->read_suspended = 0;
	if (bev_assign_events(p) < 0)
		return -1;
	bev_check_suspend(p);
	if (bev_arm_read(p) < 0 || bev_arm_write(p) < 0)
		return -1;
	return 0;
}

evutil_socket_t bufferevent_getfd(struct bufferevent *bev)
{
	if (bev == NULL)
		return -1;
	BEV_LOCKED(bev_of(bev));
	return bev_of(bev)->fd;
}

struct bufferevent *bufferevent_get_underlying(struct bufferevent *bev)
{
	(void)bev;
	return NULL;
}

int bufferevent_write(struct bufferevent *bev, const void *data, size_t size)
{
	if (bev == NULL)
		return -1;
	return evbuffer_add(bev->output, data, size);
}

int bufferevent_write_buffer(struct bufferevent *bev, struct evbuffer *buf)
{
	if (bev == NULL)
		return -1;
	return evbuffer_add_buffer(bev->output, buf);
}

size_t bufferevent_read(struct bufferevent *bev, void *data, size_t size)
{
	int n;

	if (bev == NULL)
		return 0;
	n = evbuffer_remove(bev->input, data, size);
	return n > 0 ? (size_t)n : 0;
}

int bufferevent_read_buffer(struct bufferevent *bev, struct evbuffer *buf)
{
	if (bev == NULL)
		return -1;
	return evbuffer_add_buffer(buf, bev->input);
}

struct evbuffer *bufferevent_get_input(struct bufferevent *bev)
{
	return bev != NULL ? bev->input : NULL;
}

struct evbuffer *bufferevent_get_output(struct bufferevent *bev)
{
	return bev != NULL ? bev->output : NULL;
}

int bufferevent_enable(struct bufferevent *bev, short event)
{
	struct bev *p;
	int r = 0;

	if (bev == NULL)
		return -1;
	p = bev_of(bev);
	BEV_LOCKED(p);
	p->enabled |= event & (EV_READ | EV_WRITE);
	if ((event & EV_READ) && bev_arm_read(p) < 0)
		r = -1;
	if ((event & EV_WRITE) &&
	    !event_pending(&p->ev_write, EV_WRITE, NULL) &&
	    bev_arm_write(p) < 0)
		r = -1;
	return r;
}

int bufferevent_disable(struct bufferevent *bev, short event)
{
	struct bev *p;

	if (bev == NULL)
		return -1;
	p = bev_of(bev);
	BEV_LOCKED(p);
	p->enabled &= ~(event & (EV_READ | EV_WRITE));
	if (event & EV_READ)
		bev_event_del(p, &p->ev_read);
	/* A connect in progress still needs the write event to finish. */
	if ((event & EV_WRITE) && !p->connecting)
		bev_event_del(p, &p->ev_write);
	return 0;
}

short bufferevent_get_enabled(struct bufferevent *bev)
{
	if (bev == NULL)
		return 0;
	BEV_LOCKED(bev_of(bev));
	return bev_of(bev)->enabled;
}

static void tv_set(struct timeval *dst, const struct timeval *src)
{
	if (src == NULL || src->tv_sec < 0 || src->tv_usec < 0) {
		dst->tv_sec = 0;
		dst->tv_usec = 0;
	} else {
		*dst = *src;
	}
}

int bufferevent_set_timeouts(struct bufferevent *bev,
                             const struct timeval *timeout_read,
                             const struct timeval *timeout_write)
{
	struct bev *p;
	int r = 0;

	if (bev == NULL)
		return -1;
	p = bev_of(bev);
	BEV_LOCKED(p);
	tv_set(&p->tv_read, timeout_read);
	tv_set(&p->tv_write, timeout_write);
	/* Pending events take the new timeouts now, as in libevent.  With
	 * no timeout the event is re-added to drop an old one. */
	if (event_pending(&p->ev_read, EV_READ, NULL)) {
		bev_event_del(p, &p->ev_read);
		r |= event_add(&p->ev_read, tv_or_null(&p->tv_read));
	}
	if (event_pending(&p->ev_write, EV_WRITE, NULL)) {
		bev_event_del(p, &p->ev_write);
		r |= event_add(&p->ev_write, tv_or_null(&p->tv_write));
	}
	return r < 0 ? -1 : 0;
}

void bufferevent_settimeout(struct bufferevent *bev, int timeout_read,
                            int timeout_write)
{
	struct timeval r = {timeout_read, 0}, w = {timeout_write, 0};

	bufferevent_set_timeouts(bev, &r, &w);
}

void bufferevent_setwatermark(struct bufferevent *bev, short events,
                              size_t lowmark, size_t highmark)
{
	struct bev *p;

	if (bev == NULL)
		return;
	p = bev_of(bev);
	BEV_LOCKED(p);
	if (events & EV_WRITE) {
		p->wm_write_low = lowmark;
		p->wm_write_high = highmark;
	}
	if (events & EV_READ) {
		p->wm_read_low = lowmark;
		p->wm_read_high = highmark;
		bev_check_suspend(p);
	}
}

int bufferevent_getwatermark(struct bufferevent *bev, short events,
                             size_t *lowmark, size_t *highmark)
{
	struct bev *p;

	if (bev == NULL)
		return -1;
	p = bev_of(bev);
	BEV_LOCKED(p);
	if (events == EV_WRITE) {
		if (lowmark != NULL)
			*lowmark = p->wm_write_low;
		if (highmark != NULL)
			*highmark = p->wm_write_high;
		return 0;
	}
	if (events == EV_READ) {
		if (lowmark != NULL)
			*lowmark = p->wm_read_low;
		if (highmark != NULL)
			*highmark = p->wm_read_high;
		return 0;
	}
	return -1;
}

void bufferevent_lock(struct bufferevent *bev)
{
	if (bev != NULL)
		bev_lock(bev_of(bev));
}

void bufferevent_unlock(struct bufferevent *bev)
{
	if (bev != NULL)
		bev_unlock(bev_of(bev));
}

int bufferevent_flush(struct bufferevent *bev, short iotype,
                      enum bufferevent_flush_mode mode)
{
	(void)bev;
	(void)iotype;
	(void)mode;
	return 0;
}

void bufferevent_trigger(struct bufferevent *bev, short iotype, int options)
{
	struct bev *p;
	int now;

	if (bev == NULL)
		return;
	p = bev_of(bev);
	bev_lock(p);
	now = !(options & BEV_TRIG_DEFER_CALLBACKS);
	p->refcnt++;
	if ((iotype & EV_READ) &&
	    ((options & BEV_TRIG_IGNORE_WATERMARKS) ||
	     evbuffer_get_length(bev->input) >= p->wm_read_low)) {
		if (now)
			bev_run_readcb(p);
		else if (p->readcb != NULL) {
			p->pending_read = 1;
			bev_schedule_deferred(p);
		}
	}
	if ((iotype & EV_WRITE) && !p->freed &&
	    ((options & BEV_TRIG_IGNORE_WATERMARKS) ||
	     evbuffer_get_length(bev->output) <= p->wm_write_low)) {
		if (now)
			bev_run_writecb(p);
		else if (p->writecb != NULL) {
			p->pending_write = 1;
			bev_schedule_deferred(p);
		}
	}
	bev_unlock(p);
	bufferevent_decref(bev);
}

void bufferevent_trigger_event(struct bufferevent *bev, short what, int options)
{
	struct bev *p;

	if (bev == NULL)
		return;
	p = bev_of(bev);
	bev_lock(p);
	p->refcnt++;
	if (!(options & BEV_TRIG_DEFER_CALLBACKS)) {
		bev_run_eventcb(p, what);
	} else if (p->eventcb != NULL) {
		p->pending_what |= what;
		p->pending_errno = errno;
		bev_schedule_deferred(p);
	}
	bev_unlock(p);
	bufferevent_decref(bev);
}
