/**
 * @file ev-listener.h
 * @brief libev-core: evconnlistener, an accept loop on a listening socket.
 *
 * Source-compatible with libevent's `<event2/listener.h>`.  When accept()
 * fails for lack of file descriptors (EMFILE/ENFILE) the listener stops
 * accepting for a short while, logs once, and resumes: it neither spins
 * nor gives up.
 *
 * Threading: by default a listener is used from the thread that runs its
 * base.  With LEV_OPT_THREADSAFE, on a base that has a lock (created after
 * evthread_use_pthreads(), without EVENT_BASE_FLAG_NOLOCK), the listener
 * gets a lock of its own and every evconnlistener_* function may be called
 * from any thread.  The callbacks still run in the loop's thread, without
 * the listener's lock: another thread may disable, enable or free the
 * listener while one runs.  After evconnlistener_disable() or
 * evconnlistener_free() returns, no callback starts any more (one already
 * running finishes).  evconnlistener_free() from another thread waits
 * for a running callback to return; from inside a callback it does not.
 * Without the flag, or on a base without a lock, the option costs nothing.
 */
#ifndef LIBEV_EV_LISTENER_H
#define LIBEV_EV_LISTENER_H

#include <sys/socket.h>
#include <evutil.h>

#ifdef __cplusplus
extern "C" {
#endif

struct event_base;

/** A listener.  Opaque. */
struct evconnlistener;

/**
 * Called for every accepted connection: (listener, the new socket, the
 * peer's address, its length, the `ptr` given).  The callback owns the new
 * socket.
 */
typedef void (*evconnlistener_cb)(struct evconnlistener *lev,
                                  evutil_socket_t fd, struct sockaddr *addr,
                                  int socklen, void *ptr);
/**
 * Called when accept() fails with an error other than a transient one
 * (those, and running out of descriptors, are handled inside).  errno
 * holds the error.
 */
typedef void (*evconnlistener_errorcb)(struct evconnlistener *lev, void *ptr);

/** @name Listener options (values fixed by libevent)
 * @{ */
/** Leave accepted sockets blocking (they are made non-blocking otherwise). */
#define LEV_OPT_LEAVE_SOCKETS_BLOCKING (1u << 0)
/** Close the listening socket when the listener is freed. */
#define LEV_OPT_CLOSE_ON_FREE (1u << 1)
/** Set close-on-exec on the listening and the accepted sockets. */
#define LEV_OPT_CLOSE_ON_EXEC (1u << 2)
/** SO_REUSEADDR on the listening socket. */
#define LEV_OPT_REUSEABLE (1u << 3)
/**
 * Give the listener a lock, so that it may be used from several threads
 * (on a base with a lock; see the threading note in this file).
 */
#define LEV_OPT_THREADSAFE (1u << 4)
/** Create the listener disabled (evconnlistener_enable() starts it). */
#define LEV_OPT_DISABLED (1u << 5)
/** Report connections only once data arrived (TCP_DEFER_ACCEPT). */
#define LEV_OPT_DEFERRED_ACCEPT (1u << 6)
/** SO_REUSEPORT on the listening socket. */
#define LEV_OPT_REUSEABLE_PORT (1u << 7)
/** IPV6_V6ONLY on an IPv6 listening socket. */
#define LEV_OPT_BIND_IPV6ONLY (1u << 8)
/** @} */

/**
 * Creates a listener on an existing socket.
 * @param base the event base.
 * @param ptr passed to `cb`.
 * @param fd the file descriptor.
 * @param cb called per connection (NULL: connections are closed until
 *        evconnlistener_set_cb() sets one).
 * @param flags LEV_OPT_* flags.
 * @param backlog passed to listen(); -1 for a default, 0 if `fd` is
 *        already listening.
 * @return the listener, or NULL on failure.
 */
struct evconnlistener *evconnlistener_new(struct event_base *base,
                                          evconnlistener_cb cb, void *ptr,
                                          unsigned flags, int backlog,
                                          evutil_socket_t fd);
/**
 * Creates a socket, binds it to `sa`, listens on it and creates a listener
 * that owns it.
 * @return the listener, or NULL on failure (errno set where the OS failed).
 */
struct evconnlistener *evconnlistener_new_bind(struct event_base *base,
                                               evconnlistener_cb cb, void *ptr,
                                               unsigned flags, int backlog,
                                               const struct sockaddr *sa,
                                               int socklen);
/**
 * Frees a listener (closing the socket with LEV_OPT_CLOSE_ON_FREE).  Safe
 * from inside its own callbacks, and with LEV_OPT_THREADSAFE from another
 * thread (which then waits for a running callback to return).
 */
void evconnlistener_free(struct evconnlistener *lev);
/**
 * Starts accepting again.
 * @return 0 on success, -1 on failure.
 */
int evconnlistener_enable(struct evconnlistener *lev);
/**
 * Stops accepting (connections queue in the kernel backlog).
 * @return 0 on success, -1 on failure.
 */
int evconnlistener_disable(struct evconnlistener *lev);
/** The base of a listener. */
struct event_base *evconnlistener_get_base(struct evconnlistener *lev);
/** The listening socket. */
evutil_socket_t evconnlistener_get_fd(struct evconnlistener *lev);
/** Replaces the connection callback and its argument. */
void evconnlistener_set_cb(struct evconnlistener *lev, evconnlistener_cb cb,
                           void *arg);
/** Sets the error callback (NULL: none). */
void evconnlistener_set_error_cb(struct evconnlistener *lev,
                                 evconnlistener_errorcb errorcb);

#ifdef __cplusplus
}
#endif
#endif /* LIBEV_EV_LISTENER_H */
