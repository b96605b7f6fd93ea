/*
 * The loop: wait in the backend, expire timers, run active events by
 * priority.  One clock read per iteration; no system call besides the
 * backend's wait unless an fd's interest changed.
 */
#include <errno.h>
#include <string.h>

#include "ev-internal.h"

/* Moves every timer whose deadline has passed to the active queues. */
static void expire_timers(struct event_base *base)
{
	int64_t now = ev__base_now(base);

	while (base->nheap > 0 && base->heap[0].deadline <= now) {
		struct event *ev = base->heap[0].ev;

		ev__heap_remove(base, ev);
		ev->ev_flags &= ~EVLIST_TIMEOUT;
		/* A non-persistent event is finished: take it out of its fd or
		 * signal list too, as libevent does. */
		if (!(ev->ev_events & EV_PERSIST) &&
		    (ev->ev_flags & EVLIST_INSERTED)) {
			/* Keep what the fd reported in this same iteration. */
			short res =
			    (ev->ev_flags & EVLIST_ACTIVE) ? ev->ev_res : 0;
			ev__event_del_nolock(ev);
			ev__activate(base, ev, res | EV_TIMEOUT, 1);
			continue;
		}
		if (!(ev->ev_flags & (EVLIST_INSERTED | EVLIST_INTERNAL)))
			base->nevents--;
		ev__activate(base, ev, EV_TIMEOUT, 1);
	}
}

/* A persistent event with a timeout is re-armed before its callback runs,
 * so the callback may event_del() or event_add() it as it likes. */
static void rearm_persistent(struct event_base *base, struct event *ev)
{
	int64_t now = ev__base_now(base);
	int64_t next;
	int was = (ev->ev_flags & (EVLIST_INSERTED | EVLIST_TIMEOUT)) != 0;

	if (ev->ev_res & EV_TIMEOUT) {
		/* Keep a steady period; if we fell behind, do not catch up. */
		next = ev->ev_deadline + ev->ev_interval;
		if (next < now)
			next = now + ev->ev_interval;
	} else {
		next = now + ev->ev_interval;
	}
	ev->ev_deadline = next;
	if (ev->ev_heap_idx >= 0) {
		ev__heap_update(base, ev);
	} else if (ev__heap_push(base, ev) < 0) {
		ev__log(EVENT_LOG_ERR, "out of memory re-arming a timeout");
		return;
	}
	ev->ev_flags |= EVLIST_TIMEOUT;
	if (!was && !(ev->ev_flags & EVLIST_INTERNAL))
		base->nevents++;
}

/* Calls a callback; on a base with a lock, a user callback runs without
 * it (thread.c), while the library's own internal ones keep it. */
static inline void call_cb(struct event_base *base, struct event *ev,
                           event_callback_fn cb, evutil_socket_t fd, short res,
                           void *arg)
{
	if (base->th == NULL || (ev->ev_flags & EVLIST_INTERNAL))
		cb(fd, res, arg);
	else
		ev__thread_run_cb(base, ev, cb, fd, res, arg);
}

static void run_event(struct event_base *base, struct event *ev)
{
	short ncalls;
	short res;
	event_callback_fn cb = ev->ev_callback;
	evutil_socket_t fd = ev->ev_fd;
	void *arg = ev->ev_arg;

	ev__deactivate(base, ev);
	res = ev->ev_res;
	if (!(ev->ev_events & EV_PERSIST))
		ev__event_del_nolock(ev);
	else if (ev->ev_interval > 0 && (ev->ev_flags & EVLIST_INSERTED ||
	                                 !(ev->ev_events & EV_IO_MASK)))
		rearm_persistent(base, ev);

	ncalls = ev->ev_ncalls;
	if (ncalls <= 1) {
		/* The common case: after the callback, ev may be gone. */
		call_cb(base, ev, cb, fd, res, arg);
		return;
	}
	/* A signal that arrived several times: run it that often, unless
	 * event_del() (which zeroes the counter through ev_pncalls) or a
	 * loopbreak stops us. */
	base->ncalls_left = ncalls;
	ev->ev_pncalls = &base->ncalls_left;
	while (base->ncalls_left > 0) {
		if (--base->ncalls_left == 0)
			ev->ev_pncalls = NULL;
		call_cb(base, ev, cb, fd, res, arg);
		if (base->got_break && base->ncalls_left > 0) {
			ev->ev_pncalls = NULL;
			break;
		}
	}
}

