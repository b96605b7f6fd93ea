/*
 * Events: set/assign, add/del, activation, and the fd -> interest map that
 * turns per-event changes into per-fd backend calls.
 *
 * Backend calls are made eagerly when an fd's interest grows (so event_add
 * reports a refused fd at once) and lazily when it shrinks: removals wait
 * on base->changes until just before the next backend wait, so the common
 * "del then add again" costs no system call at all.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#include "ev-internal.h"

struct event_base *ev__current_base;

/* ---- the fd map ------------------------------------------------------ */

static struct ev__fdslot *fdslot(struct event_base *base, int fd)
{
	return (struct ev__fdslot *)(void *)(base->fdslots +
	                                     (size_t)fd * base->fdslot_size);
}

static void *fdinfo(struct event_base *base, int fd)
{
	return (char *)fdslot(base, fd) + EV__FDSLOT_HEAD;
}

static int fdmap_reserve(struct event_base *base, int fd)
{
	int n = base->nfdslots ? base->nfdslots : 64;
	unsigned char *p;

	if (fd < base->nfdslots)
		return 0;
	while (n <= fd)
		n = n > (1 << 29) ? fd + 1 : n * 2;
	p = realloc(base->fdslots, (size_t)n * base->fdslot_size);
	if (p == NULL) {
		errno = ENOMEM;
		return -1;
	}
	memset(p + (size_t)base->nfdslots * base->fdslot_size, 0,
	       (size_t)(n - base->nfdslots) * base->fdslot_size);
	base->fdslots = p;
	base->nfdslots = n;
	return 0;
}

/* The interest the core wants for an fd, from the per-kind counts. */
static int fdslot_mask(const struct ev__fdslot *s)
{
	int m = (s->nread ? EV_READ : 0) | (s->nwrite ? EV_WRITE : 0) |
	        (s->nclosed ? EV_CLOSED : 0);
	return m && s->net ? m | EV_ET : m;
}

static void fdslot_count(struct ev__fdslot *s, short events, int delta)
{
	if (events & EV_READ)
		s->nread += delta;
	if (events & EV_WRITE)
		s->nwrite += delta;
	if (events & EV_CLOSED)
		s->nclosed += delta;
	if (events & EV_ET)
		s->net += delta;
}

/* Queue fd for a deferred removal (at most once). */
static int changes_push(struct event_base *base, int fd)
{
	if (base->nchanges == base->changes_cap) {
		int cap = base->changes_cap ? base->changes_cap * 2 : 64;
		int *c = realloc(base->changes, (size_t)cap * sizeof(*c));
		if (c == NULL)
			return -1;
		base->changes = c;
		base->changes_cap = cap;
	}
	base->changes[base->nchanges++] = fd;
	return 0;
}

void ev__flush_changes(struct event_base *base)
{
	const struct ev_backend_ops *ops = base->module.ops;
	int i;

	for (i = 0; i < base->nchanges; i++) {
		int fd = base->changes[i];
		struct ev__fdslot *s = fdslot(base, fd);
		int want = fdslot_mask(s);
		int have = s->backend_mask;

		int grow = s->changed == EV__CHANGE_ADD;

		s->changed = 0;
		if (want == have && !grow)
			continue;
		if (want != 0 && (grow || (want & ~have))) {
			/* Deferred by another thread while the loop waited. */
			if (ops->add(base->backend_state, fd, have, want,
			             fdinfo(base, fd)) < 0) {
				ev__log(EVENT_LOG_WARN,
				        "%s: adding fd %d failed: %s",
				        ops->name, fd, strerror(errno));
				continue;
			}
		} else if (want != have &&
		           ops->del(base->backend_state, fd, have, want,
		                    fdinfo(base, fd)) < 0) {
			ev__log(EVENT_LOG_WARN,
			        "%s: removing interest of fd %d "
			        "failed: %s",
			        ops->name, fd, strerror(errno));
		}
		fdslot(base, fd)->backend_mask = (uint8_t)want;
	}
	base->nchanges = 0;
}

