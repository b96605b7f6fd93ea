/*
 * Test-only emulation of the BSD kqueue interface on Linux (see
 * tests/platform/kqueue/kqueue.c).  Names, struct layout and constants
 * follow FreeBSD's <sys/event.h>, so backend-kqueue/kqueue.c compiles
 * against this header unchanged; only the include path differs.
 *
 * Not installed and never part of the library: it exists so the kqueue
 * backend can run the conformance suite on a machine without kqueue.
 */
#ifndef LIBEV_EMUL_SYS_EVENT_H
#define LIBEV_EMUL_SYS_EVENT_H

#include <stdint.h>
#include <time.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Filter: fd readable; data = bytes available (EV_EOF at end of stream). */
#define EVFILT_READ (-1)
/** Filter: fd writable; data = space left in the send buffer. */
#define EVFILT_WRITE (-2)
/** Filter: signal deliveries; data = deliveries since last retrieval. */
#define EVFILT_SIGNAL (-6)

/** Action: add the event (or modify it if it exists); implies EV_ENABLE. */
#define EV_ADD 0x0001
/** Action: remove the event. */
#define EV_DELETE 0x0002
/** Action: let kevent() return the event when it triggers. */
#define EV_ENABLE 0x0004
/** Action: keep the event but do not return it. */
#define EV_DISABLE 0x0008
/** Flag: delete the event after its first retrieval. */
#define EV_ONESHOT 0x0010
/** Flag: reset the event's state after retrieval (edge-triggered). */
#define EV_CLEAR 0x0020
/** Flag: always return a receipt (EV_ERROR, data 0 on success). */
#define EV_RECEIPT 0x0040
/** Flag: disable the event after each retrieval. */
#define EV_DISPATCH 0x0080
/** Returned: end of file / peer closed; fflags may hold a socket error. */
#define EV_EOF 0x8000
/** Returned: this entry is a change's result; data holds the errno. */
#define EV_ERROR 0x4000

/** One change (input) or event (output). */
struct kevent {
	uintptr_t ident;      /**< fd, or signal number for EVFILT_SIGNAL */
	short filter;         /**< EVFILT_* */
	unsigned short flags; /**< EV_* */
	unsigned int fflags;  /**< filter-specific flags */
	intptr_t data; /**< filter-specific data, or errno with EV_ERROR */
	void *udata;   /**< opaque user data, returned unchanged */
};

/** Fills a struct kevent. */
#define EV_SET(kevp, a, b, c, d, e, f)                                         \
	do {                                                                   \
		struct kevent *ev_set_p_ = (kevp);                             \
		ev_set_p_->ident = (a);                                        \
		ev_set_p_->filter = (b);                                       \
		ev_set_p_->flags = (c);                                        \
		ev_set_p_->fflags = (d);                                       \
		ev_set_p_->data = (e);                                         \
		ev_set_p_->udata = (f);                                        \
	} while (0)

/** Creates a kernel event queue; returns its descriptor or -1. */
int kqueue(void);

/**
 * Applies `changelist`, then waits up to `timeout` (NULL: forever) for
 * events.  Returns the number of entries placed in `eventlist`, or -1.
 */
int kevent(int kq, const struct kevent *changelist, int nchanges,
           struct kevent *eventlist, int nevents,
           const struct timespec *timeout);

#ifdef __cplusplus
}
#endif
#endif
