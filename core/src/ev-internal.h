/*
 * Private to libev-core: the base, the fd map, the timer heap and the
 * loader.  Nothing outside core/src includes this file.
 */
#ifndef LIBEV_EV_INTERNAL_H
#define LIBEV_EV_INTERNAL_H

#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <time.h>

#include "event.h"
#include "ev-backend.h"

/* Private ev_xflags bits of struct event. */
#define EVX_FDSET                                                              \
	0x01 /* event_set/assign since the last add: the fd may be new */
#define EVX_ONCE   0x02 /* owned by event_once; freed after its callback */
#define EVX_MALLOC 0x04 /* allocated by event_new */

#define EV_IO_MASK (EV_READ | EV_WRITE | EV_CLOSED)

/* One entry of the fd map.  The backend's fdinfo scratch follows it in the
 * same allocation (stride = base->fdslot_size). */
struct ev__fdslot {
	struct event *head;   /* events on this fd, doubly linked */
	uint32_t nread;       /* events that want EV_READ */
	uint32_t nwrite;      /* events that want EV_WRITE */
	uint32_t nclosed;     /* events that want EV_CLOSED */
	uint32_t net;         /* events that asked for EV_ET */
	uint8_t backend_mask; /* interest the backend was last told */
	uint8_t changed;      /* on base->changes: a removal waits for flush */
};

/* Offset of the backend's fdinfo scratch within a slot. */
#define EV__FDSLOT_HEAD ((sizeof(struct ev__fdslot) + 15) & ~(size_t)15)

/* An owner of signal numbers: one per base that watches signals. */
struct ev__sigwatch;
struct ev__once;

/* One timer heap entry: the deadline is kept next to the event so that
 * heap comparisons never touch the events themselves. */
struct ev__heapent {
	int64_t deadline; /* copy of ev->ev_deadline */
	struct event *ev;
};

/* One queue of active events, per priority. */
struct ev__activeq {
	struct event *head;
	struct event *tail;
};

/* A module found and loaded by the loader. */
struct ev__module {
	const struct ev_backend_ops *ops;
	void *dl; /* dlopen handle, NULL for a built-in backend */
};

struct event_config {
	char **avoid;
	int navoid;
	int flags;
	int require_features;
};

struct event_base {
	/* The backend. */
	struct ev__module module;
	void *backend_state;
	struct ev_backend_host host;

	/* fd -> interest map. */
	unsigned char *fdslots;
	int nfdslots;
	size_t fdslot_size;
	int *changes; /* fds with a deferred removal */
	int nchanges;
	int changes_cap;

	/* Timer min-heap of events ordered by ev_deadline (heap.c). */
	struct ev__heapent *heap;
	int nheap;
	int heap_cap;

	/* Active queues, one per priority. */
	struct ev__activeq *activeq;
	int nactiveq;
	int nactive;
	struct event fence; /* marks where the current pass ends */
	short ncalls_left;  /* calls left for the event being run */

	/* Signal events: per-signal lists, and the wake-up channel. */
	struct event *sig_head[NSIG];
	int nsig_events;
	struct ev__sigwatch *sigwatch;
	struct event sig_ev; /* internal: reads the wake-up pipe */

	/* Counts of user events (EVLIST_INTERNAL excluded). */
	int nevents;

	/* Time. */
	int64_t now_cache; /* monotonic ns, 0 when not cached */
	struct timeval wall_cache;
	int wall_cached;
	int no_cache_time;

	/* Loop control. */
	int running;
	int got_exit;
	int got_break;
	struct event exit_ev; /* internal timer behind event_base_loopexit() */

	/* event_once events still pending, so event_base_free frees them. */
	struct ev__once *once_head;

	/* Threads (thread.c).  th is NULL for a base without a lock: created
	 * with EVENT_BASE_FLAG_NOLOCK or before evthread_use_pthreads(), so
	 * the hot path pays one predictable branch and nothing else. */
	struct ev__thread *th;
	/* Backend calls must wait on base->changes: the loop thread is inside
	 * ops->dispatch without the lock, or event_reinit() is rebuilding. */
	int backend_busy;
};

/* Value of ev__fdslot.changed for an fd whose backend registration must
 * grow (or be renewed) when the change list is flushed. */