void ev__fdmap_reregister(struct event_base *base)
{
	const struct ev_backend_ops *ops = base->module.ops;
	int fd;

	base->nchanges = 0;
	for (fd = 0; fd < base->nfdslots; fd++) {
		struct ev__fdslot *s = fdslot(base, fd);
		int want = fdslot_mask(s);

		s->changed = 0;
		s->backend_mask = 0;
		if (want == 0)
			continue;
		if (ops->add(base->backend_state, fd, 0, want,
		             fdinfo(base, fd)) < 0) {
			ev__log(EVENT_LOG_WARN,
			        "%s: re-adding fd %d failed: %s", ops->name, fd,
			        strerror(errno));
			continue;
		}
		fdslot(base, fd)->backend_mask = (uint8_t)want;
	}
}

static int io_add(struct event_base *base, struct event *ev)
{
	const struct ev_backend_ops *ops = base->module.ops;
	int fd = ev->ev_fd;
	struct ev__fdslot *s;
	int before, want, have, grow;

	/* The map grows to the highest fd: make sure a number beyond it is
	 * an open fd before sizing the map (and memory) to it.  One system
	 * call, only when the map would grow. */
	if (fd < 0 || (fd >= base->nfdslots && fcntl(fd, F_GETFD) < 0)) {
		ev__log(EVENT_LOG_WARN, "event_add: invalid fd %d", fd);
		errno = EBADF;
		return -1;
	}
	if (fdmap_reserve(base, fd) < 0) {
		ev__log(EVENT_LOG_ERR, "event_add: out of memory for fd %d",
		        fd);
		return -1;
	}
	s = fdslot(base, fd);
	before = fdslot_mask(s);
	if (before && !(before & EV_ET) != !(ev->ev_events & EV_ET)) {
		ev__log(EVENT_LOG_WARN,
		        "event_add: fd %d mixes edge- and "
		        "level-triggered events",
		        fd);
		errno = EINVAL;
		return -1;
	}
	fdslot_count(s, ev->ev_events, 1);
	want = fdslot_mask(s);
	have = s->backend_mask;
	/* A fresh event_set() on an fd with no interest left while the backend
	 * still holds a removal for it: the program may have closed the fd and
	 * got the same number back, so have the backend register it anew. */
	grow = (want & ~have) ||
	       (before == 0 && have != 0 && (ev->ev_xflags & EVX_FDSET));
	if (grow && base->backend_busy) {
		/* The backend belongs to the loop thread right now (see
		 * thread.c): leave the change for the loop to flush. */
		if (!s->changed && changes_push(base, fd) < 0) {
			fdslot_count(s, ev->ev_events, -1);
			errno = ENOMEM;
			return -1;
		}
		s->changed = EV__CHANGE_ADD;
	} else if (grow) {
		if (ops->add(base->backend_state, fd, have, want,
		             fdinfo(base, fd)) < 0) {
			int saved = errno;
			ev__log(EVENT_LOG_WARN, "%s: adding fd %d failed: %s",
			        ops->name, fd, strerror(saved));
			fdslot_count(fdslot(base, fd), ev->ev_events, -1);
			errno = saved;
			return -1;
		}
		s = fdslot(base, fd);
		s->backend_mask = (uint8_t)want;
	} else if (want != have && !s->changed) {
		/* Interest still shrank overall: keep the pending removal. */
		if (changes_push(base, fd) == 0)
			s->changed = 1;
	}
	/* The usual "del then add again": the removal this add cancels is
	 * the last one queued, so take it off the list rather than have the
	 * next flush visit it to find nothing to do. */
	if (s->changed == 1 && fdslot_mask(s) == s->backend_mask &&
	    base->changes[base->nchanges - 1] == fd) {
		base->nchanges--;
		s->changed = 0;
	}
	ev->ev_io_prev = NULL;
	ev->ev_io_next = s->head;
	if (s->head)
		s->head->ev_io_prev = ev;
	s->head = ev;
	ev->ev_xflags &= ~EVX_FDSET;
	return 0;
}

