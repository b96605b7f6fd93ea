/**
 * @file event2/event_compat.h
 * @brief libevent 2.x header for the 1.x global-base functions; in libev
 *        they live in event.h.
 */
#ifndef LIBEV_EVENT2_EVENT_COMPAT_H
#define LIBEV_EVENT2_EVENT_COMPAT_H
#include <event.h>
#endif