#define EV__CHANGE_ADD 2

/* The lock, the cross-thread wake-up channel and the bookkeeping that lets
 * event_del() wait for a callback running in the loop thread. */
struct ev__thread {
	pthread_mutex_t lock;
	pthread_cond_t cb_done;   /* broadcast when a callback returns */
	pthread_t loop_thread;    /* valid while base->running */
	struct event *running_ev; /* user callback running now, unlocked */
	int nwaiters;             /* threads waiting on cb_done */
	int in_dispatch;          /* loop thread waits in the backend */
	int dispatch_locked;      /* fd_ready took the lock in this wait */
	int notified;             /* a wake-up is in flight */
	int wake_rfd;             /* eventfd, or a pipe's read end */
	int wake_wfd;             /* the same eventfd, or the write end */
	struct event wake_ev;     /* internal: drains wake_rfd */
};

/* The base lock.  Both helpers are a single test of a pointer when the
 * base has no lock. */
static inline void ev__lock(struct event_base *base)
{
	if (base->th != NULL)
		pthread_mutex_lock(&base->th->lock);
}

void ev__thread_unlock_notify(struct event_base *base);

/* Unlocks after a change another thread's loop must notice, and wakes
 * that loop if it sleeps in the backend. */
static inline void ev__unlock_notify(struct event_base *base)
{
	if (base->th != NULL)
		ev__thread_unlock_notify(base);
}

static inline void ev__unlock(struct event_base *base)
{
	if (base->th != NULL)
		pthread_mutex_unlock(&base->th->lock);
}

/* Cast helpers between the public base and the backend handle. */
static inline struct event_base *ev__base_of(struct ev_backend_base *b)
{
	return (struct event_base *)(void *)b;
}

/* log.c */
void ev__log(int severity, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void ev__vlog(int severity, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
void ev__backend_log(struct ev_backend_base *base, int severity,
                     const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* clock.c */
int64_t ev__monotonic_ns(void);
int64_t ev__base_now(struct event_base *base);

/* heap.c */
int ev__heap_push(struct event_base *base, struct event *ev);
void ev__heap_remove(struct event_base *base, struct event *ev);
void ev__heap_update(struct event_base *base, struct event *ev);
void ev__heap_free(struct event_base *base);

/* loader.c */
int ev__load_backend(struct event_base *base, const struct event_config *cfg);
void ev__unload_backend(struct event_base *base);

/* signal.c */
int ev__signal_add(struct event_base *base, struct event *ev);
void ev__signal_del(struct event_base *base, struct event *ev);
void ev__signal_base_free(struct event_base *base);
int ev__signal_reinit(struct event_base *base);

/* thread.c */
int ev__thread_base_init(struct event_base *base,
                         const struct event_config *cfg);
void ev__thread_base_free(struct event_base *base);
int ev__thread_reinit(struct event_base *base);
void ev__thread_reinit_lock(struct event_base *base);
int ev__thread_dispatch(struct event_base *base, const struct timespec *ts);
void ev__thread_fd_ready_lock(struct event_base *base);
void ev__thread_run_cb(struct event_base *base, struct event *ev,
                       event_callback_fn cb, evutil_socket_t fd, short res,
                       void *arg);
void ev__thread_wait_cb(struct event_base *base, struct event *ev);

/* event.c.  The bodies of event_add()/event_del() without the lock, for
 * callers that hold it.  Hidden, so the public wrappers reach them by a
 * direct jump rather than through the PLT. */
__attribute__((visibility("hidden"))) int
ev__event_add_nolock(struct event *ev, const struct timeval *tv);
__attribute__((visibility("hidden"))) int
ev__event_del_nolock(struct event *ev);
extern struct event_base *ev__current_base;
void ev__activate(struct event_base *base, struct event *ev, int res,
                  short ncalls);
void ev__deactivate(struct event_base *base, struct event *ev);
void ev__fd_ready(struct ev_backend_base *b, int fd, int what);
void ev__flush_changes(struct event_base *base);
void ev__fdmap_reregister(struct event_base *base);
void ev__once_free_all(struct event_base *base);
int64_t ev__tv_to_ns(const struct timeval *tv);

#endif
