/*
 * Private to libev-core: the base, the fd map, the timer heap and the
 * loader.  Nothing outside core/src includes this file.
 */
#ifndef LIBEV_EV_INTERNAL_H
#define LIBEV_EV_INTERNAL_H

#include <signal.h>
#include <stdint.h>
#include <time.h>

#include "event.h"
#include "ev-backend.h"

/* Private ev_xflags bits of struct event. */
#define EVX_FDSET 0x01  /* event_set/assign since the last add: the fd may be new */
#define EVX_ONCE 0x02   /* owned by event_once; freed after its callback */
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
};

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
		     const char *fmt, ...) __attribute__((format(printf, 3, 4)));

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

/* event.c */
extern struct event_base *ev__current_base;
void ev__activate(struct event_base *base, struct event *ev, int res,
		  short ncalls);
void ev__deactivate(struct event_base *base, struct event *ev);
void ev__fd_ready(struct ev_backend_base *b, int fd, int what);
void ev__flush_changes(struct event_base *base);
void ev__fdmap_reregister(struct event_base *base);
void ev__once_free_all(struct event_base *base);

#endif
