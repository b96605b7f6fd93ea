/**
 * @file ev-bufferevent.h
 * @brief libev-core: bufferevents, buffered I/O on a socket.
 *
 * A bufferevent owns an input and an output evbuffer for one socket: it
 * reads into `input` while reading is enabled and calls the read callback,
 * and writes `output` out while writing is enabled and calls the write
 * callback when it has drained.  Source-compatible with libevent's 1.3 API
 * and the socket part of `<event2/bufferevent.h>`.
 *
 * **Threading.**  By default a bufferevent belongs to the thread that runs
 * its base, takes no lock, and bufferevent_lock()/bufferevent_unlock() do
 * nothing.  A bufferevent created with BEV_OPT_THREADSAFE on a base that
 * has a lock (evthread_use_pthreads() called before the base was made,
 * and no EVENT_BASE_FLAG_NOLOCK; see ev-thread.h) gets a recursive lock,
 * shared with its input and output evbuffers.  On such a bufferevent any
 * thread may call, while the loop runs in another:
 *   - bufferevent_write(), bufferevent_write_buffer(), bufferevent_read(),
 *     bufferevent_read_buffer(), bufferevent_enable(),
 *     bufferevent_disable(), the setters and getters, and every evbuffer
 *     function on bufferevent_get_input() / bufferevent_get_output();
 *   - bufferevent_free() (see below).
 * A write from another thread makes the write event pending, which wakes
 * a loop asleep in its backend at once.  Each call is atomic: one
 * bufferevent_write() is never interleaved with another thread's data.
 * For several calls in a row, hold bufferevent_lock() around them.
 *
 * The bufferevent's own handlers run under its lock, and so do the user's
 * read, write and event callbacks; they may call any function on it.  Do
 * not wait in a callback for another thread that needs the same
 * bufferevent's lock.  With BEV_OPT_DEFER_CALLBACKS |
 * BEV_OPT_UNLOCK_CALLBACKS the user's callbacks run without the lock
 * instead, so other threads may use the bufferevent (or wait for its lock)
 * while one runs; the callbacks still run one at a time, in the loop's
 * thread.
 *
 * **bufferevent_free() from another thread** is allowed on a locked
 * bufferevent: it clears the callbacks, removes the events and waits for a
 * handler of this bufferevent that the loop is running right now, so once
 * it returns no callback of this bufferevent is running or will run.  As
 * with event_del(), the calling thread must not hold this bufferevent's
 * lock (bufferevent_lock()) or a lock its callbacks take, and no other
 * thread may use the bufferevent after (or while) it is freed.  From the
 * loop thread, including from the bufferevent's own callbacks, free never
 * waits.
 *
 * Without BEV_OPT_THREADSAFE, or on a base without a lock, the flag costs
 * nothing: each entry point tests one field.  Whether there is a lock is
 * decided when the bufferevent is created.
 */
#ifndef LIBEV_EV_BUFFEREVENT_H
#define LIBEV_EV_BUFFEREVENT_H

#include <stddef.h>
#include <sys/time.h>
#include <sys/socket.h>
#include <evutil.h>
#include <ev-buffer.h>

