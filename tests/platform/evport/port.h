/*
 * Test-only emulation of Solaris/illumos event ports on Linux (see
 * tests/platform/evport/evport.c).  Names, types and constants follow
 * <port.h>/<sys/port.h>, so backend-evport/evport.c compiles against this
 * header unchanged; only the include path differs.  Never installed.
 */
#ifndef LIBEV_EMUL_PORT_H
#define LIBEV_EMUL_PORT_H

#include <poll.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Solaris spelling of unsigned int. */
typedef unsigned int uint_t;
/** Solaris spelling of unsigned short. */
typedef unsigned short ushort_t;
/** Solaris spelling of struct timespec. */
typedef struct timespec timespec_t;

/** Source: asynchronous I/O completion (not emulated). */
#define PORT_SOURCE_AIO 1
/** Source: timer expiry (not emulated). */
#define PORT_SOURCE_TIMER 2
/** Source: an event posted by port_send(). */
#define PORT_SOURCE_USER 3
/** Source: a file descriptor's poll(2) status; the association is one-shot. */
#define PORT_SOURCE_FD 4
/** Source: the port is in alert mode (port_alert()). */
#define PORT_SOURCE_ALERT 5

/** port_alert(): enter alert mode (events 0: leave it). */
#define PORT_ALERT_SET 0x01
/** port_alert(): enter alert mode, EBUSY if it already is. */
#define PORT_ALERT_UPDATE 0x02

/** One retrieved event. */
typedef struct port_event {
	int portev_events;       /**< poll(2) revents for PORT_SOURCE_FD */
	ushort_t portev_source;  /**< PORT_SOURCE_* */
	ushort_t portev_pad;     /**< reserved */
	uintptr_t portev_object; /**< the fd for PORT_SOURCE_FD */
	void *portev_user;       /**< the user pointer given at association */
} port_event_t;

/** Creates a port; returns its descriptor or -1. */
int port_create(void);
/** Associates `object` (an fd) with the port for poll(2) `events`. */
int port_associate(int port, int source, uintptr_t object, int events,
                   void *user);
/** Removes an association; ENOENT when there is none. */
int port_dissociate(int port, int source, uintptr_t object);
/** Posts a PORT_SOURCE_USER event. */
int port_send(int port, int events, void *user);
/** Retrieves one event; -1 with ETIME when the timeout expires. */
int port_get(int port, port_event_t *pe, const timespec_t *timeout);
/**
 * Retrieves up to `max` events, waiting until `*nget` are available or the
 * timeout expires (-1 with ETIME, `*nget` updated to what was retrieved).
 */
int port_getn(int port, port_event_t list[], uint_t max, uint_t *nget,
              const timespec_t *timeout);
/** Sets or clears alert mode. */
int port_alert(int port, int flags, int events, void *user);

#ifdef __cplusplus
}
#endif
#endif