static void io_del(struct event_base *base, struct event *ev)
{
	int fd = ev->ev_fd;
	struct ev__fdslot *s = fdslot(base, fd);

	if (ev->ev_io_prev)
		ev->ev_io_prev->ev_io_next = ev->ev_io_next;
	else
		s->head = ev->ev_io_next;
	if (ev->ev_io_next)
		ev->ev_io_next->ev_io_prev = ev->ev_io_prev;
	ev->ev_io_next = ev->ev_io_prev = NULL;
	fdslot_count(s, ev->ev_events, -1);
	if (fdslot_mask(s) != s->backend_mask && !s->changed) {
		if (changes_push(base, fd) == 0) {
			s->changed = 1;
			return;
		}
		/* No memory to defer it: tell the backend now, unless it
		 * is busy; a stale interest only costs a spurious wake-up. */
		ev__log(EVENT_LOG_DEBUG, "change list full, removing fd %d now",
		        fd);
		if (!base->backend_busy &&
		    base->module.ops->del(base->backend_state, fd,
		                          s->backend_mask, fdslot_mask(s),
		                          fdinfo(base, fd)) == 0)
			s->backend_mask = (uint8_t)fdslot_mask(s);
	}
}

void ev__fd_ready(struct ev_backend_base *b, int fd, int what)
{
	struct event_base *base = ev__base_of(b);
	struct event *ev;

	if (base->th != NULL)
		ev__thread_fd_ready_lock(base);
	if (fd < 0 || fd >= base->nfdslots)
		return;
	for (ev = fdslot(base, fd)->head; ev != NULL; ev = ev->ev_io_next) {
		int res = ev->ev_events & what & EV_IO_MASK;
		if (res)
			ev__activate(base, ev, res, 1);
	}
}

/* ---- active queues ---------------------------------------------------- */

void ev__activate(struct event_base *base, struct event *ev, int res,
                  short ncalls)
{
	struct ev__activeq *q;
	int pri;

	if (ev->ev_flags & EVLIST_ACTIVE) {
		ev->ev_res |= (short)res;
		if ((ev->ev_events & EV_SIGNAL) &&
		    ev->ev_ncalls < 0x7fff - ncalls)
			ev->ev_ncalls += ncalls;
		return;
	}
	pri = ev->ev_pri;
	if (pri < 0 || pri >= base->nactiveq)
		pri = base->nactiveq - 1;
	q = &base->activeq[pri];
	ev->ev_res = (short)res;
	ev->ev_ncalls = ncalls;
	ev->ev_pncalls = NULL;
	ev->ev_flags |= EVLIST_ACTIVE;
	ev->ev_active_next = NULL;
	ev->ev_active_prev = q->tail;
	if (q->tail)
		q->tail->ev_active_next = ev;
	else
		q->head = ev;
	q->tail = ev;
	base->nactive++;
}

void ev__deactivate(struct event_base *base, struct event *ev)
{
	int pri = ev->ev_pri;
	struct ev__activeq *q;

	if (pri < 0 || pri >= base->nactiveq)
		pri = base->nactiveq - 1;
	q = &base->activeq[pri];
	if (ev->ev_active_prev)
		ev->ev_active_prev->ev_active_next = ev->ev_active_next;
	else
		q->head = ev->ev_active_next;
	if (ev->ev_active_next)
		ev->ev_active_next->ev_active_prev = ev->ev_active_prev;
	else
		q->tail = ev->ev_active_prev;
	ev->ev_active_next = ev->ev_active_prev = NULL;
	ev->ev_flags &= ~EVLIST_ACTIVE;
	base->nactive--;
}

/* ---- counting user events -------------------------------------------- */

/* A user event counts while it is inserted or has a timeout pending. */
static void count_update(struct event_base *base, struct event *ev, int was)
{
	int is = (ev->ev_flags & (EVLIST_INSERTED | EVLIST_TIMEOUT)) != 0;

	if ((ev->ev_flags & EVLIST_INTERNAL) || was == is)
		return;
	base->nevents += is ? 1 : -1;
}

/* ---- public API ------------------------------------------------------- */

static void event_init_fields(struct event *ev, struct event_base *base,
                              evutil_socket_t fd, short events,
                              event_callback_fn cb, void *arg)
{
	memset(ev, 0, sizeof(*ev));
	ev->ev_base = base;
	ev->ev_fd = fd;
	ev->ev_events = events;
	ev->ev_callback = cb;
	ev->ev_arg = arg;
	ev->ev_flags = EVLIST_INIT;
	ev->ev_heap_idx = -1;
	ev->ev_xflags = EVX_FDSET;
	ev->ev_pri = base ? base->nactiveq / 2 : 0;
}

static int events_valid(short events)
{
	return !((events & EV_SIGNAL) &&
	         (events & (EV_READ | EV_WRITE | EV_CLOSED)));
}

