/**
 * @file evutil.h
 * @brief Portable helpers and types of the libevent API (libev-core).
 *
 * Source-compatible with libevent's `<evutil.h>` / `<event2/util.h>`.
 */
#ifndef LIBEV_EVUTIL_H
#define LIBEV_EVUTIL_H

#include <stdint.h>
#include <sys/types.h>
#include <sys/time.h>
#include <sys/socket.h>

#ifdef __cplusplus
extern "C" {
#endif

/** A socket or file descriptor (an `int` on POSIX systems). */
typedef int evutil_socket_t;
/** Unsigned 64-bit integer. */
typedef uint64_t ev_uint64_t;
/** Signed 64-bit integer. */
typedef int64_t ev_int64_t;
/** Unsigned 32-bit integer. */
typedef uint32_t ev_uint32_t;
/** Signed 32-bit integer. */
typedef int32_t ev_int32_t;
/** Unsigned 16-bit integer. */
typedef uint16_t ev_uint16_t;
/** Signed 16-bit integer. */
typedef int16_t ev_int16_t;
/** Unsigned 8-bit integer. */
typedef uint8_t ev_uint8_t;
/** Signed 8-bit integer. */
typedef int8_t ev_int8_t;
/** Pointer-sized signed integer. */
typedef intptr_t ev_intptr_t;
/** Pointer-sized unsigned integer. */
typedef uintptr_t ev_uintptr_t;
/** Signed size type. */
typedef ssize_t ev_ssize_t;
/** File offset type. */
typedef off_t ev_off_t;
/** Length of a socket address. */
typedef socklen_t ev_socklen_t;

/** Largest value of ev_uint64_t. */
#define EV_UINT64_MAX UINT64_MAX
/** Largest value of ev_int64_t. */
#define EV_INT64_MAX INT64_MAX
/** Smallest value of ev_int64_t. */
#define EV_INT64_MIN INT64_MIN
/** Largest value of ev_uint32_t. */
#define EV_UINT32_MAX UINT32_MAX
/** Largest value of ev_int32_t. */
#define EV_INT32_MAX INT32_MAX
/** Largest value of ev_ssize_t. */
#define EV_SSIZE_MAX SSIZE_MAX
/** Largest value of size_t. */
#define EV_SIZE_MAX SIZE_MAX

/** Sets `tvp` to `a` + `b`, normalising microseconds. */
#define evutil_timeradd(tvp, uvp, vvp)                                         \
	do {                                                                   \
		(vvp)->tv_sec = (tvp)->tv_sec + (uvp)->tv_sec;                 \
		(vvp)->tv_usec = (tvp)->tv_usec + (uvp)->tv_usec;              \
		if ((vvp)->tv_usec >= 1000000) {                               \
			(vvp)->tv_sec++;                                       \
			(vvp)->tv_usec -= 1000000;                             \
		}                                                              \
	} while (0)
/** Sets `vvp` to `tvp` - `uvp`, normalising microseconds. */
#define evutil_timersub(tvp, uvp, vvp)                                         \
	do {                                                                   \
		(vvp)->tv_sec = (tvp)->tv_sec - (uvp)->tv_sec;                 \
		(vvp)->tv_usec = (tvp)->tv_usec - (uvp)->tv_usec;              \
		if ((vvp)->tv_usec < 0) {                                      \
			(vvp)->tv_sec--;                                       \
			(vvp)->tv_usec += 1000000;                             \
		}                                                              \
	} while (0)
/** Sets a timeval to zero. */
#define evutil_timerclear(tvp) ((tvp)->tv_sec = (tvp)->tv_usec = 0)
/** True when a timeval is non-zero. */
#define evutil_timerisset(tvp) ((tvp)->tv_sec || (tvp)->tv_usec)
/** Compares two timevals with the relational operator `cmp` (e.g. `<`). */
#define evutil_timercmp(tvp, uvp, cmp)                                         \
	(((tvp)->tv_sec == (uvp)->tv_sec) ? ((tvp)->tv_usec cmp(uvp)->tv_usec) \
	                                  : ((tvp)->tv_sec cmp(uvp)->tv_sec))

/**
 * Puts `fd` into non-blocking mode.
 * @return 0 on success, -1 with errno set on failure.
 */
int evutil_make_socket_nonblocking(evutil_socket_t fd);
/**
 * Sets close-on-exec on `fd`.
 * @return 0 on success, -1 with errno set on failure.
 */
int evutil_make_socket_closeonexec(evutil_socket_t fd);
/**
 * Lets a listening socket be re-bound at once after it closes
 * (`SO_REUSEADDR`).
 * @return 0 on success, -1 with errno set on failure.
 */
int evutil_make_listen_socket_reuseable(evutil_socket_t sock);
/**
 * Sets `SO_REUSEPORT` so several sockets (threads) may share one port.
 * @return 0 on success, -1 with errno set (ENOPROTOOPT where unsupported).
 */
int evutil_make_listen_socket_reuseable_port(evutil_socket_t sock);
/**
 * Closes a socket.
 * @return 0 on success, -1 with errno set on failure.
 */
int evutil_closesocket(evutil_socket_t sock);
/** libevent's older name of evutil_closesocket(). */
#define EVUTIL_CLOSESOCKET(s) evutil_closesocket(s)
/**
 * Creates a connected pair of sockets, like socketpair(2).
 * @return 0 on success, -1 with errno set on failure.
 */
int evutil_socketpair(int domain, int type, int protocol,
                      evutil_socket_t sv[2]);
struct timezone;
/**
 * Reads the wall-clock time, like gettimeofday(2).
 * @param tv receives the time.
 * @param tz ignored; may be NULL.
 * @return 0 on success, -1 on failure.
 */
int evutil_gettimeofday(struct timeval *tv, struct timezone *tz);
/** Parses a signed 64-bit integer in base `base` (strtoll semantics). */
ev_int64_t evutil_strtoll(const char *s, char **endptr, int base);
/**
 * snprintf() that always NUL-terminates.
 * @return the length the full output would have had, or -1 on error.
 */
int evutil_snprintf(char *buf, size_t buflen, const char *format, ...)
    __attribute__((format(printf, 3, 4)));
/**
 * Emits a message through libev's log, exactly as the library's own
 * messages are: to the callback set with event_set_log_callback(), or one
 * line on stderr by default; EVENT_LOG_DEBUG messages are dropped unless
 * event_enable_debug_logging() turned them on.  Messages longer than about
 * 1 KiB are truncated.
 *
 * libev extension: libevent has no public equivalent.  The HTTP and DNS
 * libraries use it so their messages reach the same callback as the core's.
 * @param severity EVENT_LOG_DEBUG, EVENT_LOG_MSG, EVENT_LOG_WARN or
 *                 EVENT_LOG_ERR.
 * @param fmt printf-style format of the message (no trailing newline).
 * @param ... the arguments of `fmt`.
 */
void evutil_log(int severity, const char *fmt, ...)
#ifdef __GNUC__
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/** Case-insensitive ASCII comparison, independent of the locale. */
int evutil_ascii_strcasecmp(const char *s1, const char *s2);
/** Case-insensitive ASCII comparison of at most `n` bytes. */
int evutil_ascii_strncasecmp(const char *s1, const char *s2, size_t n);

/** Socket error of the last call (errno on POSIX). */
#define EVUTIL_SOCKET_ERROR() (errno)
/** Sets the socket error (errno on POSIX). */
#define EVUTIL_SET_SOCKET_ERROR(errcode)                                       \
	do {                                                                   \
		errno = (errcode);                                             \
	} while (0)
/** Text of a socket error code. */
#define evutil_socket_error_to_string(errcode) (strerror(errcode))

#ifdef __cplusplus
}
#endif
#endif /* LIBEV_EVUTIL_H */
