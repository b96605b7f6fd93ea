/**
 * @file ev-backend.h
 * @brief The backend ABI: the only thing a backend module knows of libev.
 *
 * A backend is a shared object `libev-backend-NAME.so` that exports one
 * symbol, #EV_BACKEND_ENTRY_SYMBOL, returning a constant ops table.  The
 * core keeps the fd -> interest map (several events may share one fd) and
 * tells the backend, per fd, "old interest X, new interest Y".  The backend
 * reports readiness through the host table it receives at init and never
 * runs user callbacks.  It has no link-time dependency on the core.
 *
 * Interest and readiness masks use EV_READ (0x02), EV_WRITE (0x04),
 * EV_CLOSED (0x80) and, in interest only, EV_ET (0x20).
 */
#ifndef LIBEV_EV_BACKEND_H
#define LIBEV_EV_BACKEND_H

#include <stddef.h>
#include <time.h>

#ifdef __cplusplus
extern "C" {
#endif

/** ABI version spoken by this header; the loader refuses any other. */
#define EV_BACKEND_ABI_VERSION 1

/** Interest/readiness bit: readable (same value as EV_READ). */
#define EV_BACKEND_READ 0x02
/** Interest/readiness bit: writable (same value as EV_WRITE). */
#define EV_BACKEND_WRITE 0x04
/** Interest bit: edge-triggered (same value as EV_ET). */
#define EV_BACKEND_ET 0x20
/** Interest/readiness bit: peer closed (same value as EV_CLOSED). */
#define EV_BACKEND_CLOSED 0x80

/** Feature bit: edge-triggered interest (same value as EV_FEATURE_ET). */
#define EV_BACKEND_FEATURE_ET 0x01
/** Feature bit: O(1) per active event, independent of the number of fds. */
#define EV_BACKEND_FEATURE_O1 0x02
/** Feature bit: works with any fd, regular files included. */
#define EV_BACKEND_FEATURE_FDS 0x04
/** Feature bit: reports EV_BACKEND_CLOSED. */
#define EV_BACKEND_FEATURE_EARLY_CLOSE 0x08

/** Log severities for ev_backend_host::log (same as EVENT_LOG_*). */
#define EV_BACKEND_LOG_DEBUG 0
#define EV_BACKEND_LOG_MSG   1 /**< Informational message. */
#define EV_BACKEND_LOG_WARN  2 /**< Something went wrong, but it goes on. */
#define EV_BACKEND_LOG_ERR   3 /**< An operation failed. */

/** Opaque handle of the base that owns a backend instance. */
struct ev_backend_base;

/**
 * What the core offers a backend.  Passed to ev_backend_ops::init; valid
 * for the life of the backend instance.
 */
struct ev_backend_host {
	/** EV_BACKEND_ABI_VERSION of the core. */
	unsigned abi_version;
	/** sizeof(struct ev_backend_host) as the core was built. */
	size_t struct_size;
	/**
	 * Report that `fd` is ready for `what` (EV_BACKEND_READ/WRITE/CLOSED).
	 * Call it from dispatch only, at most once per fd per dispatch call
	 * is best but several calls are harmless.
	 */
	void (*fd_ready)(struct ev_backend_base *base, int fd, int what);
	/** Log through the program's log callback (printf-style). */
	void (*log)(struct ev_backend_base *base, int severity, const char *fmt,
	            ...) __attribute__((format(printf, 3, 4)));
};

/**
 * The ops table a backend exports.  All ops return 0, or -1 with errno set,
 * unless stated otherwise.
 */
struct ev_backend_ops {
	/** Must be EV_BACKEND_ABI_VERSION. */
	unsigned abi_version;
	/** sizeof(struct ev_backend_ops) as the module was built. */
	size_t struct_size;
	/** Short lower-case name; the module file is libev-backend-NAME.so. */
	const char *name;
	/** EV_BACKEND_FEATURE_* bits. */
	int features;
	/**
	 * Bytes of per-fd scratch the core keeps for the backend and passes as
	 * `fdinfo` (zeroed when the fd is first seen).  It may move between
	 * calls: never keep a pointer to it.
	 */
	size_t fdinfo_size;
	/** Non-zero if the kernel state must be rebuilt in a child after fork.
	 */
	int need_reinit;
	/**
	 * Called once per base.  Allocates the backend state into `*state`.
	 * Returns -1 (errno set) if this backend cannot run here, so the
	 * loader moves on to the next one.
	 */
	int (*init)(struct ev_backend_base *base,
	            const struct ev_backend_host *host, void **state);
	/**
	 * Called when `fd`'s interest grows or changes from `old_mask` to
	 * `new_mask` (new_mask != 0).  `old_mask == new_mask` means the core
	 * suspects the fd was closed and reopened: register it again.
	 */
	int (*add)(void *state, int fd, int old_mask, int new_mask,
	           void *fdinfo);
	/**
	 * Called when `fd`'s interest shrinks from `old_mask` to `new_mask`
	 * (possibly 0: forget the fd).  A fd already closed must not be an
	 * error the core sees: ignore EBADF/ENOENT here.
	 */
	int (*del)(void *state, int fd, int old_mask, int new_mask,
	           void *fdinfo);
	/**
	 * Waits at most `timeout` (NULL: forever; {0,0}: poll) and reports
	 * every ready fd through host->fd_ready.  Returns 0 on EINTR.
	 */
	int (*dispatch)(void *state, const struct timespec *timeout);
	/** Frees the state.  Called once; `state` is not used afterwards. */
	void (*dealloc)(void *state);
	/**
	 * Called in a child after fork() when need_reinit is set: rebuild the
	 * kernel object.  The core then calls add() for every fd in use.
	 */
	int (*reinit)(void *state);
};

/** Signature of a module's entry symbol. */
typedef const struct ev_backend_ops *(*ev_backend_entry_fn)(void);

/** Name of the symbol every module exports (a C string). */
#define EV_BACKEND_ENTRY_SYMBOL "ev_backend_entry"

#if defined(LIBEV_BACKEND_BUILTIN)
/* Compiled into libev-core: the entry is named after the backend so several
 * can live in one library. */
#define EV_BACKEND_EXPORT(name, ops)                                           \
	const struct ev_backend_ops *ev__backend_entry_##name(void);           \
	const struct ev_backend_ops *ev__backend_entry_##name(void)            \
	{                                                                      \
		return &(ops);                                                 \
	}
#else
/**
 * Defines the module's exported entry symbol returning `ops`.  Use it once
 * per module, at file scope: `EV_BACKEND_EXPORT(epoll, epoll_ops)`.
 */
#define EV_BACKEND_EXPORT(name, ops)                                           \
	__attribute__((visibility("default"))) const struct ev_backend_ops *   \
	ev_backend_entry(void);                                                \
	__attribute__((visibility("default"))) const struct ev_backend_ops *   \
	ev_backend_entry(void)                                                 \
	{                                                                      \
		return &(ops);                                                 \
	}
#endif

#ifdef __cplusplus
}
#endif
#endif /* LIBEV_EV_BACKEND_H */