void event_set(struct event *ev, evutil_socket_t fd, short events,
               event_callback_fn cb, void *arg)
{
	if (ev == NULL)
		return;
	event_init_fields(ev, ev__current_base, fd, events, cb, arg);
	if (!events_valid(events))
		ev__log(EVENT_LOG_WARN,
		        "event_set: EV_SIGNAL cannot be "
		        "combined with EV_READ/EV_WRITE/EV_CLOSED");
}

int event_assign(struct event *ev, struct event_base *base, evutil_socket_t fd,
                 short events, event_callback_fn cb, void *arg)
{
	if (ev == NULL || base == NULL) {
		errno = EINVAL;
		return -1;
	}
	if (!events_valid(events)) {
		ev__log(EVENT_LOG_WARN,
		        "event_assign: EV_SIGNAL cannot be "
		        "combined with EV_READ/EV_WRITE/EV_CLOSED");
		errno = EINVAL;
		return -1;
	}
	event_init_fields(ev, base, fd, events, cb, arg);
	return 0;
}

struct event *event_new(struct event_base *base, evutil_socket_t fd,
                        short events, event_callback_fn cb, void *arg)
{
	struct event *ev = malloc(sizeof(*ev));

	if (ev == NULL)
		return NULL;
	if (event_assign(ev, base, fd, events, cb, arg) < 0) {
		free(ev);
		return NULL;
	}
	ev->ev_xflags |= EVX_MALLOC;
	return ev;
}

void event_free(struct event *ev)
{
	if (ev == NULL)
		return;
	event_del(ev);
	free(ev);
}

int64_t ev__tv_to_ns(const struct timeval *tv)
{
	int64_t s = tv->tv_sec, us = tv->tv_usec;

	if (s < 0 || (s == 0 && us < 0))
		return 0;
	/* "Never": anything from ~146 years on.  Half the range, so adding
	 * it to the monotonic clock (and a period to that) cannot overflow. */
	if (s >= INT64_MAX / 2 / 1000000000 - 1)
		return INT64_MAX / 2;
	return s * 1000000000 + us * 1000;
}

int ev__event_add_nolock(struct event *ev, const struct timeval *tv)
{
	struct event_base *base;
	int was;

	if (ev == NULL || ev->ev_base == NULL ||
	    !(ev->ev_flags & EVLIST_INIT)) {
		ev__log(EVENT_LOG_WARN,
		        "event_add: event %p has no base or "
		        "was not initialised",
		        (void *)ev);
		errno = EINVAL;
		return -1;
	}
	if (!events_valid(ev->ev_events)) {
		errno = EINVAL;
		return -1;
	}
	base = ev->ev_base;
	was = (ev->ev_flags & (EVLIST_INSERTED | EVLIST_TIMEOUT)) != 0;

	/* Reserve the heap slot first so nothing fails after the fd is in. */
	if (tv != NULL && ev->ev_heap_idx < 0 &&
	    base->nheap == base->heap_cap) {
		if (ev__heap_push(base, ev) < 0) {
			ev__log(EVENT_LOG_ERR, "event_add: out of memory");
			return -1;
		}
		ev__heap_remove(base, ev);
	}

	if ((ev->ev_events & (EV_IO_MASK | EV_SIGNAL)) &&
	    !(ev->ev_flags & EVLIST_INSERTED)) {
		if (ev->ev_events & EV_SIGNAL) {
			if (ev__signal_add(base, ev) < 0)
				return -1;
			ev->ev_flags |= EVLIST_SIGNAL;
		} else if (io_add(base, ev) < 0) {
			return -1;
		}
		ev->ev_flags |= EVLIST_INSERTED;
	}

	if (tv != NULL) {
		/* A timeout that already fired and waits to run is superseded.
		 */
		if ((ev->ev_flags & EVLIST_ACTIVE) &&
		    (ev->ev_res & EV_TIMEOUT)) {
			if (ev->ev_pncalls)
				*ev->ev_pncalls = 0;
			ev__deactivate(base, ev);
		}
		ev->ev_interval = ev__tv_to_ns(tv);
		ev->ev_deadline = ev__base_now(base) + ev->ev_interval;
		if (ev->ev_heap_idx >= 0)
			ev__heap_update(base, ev);
		else
			ev__heap_push(base,
			              ev); /* cannot fail: reserved above */
		ev->ev_flags |= EVLIST_TIMEOUT;
	}
	count_update(base, ev, was);
	return 0;
}