static void fence_unlink(struct ev__activeq *q, struct event *f)
{
	if (f->ev_active_prev)
		f->ev_active_prev->ev_active_next = f->ev_active_next;
	else
		q->head = f->ev_active_next;
	if (f->ev_active_next)
		f->ev_active_next->ev_active_prev = f->ev_active_prev;
	else
		q->tail = f->ev_active_prev;
}

/* Runs the active events of the best non-empty priority, up to a fence
 * placed at the queue's tail: events activated meanwhile wait for the next
 * iteration, so a callback that re-activates itself cannot starve I/O. */
static int run_active(struct event_base *base)
{
	struct event *fence = &base->fence;
	int pri;

	for (pri = 0; pri < base->nactiveq; pri++) {
		struct ev__activeq *q = &base->activeq[pri];
		int count = 0;

		if (q->head == NULL)
			continue;
		fence->ev_active_next = NULL;
		fence->ev_active_prev = q->tail;
		q->tail->ev_active_next = fence;
		q->tail = fence;
		while (q->head != fence && !base->got_break) {
			/* The library's own events (signal pipe, wake-up,
			 * loopexit) are not what EVLOOP_ONCE waits for. */
			if (!(q->head->ev_flags & EVLIST_INTERNAL))
				count++;
			run_event(base, q->head);
		}
		fence_unlink(q, fence);
		return count;
	}
	return 0;
}

int event_base_loop(struct event_base *base, int flags)
{
	const struct ev_backend_ops *ops;
	int ret = 0, polled = 0;

	if (base == NULL)
		base = ev__current_base;
	if (base == NULL) {
		ev__log(EVENT_LOG_WARN, "event_base_loop: no base");
		return -1;
	}
	ev__lock(base);
	if (base->running) {
		ev__unlock(base);
		ev__log(EVENT_LOG_WARN, "event_base_loop: already running; "
		                        "reentrant calls are not allowed");
		return -1;
	}
	ops = base->module.ops;
	base->running = 1;
	if (base->th != NULL)
		base->th->loop_thread = pthread_self();
	base->got_exit = base->got_break = 0;

	for (;;) {
		struct timespec ts, *tsp = NULL;
		int n;

		if (base->got_exit || base->got_break)
			break;
		if (!(flags & EVLOOP_NO_EXIT_ON_EMPTY) && base->nevents == 0 &&
		    base->nactive == 0) {
			ret = 1;
			break;
		}
		/* EVLOOP_ONCE and EVLOOP_NONBLOCK wait in the backend once per
		 * call (ONCE again only if nothing came); later passes only
		 * drain the priorities still active.  Polling again would let
		 * an fd that stays ready, or a busy better priority, keep the
		 * call from ever returning. */
		if (polled && (flags & (EVLOOP_ONCE | EVLOOP_NONBLOCK))) {
			if (base->nactive)
				goto run;
			if (flags & EVLOOP_NONBLOCK)
				break;
		}
		if (base->nchanges)
			ev__flush_changes(base);

		if (base->nactive || (flags & EVLOOP_NONBLOCK)) {
			ts.tv_sec = 0;
			ts.tv_nsec = 0;
			tsp = &ts;
		} else if (base->nheap > 0) {
			int64_t left =
			    base->heap[0].deadline - ev__base_now(base);
			if (left < 0)
				left = 0;
			ts.tv_sec = (time_t)(left / 1000000000);
			ts.tv_nsec = (long)(left % 1000000000);
			tsp = &ts;
		}

		base->now_cache = 0;
		base->wall_cached = 0;
		if (base->th == NULL)
			n = ops->dispatch(base->backend_state, tsp);
		else
			n = ev__thread_dispatch(base, tsp);
		if (n < 0) {
			ev__log(EVENT_LOG_ERR, "%s: dispatch failed: %s",
			        ops->name, strerror(errno));
			ret = -1;
			break;
		}
		base->now_cache = ev__monotonic_ns();
		polled = 1;

		if (base->nheap > 0)
			expire_timers(base);
	run:
		if (base->nactive) {
			n = run_active(base);
			if ((flags & EVLOOP_ONCE) && base->nactive == 0 &&
			    n != 0)
				break;
		} else if (flags & EVLOOP_NONBLOCK) {
			break;
		}
	}
	base->now_cache = 0;
	base->wall_cached = 0;
	base->running = 0;
	ev__unlock(base);
	return ret;
}

int event_base_dispatch(struct event_base *base)
{
	return event_base_loop(base, 0);
}

int event_loop(int flags)
{
	return event_base_loop(ev__current_base, flags);
}

int event_dispatch(void)
{
	return event_base_loop(ev__current_base, 0);
}