#ifdef __cplusplus
extern "C" {
#endif

struct event_base;

/**
 * A bufferevent.  Allocated by the library only.  1.3 programs read the
 * two public fields directly; the rest of the object is private.
 */
struct bufferevent {
	struct evbuffer *input;  /**< Public: data read from the socket. */
	struct evbuffer *output; /**< Public: data waiting to be written. */
};

/** @name What happened, passed to the event callback (values fixed by
 *  libevent)
 * @{ */
#define BEV_EVENT_READING   0x01 /**< While reading. */
#define BEV_EVENT_WRITING   0x02 /**< While writing. */
#define BEV_EVENT_EOF       0x10 /**< The peer closed the connection. */
#define BEV_EVENT_ERROR     0x20 /**< An error; see errno. */
#define BEV_EVENT_TIMEOUT   0x40 /**< A read or write timeout expired. */
#define BEV_EVENT_CONNECTED 0x80 /**< bufferevent_socket_connect() done. */
/** 1.3 name of BEV_EVENT_READING. */
#define EVBUFFER_READ BEV_EVENT_READING
/** 1.3 name of BEV_EVENT_WRITING. */
#define EVBUFFER_WRITE BEV_EVENT_WRITING
/** 1.3 name of BEV_EVENT_EOF. */
#define EVBUFFER_EOF BEV_EVENT_EOF
/** 1.3 name of BEV_EVENT_ERROR. */
#define EVBUFFER_ERROR BEV_EVENT_ERROR
/** 1.3 name of BEV_EVENT_TIMEOUT. */
#define EVBUFFER_TIMEOUT BEV_EVENT_TIMEOUT
/** @} */

/** Options for bufferevent_socket_new() (values fixed by libevent). */
enum bufferevent_options {
	/** Close the socket when the bufferevent is freed. */
	BEV_OPT_CLOSE_ON_FREE = (1 << 0),
	/** Give the bufferevent a lock when its base has one, so any thread
	 *  may use it; see the threading note above. */
	BEV_OPT_THREADSAFE = (1 << 1),
	/** Run the callbacks from the loop, after the I/O that caused them. */
	BEV_OPT_DEFER_CALLBACKS = (1 << 2),
	/** Run the read, write and event callbacks without the
	 *  bufferevent's lock held (it is taken again after each), so
	 *  another thread may lock or use the bufferevent while one runs.
	 *  Matters only with BEV_OPT_THREADSAFE on a base with a lock.
	 *  Requires BEV_OPT_DEFER_CALLBACKS: without it
	 *  bufferevent_socket_new() logs a warning and returns NULL, as in
	 *  libevent. */
	BEV_OPT_UNLOCK_CALLBACKS = (1 << 3)
};

/** Flush modes for bufferevent_flush(). */
enum bufferevent_flush_mode {
	BEV_NORMAL = 0,  /**< Normal operation. */
	BEV_FLUSH = 1,   /**< Flush what can be flushed now. */
	BEV_FINISHED = 2 /**< No more data will be added. */
};

/** Options for bufferevent_trigger() and bufferevent_trigger_event(). */
enum bufferevent_trigger_options {
	/** Run the callback even if the watermark says not to. */
	BEV_TRIG_IGNORE_WATERMARKS = (1 << 16),
	/** Run the callback from the loop rather than now. */
	BEV_TRIG_DEFER_CALLBACKS = BEV_OPT_DEFER_CALLBACKS
};

/** Read or write callback: (bufferevent, the cbarg given). */
typedef void (*bufferevent_data_cb)(struct bufferevent *bev, void *ctx);
/**
 * Event callback: (bufferevent, BEV_EVENT_* bits, the cbarg given).
 * Reading or writing is disabled when it reports EOF, ERROR or TIMEOUT
 * for that direction.
 */
typedef void (*bufferevent_event_cb)(struct bufferevent *bev, short what,
                                     void *ctx);
/** 1.3 name of bufferevent_data_cb. */
typedef bufferevent_data_cb evbuffercb;
/** 1.3 name of bufferevent_event_cb. */
typedef bufferevent_event_cb everrorcb;

/**
 * Creates a bufferevent on a socket (2.x API).  Writing is enabled,
 * reading is not until bufferevent_enable(bev, EV_READ).
 * @param base the event base.
 * @param fd a non-blocking socket, or -1 to set one later (by
 *        bufferevent_setfd() or bufferevent_socket_connect()).
 * @param options BEV_OPT_* flags.
 * @return the bufferevent, or NULL on failure (also for
 *         BEV_OPT_UNLOCK_CALLBACKS without BEV_OPT_DEFER_CALLBACKS).
 */
struct bufferevent *bufferevent_socket_new(struct event_base *base,
                                           evutil_socket_t fd, int options);
/**
 * Starts a non-blocking connect to `sa`.  Creates the socket first when the
 * bufferevent has none (it is then closed on free only with
 * BEV_OPT_CLOSE_ON_FREE, as in libevent).  The event callback later
 * receives BEV_EVENT_CONNECTED, or BEV_EVENT_ERROR if the connect failed.
 * @return 0 when the connect started (or failed in a way that will be
 *         reported by the callback), -1 when it could not be started.
 */
int bufferevent_socket_connect(struct bufferevent *bev,
                               const struct sockaddr *sa, int socklen);
/**
 * 1.3 API: creates a bufferevent on `fd` on the current base (the one
 * event_init() made) with the given callbacks.
 * @return the bufferevent, or NULL on failure.
 */
struct bufferevent *bufferevent_new(evutil_socket_t fd, evbuffercb readcb,
                                    evbuffercb writecb, everrorcb errorcb,
                                    void *cbarg);
/**
 * Moves a bufferevent to another base.
 * @return 0 on success, -1 on failure.
 */
int bufferevent_base_set(struct event_base *base, struct bufferevent *bev);
/** The base of a bufferevent. */
struct event_base *bufferevent_get_base(struct bufferevent *bev);
/**
 * Sets the priority of the bufferevent's events.
 * @return 0 on success, -1 on failure.
 */
int bufferevent_priority_set(struct bufferevent *bev, int pri);
/** The priority of the bufferevent's events. */
int bufferevent_get_priority(const struct bufferevent *bev);
/**
 * Frees a bufferevent, and closes its socket with BEV_OPT_CLOSE_ON_FREE.
 * Safe from inside its own callbacks (the memory goes when they return).
 */
void bufferevent_free(struct bufferevent *bev);
/**
 * Sets the callbacks (each may be NULL) and their argument.
 */
void bufferevent_setcb(struct bufferevent *bev, bufferevent_data_cb readcb,
                       bufferevent_data_cb writecb,
                       bufferevent_event_cb eventcb, void *cbarg);
/** Reads back the callbacks; each out-pointer may be NULL. */
void bufferevent_getcb(struct bufferevent *bev, bufferevent_data_cb *readcb_ptr,
                       bufferevent_data_cb *writecb_ptr,
                       bufferevent_event_cb *eventcb_ptr, void **cbarg_ptr);
/**
 * Replaces the socket (the old one is not closed).
 * @return 0 on success, -1 on failure.
 */
int bufferevent_setfd(struct bufferevent *bev, evutil_socket_t fd);
/** The socket, or -1. */
evutil_socket_t bufferevent_getfd(struct bufferevent *bev);
/** The underlying bufferevent of a filter; always NULL here. */
struct bufferevent *bufferevent_get_underlying(struct bufferevent *bev);
/**
 * Appends a copy of `size` bytes to the output; they are written when the
 * socket is writable and writing is enabled.
 * @return 0 on success, -1 on failure.
 */
int bufferevent_write(struct bufferevent *bev, const void *data, size_t size);
/**
 * Moves all of `buf` to the output.
 * @return 0 on success, -1 on failure.
 */
int bufferevent_write_buffer(struct bufferevent *bev, struct evbuffer *buf);
/**
 * Removes up to `size` bytes from the input into `data`.
 * @return the number of bytes copied.
 */
size_t bufferevent_read(struct bufferevent *bev, void *data, size_t size);
/**
 * Moves all of the input to `buf`.
 * @return 0 on success, -1 on failure.
 */
int bufferevent_read_buffer(struct bufferevent *bev, struct evbuffer *buf);
/** The input buffer (data read from the socket). */
struct evbuffer *bufferevent_get_input(struct bufferevent *bev);
/** The output buffer (data waiting to be written). */
struct evbuffer *bufferevent_get_output(struct bufferevent *bev);
/**
 * Enables reading (EV_READ) and/or writing (EV_WRITE).
 * @return 0 on success, -1 on failure.
 */
int bufferevent_enable(struct bufferevent *bev, short event);
/**
 * Disables reading (EV_READ) and/or writing (EV_WRITE).
 * @return 0 on success, -1 on failure.
 */
int bufferevent_disable(struct bufferevent *bev, short event);
/** EV_READ / EV_WRITE bits currently enabled. */
short bufferevent_get_enabled(struct bufferevent *bev);
/**
 * Sets the read and write timeouts (NULL or zero: none).  A timeout fires
 * when reading (writing) is wanted and nothing could be read (written)
 * for that long; the event callback then gets BEV_EVENT_TIMEOUT with
 * BEV_EVENT_READING (WRITING) and that direction is disabled.
 * @return 0 on success, -1 on failure.
 */
int bufferevent_set_timeouts(struct bufferevent *bev,
                             const struct timeval *timeout_read,
                             const struct timeval *timeout_write);
/** 1.3 API: bufferevent_set_timeouts() in whole seconds (0: none). */
void bufferevent_settimeout(struct bufferevent *bev, int timeout_read,
                            int timeout_write);
/**
 * Sets watermarks for EV_READ and/or EV_WRITE.
 * Read: the read callback runs only once `lowmark` bytes are buffered, and
 * with `highmark` non-zero reading stops while the input holds `highmark`
 * bytes or more (resuming when the program drains it).
 * Write: the write callback runs when the output drains to `lowmark` bytes
 * or fewer; `highmark` is unused for sockets.
 */
void bufferevent_setwatermark(struct bufferevent *bev, short events,
                              size_t lowmark, size_t highmark);
/**
 * Reads the watermarks of EV_READ or EV_WRITE (exactly one of them).
 * @return 0 on success, -1 if `events` is not exactly one direction.
 */
int bufferevent_getwatermark(struct bufferevent *bev, short events,
                             size_t *lowmark, size_t *highmark);
/**
 * Takes the bufferevent's lock, so that several calls from this thread
 * (on the bufferevent and its two evbuffers) are seen by other threads
 * and by the loop as one.  Recursive: may be taken again by the holder.
 * A no-op for a bufferevent without a lock (see the threading note).
 * @param bev the bufferevent.
 */
void bufferevent_lock(struct bufferevent *bev);
/**
 * Releases the lock taken by bufferevent_lock().
 * @param bev the bufferevent.
 */
void bufferevent_unlock(struct bufferevent *bev);
/** Takes a reference: the memory stays until the matching decref. */
void bufferevent_incref(struct bufferevent *bev);
/**
 * Drops a reference taken by bufferevent_incref().
 * @return 1 if the bufferevent was freed, 0 otherwise.
 */
int bufferevent_decref(struct bufferevent *bev);
/**
 * Asks the bufferevent to flush.  Socket bufferevents write whenever they
 * can, so there is nothing more to do.
 * @return 0.
 */
int bufferevent_flush(struct bufferevent *bev, short iotype,
                      enum bufferevent_flush_mode mode);
/**
 * Runs the read (EV_READ) and/or write (EV_WRITE) callback as if data had
 * moved, respecting the watermarks unless BEV_TRIG_IGNORE_WATERMARKS.
 */
void bufferevent_trigger(struct bufferevent *bev, short iotype, int options);
/** Runs the event callback with `what` (BEV_EVENT_* bits). */
void bufferevent_trigger_event(struct bufferevent *bev, short what,
                               int options);

/** 1.3 API: the input buffer of a bufferevent. */
#define EVBUFFER_INPUT(x) bufferevent_get_input(x)
/** 1.3 API: the output buffer of a bufferevent. */
#define EVBUFFER_OUTPUT(x) bufferevent_get_output(x)

#ifdef __cplusplus
}
#endif
#endif /* LIBEV_EV_BUFFEREVENT_H */