int ev__event_del_nolock(struct event *ev)
{
	struct event_base *base;
	int was;

	if (ev == NULL || ev->ev_base == NULL) {
		errno = EINVAL;
		return -1;
	}
	base = ev->ev_base;
	was = (ev->ev_flags & (EVLIST_INSERTED | EVLIST_TIMEOUT)) != 0;
	/* Stop a signal callback that is being run several times. */
	if (ev->ev_pncalls != NULL) {
		*ev->ev_pncalls = 0;
		ev->ev_pncalls = NULL;
	}
	if (ev->ev_flags & EVLIST_ACTIVE)
		ev__deactivate(base, ev);
	if (ev->ev_heap_idx >= 0)
		ev__heap_remove(base, ev);
	if (ev->ev_flags & EVLIST_INSERTED) {
		if (ev->ev_flags & EVLIST_SIGNAL)
			ev__signal_del(base, ev);
		else
			io_del(base, ev);
	}
	ev->ev_flags &= ~(EVLIST_TIMEOUT | EVLIST_INSERTED | EVLIST_SIGNAL);
	ev->ev_interval = 0;
	count_update(base, ev, was);
	return 0;
}

/* The public entry points take the base lock (when the base has one)
 * around the bodies above.  The locked path lives in its own function so
 * that the path without a lock is three tests and a tail call: no stack
 * frame, no saved registers. */
static __attribute__((noinline)) int event_add_locked(struct event_base *base,
                                                      struct event *ev,
                                                      const struct timeval *tv)
{
	int r;

	ev__lock(base);
	r = ev__event_add_nolock(ev, tv);
	ev__unlock_notify(base);
	return r;
}

int event_add(struct event *ev, const struct timeval *tv)
{
	if (ev != NULL && ev->ev_base != NULL && ev->ev_base->th != NULL)
		return event_add_locked(ev->ev_base, ev, tv);
	return ev__event_add_nolock(ev, tv);
}

static __attribute__((noinline)) int event_del_locked(struct event_base *base,
                                                      struct event *ev)
{
	int r;

	ev__lock(base);
	r = ev__event_del_nolock(ev);
	/* Removed first, so a signal callback being run several times stops
	 * after the current call; then wait for that call to return. */
	ev__thread_wait_cb(base, ev);
	ev__unlock_notify(base);
	return r;
}

int event_del(struct event *ev)
{
	if (ev != NULL && ev->ev_base != NULL && ev->ev_base->th != NULL)
		return event_del_locked(ev->ev_base, ev);
	return ev__event_del_nolock(ev);
}

static __attribute__((noinline)) void
event_active_locked(struct event_base *base, struct event *ev, int res,
                    short ncalls)
{
	ev__lock(base);
	ev__activate(base, ev, res, ncalls);
	ev__unlock_notify(base);
}

void event_active(struct event *ev, int res, short ncalls)
{
	if (ev == NULL || ev->ev_base == NULL) {
		ev__log(EVENT_LOG_WARN, "event_active: event has no base");
		return;
	}
	if (ev->ev_base->th != NULL)
		event_active_locked(ev->ev_base, ev, res,
		                    ncalls > 0 ? ncalls : 1);
	else
		ev__activate(ev->ev_base, ev, res, ncalls > 0 ? ncalls : 1);
}

static int event_pending_nolock(const struct event *ev, short events,
                                struct timeval *tv)
{
	int flags = 0;

	if (ev->ev_flags & EVLIST_INSERTED)
		flags |= ev->ev_events & (EV_IO_MASK | EV_SIGNAL);
	if (ev->ev_flags & EVLIST_ACTIVE)
		flags |= ev->ev_res;
	if (ev->ev_flags & EVLIST_TIMEOUT)
		flags |= EV_TIMEOUT;
	flags &= events & (EV_TIMEOUT | EV_IO_MASK | EV_SIGNAL);

