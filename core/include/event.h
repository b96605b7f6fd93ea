/**
 * @file
 * @brief libev-core: the libevent-compatible event loop API.
 *
 * A program asks to be called back when a file descriptor becomes readable
 * or writable, when a timeout expires or when a signal arrives, and then
 * runs the loop.  This header is source-compatible with libevent's 1.3
 * `<event.h>` and with the 2.x core API (`<event2/event.h>`).
 *
 * Threading: unless stated otherwise, a base and its events are used from
 * one thread at a time; see ev-thread.h (included at the end of this
 * header) for bases shared between threads.
 */
#ifndef LIBEV_EVENT_H
#define LIBEV_EVENT_H

#include <stdarg.h>
#include <stddef.h>
#include <sys/time.h>
#include <evutil.h>

#ifdef __cplusplus
extern "C" {
#endif

/** libev's own version as a string. */
#define LIBEV_VERSION "0.1.0"
/** libev's own version as a number: 0xMMmmpp00. */
#define LIBEV_VERSION_NUMBER 0x00010000
/**
 * The libevent API level libev implements, as libevent encodes it
 * (0xMMmmpp00 for 2.1.12).  Programs gate features on it.
 */
#define LIBEVENT_VERSION_NUMBER 0x02010c00
/** The libevent API level libev implements, as a string. */
#define LIBEVENT_VERSION "2.1.12-libev"
/** libevent's older name for LIBEVENT_VERSION. */
#define _EVENT_VERSION LIBEVENT_VERSION
/** libevent's 2.1 name for LIBEVENT_VERSION. */
#define EVENT__VERSION LIBEVENT_VERSION
/** libevent's 2.1 name for LIBEVENT_VERSION_NUMBER. */
#define EVENT__NUMERIC_VERSION LIBEVENT_VERSION_NUMBER

/** @name Event flags (values fixed by libevent)
 * @{ */
#define EV_TIMEOUT  0x01 /**< The timeout expired. */
#define EV_READ     0x02 /**< The fd is readable. */
#define EV_WRITE    0x04 /**< The fd is writable. */
#define EV_SIGNAL   0x08 /**< The signal arrived. */
#define EV_PERSIST  0x10 /**< Stay pending after the callback runs. */
#define EV_ET       0x20 /**< Edge-triggered, where the backend supports it. */
#define EV_FINALIZE 0x40 /**< 2.x finalisation flag (accepted, no effect). */
#define EV_CLOSED   0x80 /**< The peer closed (where the backend reports it). */
/** @} */

/** @name Event list flags, as 1.3 programs read them in ev_flags
 * @{ */
#define EVLIST_TIMEOUT  0x01 /**< Has a pending timeout. */
#define EVLIST_INSERTED 0x02 /**< Added (fd or signal). */
#define EVLIST_SIGNAL   0x04 /**< Added as a signal event. */
#define EVLIST_ACTIVE   0x08 /**< Waiting in an active queue. */
#define EVLIST_INTERNAL 0x10 /**< Used by the library itself. */
#define EVLIST_INIT     0x80 /**< Initialised by event_set()/event_assign(). */
#define EVLIST_ALL      0xff /**< All of the above. */
/** @} */

/** @name event_base_loop() flags
 * @{ */
#define EVLOOP_ONCE             0x01 /**< Block once, run the active events, return. */
#define EVLOOP_NONBLOCK         0x02 /**< Do not block: poll once and return. */
#define EVLOOP_NO_EXIT_ON_EMPTY 0x04 /**< Keep running with no events. */
/** @} */

/** @name Log severities for event_set_log_callback()
 * @{ */
#define EVENT_LOG_DEBUG  0 /**< Debugging detail (off by default). */
#define EVENT_LOG_MSG    1 /**< Informational message. */
#define EVENT_LOG_WARN   2 /**< Something went wrong, but it goes on. */
#define EVENT_LOG_ERR    3 /**< An operation failed. */
#define _EVENT_LOG_DEBUG EVENT_LOG_DEBUG /**< 1.3 spelling. */
#define _EVENT_LOG_MSG   EVENT_LOG_MSG   /**< 1.3 spelling. */
#define _EVENT_LOG_WARN  EVENT_LOG_WARN  /**< 1.3 spelling. */
#define _EVENT_LOG_ERR   EVENT_LOG_ERR   /**< 1.3 spelling. */
/** @} */

struct event_base;
struct event_config;

/** Signature of an event callback: (fd or signal, what happened, arg). */
typedef void (*event_callback_fn)(evutil_socket_t, short, void *);
/** Signature of a log callback: (severity, message without newline). */
typedef void (*event_log_cb)(int severity, const char *msg);

/**
 * An event.  Programs embed it in their own structures and initialise it
 * with event_set() or event_assign().  The fields marked public may be
 * read; everything else is private and may change between versions.
 */
struct event {
	/** @cond LIBEV_PRIVATE */
	/* Private: links in the per-fd or per-signal list. */
	struct event *ev_io_next;
	struct event *ev_io_prev;
	/* Private: links in the active queue of the event's priority. */
	struct event *ev_active_next;
	struct event *ev_active_prev;
	/* Private: absolute monotonic deadline (ns) and the relative timeout
	 * (ns) a persistent event is re-armed with. */
	ev_int64_t ev_deadline;
	ev_int64_t ev_interval;
	/* Private: slot in the timer heap, -1 when not in it. */
	int ev_heap_idx;
	/* Private: how many more times the callback runs (signals). */
	short ev_ncalls;
	/* Private: libev's own state bits. */
	unsigned short ev_xflags;
	/* Private: points at the running counter so event_del() stops it. */
	short *ev_pncalls;
	/** @endcond */

	struct event_base *ev_base;    /**< Public: the base it belongs to. */
	evutil_socket_t ev_fd;         /**< Public: fd, or signal number. */
	short ev_events;               /**< Public: EV_* flags asked for. */
	short ev_res;                  /**< Public: EV_* flags that fired. */
	int ev_flags;                  /**< Public: EVLIST_* state bits. */
	int ev_pri;                    /**< Public: priority (0 is best). */
	event_callback_fn ev_callback; /**< Public: the callback. */
	void *ev_arg;                  /**< Public: the callback's argument. */
};

/** @name Accessor macros of the 1.3 API
 * @{ */
/** The file descriptor of an fd event. */
#define EVENT_FD(ev) ((int)(ev)->ev_fd)
/** The signal number of a signal event. */
#define EVENT_SIGNAL(ev) ((int)(ev)->ev_fd)
/** @} */

/* ---------------------------------------------------------------------- */
/** @name Bases and the loop
 * @{ */

/**
 * Creates a base with the default configuration and makes it the
 * process-wide current base used by the functions without a base argument.
 * @return the base, or NULL when no backend could be loaded (logged).
 */
struct event_base *event_init(void);
/**
 * Creates a new base with the default configuration.
 * @return the base, or NULL when no backend could be loaded (logged).
 */
struct event_base *event_base_new(void);
/**
 * Creates a base with the given configuration (NULL = default).
 * @return the base, or NULL (logged) when no backend allowed by `cfg`
 *         could be loaded.
 */
struct event_base *event_base_new_with_config(const struct event_config *cfg);
/**
 * Frees a base.  Events still added are removed (their memory stays the
 * caller's); event_once() events are freed.  Must not be called from one
 * of its callbacks.
 */
void event_base_free(struct event_base *base);
/**
 * Makes a base usable in a child after fork().  Call it in the child (not
 * in the parent), before the child uses the base; calling it from a
 * callback is fine, and the loop that ran the callback then carries on in
 * the child.  It rebuilds the backend's kernel object where the backend
 * needs it (epoll: a new epoll fd, since the parent's is shared), gives
 * the child its own signal pipe and, on a base with a lock (ev-thread.h),
 * its own wake-up fd, and registers every fd event again: events added
 * before fork() keep working in the child, and so do events and signals
 * added after.  Nothing of the parent's is touched, so the parent goes on
 * unaffected, whatever the child adds or deletes afterwards.  A child that
 * uses the base without calling it may steal the parent's wake-ups and,
 * on epoll, change the parent's registrations.
 * @return 0 on success, -1 on failure (logged).
 */
int event_reinit(struct event_base *base);
/** Runs the loop of the current base until no events remain. */
int event_dispatch(void);
/**
 * Runs the loop until no events remain or it is told to stop.
 * @return 0 when it stopped normally, 1 when it ran out of events,
 *         -1 on a backend error (logged).
 */
int event_base_dispatch(struct event_base *base);
/** event_base_loop() on the current base. */
int event_loop(int flags);
/**
 * Runs the loop.
 * @param base the base (NULL: the current base).
 * @param flags 0, or EVLOOP_ONCE / EVLOOP_NONBLOCK /
 *        EVLOOP_NO_EXIT_ON_EMPTY.
 * @return 0 when it stopped normally, 1 when it ran out of events,
 *         -1 on a backend error (logged).
 */
int event_base_loop(struct event_base *base, int flags);
/** event_base_loopexit() on the current base. */
int event_loopexit(const struct timeval *tv);
/**
 * Makes the loop exit after `tv` (NULL: after the callbacks of the current
 * iteration have run).
 * @return 0 on success, -1 on failure.
 */
int event_base_loopexit(struct event_base *base, const struct timeval *tv);
/** event_base_loopbreak() on the current base. */
int event_loopbreak(void);
/**
 * Makes the loop exit at once, after the callback running now.
 * @return 0 on success, -1 if `base` is NULL.
 */
int event_base_loopbreak(struct event_base *base);
/** True when the last loop ended because of event_base_loopexit(). */
int event_base_got_exit(struct event_base *base);
/** True when the last loop ended because of event_base_loopbreak(). */
int event_base_got_break(struct event_base *base);
/**
 * Moves a not-yet-added event to another base.
 * @return 0 on success, -1 if the event is pending or active.
 */
int event_base_set(struct event_base *base, struct event *ev);
/** The libevent API level implemented, e.g. "2.1.12-libev". */
const char *event_get_version(void);
/** The libevent API level implemented, as LIBEVENT_VERSION_NUMBER. */
ev_uint32_t event_get_version_number(void);
/** libev's own version string. */
const char *libev_get_version(void);
/** Name of the backend of the current base (e.g. "epoll"). */
const char *event_get_method(void);
/** Name of the backend of `base` (e.g. "epoll"). */
const char *event_base_get_method(const struct event_base *base);
/**
 * NULL-terminated list of the backends that can be loaded here, in order of
 * preference.  The array is owned by the library.
 */
const char **event_get_supported_methods(void);
/**
 * The loop's cached wall-clock time when called from a callback, else the
 * current time.
 * @return 0 on success, -1 if `base` and the current base are NULL.
 */
int event_base_gettimeofday_cached(struct event_base *base, struct timeval *tv);
/**
 * Sets the callback that receives libev's log messages (NULL restores the
 * default, which writes warnings and errors to stderr).
 */
void event_set_log_callback(event_log_cb cb);
/** Turns debug log messages on (they are dropped by default). */
void event_enable_debug_logging(ev_uint32_t which);
/** Argument of event_enable_debug_logging(): every debug message. */
#define EVENT_DBG_ALL 0xffffffffu
/** Argument of event_enable_debug_logging(): none. */
#define EVENT_DBG_NONE 0
/** Number of events added (or active) on `base`, for diagnostics. */
int event_base_get_num_events(struct event_base *base, unsigned int flags);
/** Flag for event_base_get_num_events(): count added events. */
#define EVENT_BASE_COUNT_ADDED 0x01
/** Flag for event_base_get_num_events(): count active events. */
#define EVENT_BASE_COUNT_ACTIVE 0x02
/** @} */

/* ---------------------------------------------------------------------- */
/** @name Configuration
 * @{ */

/** Flags for event_config_set_flag(). */
enum event_base_config_flag {
	/** Do not allocate a lock for the base (no cross-thread use). */
	EVENT_BASE_FLAG_NOLOCK = 0x01,
	/** Ignore the EVENT_* and EV_BACKEND environment variables. */
	EVENT_BASE_FLAG_IGNORE_ENV = 0x02,
	/** Accepted for compatibility; libev bases are always single-owner. */
	EVENT_BASE_FLAG_STARTUP_IOCP = 0x04,
	/** Read the clock for every timeout instead of once per iteration. */
	EVENT_BASE_FLAG_NO_CACHE_TIME = 0x08,
	/** Accepted for compatibility; libev always batches fd changes. */
	EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST = 0x10,
	/** Accepted for compatibility: timers are always as precise as the
	 *  backend's wait allows, which is the kernel's timer slack (about
	 *  50 us) for epoll (epoll_pwait2), poll, select, io_uring and rtsig;
	 *  /dev/poll waits in milliseconds. */
	EVENT_BASE_FLAG_PRECISE_TIMER = 0x20
};

/** Backend features, for event_config_require_features(). */
enum event_method_feature {
	EV_FEATURE_ET = 0x01,         /**< Edge-triggered events. */
	EV_FEATURE_O1 = 0x02,         /**< O(1) per active event. */
	EV_FEATURE_FDS = 0x04,        /**< Any fd, including files. */
	EV_FEATURE_EARLY_CLOSE = 0x08 /**< Reports EV_CLOSED. */
};

/**
 * Creates an empty configuration.
 * @return the configuration, or NULL when out of memory.
 */
struct event_config *event_config_new(void);
/** Frees a configuration. */
void event_config_free(struct event_config *cfg);
/**
 * Excludes a backend by name.
 * @return 0 on success, -1 on failure.
 */
int event_config_avoid_method(struct event_config *cfg, const char *method);
/**
 * Sets EVENT_BASE_FLAG_* flags.
 * @return 0 on success, -1 if `cfg` is NULL.
 */
int event_config_set_flag(struct event_config *cfg, int flag);
/**
 * Requires backend features (EV_FEATURE_*).
 * @return 0 on success, -1 if `cfg` is NULL.
 */
int event_config_require_features(struct event_config *cfg, int feature);
/** Features (EV_FEATURE_*) of the backend `base` runs on. */
int event_base_get_features(const struct event_base *base);
/** @} */

/* ---------------------------------------------------------------------- */
/** @name Events
 * @{ */

/**
 * Initialises an event on the current base (1.3 API).
 * @param ev the event (caller-owned memory).
 * @param fd file descriptor, signal number, or -1 for a pure timer.
 * @param events EV_READ, EV_WRITE, EV_SIGNAL, EV_PERSIST, EV_ET, EV_CLOSED.
 * @param cb called with (fd, what happened, arg).
 * @param arg passed to `cb`.
 */
void event_set(struct event *ev, evutil_socket_t fd, short events,
               event_callback_fn cb, void *arg);
/**
 * Initialises an event on `base` (2.x API).
 * @return 0 on success, -1 if the event is pending or active.
 */
int event_assign(struct event *ev, struct event_base *base, evutil_socket_t fd,
                 short events, event_callback_fn cb, void *arg);
/**
 * Allocates and initialises an event on `base`.
 * @return the event (free it with event_free()), or NULL on failure.
 */
struct event *event_new(struct event_base *base, evutil_socket_t fd,
                        short events, event_callback_fn cb, void *arg);
/** Deletes (if pending) and frees an event made by event_new(). */
void event_free(struct event *ev);
/**
 * Makes an event pending.  Re-adding a pending event reschedules its
 * timeout.
 * @param ev an event initialised by event_set(), event_assign() or
 *        event_new().
 * @param tv timeout relative to now, or NULL for none (a pending timeout
 *        is then kept).
 * @return 0 on success, -1 on failure (logged; errno set if the backend
 *         refused the fd).
 */
int event_add(struct event *ev, const struct timeval *tv);
/**
 * Makes an event non-pending and non-active.  Safe from any callback,
 * including the event's own.
 * @return 0 on success, -1 if the event was never initialised.
 */
int event_del(struct event *ev);
/**
 * Makes an event active as if `res` had happened; its callback runs
 * `ncalls` times.  Works on events that are not pending.
 */
void event_active(struct event *ev, int res, short ncalls);
/**
 * Tells whether an event is pending or active for any of `events`.
 * @param ev the event.
 * @param events the EV_* flags asked about.
 * @param tv if not NULL and the event has a timeout, receives its
 *        expiry as wall-clock time.
 * @return the subset of `events` (EV_TIMEOUT/READ/WRITE/SIGNAL) that is
 *         pending or active.
 */
int event_pending(const struct event *ev, short events, struct timeval *tv);
/** True when the event has been initialised by event_set()/event_assign(). */
#define event_initialized(ev) ((ev)->ev_flags & EVLIST_INIT)
/** The event's fd (or signal number). */
evutil_socket_t event_get_fd(const struct event *ev);
/** The event's base. */
struct event_base *event_get_base(const struct event *ev);
/** The EV_* flags the event was set with. */
short event_get_events(const struct event *ev);
/** The event's callback. */
event_callback_fn event_get_callback(const struct event *ev);
/** The event's callback argument. */
void *event_get_callback_arg(const struct event *ev);
/** The event's priority. */
int event_get_priority(const struct event *ev);
/** sizeof(struct event), for programs that allocate events themselves. */
size_t event_get_struct_event_size(void);
/**
 * Runs `cb` once when `fd` is ready for `events` or `tv` expires, on the
 * current base.  The library owns and frees the internal event.
 * @return 0 on success, -1 on failure (EV_SIGNAL and EV_PERSIST are
 *         refused).
 */
int event_once(evutil_socket_t fd, short events, event_callback_fn cb,
               void *arg, const struct timeval *tv);
/** event_once() on `base`. */
int event_base_once(struct event_base *base, evutil_socket_t fd, short events,
                    event_callback_fn cb, void *arg, const struct timeval *tv);
/** @} */

/* ---------------------------------------------------------------------- */
/** @name Priorities
 * @{ */
/** event_base_priority_init() on the current base. */
int event_priority_init(int npriorities);
/**
 * Sets the number of priorities (default 1).  Lower numbers run first.
 * New events get npriorities / 2.
 * @return 0 on success, -1 if events are active or `npriorities` is out of
 *         range (1..256).
 */
int event_base_priority_init(struct event_base *base, int npriorities);
/**
 * Sets an event's priority.
 * @return 0 on success, -1 if the event is active or `pri` is out of range.
 */
int event_priority_set(struct event *ev, int pri);
/** Largest number of priorities a base accepts. */
#define EVENT_MAX_PRIORITIES 256
/** @} */

/* ---------------------------------------------------------------------- */
/** @name Timer, timeout and signal macros
 * @{ */
/** Initialises a pure timer (1.3 API). */
#define evtimer_set(ev, cb, arg) event_set((ev), -1, 0, (cb), (arg))
/** Adds a pure timer. */
#define evtimer_add(ev, tv) event_add((ev), (tv))
/** Deletes a pure timer. */
#define evtimer_del(ev) event_del(ev)
/** Tells whether a timer is pending. */
#define evtimer_pending(ev, tv) event_pending((ev), EV_TIMEOUT, (tv))
/** True when a timer has been initialised. */
#define evtimer_initialized(ev) event_initialized(ev)
/** Allocates a pure timer on `b`. */
#define evtimer_new(b, cb, arg) event_new((b), -1, 0, (cb), (arg))
/** Initialises a pure timer on `b`. */
#define evtimer_assign(ev, b, cb, arg)                                         \
	event_assign((ev), (b), -1, 0, (cb), (arg))
/** 1.3 alias of evtimer_set(). */
#define timeout_set(ev, cb, arg) evtimer_set((ev), (cb), (arg))
/** 1.3 alias of evtimer_add(). */
#define timeout_add(ev, tv) evtimer_add((ev), (tv))
/** 1.3 alias of evtimer_del(). */
#define timeout_del(ev) evtimer_del(ev)
/** 1.3 alias of evtimer_pending(). */
#define timeout_pending(ev, tv) evtimer_pending((ev), (tv))
/** 1.3 alias of evtimer_initialized(). */
#define timeout_initialized(ev) evtimer_initialized(ev)
/** Initialises a persistent signal event (1.3 API). */
#define signal_set(ev, x, cb, arg)                                             \
	event_set((ev), (x), EV_SIGNAL | EV_PERSIST, (cb), (arg))
/** Adds a signal event. */
#define signal_add(ev, tv) event_add((ev), (tv))
/** Deletes a signal event. */
#define signal_del(ev) event_del(ev)
/** Tells whether a signal event is pending. */
#define signal_pending(ev, tv) event_pending((ev), EV_SIGNAL, (tv))
/** True when a signal event has been initialised. */
#define signal_initialized(ev) event_initialized(ev)
/** Allocates a persistent signal event on `b`. */
#define evsignal_new(b, x, cb, arg)                                            \
	event_new((b), (x), EV_SIGNAL | EV_PERSIST, (cb), (arg))
/** Initialises a persistent signal event on `b`. */
#define evsignal_assign(ev, b, x, cb, arg)                                     \
	event_assign((ev), (b), (x), EV_SIGNAL | EV_PERSIST, (cb), (arg))
/** 1.4 alias of signal_set(). */
#define evsignal_set(ev, x, cb, arg) signal_set((ev), (x), (cb), (arg))
/** Adds a signal event. */
#define evsignal_add(ev, tv) event_add((ev), (tv))
/** Deletes a signal event. */
#define evsignal_del(ev) event_del(ev)
/** Tells whether a signal event is pending. */
#define evsignal_pending(ev, tv) event_pending((ev), EV_SIGNAL, (tv))
/** True when a signal event has been initialised. */
#define evsignal_initialized(ev) event_initialized(ev)
/** @} */

#ifdef __cplusplus
}
#endif
#include <ev-thread.h>

/* Buffered I/O, tagging and listeners are part of libevent's <event.h>. */
#include <ev-buffer.h>
#include <ev-bufferevent.h>
#include <ev-tag.h>
#include <ev-listener.h>
#endif /* LIBEV_EVENT_H */
