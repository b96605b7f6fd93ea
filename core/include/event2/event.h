/**
 * @file event2/event.h
 * @brief libevent 2.x header name for the core event API (event.h).
 */
#ifndef LIBEV_EVENT2_EVENT_H
#define LIBEV_EVENT2_EVENT_H
#include <event.h>
#endif