	if (tv != NULL && (flags & EV_TIMEOUT) && ev->ev_heap_idx >= 0) {
		struct timeval now;
		int64_t left = ev->ev_deadline - ev__monotonic_ns();

		gettimeofday(&now, NULL);
		if (left < 0)
			left = 0;
		left = left / 1000 + now.tv_usec; /* microseconds */
		tv->tv_sec = now.tv_sec + (time_t)(left / 1000000);
		tv->tv_usec = (suseconds_t)(left % 1000000);
	}
	return flags;
}

int event_pending(const struct event *ev, short events, struct timeval *tv)
{
	int r;

	if (ev == NULL)
		return 0;
	if (ev->ev_base == NULL || ev->ev_base->th == NULL)
		return event_pending_nolock(ev, events, tv);
	ev__lock(ev->ev_base);
	r = event_pending_nolock(ev, events, tv);
	ev__unlock(ev->ev_base);
	return r;
}

evutil_socket_t event_get_fd(const struct event *ev)
{
	return ev->ev_fd;
}

struct event_base *event_get_base(const struct event *ev)
{
	return ev->ev_base;
}

short event_get_events(const struct event *ev)
{
	return ev->ev_events;
}

event_callback_fn event_get_callback(const struct event *ev)
{
	return ev->ev_callback;
}

void *event_get_callback_arg(const struct event *ev)
{
	return ev->ev_arg;
}

int event_get_priority(const struct event *ev)
{
	return ev->ev_pri;
}

size_t event_get_struct_event_size(void)
{
	return sizeof(struct event);
}

int event_priority_set(struct event *ev, int pri)
{
	if (ev == NULL || ev->ev_base == NULL ||
	    (ev->ev_flags & EVLIST_ACTIVE) || pri < 0 ||
	    pri >= ev->ev_base->nactiveq)
		return -1;
	ev->ev_pri = pri;
	return 0;
}

/* ---- event_once ------------------------------------------------------- */

/* The library-owned wrapper behind event_once(); listed on the base so
 * event_base_free() can release the ones that never ran. */
struct ev__once {
	struct event ev;
	event_callback_fn cb;
	void *arg;
	struct ev__once *next;
	struct ev__once *prev;
};

static void once_unlink(struct event_base *base, struct ev__once *o)
{
	if (o->prev)
		o->prev->next = o->next;
	else
		base->once_head = o->next;
	if (o->next)
		o->next->prev = o->prev;
}

static void once_cb(evutil_socket_t fd, short what, void *arg)
{
	struct ev__once *o = arg;
	struct event_base *base = o->ev.ev_base;
	event_callback_fn cb = o->cb;
	void *cb_arg = o->arg;

	/* A user callback: runs without the base lock. */
	ev__lock(base);
	once_unlink(base, o);
	ev__unlock(base);
	free(o);
	cb(fd, what, cb_arg);
}

void ev__once_free_all(struct event_base *base)
{
	while (base->once_head != NULL) {
		struct ev__once *o = base->once_head;
		event_del(&o->ev);
		once_unlink(base, o);
		free(o);
	}
}

int event_base_once(struct event_base *base, evutil_socket_t fd, short events,
                    event_callback_fn cb, void *arg, const struct timeval *tv)
{
	static const struct timeval zero = {0, 0};
	struct ev__once *o;

	if (base == NULL || cb == NULL || (events & (EV_SIGNAL | EV_PERSIST))) {
		errno = EINVAL;
		return -1;
	}
	o = calloc(1, sizeof(*o));
	if (o == NULL)
		return -1;
	o->cb = cb;
	o->arg = arg;
	if (events & EV_IO_MASK)
		event_assign(&o->ev, base, fd, events & (EV_IO_MASK | EV_ET),
		             once_cb, o);
	else
		event_assign(&o->ev, base, -1, 0, once_cb, o);
	/* A pure timer without a timeout runs on the next iteration. */
	if (!(events & EV_IO_MASK) && tv == NULL)
		tv = &zero;
	ev__lock(base);
	if (ev__event_add_nolock(&o->ev, tv) < 0) {
		ev__unlock(base);
		free(o);
		return -1;
	}
	o->next = base->once_head;
	if (o->next)
		o->next->prev = o;
	base->once_head = o;
	ev__unlock_notify(base);
	return 0;
}

int event_once(evutil_socket_t fd, short events, event_callback_fn cb,
               void *arg, const struct timeval *tv)
{
	return event_base_once(ev__current_base, fd, events, cb, arg, tv);
}
